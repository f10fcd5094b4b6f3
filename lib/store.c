/*
 * Records into SQLite: idempotent upserts, the body measurement
 * history, and the removal of records WHOOP no longer returns.
 *
 * The SQL is assembled from the constant colspec tables (column names
 * are ours, never input) and every value is a bound parameter.  Nothing
 * here begins or commits a transaction: the caller puts a page and its
 * cursor into one (whoop_db_begin ... whoop_db_commit).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "extern.h"

static int
prepare(struct whoop *w, const struct whoop_sqlbuf *b, sqlite3_stmt **st)
{
	*st = NULL;
	if (b->over)
		return whoop_seterr(w, WHOOP_E_FAIL, "SQL statement too long");
	if (sqlite3_prepare_v2(w->db, b->s, (int)b->n, st, NULL) !=
	    SQLITE_OK)
		return whoop_seterrdb(w, "prepare");
	return 0;
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

/* The message of a failed step; a foreign key means no such account. */
static int
step_err(struct whoop *w, const struct whoop_colspec *cs, int64_t account)
{
	if (sqlite3_extended_errcode(w->db) == SQLITE_CONSTRAINT_FOREIGNKEY)
		return whoop_seterr(w, WHOOP_E_DB, "store %s: account %lld is "
		    "not in the database (FOREIGN KEY constraint failed)",
		    cs->name, (long long)account);
	return whoop_seterrdb(w, "store %s for account %lld", cs->name,
	    (long long)account);
}

/*
 * The raw JSON stored now for this record (the newest row for body
 * measurements): 1 if one is stored and equals rec's, 0 if one is
 * stored and differs, 2 if none is stored, -1 on error.
 */
static int
stored_raw(struct whoop *w, const struct whoop_colspec *cs, int64_t account,
    const struct whoop_record *rec)
{
	struct whoop_sqlbuf	 b;
	sqlite3_stmt	*st;
	const void	*raw;
	int		 rc, n, res;

	memset(&b, 0, sizeof(b));
	whoop_sqlcat(&b, "SELECT raw FROM \"%s\" WHERE account_id = ?1", cs->table);
	if (cs->key >= 0)
		whoop_sqlcat(&b, " AND \"%s\" = ?2", cs->fields[cs->key].column);
	if (cs->coll == WHOOP_C_BODY)
		whoop_sqlcat(&b, " ORDER BY id DESC LIMIT 1");
	if (prepare(w, &b, &st) == -1)
		return -1;
	if (sqlite3_bind_int64(st, 1, account) != SQLITE_OK ||
	    (cs->key >= 0 &&
	    bind_value(st, 2, &rec->v[cs->key]) != SQLITE_OK)) {
		whoop_seterrdb(w, "bind");
		sqlite3_finalize(st);
		return -1;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		raw = sqlite3_column_blob(st, 0);
		n = sqlite3_column_bytes(st, 0);
		res = (size_t)n == rec->rawlen &&
		    (n == 0 || memcmp(raw, rec->raw, rec->rawlen) == 0);
	} else if (rc == SQLITE_DONE)
		res = 2;
	else
		res = step_err(w, cs, account);
	sqlite3_finalize(st);
	return res;
}

/*
 * INSERT of every colspec column, raw, synced_at and implausible; for
 * keyed tables and the profile, an upsert that rewrites the row only
 * when its raw JSON differs.
 */
static void
build_insert(struct whoop_sqlbuf *b, const struct whoop_colspec *cs)
{
	size_t	 i;

	whoop_sqlcat(b, "INSERT INTO \"%s\" (account_id", cs->table);
	for (i = 0; i < cs->nfields; i++)
		whoop_sqlcat(b, ", \"%s\"", cs->fields[i].column);
	whoop_sqlcat(b, ", raw, synced_at, implausible) VALUES (?1");
	for (i = 0; i < cs->nfields + 3; i++)
		whoop_sqlcat(b, ", ?%zu", i + 2);
	whoop_sqlcat(b, ")");
	if (cs->coll == WHOOP_C_BODY)
		return;
	whoop_sqlcat(b, " ON CONFLICT (account_id");
	if (cs->key >= 0)
		whoop_sqlcat(b, ", \"%s\"", cs->fields[cs->key].column);
	whoop_sqlcat(b, ") DO UPDATE SET");
	for (i = 0; i < cs->nfields; i++)
		whoop_sqlcat(b, " \"%s\" = excluded.\"%s\",", cs->fields[i].column,
		    cs->fields[i].column);
	whoop_sqlcat(b, " raw = excluded.raw, synced_at = excluded.synced_at,"
	    " implausible = excluded.implausible"
	    " WHERE \"%s\".raw IS NOT excluded.raw", cs->table);
}

