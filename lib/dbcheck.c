/*
 * The check made on every open, and the one a person asks for.
 *
 * PRAGMA quick_check reads every page of the file, so a run that does a
 * few rows' work would pay for the whole history, every 15 minutes.  The
 * check on open is bounded instead: it reads the header that SQLite has
 * read anyway (SQLite itself refuses a file shorter than its header
 * says: a full disk, a copy that stopped, a filesystem that lost its
 * tail) and walks the newest edge of each table, a few pages each, before
 * anything is written.  A page damaged in the middle is found by SQLite when a run reads it (the
 * error says "damaged"), and always by the health check, whoop-sync -c,
 * which runs PRAGMA integrity_check over every page (whoop_db_check).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "extern.h"

/* An integer PRAGMA; -1 on error (the message is on w). */
static int
pragma_i64(struct whoop *w, const char *sql, sqlite3_int64 *out)
{
	sqlite3_stmt	*st = NULL;
	int		 rc;

	if (sqlite3_prepare_v2(w->db, sql, -1, &st, NULL) != SQLITE_OK)
		return whoop_seterrdb(w, "%s", sql);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) == SQLITE_NULL)
		*out = 0;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return whoop_seterrdb(w, "%s", sql);
	return 0;
}

/*
 * The tables' newest edge: max(rowid) walks the rightmost path of a
 * table's b-tree, a page per level, and that edge is where a sync
 * appends, so where a torn write is likeliest.  Table names are ours.
 * Not credentials: whoop-export never touches it (whoop-sync reads every
 * token it uses, so damage there is met all the same).
 */
static const char *const edges[] = {
	"SELECT max(rowid) FROM accounts",
	"SELECT max(rowid) FROM sync_state",
	"SELECT max(rowid) FROM audit",
	"SELECT max(rowid) FROM profile",
	"SELECT max(rowid) FROM body_measurement",
	"SELECT max(rowid) FROM cycle",
	"SELECT max(rowid) FROM recovery",
	"SELECT max(rowid) FROM sleep",
	"SELECT max(rowid) FROM workout",
};

/*
 * The cheap check: 0 when the file looks whole, 1 with what is wrong in
 * *report (malloc'd), -1 on error.  Its cost is the header and a few
 * pages a table, whatever the size of the file.
 */
int
whoop_db_sane(struct whoop *w, char **report)
{
	sqlite3_int64	 pages = 0, nfree = 0, v;
	char		 buf[512];
	size_t		 i;

	*report = NULL;
	if (w == NULL || w->db == NULL)
		return whoop_seterr(w, WHOOP_E_FAIL, "no database open");
	/* page_count reads the header (or the WAL's newest commit). */
	if (pragma_i64(w, "PRAGMA page_count", &pages) == -1 ||
	    pragma_i64(w, "PRAGMA freelist_count", &nfree) == -1)
		return -1;
	if (pages == 0)
		return 0;	/* empty: the schema is made next */
	buf[0] = '\0';
	if (nfree < 0 || nfree >= pages)
		(void)snprintf(buf, sizeof(buf), "the header counts %lld "
		    "free pages of %lld", (long long)nfree, (long long)pages);
	for (i = 0; buf[0] == '\0' && i < sizeof(edges) / sizeof(edges[0]);
	    i++) {
		if (pragma_i64(w, edges[i], &v) == 0)
			continue;
		/* No such table: an empty file, its schema made next. */
		if (sqlite3_errcode(w->db) == SQLITE_ERROR) {
			whoop_clearerr(w);
			continue;
		}
		if (whoop_errcode(w) != WHOOP_E_DB_CORRUPT)
			return -1;
		(void)snprintf(buf, sizeof(buf), "%s", whoop_errmsg(w));
	}
	if (buf[0] == '\0')
		return 0;
	if ((*report = strdup(buf)) == NULL)
		return whoop_seterr(w, WHOOP_E_NOMEM, "out of memory");
	return 1;
}
