/*
 * credcheck DB KEYFILE ACCOUNT: open an account's sealed credentials
 * with a key file and say "ok" or the error class, for shell tests.
 * Prints no secret: only whether each one opened and its length.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "whoop.h"

int
main(int argc, char *argv[])
{
	struct whoop_cred	 c;
	struct whoop_key	 key;
	struct whoop		*w;
	long long		 acct;

	if (argc != 4)
		errx(2, "usage: credcheck db keyfile account");
	if ((w = whoop_new()) == NULL)
		err(1, NULL);
	if (whoop_strtoll(w, argv[3], 1, INT64_MAX, &acct) == -1)
		errx(2, "%s", whoop_errmsg(w));
	if (whoop_db_open(w, argv[1], 0) == -1 ||
	    whoop_key_load(w, argv[2], NULL, &key) == -1) {
		printf("error %d %s\n", whoop_errcode(w), whoop_errmsg(w));
		whoop_free(w);
		return 1;
	}
	if (whoop_cred_load(w, &key, acct, &c) == -1) {
		printf("error %d %s\n", whoop_errcode(w), whoop_errmsg(w));
		whoop_key_wipe(&key);
		whoop_free(w);
		return 1;
	}
	printf("ok access=%zu refresh=%zu secret=%zu\n",
	    strlen(c.tok.access_token),
	    c.tok.refresh_token ? strlen(c.tok.refresh_token) : 0,
	    c.client_secret ? strlen(c.client_secret) : 0);
	whoop_cred_clear(&c);
	whoop_key_wipe(&key);
	whoop_free(w);
	return 0;
}
