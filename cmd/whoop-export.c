/*
 * whoop-export: write the records of one type to standard output as CSV,
 * TSV or JSON Lines, for jq, csvkit, spreadsheets and scripts.
 *
 * It opens the database read-only and reads record tables only: never
 * the credentials, never the key or the configuration file, so it works
 * with no key at all and can be given to someone who must not see a
 * token.  It links no network, JSON or sealing code.  Rows are streamed
 * from one read transaction (a consistent snapshot while a sync writes)
 * through a buffer that is written out in whole rows.
 */
#include <sys/prctl.h>

#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "whoop.h"

#define OUTBUF		(64 * 1024)	/* written out once a row ends past it */

enum fmt { FMT_CSV, FMT_TSV, FMT_JSONL };

static struct whoop		*w;
static struct whoop_export	*ex;
static enum whoop_ftype		*types;		/* of every column */
static size_t			*sel;		/* the columns written */

/* The output buffer: rows go out whole (unless one is larger than it). */
static struct {
	char	*b;
	size_t	 n, cap;
	int	 tty;		/* flush every row */
} ob;

static void
usage(void)
{
	fprintf(stderr,
	    "usage: whoop-export [-F] [-a account] [-c columns] [-d file] "
	    "[-f format]\n"
	    "                    [-s since] [-u until] type\n"
	    "       whoop-export --help | --version\n");
}

static void
help(void)
{
	printf("usage: whoop-export [-F] [-a account] [-c columns] [-d file] "
	    "[-f format]\n"
	    "                    [-s since] [-u until] type\n"
	    "       whoop-export --help | --version\n"
	    "\n"
	    "  type        cycle, recovery, sleep, workout, body or profile;\n"
	    "              from the app's export (whoop-import): app_cycle,\n"
	    "              app_sleep, app_workout, journal\n"
	    "  -a account  only this account (WHOOP user id)\n"
	    "  -c columns  comma-separated columns, in this order\n"
	    "  -d file     database (default $XDG_DATA_HOME/whoop/whoop.db)\n"
	    "  -F          JSON Lines of the flat columns (implies -f jsonl)\n"
	    "  -f format   csv (default, RFC 4180, CRLF), tsv, or jsonl (each\n"
	    "              record's JSON as WHOOP sent it)\n"
	    "  -s since    start >= since: YYYY-MM-DD, RFC 3339, or 7d, 12h\n"
	    "  -u until    start < until, same forms\n"
	    "\nColumns: see whoop(7).  See whoop-export(1).\n");
}

static void
version(void)
{
	char	 buf[512];

	/* Not whoop_versions_net: that would link libcurl and cJSON in. */
	printf("whoop-export %s\n", WHOOP_VERSION);
	whoop_versions(buf, sizeof(buf));
	fputs(buf, stdout);
}

static void
cleanup(void)
{
	whoop_export_close(ex);
	ex = NULL;
	whoop_free(w);
	w = NULL;
	free(types);
	types = NULL;
	free(sel);
	sel = NULL;
	free(ob.b);
	ob.b = NULL;
}

static int
finish(int code)
{
	cleanup();
	return code;
}

/*
 * Write the buffer out.  A reader that went away (| head) is the normal
 * end of a pipeline, not an error: stop quietly with status 0.
 */
static void
flush_out(void)
{
	struct pollfd	 pfd;
	size_t		 off = 0;
	ssize_t		 n;

	while (off < ob.n) {
		n = write(STDOUT_FILENO, ob.b + off, ob.n - off);
		if (n >= 0) {
			off += (size_t)n;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN) {
			/* A non-blocking stdout inherited from the caller. */
			pfd.fd = STDOUT_FILENO;
			pfd.events = POLLOUT;
			(void)poll(&pfd, 1, -1);
			continue;
		}
		if (errno == EPIPE) {
			cleanup();
			exit(WHOOP_EXIT_OK);
		}
		err(WHOOP_EXIT_FAIL, "standard output");
	}
	ob.n = 0;
}

