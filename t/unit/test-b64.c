/*
 * Unit tests: base64url without padding (RFC 4648 sections 5 and 10).
 */
#include <stdint.h>

#include "extern.h"
#include "tap.h"

/* The RFC 4648 section 10 vectors, unpadded. */
static const struct {
	const char	*in;
	const char	*out;
} vec[] = {
	{ "", "" },
	{ "f", "Zg" },
	{ "fo", "Zm8" },
	{ "foo", "Zm9v" },
	{ "foob", "Zm9vYg" },
	{ "fooba", "Zm9vYmE" },
	{ "foobar", "Zm9vYmFy" },
};

static int
decodes(const char *s, const char *want, size_t wantlen)
{
	unsigned char	 buf[128];
	size_t		 n = 999;
	int		 c;

	memset(buf, 0xaa, sizeof(buf));
	c = whoop_b64url_decode(buf, sizeof(buf), &n, s, strlen(s)) == 0 &&
	    n == wantlen && memcmp(buf, want, wantlen) == 0;
	ok(c, "decode \"%s\"", s);
	return c;
}

static void
rejects(const char *s, size_t len, const char *why)
{
	unsigned char	 buf[128];
	size_t		 n = 999, i;
	int		 untouched = 1;

	memset(buf, 0xaa, sizeof(buf));
	ok(whoop_b64url_decode(buf, sizeof(buf), &n, s, len) == -1,
	    "reject %s", why);
	for (i = 0; i < sizeof(buf); i++)
		if (buf[i] != 0xaa)
			untouched = 0;
	ok(untouched, "nothing written for %s", why);
}

