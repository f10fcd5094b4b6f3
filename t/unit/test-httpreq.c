/*
 * Unit tests: the callback listener's request parser, query parameters
 * and the callback check (state, code, error) used by the listener and
 * by paste mode.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extern.h"
#include "tap.h"

#define STATE	"s7aTe-0123456789abcdefghijklmnopqrstuvwxyzAB"

/* Parse a request given as a C string (no embedded NUL). */
static int
parse(struct whoop *w, const char *head, struct whoop_httpreq *req)
{
	return whoop_httpreq_parse(w, head, strlen(head), req);
}

static void
refused(struct whoop *w, const char *head, size_t len, const char *what)
{
	struct whoop_httpreq	 req;
	int			 rc;

	whoop_clearerr(w);
	rc = whoop_httpreq_parse(w, head, len, &req);
	ok(rc == -1 && whoop_errcode(w) == WHOOP_E_PARSE &&
	    req.path == NULL && req.query == NULL, "refused: %s (%s)", what,
	    whoop_errmsg(w));
	whoop_httpreq_free(&req);
}

static void
test_parse_good(struct whoop *w)
{
	struct whoop_httpreq	 req;

	ok(parse(w, "GET /callback?code=abc&state=x HTTP/1.1\r\n"
	    "Host: 127.0.0.1:8080\r\nUser-Agent: t\r\n\r\n", &req) == 0,
	    "GET with query parses");
	is_str(req.method, "GET", "method");
	is_str(req.path, "/callback", "path");
	is_str(req.query, "code=abc&state=x", "raw query kept");
	is_str(req.host, "127.0.0.1:8080", "Host kept, for the listener");
	whoop_httpreq_free(&req);
	ok(req.path == NULL && req.query == NULL && req.host == NULL,
	    "free clears");

	ok(parse(w, "GET / HTTP/1.1\r\nhOST:  \t localhost:1 \t\r\n\r\n",
	    &req) == 0, "Host in any case, with blanks around the value");
	is_str(req.host, "localhost:1", "Host trimmed");
	whoop_httpreq_free(&req);
	ok(parse(w, "GET / HTTP/1.1\r\nX-Host: a\r\n\r\n", &req) == 0 &&
	    req.host == NULL, "no Host: NULL (X-Host is not it)");
	whoop_httpreq_free(&req);

	ok(parse(w, "POST /cb HTTP/1.0\r\n\r\n", &req) == 0 &&
	    req.query == NULL, "no query: NULL; HTTP/1.0, no headers");
	is_str(req.method, "POST", "POST method");
	whoop_httpreq_free(&req);

	ok(parse(w, "GET /call%62ack? HTTP/1.1\r\n\r\n", &req) == 0,
	    "escaped path");
	is_str(req.path, "/callback", "path percent-decoded");
	is_str(req.query, "", "empty query is \"\", not NULL");
	whoop_httpreq_free(&req);

	ok(parse(w, "GET / HTTP/1.1\r\nX-Odd: a\tb \xc3\xa9\r\n"
	    "Empty:\r\n\r\nBODY\0after", &req) == 0,
	    "tab and obs-text in values; bytes after the head ignored");
	whoop_httpreq_free(&req);

	ok(whoop_httpreq_parse(NULL, "GET / HTTP/1.1\r\n\r\n", 18, &req) == 0,
	    "NULL handle allowed");
	whoop_httpreq_free(&req);
	whoop_httpreq_free(NULL);
}