/*
 * Keep recovery.sleep_start, the time WHOOP orders and windows a
 * recovery by, equal to its sleep's start: after a recovery is stored
 * (from its sleep's row; kept when the sleep is not stored) and after a
 * sleep is stored (into the recoveries that name it).  Run whether or
 * not the record's own text changed: an edited sleep moves its recovery.
 */
static int
order_key(struct whoop *w, const struct whoop_colspec *cs, int64_t account,
    const struct whoop_record *rec)
{
	sqlite3_stmt	*st = NULL;
	const char	*sql;
	int		 k, rc;

	if (cs->coll == WHOOP_C_RECOVERY) {
		k = cs->key;
		sql = "UPDATE recovery SET sleep_start = coalesce("
		    "(SELECT s.start FROM sleep s WHERE s.account_id = ?1"
		    " AND s.id = recovery.sleep_id), sleep_start)"
		    " WHERE account_id = ?1 AND cycle_id = ?2";
	} else if (cs->coll == WHOOP_C_SLEEP) {
		k = cs->key;
		sql = "UPDATE recovery SET sleep_start = ?3"
		    " WHERE account_id = ?1 AND sleep_id = ?2"
		    " AND sleep_start IS NOT ?3";
	} else
		return 0;
	if (sqlite3_prepare_v2(w->db, sql, -1, &st, NULL) != SQLITE_OK)
		return whoop_seterrdb(w, "store %s", cs->name);
	rc = sqlite3_bind_int64(st, 1, account);
	if (rc == SQLITE_OK)
		rc = bind_value(st, 2, &rec->v[k]);
	if (rc == SQLITE_OK && cs->coll == WHOOP_C_SLEEP)
		rc = bind_value(st, 3, &rec->v[cs->start]);
	if (rc != SQLITE_OK || sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_finalize(st);
		return step_err(w, cs, account);
	}
	sqlite3_finalize(st);
	return 0;
}

