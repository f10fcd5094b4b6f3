/*
 * Unit tests: PKCE (RFC 7636 Appendix B), the state, the authorize URL
 * and the validation of token responses.
 */
#include <string.h>

#include "extern.h"
#include "tap.h"

#define NOW	1700000000000LL

static int
parse(const char *body, int need_refresh, struct whoop_tokens *t,
    struct whoop *w)
{
	(void)need_refresh;	/* no longer a reason to refuse */
	return whoop_oauth_parse_tokens(w, body, strlen(body), NOW, t);
}

/* Accepted, with this lifetime in seconds (0: none) and refresh token. */
static void
accepted(struct whoop *w, const char *body, double life, int has_refresh,
    const char *what)
{
	struct whoop_tokens	 t;
	int			 rc;

	rc = parse(body, 1, &t, w);
	ok(rc == 0 && t.access_token != NULL &&
	    t.lifetime_ms == (int64_t)(life * 1000) &&
	    t.expires_at_ms == NOW + t.lifetime_ms &&
	    (t.refresh_token != NULL) == has_refresh,
	    "accepted: %s (%s)", what, rc ? whoop_errmsg(w) : "ok");
	whoop_tokens_clear(&t);
}

static void
refused(struct whoop *w, const char *body, int need, const char *what,
    const char *msg)
{
	struct whoop_tokens	 t;
	int			 rc;

	rc = parse(body, need, &t, w);
	ok(rc == -1 && whoop_errcode(w) == WHOOP_E_PROTO &&
	    strstr(whoop_errmsg(w), msg) != NULL && t.access_token == NULL,
	    "refused: %s (%s)", what, whoop_errmsg(w));
	ok(strstr(whoop_errmsg(w), "SECRETTOKEN") == NULL,
	    "no token in the message: %s", what);
}

