/*
 * The one checked number parser: whole string, base 10, in range.
 */
#include <errno.h>
#include <stdlib.h>

#include "extern.h"

int
whoop_strtoll(struct whoop *w, const char *s, long long min, long long max,
    long long *out)
{
	char		*end;
	long long	 v;
	char		 esc[64];

	if (s == NULL || *s == '\0')
		return whoop_seterr(w, WHOOP_E_PARSE, "empty number");
	whoop_escape(esc, sizeof(esc), s, 40);
	/* strtoll would skip leading space and accept "+"; we do not. */
	if (!(*s == '-' || (*s >= '0' && *s <= '9')))
		return whoop_seterr(w, WHOOP_E_PARSE, "not a number: \"%s\"",
		    esc);
	errno = 0;
	v = strtoll(s, &end, 10);
	if (end == s || *end != '\0')
		return whoop_seterr(w, WHOOP_E_PARSE, "not a number: \"%s\"",
		    esc);
	if (errno == ERANGE || v < min || v > max)
		return whoop_seterr(w, WHOOP_E_PARSE,
		    "number out of range %lld..%lld: \"%s\"", min, max, esc);
	*out = v;
	return 0;
}
