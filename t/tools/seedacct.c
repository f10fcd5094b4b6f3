/*
 * seedacct DB KEYFILE CLIENT_ID < token-response.json
 *
 * For tests that need an account but not the browser dance: reads a
 * token response (the simulator's /_sim/issue) on stdin, fetches the
 * profile from WHOOP_API_URL, and stores both exactly as whoop-auth
 * does, creating the database and the key file if needed.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "whoop.h"

int
main(int argc, char *argv[])
{
	struct whoop_tokens	 tok;
	struct whoop_client	 cl;
	struct whoop_page	 page;
	struct whoop_key	 key;
	struct whoop_http	*h;
	struct whoop		*w;
	const struct whoop_colspec *cs;
	char			 buf[16384];
	size_t			 n, i;
	int64_t			 acct = -1;
	int			 change;

	if (argc != 4)
		errx(2, "usage: seedacct db keyfile client_id < tokens.json");
	if ((w = whoop_new()) == NULL)
		err(1, NULL);
	n = fread(buf, 1, sizeof(buf) - 1, stdin);
	buf[n] = '\0';
	if (whoop_oauth_parse_tokens(w, buf, n, whoop_time_now_ms(),
	    &tok) == -1)
		errx(1, "tokens: %s", whoop_errmsg(w));
	whoop_wipe(buf, sizeof(buf));
	if (access(argv[2], F_OK) == -1 && whoop_key_create(w, argv[2]) == -1)
		errx(1, "%s", whoop_errmsg(w));
	if (whoop_key_load(w, argv[2], NULL, &key) == -1 ||
	    whoop_db_open(w, argv[1], WHOOP_DB_CREATE) == -1 ||
	    (h = whoop_http_new(w, NULL)) == NULL)
		errx(1, "%s", whoop_errmsg(w));
	if (whoop_api_page(h, WHOOP_C_PROFILE, tok.access_token, NULL, NULL,
	    NULL, 0, &page) == -1 || page.nrecs != 1)
		errx(1, "profile: %s", whoop_errmsg(w));
	cs = whoop_colspec(WHOOP_C_PROFILE);
	for (i = 0; i < cs->nfields; i++)
		if (strcmp(cs->fields[i].column, "user_id") == 0)
			acct = page.recs[0].v[i].i;
	cl.client_id = argv[3];
	cl.client_secret = getenv("WHOOP_CLIENT_SECRET");
	cl.redirect_uri = NULL;
	if (whoop_db_begin(w) == -1 ||
	    whoop_cred_store(w, &key, acct, &cl, &tok) == -1 ||
	    whoop_store_upsert(w, acct, &page.recs[0], &change) == -1 ||
	    whoop_db_commit(w) == -1)
		errx(1, "%s", whoop_errmsg(w));
	printf("%lld\n", (long long)acct);
	whoop_page_free(&page);
	whoop_tokens_clear(&tok);
	whoop_key_wipe(&key);
	whoop_http_free(h);
	whoop_free(w);
	return 0;
}