static void
test_parse_bad(struct whoop *w)
{
	static const char nul[] = "GET /a\0b HTTP/1.1\r\n\r\n";
	static const char hnul[] = "GET / HTTP/1.1\r\nX: a\0b\r\n\r\n";
	struct whoop_httpreq	 req;
	char		*big;
	size_t		 n;

#define R(s, what)	refused(w, s, strlen(s), what)
	R("", "empty");
	R("GET /callback\r\n\r\n", "no version");
	R("GET /callback HTTP/2.0\r\n\r\n", "HTTP/2.0");
	R("GET /callback HTTP/1.1x\r\n\r\n", "junk after the version");
	R("GET /callback http/1.1\r\n\r\n", "lower-case version");
	R("GET http://127.0.0.1/callback?code=a&state=b HTTP/1.1\r\n\r\n",
	    "absolute-form target");
	R("OPTIONS * HTTP/1.1\r\n\r\n", "asterisk-form target");
	R("GET callback HTTP/1.1\r\n\r\n", "target without leading /");
	R("GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n",
	    "two Host headers (RFC 9112 3.2)");
	R("GET /cb#frag HTTP/1.1\r\n\r\n", "fragment in the target");
	R("GET  /cb HTTP/1.1\r\n\r\n", "two spaces");
	R("GET /cb HTTP/1.1 \r\n\r\n", "trailing space");
	R("GET\t/cb HTTP/1.1\r\n\r\n", "tab separator");
	R("GET /c\x7f HTTP/1.1\r\n\r\n", "DEL in target");
	R("GET /\xc3\xa9 HTTP/1.1\r\n\r\n", "non-ASCII in target");
	R("GETTTTTTTTTTTTTTT /cb HTTP/1.1\r\n\r\n", "16-byte method");
	R("G(T /cb HTTP/1.1\r\n\r\n", "separator in the method");
	R("GET /cb HTTP/1.1\rX: y\r\n\r\n", "bare CR in the request line");
	R("GET /cb HTTP/1.1\r\nX: a\rb\r\n\r\n", "bare CR in a header");
	R("GET /cb HTTP/1.1\nX: y\r\n\r\n", "bare LF");
	R("GET /cb HTTP/1.1\r\nX: y\r\n", "no blank line");
	R("GET /cb HTTP/1.1\r\nX: y\r\n\r", "cut in the blank line");
	R("GET /cb HTTP/1.1\r\n folded\r\n\r\n", "obs-fold");
	R("GET /cb HTTP/1.1\r\nNo colon\r\n\r\n", "header without colon");
	R("GET /cb HTTP/1.1\r\n: v\r\n\r\n", "empty header name");
	R("GET /cb HTTP/1.1\r\nX : v\r\n\r\n", "space before colon");
	R("GET /cb HTTP/1.1\r\nX: \x1b[31m\r\n\r\n", "escape in a header");
	R("GET /a%00b HTTP/1.1\r\n\r\n", "%00 in the path");
	R("GET /a%0ab HTTP/1.1\r\n\r\n", "%0a in the path");
	R("GET /a%zzb HTTP/1.1\r\n\r\n", "invalid % escape");
	R("GET /a%4 HTTP/1.1\r\n\r\n", "truncated % escape");
	R("GET /a% HTTP/1.1\r\n\r\n", "lone %");
#undef R
	refused(w, nul, sizeof(nul) - 1, "NUL byte in the target");
	refused(w, hnul, sizeof(hnul) - 1, "NUL byte in a header");

	/* 8 KiB is the bound, headers included. */
	n = 9000;
	if ((big = malloc(n + 1)) == NULL)
		abort();
	memset(big, 'a', n);
	memcpy(big, "GET /cb HTTP/1.1\r\nX: ", 21);
	memcpy(big + n - 4, "\r\n\r\n", 4);
	big[n] = '\0';
	refused(w, big, n, "head over 8 KiB");
	memcpy(big + 8192 - 4, "\r\n\r\n", 4);
	ok(whoop_httpreq_parse(w, big, 8192, &req) == 0,
	    "head of exactly 8 KiB accepted");
	whoop_httpreq_free(&req);
	free(big);
	{
		char			 lots[4096];
		size_t			 o;
		int			 i;

		o = (size_t)snprintf(lots, sizeof(lots), "GET / HTTP/1.1\r\n");
		for (i = 0; i < 101; i++)
			o += (size_t)snprintf(lots + o, sizeof(lots) - o,
			    "X: 1\r\n");
		o += (size_t)snprintf(lots + o, sizeof(lots) - o, "\r\n");
		refused(w, lots, o, "101 header lines");
	}
}

static void
test_query(void)
{
	char	*v;
	int	 dup = -1;

	v = whoop_query_get("a=1&code=x%2Fy%3D%3d&b=2", "code", &dup);
	is_str(v, "x/y==", "percent-decoded value");
	ok(dup == 0, "no duplicate");
	free(v);
	v = whoop_query_get("msg=hello+world%2B", "msg", NULL);
	is_str(v, "hello world+", "'+' is a space, %2B a plus");
	free(v);
	v = whoop_query_get("a=1&b=2", "code", &dup);
	ok(v == NULL && dup == 0, "missing: NULL");
	v = whoop_query_get("state=a&x=1&state=b", "state", &dup);
	is_str(v, "a", "duplicate: the first is returned");
	ok(dup == 1, "duplicate flagged");
	free(v);
	v = whoop_query_get("state=a&st%61te=b", "state", &dup);
	ok(dup == 1, "encoded name counts as a duplicate");
	free(v);
	v = whoop_query_get("code&x=1", "code", &dup);
	is_str(v, "", "name without '=': empty value");
	free(v);
	v = whoop_query_get("code=", "code", NULL);
	is_str(v, "", "empty value");
	free(v);
	v = whoop_query_get("code=a%00b", "code", NULL);
	ok(v == NULL, "%%00 in a value: NULL");
	v = whoop_query_get("code=a%g0", "code", NULL);
	ok(v == NULL, "bad escape in a value: NULL");
	v = whoop_query_get("&&code=z&&", "code", NULL);
	is_str(v, "z", "empty pairs skipped");
	free(v);
	v = whoop_query_get("codex=1&xcode=2", "code", NULL);
	ok(v == NULL, "no prefix or suffix match");
	ok(whoop_query_get(NULL, "code", &dup) == NULL && dup == 0,
	    "NULL query");
	v = whoop_query_get("", "code", NULL);
	ok(v == NULL, "empty query");
}

