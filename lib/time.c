/*
 * Time: RFC 3339 parsing and formatting, time zone offsets, and the
 * dates people type on the command line.
 *
 * Instants are milliseconds since 1970-01-01T00:00:00Z.  The calendar
 * arithmetic is done here (Howard Hinnant's days_from_civil and
 * civil_from_days) rather than with timegm(3) or mktime(3), so that
 * neither TZ nor the locale can change a result.  The range is
 * 1970-01-01T00:00:00.000Z to 9999-12-31T23:59:59.999Z: every instant in
 * it formats to 24 characters that sort as text in time order.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "extern.h"

#define MS_PER_DAY	INT64_C(86400000)
/* 10000-01-01T00:00:00Z minus one millisecond. */
#define MS_MAX		INT64_C(253402300799999)
#define YEAR_MIN	1970
#define YEAR_MAX	9999
/* Real offsets lie within -12:00..+14:00; allow what ISO 8601 allows. */
#define TZ_MAX_MIN	(18 * 60)

/* What parse_dt() accepts beyond RFC 3339. */
#define DT_USER		0x01	/* seconds and offset may be left out */

static int64_t
days_from_civil(int64_t y, unsigned int m, unsigned int d)
{
	int64_t		 era;
	unsigned int	 yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned int)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void
civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t		 era;
	unsigned int	 doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned int)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int
days_in_month(int y, int m)
{
	static const int dim[12] =
	    { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
		return 29;
	return dim[m - 1];
}

/*
 * Read exactly n ASCII digits.  Stops at the first non-digit, so a
 * short string is never read past its NUL.  isdigit(3) is not used: it
 * depends on the locale.
 */
static int
digits(const char *s, int n, int *out)
{
	int	 i, v = 0;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 1;
}

/*
 * An offset after its sign: "hh:mm", "hhmm", and "hh" if allow_hh.
 * Sets *end past it.  Returns 0 on a syntax error.
 */
static int
parse_offset(const char *p, int allow_hh, const char **end, int *hh,
    int *mm)
{
	if (!digits(p, 2, hh))
		return 0;
	p += 2;
	if (*p == ':') {
		if (!digits(p + 1, 2, mm))
			return 0;
		p += 3;
	} else if (digits(p, 2, mm))
		p += 2;
	else if (allow_hh)
		*mm = 0;
	else
		return 0;
	*end = p;
	return 1;
}

/*
 * The date-time grammar of RFC 3339 section 5.6, with 't', 'z' and ' '
 * as the standard allows, a fraction of 1 to 9 digits (truncated to the
 * millisecond), ":60" read as ":59", and "+hhmm" as well as "+hh:mm".
 * Returns 0, or -1 with *why NULL for a syntax error or naming the field
 * out of range.
 */
static int
parse_dt(const char *s, int flags, int64_t *ms, const char **why)
{
	const char	*p;
	int		 y, mo, d, hh, mi, ss = 0, frac = 0, n;
	int		 oh = 0, om = 0, sign = 1;
	int64_t		 t;

	*why = NULL;
	if (!digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) ||
	    s[7] != '-' || !digits(s + 8, 2, &d))
		return -1;
	p = s + 10;
	if (*p != 'T' && *p != 't' && *p != ' ')
		return -1;
	p++;
	if (!digits(p, 2, &hh) || p[2] != ':' || !digits(p + 3, 2, &mi))
		return -1;
	p += 5;
	if (*p == ':') {
		if (!digits(p + 1, 2, &ss))
			return -1;
		p += 3;
		if (*p == '.') {
			p++;
			for (n = 0; p[n] >= '0' && p[n] <= '9'; n++) {
				if (n < 3)
					frac = frac * 10 + (p[n] - '0');
			}
			if (n == 0 || n > 9)
				return -1;
			for (; n < 3; n++)
				frac *= 10;
			while (*p >= '0' && *p <= '9')
				p++;
		}
	} else if (!(flags & DT_USER))
		return -1;

	if (*p == 'Z' || *p == 'z')
		p++;
	else if (*p == '+' || *p == '-') {
		sign = *p == '-' ? -1 : 1;
		if (!parse_offset(p + 1, 0, &p, &oh, &om))
			return -1;
	} else if (!(*p == '\0' && (flags & DT_USER)))
		return -1;
	if (*p != '\0')
		return -1;

	if (y < YEAR_MIN || y > YEAR_MAX)
		*why = "year out of range 1970..9999";
	else if (mo < 1 || mo > 12)
		*why = "month out of range";
	else if (d < 1 || d > days_in_month(y, mo))
		*why = "day out of range for the month";
	else if (hh > 23)
		*why = "hour out of range";
	else if (mi > 59)
		*why = "minute out of range";
	else if (ss > 60)
		*why = "second out of range";
	else if (oh > 23 || om > 59)
		*why = "offset out of range";
	if (*why != NULL)
		return -1;
	/* A leap second: POSIX time has no room for it. */
	if (ss == 60)
		ss = 59;

	t = days_from_civil(y, (unsigned int)mo, (unsigned int)d) * 86400 +
	    hh * 3600 + mi * 60 + ss;
	t -= (int64_t)sign * (oh * 3600 + om * 60);
	t = t * 1000 + frac;
	if (t < 0 || t > MS_MAX) {
		*why = "out of range 1970..9999 in UTC";
		return -1;
	}
	*ms = t;
	return 0;
}

