/*
 * PKCE (RFC 7636, S256 only) and the OAuth state: both 32 bytes from the
 * CSPRNG, base64url-encoded to 43 characters.
 */
#include <string.h>

#include <openssl/sha.h>

#include "extern.h"

static int
random43(struct whoop *w, char out[WHOOP_PKCE_LEN + 1])
{
	unsigned char	 raw[32];

	if (whoop_random(w, raw, sizeof(raw)) == -1)
		return -1;
	whoop_b64url_encode(out, WHOOP_PKCE_LEN + 1, raw, sizeof(raw));
	whoop_wipe(raw, sizeof(raw));
	return 0;
}

int
whoop_pkce_challenge(const char *verifier, char challenge[WHOOP_PKCE_LEN + 1])
{
	unsigned char	 md[SHA256_DIGEST_LENGTH];
	size_t		 n = strlen(verifier);

	/* RFC 7636 4.1: 43 to 128 characters of the unreserved set. */
	if (n < 43 || n > 128)
		return -1;
	SHA256((const unsigned char *)verifier, n, md);
	whoop_b64url_encode(challenge, WHOOP_PKCE_LEN + 1, md, sizeof(md));
	return 0;
}

int
whoop_pkce_new(struct whoop *w, char verifier[WHOOP_PKCE_LEN + 1],
    char challenge[WHOOP_PKCE_LEN + 1])
{
	if (random43(w, verifier) == -1)
		return -1;
	return whoop_pkce_challenge(verifier, challenge);
}

int
whoop_state_new(struct whoop *w, char state[WHOOP_PKCE_LEN + 1])
{
	return random43(w, state);
}
