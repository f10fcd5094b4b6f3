/*
 * An RFC 4180 reader for the CSV files of the WHOOP app's export.
 *
 * Records are read from a byte source (a file, a ZIP entry) a buffer at
 * a time, so memory is bounded by the longest record, not the file.
 * Accepted: a UTF-8 byte order mark at the start, LF or CRLF line ends,
 * quoted fields with doubled quotes and line breaks in them, a missing
 * final line end, and blank lines (skipped).  Refused, naming the line:
 * a NUL byte, text that is not UTF-8, an unterminated quoted field, text
 * after a closing quote, a field over WHOOP_CSV_MAXFIELD bytes or a
 * record over WHOOP_CSV_MAXRECORD.  A quote inside an unquoted field is
 * taken as text, as most writers mean it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extern.h"

#define INBUF		(64 * 1024)

struct whoop_csv {
	struct whoop	*w;
	whoop_csv_readfn read;
	void		*arg;
	char		 name[256];	/* escaped, for messages */
	unsigned char	*in;		/* input buffer */
	size_t		 inlen, inpos;
	int		 eof;
	int		 rderr;		/* the source failed: never read again */
	int		 started;	/* BOM check done */
	char		*rec;		/* fields, each NUL-terminated */
	size_t		 reclen, reccap;
	size_t		*off;		/* start of field i in rec */
	size_t		 nf, offcap;
	long		 line;		/* line the next record starts on */
	long		 recline;	/* line the current record started on */
	size_t		 maxfield, maxrecord;
	int		 failed;
};

struct whoop_csv *
whoop_csv_new(struct whoop *w, const char *name, whoop_csv_readfn fn,
    void *arg)
{
	struct whoop_csv	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->in = malloc(INBUF)) == NULL) {
		free(c);
		whoop_seterr(w, WHOOP_E_NOMEM, "out of memory");
		return NULL;
	}
	c->w = w;
	c->read = fn;
	c->arg = arg;
	whoop_escape(c->name, sizeof(c->name), name, strlen(name));
	c->line = 1;
	c->maxfield = WHOOP_CSV_MAXFIELD;
	c->maxrecord = WHOOP_CSV_MAXRECORD;
	return c;
}

void
whoop_csv_free(struct whoop_csv *c)
{
	if (c == NULL)
		return;
	free(c->in);
	free(c->rec);
	free(c->off);
	free(c);
}

void
whoop_csv_limits(struct whoop_csv *c, size_t maxfield, size_t maxrecord)
{
	c->maxfield = maxfield;
	c->maxrecord = maxrecord;
}

const char *
whoop_csv_name(const struct whoop_csv *c)
{
	return c->name;
}

long
whoop_csv_line(const struct whoop_csv *c)
{
	return c->recline;
}

size_t
whoop_csv_nfields(const struct whoop_csv *c)
{
	return c->nf;
}

const char *
whoop_csv_field(const struct whoop_csv *c, size_t i, size_t *len)
{
	size_t	 end;

	if (i >= c->nf)
		return NULL;
	end = i + 1 < c->nf ? c->off[i + 1] - 1 : c->reclen - 1;
	if (len != NULL)
		*len = end - c->off[i];
	return c->rec + c->off[i];
}

static int
fail(struct whoop_csv *c, long line, const char *why)
{
	c->failed = 1;
	return whoop_seterr(c->w, WHOOP_E_PARSE, "%s:%ld: %s", c->name, line,
	    why);
}

/* The next input byte, -1 at the end, -2 on a read error. */
static int
getbyte(struct whoop_csv *c)
{
	long	 n;

	if (c->inpos == c->inlen) {
		if (c->rderr)
			return -2;
		if (c->eof)
			return -1;
		n = c->read(c->arg, c->in, INBUF);
		if (n < 0) {
			c->rderr = 1;
			return -2;
		}
		if (n == 0) {
			c->eof = 1;
			return -1;
		}
		c->inlen = (size_t)n;
		c->inpos = 0;
	}
	return c->in[c->inpos++];
}

static int
peekbyte(struct whoop_csv *c)
{
	int	 ch;

	if ((ch = getbyte(c)) >= 0)
		c->inpos--;
	return ch;
}

static int
putbyte(struct whoop_csv *c, unsigned char ch)
{
	char	*nr;
	size_t	 cap;

	if (c->reclen == c->reccap) {
		cap = c->reccap ? c->reccap * 2 : 1024;
		if ((nr = realloc(c->rec, cap)) == NULL)
			return whoop_seterr(c->w, WHOOP_E_NOMEM,
			    "out of memory");
		c->rec = nr;
		c->reccap = cap;
	}
	c->rec[c->reclen++] = (char)ch;
	return 0;
}

