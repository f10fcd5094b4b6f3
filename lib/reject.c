/*
 * The rejects table: records WHOOP sent that cannot be stored in their
 * own table (no readable key or start, a NOT NULL value missing).  They
 * are kept as sent, with the reason and the window they came in, until
 * a later run stores them (WHOOP sends a readable version, or a newer
 * build maps the text) or a complete pass over that window no longer
 * returns them.  While one is kept, whoop-sync -c fails.
 *
 * Nothing here begins or commits: the caller holds the transaction.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "extern.h"

static int
prep(struct whoop *w, const char *sql, sqlite3_stmt **st)
{
	if (w == NULL)
		return -1;
	if (w->db == NULL)
		return whoop_seterr(w, WHOOP_E_FAIL, "no database open");
	if (sqlite3_prepare_v2(w->db, sql, -1, st, NULL) != SQLITE_OK)
		return whoop_seterrdb(w, "rejects");
	return 0;
}

static int
bind_opt(sqlite3_stmt *st, int i, const char *s)
{
	if (s == NULL || s[0] == '\0')
		return sqlite3_bind_null(st, i);
	return sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
}

/* Step a statement that returns no row, finalize it. */
static int
run(struct whoop *w, sqlite3_stmt *st, int bound, int *changes)
{
	int	 rc = 0;

	if (bound != SQLITE_OK || sqlite3_step(st) != SQLITE_DONE)
		rc = whoop_seterrdb(w, "rejects");
	else if (changes != NULL)
		*changes = sqlite3_changes(w->db);
	sqlite3_finalize(st);
	return rc;
}

static const char *
collname(enum whoop_coll coll)
{
	const struct whoop_colspec *cs = whoop_colspec(coll);

	return cs != NULL ? cs->name : NULL;
}

