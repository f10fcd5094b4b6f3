/*
 * libwhoop: the public interface of the library behind the whoop tools.
 *
 * This is the only project header the programs in cmd/ include.  It
 * exposes no libcurl, SQLite, OpenSSL or cJSON type.  The library never
 * prints and never exits: a function that fails returns -1 (or NULL) and
 * leaves a message and an error code on the handle, as sqlite3_errmsg()
 * does.  Every function that takes a handle accepts NULL for it where the
 * caller only wants the return value (unit tests, fuzz targets).
 */
#ifndef WHOOP_H
#define WHOOP_H

#include <stddef.h>
#include <stdint.h>

#define WHOOP_VERSION "0.1.0"

/* Exit statuses shared by every tool (see whoop.7). */
#define WHOOP_EXIT_OK		0
#define WHOOP_EXIT_FAIL		1
#define WHOOP_EXIT_USAGE	2
#define WHOOP_EXIT_TEMP		75	/* try again later: locked, network */
#define WHOOP_EXIT_AUTH		77	/* run whoop-auth */
#define WHOOP_EXIT_CONFIG	78	/* fix the configuration or key file */

/* What went wrong, finer than the exit status it maps to. */
enum whoop_err {
	WHOOP_E_NONE = 0,
	WHOOP_E_FAIL,		/* anything without a better class */
	WHOOP_E_NOMEM,
	WHOOP_E_IO,		/* a file could not be read or written */
	WHOOP_E_CONFIG,		/* bad config, unsafe key file (78) */
	WHOOP_E_KEY_WRONG,	/* blob sealed under another key */
	WHOOP_E_SEAL,		/* blob malformed or tampered with */
	WHOOP_E_DB,		/* SQLite said no */
	WHOOP_E_DB_CORRUPT,	/* not a database, or damaged */
	WHOOP_E_DB_NEWER,	/* schema newer than this build */
	WHOOP_E_BUSY,		/* locked by another run (75) */
	WHOOP_E_NET,		/* network, timeout, 5xx after retries (75) */
	WHOOP_E_RATE,		/* rate limit budget spent (75) */
	WHOOP_E_AUTH,		/* 401, invalid_grant, revoked: re-login (77) */
	WHOOP_E_HTTP,		/* another 4xx: permanent */
	WHOOP_E_PROTO,		/* a response we cannot understand */
	WHOOP_E_TLS,		/* certificate or TLS failure */
	WHOOP_E_PARSE,		/* bad input text (date, number, config) */
};

struct whoop;

/* handle.c */
struct whoop	*whoop_new(void);
void		 whoop_free(struct whoop *);
const char	*whoop_errmsg(const struct whoop *);
enum whoop_err	 whoop_errcode(const struct whoop *);
int		 whoop_exitcode(const struct whoop *);
/* Of two exit statuses, the worse: 78 > 77 > 1 > 75 > 0. */
int		 whoop_exit_worse(int, int);
void		 whoop_clearerr(struct whoop *);
/*
 * Leave an error on the handle (NULL is fine).  Returns -1 so that
 * "return whoop_seterr(...)" reads naturally.  Messages must never contain
 * a secret: callers format only names, paths and numbers into them.
 */
int		 whoop_seterr(struct whoop *, enum whoop_err, const char *, ...)
#if defined(__GNUC__)
		    __attribute__((format(printf, 3, 4)))
#endif
		    ;

/*
 * Copy server- or user-supplied text into buf with control characters,
 * quotes and non-ASCII bytes escaped (\xNN), so that it can be shown on a
 * terminal or stored without surprises.  Truncates to fit.
 */
void	 whoop_escape(char *buf, size_t bufsz, const char *s, size_t len);
/* utf8.c: the length of the UTF-8 sequence at s (RFC 3629), 0 if none. */
size_t	 whoop_utf8len(const unsigned char *s, size_t len);
/*
 * s escaped as whoop_escape does, for a message: in one of eight static
 * buffers used in turn (so a message may show up to eight), each of
 * 1024 bytes.  A NULL s gives "".  Not for threads.
 */
const char *whoop_esc(const char *s);

/* wipe.c: secrets are wiped before their memory is given back. */
void	 whoop_wipe(void *, size_t);
void	 whoop_freezero(void *, size_t);
void	 whoop_freestr(char *);	/* wipe a NUL-terminated string, free */
int	 whoop_ctcmp(const void *, const void *, size_t);	/* 0 if equal */
int	 whoop_ctstreq(const char *, const char *);	/* 1 if equal */

/* num.c: the one checked number parser. */
int	 whoop_strtoll(struct whoop *, const char *, long long min,
	    long long max, long long *);

/* b64.c: base64url without padding (RFC 4648 section 5). */
size_t	 whoop_b64url_enclen(size_t);
size_t	 whoop_b64url_encode(char *dst, size_t dstsz,
	    const unsigned char *, size_t);
int	 whoop_b64url_decode(unsigned char *dst, size_t dstsz, size_t *outlen,
	    const char *, size_t);

/*
 * time.c: instants are milliseconds since the epoch, UTC.  WHOOP sends
 * RFC 3339 with milliseconds and "Z"; offsets and other precisions are
 * accepted too.  Formatting always gives YYYY-MM-DDTHH:MM:SS.mmmZ, which
 * sorts as text in time order.
 */
#define WHOOP_TIMESTR_LEN	25	/* with the NUL */
int	 whoop_time_parse(struct whoop *, const char *, int64_t *ms);
int	 whoop_time_format(int64_t ms, char *buf, size_t bufsz);
int	 whoop_tzoffset_parse(struct whoop *, const char *, int *minutes);
int	 whoop_time_format_local(int64_t ms, int offmin, char *, size_t);
int64_t	 whoop_time_now_ms(void);
/* A date, a date-time with offset, or a relative form like 7d, 12h. */
int	 whoop_time_parse_user(struct whoop *, const char *, int64_t now_ms,
	    int64_t *ms);

