/*
 * The request parser behind the loopback listener of whoop-auth, and the
 * check of a callback (from the listener, or a URL the user pasted).
 * Pure functions, no I/O, so that they can be fuzzed.
 *
 * The parser is strict on purpose: the only client that matters is a
 * browser following WHOOP's redirect, and it sends a plain origin-form
 * GET.  Anything unusual is refused rather than interpreted.  No message
 * left on the handle quotes the request: it may carry the code or state.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "extern.h"

#define HEAD_MAX	8192	/* the listener reads no more than this */
#define HDR_LINES_MAX	100
/* The longest method that fits struct whoop_httpreq, less its NUL. */
#define METHOD_MAX	(sizeof(((struct whoop_httpreq *)0)->method) - 1)
#define CODE_MAX	2048
#define ERROR_MAX	128	/* bytes of error= kept (before escaping) */
#define DESC_MAX	512	/* bytes of error_description= kept */

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Percent-decode s[0..len) into a new string; '+' is a space when plus is
 * set (form encoding, queries only).  NULL on an invalid escape, on %00
 * (it would cut the C string short and hide what follows), on a control
 * byte when noctl is set, or without memory.  The result may be a secret:
 * the caller frees it with whoop_freestr.
 */
static char *
pct_decode(const char *s, size_t len, int plus, int noctl)
{
	char	*out;
	size_t	 i, o = 0;
	int	 hi, lo, c;

	if ((out = malloc(len + 1)) == NULL)
		return NULL;
	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c == '%') {
			if (len - i < 3 || (hi = hexval(s[i + 1])) == -1 ||
			    (lo = hexval(s[i + 2])) == -1)
				goto bad;
			c = hi << 4 | lo;
			i += 2;
		} else if (c == '+' && plus)
			c = ' ';
		if (c == '\0' || (noctl && (c < 0x20 || c == 0x7f)))
			goto bad;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return out;
bad:
	whoop_freezero(out, len + 1);
	return NULL;
}