int
whoop_reject_put(struct whoop *w, int64_t account, enum whoop_coll coll,
    const struct whoop_reject *rj, const char *win_start,
    const char *win_end, const char *now)
{
	sqlite3_stmt	*st = NULL;
	int		 rc;

	if (collname(coll) == NULL || rj == NULL || rj->raw == NULL)
		return whoop_seterr(w, WHOOP_E_FAIL, "rejects: no record");
	if (prep(w, "INSERT INTO rejects (account_id, collection, record_key,"
	    " raw, reason, window_start, window_end, first_seen, last_seen)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)"
	    " ON CONFLICT (account_id, collection, raw) DO UPDATE SET"
	    " record_key = excluded.record_key, reason = excluded.reason,"
	    " window_start = excluded.window_start,"
	    " window_end = excluded.window_end,"
	    " last_seen = excluded.last_seen", &st) == -1)
		return -1;
	rc = sqlite3_bind_int64(st, 1, account);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(st, 2, collname(coll), -1,
		    SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = bind_opt(st, 3, rj->key);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(st, 4, rj->raw, (int)rj->rawlen,
		    SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(st, 5, rj->reason, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = bind_opt(st, 6, win_start);
	if (rc == SQLITE_OK)
		rc = bind_opt(st, 7, win_end);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(st, 8, now, -1, SQLITE_STATIC);
	return run(w, st, rc, NULL);
}

/* A reject's window, narrowed once the record below it is known. */
int
whoop_reject_narrow(struct whoop *w, int64_t account, enum whoop_coll coll,
    const char *raw, const char *win_start)
{
	sqlite3_stmt	*st = NULL;
	int		 rc;

	if (collname(coll) == NULL || raw == NULL)
		return whoop_seterr(w, WHOOP_E_FAIL, "rejects: no record");
	if (prep(w, "UPDATE rejects SET window_start = ?4 WHERE "
	    "account_id = ?1 AND collection = ?2 AND raw = ?3", &st) == -1)
		return -1;
	rc = sqlite3_bind_int64(st, 1, account);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(st, 2, collname(coll), -1,
		    SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(st, 3, raw, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = bind_opt(st, 4, win_start);
	return run(w, st, rc, NULL);
}

int
whoop_reject_forget(struct whoop *w, int64_t account, enum whoop_coll coll,
    const char *key, int *removed)
{
	sqlite3_stmt	*st = NULL;
	int		 rc;

	if (removed != NULL)
		*removed = 0;
	if (key == NULL || key[0] == '\0' || collname(coll) == NULL)
		return 0;
	if (prep(w, "DELETE FROM rejects WHERE account_id = ?1 AND "
	    "collection = ?2 AND record_key = ?3", &st) == -1)
		return -1;
	rc = sqlite3_bind_int64(st, 1, account);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(st, 2, collname(coll), -1,
		    SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(st, 3, key, -1, SQLITE_STATIC);
	return run(w, st, rc, removed);
}

int
whoop_reject_delete(struct whoop *w, int64_t id)
{
	sqlite3_stmt	*st = NULL;

	if (prep(w, "DELETE FROM rejects WHERE id = ?1", &st) == -1)
		return -1;
	return run(w, st, sqlite3_bind_int64(st, 1, id), NULL);
}

int
whoop_reject_sweep(struct whoop *w, int64_t account, enum whoop_coll coll,
    const char *win_start, const char *now, int *removed)
{
	sqlite3_stmt	*st = NULL;
	int		 rc;

	if (removed != NULL)
		*removed = 0;
	if (collname(coll) == NULL)
		return whoop_seterr(w, WHOOP_E_FAIL, "rejects: no collection");
	if (prep(w, "DELETE FROM rejects WHERE account_id = ?1 AND "
	    "collection = ?2 AND last_seen < ?4 AND (?3 IS NULL OR "
	    "(window_start IS NOT NULL AND window_start >= ?3))", &st) == -1)
		return -1;
	rc = sqlite3_bind_int64(st, 1, account);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(st, 2, collname(coll), -1,
		    SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = bind_opt(st, 3, win_start);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(st, 4, now, -1, SQLITE_STATIC);
	return run(w, st, rc, removed);
}

int
whoop_reject_oldest(struct whoop *w, int64_t account, enum whoop_coll coll,
    int *found, char *buf, size_t bufsz)
{
	sqlite3_stmt	*st = NULL;
	const char	*s;
	int		 rc;

	*found = 0;
	buf[0] = '\0';
	if (collname(coll) == NULL)
		return whoop_seterr(w, WHOOP_E_FAIL, "rejects: no collection");
	/* An open window (NULL) sorts first: it asks for everything. */
	if (prep(w, "SELECT window_start FROM rejects WHERE account_id = ?1 "
	    "AND collection = ?2 ORDER BY window_start IS NOT NULL, "
	    "window_start LIMIT 1", &st) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, account);
	sqlite3_bind_text(st, 2, collname(coll), -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*found = 1;
		s = (const char *)sqlite3_column_text(st, 0);
		(void)snprintf(buf, bufsz, "%s", s != NULL ? s : "");
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return whoop_seterrdb(w, "rejects");
	return 0;
}

/* reallocarray and gcc 12's -fanalyzer: the false positive of cred.c. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wanalyzer-malloc-leak"
#endif
int
whoop_reject_list(struct whoop *w, int64_t account, enum whoop_coll coll,
    struct whoop_reject_row **rows, size_t *n)
{
	struct whoop_reject_row	*v = NULL, *nv;
	sqlite3_stmt		*st = NULL;
	const unsigned char	*raw;
	size_t			 cap = 0, cnt = 0;
	char			*copy;
	int			 rc, len;

	*rows = NULL;
	*n = 0;
	if (collname(coll) == NULL)
		return whoop_seterr(w, WHOOP_E_FAIL, "rejects: no collection");
	if (prep(w, "SELECT id, raw FROM rejects WHERE account_id = ?1 AND "
	    "collection = ?2 ORDER BY id", &st) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, account);
	sqlite3_bind_text(st, 2, collname(coll), -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (cnt == cap) {
			cap = cap ? cap * 2 : 8;
			if ((nv = reallocarray(v, cap, sizeof(*v))) == NULL)
				goto nomem;
			v = nv;
		}
		raw = sqlite3_column_text(st, 1);
		len = sqlite3_column_bytes(st, 1);
		if ((copy = malloc((size_t)len + 1)) == NULL)
			goto nomem;
		memcpy(copy, raw != NULL ? (const char *)raw : "",
		    (size_t)len);
		copy[len] = '\0';
		v[cnt].id = sqlite3_column_int64(st, 0);
		v[cnt].raw = copy;
		v[cnt].rawlen = (size_t)len;
		cnt++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		whoop_reject_rows_free(v, cnt);
		return whoop_seterrdb(w, "rejects");
	}
	*rows = v;
	*n = cnt;
	return 0;
nomem:
	sqlite3_finalize(st);
	whoop_reject_rows_free(v, cnt);
	return whoop_seterr(w, WHOOP_E_NOMEM, "out of memory");
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

void
whoop_reject_rows_free(struct whoop_reject_row *v, size_t n)
{
	size_t	 i;

	for (i = 0; v != NULL && i < n; i++)
		free(v[i].raw);
	free(v);
}

/* Rejects of an account (coll WHOOP_C_COUNT: of every collection). */
int
whoop_reject_count(struct whoop *w, int64_t account, enum whoop_coll coll,
    long *n)
{
	sqlite3_stmt	*st = NULL;
	int		 rc;

	*n = 0;
	if (prep(w, "SELECT count(*) FROM rejects WHERE account_id = ?1 AND "
	    "(?2 IS NULL OR collection = ?2)", &st) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, account);
	bind_opt(st, 2, collname(coll));
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*n = (long)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return whoop_seterrdb(w, "rejects");
	return 0;
}

/* Stored records of a collection with an implausible value. */
int
whoop_store_count_implausible(struct whoop *w, int64_t account,
    enum whoop_coll coll, long *n)
{
	const struct whoop_colspec	*cs = whoop_colspec(coll);
	struct whoop_sqlbuf			 b;
	sqlite3_stmt			*st = NULL;
	int				 rc;

	*n = 0;
	if (cs == NULL)
		return whoop_seterr(w, WHOOP_E_FAIL, "no such collection");
	memset(&b, 0, sizeof(b));
	whoop_sqlcat(&b, "SELECT count(*) FROM \"%s\" WHERE account_id = ?1 "
	    "AND implausible IS NOT NULL", cs->table);
	if (prep(w, b.s, &st) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, account);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*n = (long)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return whoop_seterrdb(w, "count %s", cs->name);
	return 0;
}