int
main(void)
{
	struct whoop		*w = whoop_new();
	struct whoop_tokens	 t;
	struct whoop_client	 cl;
	char			 v[WHOOP_PKCE_LEN + 1], c[WHOOP_PKCE_LEN + 1];
	char			 v2[WHOOP_PKCE_LEN + 1], c2[WHOOP_PKCE_LEN + 1];
	char			 s[WHOOP_PKCE_LEN + 1], *url;
	size_t			 i;

	/* RFC 7636 Appendix B. */
	ok(whoop_pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
	    c) == 0, "challenge of the RFC verifier");
	is_str(c, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
	    "RFC 7636 Appendix B S256 challenge");
	ok(whoop_pkce_challenge("short", c) == -1, "a short verifier refused");

	ok(whoop_pkce_new(w, v, c) == 0 && strlen(v) == 43 &&
	    strlen(c) == 43, "new verifier and challenge are 43 chars");
	ok(strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789-_") == 43, "verifier is base64url");
	ok(whoop_pkce_challenge(v, c2) == 0 && strcmp(c, c2) == 0,
	    "challenge derives from the verifier");
	ok(whoop_pkce_new(w, v2, c2) == 0 && strcmp(v, v2) != 0,
	    "a new verifier per attempt");
	ok(whoop_state_new(w, s) == 0 && strlen(s) == 43 && strcmp(s, v) &&
	    strcmp(s, v2), "state: 43 chars (256 bits), fresh");

	cl.client_id = "my client";
	cl.client_secret = "SECRETCLIENT";
	cl.redirect_uri = "http://127.0.0.1:8765/callback";
	url = whoop_oauth_authorize_url(w, "https://api.example", &cl,
	    "offline read:cycles", "st&te=x", "CHAL");
	is_str(url, "https://api.example/oauth/oauth2/auth?response_type=code"
	    "&client_id=my%20client&redirect_uri=http%3A%2F%2F127.0.0.1%3A8765"
	    "%2Fcallback&scope=offline%20read%3Acycles&state=st%26te%3Dx"
	    "&code_challenge=CHAL&code_challenge_method=S256",
	    "authorize URL, every value escaped");
	ok(url != NULL && strstr(url, "SECRETCLIENT") == NULL,
	    "the client secret is not in the URL");
	free(url);

	ok(parse("{\"access_token\":\"SECRETTOKEN-a\",\"expires_in\":3600,"
	    "\"refresh_token\":\"SECRETTOKEN-r\",\"scope\":\"offline "
	    "read:cycles\",\"token_type\":\"bearer\"}", 1, &t, w) == 0,
	    "the documented response parses");
	is_str(t.access_token, "SECRETTOKEN-a", "access token");
	is_str(t.refresh_token, "SECRETTOKEN-r", "refresh token");
	is_str(t.scope, "offline read:cycles", "scope");
	ok(t.expires_at_ms == NOW + 3600000, "expiry is now + expires_in");
	whoop_tokens_clear(&t);
	ok(t.access_token == NULL, "clear empties the struct");

	ok(parse("{\"access_token\":\"a\",\"expires_in\":3600.0,"
	    "\"token_type\":\"Bearer\"}", 0, &t, w) == 0 &&
	    t.refresh_token == NULL, "no refresh token without offline; "
	    "Bearer in any case; 3600.0");
	whoop_tokens_clear(&t);

	refused(w, "", 1, "empty body", "not a JSON object");
	refused(w, "[1]", 1, "an array", "not a JSON object");
	/*
	 * Issue 11, item 7: an answer comes after WHOOP rotated or spent the
	 * code; refusing it loses the grant.  Any lifetime is taken.
	 */
	accepted(w, "{\"access_token\":\"SECRETTOKEN\",\"expires_in\":3600,"
	    "\"token_type\":\"bearer\"}", 3600, 0,
	    "no refresh token with offline");
	accepted(w, "{\"access_token\":\"SECRETTOKEN\",\"expires_in\":8,"
	    "\"refresh_token\":\"r\",\"token_type\":\"bearer\"}", 8, 1,
	    "an 8-second lifetime");
	accepted(w, "{\"access_token\":\"SECRETTOKEN\",\"expires_in\":-5,"
	    "\"refresh_token\":\"r\",\"token_type\":\"bearer\"}", 0, 1,
	    "negative expires_in: no lifetime, refresh at once");
	accepted(w, "{\"access_token\":\"SECRETTOKEN\",\"expires_in\":0,"
	    "\"refresh_token\":\"r\"}", 0, 1,
	    "zero expires_in, no token_type");
	accepted(w, "{\"access_token\":\"SECRETTOKEN\","
	    "\"refresh_token\":\"r\",\"token_type\":\"bearer\"}", 0, 1,
	    "no expires_in");
	accepted(w, "{\"access_token\":\"SECRETTOKEN\",\"expires_in\":1e12,"
	    "\"refresh_token\":\"r\",\"token_type\":\"bearer\"}",
	    365.0 * 86400, 1, "absurd expires_in: clamped to a year");
	accepted(w, "{\"access_token\":\"SECRETTOKEN\",\"expires_in\":"
	    "\"3600\",\"refresh_token\":\"r\",\"token_type\":\"bearer\"}",
	    3600, 1, "expires_in as a string");
	accepted(w, "{\"access_token\":\"SECRETTOKEN\",\"expires_in\":"
	    "\"soon\",\"refresh_token\":\"r\",\"token_type\":\"bearer\"}",
	    0, 1, "expires_in as a word: no lifetime");
	accepted(w, "{\"access_token\":\"SECRETTOKEN\",\"expires_in\":3600.5,"
	    "\"refresh_token\":\"r\",\"token_type\":\"bearer\"}", 3600.5, 1,
	    "fractional expires_in");
	refused(w, "{\"access_token\":\"SECRETTOKEN\",\"expires_in\":3600,"
	    "\"refresh_token\":\"r\",\"token_type\":\"mac\"}", 1,
	    "token type mac", "token_type");
	refused(w, "{\"access_token\":\"SECRET TOKEN\",\"expires_in\":3600,"
	    "\"refresh_token\":\"r\",\"token_type\":\"bearer\"}", 1,
	    "a space in the token", "character");
	refused(w, "{\"access_token\":\"\",\"expires_in\":3600,"
	    "\"refresh_token\":\"r\",\"token_type\":\"bearer\"}", 1,
	    "empty access token", "length");
	refused(w, "{\"access_token\":7,\"expires_in\":3600,"
	    "\"refresh_token\":\"r\",\"token_type\":\"bearer\"}", 1,
	    "numeric access token", "not a string");
	{
		char	 big[6000];

		memcpy(big, "{\"access_token\":\"", 17);
		for (i = 17; i < 17 + 4097; i++)
			big[i] = 'A';
		snprintf(big + i, sizeof(big) - i, "\",\"expires_in\":3600,"
		    "\"token_type\":\"bearer\"}");
		refused(w, big, 0, "a 4097-byte token", "length");
	}
	refused(w, "{\"access_token\":\"SECRETTOKEN\",\"expires_in\":3600,"
	    "\"token_type\":\"bearer\"", 0, "truncated JSON",
	    "not a JSON object");

	whoop_free(w);
	return done_testing();
}
