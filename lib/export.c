/*
 * The rows behind whoop-export: one record type, its colspec columns
 * and a few derived ones, streamed from SQLite a row at a time.
 *
 * This file reads the record tables and, for the single-account check,
 * nothing else: never credentials, never the key.  It uses SQLite, the
 * colspec tables and time.c only, so that whoop-export links no JSON,
 * network or sealing code.  The SQL is assembled from the constant
 * colspec tables (names are ours, never input) and every value is bound.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "extern.h"

/* What a derived column is made of. */
enum xkind {
	X_START_LOCAL,		/* start in the record's own offset */
	X_END_LOCAL,
	X_DATE_LOCAL,		/* YYYY-MM-DD of the local start */
	X_CYCLE_START,		/* recovery: its cycle's start */
	X_SYNCED_AT,		/* body: when this measurement was stored */
};

struct xcol {
	const char	*name;
	enum whoop_ftype type;
	enum xkind	 kind;
};

static const struct xcol timed_x[] = {
	{ "start_local",	WHOOP_F_TEXT,	X_START_LOCAL },
	{ "end_local",		WHOOP_F_TEXT,	X_END_LOCAL },
	{ "date_local",		WHOOP_F_TEXT,	X_DATE_LOCAL },
};

static const struct xcol recovery_x[] = {
	{ "cycle_start",	WHOOP_F_TIME,	X_CYCLE_START },
	{ "date_local",		WHOOP_F_TEXT,	X_DATE_LOCAL },
};

static const struct xcol body_x[] = {
	{ "synced_at",		WHOOP_F_TIME,	X_SYNCED_AT },
};

#define N(a)		(sizeof(a) / sizeof((a)[0]))
/* "2026-02-18T05:13:46.070+04:00" and its NUL, with room to spare. */
#define LOCALSZ		40

struct whoop_export {
	struct whoop			*w;
	const struct whoop_colspec	*cs;
	const struct xcol		*x;
	size_t				 nx;
	sqlite3_stmt			*st;
	struct whoop_cell		*cells;	/* 1 + nfields + nx */
	size_t				 ncells;
	/* Result columns of st that the derived columns are made from. */
	int				 c_start, c_end, c_tz, c_extra;
	int				 c_raw;
	int				 raw_only;
	int				 intxn;
	/* This row's derived text, made when first asked for. */
	int				 have_start, have_end;
	char				 start_local[LOCALSZ];
	char				 end_local[LOCALSZ];
	char				 date_local[16];
};

static const struct xcol *
xcols(enum whoop_coll coll, size_t *n)
{
	switch (coll) {
	case WHOOP_C_CYCLE:
	case WHOOP_C_SLEEP:
	case WHOOP_C_WORKOUT:
		*n = N(timed_x);
		return timed_x;
	case WHOOP_C_RECOVERY:
		*n = N(recovery_x);
		return recovery_x;
	case WHOOP_C_BODY:
		*n = N(body_x);
		return body_x;
	default:
		*n = 0;
		return NULL;
	}
}

size_t
whoop_export_ncols(enum whoop_coll coll)
{
	const struct whoop_colspec	*cs;
	size_t				 nx;

	if ((cs = whoop_colspec(coll)) == NULL)
		return 0;
	(void)xcols(coll, &nx);
	return 1 + cs->nfields + nx;
}

const char *
whoop_export_col(enum whoop_coll coll, size_t i, enum whoop_ftype *type)
{
	const struct whoop_colspec	*cs;
	const struct xcol		*x;
	size_t				 nx;
	enum whoop_ftype		 dummy;

	if (type == NULL)
		type = &dummy;
	if ((cs = whoop_colspec(coll)) == NULL)
		return NULL;
	x = xcols(coll, &nx);
	if (i == 0) {
		*type = WHOOP_F_INT;
		return "account_id";
	}
	i--;
	if (i < cs->nfields) {
		*type = cs->fields[i].type;
		return cs->fields[i].column;
	}
	i -= cs->nfields;
	if (i < nx) {
		*type = x[i].type;
		return x[i].name;
	}
	return NULL;
}

/* Whether rows of this type have a start that -s and -u can filter. */
int
whoop_export_hasstart(enum whoop_coll coll)
{
	const struct whoop_colspec	*cs = whoop_colspec(coll);

	return cs != NULL && (cs->start >= 0 || coll == WHOOP_C_RECOVERY);
}

static int
fieldidx(const struct whoop_colspec *cs, const char *name)
{
	size_t	 i;

	for (i = 0; i < cs->nfields; i++)
		if (strcmp(cs->fields[i].column, name) == 0)
			return (int)i;
	return -1;
}

