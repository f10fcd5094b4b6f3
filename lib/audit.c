/*
 * The audit table: security events and run summaries, append-only (the
 * schema's triggers refuse UPDATE and DELETE).  Callers never pass a
 * secret; server-supplied text is escaped here before it is stored.
 */
#include <string.h>

#include <sqlite3.h>

#include "extern.h"

int
whoop_audit(struct whoop *w, int64_t account, const char *event,
    const char *detail)
{
	sqlite3_stmt	*st = NULL;
	char		 now[WHOOP_TIMESTR_LEN], esc[1024];
	int		 rc;

	if (w == NULL || w->db == NULL)
		return whoop_seterr(w, WHOOP_E_DB, "audit: no database");
	if (whoop_time_format(whoop_time_now_ms(), now, sizeof(now)) == -1)
		return whoop_seterr(w, WHOOP_E_FAIL, "audit: clock");
	if (sqlite3_prepare_v2(w->db, "INSERT INTO audit "
	    "(at, account_id, event, detail) VALUES (?1, ?2, ?3, ?4)", -1,
	    &st, NULL) != SQLITE_OK)
		return whoop_seterrdb(w, "audit");
	sqlite3_bind_text(st, 1, now, -1, SQLITE_STATIC);
	if (account > 0)
		sqlite3_bind_int64(st, 2, account);
	else
		sqlite3_bind_null(st, 2);
	sqlite3_bind_text(st, 3, event, -1, SQLITE_STATIC);
	if (detail != NULL) {
		whoop_escape(esc, sizeof(esc), detail, strlen(detail));
		sqlite3_bind_text(st, 4, esc, -1, SQLITE_STATIC);
	} else
		sqlite3_bind_null(st, 4);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return whoop_seterrdb(w, "audit");
	return 0;
}
