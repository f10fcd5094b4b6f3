/*
 * Fuzz target: the loopback listener's request parser, the query
 * decoder and the callback check, on a request head and on the same
 * bytes pasted as a redirect URL.
 *
 * Invariants: a parsed request has a tchar method, a decoded path that
 * starts with '/' and holds no control byte, and a raw query of visible
 * ASCII; a decoded query value re-encodes to a query that decodes back
 * to it; a callback that passes carries exactly one of a code (1 to 2048
 * visible ASCII bytes) or an escaped error; one that fails leaves
 * nothing behind; and no message ever quotes the state or code, which
 * are secrets (the state and the seed corpus carry canaries).
 */
#include "whoop.h"
#include "fuzz.h"

#define STATE	"WHOOPCANARY-state-Zk3c9Qv2Xr7Lm4Tn8Bw1Yd6Hs0Jp5Ga"

static const char *const names[] = {
	"state", "code", "error", "error_description",
};

static int
visible(const char *s, int allow_space)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < (allow_space ? 0x20 : 0x21) ||
		    (unsigned char)*s > 0x7e)
			return 0;
	return 1;
}

static void
nocanary(const struct whoop *w)
{
	FUZZ_CHECK(strstr(whoop_errmsg(w), FUZZ_CANARY) == NULL);
}

/* Percent-encode everything but unreserved characters. */
static char *
pctenc(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	char	*out, *o;
	unsigned char c;

	if ((out = malloc(strlen(s) * 3 + 1)) == NULL)
		abort();
	for (o = out; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~')
			*o++ = (char)c;
		else {
			*o++ = '%';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 15];
		}
	}
	*o = '\0';
	return out;
}

static void
query_roundtrip(const char *query)
{
	char	*v, *enc, *q, *back;
	size_t	 i, n;
	int	 dup;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if ((v = whoop_query_get(query, names[i], &dup)) == NULL)
			continue;
		enc = pctenc(v);
		n = strlen(names[i]) + strlen(enc) + 16;
		if ((q = malloc(n)) == NULL)
			abort();
		FUZZ_CHECK(snprintf(q, n, "x=1&%s=%s&y", names[i], enc) <
		    (int)n);
		back = whoop_query_get(q, names[i], &dup);
		FUZZ_CHECK(back != NULL && strcmp(back, v) == 0 && dup == 0);
		whoop_freestr(back);
		free(q);
		free(enc);
		whoop_freestr(v);
	}
}

static void
check_callback(struct whoop *w, const char *input)
{
	struct whoop_callback	 cb;

	whoop_clearerr(w);
	if (whoop_callback_check(w, input, STATE, &cb) == -1) {
		FUZZ_CHECK(cb.code == NULL && cb.error == NULL &&
		    cb.error_description == NULL);
		FUZZ_CHECK(whoop_errcode(w) != WHOOP_E_NONE);
		nocanary(w);
		return;
	}
	FUZZ_CHECK((cb.code != NULL) != (cb.error != NULL));
	if (cb.code != NULL) {
		FUZZ_CHECK(strlen(cb.code) >= 1 && strlen(cb.code) <= 2048);
		FUZZ_CHECK(visible(cb.code, 0));
		FUZZ_CHECK(cb.error_description == NULL);
	} else {
		FUZZ_CHECK(visible(cb.error, 1));
		FUZZ_CHECK(cb.error_description == NULL ||
		    visible(cb.error_description, 1));
	}
	whoop_callback_clear(&cb);
	FUZZ_CHECK(cb.code == NULL && cb.error == NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct whoop		*w;
	struct whoop_httpreq	 req;
	char			*s;
	size_t			 n;

	if ((w = whoop_new()) == NULL)
		abort();

	if (whoop_httpreq_parse(w, (const char *)data, size, &req) == 0) {
		FUZZ_CHECK(size <= 8192);
		n = strlen(req.method);
		FUZZ_CHECK(n >= 1 && n < sizeof(req.method));
		FUZZ_CHECK(visible(req.method, 0));
		FUZZ_CHECK(req.path != NULL && req.path[0] == '/');
		for (s = req.path; *s != '\0'; s++)
			FUZZ_CHECK((unsigned char)*s >= 0x20 &&
			    (unsigned char)*s != 0x7f);
		if (req.query != NULL) {
			FUZZ_CHECK(visible(req.query, 0));
			FUZZ_CHECK(strchr(req.query, '#') == NULL);
			query_roundtrip(req.query);
			check_callback(w, req.query);
		}
		/* Host, kept for the listener: trimmed, no control byte. */
		for (s = req.host; s != NULL && *s != '\0'; s++)
			FUZZ_CHECK(((unsigned char)*s >= 0x20 || *s == '\t') &&
			    (unsigned char)*s != 0x7f);
		if (req.host != NULL && *req.host != '\0')
			FUZZ_CHECK(req.host[0] != ' ' && req.host[0] != '\t' &&
			    req.host[strlen(req.host) - 1] != ' ' &&
			    req.host[strlen(req.host) - 1] != '\t');
		whoop_httpreq_free(&req);
		FUZZ_CHECK(req.path == NULL && req.query == NULL &&
		    req.host == NULL);
	} else {
		FUZZ_CHECK(req.path == NULL && req.query == NULL &&
		    req.host == NULL);
		nocanary(w);
	}

	/* Paste mode: the same bytes as the URL the browser ended on. */
	s = fuzz_str(data, size);
	query_roundtrip(s);
	check_callback(w, s);
	free(s);

	whoop_free(w);
	return 0;
}