/* paths.c: XDG locations, overridden by options and the environment. */
struct whoop_paths {
	char	*data_dir;	/* $WHOOP_DATA_DIR or $XDG_DATA_HOME/whoop */
	char	*db;		/* -d, $WHOOP_DB, or data_dir/whoop.db */
	char	*lock;		/* db + ".lock" */
	char	*config_dir;	/* $WHOOP_CONFIG_DIR or $XDG_CONFIG_HOME/whoop */
	char	*config;	/* config_dir/config */
	char	*key;		/* $WHOOP_KEY_FILE or config_dir/key */
};
int	 whoop_paths_init(struct whoop *, struct whoop_paths *,
	    const char *dbopt);
void	 whoop_paths_free(struct whoop_paths *);
int	 whoop_mkdir_private(struct whoop *, const char *dir);

/* config.c: "key = value" lines; secrets only from file, env, command. */
struct whoop_config {
	char	*client_id;
	char	*client_secret;			/* wiped on free */
	char	*client_secret_command;
	char	*redirect_uri;
	int	 redirect_port;			/* 0: unset */
	char	*scopes;
	char	*key_command;
	int	 rescore_days;			/* -1: unset */
};
void	 whoop_config_init(struct whoop_config *);
int	 whoop_config_load(struct whoop *, struct whoop_config *,
	    const char *path, int must_exist);
int	 whoop_config_parse(struct whoop *, struct whoop_config *,
	    const char *name, const char *buf, size_t len);
int	 whoop_config_env(struct whoop *, struct whoop_config *);
int	 whoop_config_client_secret(struct whoop *,
	    const struct whoop_config *, char **secret);
void	 whoop_config_free(struct whoop_config *);

/* cmd.c: run a command without a shell and read its bounded stdout. */
int	 whoop_cmd_output(struct whoop *, const char *cmdline, size_t max,
	    unsigned char **out, size_t *outlen);

/* key.c: the 32-byte key that seals secret columns. */
#define WHOOP_KEY_LEN		32
#define WHOOP_KEYID_LEN		8
struct whoop_key {
	unsigned char	 k[WHOOP_KEY_LEN];
	unsigned char	 id[WHOOP_KEYID_LEN];
};
int	 whoop_key_load(struct whoop *, const char *path,
	    const char *key_command, struct whoop_key *);
int	 whoop_key_create(struct whoop *, const char *path);
int	 whoop_key_generate(struct whoop *, struct whoop_key *);
void	 whoop_key_setid(struct whoop_key *);
void	 whoop_key_wipe(struct whoop_key *);
int	 whoop_random(struct whoop *, void *, size_t);

/*
 * seal.c: AES-256-GCM sealed columns.
 * blob = version(1) || key_id(8) || nonce(12) || ciphertext || tag(16)
 * The associated data binds a blob to its table, column and account.
 */
#define WHOOP_SEAL_VERSION	1
#define WHOOP_SEAL_OVERHEAD	37
int	 whoop_seal(struct whoop *, const struct whoop_key *,
	    const char *table, const char *column, int64_t account,
	    const unsigned char *pt, size_t ptlen,
	    unsigned char **blob, size_t *bloblen);
/* The plaintext gets a NUL after it; free it with whoop_freezero. */
int	 whoop_unseal(struct whoop *, const struct whoop_key *,
	    const char *table, const char *column, int64_t account,
	    const unsigned char *blob, size_t bloblen,
	    unsigned char **pt, size_t *ptlen);

/* db.c: the SQLite file. */
#define WHOOP_DB_RDONLY		0x01	/* whoop-export */
#define WHOOP_DB_CREATE		0x02	/* create file and schema if absent */
/* The health check: a damaged file stays open (unmigrated), to report. */
#define WHOOP_DB_INSPECT	0x04
int	 whoop_db_open(struct whoop *, const char *path, int flags);
void	 whoop_db_close(struct whoop *);
int	 whoop_db_begin(struct whoop *);	/* BEGIN IMMEDIATE */
int	 whoop_db_commit(struct whoop *);
int	 whoop_db_rollback(struct whoop *);
int	 whoop_db_check(struct whoop *, int full, char **report);
/* dbcheck.c: the bounded check made on open; 0 ok, 1 damaged, -1 error. */
int	 whoop_db_sane(struct whoop *, char **report);
int	 whoop_db_wal_truncate(struct whoop *);
int	 whoop_db_schema_version(struct whoop *, int *);

/* audit.c: append-only security events; never a secret in them. */
int	 whoop_audit(struct whoop *, int64_t account, const char *event,
	    const char *detail);

/* rekey.c: re-seal every sealed value under a new key, one transaction. */
int	 whoop_rekey(struct whoop *, const struct whoop_key *oldkey,
	    const struct whoop_key *newkey, int *count);

/*
 * record.c, colspec.c: WHOOP's record types.  A collection's columns are
 * described once, in a table that the mapper (WHOOP JSON -> values), the
 * store (upserts) and whoop-export (flat columns) all read.
 */