static int
startfield(struct whoop_csv *c)
{
	size_t	*no, cap;

	if (c->nf == c->offcap) {
		cap = c->offcap ? c->offcap * 2 : 64;
		if ((no = reallocarray(c->off, cap, sizeof(*no))) == NULL)
			return whoop_seterr(c->w, WHOOP_E_NOMEM,
			    "out of memory");
		c->off = no;
		c->offcap = cap;
	}
	c->off[c->nf++] = c->reclen;
	return 0;
}

/* 0 if the field from off to the end of rec is UTF-8. */
static int
check_utf8(const struct whoop_csv *c, size_t off)
{
	const unsigned char	*s;
	size_t			 len = c->reclen - off, i, n;

	if (len == 0)
		return 0;	/* and c->rec may still be NULL */
	s = (const unsigned char *)c->rec + off;

	for (i = 0; i < len; i += n)
		if ((n = whoop_utf8len(s + i, len - i)) == 0)
			return -1;
	return 0;
}

static int
endfield(struct whoop_csv *c, long line)
{
	size_t	 start = c->off[c->nf - 1];

	if (check_utf8(c, start) == -1)
		return fail(c, line, "text that is not UTF-8 (a re-saved or "
		    "re-encoded file?)");
	return putbyte(c, '\0');
}

/*
 * Read one record.  1: a record (whoop_csv_nfields, whoop_csv_field);
 * 0: the end of the input; -1: an error, left on the handle.  After an
 * error every call fails again.
 */
int
whoop_csv_next(struct whoop_csv *c)
{
	int	 ch, quoted, inrec = 0;
	size_t	 flen;
	long	 qline = 0;

	if (c->failed)
		return -1;
	if (!c->started) {
		c->started = 1;
		/* A UTF-8 BOM: three bytes, or none of them are one. */
		if (peekbyte(c) == 0xef) {
			(void)getbyte(c);
			if (getbyte(c) != 0xbb || getbyte(c) != 0xbf)
				return fail(c, 1, "text that is not UTF-8");
		}
	}
again:
	c->reclen = 0;
	c->nf = 0;
	c->recline = c->line;
	if (startfield(c) == -1)
		goto err;
	quoted = 0;
	flen = 0;
	for (;;) {
		if ((ch = getbyte(c)) == -2) {
			c->failed = 1;
			if (whoop_errcode(c->w) == WHOOP_E_NONE)
				whoop_seterr(c->w, WHOOP_E_IO, "%s: read error",
				    c->name);
			return -1;
		}
		if (ch == -1) {
			if (quoted == 1)
				return fail(c, qline, "a quoted field that "
				    "never ends (truncated file?)");
			if (!inrec && c->nf == 1 && flen == 0)
				return 0;
			break;
		}
		if (ch == '\0')
			return fail(c, c->line, "a NUL byte (not a text "
			    "file?)");
		if (quoted == 1) {
			/* Inside quotes. */
			if (ch == '"') {
				if (peekbyte(c) == '"') {
					(void)getbyte(c);
				} else {
					quoted = 2;	/* closed */
					continue;
				}
			} else if (ch == '\n')
				c->line++;
		} else {
			if (ch == ',') {
				if (endfield(c, c->line) == -1 ||
				    startfield(c) == -1)
					goto err;
				quoted = 0;
				flen = 0;
				inrec = 1;
				continue;
			}
			if (ch == '\r' && peekbyte(c) == '\n')
				continue;
			if (ch == '\n') {
				c->line++;
				break;
			}
			if (quoted == 2)
				return fail(c, c->line, "text after a "
				    "closing quote");
			if (ch == '"' && flen == 0) {
				quoted = 1;
				qline = c->line;
				inrec = 1;
				continue;
			}
		}
		inrec = 1;
		if (++flen > c->maxfield) {
			char	 why[96];

			(void)snprintf(why, sizeof(why), "field %zu is longer "
			    "than %zu bytes", c->nf, c->maxfield);
			return fail(c, c->recline, why);
		}
		if (c->reclen + 1 > c->maxrecord) {
			char	 why[96];

			(void)snprintf(why, sizeof(why), "a record longer "
			    "than %zu bytes", c->maxrecord);
			return fail(c, c->recline, why);
		}
		if (putbyte(c, (unsigned char)ch) == -1)
			goto err;
	}
	if (!inrec && c->nf == 1 && flen == 0)
		goto again;	/* a blank line */
	if (endfield(c, c->recline) == -1)
		goto err;
	return 1;
err:
	c->failed = 1;
	return -1;
}
