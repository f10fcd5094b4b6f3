/*
 * Rows of the app's export into the app_* and journal tables: compare,
 * insert or update, link to the API's records, and the local account.
 *
 * A row is keyed by its start (a journal answer by its cycle's start and
 * its question).  A row whose raw text equals the stored one is not
 * written; a different one replaces it (a newer export knows more: the
 * current cycle's end and strain, a re-scored sleep), except that a row
 * of a cycle that has ended is never replaced by one of the same cycle
 * still open, so that an older export imported late takes nothing back.
 *
 * The SQL is assembled from the constant colspec tables (names are ours,
 * never input) and every value is bound.  Nothing here begins or
 * commits: import.c holds the whole import in one transaction.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "extern.h"

/* A column the import fills in later, from the API's tables. */
static int
is_link(const struct whoop_field *f)
{
	return f->path == NULL && strcmp(f->column, "date_local") != 0;
}

static int
prepare(struct whoop *w, const struct whoop_sqlbuf *b, sqlite3_stmt **st)
{
	*st = NULL;
	if (b->over)
		return whoop_seterr(w, WHOOP_E_FAIL, "SQL statement too long");
	if (sqlite3_prepare_v2(w->db, b->s, (int)b->n, st, NULL) !=
	    SQLITE_OK)
		return whoop_seterrdb(w, "import: prepare");
	return 0;
}

static void
key_where(struct whoop_sqlbuf *b, const struct whoop_appstore *a)
{
	size_t	 k;

	whoop_sqlcat(b, " WHERE account_id = ?1");
	for (k = 0; k < a->nkeys; k++)
		whoop_sqlcat(b, " AND \"%s\" = ?%d",
		    a->cs->fields[a->keys[k]].column, a->keys[k] + 2);
}

void
whoop_appstore_close(struct whoop_appstore *a)
{
	if (a == NULL)
		return;
	sqlite3_finalize(a->get);
	sqlite3_finalize(a->ins);
	sqlite3_finalize(a->upd);
	sqlite3_finalize(a->day);
	memset(a, 0, sizeof(*a));
}

int
whoop_appstore_open(struct whoop *w, struct whoop_appstore *a,
    enum whoop_coll coll, int64_t account, int dryrun)
{
	const struct whoop_colspec	*cs = whoop_colspec(coll);
	struct whoop_sqlbuf		 b;
	size_t				 i;
	int				 n;

	memset(a, 0, sizeof(*a));
	a->w = w;
	a->cs = cs;
	a->account = account;
	a->dryrun = dryrun;
	a->keys[a->nkeys++] = cs->start;
	if (coll == WHOOP_C_JOURNAL)
		a->keys[a->nkeys++] = cs->key;
	a->endcol = "end";
	for (i = 0; i < cs->nfields; i++)
		if (strcmp(cs->fields[i].column, "cycle_end") == 0)
			a->endcol = "cycle_end";
	if (whoop_time_format(whoop_time_now_ms(), a->now, sizeof(a->now)) ==
	    -1)
		return whoop_seterr(w, WHOOP_E_FAIL, "import: cannot read the "
		    "clock");
	if (w->db == NULL)
		return 0;	/* a dry run with no database: all is new */

	memset(&b, 0, sizeof(b));
	whoop_sqlcat(&b, "SELECT raw, \"%s\" IS NOT NULL FROM \"%s\"",
	    a->endcol, cs->table);
	key_where(&b, a);
	if (prepare(w, &b, &a->get) == -1)
		goto fail;
	if (coll == WHOOP_C_JOURNAL) {
		memset(&b, 0, sizeof(b));
		whoop_sqlcat(&b, "SELECT date_local FROM app_cycle WHERE "
		    "account_id = ?1 AND start = ?2");
		if (prepare(w, &b, &a->day) == -1)
			goto fail;
	}
	if (dryrun)
		return 0;

	/* Parameters: ?1 account, ?(i + 2) field i, then raw and time. */
	n = (int)cs->nfields + 2;
	memset(&b, 0, sizeof(b));
	whoop_sqlcat(&b, "INSERT INTO \"%s\" (account_id", cs->table);
	for (i = 0; i < cs->nfields; i++)
		if (!is_link(&cs->fields[i]))
			whoop_sqlcat(&b, ", \"%s\"", cs->fields[i].column);
	whoop_sqlcat(&b, ", raw, imported_at) VALUES (?1");
	for (i = 0; i < cs->nfields; i++)
		if (!is_link(&cs->fields[i]))
			whoop_sqlcat(&b, ", ?%zu", i + 2);
	whoop_sqlcat(&b, ", ?%d, ?%d)", n, n + 1);
	if (prepare(w, &b, &a->ins) == -1)
		goto fail;

	memset(&b, 0, sizeof(b));
	whoop_sqlcat(&b, "UPDATE \"%s\" SET raw = ?%d, imported_at = ?%d",
	    cs->table, n, n + 1);
	for (i = 0; i < cs->nfields; i++)
		if (!is_link(&cs->fields[i]))
			whoop_sqlcat(&b, ", \"%s\" = ?%zu",
			    cs->fields[i].column, i + 2);
	key_where(&b, a);
	if (prepare(w, &b, &a->upd) == -1)
		goto fail;
	return 0;
fail:
	whoop_appstore_close(a);
	return -1;
}