enum whoop_coll {
	WHOOP_C_PROFILE,
	WHOOP_C_BODY,
	WHOOP_C_CYCLE,
	WHOOP_C_RECOVERY,
	WHOOP_C_SLEEP,
	WHOOP_C_WORKOUT,
	WHOOP_C_COUNT,		/* the API's collections end here */
	/*
	 * The tables of the app's own export (whoop-import): colspecs for
	 * whoop-export, never fetched from the API.  Their field paths are
	 * the export's CSV headers (NULL: a column the import derives).
	 */
	WHOOP_C_APP_CYCLE = 16,
	WHOOP_C_APP_SLEEP,
	WHOOP_C_APP_WORKOUT,
	WHOOP_C_JOURNAL,
	WHOOP_C_APP_END
};

enum whoop_ftype {
	WHOOP_F_INT,		/* int64; a float with no fraction is taken */
	WHOOP_F_REAL,
	WHOOP_F_TEXT,
	WHOOP_F_BOOL,		/* stored 0/1 */
	WHOOP_F_TIME,		/* RFC 3339 -> canonical UTC text */
	WHOOP_F_TZ,		/* "+hh:mm", "-hh:mm", "Z" */
	WHOOP_F_UUID,
	WHOOP_F_STATE,		/* SCORED, PENDING_SCORE, UNSCORABLE */
};

struct whoop_field {
	const char	*column;	/* snake_case column name */
	const char	*path;		/* dotted JSON path: "score.strain" */
	enum whoop_ftype type;
	int		 required;	/* WHOOP's spec requires it */
	/*
	 * The plausible range of a number; min > max: any.  A value
	 * outside it is stored as sent and reported, never refused.
	 */
	double		 min, max;
	int		 notnull;	/* the column is NOT NULL (schema.c) */
};

struct whoop_colspec {
	enum whoop_coll	 coll;
	const char	*name;		/* cycle, recovery, ... (user word) */
	const char	*table;		/* SQL table */
	const char	*api_path;	/* /developer/v2/cycle */
	const char	*scope;		/* read:cycles */
	int		 paginated;	/* collection, or a single object */
	const struct whoop_field *fields;
	size_t		 nfields;
	int		 key;		/* index of the key field, -1: account */
	int		 start;		/* index of the start field, -1: none */
};

const struct whoop_colspec *whoop_colspec(enum whoop_coll);
const struct whoop_colspec *whoop_colspec_byname(const char *);

enum whoop_vtype { WHOOP_V_NULL, WHOOP_V_INT, WHOOP_V_REAL, WHOOP_V_TEXT };
struct whoop_value {
	enum whoop_vtype type;
	int64_t		 i;
	double		 d;
	char		*s;
};

/* One record: its values in colspec order and its JSON as received. */
struct whoop_record {
	enum whoop_coll	 coll;
	struct whoop_value *v;		/* colspec->nfields of them */
	char		*raw;		/* the record's bytes as WHOOP sent them */
	size_t		 rawlen;
	/*
	 * Its implausible values, "path: why; path: why" (escaped), or
	 * NULL: stored with the record, which is stored all the same.
	 */
	char		*odd;
	size_t		 nodd;
	size_t		 pos;		/* its place in the page, from 0 */
};

/*
 * A record WHOOP sent that cannot be stored in its table: its key, its
 * start or a value its table cannot be without (a NOT NULL column) is
 * missing or unreadable.  Kept by the caller in the rejects table.
 */
struct whoop_reject {
	char		*raw;		/* its bytes as sent */
	size_t		 rawlen;
	char		 key[64];	/* its key as text, "" when unreadable */
	char		 start[WHOOP_TIMESTR_LEN];	/* "" when unreadable */
	char		 reason[256];	/* escaped */
	size_t		 pos;		/* its place in the page, from 0 */
};

/* One page of a collection (or the single object of profile and body). */
struct whoop_page {
	struct whoop_record *recs;
	size_t		 nrecs;
	char		*next_token;	/* NULL on the last page */
	size_t		 nrejected;	/* records that cannot be stored */
	char		 reject_msg[256];	/* the first rejection, escaped */
	struct whoop_reject *rejects;	/* nrejected of them */
	size_t		 nodd;		/* records with an implausible value */
};

/*
 * Parse a page (or the profile or body object).  -1 when the page fails
 * as a whole (WHOOP_E_PROTO: not JSON, over 64 MiB, nested too deeply, a
 * number longer than 63 characters, no records array, a next_token that
 * is not a string), and the page is then empty.  Otherwise 0: every
 * record that can be stored, in page order, and the others in rejects
 * (their text, key when readable and reason), counted in nrejected
 * with the first reason in reject_msg, e.g.
 * "cycle record 3: id: required field is missing".  A record is kept
 * when its key, its start and its NOT NULL columns can be read; an
 * optional value that cannot be read is NULL, and that or a value
 * outside its plausible range (colspec.c) is noted in the record's odd
 * text, never a reason to refuse it.
 * INT fields take integral numbers below 2^53 in magnitude (cJSON keeps
 * a double: beyond that the integer sent may not be the one read).
 * whoop_page_free frees all of it, whoop_record_free what one record
 * holds (not the record itself); both accept an empty or freed page.
 */
int	 whoop_page_parse(struct whoop *, enum whoop_coll,
	    const char *body, size_t len, struct whoop_page *);
void	 whoop_page_free(struct whoop_page *);
void	 whoop_record_free(struct whoop_record *);