/* RFC 9110 tchar: the characters of a method or a field name. */
static int
istchar(int c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/*
 * Find the end of the line starting at p: *eol at its CR, *next after its
 * LF.  A NUL, a CR not followed by LF, a LF without CR, or a line that
 * never ends is refused: those are how requests get smuggled past one
 * parser and read differently by another.
 */
static int
nextline(const char *p, const char *end, const char **eol, const char **next)
{
	for (; p < end; p++) {
		if (*p == '\0' || *p == '\n')
			return -1;
		if (*p == '\r') {
			if (p + 1 == end || p[1] != '\n')
				return -1;
			*eol = p;
			*next = p + 2;
			return 0;
		}
	}
	return -1;
}

/* Field name, colon, value of visible characters, spaces, tabs, obs-text. */
static int
header_ok(const char *p, const char *eol)
{
	const char	*q = p;
	int		 c;

	while (q < eol && istchar((unsigned char)*q))
		q++;
	if (q == p || q == eol || *q != ':')
		return 0;
	for (q++; q < eol; q++) {
		c = (unsigned char)*q;
		if (c != '\t' && (c < 0x20 || c == 0x7f))
			return 0;
	}
	return 1;
}

/* The field value between p and eol, without the spaces around it. */
static char *
host_value(const char *p, const char *eol)
{
	char	*v;
	size_t	 n;

	while (p < eol && (*p == ' ' || *p == '\t'))
		p++;
	while (eol > p && (eol[-1] == ' ' || eol[-1] == '\t'))
		eol--;
	n = (size_t)(eol - p);
	if ((v = malloc(n + 1)) == NULL)
		return NULL;
	memcpy(v, p, n);
	v[n] = '\0';
	return v;
}

int
whoop_httpreq_parse(struct whoop *w, const char *head, size_t len,
    struct whoop_httpreq *req)
{
	const char	*end, *eol, *next, *p, *t, *tend, *qm;
	size_t		 n;
	int		 lines = 0;

	if (req == NULL)
		return whoop_seterr(w, WHOOP_E_FAIL, "no request to fill");
	memset(req, 0, sizeof(*req));
	if (head == NULL || len == 0)
		return whoop_seterr(w, WHOOP_E_PARSE, "empty request");
	if (len > HEAD_MAX)
		return whoop_seterr(w, WHOOP_E_PARSE,
		    "request head larger than %d bytes", HEAD_MAX);
	end = head + len;

	/* Request line: METHOD SP request-target SP HTTP/1.x CRLF */
	if (nextline(head, end, &eol, &next) == -1)
		return whoop_seterr(w, WHOOP_E_PARSE, "malformed request line");
	for (p = head; p < eol && istchar((unsigned char)*p); p++)
		continue;
	n = (size_t)(p - head);
	if (n == 0 || n > METHOD_MAX || p == eol || *p != ' ')
		return whoop_seterr(w, WHOOP_E_PARSE, "malformed request line");
	memcpy(req->method, head, n);
	req->method[n] = '\0';
	t = ++p;
	while (p < eol && *p > 0x20 && *p < 0x7f)
		p++;
	tend = p;
	if (tend == t || p == eol || *p != ' ')
		return whoop_seterr(w, WHOOP_E_PARSE, "malformed request line");
	p++;
	if (eol - p != 8 || memcmp(p, "HTTP/1.", 7) != 0 ||
	    p[7] < '0' || p[7] > '9')
		return whoop_seterr(w, WHOOP_E_PARSE,
		    "not an HTTP/1.x request");

	/*
	 * Header lines must each be well formed; only Host is kept, for
	 * the listener to refuse a name it does not answer to (a page that
	 * rebinds its own name to 127.0.0.1 sends its own name).
	 */
	for (p = next;; p = next) {
		if (nextline(p, end, &eol, &next) == -1) {
			whoop_httpreq_free(req);
			return whoop_seterr(w, WHOOP_E_PARSE,
			    "malformed or incomplete request head");
		}
		if (eol == p)
			break;
		/* Obsolete line folding is refused as RFC 9112 allows. */
		if (++lines > HDR_LINES_MAX || !header_ok(p, eol)) {
			whoop_httpreq_free(req);
			return whoop_seterr(w, WHOOP_E_PARSE,
			    "malformed header line");
		}
		if (eol - p >= 5 && strncasecmp(p, "host:", 5) == 0) {
			/* RFC 9112 3.2: more than one Host is a 400. */
			if (req->host != NULL) {
				whoop_httpreq_free(req);
				return whoop_seterr(w, WHOOP_E_PARSE,
				    "more than one Host header");
			}
			if ((req->host = host_value(p + 5, eol)) == NULL)
				return whoop_seterr(w, WHOOP_E_NOMEM,
				    "out of memory");
		}
	}

	/*
	 * Origin-form only: an absolute URL or "*" names something this
	 * listener is not.  A fragment is never sent by a browser.
	 */
	if (*t != '/') {
		whoop_httpreq_free(req);
		return whoop_seterr(w, WHOOP_E_PARSE,
		    "request target is not an absolute path");
	}
	if (memchr(t, '#', (size_t)(tend - t)) != NULL) {
		whoop_httpreq_free(req);
		return whoop_seterr(w, WHOOP_E_PARSE,
		    "request target has a fragment");
	}
	qm = memchr(t, '?', (size_t)(tend - t));
	req->path = pct_decode(t, (size_t)((qm ? qm : tend) - t), 0, 1);
	if (req->path == NULL) {
		whoop_httpreq_free(req);
		return whoop_seterr(w, WHOOP_E_PARSE,
		    "bad escape in the request path");
	}
	if (qm != NULL) {
		n = (size_t)(tend - qm - 1);
		if ((req->query = malloc(n + 1)) == NULL) {
			whoop_httpreq_free(req);
			return whoop_seterr(w, WHOOP_E_NOMEM, "out of memory");
		}
		memcpy(req->query, qm + 1, n);
		req->query[n] = '\0';
	}
	return 0;
}

void
whoop_httpreq_free(struct whoop_httpreq *req)
{
	if (req == NULL)
		return;
	/* The query carries the code and state. */
	whoop_freestr(req->path);
	whoop_freestr(req->query);
	free(req->host);
	memset(req, 0, sizeof(*req));
}

char *
whoop_query_get(const char *query, const char *name, int *dup)
{
	const char	*p, *amp, *eq;
	char		*val = NULL, *n;
	size_t		 seg, nlen;
	int		 found = 0;

	if (dup != NULL)
		*dup = 0;
	if (query == NULL || name == NULL)
		return NULL;
	for (p = query;; p = amp + 1) {
		amp = strchr(p, '&');
		seg = amp != NULL ? (size_t)(amp - p) : strlen(p);
		eq = memchr(p, '=', seg);
		nlen = eq != NULL ? (size_t)(eq - p) : seg;
		/*
		 * Names are compared decoded, so that "st%61te" is the
		 * state too and counts as a duplicate of it.
		 */
		if (seg > 0 && (n = pct_decode(p, nlen, 1, 0)) != NULL) {
			if (strcmp(n, name) == 0 && ++found == 1)
				val = eq != NULL ?
				    pct_decode(eq + 1, seg - nlen - 1, 1, 0) :
				    pct_decode("", 0, 1, 0);
			whoop_freestr(n);
		}
		if (amp == NULL)
			break;
	}
	if (found > 1 && dup != NULL)
		*dup = 1;
	return val;
}

/* An escaped copy of at most max bytes of s, safe to show on a terminal. */
static char *
escdup(const char *s, size_t max)
{
	size_t	 n = strlen(s), sz;
	char	*b;

	if (n > max)
		n = max;
	sz = n * 4 + 1;
	if ((b = malloc(sz)) == NULL)
		return NULL;
	whoop_escape(b, sz, s, n);
	return b;
}

static int
isspace_ascii(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int
whoop_callback_check(struct whoop *w, const char *input, const char *state,
    struct whoop_callback *cb)
{
	const char	*s, *e, *qm, *hash;
	char		*q = NULL, *got = NULL, *code = NULL, *err = NULL;
	char		*desc = NULL;
	size_t		 i, n;
	int		 dup = 0, rc = -1;

	if (cb == NULL)
		return whoop_seterr(w, WHOOP_E_FAIL, "no callback to fill");
	memset(cb, 0, sizeof(*cb));
	if (input == NULL)
		return whoop_seterr(w, WHOOP_E_PARSE, "no callback to check");
	/* An empty expected state would match "state=". */
	if (state == NULL || *state == '\0')
		return whoop_seterr(w, WHOOP_E_FAIL,
		    "no state to check the callback against");

	/* A pasted line: trim it, keep what follows '?', drop '#...'. */
	s = input;
	e = s + strlen(s);
	while (s < e && isspace_ascii((unsigned char)*s))
		s++;
	while (e > s && isspace_ascii((unsigned char)e[-1]))
		e--;
	if ((qm = memchr(s, '?', (size_t)(e - s))) != NULL)
		s = qm + 1;
	if ((hash = memchr(s, '#', (size_t)(e - s))) != NULL)
		e = hash;
	n = (size_t)(e - s);
	if ((q = malloc(n + 1)) == NULL) {
		whoop_seterr(w, WHOOP_E_NOMEM, "out of memory");
		goto out;
	}
	memcpy(q, s, n);
	q[n] = '\0';

	/* The state first: nothing else is looked at for a forged callback. */
	got = whoop_query_get(q, "state", &dup);
	if (got == NULL) {
		whoop_seterr(w, WHOOP_E_AUTH,
		    "the callback has no valid state; login aborted");
		goto out;
	}
	if (dup) {
		whoop_seterr(w, WHOOP_E_AUTH,
		    "the callback has more than one state; login aborted");
		goto out;
	}
	if (!whoop_ctstreq(got, state)) {
		whoop_seterr(w, WHOOP_E_AUTH,
		    "the callback state does not match; login aborted");
		goto out;
	}

	/* RFC 6749 4.1.2.1: the server refused; say why, escaped. */
	if ((err = whoop_query_get(q, "error", NULL)) != NULL) {
		cb->error = escdup(*err != '\0' ? err : "unspecified",
		    ERROR_MAX);
		if ((desc = whoop_query_get(q, "error_description",
		    NULL)) != NULL)
			cb->error_description = escdup(desc, DESC_MAX);
		if (cb->error == NULL ||
		    (desc != NULL && cb->error_description == NULL)) {
			whoop_seterr(w, WHOOP_E_NOMEM, "out of memory");
			goto out;
		}
		rc = 0;
		goto out;
	}

	code = whoop_query_get(q, "code", &dup);
	if (code == NULL) {
		whoop_seterr(w, WHOOP_E_PROTO,
		    "the callback has neither a valid code nor an error");
		goto out;
	}
	if (dup) {
		whoop_seterr(w, WHOOP_E_PROTO,
		    "the callback has more than one code");
		goto out;
	}
	n = strlen(code);
	if (n == 0 || n > CODE_MAX) {
		whoop_seterr(w, WHOOP_E_PROTO,
		    "the callback code is empty or longer than %d bytes",
		    CODE_MAX);
		goto out;
	}
	for (i = 0; i < n; i++)
		if ((unsigned char)code[i] < 0x21 ||
		    (unsigned char)code[i] > 0x7e) {
			whoop_seterr(w, WHOOP_E_PROTO,
			    "the callback code has unexpected characters");
			goto out;
		}
	cb->code = code;
	code = NULL;
	rc = 0;
out:
	if (rc == -1)
		whoop_callback_clear(cb);
	whoop_freestr(q);
	whoop_freestr(got);
	whoop_freestr(code);
	whoop_freestr(err);
	whoop_freestr(desc);
	return rc;
}

void
whoop_callback_clear(struct whoop_callback *cb)
{
	if (cb == NULL)
		return;
	whoop_freestr(cb->code);
	whoop_freestr(cb->error);
	whoop_freestr(cb->error_description);
	memset(cb, 0, sizeof(*cb));
}