static int
bind_value(sqlite3_stmt *st, int i, const struct whoop_value *v)
{
	switch (v->type) {
	case WHOOP_V_INT:
		return sqlite3_bind_int64(st, i, v->i);
	case WHOOP_V_REAL:
		return sqlite3_bind_double(st, i, v->d);
	case WHOOP_V_TEXT:
		if (v->s == NULL)
			return sqlite3_bind_null(st, i);
		return sqlite3_bind_text(st, i, v->s, -1, SQLITE_STATIC);
	default:
		return sqlite3_bind_null(st, i);
	}
}

static int
bind_keys(struct whoop_appstore *a, sqlite3_stmt *st,
    const struct whoop_appmap *m)
{
	size_t	 k;
	int	 rc;

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	rc = sqlite3_bind_int64(st, 1, a->account);
	for (k = 0; rc == SQLITE_OK && k < a->nkeys; k++)
		rc = bind_value(st, a->keys[k] + 2, &m->v[a->keys[k]]);
	return rc == SQLITE_OK ? 0 : whoop_seterrdb(a->w, "import: bind");
}

/* The journal's day is its cycle's, when the cycle is known. */
static int
journal_day(struct whoop_appstore *a, struct whoop_appmap *m)
{
	const char	*s;
	struct whoop_value *d = &m->v[m->datecol];
	int		 rc;

	sqlite3_reset(a->day);
	if (sqlite3_bind_int64(a->day, 1, a->account) != SQLITE_OK ||
	    bind_value(a->day, 2, &m->v[a->cs->start]) != SQLITE_OK)
		return whoop_seterrdb(a->w, "import: bind");
	rc = sqlite3_step(a->day);
	if (rc == SQLITE_ROW) {
		s = (const char *)sqlite3_column_text(a->day, 0);
		if (s != NULL && strlen(s) == 10)
			memcpy(d->s, s, 11);
	} else if (rc != SQLITE_DONE)
		return whoop_seterrdb(a->w, "import %s", a->cs->name);
	sqlite3_reset(a->day);
	return 0;
}