/*
 * store.c: records into their tables.  Neither function begins or
 * commits: the caller wraps a page (its records and the sync cursor)
 * in one transaction, whoop_db_begin ... whoop_db_commit.
 *
 * whoop_store_upsert stores one record for an account whose accounts row
 * exists (else the foreign key fails).  *change (may be NULL) says what
 * happened: a record whose raw JSON equals the stored one is not written
 * at all (its synced_at stays that of the last write).  Profile: one row
 * per account.  Body measurement: a new row only when the newest row of
 * the account has a different raw, so the table is a history of changes
 * (never WHOOP_STORE_UPDATED).
 *
 * whoop_store_delete_missing deletes the account's rows of a collection
 * whose start lies in [start_ge, start_lt) (RFC 3339; NULL leaves that
 * side open) and whose key is not in keep_keys: the decimal id of a
 * cycle or a recovery's cycle_id, the UUID of a sleep or workout.  The
 * window applies to the time WHOOP fetched it by: a record's start, and
 * for a recovery its sleep_start column (the start of its sleep, which
 * whoop_store_upsert keeps current from the sleep table, recovery and
 * sleep alike), so a recovery whose sleep start is unknown is never
 * deleted.  *removed (may be NULL) is the number of rows deleted.
 * whoop_store_missing lists (newly allocated, *n of them) the keys that
 * whoop_store_delete_missing would delete, so that they can be checked
 * first.
 */
#define WHOOP_STORE_UNCHANGED	0
#define WHOOP_STORE_INSERTED	1
#define WHOOP_STORE_UPDATED	2
int	 whoop_store_upsert(struct whoop *, int64_t account,
	    const struct whoop_record *, int *change);
int	 whoop_store_delete_missing(struct whoop *, int64_t account,
	    enum whoop_coll, const char *start_ge, const char *start_lt,
	    const char *const *keep_keys, size_t nkeep, int *removed);
int	 whoop_store_missing(struct whoop *, int64_t account, enum whoop_coll,
	    const char *start_ge, const char *start_lt,
	    const char *const *keep_keys, size_t nkeep, char ***keys,
	    size_t *n);
void	 whoop_store_keys_free(char **, size_t);

/*
 * export.c: the rows of one record type for whoop-export, streamed from
 * a database opened with WHOOP_DB_RDONLY.  SQLite and the colspec tables
 * only: no key, no JSON library, no network.
 *
 * The columns of a type are fixed (documented in whoop.7): account_id,
 * the colspec columns in order, then derived ones: start_local,
 * end_local and date_local for cycle, sleep and workout; cycle_start and
 * date_local for recovery (from its cycle's row, NULL when absent);
 * synced_at for body.  whoop_export_col needs no database: a program
 * checks column names before it opens one.
 *
 * whoop_export_open begins a read transaction, so every row comes from
 * one snapshot even while a sync writes; whoop_export_close ends it.
 * Rows come in start order (recovery: its cycle's start, rows without a
 * cycle last), body in history order, profile by account.  since and
 * until (canonical UTC text, whoop_time_format; NULL: open) keep rows
 * with since <= start < until, and apply only to types with a start.
 * whoop_export_step returns 1 with a row, 0 at the end, -1 on error.
 * whoop_export_cell gives column i of the row (made when asked for, so
 * unused columns cost nothing), whoop_export_raw the record's JSON as
 * stored; both are valid until the next step.
 */
struct whoop_export;

struct whoop_export_query {
	enum whoop_coll	 coll;
	int64_t		 account;	/* 0: every account */
	const char	*since;		/* start >= since */
	const char	*until;		/* start < until */
	int		 raw_only;	/* whoop_export_raw only, no cells */
};

/* A value as stored; the column's type tells a BOOL from an INT. */
struct whoop_cell {
	enum whoop_vtype type;
	int64_t		 i;
	double		 d;
	const char	*s;		/* WHOOP_V_TEXT, s[len] == '\0' */
	size_t		 len;
};

size_t	 whoop_export_ncols(enum whoop_coll);
/* Column i's name and type; NULL past the last. */
const char *whoop_export_col(enum whoop_coll, size_t i, enum whoop_ftype *);
int	 whoop_export_hasstart(enum whoop_coll);
struct whoop_export *whoop_export_open(struct whoop *,
	    const struct whoop_export_query *);
int	 whoop_export_step(struct whoop_export *);
const struct whoop_cell *whoop_export_cell(struct whoop_export *, size_t i);
const char *whoop_export_raw(const struct whoop_export *, size_t *len);
/* Ends the transaction and frees; accepts NULL.  -1 if COMMIT failed. */
int	 whoop_export_close(struct whoop_export *);

/*
 * http.c: every request to WHOOP.  HTTPS only, peer and host verified,
 * TLS 1.2+, no redirects followed, bounded time and size; paced from the
 * X-RateLimit-* headers; retried with jittered backoff where a retry is
 * safe.  The origin is https://api.prod.whoop.com unless WHOOP_API_URL
 * (https only) says otherwise; WHOOP_CA_FILE names trusted roots.
 * Errors go to the handle given to whoop_http_new.
 */
struct whoop_http;

struct whoop_resp {
	long	 status;		/* 0: no response */
	char	*body;			/* NUL-terminated; whoop_resp_free */
	size_t	 len;
	long	 rl_limit;		/* X-RateLimit-*, -1 when absent */
	long	 rl_remaining;
	long	 rl_reset;		/* seconds */
	long	 retry_after;		/* seconds, -1 when absent */
};

struct whoop_http_policy {
	long	 connect_timeout;	/* seconds */
	long	 total_timeout;		/* seconds, one request */
	long	 low_speed_time;	/* seconds below 1 byte/s: a stall */
	size_t	 max_body;		/* bytes */
	int	 max_tries;		/* attempts of one request */
	long	 backoff_ms;		/* first backoff; doubles, jittered */
	long	 max_wait;		/* longest single wait, seconds */
	long	 max_total;		/* all retries of one request, seconds */
	long	 rl_reserve;		/* requests left unused in a window */
};