static int
exec(struct whoop *w, const char *sql)
{
	if (sqlite3_exec(w->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return whoop_seterrdb(w, "export: %s", sql);
	return 0;
}

/*
 * If the table holds rows of one account only, that account (0 when the
 * table is empty), else -1; -2 on error.  Knowing the account lets the
 * (account_id, start) index deliver rows in start order, so nothing is
 * sorted: min and max each take one index lookup.
 */
static int64_t
sole_account(struct whoop *w, const struct whoop_colspec *cs)
{
	struct whoop_sqlbuf	 b;
	sqlite3_stmt	*st = NULL;
	int64_t		 res = -2;

	memset(&b, 0, sizeof(b));
	whoop_sqlcat(&b, "SELECT (SELECT min(account_id) FROM \"%s\"),"
	    " (SELECT max(account_id) FROM \"%s\")", cs->table, cs->table);
	if (b.over) {
		whoop_seterr(w, WHOOP_E_FAIL, "export: SQL too long");
		return -2;
	}
	if (sqlite3_prepare_v2(w->db, b.s, (int)b.n, &st, NULL) !=
	    SQLITE_OK) {
		whoop_seterrdb(w, "export %s", cs->name);
		return -2;
	}
	if (sqlite3_step(st) != SQLITE_ROW)
		whoop_seterrdb(w, "export %s", cs->name);
	else if (sqlite3_column_type(st, 0) == SQLITE_NULL)
		res = 0;
	else if (sqlite3_column_int64(st, 0) == sqlite3_column_int64(st, 1))
		res = sqlite3_column_int64(st, 0);
	else
		res = -1;
	sqlite3_finalize(st);
	return res;
}

/*
 * The query.  Result columns: account_id, the colspec columns, then the
 * recovery's cycle start and offset or the body's synced_at, then raw.
 * Ties in start order are broken by the key (by the rowid when one
 * account is read), so the order is total and a repeated export gives
 * the same bytes.
 */
static void
build_select(struct whoop_sqlbuf *b, struct whoop_export *ex,
    const struct whoop_export_query *q, int64_t account)
{
	const struct whoop_colspec	*cs = ex->cs, *cy;
	const char			*key = NULL, *sa = "t", *sc = NULL;
	const char			*pre = " WHERE";
	size_t				 i;
	int				 col;

	cy = whoop_colspec(WHOOP_C_CYCLE);
	if (cs->key >= 0)
		key = cs->fields[cs->key].column;
	/*
	 * Raw JSON only: every result column costs a decode a row, so a
	 * column nobody reads is not asked for.  The raw column is then
	 * column 0, and the derived ones are never made.
	 */
	whoop_sqlcat(b, "SELECT %s", q->raw_only ? "t.raw" : "t.account_id");
	for (i = 0; !q->raw_only && i < cs->nfields; i++)
		whoop_sqlcat(b, ", t.\"%s\"", cs->fields[i].column);
	col = q->raw_only ? 0 : 1 + (int)cs->nfields;
	ex->c_start = ex->c_end = ex->c_tz = ex->c_extra = -1;
	if (cs->start >= 0) {
		/* The start, the alias and column that -s and -u test. */
		sc = cs->fields[cs->start].column;
		ex->c_start = 1 + cs->start;
		if ((ex->c_end = fieldidx(cs, "end")) >= 0)
			ex->c_end++;
		if ((ex->c_tz = fieldidx(cs, "timezone_offset")) >= 0)
			ex->c_tz++;
	} else if (cs->coll == WHOOP_C_RECOVERY) {
		/* A recovery has no start: its cycle's stands in. */
		sa = "c";
		sc = cy->fields[cy->start].column;
		if (!q->raw_only) {
			whoop_sqlcat(b, ", c.\"%s\", c.\"%s\"", sc,
			    "timezone_offset");
			ex->c_start = col++;
			ex->c_tz = col++;
		}
	} else if (cs->coll == WHOOP_C_BODY && !q->raw_only) {
		whoop_sqlcat(b, ", t.synced_at");
		ex->c_extra = col++;
	}
	if (!q->raw_only)
		whoop_sqlcat(b, ", t.raw");
	ex->c_raw = col;

	whoop_sqlcat(b, " FROM \"%s\" AS t", cs->table);
	if (cs->coll == WHOOP_C_RECOVERY)
		whoop_sqlcat(b, " LEFT JOIN \"%s\" AS c ON c.account_id ="
		    " t.account_id AND c.\"%s\" = t.\"%s\"", cy->table,
		    cy->fields[cy->key].column, key);
	if (account > 0) {
		whoop_sqlcat(b, "%s t.account_id = ?1", pre);
		pre = " AND";
	}
	if (sc != NULL && q->since != NULL) {
		whoop_sqlcat(b, "%s %s.\"%s\" >= ?2", pre, sa, sc);
		pre = " AND";
	}
	if (sc != NULL && q->until != NULL)
		whoop_sqlcat(b, "%s %s.\"%s\" < ?3", pre, sa, sc);

	switch (cs->coll) {
	case WHOOP_C_RECOVERY:
		/* NULLs sort first in SQLite: put the orphans last. */
		whoop_sqlcat(b, " ORDER BY c.\"%s\" IS NULL, c.\"%s\","
		    " t.account_id, t.\"%s\"", sc, sc, key);
		break;
	case WHOOP_C_BODY:
		whoop_sqlcat(b, " ORDER BY t.id");
		break;
	case WHOOP_C_PROFILE:
		whoop_sqlcat(b, " ORDER BY t.account_id");
		break;
	default:
		/*
		 * The index (account_id, start) holds the rowid too, so with
		 * one account it gives this order as it is: no sorting.
		 */
		if (account > 0)
			whoop_sqlcat(b, " ORDER BY t.\"%s\", t.rowid", sc);
		else
			whoop_sqlcat(b, " ORDER BY t.\"%s\", t.account_id,"
			    " t.\"%s\"", sc, key);
		break;
	}
}

struct whoop_export *
whoop_export_open(struct whoop *w, const struct whoop_export_query *q)
{
	struct whoop_export	*ex;
	struct whoop_sqlbuf		 b;
	int64_t			 account;
	int			 rc = SQLITE_OK;

	if (w == NULL)
		return NULL;
	if (w->db == NULL) {
		whoop_seterr(w, WHOOP_E_FAIL, "no database open");
		return NULL;
	}
	if (q == NULL || whoop_colspec(q->coll) == NULL) {
		whoop_seterr(w, WHOOP_E_FAIL, "export: no such record type");
		return NULL;
	}
	if ((q->since != NULL || q->until != NULL) &&
	    !whoop_export_hasstart(q->coll)) {
		whoop_seterr(w, WHOOP_E_FAIL, "export: %s records have no "
		    "start to filter on", whoop_colspec(q->coll)->name);
		return NULL;
	}
	if ((ex = calloc(1, sizeof(*ex))) == NULL) {
		whoop_seterrno(w, WHOOP_E_NOMEM, "malloc");
		return NULL;
	}
	ex->w = w;
	ex->raw_only = q->raw_only != 0;
	ex->cs = whoop_colspec(q->coll);
	ex->x = xcols(q->coll, &ex->nx);
	ex->ncells = whoop_export_ncols(q->coll);
	if ((ex->cells = calloc(ex->ncells, sizeof(*ex->cells))) == NULL) {
		whoop_seterrno(w, WHOOP_E_NOMEM, "malloc");
		goto fail;
	}

	/*
	 * One read transaction for everything below and every step: a
	 * consistent snapshot, however long the reader takes and whatever
	 * a sync commits meanwhile (WAL lets both go on).
	 */
	if (exec(w, "BEGIN") == -1)
		goto fail;
	ex->intxn = 1;
	account = q->account;
	if (account <= 0 && ex->cs->coll != WHOOP_C_BODY &&
	    ex->cs->coll != WHOOP_C_PROFILE) {
		if ((account = sole_account(w, ex->cs)) == -2)
			goto fail;
	}

	memset(&b, 0, sizeof(b));
	build_select(&b, ex, q, account);
	if (b.over) {
		whoop_seterr(w, WHOOP_E_FAIL, "export: SQL too long");
		goto fail;
	}
	if (sqlite3_prepare_v2(w->db, b.s, (int)b.n, &ex->st, NULL) !=
	    SQLITE_OK) {
		whoop_seterrdb(w, "export %s", ex->cs->name);
		goto fail;
	}
	if (account > 0)
		rc = sqlite3_bind_int64(ex->st, 1, account);
	if (rc == SQLITE_OK && q->since != NULL)
		rc = sqlite3_bind_text(ex->st, 2, q->since, -1,
		    SQLITE_TRANSIENT);
	if (rc == SQLITE_OK && q->until != NULL)
		rc = sqlite3_bind_text(ex->st, 3, q->until, -1,
		    SQLITE_TRANSIENT);
	if (rc != SQLITE_OK) {
		whoop_seterrdb(w, "export %s: bind", ex->cs->name);
		goto fail;
	}
	return ex;
fail:
	whoop_export_close(ex);
	return NULL;
}

static void
cell_get(sqlite3_stmt *st, int col, struct whoop_cell *c)
{
	memset(c, 0, sizeof(*c));
	switch (sqlite3_column_type(st, col)) {
	case SQLITE_INTEGER:
		c->type = WHOOP_V_INT;
		c->i = sqlite3_column_int64(st, col);
		break;
	case SQLITE_FLOAT:
		c->type = WHOOP_V_REAL;
		c->d = sqlite3_column_double(st, col);
		break;
	case SQLITE_NULL:
		c->type = WHOOP_V_NULL;
		break;
	default:
		/* TEXT, and a BLOB as its bytes: the writer prints it safely. */
		c->s = (const char *)sqlite3_column_text(st, col);
		if (c->s == NULL) {
			c->type = WHOOP_V_NULL;
			break;
		}
		c->type = WHOOP_V_TEXT;
		c->len = (size_t)sqlite3_column_bytes(st, col);
		break;
	}
}

static void
cell_text(struct whoop_cell *c, const char *s)
{
	memset(c, 0, sizeof(*c));
	if (s == NULL || *s == '\0') {
		c->type = WHOOP_V_NULL;
		return;
	}
	c->type = WHOOP_V_TEXT;
	c->s = s;
	c->len = strlen(s);
}

/*
 * A stored UTC time at the record's offset, into buf; "" when either
 * is missing or malformed (the cell is then NULL, not an error: one odd
 * row must not stop an export).
 */
static void
localtime_of(sqlite3_stmt *st, int ctime, int ctz, char *buf, size_t bufsz)
{
	const char	*t, *tz;
	int64_t		 ms;
	int		 off;

	buf[0] = '\0';
	if (ctime < 0 || ctz < 0)
		return;
	t = (const char *)sqlite3_column_text(st, ctime);
	tz = (const char *)sqlite3_column_text(st, ctz);
	if (t == NULL || tz == NULL ||
	    whoop_time_parse(NULL, t, &ms) == -1 ||
	    whoop_tzoffset_parse(NULL, tz, &off) == -1 ||
	    whoop_time_format_local(ms, off, buf, bufsz) == -1)
		buf[0] = '\0';
}

int
whoop_export_step(struct whoop_export *ex)
{
	int	 rc;

	if (ex == NULL || ex->st == NULL)
		return -1;
	ex->have_start = ex->have_end = 0;
	rc = sqlite3_step(ex->st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return whoop_seterrdb(ex->w, "export %s", ex->cs->name);
}

/*
 * Column i of the current row, made when asked for: a raw export asks
 * for none and pays for none, and the local times are worked out once a
 * row whichever columns want them.
 */
const struct whoop_cell *
whoop_export_cell(struct whoop_export *ex, size_t i)
{
	const struct whoop_colspec	*cs;
	struct whoop_cell		*c;

	if (ex == NULL || ex->st == NULL || i >= ex->ncells || ex->raw_only)
		return NULL;
	cs = ex->cs;
	c = &ex->cells[i];
	if (i <= cs->nfields) {
		cell_get(ex->st, (int)i, c);
		return c;
	}
	if (!ex->have_start) {
		localtime_of(ex->st, ex->c_start, ex->c_tz, ex->start_local,
		    sizeof(ex->start_local));
		ex->date_local[0] = '\0';
		if (strlen(ex->start_local) >= 10) {
			memcpy(ex->date_local, ex->start_local, 10);
			ex->date_local[10] = '\0';
		}
		ex->have_start = 1;
	}
	switch (ex->x[i - 1 - cs->nfields].kind) {
	case X_START_LOCAL:
		cell_text(c, ex->start_local);
		break;
	case X_END_LOCAL:
		if (!ex->have_end) {
			localtime_of(ex->st, ex->c_end, ex->c_tz,
			    ex->end_local, sizeof(ex->end_local));
			ex->have_end = 1;
		}
		cell_text(c, ex->end_local);
		break;
	case X_DATE_LOCAL:
		cell_text(c, ex->date_local);
		break;
	case X_CYCLE_START:
		cell_get(ex->st, ex->c_start, c);
		break;
	case X_SYNCED_AT:
		cell_get(ex->st, ex->c_extra, c);
		break;
	}
	return c;
}

const char *
whoop_export_raw(const struct whoop_export *ex, size_t *len)
{
	const char	*s;

	*len = 0;
	if (ex == NULL || ex->st == NULL ||
	    (s = (const char *)sqlite3_column_text(ex->st, ex->c_raw)) ==
	    NULL)
		return NULL;
	*len = (size_t)sqlite3_column_bytes(ex->st, ex->c_raw);
	return s;
}

int
whoop_export_close(struct whoop_export *ex)
{
	int	 rc = 0;

	if (ex == NULL)
		return 0;
	sqlite3_finalize(ex->st);
	if (ex->intxn && ex->w->db != NULL &&
	    !sqlite3_get_autocommit(ex->w->db)) {
		/* Nothing was written: COMMIT only ends the snapshot. */
		if (sqlite3_exec(ex->w->db, "COMMIT", NULL, NULL, NULL) !=
		    SQLITE_OK) {
			rc = whoop_seterrdb(ex->w, "export: COMMIT");
			sqlite3_exec(ex->w->db, "ROLLBACK", NULL, NULL, NULL);
		}
	}
	free(ex->cells);
	free(ex);
	return rc;
}