int
whoop_store_upsert(struct whoop *w, int64_t account,
    const struct whoop_record *rec, int *change)
{
	const struct whoop_colspec	*cs;
	struct whoop_sqlbuf			 b;
	sqlite3_stmt			*st = NULL;
	char				 now[WHOOP_TIMESTR_LEN];
	size_t				 i;
	int				 prior, rc, dummy;

	if (change == NULL)
		change = &dummy;
	*change = WHOOP_STORE_UNCHANGED;
	if (w == NULL)
		return -1;
	if (w->db == NULL)
		return whoop_seterr(w, WHOOP_E_FAIL, "no database open");
	if (rec == NULL || (cs = whoop_colspec(rec->coll)) == NULL ||
	    rec->v == NULL || rec->raw == NULL)
		return whoop_seterr(w, WHOOP_E_FAIL, "store: empty record");
	if (cs->key >= 0 && rec->v[cs->key].type == WHOOP_V_NULL)
		return whoop_seterr(w, WHOOP_E_FAIL, "store %s: record has "
		    "no %s", cs->name, cs->fields[cs->key].column);
	if (whoop_time_format(whoop_time_now_ms(), now, sizeof(now)) == -1)
		return whoop_seterr(w, WHOOP_E_FAIL, "store: cannot read the "
		    "clock");

	/* An unchanged record is not written at all. */
	if ((prior = stored_raw(w, cs, account, rec)) == -1)
		return -1;
	if (prior == 1)
		return order_key(w, cs, account, rec);

	memset(&b, 0, sizeof(b));
	build_insert(&b, cs);
	if (prepare(w, &b, &st) == -1)
		return -1;
	rc = sqlite3_bind_int64(st, 1, account);
	for (i = 0; rc == SQLITE_OK && i < cs->nfields; i++)
		rc = bind_value(st, (int)i + 2, &rec->v[i]);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(st, (int)cs->nfields + 2, rec->raw,
		    (int)rec->rawlen, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(st, (int)cs->nfields + 3, now, -1,
		    SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = rec->odd != NULL ? sqlite3_bind_text(st,
		    (int)cs->nfields + 4, rec->odd, -1, SQLITE_STATIC) :
		    sqlite3_bind_null(st, (int)cs->nfields + 4);
	if (rc != SQLITE_OK) {
		whoop_seterrdb(w, "bind");
		goto fail;
	}
	if (sqlite3_step(st) != SQLITE_DONE) {
		step_err(w, cs, account);
		goto fail;
	}
	sqlite3_finalize(st);
	if (sqlite3_changes(w->db) != 1)
		return whoop_seterr(w, WHOOP_E_DB, "store %s for account %lld: "
		    "%d rows changed, expected 1", cs->name,
		    (long long)account, sqlite3_changes(w->db));
	*change = prior == 2 || cs->coll == WHOOP_C_BODY ?
	    WHOOP_STORE_INSERTED : WHOOP_STORE_UPDATED;
	return order_key(w, cs, account, rec);
fail:
	sqlite3_finalize(st);
	return -1;
}

static int
exec(struct whoop *w, const char *sql)
{
	if (sqlite3_exec(w->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return whoop_seterrdb(w, "delete_missing");
	return 0;
}

/* A window bound in the stored form; NULL stays NULL (open). */
static int
bound(struct whoop *w, const char *s, char *buf, size_t bufsz,
    const char **out)
{
	int64_t	 ms;

	*out = NULL;
	if (s == NULL)
		return 0;
	if (whoop_time_parse(w, s, &ms) == -1 ||
	    whoop_time_format(ms, buf, bufsz) == -1)
		return -1;
	*out = buf;
	return 0;
}

/* " AND col >= ?2 AND col < ?3", each only when its bound is given. */
static void
window(struct whoop_sqlbuf *b, const char *col, const char *ge,
    const char *lt)
{
	if (ge != NULL)
		whoop_sqlcat(b, " AND \"%s\" >= ?2", col);
	if (lt != NULL)
		whoop_sqlcat(b, " AND \"%s\" < ?3", col);
}

/* The kept keys into temp.whoop_keep, typed as the key column is. */
static int
fill_keep(struct whoop *w, const struct whoop_field *key,
    const char *const *keep, size_t nkeep)
{
	sqlite3_stmt	*st = NULL;
	long long	 id;
	char		 uuid[40];
	size_t		 i, j, len;
	int		 rc;

	if (exec(w, "CREATE TEMP TABLE IF NOT EXISTS whoop_keep "
	    "(k PRIMARY KEY)") == -1 ||
	    exec(w, "DELETE FROM temp.whoop_keep") == -1)
		return -1;
	if (sqlite3_prepare_v2(w->db, "INSERT OR IGNORE INTO temp.whoop_keep "
	    "(k) VALUES (?1)", -1, &st, NULL) != SQLITE_OK)
		return whoop_seterrdb(w, "delete_missing");
	for (i = 0; i < nkeep; i++) {
		if (keep[i] == NULL)
			continue;
		if (key->type == WHOOP_F_INT) {
			if (whoop_strtoll(w, keep[i], INT64_MIN, INT64_MAX,
			    &id) == -1)
				goto fail;
			rc = sqlite3_bind_int64(st, 1, id);
		} else if ((len = strlen(keep[i])) < sizeof(uuid)) {
			/* UUIDs are stored lowercase. */
			for (j = 0; j <= len; j++)
				uuid[j] = (char)(keep[i][j] >= 'A' &&
				    keep[i][j] <= 'F' ?
				    keep[i][j] - 'A' + 'a' : keep[i][j]);
			rc = sqlite3_bind_text(st, 1, uuid, -1,
			    SQLITE_TRANSIENT);
		} else
			rc = sqlite3_bind_text(st, 1, keep[i], -1,
			    SQLITE_STATIC);
		if (rc != SQLITE_OK || sqlite3_step(st) != SQLITE_DONE) {
			whoop_seterrdb(w, "delete_missing");
			goto fail;
		}
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
	}
	sqlite3_finalize(st);
	return 0;
fail:
	sqlite3_finalize(st);
	return -1;
}

/*
 * The rows of a collection inside [start_ge, start_lt) whose key is not
 * kept: deleted, or (keys != NULL) listed, newly allocated.
 */
static int
missing(struct whoop *w, int64_t account, enum whoop_coll coll,
    const char *start_ge, const char *start_lt, const char *const *keep_keys,
    size_t nkeep, int *removed, char ***keys, size_t *nkeys)
{
	const struct whoop_colspec	*cs = whoop_colspec(coll);
	const struct whoop_field	*key;
	const char			*by, *k;
	struct whoop_sqlbuf			 b;
	sqlite3_stmt			*st = NULL;
	char				 gebuf[WHOOP_TIMESTR_LEN];
	char				 ltbuf[WHOOP_TIMESTR_LEN];
	char				**v = NULL, **nv;
	const char			*ge, *lt;
	size_t				 n = 0, cap = 0;
	int				 rc = -1, step;

	if (removed != NULL)
		*removed = 0;
	if (keys != NULL) {
		*keys = NULL;
		*nkeys = 0;
	}
	if (w == NULL)
		return -1;
	if (w->db == NULL)
		return whoop_seterr(w, WHOOP_E_FAIL, "no database open");
	if (cs == NULL || !cs->paginated || cs->key < 0)
		return whoop_seterr(w, WHOOP_E_FAIL, "delete_missing: not a "
		    "collection of records");
	if (bound(w, start_ge, gebuf, sizeof(gebuf), &ge) == -1 ||
	    bound(w, start_lt, ltbuf, sizeof(ltbuf), &lt) == -1)
		return -1;
	key = &cs->fields[cs->key];
	if (fill_keep(w, key, keep_keys, nkeep) == -1)
		goto out;

	/*
	 * A bound that is given is written as a plain range test, never
	 * "?2 IS NULL OR start >= ?2": SQLite cannot search an index with
	 * the OR form and would read every row of the account, so the cost
	 * of a run would grow with the history instead of the window.
	 */
	memset(&b, 0, sizeof(b));
	/*
	 * By exactly the time the window was fetched by: a record's start,
	 * a recovery's sleep start (WHOOP windows recoveries by it, and a
	 * sleep may begin before its cycle).  A row whose time is unknown
	 * is never in a window.
	 */
	by = cs->start >= 0 ? cs->fields[cs->start].column : "sleep_start";
	if (keys != NULL)
		whoop_sqlcat(&b, "SELECT \"%s\" FROM", key->column);
	else
		whoop_sqlcat(&b, "DELETE FROM");
	whoop_sqlcat(&b, " \"%s\" WHERE account_id = ?1 AND \"%s\" IS NOT NULL",
	    cs->table, by);
	window(&b, by, ge, lt);
	whoop_sqlcat(&b, " AND \"%s\" NOT IN (SELECT k FROM temp.whoop_keep)",
	    key->column);
	if (prepare(w, &b, &st) == -1)
		goto out;
	if (sqlite3_bind_int64(st, 1, account) != SQLITE_OK ||
	    (ge != NULL &&
	    sqlite3_bind_text(st, 2, ge, -1, SQLITE_STATIC) != SQLITE_OK) ||
	    (lt != NULL &&
	    sqlite3_bind_text(st, 3, lt, -1, SQLITE_STATIC) != SQLITE_OK)) {
		whoop_seterrdb(w, "delete_missing");
		goto out;
	}
	while ((step = sqlite3_step(st)) == SQLITE_ROW && keys != NULL) {
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			if ((nv = reallocarray(v, cap, sizeof(*v))) == NULL)
				goto nomem;
			v = nv;
		}
		k = (const char *)sqlite3_column_text(st, 0);
		if ((v[n] = strdup(k != NULL ? k : "")) == NULL)
			goto nomem;
		n++;
	}
	if (step != SQLITE_DONE) {
		whoop_seterrdb(w, "delete_missing %s for account %lld",
		    cs->name, (long long)account);
		goto out;
	}
	if (removed != NULL && keys == NULL)
		*removed = sqlite3_changes(w->db);
	if (keys != NULL) {
		*keys = v;
		*nkeys = n;
		v = NULL;
		n = 0;
	}
	rc = 0;
	goto out;
nomem:
	whoop_seterr(w, WHOOP_E_NOMEM, "out of memory");
out:
	whoop_store_keys_free(v, n);
	sqlite3_finalize(st);
	/* Emptied either way; an error here adds nothing to the first. */
	sqlite3_exec(w->db, "DELETE FROM temp.whoop_keep", NULL, NULL, NULL);
	return rc;
}

int
whoop_store_delete_missing(struct whoop *w, int64_t account,
    enum whoop_coll coll, const char *start_ge, const char *start_lt,
    const char *const *keep_keys, size_t nkeep, int *removed)
{
	return missing(w, account, coll, start_ge, start_lt, keep_keys, nkeep,
	    removed, NULL, NULL);
}

int
whoop_store_missing(struct whoop *w, int64_t account, enum whoop_coll coll,
    const char *start_ge, const char *start_lt, const char *const *keep_keys,
    size_t nkeep, char ***keys, size_t *n)
{
	return missing(w, account, coll, start_ge, start_lt, keep_keys, nkeep,
	    NULL, keys, n);
}

void
whoop_store_keys_free(char **keys, size_t n)
{
	size_t	 i;

	for (i = 0; keys != NULL && i < n; i++)
		free(keys[i]);
	free(keys);
}