struct whoop_http *whoop_http_new(struct whoop *, const char *agent);
void	 whoop_http_free(struct whoop_http *);
void	 whoop_http_policy(struct whoop_http *, struct whoop_http_policy *);
void	 whoop_http_setpolicy(struct whoop_http *,
	    const struct whoop_http_policy *);
const char *whoop_http_origin(const struct whoop_http *);
/* Requests made so far (the benchmark and the sync summary count them). */
long	 whoop_http_requests(const struct whoop_http *);
/* What the last response said of the rate-limit window, -1 if unknown. */
long	 whoop_http_budget(const struct whoop_http *);
/*
 * Did the last request fail after it may have reached the server, with
 * no answer back (a reset, an empty reply, a timeout)?  It was then not
 * sent again if it must not be (a token POST).
 */
int	 whoop_http_lost(const struct whoop_http *);
/*
 * GET and DELETE with a bearer token (never put in the URL).  Returns 0
 * for a 2xx, else -1 with the error class: WHOOP_E_AUTH for 401,
 * WHOOP_E_RATE when the rate limit outlasts the waits, WHOOP_E_NET for
 * network trouble and 5xx after the retries, WHOOP_E_TLS, WHOOP_E_HTTP
 * for another 4xx, WHOOP_E_PROTO for an oversized body.
 * query is NULL or a NULL-terminated list of name, value pairs.
 */
int	 whoop_http_get(struct whoop_http *, const char *path,
	    const char *const *query, const char *bearer, struct whoop_resp *);
int	 whoop_http_delete(struct whoop_http *, const char *path,
	    const char *bearer, struct whoop_resp *);
/*
 * POST a form (the token endpoint).  The form holds secrets: it is wiped
 * after the request.  Never retried once anything may have reached the
 * server (a code is single-use, and reusing a spent refresh token revokes
 * the grant); returns 0 when any HTTP response arrived, whatever its
 * status, so the caller can read the OAuth error.
 */
int	 whoop_http_post_form(struct whoop_http *, const char *path,
	    const char *const *form, struct whoop_resp *);
void	 whoop_resp_free(struct whoop_resp *);

/* api.c: one page of a collection, or the profile and body objects. */
int	 whoop_api_page(struct whoop_http *, enum whoop_coll,
	    const char *bearer, const char *start, const char *end,
	    const char *next_token, int limit, struct whoop_page *);
/*
 * One record by its key (a cycle's id, a recovery's cycle id, a sleep's
 * or workout's UUID) as a page of one; *found is 0 when WHOOP has none
 * (404).  Used to check a record before it is removed as missing.
 */
int	 whoop_api_one(struct whoop_http *, enum whoop_coll,
	    const char *bearer, const char *key, struct whoop_page *,
	    int *found);

/*
 * listener.c: the loopback redirect listener of whoop-auth (RFC 8252).
 * Binds 127.0.0.1 (and ::1 for a "localhost" redirect URI) only, and
 * takes exactly one valid callback: GET on the callback path, with a Host
 * of 127.0.0.1:PORT, localhost:PORT or [::1]:PORT, and the expected
 * state.  Other paths and methods get 404 and 405 and the flow goes on;
 * another Host gets 421 (400 without one), a wrong or missing state 400.
 * Each of these counts as a bad request, so a flood of junk cannot hold
 * the listener open: too many bad requests, or the deadline, end it.
 * Connections are served side by side (poll), each with its own read
 * deadline, so that idle ones cannot delay the browser's callback.
 */
struct whoop_listener;

struct whoop_listen_opts {
	const char	*host;		/* "127.0.0.1" or "localhost" */
	int		 port;		/* 0: any free port */
	const char	*path;		/* callback path, "/callback" */
	long		 deadline;	/* seconds for the whole flow */
	long		 read_timeout;	/* seconds per connection */
	int		 max_bad;	/* bad requests before giving up */
};

/* What a callback carried.  code is a secret: whoop_callback_clear. */
struct whoop_callback {
	char	*code;
	char	*error;			/* error=..., escaped */
	char	*error_description;	/* escaped */
};

struct whoop_listener *whoop_listen(struct whoop *,
	    const struct whoop_listen_opts *);
int	 whoop_listener_port(const struct whoop_listener *);
/*
 * Serve until one valid callback (0, cb filled: either code or error
 * set), or the deadline or the bad-request cap (-1).  The listener is
 * closed before this returns, whatever happens.
 */
int	 whoop_listener_wait(struct whoop_listener *, const char *state,
	    struct whoop_callback *);
void	 whoop_listener_free(struct whoop_listener *);
void	 whoop_callback_clear(struct whoop_callback *);

/*
 * The request parser behind the listener, and behind paste mode where
 * the user pastes the full redirect URL.  Exposed for tests and fuzzing.
 */
struct whoop_httpreq {
	char	 method[16];
	char	*path;		/* decoded path, no query */
	char	*query;		/* raw query string, NULL if none */
	char	*host;		/* Host field, trimmed; NULL if none */
};
int	 whoop_httpreq_parse(struct whoop *, const char *head, size_t len,
	    struct whoop_httpreq *);
void	 whoop_httpreq_free(struct whoop_httpreq *);
/* Find and percent-decode one query parameter; NULL if absent. */
char	*whoop_query_get(const char *query, const char *name, int *dup);
/* Check a callback URL or query (paste mode) against the state. */
int	 whoop_callback_check(struct whoop *, const char *query,
	    const char *state, struct whoop_callback *);

/* pkce.c: RFC 7636 S256, and the one-shot state. */
#define WHOOP_PKCE_LEN		43	/* 32 bytes, base64url, no NUL */
int	 whoop_pkce_new(struct whoop *, char verifier[WHOOP_PKCE_LEN + 1],
	    char challenge[WHOOP_PKCE_LEN + 1]);