int
whoop_appstore_put(struct whoop_appstore *a, struct whoop_appmap *m,
    int *change)
{
	const struct whoop_colspec	*cs = a->cs;
	const unsigned char		*old;
	sqlite3_stmt			*st;
	size_t				 i;
	int				 rc, stored_end = 0, n;
	int				 new_end;

	*change = WHOOP_STORE_INSERTED;
	if (a->w->db == NULL)
		return 0;
	if (a->day != NULL && journal_day(a, m) == -1)
		return -1;
	if (bind_keys(a, a->get, m) == -1)
		return -1;
	rc = sqlite3_step(a->get);
	if (rc == SQLITE_ROW) {
		old = sqlite3_column_text(a->get, 0);
		stored_end = sqlite3_column_int(a->get, 1);
		if (old != NULL && (size_t)sqlite3_column_bytes(a->get, 0) ==
		    m->rawlen && memcmp(old, m->raw, m->rawlen) == 0) {
			*change = WHOOP_STORE_UNCHANGED;
			sqlite3_reset(a->get);
			return 0;
		}
		*change = WHOOP_STORE_UPDATED;
	} else if (rc != SQLITE_DONE) {
		return whoop_seterrdb(a->w, "import %s", cs->name);
	}
	sqlite3_reset(a->get);
	if (*change == WHOOP_STORE_UPDATED) {
		/* An open cycle's row never replaces the ended one's. */
		new_end = 0;
		for (i = 0; i < cs->nfields; i++)
			if (strcmp(cs->fields[i].column, a->endcol) == 0)
				new_end = m->v[i].type != WHOOP_V_NULL;
		if (stored_end && !new_end) {
			*change = WHOOP_STORE_UNCHANGED;
			return 0;
		}
	}
	if (a->dryrun)
		return 0;

	st = *change == WHOOP_STORE_UPDATED ? a->upd : a->ins;
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	n = (int)cs->nfields + 2;
	rc = sqlite3_bind_int64(st, 1, a->account);
	for (i = 0; rc == SQLITE_OK && i < cs->nfields; i++)
		if (!is_link(&cs->fields[i]))
			rc = bind_value(st, (int)i + 2, &m->v[i]);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(st, n, m->raw, (int)m->rawlen,
		    SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(st, n + 1, a->now, -1, SQLITE_STATIC);
	if (rc != SQLITE_OK)
		return whoop_seterrdb(a->w, "import: bind");
	if (sqlite3_step(st) != SQLITE_DONE) {
		whoop_seterrdb(a->w, "import %s for account %lld", cs->name,
		    (long long)a->account);
		sqlite3_reset(st);
		return -1;
	}
	sqlite3_reset(st);
	return 0;
}

/*
 * The links to the API's records: the API's cycle, sleep or workout
 * whose start lies in the same second as the row's (the export has whole
 * seconds, the API milliseconds).  Rows linked already are left alone.
 */
static const struct {
	const char	*table, *link, *start, *api, *apikey;
} links[] = {
	{ "app_cycle",	"cycle_id",	"start",	"cycle",	"id" },
	{ "app_sleep",	"sleep_id",	"start",	"sleep",	"id" },
	{ "app_workout", "workout_id",	"start",	"workout",	"id" },
	{ "journal",	"cycle_id",	"cycle_start",	"cycle",	"id" },
};

int
whoop_appstore_link(struct whoop *w, int64_t account, long *linked)
{
	struct whoop_sqlbuf	 b;
	sqlite3_stmt		*st;
	size_t			 i;

	*linked = 0;
	for (i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		memset(&b, 0, sizeof(b));
#define MATCH(t) "(SELECT a.\"%s\" FROM \"%s\" AS a WHERE a.account_id = " \
	t ".account_id AND a.start >= " t ".\"%s\" AND a.start <= " \
	"substr(" t ".\"%s\", 1, 20) || '999Z' ORDER BY a.start LIMIT 1)"
		whoop_sqlcat(&b, "UPDATE \"%s\" AS t SET \"%s\" = " MATCH("t")
		    " WHERE t.account_id = ?1 AND t.\"%s\" IS NULL AND "
		    MATCH("t") " IS NOT NULL",
		    links[i].table, links[i].link, links[i].apikey,
		    links[i].api, links[i].start, links[i].start,
		    links[i].link, links[i].apikey, links[i].api,
		    links[i].start, links[i].start);
#undef MATCH
		if (prepare(w, &b, &st) == -1)
			return -1;
		if (sqlite3_bind_int64(st, 1, account) != SQLITE_OK ||
		    sqlite3_step(st) != SQLITE_DONE) {
			whoop_seterrdb(w, "import: linking %s", links[i].table);
			sqlite3_finalize(st);
			return -1;
		}
		*linked += sqlite3_changes(w->db);
		sqlite3_finalize(st);
	}
	return 0;
}

static int
exec_account(struct whoop *w, const char *sql, int64_t a, int64_t b2,
    const char *now)
{
	sqlite3_stmt	*st = NULL;
	int		 rc;

	if (sqlite3_prepare_v2(w->db, sql, -1, &st, NULL) != SQLITE_OK)
		return whoop_seterrdb(w, "accounts");
	sqlite3_bind_int64(st, 1, a);
	sqlite3_bind_int64(st, 2, b2);
	if (now != NULL)
		sqlite3_bind_text(st, 3, now, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return whoop_seterrdb(w, "accounts");
	return sqlite3_changes(w->db);
}

/* An accounts row without tokens, unless there is one. */
int
whoop_appstore_account(struct whoop *w, int64_t account)
{
	char	 now[WHOOP_TIMESTR_LEN];

	if (whoop_time_format(whoop_time_now_ms(), now, sizeof(now)) == -1)
		return whoop_seterr(w, WHOOP_E_FAIL, "cannot read the clock");
	return exec_account(w, "INSERT INTO accounts (account_id, status, "
	    "created_at, updated_at) VALUES (?1, 'needs_login', ?3, ?3) "
	    "ON CONFLICT (account_id) DO NOTHING", account, 0, now) == -1 ?
	    -1 : 0;
}

int
whoop_import_takeover(struct whoop *w, int64_t to, long *moved)
{
	static const char *const tables[] = {
		"app_cycle", "app_sleep", "app_workout", "journal",
	};
	struct whoop_sqlbuf	 b;
	size_t			 i;
	long			 linked;
	int			 n;

	*moved = 0;
	if (to == WHOOP_ACCOUNT_LOCAL)
		return whoop_seterr(w, WHOOP_E_FAIL, "the rows are in the "
		    "local account already");
	if (whoop_appstore_account(w, to) == -1)
		return -1;
	for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		/* Rows the account holds already keep theirs. */
		memset(&b, 0, sizeof(b));
		whoop_sqlcat(&b, "UPDATE OR IGNORE \"%s\" SET account_id = ?2 "
		    "WHERE account_id = ?1", tables[i]);
		if (b.over || (n = exec_account(w, b.s, WHOOP_ACCOUNT_LOCAL,
		    to, NULL)) == -1)
			return -1;
		*moved += n;
		memset(&b, 0, sizeof(b));
		whoop_sqlcat(&b, "DELETE FROM \"%s\" WHERE account_id = ?1 "
		    "AND ?2 = ?2", tables[i]);
		if (b.over || exec_account(w, b.s, WHOOP_ACCOUNT_LOCAL, to,
		    NULL) == -1)
			return -1;
	}
	if (exec_account(w, "DELETE FROM accounts WHERE account_id = ?1 AND "
	    "?2 = ?2", WHOOP_ACCOUNT_LOCAL, to, NULL) == -1)
		return -1;
	return whoop_appstore_link(w, to, &linked);
}
