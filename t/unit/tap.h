/*
 * A tiny TAP producer for the unit tests: plan at the end, a non-zero
 * exit when anything failed, so that prove and a bare run both notice.
 */
#ifndef TAP_H
#define TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_n, tap_failed;

static inline int ok(int, const char *, ...)
    __attribute__((format(printf, 2, 3)));
static inline void diag(const char *, ...)
    __attribute__((format(printf, 1, 2)));

static inline int
ok(int cond, const char *fmt, ...)
{
	va_list	 ap;

	tap_n++;
	if (!cond)
		tap_failed++;
	printf("%sok %d - ", cond ? "" : "not ", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	return cond;
}

static inline void
diag(const char *fmt, ...)
{
	va_list	 ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static inline void
skip(int n, const char *why)
{
	while (n-- > 0)
		printf("ok %d # skip %s\n", ++tap_n, why);
}

static inline int
is_str(const char *got, const char *want, const char *what)
{
	int	 c = got != NULL && want != NULL && strcmp(got, want) == 0;

	ok(c, "%s", what != NULL ? what : "");
	if (!c)
		diag("got \"%s\", want \"%s\"", got ? got : "(null)",
		    want ? want : "(null)");
	return c;
}

static inline int
done_testing(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