int
whoop_time_parse(struct whoop *w, const char *s, int64_t *ms)
{
	const char	*why;
	char		 esc[96];

	if (s == NULL)
		s = "";
	if (parse_dt(s, 0, ms, &why) == 0)
		return 0;
	whoop_escape(esc, sizeof(esc), s, strlen(s));
	return whoop_seterr(w, WHOOP_E_PARSE,
	    "invalid date-time \"%s\": %s", esc,
	    why != NULL ? why : "expected RFC 3339 YYYY-MM-DDTHH:MM:SS[.sss]Z "
	    "or with an offset +hh:mm");
}

/*
 * Format a local instant (already shifted by its offset) followed by
 * tail.  Years outside 0..9999 would not fit the fixed width.
 */
static int
format_ms(int64_t ms, const char *tail, char *buf, size_t bufsz)
{
	int64_t	 days, rem, y;
	int	 m, d, rc;

	if (bufsz > 0)
		buf[0] = '\0';
	days = ms / MS_PER_DAY;
	rem = ms % MS_PER_DAY;
	if (rem < 0) {
		rem += MS_PER_DAY;
		days--;
	}
	civil_from_days(days, &y, &m, &d);
	if (y < 0 || y > YEAR_MAX)
		return -1;
	rc = snprintf(buf, bufsz, "%04d-%02d-%02dT%02d:%02d:%02d.%03d%s",
	    (int)y, m, d, (int)(rem / 3600000), (int)(rem / 60000 % 60),
	    (int)(rem / 1000 % 60), (int)(rem % 1000), tail);
	if (rc < 0 || (size_t)rc >= bufsz) {
		if (bufsz > 0)
			buf[0] = '\0';
		return -1;
	}
	return 0;
}

/*
 * Returns 0, or -1 (and an empty string if bufsz > 0) when bufsz is
 * below WHOOP_TIMESTR_LEN or ms is outside 1970..9999.
 */
int
whoop_time_format(int64_t ms, char *buf, size_t bufsz)
{
	if (ms < 0 || ms > MS_MAX || bufsz < WHOOP_TIMESTR_LEN) {
		if (bufsz > 0)
			buf[0] = '\0';
		return -1;
	}
	return format_ms(ms, "Z", buf, bufsz);
}

/*
 * WHOOP's timezone_offset: "Z", "+hh:mm" or "-hh:mm"; "+hhmm" and "+hh"
 * are accepted too.  "-00:00" is RFC 3339's "offset unknown": UTC.
 */
int
whoop_tzoffset_parse(struct whoop *w, const char *s, int *minutes)
{
	const char	*p;
	int		 hh, mm, v;
	char		 esc[64];

	if (s == NULL)
		s = "";
	if ((s[0] == 'Z' || s[0] == 'z') && s[1] == '\0') {
		*minutes = 0;
		return 0;
	}
	if ((s[0] == '+' || s[0] == '-') &&
	    parse_offset(s + 1, 1, &p, &hh, &mm) && *p == '\0' && mm <= 59) {
		v = hh * 60 + mm;
		if (v <= TZ_MAX_MIN) {
			*minutes = s[0] == '-' ? -v : v;
			return 0;
		}
	}
	whoop_escape(esc, sizeof(esc), s, strlen(s));
	return whoop_seterr(w, WHOOP_E_PARSE, "invalid time zone offset "
	    "\"%s\": expected Z or +hh:mm within 18 hours", esc);
}

