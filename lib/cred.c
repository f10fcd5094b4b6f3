/*
 * Accounts and their credentials.  The only file that puts seal.c and
 * the database together: every secret column is sealed here before it is
 * bound, and opened here after it is read.  The associated data of each
 * blob names this table, its column and the account, so a blob copied
 * elsewhere fails to open.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "extern.h"

#define TABLE	"credentials"

static const char *const sealed_columns[] = {
	"client_secret", "access_token", "refresh_token",
};
#define NSEALED	(sizeof(sealed_columns) / sizeof(sealed_columns[0]))

static int
seal_str(struct whoop *w, const struct whoop_key *key, const char *column,
    int64_t account, const char *s, unsigned char **blob, size_t *len)
{
	*blob = NULL;
	*len = 0;
	if (s == NULL)
		return 0;
	return whoop_seal(w, key, TABLE, column, account,
	    (const unsigned char *)s, strlen(s), blob, len);
}

static int
bind_blob(sqlite3_stmt *st, int i, const unsigned char *b, size_t n)
{
	if (b == NULL)
		return sqlite3_bind_null(st, i);
	return sqlite3_bind_blob(st, i, b, (int)n, SQLITE_STATIC);
}

static int
upsert_account(struct whoop *w, int64_t account, const char *scopes,
    const char *now)
{
	sqlite3_stmt	*st = NULL;
	int		 rc;

	if (sqlite3_prepare_v2(w->db, "INSERT INTO accounts (account_id, "
	    "status, scopes, created_at, updated_at) VALUES (?1, 'active', ?2, "
	    "?3, ?3) ON CONFLICT (account_id) DO UPDATE SET status = "
	    "'active', scopes = excluded.scopes, updated_at = ?3", -1, &st,
	    NULL) != SQLITE_OK)
		return whoop_seterrdb(w, "accounts");
	sqlite3_bind_int64(st, 1, account);
	if (scopes != NULL)
		sqlite3_bind_text(st, 2, scopes, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, now, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return whoop_seterrdb(w, "accounts");
	return 0;
}

/* Write the sealed row; a login (not a key rotation) also marks the
 * account active. */