int	 whoop_pkce_challenge(const char *verifier,
	    char challenge[WHOOP_PKCE_LEN + 1]);
int	 whoop_state_new(struct whoop *, char state[WHOOP_PKCE_LEN + 1]);

/*
 * oauth.c: WHOOP's OAuth 2.0 endpoints.  Client authentication is
 * client_secret_post, as WHOOP documents.  Tokens are secrets: wipe them
 * with whoop_tokens_clear.
 */
#define WHOOP_SCOPES_DEFAULT	"offline read:recovery read:cycles " \
	"read:workout read:sleep read:profile read:body_measurement"
struct whoop_tokens {
	char	*access_token;
	char	*refresh_token;		/* NULL without the offline scope */
	char	*scope;
	int64_t	 expires_at_ms;		/* now + expires_in */
	int64_t	 lifetime_ms;		/* expires_in; 0 unknown */
};
struct whoop_client {
	const char	*client_id;
	const char	*client_secret;
	const char	*redirect_uri;
};
char	*whoop_oauth_authorize_url(struct whoop *, const char *origin,
	    const struct whoop_client *, const char *scopes,
	    const char *state, const char *challenge);
/*
 * A token answer: refused (-1, WHOOP_E_PROTO) only when unusable -- not
 * JSON, no access token, a type other than bearer.  Any positive
 * expires_in is taken (at most a year); with none, lifetime_ms is 0 and
 * the token is due for a refresh at once.  No refresh token: NULL.
 */
int	 whoop_oauth_parse_tokens(struct whoop *, const char *body,
	    size_t len, int64_t now_ms, struct whoop_tokens *);
/*
 * The code is sent once and never retried after it may have left: codes
 * are single-use.  An answer without a refresh token is still a login.
 */
int	 whoop_oauth_exchange(struct whoop_http *, const struct whoop_client *,
	    const char *code, const char *verifier, struct whoop_tokens *);
/*
 * The answer has no refresh token when WHOOP keeps the old one valid
 * (RFC 6749 section 6): t->refresh_token is then NULL.
 */
int	 whoop_oauth_refresh(struct whoop_http *, const struct whoop_client *,
	    const char *refresh_token, struct whoop_tokens *);
/* 0 revoked; 1 the grant was already gone (401); -1 error. */
int	 whoop_oauth_revoke(struct whoop_http *, const char *access_token);
void	 whoop_tokens_clear(struct whoop_tokens *);

/*
 * cred.c: accounts and their sealed credentials, the only code that puts
 * seal.c and the database together.  Writers run inside the caller's
 * transaction (whoop_db_begin ... whoop_db_commit).
 */
struct whoop_cred {
	int64_t			 account;
	char			*client_id;
	char			*client_secret;	/* NULL if none stored */
	struct whoop_tokens	 tok;
	int			 refresh_failed; /* this run: never again */
};
int	 whoop_cred_store(struct whoop *, const struct whoop_key *,
	    int64_t account, const struct whoop_client *,
	    const struct whoop_tokens *);
int	 whoop_cred_load(struct whoop *, const struct whoop_key *,
	    int64_t account, struct whoop_cred *);
int	 whoop_cred_delete(struct whoop *, int64_t account);
void	 whoop_cred_clear(struct whoop_cred *);
/* Open every sealed column of the account, keep nothing (whoop-sync -c). */
int	 whoop_cred_verify(struct whoop *, const struct whoop_key *,
	    int64_t account);
/* Rows sealed under key and under any other (whoop-auth -K). */
int	 whoop_cred_count_keyed(struct whoop *, const struct whoop_key *,
	    long *mine, long *other);
/*
 * After WHOOP_E_KEY_WRONG for account: if newkey (KEY.new, shown as
 * newpath) opens it, add to the message that a key rotation was
 * interrupted and that whoop-auth -K finishes it.
 */
void	 whoop_cred_wrongkey_hint(struct whoop *,
	    const struct whoop_key *newkey, const char *newpath,
	    int64_t account);
/*
 * KEY.new, left by a key rotation cut short, if there is one: 1 and the
 * key loaded (wipe it), 0 if there is none or it does not load.
 */
int	 whoop_key_load_new(struct whoop *, const char *keypath,
	    struct whoop_key *, char *newpath, size_t newpathsz);
int	 whoop_account_set_status(struct whoop *, int64_t account,
	    const char *status);
/*
 * refresh.c: make c's access token good for margin_ms more (or, with
 * force, replace a token WHOOP refused), refreshing under BEGIN IMMEDIATE
 * after re-reading the stored pair, and committing the new pair before it
 * is used.  -1 with WHOOP_E_AUTH means the grant is gone (invalid_grant,
 * or no refresh token): only a new login helps.  The caller holds the run
 * lock.  conf supplies the client secret when none is stored (NULL: none).
 */
int	 whoop_token_ensure(struct whoop *, struct whoop_http *,
	    const struct whoop_key *, const struct whoop_config *,
	    struct whoop_cred *c, int force, int64_t margin_ms);
/* Account ids in the database, ascending; free(*ids). */
int	 whoop_account_list(struct whoop *, int64_t **ids, size_t *n);
/* What whoop-auth -l and the health check show: no secret in it. */
struct whoop_account_info {
	int64_t	 account;
	char	 status[16];		/* active, needs_login, revoked */
	char	 email[256];		/* "" if no profile */
	int	 has_tokens;
	int	 has_refresh;
	int64_t	 expires_at_ms;		/* of the access token */
	char	 last_sync[WHOOP_TIMESTR_LEN];	/* "" if never */
};
int	 whoop_account_infos(struct whoop *, struct whoop_account_info **,
	    size_t *n);