int
main(void)
{
	unsigned char	 raw[64], back[64], all[256], small[4];
	char		 enc[128], encall[400];
	size_t		 i, len, n;
	uint32_t	 x = 2463534242U;
	int		 good;

	/* Lengths. */
	ok(whoop_b64url_enclen(0) == 1, "enclen 0");
	ok(whoop_b64url_enclen(1) == 3, "enclen 1");
	ok(whoop_b64url_enclen(2) == 4, "enclen 2");
	ok(whoop_b64url_enclen(3) == 5, "enclen 3");
	ok(whoop_b64url_enclen(32) == 44, "enclen 32 (a PKCE verifier)");
	ok(whoop_b64url_enclen(SIZE_MAX) == 0, "enclen overflow gives 0");

	for (i = 0; i < sizeof(vec) / sizeof(vec[0]); i++) {
		len = strlen(vec[i].in);
		memset(enc, 'x', sizeof(enc));
		n = whoop_b64url_encode(enc, sizeof(enc),
		    (const unsigned char *)vec[i].in, len);
		ok(n == strlen(vec[i].out), "encode length \"%s\"",
		    vec[i].in);
		is_str(enc, vec[i].out, vec[i].out);
		decodes(vec[i].out, vec[i].in, len);
	}

	/* The URL-safe characters, where standard base64 has + and /. */
	raw[0] = 0xfb;
	raw[1] = 0xff;
	raw[2] = 0xbf;
	n = whoop_b64url_encode(enc, sizeof(enc), raw, 3);
	ok(n == 4, "encode fb ff bf");
	is_str(enc, "-_-_", "URL-safe alphabet");
	decodes("-_-_", "\xfb\xff\xbf", 3);
	for (i = 0; i < 256; i++)
		all[i] = (unsigned char)i;
	n = whoop_b64url_encode(encall, sizeof(encall), all, sizeof(all));
	ok(n == 342 && strspn(encall, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-_") == n,
	    "all bytes: only the URL-safe alphabet, no padding");

	/* Padding is accepted when complete. */
	decodes("Zg==", "f", 1);
	decodes("Zm8=", "fo", 2);
	decodes("Zm9vYg==", "foob", 4);
	/* RFC 7636 appendix B: the verifier decodes to its 32 octets. */
	{
		static const unsigned char v[32] = {
			116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96,
			125, 216, 173, 187, 186, 22, 212, 37, 77, 105, 214,
			191, 240, 91, 88, 5, 88, 83, 132, 141, 121 };
		const char *t = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

		n = whoop_b64url_encode(enc, sizeof(enc), v, sizeof(v));
		is_str(enc, t, "RFC 7636 appendix B verifier");
		decodes(t, (const char *)v, sizeof(v));
	}

	/* Round trips of random bytes, every length 0..64. */
	good = 1;
	for (len = 0; len <= sizeof(raw); len++) {
		for (i = 0; i < len; i++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			raw[i] = (unsigned char)x;
		}
		n = whoop_b64url_encode(enc, whoop_b64url_enclen(len), raw,
		    len);
		if (n + 1 != whoop_b64url_enclen(len) || enc[n] != '\0' ||
		    strchr(enc, '=') != NULL || strchr(enc, '+') != NULL ||
		    strchr(enc, '/') != NULL) {
			diag("encode length %zu", len);
			good = 0;
		}
		memset(back, 0, sizeof(back));
		if (whoop_b64url_decode(back, len, &i, enc, n) == -1 ||
		    i != len || memcmp(back, raw, len) != 0) {
			diag("decode length %zu", len);
			good = 0;
		}
		/* One byte short of room must fail, not overflow. */
		if (len > 0 && whoop_b64url_decode(back, len - 1, &i, enc,
		    n) != -1) {
			diag("short dst accepted at length %zu", len);
			good = 0;
		}
		if (whoop_b64url_encode(enc, whoop_b64url_enclen(len) - 1,
		    raw, len) != 0) {
			diag("short encode buffer accepted at %zu", len);
			good = 0;
		}
	}
	ok(good, "round trips, lengths 0..64");

	/* A too small dst: 0 and not a byte written. */
	memset(enc, 'x', sizeof(enc));
	ok(whoop_b64url_encode(enc, 4, (const unsigned char *)"foo", 3) == 0,
	    "encode: dst too small gives 0");
	ok(enc[0] == 'x' && enc[3] == 'x', "encode: nothing written");
	ok(whoop_b64url_encode(NULL, 0, (const unsigned char *)"", 0) == 0,
	    "encode: NULL dst of size 0");
	ok(whoop_b64url_decode(small, sizeof(small), &n, "Zm9vYg", 6) == 0 &&
	    n == 4, "decode: exact fit");
	ok(whoop_b64url_decode(small, 3, &n, "Zm9vYg", 6) == -1,
	    "decode: dst too small");
	ok(whoop_b64url_decode(NULL, 0, &n, "", 0) == 0 && n == 0,
	    "decode: empty input");
	ok(whoop_b64url_decode(small, sizeof(small), NULL, "Zg", 2) == 0 &&
	    small[0] == 'f', "decode: NULL outlen");

	/* Each kind of rejection. */
	rejects("Zm9v+g", 6, "'+' (standard alphabet)");
	rejects("Zm9v/g", 6, "'/' (standard alphabet)");
	rejects("Zm9v Yg", 7, "a space");
	rejects("Zm9v\nYg", 7, "a newline");
	rejects("Zm9v.g", 6, "'.'");
	rejects("Zm9v\xc3\xa9", 6, "a non-ASCII byte");
	rejects("Zm\0v", 4, "a NUL byte");
	rejects("Z", 1, "length 1");
	rejects("Zm9vY", 5, "length 5 (4n+1)");
	rejects("Zh", 2, "non-zero trailing bits after one byte");
	rejects("Zm9", 3, "non-zero trailing bits after two bytes");
	rejects("Zm9vYh", 6, "non-zero trailing bits in the last group");
	rejects("Zo", 2, "the highest trailing bit after one byte");
	rejects("Zm-", 3, "the highest trailing bit after two bytes");
	rejects("Zg=", 3, "incomplete padding");
	rejects("Zg===", 5, "too much padding");
	rejects("Zm8==", 5, "padding after three characters");
	rejects("Zm9v=", 5, "padding after a full group");
	rejects("Zm9v====", 8, "a group of padding");
	rejects("Z===", 4, "padding after one character");
	rejects("Zg==Zg==", 8, "padding in the middle");
	rejects("=", 1, "padding alone");
	rejects("Zm=v", 4, "'=' inside a group");

	return done_testing();
}