static int
cred_write(struct whoop *w, const struct whoop_key *key, int64_t account,
    const struct whoop_client *cl, const struct whoop_tokens *t, int login)
{
	sqlite3_stmt	*st = NULL;
	unsigned char	*blob[NSEALED] = { NULL };
	size_t		 len[NSEALED] = { 0 };
	const char	*plain[NSEALED];
	char		 now[WHOOP_TIMESTR_LEN], exp[WHOOP_TIMESTR_LEN];
	size_t		 i;
	int		 rc = -1;

	if (w == NULL || w->db == NULL)
		return whoop_seterr(w, WHOOP_E_DB, "no database");
	if (t->access_token == NULL)
		return whoop_seterr(w, WHOOP_E_FAIL, "no access token to store");
	if (whoop_time_format(whoop_time_now_ms(), now, sizeof(now)) == -1 ||
	    whoop_time_format(t->expires_at_ms, exp, sizeof(exp)) == -1)
		return whoop_seterr(w, WHOOP_E_FAIL, "token expiry out of "
		    "range");
	plain[0] = cl->client_secret;
	plain[1] = t->access_token;
	plain[2] = t->refresh_token;
	for (i = 0; i < NSEALED; i++)
		if (seal_str(w, key, sealed_columns[i], account, plain[i],
		    &blob[i], &len[i]) == -1)
			goto out;
	if (login && upsert_account(w, account, t->scope, now) == -1)
		goto out;
	if (sqlite3_prepare_v2(w->db, "INSERT INTO credentials (account_id, "
	    "key_id, client_id, client_secret, access_token, refresh_token, "
	    "token_type, scope, expires_at, updated_at) VALUES (?1, ?2, ?3, "
	    "?4, ?5, ?6, 'bearer', ?7, ?8, ?9) ON CONFLICT (account_id) DO "
	    "UPDATE SET key_id = excluded.key_id, client_id = "
	    "excluded.client_id, client_secret = excluded.client_secret, "
	    "access_token = excluded.access_token, refresh_token = "
	    "excluded.refresh_token, token_type = excluded.token_type, "
	    "scope = excluded.scope, expires_at = excluded.expires_at, "
	    "updated_at = excluded.updated_at", -1, &st, NULL) != SQLITE_OK) {
		whoop_seterrdb(w, "credentials");
		goto out;
	}
	sqlite3_bind_int64(st, 1, account);
	sqlite3_bind_blob(st, 2, key->id, WHOOP_KEYID_LEN, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, cl->client_id, -1, SQLITE_STATIC);
	bind_blob(st, 4, blob[0], len[0]);
	bind_blob(st, 5, blob[1], len[1]);
	bind_blob(st, 6, blob[2], len[2]);
	if (t->scope != NULL)
		sqlite3_bind_text(st, 7, t->scope, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, exp, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, now, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		whoop_seterrdb(w, "credentials");
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(st);
	for (i = 0; i < NSEALED; i++)
		free(blob[i]);	/* ciphertext: no need to wipe */
	return rc;
}

int
whoop_cred_store(struct whoop *w, const struct whoop_key *key,
    int64_t account, const struct whoop_client *cl,
    const struct whoop_tokens *t)
{
	return cred_write(w, key, account, cl, t, 1);
}

static int
open_col(struct whoop *w, const struct whoop_key *key, sqlite3_stmt *st,
    int col, const char *name, int64_t account, char **out)
{
	const unsigned char	*b;
	unsigned char		*pt = NULL;
	size_t			 ptlen = 0;
	int			 n;

	*out = NULL;
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return 0;
	b = sqlite3_column_blob(st, col);
	n = sqlite3_column_bytes(st, col);
	if (b == NULL || n <= 0)
		return whoop_seterr(w, WHOOP_E_SEAL, "account %lld: %s is "
		    "empty", (long long)account, name);
	if (whoop_unseal(w, key, TABLE, name, account, b, (size_t)n, &pt,
	    &ptlen) == -1) {
		char	 msg[sizeof(w->errmsg)];

		(void)snprintf(msg, sizeof(msg), "%s", whoop_errmsg(w));
		return whoop_seterr(w, whoop_errcode(w), "account %lld: %s: %s",
		    (long long)account, name, msg);
	}
	/* whoop_unseal NUL-terminates: the plaintext is a string. */
	if (strlen((char *)pt) != ptlen) {
		whoop_freezero(pt, ptlen + 1);
		return whoop_seterr(w, WHOOP_E_SEAL, "account %lld: %s holds "
		    "a NUL byte", (long long)account, name);
	}
	*out = (char *)pt;
	return 0;
}

static int
cred_read(struct whoop *w, const struct whoop_key *key, int64_t account,
    struct whoop_cred *c, int need_active)
{
	sqlite3_stmt	*st = NULL;
	const char	*s;
	int64_t		 issued;
	int		 rc = -1, step;

	memset(c, 0, sizeof(*c));
	c->account = account;
	if (w == NULL || w->db == NULL)
		return whoop_seterr(w, WHOOP_E_DB, "no database");
	if (sqlite3_prepare_v2(w->db, "SELECT c.client_id, c.client_secret, "
	    "c.access_token, c.refresh_token, c.scope, c.expires_at, "
	    "a.status, c.updated_at FROM credentials c JOIN accounts a "
	    "USING (account_id) "
	    "WHERE c.account_id = ?1", -1, &st, NULL) != SQLITE_OK)
		return whoop_seterrdb(w, "credentials");
	sqlite3_bind_int64(st, 1, account);
	step = sqlite3_step(st);
	if (step == SQLITE_DONE) {
		whoop_seterr(w, WHOOP_E_AUTH, "account %lld has no tokens; "
		    "run whoop-auth", (long long)account);
		goto out;
	}
	if (step != SQLITE_ROW) {
		whoop_seterrdb(w, "credentials");
		goto out;
	}
	s = (const char *)sqlite3_column_text(st, 6);
	if (need_active && s != NULL && strcmp(s, "active") != 0) {
		whoop_seterr(w, WHOOP_E_AUTH, "account %lld %s; run "
		    "whoop-auth", (long long)account,
		    strcmp(s, "revoked") == 0 ? "was revoked" :
		    "needs a new login");
		goto out;
	}
	s = (const char *)sqlite3_column_text(st, 0);
	if (s == NULL || (c->client_id = strdup(s)) == NULL) {
		whoop_seterr(w, WHOOP_E_NOMEM, "out of memory");
		goto out;
	}
	if (open_col(w, key, st, 1, "client_secret", account,
	    &c->client_secret) == -1 ||
	    open_col(w, key, st, 2, "access_token", account,
	    &c->tok.access_token) == -1 ||
	    open_col(w, key, st, 3, "refresh_token", account,
	    &c->tok.refresh_token) == -1)
		goto out;
	if (c->tok.access_token == NULL) {
		whoop_seterr(w, WHOOP_E_AUTH, "account %lld has no access "
		    "token; run whoop-auth", (long long)account);
		goto out;
	}
	s = (const char *)sqlite3_column_text(st, 4);
	if (s != NULL && (c->tok.scope = strdup(s)) == NULL) {
		whoop_seterr(w, WHOOP_E_NOMEM, "out of memory");
		goto out;
	}
	s = (const char *)sqlite3_column_text(st, 5);
	if (s == NULL || whoop_time_parse(w, s, &c->tok.expires_at_ms) == -1)
		goto out;
	/* The lifetime, as near as the row tells: written when issued (a
	 * key rotation since makes it look shorter, so a refresh comes a
	 * little later, still before expiry or after a 401). */
	s = (const char *)sqlite3_column_text(st, 7);
	if (s != NULL && whoop_time_parse(NULL, s, &issued) == 0 &&
	    c->tok.expires_at_ms > issued)
		c->tok.lifetime_ms = c->tok.expires_at_ms - issued;
	rc = 0;
out:
	sqlite3_finalize(st);
	if (rc == -1)
		whoop_cred_clear(c);
	return rc;
}

int
whoop_cred_load(struct whoop *w, const struct whoop_key *key,
    int64_t account, struct whoop_cred *c)
{
	return cred_read(w, key, account, c, 1);
}

/*
 * The health check's test of the key: open every sealed column of the
 * account (client secret, access and refresh token), whatever its
 * status, and wipe what came out.  No network.
 */
int
whoop_cred_verify(struct whoop *w, const struct whoop_key *key,
    int64_t account)
{
	struct whoop_cred	 c;

	if (cred_read(w, key, account, &c, 0) == -1)
		return -1;
	whoop_cred_clear(&c);
	return 0;
}

void
whoop_cred_clear(struct whoop_cred *c)
{
	if (c == NULL)
		return;
	free(c->client_id);
	whoop_freestr(c->client_secret);
	whoop_tokens_clear(&c->tok);
	memset(c, 0, sizeof(*c));
}

static int
exec_account(struct whoop *w, const char *sql, int64_t account,
    const char *text)
{
	sqlite3_stmt	*st = NULL;
	int		 rc;

	if (sqlite3_prepare_v2(w->db, sql, -1, &st, NULL) != SQLITE_OK)
		return whoop_seterrdb(w, "accounts");
	sqlite3_bind_int64(st, 1, account);
	if (text != NULL)
		sqlite3_bind_text(st, 2, text, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return whoop_seterrdb(w, "accounts");
	return 0;
}

/* secure_delete is on for every connection: the freed pages are zeroed. */
int
whoop_cred_delete(struct whoop *w, int64_t account)
{
	char	 now[WHOOP_TIMESTR_LEN];

	if (whoop_time_format(whoop_time_now_ms(), now, sizeof(now)) == -1)
		return whoop_seterr(w, WHOOP_E_FAIL, "clock");
	if (exec_account(w, "DELETE FROM credentials WHERE account_id = ?1",
	    account, NULL) == -1)
		return -1;
	return exec_account(w, "UPDATE accounts SET status = 'revoked', "
	    "updated_at = ?2 WHERE account_id = ?1", account, now);
}

int
whoop_account_set_status(struct whoop *w, int64_t account, const char *status)
{
	return exec_account(w, "UPDATE accounts SET status = ?2, updated_at = "
	    "strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE account_id = ?1",
	    account, status);
}

/*
 * gcc 12's -fanalyzer takes reallocarray, which glibc declares as a
 * malloc-like allocator, for one that leaves its argument alone, and so
 * reports the array freed after a failed reallocation as leaked.  A false
 * positive: the check is off for the growing arrays of the two functions
 * below (clang has no such warning to silence).
 */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wanalyzer-malloc-leak"
#endif
int
whoop_account_list(struct whoop *w, int64_t **ids, size_t *n)
{
	sqlite3_stmt	*st = NULL;
	int64_t		*v = NULL, *nv;
	size_t		 cap = 0;
	int		 rc;

	*ids = NULL;
	*n = 0;
	if (sqlite3_prepare_v2(w->db, "SELECT account_id FROM accounts "
	    "ORDER BY account_id", -1, &st, NULL) != SQLITE_OK)
		return whoop_seterrdb(w, "accounts");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			if ((nv = reallocarray(v, cap, sizeof(*v))) == NULL) {
				free(v);
				sqlite3_finalize(st);
				return whoop_seterr(w, WHOOP_E_NOMEM,
				    "out of memory");
			}
			v = nv;
		}
		v[(*n)++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		free(v);
		*n = 0;
		return whoop_seterrdb(w, "accounts");
	}
	*ids = v;
	return 0;
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

static void
idhex(char *buf, const unsigned char *id)
{
	static const char hex[] = "0123456789abcdef";
	size_t	 i, o;

	o = (size_t)snprintf(buf, 8, "key_id=");
	for (i = 0; i < WHOOP_KEYID_LEN; i++) {
		buf[o++] = hex[id[i] >> 4];
		buf[o++] = hex[id[i] & 0xf];
	}
	buf[o] = '\0';
}

/* Is the account's row sealed under key (by its key_id column)? */
static int
sealed_under(struct whoop *w, int64_t account, const struct whoop_key *key)
{
	sqlite3_stmt	*st = NULL;
	int		 rc;

	if (sqlite3_prepare_v2(w->db, "SELECT key_id = ?2 FROM credentials "
	    "WHERE account_id = ?1", -1, &st, NULL) != SQLITE_OK)
		return whoop_seterrdb(w, "credentials");
	sqlite3_bind_int64(st, 1, account);
	sqlite3_bind_blob(st, 2, key->id, WHOOP_KEYID_LEN, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	sqlite3_finalize(st);
	return rc;
}

/*
 * How many credentials rows are sealed under key, and how many under
 * some other key: whoop-auth -K tells from it which of two keys opens
 * the file.
 */
int
whoop_cred_count_keyed(struct whoop *w, const struct whoop_key *key,
    long *mine, long *other)
{
	sqlite3_stmt	*st = NULL;
	int		 rc;

	*mine = *other = 0;
	if (sqlite3_prepare_v2(w->db, "SELECT count(*) FILTER (WHERE key_id "
	    "= ?1), count(*) FILTER (WHERE key_id IS NOT ?1) FROM "
	    "credentials", -1, &st, NULL) != SQLITE_OK)
		return whoop_seterrdb(w, "credentials");
	sqlite3_bind_blob(st, 1, key->id, WHOOP_KEYID_LEN, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*mine = (long)sqlite3_column_int64(st, 0);
		*other = (long)sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return whoop_seterrdb(w, "credentials");
	return 0;
}

/*
 * After "sealed under another key" for an account: when newkey (the
 * KEY.new that whoop-auth -K writes first, loaded by the caller, shown as
 * newpath) opens the account's blobs, a rotation was cut short between
 * its commit and its rename; say so, and how to finish it.  The error is
 * kept either way.
 */
void
whoop_cred_wrongkey_hint(struct whoop *w, const struct whoop_key *newkey,
    const char *newpath, int64_t account)
{
	enum whoop_err		 code;
	char			 msg[sizeof(w->errmsg)];
	int			 opens;

	if (w == NULL || whoop_errcode(w) != WHOOP_E_KEY_WRONG ||
	    newkey == NULL || newpath == NULL)
		return;
	code = whoop_errcode(w);
	(void)snprintf(msg, sizeof(msg), "%s", whoop_errmsg(w));
	opens = whoop_cred_verify(w, newkey, account) == 0;
	if (opens)
		whoop_seterr(w, code, "%s; %s opens it: a key rotation was "
		    "interrupted; run whoop-auth -K to finish it", msg,
		    whoop_esc(newpath));
	else
		whoop_seterr(w, code, "%s", msg);
}

/*
 * Key rotation: open every sealed value with the old key and seal it
 * with the new one, all in one transaction, so a crash leaves either
 * the old key's file or the new key's, never a mix.
 */
int
whoop_rekey(struct whoop *w, const struct whoop_key *oldkey,
    const struct whoop_key *newkey, int *count)
{
	struct whoop_cred	 c;
	struct whoop_client	 cl;
	int64_t			*ids = NULL;
	size_t			 n = 0, i;
	char			 detail[64];
	int			 rc = -1;

	*count = 0;
	if (whoop_db_begin(w) == -1)
		return -1;
	if (whoop_account_list(w, &ids, &n) == -1)
		goto out;
	for (i = 0; i < n; i++) {
		sqlite3_stmt	*st = NULL;
		int		 has;

		/* Accounts without credentials (revoked) have nothing. */
		if (sqlite3_prepare_v2(w->db, "SELECT count(*) FROM "
		    "credentials WHERE account_id = ?1", -1, &st, NULL) !=
		    SQLITE_OK) {
			whoop_seterrdb(w, "credentials");
			goto out;
		}
		sqlite3_bind_int64(st, 1, ids[i]);
		has = sqlite3_step(st) == SQLITE_ROW &&
		    sqlite3_column_int(st, 0) > 0;
		sqlite3_finalize(st);
		if (!has)
			continue;
		/*
		 * A row sealed under the new key already: a rotation that
		 * committed and was killed before its rename, finished now.
		 */
		if ((has = sealed_under(w, ids[i], newkey)) == -1)
			goto out;
		if (has) {
			(*count)++;
			continue;
		}
		/* Whatever the account's status: its row is re-sealed. */
		if (cred_read(w, oldkey, ids[i], &c, 0) == -1)
			goto out;
		cl.client_id = c.client_id;
		cl.client_secret = c.client_secret;
		cl.redirect_uri = NULL;
		if (cred_write(w, newkey, ids[i], &cl, &c.tok, 0) == -1) {
			whoop_cred_clear(&c);
			goto out;
		}
		whoop_cred_clear(&c);
		(*count)++;
	}
	idhex(detail, newkey->id);
	if (whoop_audit(w, 0, "key_rotated", detail) == -1 ||
	    whoop_db_commit(w) == -1)
		goto out;
	rc = 0;
out:
	free(ids);
	if (rc == -1)
		whoop_db_rollback(w);
	return rc;
}

/* As whoop_account_list: reallocarray, see there. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wanalyzer-malloc-leak"
#endif
int
whoop_account_infos(struct whoop *w, struct whoop_account_info **out,
    size_t *n)
{
	struct whoop_account_info	*v = NULL, *nv, *a;
	sqlite3_stmt			*st = NULL;
	const char			*s;
	size_t				 cap = 0;
	int				 rc;

	*out = NULL;
	*n = 0;
	/* Reads no sealed column: key_id and NULL-ness only. */
	if (sqlite3_prepare_v2(w->db, "SELECT a.account_id, a.status, "
	    "p.email, c.account_id IS NOT NULL, c.refresh_token IS NOT NULL, "
	    "c.expires_at, (SELECT max(last_success) FROM sync_state s "
	    "WHERE s.account_id = a.account_id) FROM accounts a "
	    "LEFT JOIN profile p USING (account_id) "
	    "LEFT JOIN credentials c USING (account_id) "
	    "ORDER BY a.account_id", -1, &st, NULL) != SQLITE_OK)
		return whoop_seterrdb(w, "accounts");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 4;
			if ((nv = reallocarray(v, cap, sizeof(*v))) == NULL) {
				free(v);
				sqlite3_finalize(st);
				return whoop_seterr(w, WHOOP_E_NOMEM,
				    "out of memory");
			}
			v = nv;
		}
		a = &v[(*n)++];
		memset(a, 0, sizeof(*a));
		a->account = sqlite3_column_int64(st, 0);
		if ((s = (const char *)sqlite3_column_text(st, 1)) != NULL)
			(void)snprintf(a->status, sizeof(a->status), "%s", s);
		if ((s = (const char *)sqlite3_column_text(st, 2)) != NULL)
			whoop_escape(a->email, sizeof(a->email), s, strlen(s));
		a->has_tokens = sqlite3_column_int(st, 3);
		a->has_refresh = sqlite3_column_int(st, 4);
		if ((s = (const char *)sqlite3_column_text(st, 5)) != NULL &&
		    whoop_time_parse(NULL, s, &a->expires_at_ms) == -1)
			a->expires_at_ms = 0;
		if ((s = (const char *)sqlite3_column_text(st, 6)) != NULL)
			(void)snprintf(a->last_sync, sizeof(a->last_sync), "%s",
			    s);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		free(v);
		*n = 0;
		return whoop_seterrdb(w, "accounts");
	}
	*out = v;
	return 0;
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