static void
reserve(size_t more)
{
	char	*nb;
	size_t	 cap;

	if (ob.cap - ob.n >= more)
		return;
	if (ob.n > 0)
		flush_out();
	if (ob.cap >= more)
		return;
	for (cap = ob.cap ? ob.cap : OUTBUF; cap < more; cap *= 2)
		continue;
	if ((nb = realloc(ob.b, cap)) == NULL)
		err(WHOOP_EXIT_FAIL, NULL);
	ob.b = nb;
	ob.cap = cap;
}

static inline void
putch(char c)
{
	if (ob.n == ob.cap)
		reserve(1);
	ob.b[ob.n++] = c;
}

static void
putmem(const char *s, size_t len)
{
	reserve(len);
	memcpy(ob.b + ob.n, s, len);
	ob.n += len;
}

static void
putstr(const char *s)
{
	putmem(s, strlen(s));
}

static void
endrow(void)
{
	if (ob.tty || ob.n >= OUTBUF)
		flush_out();
}

static void
putint(int64_t v)
{
	char		 buf[24], *p = buf + sizeof(buf);
	uint64_t	 u = v < 0 ? -(uint64_t)v : (uint64_t)v;

	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		*--p = '-';
	putmem(p, (size_t)(buf + sizeof(buf) - p));
}

/*
 * A double with at most 9 decimals, as digits: m / 10^k == d exactly in
 * double arithmetic means the text "m with k decimals" reads back (by a
 * correctly rounded strtod) as d, and the smallest such k is the
 * shortest such text.  Most WHOOP values take this way, which is much
 * cheaper than printf's.  Returns 0 when no k fits.
 */
static int
putdecimal(double d)
{
	static const double p10[] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6,
	    1e7, 1e8, 1e9 };
	char		 buf[32], *p = buf + sizeof(buf);
	double		 x;
	uint64_t	 u;
	int64_t		 m;
	int		 k, i;

	for (k = 0; k < (int)(sizeof(p10) / sizeof(p10[0])); k++) {
		x = d * p10[k];
		if (x >= 9e15 || x <= -9e15)
			return 0;
		m = (int64_t)(x + (x >= 0 ? 0.5 : -0.5));
		if ((double)m / p10[k] == d)
			break;
	}
	if (k == (int)(sizeof(p10) / sizeof(p10[0])))
		return 0;
	u = m < 0 ? -(uint64_t)m : (uint64_t)m;
	for (i = 0; i < k; i++) {
		*--p = (char)('0' + u % 10);
		u /= 10;
	}
	if (k > 0)
		*--p = '.';
	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (m < 0)
		*--p = '-';
	putmem(p, (size_t)(buf + sizeof(buf) - p));
	return 1;
}

/*
 * The shortest of %.15g, %.16g, %.17g that reads back as the same
 * double: 48.230446 stays 48.230446, and nothing is lost.  Returns 0
 * for a value JSON cannot hold (infinity, NaN).
 */
static int
putreal(double d)
{
	char	 buf[40];
	int	 prec, n = 0;

	if (!isfinite(d))
		return 0;
	if (putdecimal(d))
		return 1;
	for (prec = 15; prec <= 17; prec++) {
		n = snprintf(buf, sizeof(buf), "%.*g", prec, d);
		if (n < 0 || (size_t)n >= sizeof(buf))
			return 0;
		if (strtod(buf, NULL) == d)
			break;
	}
	putmem(buf, (size_t)n);
	return 1;
}

/* RFC 4180: quote a field holding a comma, quote, CR or LF. */
static void
csv_text(const char *s, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		if (s[i] == ',' || s[i] == '"' || s[i] == '\r' ||
		    s[i] == '\n')
			break;
	if (i == len) {
		putmem(s, len);
		return;
	}
	reserve(2 * len + 2);
	ob.b[ob.n++] = '"';
	for (i = 0; i < len; i++) {
		if (s[i] == '"')
			ob.b[ob.n++] = '"';
		ob.b[ob.n++] = s[i];
	}
	ob.b[ob.n++] = '"';
}