/*
 * The local time of ms at offmin minutes east of UTC, with the offset:
 * "2026-02-18T05:13:46.070+04:00" (UTC gives "+00:00").  It needs 30
 * bytes.  Returns -1 if buf is too small, ms is outside 1970..9999 or
 * the offset beyond 18 hours.
 */
int
whoop_time_format_local(int64_t ms, int offmin, char *buf, size_t bufsz)
{
	char	 tail[8];
	int	 a;

	if (ms < 0 || ms > MS_MAX || offmin < -TZ_MAX_MIN ||
	    offmin > TZ_MAX_MIN) {
		if (bufsz > 0)
			buf[0] = '\0';
		return -1;
	}
	a = offmin < 0 ? -offmin : offmin;
	(void)snprintf(tail, sizeof(tail), "%c%02d:%02d",
	    offmin < 0 ? '-' : '+', a / 60, a % 60);
	return format_ms(ms + (int64_t)offmin * 60000, tail, buf, bufsz);
}

/* The current time; -1 if the clock cannot be read. */
int64_t
whoop_time_now_ms(void)
{
	struct timespec	 ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) == -1)
		return -1;
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * What a person types for --since and the like:
 *   YYYY-MM-DD			midnight UTC
 *   an RFC 3339 date-time	as whoop_time_parse
 *   YYYY-MM-DDTHH:MM[:SS]	no offset: UTC
 *   Nw Nd Nh Nm		N weeks, days, hours, minutes before now_ms
 *   now			now_ms
 */
int
whoop_time_parse_user(struct whoop *w, const char *s, int64_t now_ms,
    int64_t *ms)
{
	const char	*why = NULL;
	char		 esc[96], num[24];
	size_t		 len;
	int64_t		 unit, t;
	long long	 n;
	int		 y, mo, d;

	if (s == NULL)
		s = "";
	len = strlen(s);
	whoop_escape(esc, sizeof(esc), s, len);

	if (strcmp(s, "now") == 0) {
		if (now_ms < 0 || now_ms > MS_MAX)
			goto range;
		*ms = now_ms;
		return 0;
	}

	if (len >= 2 && len < sizeof(num) && s[0] >= '1' && s[0] <= '9') {
		switch (s[len - 1]) {
		case 'w':
			unit = 7 * MS_PER_DAY;
			break;
		case 'd':
			unit = MS_PER_DAY;
			break;
		case 'h':
			unit = 3600000;
			break;
		case 'm':
			unit = 60000;
			break;
		default:
			unit = 0;
			break;
		}
		if (unit != 0) {
			memcpy(num, s, len - 1);
			num[len - 1] = '\0';
			/*
			 * The bound keeps n * unit far from overflow; the
			 * result is range-checked below.
			 */
			if (whoop_strtoll(NULL, num, 1, MS_MAX / unit + 1,
			    &n) == -1) {
				if (num[strspn(num, "0123456789")] != '\0')
					goto syntax;
				goto range;
			}
			if (now_ms < 0 || now_ms > MS_MAX)
				goto range;
			t = now_ms - (int64_t)n * unit;
			if (t < 0)
				goto range;
			*ms = t;
			return 0;
		}
	}

	if (len == 10 && digits(s, 4, &y) && s[4] == '-' &&
	    digits(s + 5, 2, &mo) && s[7] == '-' && digits(s + 8, 2, &d)) {
		if (y < YEAR_MIN || y > YEAR_MAX)
			why = "year out of range 1970..9999";
		else if (mo < 1 || mo > 12)
			why = "month out of range";
		else if (d < 1 || d > days_in_month(y, mo))
			why = "day out of range for the month";
		if (why != NULL)
			return whoop_seterr(w, WHOOP_E_PARSE,
			    "invalid date \"%s\": %s", esc, why);
		*ms = days_from_civil(y, (unsigned int)mo,
		    (unsigned int)d) * MS_PER_DAY;
		return 0;
	}

	if (parse_dt(s, DT_USER, ms, &why) == 0)
		return 0;
	if (why != NULL)
		return whoop_seterr(w, WHOOP_E_PARSE,
		    "invalid date \"%s\": %s", esc, why);
syntax:
	return whoop_seterr(w, WHOOP_E_PARSE, "invalid date \"%s\": expected "
	    "YYYY-MM-DD, an RFC 3339 date-time, or a relative form like 7d",
	    esc);
range:
	return whoop_seterr(w, WHOOP_E_PARSE,
	    "invalid date \"%s\": before 1970 or after 9999", esc);
}