/*
 * purge.c: delete an account's synced records (cycle, recovery, sleep,
 * workout, profile, body_measurement) and its sync_state, inside the
 * caller's transaction; the accounts row stays.  *removed (may be NULL)
 * counts the records deleted.
 */
int	 whoop_account_purge(struct whoop *, int64_t account, long *removed);

/*
 * syncstate.c: how far the sync of one collection of one account has
 * come.  A pass walks a window [pass_start, pass_end) newest first;
 * cursor is the oldest start committed in it, so a pass cut short
 * resumes below it.  Empty strings stand for NULL.
 */
struct whoop_syncstate {
	int	 exists;
	char	 high_water[WHOOP_TIMESTR_LEN];	/* newest start seen */
	char	 pass_start[WHOOP_TIMESTR_LEN];	/* "" with pass_end: all */
	char	 pass_end[WHOOP_TIMESTR_LEN];	/* "": no pass under way */
	char	 cursor[WHOOP_TIMESTR_LEN];
	char	 last_success[WHOOP_TIMESTR_LEN];
	char	 last_error[256];
};
int	 whoop_syncstate_get(struct whoop *, int64_t account,
	    const char *coll, struct whoop_syncstate *);
int	 whoop_syncstate_put(struct whoop *, int64_t account,
	    const char *coll, const struct whoop_syncstate *);
/* 0 with the sleep's start in buf; -1 if it is not stored. */
int	 whoop_store_sleep_start(struct whoop *, int64_t account,
	    const char *sleep_id, char *buf, size_t bufsz);

/*
 * reject.c: the rejects table (records that cannot be stored in their
 * own table, kept as sent; see whoop.7).  No function begins or commits.
 * put: insert or refresh (last_seen = now) one, with the window it came
 * in (NULL or "": open); narrow: a later start for its window.  forget:
 * drop those of a key that has now been
 * stored.  sweep: drop those a complete pass over a window starting at
 * win_start (NULL: everything) no longer returned (last_seen < now).
 * oldest: *found when there is one, buf the earliest window start ("":
 * an open window).  list: id and text of each, for a retry.  count:
 * coll WHOOP_C_COUNT counts every collection.
 */
struct whoop_reject_row {
	int64_t	 id;
	char	*raw;
	size_t	 rawlen;
};
int	 whoop_reject_put(struct whoop *, int64_t account, enum whoop_coll,
	    const struct whoop_reject *, const char *win_start,
	    const char *win_end, const char *now);
int	 whoop_reject_narrow(struct whoop *, int64_t account, enum whoop_coll,
	    const char *raw, const char *win_start);
int	 whoop_reject_forget(struct whoop *, int64_t account, enum whoop_coll,
	    const char *key, int *removed);
int	 whoop_reject_delete(struct whoop *, int64_t id);
int	 whoop_reject_sweep(struct whoop *, int64_t account, enum whoop_coll,
	    const char *win_start, const char *now, int *removed);
int	 whoop_reject_oldest(struct whoop *, int64_t account, enum whoop_coll,
	    int *found, char *buf, size_t bufsz);
int	 whoop_reject_list(struct whoop *, int64_t account, enum whoop_coll,
	    struct whoop_reject_row **, size_t *n);
void	 whoop_reject_rows_free(struct whoop_reject_row *, size_t);
int	 whoop_reject_count(struct whoop *, int64_t account, enum whoop_coll,
	    long *n);
/* Stored records of a collection whose implausible column is set. */
int	 whoop_store_count_implausible(struct whoop *, int64_t account,
	    enum whoop_coll, long *n);

/* lock.c: the run lock beside the database (flock).  Returns an fd. */
int	 whoop_lock(struct whoop *, const char *path, long wait_seconds);
void	 whoop_unlock(int);

/* process.c: umask 077, no core dumps, not dumpable, SIGXFSZ ignored. */
int	 whoop_process_harden(struct whoop *);

/*
 * sandbox.c: confine a tool once it has opened what it needs.  Each
 * returns 0 when the restriction is in force, 1 when the kernel does not
 * offer it (the tool goes on unconfined), -1 on a real error.  Both set
 * PR_SET_NO_NEW_PRIVS, apply to the calling thread (call them while there
 * is one) and to every child it makes later, and cannot be undone.
 *
 * whoop_sandbox_landlock: Landlock, the best ABI the kernel has, every
 * filesystem right of it handled: everything beneath rw_paths, reading
 * beneath ro_paths (NULL-terminated lists; paths that do not exist are
 * skipped), nothing else.
 * whoop_sandbox_nonet: a seccomp filter that makes every way to get a
 * socket fail with EACCES, and running a program, ptrace(2) and
 * process_vm_readv/writev(2) fail with EPERM.
 * whoop_sandbox: what a tool needs, from its database path: the
 * database's directory read-write (read-only with WHOOP_SANDBOX_DBRO),
 * SQLite's temporary directory, with WHOOP_SANDBOX_TLS the files
 * libcurl, OpenSSL and the resolver read (and WHOOP_CA_FILE), and with
 * WHOOP_SANDBOX_NONET whoop_sandbox_nonet too.  1 if either was missing.
 */
#define WHOOP_SANDBOX_TLS	0x01	/* whoop-sync, whoop-auth */
#define WHOOP_SANDBOX_NONET	0x02	/* whoop-export */
#define WHOOP_SANDBOX_DBRO	0x04	/* whoop-export */
int	 whoop_sandbox_landlock(struct whoop *, const char *const *rw_paths,
	    const char *const *ro_paths);