/* TSV: tab, LF, CR and backslash as \t \n \r \\, so a row is a line. */
static void
tsv_text(const char *s, size_t len)
{
	size_t	 i;

	reserve(2 * len);
	for (i = 0; i < len; i++) {
		switch (s[i]) {
		case '\t':
			ob.b[ob.n++] = '\\';
			ob.b[ob.n++] = 't';
			break;
		case '\n':
			ob.b[ob.n++] = '\\';
			ob.b[ob.n++] = 'n';
			break;
		case '\r':
			ob.b[ob.n++] = '\\';
			ob.b[ob.n++] = 'r';
			break;
		case '\\':
			ob.b[ob.n++] = '\\';
			ob.b[ob.n++] = '\\';
			break;
		default:
			ob.b[ob.n++] = s[i];
			break;
		}
	}
}

/*
 * A JSON string (RFC 8259): quote, backslash and control characters
 * escaped; a byte that is not UTF-8 (never from WHOOP, but the file is
 * SQLite's) becomes U+FFFD, so every line parses.
 */
static void
json_text(const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s;
	size_t	 i, n;

	reserve(6 * len + 2);
	ob.b[ob.n++] = '"';
	for (i = 0; i < len; i += n) {
		n = 1;
		if (u[i] >= 0x20 && u[i] != '"' && u[i] != '\\' &&
		    u[i] < 0x80) {
			ob.b[ob.n++] = (char)u[i];
			continue;
		}
		if (u[i] >= 0x80) {
			if ((n = whoop_utf8len(u + i, len - i)) == 0) {
				n = 1;
				memcpy(ob.b + ob.n, "\\ufffd", 6);
				ob.n += 6;
			} else {
				memcpy(ob.b + ob.n, s + i, n);
				ob.n += n;
			}
			continue;
		}
		ob.b[ob.n++] = '\\';
		switch (u[i]) {
		case '"':
		case '\\':
			ob.b[ob.n++] = (char)u[i];
			break;
		case '\b':
			ob.b[ob.n++] = 'b';
			break;
		case '\f':
			ob.b[ob.n++] = 'f';
			break;
		case '\n':
			ob.b[ob.n++] = 'n';
			break;
		case '\r':
			ob.b[ob.n++] = 'r';
			break;
		case '\t':
			ob.b[ob.n++] = 't';
			break;
		default:
			memcpy(ob.b + ob.n, "u00", 3);
			ob.n += 3;
			ob.b[ob.n++] = hex[u[i] >> 4];
			ob.b[ob.n++] = hex[u[i] & 0xf];
			break;
		}
	}
	ob.b[ob.n++] = '"';
}

static void
put_cell(enum fmt fmt, enum whoop_ftype type, const struct whoop_cell *c)
{
	switch (c->type) {
	case WHOOP_V_NULL:
		/* CSV and TSV have no NULL: an empty field (see -F). */
		if (fmt == FMT_JSONL)
			putmem("null", 4);
		break;
	case WHOOP_V_INT:
		if (type == WHOOP_F_BOOL)
			putstr(c->i ? "true" : "false");
		else
			putint(c->i);
		break;
	case WHOOP_V_REAL:
		if (!putreal(c->d) && fmt == FMT_JSONL)
			putmem("null", 4);
		break;
	case WHOOP_V_TEXT:
		if (fmt == FMT_CSV)
			csv_text(c->s, c->len);
		else if (fmt == FMT_TSV)
			tsv_text(c->s, c->len);
		else
			json_text(c->s, c->len);
		break;
	}
}

/*
 * The record's JSON as stored, on one line.  JSON strings cannot hold a
 * raw CR or LF, so any in a record are whitespace between tokens (WHOOP
 * sends none): they become spaces, and the record means the same.
 */
