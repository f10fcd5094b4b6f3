/*
 * Private declarations shared by the files of libwhoop.  Unit tests may
 * include it to reach internals; cmd/ never does.
 */
#ifndef WHOOP_EXTERN_H
#define WHOOP_EXTERN_H

#include <stdarg.h>

#include "whoop.h"

struct sqlite3;

struct whoop {
	char		 errmsg[512];
	enum whoop_err	 errcode;
	struct sqlite3	*db;		/* NULL until whoop_db_open */
	int		 db_rdonly;
};

#if defined(__GNUC__)
#define WHOOP_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define WHOOP_PRINTF(a, b)
#endif

/* whoop_seterr is public (whoop.h): the tools set errors too. */
int	 whoop_vseterr(struct whoop *, enum whoop_err, const char *, va_list)
	    WHOOP_PRINTF(3, 0);
/* Like whoop_seterr, appending ": strerror(errno)". */
int	 whoop_seterrno(struct whoop *, enum whoop_err, const char *, ...)
	    WHOOP_PRINTF(3, 4);
/* Append the SQLite message of the handle's connection. */
int	 whoop_seterrdb(struct whoop *, const char *, ...) WHOOP_PRINTF(2, 3);

/* whoop_escape is public (whoop.h): the tools echo user input with it. */

/* AES-256-GCM primitive, exposed for test vectors. */
int	 whoop_aesgcm_encrypt(const unsigned char *key, size_t keylen,
	    const unsigned char *iv, size_t ivlen,
	    const unsigned char *aad, size_t aadlen,
	    const unsigned char *pt, size_t ptlen,
	    unsigned char *ct, unsigned char *tag, size_t taglen);
int	 whoop_aesgcm_decrypt(const unsigned char *key, size_t keylen,
	    const unsigned char *iv, size_t ivlen,
	    const unsigned char *aad, size_t aadlen,
	    const unsigned char *ct, size_t ctlen,
	    const unsigned char *tag, size_t taglen, unsigned char *pt);

/*
 * cmd.c: whoop_cmd_output with a deadline in milliseconds (<= 0: the
 * default of 30 s), so that a test can time out a hung command quickly.
 */
int	 whoop_cmd_run(struct whoop *, const char *cmdline, size_t max,
	    int timeout_ms, unsigned char **out, size_t *outlen);

/* sqlbuf.c: SQL text from colspec names (never input); see there. */
struct whoop_sqlbuf {
	char	 s[8192];
	size_t	 n;
	int	 over;		/* truncated: never run */
};
void	 whoop_sqlcat(struct whoop_sqlbuf *, const char *, ...)
	    WHOOP_PRINTF(2, 3);

/*
 * appmap.c: a CSV file of the app's export, by header name, to values in
 * colspec order and the row's raw JSON (see there).
 */
struct whoop_appmap {
	const struct whoop_colspec *cs;
	char		**hdr;		/* the header row, copied */
	size_t		 ncsv;
	int		*col;		/* per field: CSV column, -1 none */
	int		 tzcol, datecol;	/* field indexes */
	struct whoop_value *v;		/* this row's values */
	char		(*txt)[WHOOP_TIMESTR_LEN];	/* their text */
	/* The last row's time texts and offset: rows of a cycle repeat. */
	char		(*prev)[WHOOP_TIMESTR_LEN];
	char		 prevtz[WHOOP_TIMESTR_LEN];
	char		 prevday[2][WHOOP_TIMESTR_LEN];	/* start, day */
	char		*raw;		/* this row's JSON */
	size_t		 rawlen, rawcap;
};
enum whoop_coll	 whoop_app_classify(const struct whoop_csv *);
int	 whoop_app_known_name(const char *path);
const char *whoop_app_filename(enum whoop_coll);
void	 whoop_app_fallback_day(const char *start_utc, const char *tz,
	    char *buf, size_t bufsz);
int	 whoop_appmap_init(struct whoop *, struct whoop_appmap *,
	    enum whoop_coll, const struct whoop_csv *);
int	 whoop_appmap_row(struct whoop *, struct whoop_appmap *,
	    const struct whoop_csv *);
void	 whoop_appmap_free(struct whoop_appmap *);

/* appstore.c: those rows into their tables (see there). */
struct sqlite3_stmt;
struct whoop_appstore {
	struct whoop	*w;
	const struct whoop_colspec *cs;
	int64_t		 account;
	int		 dryrun;
	int		 keys[2];	/* field indexes of the key */
	size_t		 nkeys;
	const char	*endcol;	/* NULL while the cycle is open */
	char		 now[WHOOP_TIMESTR_LEN];
	struct sqlite3_stmt *get, *ins, *upd, *day;
};
int	 whoop_appstore_open(struct whoop *, struct whoop_appstore *,
	    enum whoop_coll, int64_t account, int dryrun);
int	 whoop_appstore_put(struct whoop_appstore *, struct whoop_appmap *,
	    int *change);
void	 whoop_appstore_close(struct whoop_appstore *);
int	 whoop_appstore_link(struct whoop *, int64_t account, long *linked);
int	 whoop_appstore_account(struct whoop *, int64_t account);

/* The handle a client reports its errors on. */
struct whoop	*whoop_http_handle(struct whoop_http *);

#endif /* WHOOP_EXTERN_H */
