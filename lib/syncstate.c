/*
 * sync_state: per account and collection, how far a sync has come.
 * Empty strings stand for NULL columns.
 */
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "extern.h"

static void
col(sqlite3_stmt *st, int i, char *dst, size_t dstsz)
{
	const char	*s = (const char *)sqlite3_column_text(st, i);

	(void)snprintf(dst, dstsz, "%s", s != NULL ? s : "");
}

int
whoop_syncstate_get(struct whoop *w, int64_t account, const char *coll,
    struct whoop_syncstate *ss)
{
	sqlite3_stmt	*st = NULL;
	int		 rc;

	memset(ss, 0, sizeof(*ss));
	if (sqlite3_prepare_v2(w->db, "SELECT high_water, pass_start, "
	    "pass_end, cursor, last_success, last_error FROM sync_state "
	    "WHERE account_id = ?1 AND collection = ?2", -1, &st, NULL) !=
	    SQLITE_OK)
		return whoop_seterrdb(w, "sync_state");
	sqlite3_bind_int64(st, 1, account);
	sqlite3_bind_text(st, 2, coll, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		ss->exists = 1;
		col(st, 0, ss->high_water, sizeof(ss->high_water));
		col(st, 1, ss->pass_start, sizeof(ss->pass_start));
		col(st, 2, ss->pass_end, sizeof(ss->pass_end));
		col(st, 3, ss->cursor, sizeof(ss->cursor));
		col(st, 4, ss->last_success, sizeof(ss->last_success));
		col(st, 5, ss->last_error, sizeof(ss->last_error));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return whoop_seterrdb(w, "sync_state");
	return 0;
}

static void
bind_opt(sqlite3_stmt *st, int i, const char *s)
{
	if (s[0] == '\0')
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
}

int
whoop_syncstate_put(struct whoop *w, int64_t account, const char *coll,
    const struct whoop_syncstate *ss)
{
	sqlite3_stmt	*st = NULL;
	int		 rc;

	if (sqlite3_prepare_v2(w->db, "INSERT INTO sync_state (account_id, "
	    "collection, high_water, pass_start, pass_end, cursor, "
	    "last_success, last_error) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
	    "ON CONFLICT (account_id, collection) DO UPDATE SET "
	    "high_water = excluded.high_water, pass_start = "
	    "excluded.pass_start, pass_end = excluded.pass_end, cursor = "
	    "excluded.cursor, last_success = excluded.last_success, "
	    "last_error = excluded.last_error", -1, &st, NULL) != SQLITE_OK)
		return whoop_seterrdb(w, "sync_state");
	sqlite3_bind_int64(st, 1, account);
	sqlite3_bind_text(st, 2, coll, -1, SQLITE_STATIC);
	bind_opt(st, 3, ss->high_water);
	bind_opt(st, 4, ss->pass_start);
	bind_opt(st, 5, ss->pass_end);
	bind_opt(st, 6, ss->cursor);
	bind_opt(st, 7, ss->last_success);
	bind_opt(st, 8, ss->last_error);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return whoop_seterrdb(w, "sync_state");
	return 0;
}

/*
 * The start of a stored sleep: WHOOP orders and windows recoveries by
 * the start of their sleep, so the sync's cursor for recoveries is it.
 */
int
whoop_store_sleep_start(struct whoop *w, int64_t account, const char *sleep_id,
    char *buf, size_t bufsz)
{
	sqlite3_stmt	*st = NULL;
	int		 rc;

	buf[0] = '\0';
	if (sqlite3_prepare_v2(w->db, "SELECT start FROM sleep WHERE "
	    "account_id = ?1 AND id = ?2", -1, &st, NULL) != SQLITE_OK)
		return whoop_seterrdb(w, "sleep");
	sqlite3_bind_int64(st, 1, account);
	sqlite3_bind_text(st, 2, sleep_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		col(st, 0, buf, bufsz);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return whoop_seterrdb(w, "sleep");
	return buf[0] != '\0' ? 0 : -1;
}