static void
put_raw(const char *s, size_t len)
{
	char	*p, *end;

	reserve(len + 1);
	p = ob.b + ob.n;
	memcpy(p, s, len);
	end = p + len;
	while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL)
		*p++ = ' ';
	p = ob.b + ob.n;
	while ((p = memchr(p, '\r', (size_t)(end - p))) != NULL)
		*p++ = ' ';
	ob.n += len;
	ob.b[ob.n++] = '\n';
}

static void
put_header(enum fmt fmt, enum whoop_coll coll, size_t nsel)
{
	size_t	 k;

	if (fmt == FMT_JSONL)
		return;
	for (k = 0; k < nsel; k++) {
		if (k > 0)
			putch(fmt == FMT_CSV ? ',' : '\t');
		putstr(whoop_export_col(coll, sel[k], NULL));
	}
	putstr(fmt == FMT_CSV ? "\r\n" : "\n");
}

static void
put_row(enum fmt fmt, enum whoop_coll coll, size_t nsel)
{
	size_t	 k;

	if (fmt == FMT_JSONL)
		putch('{');
	for (k = 0; k < nsel; k++) {
		if (k > 0)
			putch(fmt == FMT_TSV ? '\t' : ',');
		if (fmt == FMT_JSONL) {
			putch('"');
			putstr(whoop_export_col(coll, sel[k], NULL));
			putmem("\":", 2);
		}
		put_cell(fmt, types[sel[k]], whoop_export_cell(ex, sel[k]));
	}
	if (fmt == FMT_JSONL)
		putmem("}\n", 2);
	else
		putstr(fmt == FMT_CSV ? "\r\n" : "\n");
}

static const char *
type_list(void)
{
	return "cycle, recovery, sleep, workout, body, profile, "
	    "app_cycle, app_sleep, app_workout, journal";
}

/* The valid columns of a type, for a usage message. */
static void
col_list(enum whoop_coll coll, char *buf, size_t bufsz)
{
	const char	*name;
	size_t		 i, n = 0;
	int		 rc;

	buf[0] = '\0';
	for (i = 0; (name = whoop_export_col(coll, i, NULL)) != NULL; i++) {
		rc = snprintf(buf + n, bufsz - n, "%s%s", i ? ", " : "",
		    name);
		if (rc < 0 || (size_t)rc >= bufsz - n)
			break;
		n += (size_t)rc;
	}
}

/*
 * -c: names, comma-separated, picked and ordered as given.  An unknown
 * or empty name is a usage error naming it and the valid ones.
 */
static int
parse_columns(enum whoop_coll coll, const char *arg, size_t *nsel)
{
	const char	*p, *e, *name;
	size_t		 n = 1, i, k = 0, len;
	char		 list[2048];

	for (p = arg; *p != '\0'; p++)
		n += *p == ',';
	if ((sel = calloc(n, sizeof(*sel))) == NULL)
		err(WHOOP_EXIT_FAIL, NULL);
	for (p = arg;; p = e + 1) {
		e = strchr(p, ',');
		len = e != NULL ? (size_t)(e - p) : strlen(p);
		for (i = 0; (name = whoop_export_col(coll, i, NULL)) != NULL;
		    i++)
			if (strlen(name) == len && memcmp(name, p, len) == 0)
				break;
		if (name == NULL) {
			col_list(coll, list, sizeof(list));
			if (len == 0)
				warnx("-c: empty column name; valid: %s",
				    list);
			else {
				char	 esc[260];

				/* Escaped: it may hold terminal escapes. */
				whoop_escape(esc, sizeof(esc), p,
				    len > 64 ? 64 : len);
				warnx("-c: unknown column \"%s\" for %s; "
				    "valid: %s", esc,
				    whoop_colspec(coll)->name, list);
			}
			return -1;
		}
		sel[k++] = i;
		if (e == NULL)
			break;
	}
	*nsel = k;
	return 0;
}

