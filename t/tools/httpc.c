/*
 * httpc: drive libwhoop's HTTP layer from shell tests.
 *
 *	httpc [-b file] [-c coll] [-m method] [-p tries,backoff_ms,max_wait,
 *	    total_timeout,low_speed_time,max_body] path
 *
 * The bearer token is read from standard input (never argv).  Prints
 * "rc=N err=NAME status=N requests=N" and the error message on stdout,
 * the body into -b file.  With -c, parses the body as that collection.
 * -m POST sends a refresh-token form to path (the token from stdin as
 * the refresh token), the way a token request goes out.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "whoop.h"

static const char *const names[] = {
	"none", "fail", "nomem", "io", "config", "key_wrong", "seal", "db",
	"db_corrupt", "db_newer", "busy", "net", "rate", "auth", "http",
	"proto", "tls", "parse",
};

int
main(int argc, char *argv[])
{
	struct whoop_http_policy pol;
	struct whoop_resp	 r;
	struct whoop_page	 page;
	struct whoop_http	*h;
	struct whoop		*w;
	const struct whoop_colspec *cs = NULL;
	const char		*method = "GET", *bodyfile = NULL, *p;
	char			 tok[4096];
	long			 v[6];
	int			 ch, rc, e;
	FILE			*f;

	memset(&r, 0, sizeof(r));
	if ((w = whoop_new()) == NULL)
		err(1, NULL);
	if ((h = whoop_http_new(w, NULL)) == NULL) {
		e = whoop_errcode(w);
		printf("rc=-1 err=%s status=0 requests=0\n%s\n", names[e],
		    whoop_errmsg(w));
		whoop_free(w);
		return 0;
	}
	whoop_http_policy(h, &pol);
	while ((ch = getopt(argc, argv, "b:c:m:p:")) != -1) {
		switch (ch) {
		case 'b':
			bodyfile = optarg;
			break;
		case 'c':
			if ((cs = whoop_colspec_byname(optarg)) == NULL)
				errx(2, "no collection %s", optarg);
			break;
		case 'm':
			method = optarg;
			break;
		case 'p':
			if (sscanf(optarg, "%ld,%ld,%ld,%ld,%ld,%ld", &v[0],
			    &v[1], &v[2], &v[3], &v[4], &v[5]) != 6)
				errx(2, "-p tries,backoff,max_wait,total,"
				    "lowspeed,max_body");
			pol.max_tries = (int)v[0];
			pol.backoff_ms = v[1];
			pol.max_wait = v[2];
			pol.total_timeout = v[3];
			pol.low_speed_time = v[4];
			pol.max_body = (size_t)v[5];
			pol.max_total = 60;
			break;
		default:
			return 2;
		}
	}
	if (optind + 1 != argc)
		errx(2, "usage: httpc [-b file] [-c coll] [-m method] "
		    "[-p policy] path");
	whoop_http_setpolicy(h, &pol);
	if (fgets(tok, sizeof(tok), stdin) == NULL)
		tok[0] = '\0';
	tok[strcspn(tok, "\n")] = '\0';

	p = argv[optind];
	if (cs != NULL) {
		rc = whoop_api_page(h, cs->coll, tok, NULL, NULL, NULL, 0,
		    &page);
		e = whoop_errcode(w);
		printf("rc=%d err=%s status=0 requests=%ld records=%zu "
		    "rejected=%zu\n%s\n%s\n", rc, names[e],
		    whoop_http_requests(h), rc == 0 ? page.nrecs : 0,
		    rc == 0 ? page.nrejected : 0, rc ? whoop_errmsg(w) : "",
		    rc == 0 ? page.reject_msg : "");
		if (rc == 0)
			whoop_page_free(&page);
	} else {
		const char *form[] = { "grant_type", "refresh_token",
		    "refresh_token", tok, "client_id", "sim-client-id", NULL };

		if (strcmp(method, "DELETE") == 0)
			rc = whoop_http_delete(h, p, tok, &r);
		else if (strcmp(method, "POST") == 0)
			rc = whoop_http_post_form(h, p, form, &r);
		else
			rc = whoop_http_get(h, p, NULL, tok, &r);
		e = whoop_errcode(w);
		printf("rc=%d err=%s status=%ld requests=%ld\n%s\n", rc,
		    names[e], r.status, whoop_http_requests(h),
		    rc ? whoop_errmsg(w) : "");
		if (bodyfile != NULL && r.body != NULL &&
		    (f = fopen(bodyfile, "w")) != NULL) {
			fwrite(r.body, 1, r.len, f);
			fclose(f);
		}
	}
	memset(tok, 0, sizeof(tok));
	whoop_resp_free(&r);
	whoop_http_free(h);
	whoop_free(w);
	return 0;
}
