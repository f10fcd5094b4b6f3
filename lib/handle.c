/*
 * The library handle: the last error and the open database.
 */
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "extern.h"

struct whoop *
whoop_new(void)
{
	return calloc(1, sizeof(struct whoop));
}

void
whoop_free(struct whoop *w)
{
	if (w == NULL)
		return;
	whoop_db_close(w);
	free(w);
}

const char *
whoop_errmsg(const struct whoop *w)
{
	if (w == NULL || w->errcode == WHOOP_E_NONE)
		return "no error";
	return w->errmsg;
}

enum whoop_err
whoop_errcode(const struct whoop *w)
{
	return w == NULL ? WHOOP_E_NONE : w->errcode;
}

int
whoop_exitcode(const struct whoop *w)
{
	switch (whoop_errcode(w)) {
	case WHOOP_E_NONE:
		return WHOOP_EXIT_OK;
	case WHOOP_E_CONFIG:
		return WHOOP_EXIT_CONFIG;
	case WHOOP_E_BUSY:
	case WHOOP_E_NET:
	case WHOOP_E_RATE:
		return WHOOP_EXIT_TEMP;
	case WHOOP_E_AUTH:
		return WHOOP_EXIT_AUTH;
	default:
		return WHOOP_EXIT_FAIL;
	}
}

/*
 * Of two exit statuses, the one a person should see: configuration (78)
 * over authorization (77) over failure (1) over temporary (75) over
 * success.  Anything else counts as a failure.
 */
int
whoop_exit_worse(int a, int b)
{
	int	 i, rank[2], code[2] = { a, b };

	for (i = 0; i < 2; i++) {
		switch (code[i]) {
		case WHOOP_EXIT_OK:
			rank[i] = 0;
			break;
		case WHOOP_EXIT_TEMP:
			rank[i] = 1;
			break;
		case WHOOP_EXIT_AUTH:
			rank[i] = 3;
			break;
		case WHOOP_EXIT_CONFIG:
			rank[i] = 4;
			break;
		default:
			code[i] = WHOOP_EXIT_FAIL;
			rank[i] = 2;
			break;
		}
	}
	return rank[1] > rank[0] ? code[1] : code[0];
}

void
whoop_clearerr(struct whoop *w)
{
	if (w == NULL)
		return;
	w->errcode = WHOOP_E_NONE;
	w->errmsg[0] = '\0';
}

/*
 * Every message ends on a terminal, and may hold a path from -d or
 * WHOOP_DB, a name from a file or text from a server: control bytes
 * (C0, DEL, and C1 as UTF-8 spells them, \xc2\x80-\x9f) become \xHH
 * in place, so that none of them can move the cursor, set a window
 * title or clear the screen.  Printable text, UTF-8 included, and
 * backslashes are left alone: text escaped before stays as it was.
 */
static void
defang(char *msg, size_t sz)
{
	static const char hex[] = "0123456789abcdef";
	char		 out[sizeof(((struct whoop *)0)->errmsg)];
	size_t		 i, o = 0, n = strlen(msg);
	unsigned char	 c;
	int		 esc;

	if (sz > sizeof(out))
		sz = sizeof(out);
	for (i = 0; i < n; i++) {
		c = (unsigned char)msg[i];
		esc = c < 0x20 || c == 0x7f || (c == 0xc2 && i + 1 < n &&
		    (unsigned char)msg[i + 1] >= 0x80 &&
		    (unsigned char)msg[i + 1] <= 0x9f);
		if (esc && c == 0xc2) {
			/* Both bytes: \xc2\x9b. */
			if (o + 8 >= sz)
				break;
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = 'c';
			out[o++] = '2';
			c = (unsigned char)msg[++i];
		} else if (!esc) {
			if (o + 1 >= sz)
				break;
			out[o++] = (char)c;
			continue;
		} else if (o + 4 >= sz)
			break;
		out[o++] = '\\';
		out[o++] = 'x';
		out[o++] = hex[c >> 4];
		out[o++] = hex[c & 0xf];
	}
	out[o] = '\0';
	memcpy(msg, out, o + 1);
}

int
whoop_vseterr(struct whoop *w, enum whoop_err code, const char *fmt,
    va_list ap)
{
	if (w == NULL)
		return -1;
	w->errcode = code;
	/* A truncated message is still better than none. */
	(void)vsnprintf(w->errmsg, sizeof(w->errmsg), fmt, ap);
	defang(w->errmsg, sizeof(w->errmsg));
	return -1;
}

int
whoop_seterr(struct whoop *w, enum whoop_err code, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	whoop_vseterr(w, code, fmt, ap);
	va_end(ap);
	return -1;
}

int
whoop_seterrno(struct whoop *w, enum whoop_err code, const char *fmt, ...)
{
	va_list	 ap;
	int	 saved = errno;
	size_t	 n;

	if (w == NULL)
		return -1;
	va_start(ap, fmt);
	whoop_vseterr(w, code, fmt, ap);
	va_end(ap);
	n = strlen(w->errmsg);
	(void)snprintf(w->errmsg + n, sizeof(w->errmsg) - n, ": %s",
	    strerror(saved));
	errno = saved;
	return -1;
}