static int
parse_time(const char *opt, const char *arg, int64_t now, char *buf,
    size_t bufsz)
{
	int64_t	 ms;

	if (whoop_time_parse_user(w, arg, now, &ms) == -1 ||
	    whoop_time_format(ms, buf, bufsz) == -1) {
		warnx("%s: %s", opt, whoop_errmsg(w));
		return -1;
	}
	return 0;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const struct whoop_colspec	*cs;
	struct whoop_export_query	 q;
	struct whoop_paths		 paths;
	enum fmt			 fmt = FMT_CSV;
	const char			*dbopt = NULL, *fmtopt = NULL;
	const char			*colopt = NULL, *sopt = NULL;
	const char			*uopt = NULL;
	char				 since[WHOOP_TIMESTR_LEN];
	char				 until[WHOOP_TIMESTR_LEN];
	size_t				 nsel, i, ncols;
	long long			 n;
	long				 nrows = 0;
	int64_t				 now;
	int				 ch, flat = 0, raw, rc;

	if ((w = whoop_new()) == NULL)
		err(WHOOP_EXIT_FAIL, NULL);
	/*
	 * Cheap hygiene: private files, no core dumps, and no setuid
	 * program run from here could gain anything.  (The sandbox comes
	 * once the database is open.)
	 */
	if (whoop_process_harden(w) == -1)
		errx(WHOOP_EXIT_FAIL, "%s", whoop_errmsg(w));
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		err(WHOOP_EXIT_FAIL, "prctl");
	/* EPIPE from write(2) instead: see flush_out. */
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		err(WHOOP_EXIT_FAIL, "signal");

	memset(&q, 0, sizeof(q));
	while ((ch = getopt_long(argc, argv, "a:c:d:Ff:s:u:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'a':
			if (whoop_strtoll(w, optarg, 1, INT64_MAX, &n) == -1)
				errx(WHOOP_EXIT_USAGE, "-a: %s", whoop_errmsg(w));
			q.account = n;
			break;
		case 'c':
			colopt = optarg;
			break;
		case 'd':
			dbopt = optarg;
			break;
		case 'F':
			flat = 1;
			break;
		case 'f':
			fmtopt = optarg;
			break;
		case 's':
			sopt = optarg;
			break;
		case 'u':
			uopt = optarg;
			break;
		case 'h':
			help();
			return finish(WHOOP_EXIT_OK);
		case 'V':
			version();
			return finish(WHOOP_EXIT_OK);
		default:
			usage();
			return finish(WHOOP_EXIT_USAGE);
		}
	}
	if (optind + 1 != argc) {
		usage();
		return finish(WHOOP_EXIT_USAGE);
	}
	if ((cs = whoop_colspec_byname(argv[optind])) == NULL) {
		char	 esc[260];

		whoop_escape(esc, sizeof(esc), argv[optind], 64);
		warnx("unknown type \"%s\": expected one of %s", esc,
		    type_list());
		return finish(WHOOP_EXIT_USAGE);
	}
	q.coll = cs->coll;

	if (fmtopt == NULL)
		fmt = flat ? FMT_JSONL : FMT_CSV;
	else if (strcmp(fmtopt, "csv") == 0)
		fmt = FMT_CSV;
	else if (strcmp(fmtopt, "tsv") == 0)
		fmt = FMT_TSV;
	else if (strcmp(fmtopt, "jsonl") == 0)
		fmt = FMT_JSONL;
	else {
		warnx("-f: unknown format \"%.64s\": expected csv, tsv or "
		    "jsonl", whoop_esc(fmtopt));
		return finish(WHOOP_EXIT_USAGE);
	}
	if (flat && fmt != FMT_JSONL) {
		warnx("-F writes JSON Lines; it cannot go with -f %s",
		    whoop_esc(fmtopt));
		return finish(WHOOP_EXIT_USAGE);
	}
	raw = fmt == FMT_JSONL && !flat;
	q.raw_only = raw;
	if (raw && colopt != NULL) {
		warnx("-c picks flat columns: use it with csv, tsv or -F");
		return finish(WHOOP_EXIT_USAGE);
	}

	ncols = whoop_export_ncols(q.coll);
	if ((types = calloc(ncols, sizeof(*types))) == NULL)
		err(WHOOP_EXIT_FAIL, NULL);
	for (i = 0; i < ncols; i++)
		(void)whoop_export_col(q.coll, i, &types[i]);
	if (colopt != NULL) {
		if (parse_columns(q.coll, colopt, &nsel) == -1)
			return finish(WHOOP_EXIT_USAGE);
	} else {
		if ((sel = calloc(ncols, sizeof(*sel))) == NULL)
			err(WHOOP_EXIT_FAIL, NULL);
		for (i = 0; i < ncols; i++)
			sel[i] = i;
		nsel = ncols;
	}

	if ((sopt != NULL || uopt != NULL) && !whoop_export_hasstart(q.coll)) {
		warnx("%s records have no start: -s and -u apply to cycle, "
		    "recovery, sleep and workout", cs->name);
		return finish(WHOOP_EXIT_USAGE);
	}
	now = whoop_time_now_ms();
	if (sopt != NULL) {
		if (parse_time("-s", sopt, now, since, sizeof(since)) == -1)
			return finish(WHOOP_EXIT_USAGE);
		q.since = since;
	}
	if (uopt != NULL) {
		if (parse_time("-u", uopt, now, until, sizeof(until)) == -1)
			return finish(WHOOP_EXIT_USAGE);
		q.until = until;
	}

	/* Paths only: no config file, no key, no secret is ever read. */
	if (whoop_paths_init(w, &paths, dbopt) == -1)
		errx(whoop_exitcode(w), "%s", whoop_errmsg(w));
	if (whoop_db_open(w, paths.db, WHOOP_DB_RDONLY) == -1)
		errx(whoop_exitcode(w), "%s", whoop_errmsg(w));
	/*
	 * From here on: the database's directory read-only (its files are
	 * open), SQLite's temporary directory, no other file, no socket,
	 * no program (Landlock and seccomp; skipped where the kernel lacks
	 * them).  A hostile database file gets no further than this.
	 */
	if (whoop_sandbox(w, paths.db, WHOOP_SANDBOX_DBRO |
	    WHOOP_SANDBOX_NONET) == -1)
		errx(WHOOP_EXIT_FAIL, "%s", whoop_errmsg(w));
	whoop_paths_free(&paths);
	if ((ex = whoop_export_open(w, &q)) == NULL)
		errx(whoop_exitcode(w), "%s", whoop_errmsg(w));

	ob.tty = isatty(STDOUT_FILENO);
	reserve(OUTBUF);
	/*
	 * The first step comes before the header: a query that fails at
	 * once writes nothing at all.
	 */
	rc = whoop_export_step(ex);
	if (rc >= 0 && !raw)
		put_header(fmt, q.coll, nsel);
	for (; rc == 1; rc = whoop_export_step(ex)) {
		nrows++;
		if (raw) {
			const char	*s;
			size_t		 len;

			if ((s = whoop_export_raw(ex, &len)) == NULL)
				put_raw("null", 4);
			else
				put_raw(s, len);
		} else
			put_row(fmt, q.coll, nsel);
		endrow();
	}
	/* Whole rows written so far go out, then the error, if any. */
	flush_out();
	if (rc == 0) {
		rc = whoop_export_close(ex);
		ex = NULL;
	}
	if (rc == -1) {
		/* Say that what went out is not all there is. */
		if (nrows > 0)
			warnx("%s; output stopped after %ld row%s",
			    whoop_errmsg(w), nrows, nrows == 1 ? "" : "s");
		else
			warnx("%s", whoop_errmsg(w));
		rc = whoop_exitcode(w);
		return finish(rc == WHOOP_EXIT_OK ? WHOOP_EXIT_FAIL : rc);
	}
	return finish(WHOOP_EXIT_OK);
}
