/*
 * WHOOP API v2 collections: one request, one page.  The caller walks the
 * pages with next_token, resending the same start and end, as WHOOP asks.
 */
#include <stdio.h>
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
