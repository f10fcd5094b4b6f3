/*
 * dbfill DB ACCOUNT [TYPE FILE ...]: make a whoop database for the shell
 * tests without a WHOOP service or a key.  Creates DB (schema and all)
 * if it is not there, adds an accounts row for ACCOUNT, and stores the
 * records of each FILE, a WHOOP-shaped page of TYPE (or the single
 * object of profile and body), through whoop_page_parse and
 * whoop_store_upsert, in one transaction.  A rejected record is an
 * error: a fixture that does not parse must fail its test.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "extern.h"

static char *
slurp(const char *path, size_t *len)
{
	FILE	*f;
	char	*buf = NULL;
	size_t	 cap = 0, n = 0, r;

	if ((f = fopen(path, "r")) == NULL)
		err(1, "%s", path);
	for (;;) {
		if (cap - n < 4096) {
			cap = cap ? cap * 2 : 8192;
			if ((buf = realloc(buf, cap)) == NULL)
				err(1, NULL);
		}
		r = fread(buf + n, 1, cap - n - 1, f);
		n += r;
		if (r == 0)
			break;
	}
	if (ferror(f))
		err(1, "%s", path);
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* The accounts row the record tables refer to. */
static void
add_account(struct whoop *w, int64_t account)
{
	sqlite3_stmt	*st;
	char		 now[WHOOP_TIMESTR_LEN];

	(void)whoop_time_format(whoop_time_now_ms(), now, sizeof(now));
	if (sqlite3_prepare_v2(w->db, "INSERT OR IGNORE INTO accounts "
	    "(account_id, created_at, updated_at) VALUES (?1, ?2, ?2)", -1,
	    &st, NULL) != SQLITE_OK)
		errx(1, "prepare: %s", sqlite3_errmsg(w->db));
	if (sqlite3_bind_int64(st, 1, account) != SQLITE_OK ||
	    sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_DONE)
		errx(1, "accounts: %s", sqlite3_errmsg(w->db));
	sqlite3_finalize(st);
}

int
main(int argc, char *argv[])
{
	const struct whoop_colspec	*cs;
	struct whoop_page		 page;
	struct whoop			*w;
	long long			 account;
	char				*body;
	size_t				 len, i;
	long				 stored = 0;
	int				 a;

	if (argc < 3 || (argc - 3) % 2 != 0)
		errx(2, "usage: dbfill db account [type file ...]");
	if ((w = whoop_new()) == NULL)
		err(1, NULL);
	if (whoop_strtoll(w, argv[2], 1, INT64_MAX, &account) == -1)
		errx(2, "account: %s", whoop_errmsg(w));
	if (whoop_db_open(w, argv[1], WHOOP_DB_CREATE) == -1 ||
	    whoop_db_begin(w) == -1)
		errx(1, "%s", whoop_errmsg(w));
	add_account(w, account);
	for (a = 3; a < argc; a += 2) {
		if ((cs = whoop_colspec_byname(argv[a])) == NULL)
			errx(2, "unknown type %s", argv[a]);
		body = slurp(argv[a + 1], &len);
		if (whoop_page_parse(w, cs->coll, body, len, &page) == -1)
			errx(1, "%s: %s", argv[a + 1], whoop_errmsg(w));
		if (page.nrejected > 0)
			errx(1, "%s: %zu rejected: %s", argv[a + 1],
			    page.nrejected, page.reject_msg);
		for (i = 0; i < page.nrecs; i++) {
			if (whoop_store_upsert(w, account, &page.recs[i],
			    NULL) == -1)
				errx(1, "%s: %s", argv[a + 1],
				    whoop_errmsg(w));
			stored++;
		}
		whoop_page_free(&page);
		free(body);
	}
	if (whoop_db_commit(w) == -1)
		errx(1, "%s", whoop_errmsg(w));
	whoop_free(w);
	printf("%ld\n", stored);
	return 0;
}