static void
cb_fails(struct whoop *w, const char *q, enum whoop_err e, const char *what)
{
	struct whoop_callback	 cb;
	int			 rc;

	whoop_clearerr(w);
	rc = whoop_callback_check(w, q, STATE, &cb);
	ok(rc == -1 && whoop_errcode(w) == e && cb.code == NULL &&
	    cb.error == NULL, "%s: %s", what, whoop_errmsg(w));
	/* A message never shows what the callback carried. */
	ok(strstr(whoop_errmsg(w), "SECRETCODE") == NULL &&
	    strstr(whoop_errmsg(w), "s7aTe") == NULL &&
	    strstr(whoop_errmsg(w), "WRONG") == NULL,
	    "%s: no code or state in the message", what);
	whoop_callback_clear(&cb);
}

static void
test_callback(struct whoop *w)
{
	struct whoop_callback	 cb;
	char			 q[4096], code[2100];

	ok(whoop_callback_check(w, "code=SECRETCODE&state=" STATE, STATE,
	    &cb) == 0, "good callback");
	is_str(cb.code, "SECRETCODE", "code returned");
	ok(cb.error == NULL && cb.error_description == NULL, "no error");
	whoop_callback_clear(&cb);
	ok(cb.code == NULL, "clear empties");

	ok(whoop_callback_check(w, "state=" STATE "&code=a%2Bb.c~d_e-f",
	    STATE, &cb) == 0, "state first, encoded code");
	is_str(cb.code, "a+b.c~d_e-f", "code decoded");
	whoop_callback_clear(&cb);

	cb_fails(w, "code=SECRETCODE&state=WRONG", WHOOP_E_AUTH,
	    "wrong state");
	cb_fails(w, "code=SECRETCODE&state=" STATE "x", WHOOP_E_AUTH,
	    "state with one more byte");
	cb_fails(w, "code=SECRETCODE", WHOOP_E_AUTH, "missing state");
	cb_fails(w, "code=SECRETCODE&state=", WHOOP_E_AUTH, "empty state");
	cb_fails(w, "code=SECRETCODE&state=" STATE "&state=" STATE,
	    WHOOP_E_AUTH, "duplicated state, both right");
	cb_fails(w, "state=" STATE "&state=WRONG&code=SECRETCODE",
	    WHOOP_E_AUTH, "duplicated state, second wrong");
	cb_fails(w, "code=&state=" STATE, WHOOP_E_PROTO, "empty code");
	cb_fails(w, "state=" STATE, WHOOP_E_PROTO, "neither code nor error");
	cb_fails(w, "code=SECRETCODE&code=SECRETCODE&state=" STATE,
	    WHOOP_E_PROTO, "duplicated code");
	cb_fails(w, "code=SECRET+CODE&state=" STATE, WHOOP_E_PROTO,
	    "space in the code");
	cb_fails(w, "code=SECRETCODE%0a&state=" STATE, WHOOP_E_PROTO,
	    "newline in the code");
	cb_fails(w, "code=SECRETCODE%c3%a9&state=" STATE, WHOOP_E_PROTO,
	    "non-ASCII in the code");
	cb_fails(w, "", WHOOP_E_AUTH, "empty input");

	/* 2048 bytes of code is the most taken. */
	memset(code, 'c', 2048);
	code[2048] = '\0';
	snprintf(q, sizeof(q), "code=%s&state=%s", code, STATE);
	ok(whoop_callback_check(w, q, STATE, &cb) == 0 && cb.code != NULL &&
	    strlen(cb.code) == 2048, "2048-byte code taken");
	whoop_callback_clear(&cb);
	snprintf(q, sizeof(q), "code=%sc&state=%s", code, STATE);
	cb_fails(w, q, WHOOP_E_PROTO, "2049-byte code refused");

	/* An empty expected state must not match "state=". */
	whoop_clearerr(w);
	ok(whoop_callback_check(w, "code=SECRETCODE&state=", "", &cb) == -1 &&
	    cb.code == NULL, "empty expected state refused");
	ok(whoop_callback_check(w, "code=SECRETCODE&state=", NULL, &cb) ==
	    -1 && cb.code == NULL, "NULL expected state refused");

	/* error= ends the flow; what the server says comes back escaped. */
	ok(whoop_callback_check(w, "error=access_denied&error_description="
	    "%1B%5B31mBad%0D%0AInjected: line&state=" STATE, STATE, &cb) == 0,
	    "error callback accepted");
	is_str(cb.error, "access_denied", "error");
	is_str(cb.error_description,
	    "\\x1b[31mBad\\x0d\\x0aInjected: line",
	    "description escaped: no ESC, CR or LF");
	ok(cb.code == NULL, "no code with an error");
	whoop_callback_clear(&cb);
	ok(whoop_callback_check(w, "error=%1B%5D0%3Bx%07&code=SECRETCODE"
	    "&state=" STATE, STATE, &cb) == 0 && cb.code == NULL &&
	    cb.error_description == NULL, "error wins over code");
	is_str(cb.error, "\\x1b]0;x\\x07", "error itself escaped");
	whoop_callback_clear(&cb);
	cb_fails(w, "error=access_denied&state=WRONG", WHOOP_E_AUTH,
	    "error with a wrong state is not taken");

	/* Paste mode: the full redirect URL, fragment and newline. */
	ok(whoop_callback_check(w, "  http://127.0.0.1:8080/callback?code="
	    "SECRETCODE&state=" STATE "#frag&state=WRONG\n", STATE, &cb) == 0,
	    "pasted URL with fragment");
	is_str(cb.code, "SECRETCODE", "code from the pasted URL");
	whoop_callback_clear(&cb);
	ok(whoop_callback_check(w, "http://localhost/callback?state=" STATE
	    "&code=SECRETCODE#", STATE, &cb) == 0, "empty fragment");
	whoop_callback_clear(&cb);
	cb_fails(w, "http://127.0.0.1/callback#code=SECRETCODE&state=" STATE,
	    WHOOP_E_AUTH, "parameters only in the fragment");
	cb_fails(w, "http://127.0.0.1/callback?state=WRONG&code=SECRETCODE",
	    WHOOP_E_AUTH, "pasted URL, wrong state");
}

