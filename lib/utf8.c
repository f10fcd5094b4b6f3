/*
 * UTF-8 as RFC 3629 has it, for the CSV reader (csv.c) and whoop-export's
 * JSON strings: one definition, so that both take and refuse the same
 * bytes.  No dependency beyond libc: whoop-export links it.
 */
#include "extern.h"

/*
 * The length of the UTF-8 sequence at s (len bytes left), 1 to 4, or 0
 * when it is not one: a stray continuation byte, a truncated sequence,
 * an overlong form, a surrogate, or a code point past U+10FFFF.
 */
size_t
whoop_utf8len(const unsigned char *s, size_t len)
{
	size_t		 n, i;
	unsigned int	 cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		cp = s[0] & 0x07;
	} else
		return 0;
	if (n > len)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates, beyond U+10FFFF. */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}
