/*
 * base64url without padding (RFC 4648 section 5), for PKCE verifiers,
 * state values and anything else that travels in a URL.
 *
 * The decoder is strict, because what it reads comes from outside: only
 * the URL-safe alphabet, '=' padding only as a complete tail, no length
 * that no encoder can produce, and no non-zero bits after the last byte
 * (so every byte string has exactly one accepted encoding, padding
 * aside).  It writes nothing unless the whole input is valid.
 */
#include <stdint.h>
#include <string.h>

#include "extern.h"

static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* The value of c in the alphabet, or -1. */
static int
b64val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

/*
 * The size of the buffer whoop_b64url_encode needs for n bytes: the
 * encoded length plus one for the NUL.  0 if that does not fit a size_t.
 */
size_t
whoop_b64url_enclen(size_t n)
{
	static const size_t tail[3] = { 0, 2, 3 };

	if (n / 3 > (SIZE_MAX - 4) / 4)
		return 0;
	return n / 3 * 4 + tail[n % 3] + 1;
}

/*
 * Encode n bytes of src into dst, NUL-terminated.  Returns the length
 * of the text without the NUL.  If dst is smaller than
 * whoop_b64url_enclen(n), returns 0 and writes nothing; callers that
 * size dst with whoop_b64url_enclen never see that.  (Encoding zero
 * bytes also returns 0, after writing an empty string.)
 */
size_t
whoop_b64url_encode(char *dst, size_t dstsz, const unsigned char *src,
    size_t n)
{
	size_t		 need, i, o = 0;
	uint32_t	 v;

	need = whoop_b64url_enclen(n);
	if (need == 0 || dst == NULL || dstsz < need)
		return 0;
	for (i = 0; i + 3 <= n; i += 3) {
		v = (uint32_t)src[i] << 16 | (uint32_t)src[i + 1] << 8 |
		    src[i + 2];
		dst[o++] = alphabet[v >> 18 & 0x3f];
		dst[o++] = alphabet[v >> 12 & 0x3f];
		dst[o++] = alphabet[v >> 6 & 0x3f];
		dst[o++] = alphabet[v & 0x3f];
	}
	if (n - i == 1) {
		v = (uint32_t)src[i] << 16;
		dst[o++] = alphabet[v >> 18 & 0x3f];
		dst[o++] = alphabet[v >> 12 & 0x3f];
	} else if (n - i == 2) {
		v = (uint32_t)src[i] << 16 | (uint32_t)src[i + 1] << 8;
		dst[o++] = alphabet[v >> 18 & 0x3f];
		dst[o++] = alphabet[v >> 12 & 0x3f];
		dst[o++] = alphabet[v >> 6 & 0x3f];
	}
	dst[o] = '\0';
	return o;
}

/*
 * Decode len characters of src into dst (no NUL is added) and set
 * *outlen (if not NULL) to the number of bytes.  Padding with '=' is
 * accepted when it completes the last group of four.  Returns 0, or -1
 * for invalid input or a dst smaller than the result; dst is then
 * untouched.
 */
int
whoop_b64url_decode(unsigned char *dst, size_t dstsz, size_t *outlen,
    const char *src, size_t len)
{
	size_t		 i, o, n, pad = 0, rem, need;
	uint32_t	 v;
	int		 c;

	if (outlen != NULL)
		*outlen = 0;
	if (src == NULL)
		return len == 0 ? 0 : -1;
	while (pad < len && pad < 2 && src[len - pad - 1] == '=')
		pad++;
	if (pad > 0 && len % 4 != 0)
		return -1;
	n = len - pad;
	rem = n % 4;
	if (rem == 1 || (pad > 0 && pad != 4 - rem))
		return -1;
	for (i = 0; i < n; i++)
		if (b64val((unsigned char)src[i]) == -1)
			return -1;
	/* The bits past the last whole byte must be zero. */
	if (rem == 2 && (b64val((unsigned char)src[n - 1]) & 0x0f) != 0)
		return -1;
	if (rem == 3 && (b64val((unsigned char)src[n - 1]) & 0x03) != 0)
		return -1;
	need = n / 4 * 3 + (rem == 0 ? 0 : rem - 1);
	if (need > dstsz || (need > 0 && dst == NULL))
		return -1;

	o = 0;
	for (i = 0; i + 4 <= n; i += 4) {
		v = (uint32_t)b64val((unsigned char)src[i]) << 18 |
		    (uint32_t)b64val((unsigned char)src[i + 1]) << 12 |
		    (uint32_t)b64val((unsigned char)src[i + 2]) << 6 |
		    (uint32_t)b64val((unsigned char)src[i + 3]);
		dst[o++] = (unsigned char)(v >> 16);
		dst[o++] = (unsigned char)(v >> 8);
		dst[o++] = (unsigned char)v;
	}
	if (rem >= 2) {
		v = (uint32_t)b64val((unsigned char)src[i]) << 18 |
		    (uint32_t)b64val((unsigned char)src[i + 1]) << 12;
		if (rem == 3) {
			c = b64val((unsigned char)src[i + 2]);
			v |= (uint32_t)c << 6;
		}
		dst[o++] = (unsigned char)(v >> 16);
		if (rem == 3)
			dst[o++] = (unsigned char)(v >> 8);
	}
	if (outlen != NULL)
		*outlen = o;
	return 0;
}