/*
 * A cheap fuzz pass: mutations of a good request must never crash or
 * read out of bounds (the sanitizer build checks), and any request the
 * parser takes must satisfy its invariants.
 */
static void
test_fuzz(void)
{
	static const char seed[] = "GET /callback?code=a%20b&state=x "
	    "HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: */*\r\n\r\n";
	static const char alphabet[] = "\r\n\0 %/?#&=+:\t\x7f\x80GETHTP1.";
	struct whoop_callback	 cb;
	struct whoop_httpreq	 req;
	char			 buf[sizeof(seed)], *v;
	unsigned int		 x = 12345;
	int			 i, j, taken = 0, broken = 0;
	size_t			 len;

	for (i = 0; i < 20000; i++) {
		memcpy(buf, seed, sizeof(seed));
		len = sizeof(seed) - 1;
		for (j = 0; j < 1 + i % 4; j++) {
			x = x * 1103515245 + 12345;
			buf[(x >> 8) % len] =
			    alphabet[(x >> 20) % (sizeof(alphabet) - 1)];
		}
		x = x * 1103515245 + 12345;
		if (i % 3 == 0)
			len = (x >> 8) % len;
		if (whoop_httpreq_parse(NULL, buf, len, &req) == 0) {
			taken++;
			if (req.path == NULL || req.path[0] != '/' ||
			    strlen(req.method) == 0)
				broken++;
			v = whoop_query_get(req.query, "code", NULL);
			free(v);
			(void)whoop_callback_check(NULL, req.query, "x", &cb);
			whoop_callback_clear(&cb);
		}
		whoop_httpreq_free(&req);
	}
	ok(taken > 0 && broken == 0, "fuzz: %d taken, %d broken", taken,
	    broken);
}

int
main(void)
{
	struct whoop	*w = whoop_new();

	if (w == NULL)
		abort();
	test_parse_good(w);
	test_parse_bad(w);
	test_query();
	test_callback(w);
	test_fuzz();
	whoop_free(w);
	return done_testing();
}
