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
void		 whoop_clearerr(struct whoop *);

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
#define WHOOP_SCHEMA_VERSION	1
int	 whoop_db_open(struct whoop *, const char *path, int flags);
void	 whoop_db_close(struct whoop *);
int	 whoop_db_begin(struct whoop *);	/* BEGIN IMMEDIATE */
int	 whoop_db_commit(struct whoop *);
int	 whoop_db_rollback(struct whoop *);
int	 whoop_db_check(struct whoop *, int full, char **report);
int	 whoop_db_wal_truncate(struct whoop *);
int	 whoop_db_schema_version(struct whoop *, int *);

/* audit.c: append-only security events; never a secret in them. */
int	 whoop_audit(struct whoop *, int64_t account, const char *event,
	    const char *detail);

/* rekey.c: re-seal every sealed value under a new key, one transaction. */
int	 whoop_rekey(struct whoop *, const struct whoop_key *oldkey,
	    const struct whoop_key *newkey, int *count);

/* version.c: the versions of the libraries linked in, for audits. */
void	 whoop_versions(char *buf, size_t bufsz);	/* SQLite, OpenSSL */
void	 whoop_versions_net(char *buf, size_t bufsz);	/* libcurl, cJSON */

#endif /* WHOOP_H */
