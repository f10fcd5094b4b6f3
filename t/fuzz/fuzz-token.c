/*
 * Fuzz target: the token endpoint's response, as whoop-auth and
 * whoop-sync read it.
 *
 * Invariants: accepted tokens are 1 to 4096 visible ASCII bytes; parsing
 * is deterministic; the expiry is now plus the lifetime, from 0 (none
 * given) to a year; the scope is escaped; a refusal leaves nothing
 * behind; and no message quotes a token (the seed corpus carries
 * canaries).
 */
#include "whoop.h"
#include "fuzz.h"

#define NOW	INT64_C(1767225600000)	/* 2026-01-01T00:00:00Z */

static void
token_ok(const char *s)
{
	size_t	 n = strlen(s);

	FUZZ_CHECK(n >= 1 && n <= 4096);
	for (; *s != '\0'; s++)
		FUZZ_CHECK((unsigned char)*s > 0x20 &&
		    (unsigned char)*s < 0x7f);
}

static int
parse(struct whoop *w, const uint8_t *data, size_t size,
    struct whoop_tokens *t)
{
	const char	*s;
	int64_t		 d;

	whoop_clearerr(w);
	if (whoop_oauth_parse_tokens(w, (const char *)data, size, NOW,
	    t) == -1) {
		FUZZ_CHECK(t->access_token == NULL &&
		    t->refresh_token == NULL && t->scope == NULL &&
		    t->expires_at_ms == 0 && t->lifetime_ms == 0);
		FUZZ_CHECK(whoop_errcode(w) != WHOOP_E_NONE);
		FUZZ_CHECK(strstr(whoop_errmsg(w), FUZZ_CANARY) == NULL);
		return -1;
	}
	FUZZ_CHECK(t->access_token != NULL);
	token_ok(t->access_token);
	if (t->refresh_token != NULL)
		token_ok(t->refresh_token);
	d = t->expires_at_ms - NOW;
	FUZZ_CHECK(d == t->lifetime_ms && d >= 0 &&
	    d <= INT64_C(365) * 86400 * 1000);
	if (t->scope != NULL)
		for (s = t->scope; *s != '\0'; s++)
			FUZZ_CHECK((unsigned char)*s >= 0x20 &&
			    (unsigned char)*s < 0x7f);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct whoop		*w;
	struct whoop_tokens	 a, b;
	int			 ra, rb;

	if ((w = whoop_new()) == NULL)
		abort();
	ra = parse(w, data, size, &a);
	rb = parse(w, data, size, &b);
	FUZZ_CHECK(ra == rb);
	if (ra == 0) {
		FUZZ_CHECK(strcmp(a.access_token, b.access_token) == 0);
		FUZZ_CHECK((a.refresh_token == NULL) ==
		    (b.refresh_token == NULL));
		FUZZ_CHECK(a.expires_at_ms == b.expires_at_ms);
	}
	whoop_tokens_clear(&a);
	whoop_tokens_clear(&b);
	FUZZ_CHECK(a.access_token == NULL && b.access_token == NULL);
	whoop_free(w);
	return 0;
}