/*
 * Why a write failed, as an errno, or 0.  SQLite's own record of it
 * (sqlite3_system_errno) is read from errno after the fact, and a short
 * write at a limit is no error to the system at all; so when SQLite has
 * none of the errors a person can act on, look at the limits it hit:
 * the file size limit (ulimit -f) against the database and its -wal,
 * and the free space of the filesystem.
 */
static int
write_cause(sqlite3 *db)
{
	struct rlimit	 rl;
	struct statvfs	 vfs;
	struct stat	 st;
	const char	*f = sqlite3_db_filename(db, "main");
	char		 wal[4096];
	off_t		 big = 0;
	int		 sys = sqlite3_system_errno(db);

	if (sys == EFBIG || sys == ENOSPC || sys == EDQUOT)
		return sys;
	if (f == NULL || *f == '\0')
		return sys;
	if (stat(f, &st) == 0)
		big = st.st_size;
	if ((size_t)snprintf(wal, sizeof(wal), "%s-wal", f) < sizeof(wal) &&
	    stat(wal, &st) == 0 && st.st_size > big)
		big = st.st_size;
	/* Within a page or two of the limit: the next write crossed it. */
	if (getrlimit(RLIMIT_FSIZE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    (rlim_t)big + 2 * 65536 >= rl.rlim_cur)
		return EFBIG;
	if (statvfs(f, &vfs) == 0 && geteuid() != 0 &&
	    (unsigned long long)vfs.f_bavail * vfs.f_frsize < 2 * 65536)
		return ENOSPC;
	if (statvfs(f, &vfs) == 0 &&
	    (unsigned long long)vfs.f_bfree * vfs.f_frsize < 2 * 65536)
		return ENOSPC;
	return sys;
}

int
whoop_seterrdb(struct whoop *w, const char *fmt, ...)
{
	va_list		 ap;
	size_t		 n;
	int		 rc, sys;
	enum whoop_err	 code = WHOOP_E_DB;

	if (w == NULL)
		return -1;
	rc = w->db != NULL ? sqlite3_extended_errcode(w->db) : SQLITE_ERROR;
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		code = WHOOP_E_BUSY;
		break;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		code = WHOOP_E_DB_CORRUPT;
		break;
	case SQLITE_FULL:
	case SQLITE_IOERR:
	case SQLITE_READONLY:
	case SQLITE_CANTOPEN:
		code = WHOOP_E_IO;
		break;
	default:
		break;
	}
	va_start(ap, fmt);
	whoop_vseterr(w, code, fmt, ap);
	va_end(ap);
	n = strlen(w->errmsg);
	if (((rc & 0xff) == SQLITE_IOERR || (rc & 0xff) == SQLITE_FULL) &&
	    (sys = write_cause(w->db)) != 0) {
		/*
		 * "disk I/O error" sends a person to check the disk; the
		 * system's own word (file too large past ulimit -f, no
		 * space left, quota exceeded) says what to look at.
		 */
		(void)snprintf(w->errmsg + n, sizeof(w->errmsg) - n, ": %s",
		    strerror(sys));
	} else if (rc == SQLITE_READONLY_DIRECTORY) {
		/* SQLite says "attempt to write a readonly database". */
		const char	*f = sqlite3_db_filename(w->db, "main");
		char		 esc[256];

		whoop_escape(esc, sizeof(esc), f != NULL ? f : "",
		    f != NULL ? strlen(f) : 0);
		(void)snprintf(w->errmsg + n, sizeof(w->errmsg) - n, ": "
		    "cannot create %s-wal and -shm: the directory is not "
		    "writable", esc);
	} else if ((rc & 0xff) == SQLITE_CORRUPT)
		/*
		 * Met on a page a run reads: the bounded check on open does
		 * not read every page (dbcheck.c), so say what to do.
		 */
		(void)snprintf(w->errmsg + n, sizeof(w->errmsg) - n, ": %s "
		    "(damage in the file: whoop-sync -c checks every page)",
		    sqlite3_errmsg(w->db));
	else
		(void)snprintf(w->errmsg + n, sizeof(w->errmsg) - n, ": %s",
		    w->db != NULL ? sqlite3_errmsg(w->db) : "no database");
	defang(w->errmsg, sizeof(w->errmsg));
	return -1;
}

void
whoop_escape(char *buf, size_t bufsz, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t	 i, o = 0;
	unsigned char c;

	if (bufsz == 0)
		return;
	for (i = 0; i < len && s[i] != '\0'; i++) {
		c = (unsigned char)s[i];
		if (c >= 0x20 && c < 0x7f && c != '\\' && c != '"') {
			if (o + 1 >= bufsz)
				break;
			buf[o++] = (char)c;
		} else {
			if (o + 4 >= bufsz)
				break;
			buf[o++] = '\\';
			buf[o++] = 'x';
			buf[o++] = hex[c >> 4];
			buf[o++] = hex[c & 0xf];
		}
	}
	buf[o] = '\0';
}

const char *
whoop_esc(const char *s)
{
	static char	 buf[8][1024];
	static int	 next;
	char		*b = buf[next];

	next = (next + 1) % 8;
	if (s == NULL)
		s = "";
	whoop_escape(b, sizeof(buf[0]), s, strlen(s));
	return b;
}
