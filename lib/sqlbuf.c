/*
 * Building SQL text from the constant column tables (colspec.c): table
 * and column names only, never input; every value is a bound parameter.
 * A statement that does not fit is marked and never prepared.
 */
#include <stdarg.h>
#include <stdio.h>

#include "extern.h"

void
whoop_sqlcat(struct whoop_sqlbuf *b, const char *fmt, ...)
{
	va_list	 ap;
	int	 rc;

	if (b->over)
		return;
	va_start(ap, fmt);
	rc = vsnprintf(b->s + b->n, sizeof(b->s) - b->n, fmt, ap);
	va_end(ap);
	if (rc < 0 || (size_t)rc >= sizeof(b->s) - b->n) {
		b->over = 1;
		return;
	}
	b->n += (size_t)rc;
}
