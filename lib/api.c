/*
 * WHOOP API v2 collections: one request, one page.  The caller walks the
 * pages with next_token, resending the same start and end, as WHOOP asks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extern.h"

#define MAX_LIMIT	25	/* WHOOP's maximum page size */

int
whoop_api_page(struct whoop_http *h, enum whoop_coll coll, const char *bearer,
    const char *start, const char *end, const char *next_token, int limit,
    struct whoop_page *page)
{
	const struct whoop_colspec	*cs = whoop_colspec(coll);
	struct whoop_resp		 r;
	const char			*q[9];
	char				 lim[16];
	int				 n = 0, rc;

	memset(page, 0, sizeof(*page));
	memset(&r, 0, sizeof(r));
	if (cs == NULL)
		return whoop_seterr(NULL, WHOOP_E_FAIL, "no such collection");
	if (cs->paginated) {
		if (limit <= 0 || limit > MAX_LIMIT)
			limit = MAX_LIMIT;
		(void)snprintf(lim, sizeof(lim), "%d", limit);
		q[n++] = "limit";
		q[n++] = lim;
		if (start != NULL) {
			q[n++] = "start";
			q[n++] = start;
		}
		if (end != NULL) {
			q[n++] = "end";
			q[n++] = end;
		}
		if (next_token != NULL) {
			q[n++] = "nextToken";
			q[n++] = next_token;
		}
	}
	q[n] = NULL;
	if (whoop_http_get(h, cs->api_path, n ? q : NULL, bearer, &r) == -1) {
		whoop_resp_free(&r);
		return -1;
	}
	rc = whoop_page_parse(whoop_http_handle(h), coll, r.body, r.len, page);
	whoop_resp_free(&r);
	return rc;
}

/*
 * One record of a collection by its key, as a page of one: cycle by id,
 * a recovery by its cycle's id, sleep and workout by UUID.  *found is 0
 * when WHOOP answers 404 (it has no such record).
 */
int
whoop_api_one(struct whoop_http *h, enum whoop_coll coll, const char *bearer,
    const char *key, struct whoop_page *page, int *found)
{
	const struct whoop_colspec	*cs = whoop_colspec(coll);
	struct whoop_resp		 r;
	char				 path[256], *body;
	size_t				 i, len;
	int				 rc;

	memset(page, 0, sizeof(*page));
	memset(&r, 0, sizeof(r));
	*found = 0;
	if (cs == NULL || !cs->paginated || key == NULL || key[0] == '\0')
		return whoop_seterr(NULL, WHOOP_E_FAIL, "no such record");
	/* Keys are digits or a UUID: nothing to escape in a path. */
	for (i = 0; key[i] != '\0'; i++)
		if (!((key[i] >= '0' && key[i] <= '9') ||
		    (key[i] >= 'a' && key[i] <= 'f') ||
		    (key[i] >= 'A' && key[i] <= 'F') || key[i] == '-') ||
		    i > 64)
			return whoop_seterr(whoop_http_handle(h), WHOOP_E_FAIL,
			    "%s: not a record key", cs->name);
	if (coll == WHOOP_C_RECOVERY)
		(void)snprintf(path, sizeof(path), "/developer/v2/cycle/%s/"
		    "recovery", key);
	else
		(void)snprintf(path, sizeof(path), "%s/%s", cs->api_path, key);
	if (whoop_http_get(h, path, NULL, bearer, &r) == -1) {
		rc = r.status == 404 ? 0 : -1;
		if (rc == 0)
			whoop_clearerr(whoop_http_handle(h));
		whoop_resp_free(&r);
		return rc;
	}
	/* The record as the one element of a page, to map it as pages are. */
	len = r.len + 16;
	if ((body = malloc(len)) == NULL) {
		whoop_resp_free(&r);
		return whoop_seterr(whoop_http_handle(h), WHOOP_E_NOMEM,
		    "out of memory");
	}
	(void)snprintf(body, len, "{\"records\":[%.*s]}", (int)r.len, r.body);
	rc = whoop_page_parse(whoop_http_handle(h), coll, body, strlen(body),
	    page);
	free(body);
	whoop_resp_free(&r);
	if (rc == 0)
		*found = 1;
	return rc;
}