int	 whoop_sandbox_nonet(struct whoop *);
int	 whoop_sandbox(struct whoop *, const char *db, int flags);
/*
 * As whoop_sandbox, and also reading beneath ro_extra (NULL for none):
 * whoop-auth reads the key file again under the run lock, after the
 * login, to seal under the key a rotation may have just put in place.
 */
int	 whoop_sandbox_also(struct whoop *, const char *db, int flags,
	    const char *ro_extra);

/* whoop-import: db's directory, and its inputs read-only (see there). */
int	 whoop_sandbox_import(struct whoop *, const char *db,
	    const char *const *inputs);

/*
 * csv.c: RFC 4180 records from a byte source (a file, a ZIP entry), one
 * at a time, in memory bounded by the longest record.  The read function
 * returns bytes read, 0 at the end, -1 on error (with the error on the
 * handle).  whoop_csv_next: 1 a record, 0 the end, -1 an error, whose
 * message is "name:line: why".  Fields are NUL-terminated (a NUL byte in
 * the input is an error) and valid UTF-8; a BOM is skipped.
 */
#define WHOOP_CSV_MAXFIELD	(64 * 1024)
#define WHOOP_CSV_MAXRECORD	(1024 * 1024)
typedef long (*whoop_csv_readfn)(void *arg, void *buf, size_t len);
struct whoop_csv;
struct whoop_csv *whoop_csv_new(struct whoop *, const char *name,
	    whoop_csv_readfn, void *arg);
void	 whoop_csv_free(struct whoop_csv *);
void	 whoop_csv_limits(struct whoop_csv *, size_t maxfield,
	    size_t maxrecord);
int	 whoop_csv_next(struct whoop_csv *);
size_t	 whoop_csv_nfields(const struct whoop_csv *);
const char *whoop_csv_field(const struct whoop_csv *, size_t i, size_t *len);
long	 whoop_csv_line(const struct whoop_csv *);	/* of the record */
const char *whoop_csv_name(const struct whoop_csv *);	/* escaped */

/*
 * zip.c: entries of a ZIP archive, read through zlib with every size
 * bounded (see there): at most WHOOP_ZIP_MAXENTRY bytes an entry, never
 * more than it declares.  Names are as stored: escape them to show them.
 */
#define WHOOP_ZIP_MAXDIR	(16 * 1024 * 1024)
#define WHOOP_ZIP_MAXENTRY	(UINT64_C(1) << 30)
struct whoop_zip;
struct whoop_zipentry;
struct whoop_zip *whoop_zip_open(struct whoop *, const char *path);
void	 whoop_zip_close(struct whoop_zip *);
size_t	 whoop_zip_count(const struct whoop_zip *);
const char *whoop_zip_name(const struct whoop_zip *, size_t i);
struct whoop_zipentry *whoop_zip_entry_open(struct whoop_zip *, size_t i);
long	 whoop_zip_entry_read(struct whoop_zipentry *, void *, size_t);
void	 whoop_zip_entry_close(struct whoop_zipentry *);

/*
 * import.c, appmap.c, appstore.c: the WHOOP app's own data export.
 * Paths are ZIP archives, folders (searched to any depth) or CSV files;
 * the four files are known by their header rows.  Everything is read and
 * checked before the database is touched, then written in one
 * transaction (unless dryrun: then only compared with what is stored).
 * A row that cannot be read fails the whole import, "file:line: why".
 * The local account (WHOOP_ACCOUNT_LOCAL) holds rows imported before any
 * login; whoop_import_takeover moves them to a real account.
 */
#define WHOOP_ACCOUNT_LOCAL	0
struct whoop_import;
struct whoop_import_file {
	char		 name[512];	/* escaped: "a.zip:dir/sleeps.csv" */
	enum whoop_coll	 coll;		/* WHOOP_C_COUNT: ignored */
	long		 nrows;
	long		 nnew, nsame, nupd;	/* after whoop_import_write */
};
/*
 * Find the export's files in paths and read every row of them, checking
 * it, without a database.  NULL with the first error ("file:line: why").
 */
struct whoop_import *whoop_import_scan(struct whoop *,
	    const char *const *paths, size_t npaths);
/* The files found (ignored ones too), in the order they are written. */
size_t	 whoop_import_nfiles(const struct whoop_import *);
const struct whoop_import_file *whoop_import_file(
	    const struct whoop_import *, size_t);
/*
 * Which account rows go to: want (>0) as given, else the only account
 * other than the local one, else the local one; created (without
 * tokens) when absent, unless dryrun.  -1 with WHOOP_E_FAIL when there
 * are several accounts to choose from.
 */
int	 whoop_import_account(struct whoop *, int64_t want, int dryrun,
	    int64_t *account);
/*
 * Write what was scanned for account, in one transaction (BEGIN
 * IMMEDIATE ... COMMIT; nothing at all on error), then link the rows to
 * the API's records.  With dryrun, only compare with what is stored (no
 * database open: everything is new).  *linked (may be NULL): rows newly
 * linked.
 */
int	 whoop_import_write(struct whoop *, struct whoop_import *,
	    int64_t account, int dryrun, long *linked);
void	 whoop_import_free(struct whoop_import *);
/*
 * Move the local account's imported rows to account to (rows it already
 * holds under the same key stay as they are), then delete the local
 * account; inside the caller's transaction.  *moved: rows moved.
 */
int	 whoop_import_takeover(struct whoop *, int64_t to, long *moved);

/* version.c: the versions of the libraries linked in, for audits. */
void	 whoop_versions(char *buf, size_t bufsz);	/* SQLite, OpenSSL */
void	 whoop_versions_net(char *buf, size_t bufsz);	/* libcurl, cJSON */

#endif /* WHOOP_H */
