/*
 * Unit tests: RFC 3339 parsing and formatting, time zone offsets, and
 * the dates people type.
 */
#include <inttypes.h>
#include <stdint.h>

#include "extern.h"
#include "tap.h"

/* 2026-02-18T01:13:46.070Z, WHOOP's own example. */
#define T_WHOOP		INT64_C(1771377226070)
#define MS_MAX		INT64_C(253402300799999)

static struct whoop *w;

static int
parses(const char *s, int64_t want)
{
	int64_t	 ms = -1;
	int	 rc;

	rc = whoop_time_parse(w, s, &ms);
	ok(rc == 0 && ms == want, "parse \"%s\"", s);
	if (rc != 0 || ms != want)
		diag("rc %d, got %" PRId64 ", want %" PRId64 ": %s", rc, ms,
		    want, whoop_errmsg(w));
	return rc == 0 && ms == want;
}

/* Refused with WHOOP_E_PARSE, the value (as escaped) in the message. */
static void
refused(const char *s, const char *shown)
{
	int64_t	 ms = 42;
	int	 rc;

	whoop_clearerr(w);
	rc = whoop_time_parse(w, s, &ms);
	ok(rc == -1 && whoop_errcode(w) == WHOOP_E_PARSE && ms == 42,
	    "refuse \"%s\"", shown);
	ok(strstr(whoop_errmsg(w), shown) != NULL, "message names \"%s\"",
	    shown);
	if (strstr(whoop_errmsg(w), shown) == NULL)
		diag("message: %s", whoop_errmsg(w));
}

static void
formats(int64_t ms, const char *want)
{
	char	 buf[WHOOP_TIMESTR_LEN];
	int64_t	 back = -1;

	ok(whoop_time_format(ms, buf, sizeof(buf)) == 0, "format %" PRId64,
	    ms);
	is_str(buf, want, want);
	ok(whoop_time_parse(w, buf, &back) == 0 && back == ms,
	    "round trip %s", want);
}

static void
local(int64_t ms, int off, const char *want, int roundtrip)
{
	char	 buf[64];
	int64_t	 back = -1;

	ok(whoop_time_format_local(ms, off, buf, sizeof(buf)) == 0,
	    "format_local %d", off);
	is_str(buf, want, want);
	if (roundtrip)
		ok(whoop_time_parse(w, buf, &back) == 0 && back == ms,
		    "local round trip %s", want);
}

static void
user(const char *s, int64_t now, int64_t want)
{
	int64_t	 ms = -1;
	int	 rc;

	rc = whoop_time_parse_user(w, s, now, &ms);
	ok(rc == 0 && ms == want, "user \"%s\"", s);
	if (rc != 0 || ms != want)
		diag("rc %d, got %" PRId64 ", want %" PRId64 ": %s", rc, ms,
		    want, whoop_errmsg(w));
}

static void
user_refused(const char *s, const char *part)
{
	int64_t	 ms = 42;
	char	 want[128];

	whoop_clearerr(w);
	(void)snprintf(want, sizeof(want), "invalid date \"%s\"", s);
	ok(whoop_time_parse_user(w, s, T_WHOOP, &ms) == -1 &&
	    whoop_errcode(w) == WHOOP_E_PARSE && ms == 42,
	    "user refuses \"%s\"", s);
	ok(strstr(whoop_errmsg(w), want) != NULL &&
	    strstr(whoop_errmsg(w), part) != NULL, "user message for \"%s\"",
	    s);
	if (strstr(whoop_errmsg(w), want) == NULL ||
	    strstr(whoop_errmsg(w), part) == NULL)
		diag("message: %s", whoop_errmsg(w));
}

static void
tz(const char *s, int want)
{
	int	 m = -9999;

	ok(whoop_tzoffset_parse(w, s, &m) == 0 && m == want,
	    "offset \"%s\" = %d", s, want);
}

static void
tz_refused(const char *s)
{
	int	 m = 77;

	whoop_clearerr(w);
	ok(whoop_tzoffset_parse(w, s, &m) == -1 && m == 77 &&
	    whoop_errcode(w) == WHOOP_E_PARSE &&
	    strstr(whoop_errmsg(w), s) != NULL, "offset \"%s\" refused", s);
}

int
main(void)
{
	char		 buf[64], big[300];
	int64_t		 ms, prev, now;
	int		 i, y, good;

	w = whoop_new();
	ok(w != NULL, "handle");

	/* WHOOP's format and the accepted variants of it. */
	parses("2026-02-18T01:13:46.070Z", T_WHOOP);
	parses("2026-02-18t01:13:46.070z", T_WHOOP);
	parses("2026-02-18 01:13:46.070Z", T_WHOOP);
	parses("2026-02-18T05:13:46.070+04:00", T_WHOOP);
	parses("2026-02-18T05:13:46.070+0400", T_WHOOP);
	parses("2026-02-17T20:13:46.070-05:00", T_WHOOP);
	parses("2026-02-17T20:43:46.070-0430", T_WHOOP);
	parses("2026-02-18T01:13:46.070-00:00", T_WHOOP);
	parses("2026-02-18T01:13:46.070+00:00", T_WHOOP);
	parses("1970-01-01T00:00:00Z", 0);
	parses("1970-01-01T01:00:00+01:00", 0);
	parses("9999-12-31T23:59:59.999Z", MS_MAX);
	parses("2000-03-01T00:00:00Z", INT64_C(951868800000));

	/* Fractions of every length, truncated to the millisecond. */
	parses("2026-02-18T01:13:46Z", T_WHOOP - 70);
	parses("2026-02-18T01:13:46.0Z", T_WHOOP - 70);
	parses("2026-02-18T01:13:46.1Z", T_WHOOP - 70 + 100);
	parses("2026-02-18T01:13:46.07Z", T_WHOOP);
	parses("2026-02-18T01:13:46.0709Z", T_WHOOP);
	parses("2026-02-18T01:13:46.07099Z", T_WHOOP);
	parses("2026-02-18T01:13:46.070999Z", T_WHOOP);
	parses("2026-02-18T01:13:46.0709999Z", T_WHOOP);
	parses("2026-02-18T01:13:46.07099999Z", T_WHOOP);
	parses("2026-02-18T01:13:46.070999999Z", T_WHOOP);
	refused("2026-02-18T01:13:46.0709999999Z",
	    "2026-02-18T01:13:46.0709999999Z");
	refused("2026-02-18T01:13:46.Z", "2026-02-18T01:13:46.Z");

	/* Calendar: leap days, month lengths, a leap second. */
	parses("2024-02-29T12:00:00Z", INT64_C(1709208000000));
	parses("2000-02-29T00:00:00Z", INT64_C(951782400000));
	refused("2025-02-29T00:00:00Z", "2025-02-29T00:00:00Z");
	ok(strstr(whoop_errmsg(w), "day out of range") != NULL,
	    "reason: day out of range");
	refused("1900-02-29T00:00:00Z", "1900-02-29T00:00:00Z");
	refused("2100-02-29T00:00:00Z", "2100-02-29T00:00:00Z");
	refused("2026-04-31T00:00:00Z", "2026-04-31T00:00:00Z");
	refused("2026-01-00T00:00:00Z", "2026-01-00T00:00:00Z");
	refused("2026-13-01T00:00:00Z", "2026-13-01T00:00:00Z");
	ok(strstr(whoop_errmsg(w), "month") != NULL, "reason: month");
	refused("2026-00-01T00:00:00Z", "2026-00-01T00:00:00Z");
	refused("2026-01-01T24:00:00Z", "2026-01-01T24:00:00Z");
	ok(strstr(whoop_errmsg(w), "hour") != NULL, "reason: hour");
	refused("2026-01-01T23:60:00Z", "2026-01-01T23:60:00Z");
	refused("2026-01-01T23:59:61Z", "2026-01-01T23:59:61Z");
	parses("2016-12-31T23:59:60Z", INT64_C(1483228799000));
	parses("2016-12-31T23:59:60.5Z", INT64_C(1483228799500));

	/* Range: 1970..9999, after applying the offset too. */
	refused("1969-12-31T23:59:59Z", "1969-12-31T23:59:59Z");
	refused("1970-01-01T00:00:00+00:01", "1970-01-01T00:00:00+00:01");
	refused("9999-12-31T23:59:59-00:01", "9999-12-31T23:59:59-00:01");
	refused("0000-01-01T00:00:00Z", "0000-01-01T00:00:00Z");

	/* Syntax. */
	refused("", "invalid date-time \"\"");
	refused("garbage", "garbage");
	refused("2026-02-18", "2026-02-18");
	refused("2026-02-18T01:13Z", "2026-02-18T01:13Z");
	refused("2026-02-18T01:13:46", "2026-02-18T01:13:46");
	refused("2026-02-18T01:13:46.070", "2026-02-18T01:13:46.070");
	refused("2026-02-18T01:13:46.070Zjunk", "2026-02-18T01:13:46.070Zjunk");
	refused("2026-02-18T01:13:46.070Z ", "2026-02-18T01:13:46.070Z ");
	refused(" 2026-02-18T01:13:46.070Z", " 2026-02-18T01:13:46.070Z");
	refused("2026-02-18T01:13:46+04", "2026-02-18T01:13:46+04");
	refused("2026-02-18T01:13:46+04:0", "2026-02-18T01:13:46+04:0");
	refused("2026-02-18T01:13:46+24:00", "2026-02-18T01:13:46+24:00");
	refused("2026-02-18T01:13:46+04:60", "2026-02-18T01:13:46+04:60");
	refused("2026-2-18T01:13:46Z", "2026-2-18T01:13:46Z");
	refused("2026-02-18X01:13:46Z", "2026-02-18X01:13:46Z");
	refused("20260218T011346Z", "20260218T011346Z");
	refused("+2026-02-18T01:13:46Z", "+2026-02-18T01:13:46Z");
	refused("2026-02-18T01:13:4\n6Z", "2026-02-18T01:13:4\\x0a6Z");
	memset(big, '9', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	whoop_clearerr(w);
	ok(whoop_time_parse(w, big, &ms) == -1 &&
	    strlen(whoop_errmsg(w)) < 300, "long input refused, message "
	    "bounded");
	ok(whoop_time_parse(NULL, "nope", &ms) == -1, "NULL handle");
	ok(whoop_time_parse(w, NULL, &ms) == -1, "NULL string");

	/* Formatting and round trips. */
	formats(0, "1970-01-01T00:00:00.000Z");
	formats(1, "1970-01-01T00:00:00.001Z");
	formats(T_WHOOP, "2026-02-18T01:13:46.070Z");
	formats(INT64_C(951782400000), "2000-02-29T00:00:00.000Z");
	formats(INT64_C(1709251199999), "2024-02-29T23:59:59.999Z");
	formats(INT64_C(4107542400000), "2100-03-01T00:00:00.000Z");
	formats(MS_MAX, "9999-12-31T23:59:59.999Z");
	ok(whoop_time_format(-1, buf, sizeof(buf)) == -1 && buf[0] == '\0',
	    "format refuses before 1970");
	ok(whoop_time_format(MS_MAX + 1, buf, sizeof(buf)) == -1,
	    "format refuses year 10000");
	ok(whoop_time_format(0, buf, WHOOP_TIMESTR_LEN - 1) == -1 &&
	    buf[0] == '\0', "format refuses a short buffer");

	/* Many values: format, parse back, and text order = time order. */
	good = 1;
	prev = -1;
	for (i = 0, ms = 0; i < 20000 && good; i++) {
		char	 a[WHOOP_TIMESTR_LEN], b[WHOOP_TIMESTR_LEN];
		int64_t	 back;

		if (whoop_time_format(ms, a, sizeof(a)) == -1 ||
		    strlen(a) != WHOOP_TIMESTR_LEN - 1 ||
		    whoop_time_parse(NULL, a, &back) == -1 || back != ms) {
			diag("round trip failed at %" PRId64 " (%s)", ms, a);
			good = 0;
		}
		if (good && prev >= 0) {
			(void)whoop_time_format(prev, b, sizeof(b));
			if (strcmp(b, a) >= 0) {
				diag("order: %s >= %s", b, a);
				good = 0;
			}
		}
		prev = ms;
		/* A stride that visits every day of the year and leap years. */
		ms += INT64_C(12659876543) + i;
		if (ms > MS_MAX)
			break;
	}
	ok(good, "round trips and order over 1970..9999");
	good = 1;
	for (y = 1970; y <= 9999 && good; y++) {
		char	 s[40];
		int64_t	 a, b;

		(void)snprintf(s, sizeof(s), "%04d-12-31T23:59:59.999Z", y);
		if (whoop_time_parse(NULL, s, &a) == -1)
			good = 0;
		if (y < 9999) {
			(void)snprintf(s, sizeof(s), "%04d-01-01T00:00:00Z",
			    y + 1);
			if (whoop_time_parse(NULL, s, &b) == -1 || b != a + 1)
				good = 0;
		}
		if (!good)
			diag("year boundary %d", y);
	}
	ok(good, "every new year follows the last millisecond");

	/* Time zone offsets. */
	tz("Z", 0);
	tz("z", 0);
	tz("+00:00", 0);
	tz("-00:00", 0);
	tz("+04:00", 240);
	tz("-05:00", -300);
	tz("+0530", 330);
	tz("+05:45", 345);
	tz("-03", -180);
	tz("+18:00", 1080);
	tz("-18:00", -1080);
	tz_refused("+18:01");
	tz_refused("-19");
	tz_refused("+04:60");
	tz_refused("04:00");
	tz_refused("+4:00");
	tz_refused("+04:00 ");
	tz_refused("+04:");
	tz_refused("ZZ");
	tz_refused("UTC");
	tz_refused("");

	/* Local time. */
	local(T_WHOOP, 240, "2026-02-18T05:13:46.070+04:00", 1);
	local(T_WHOOP, -300, "2026-02-17T20:13:46.070-05:00", 1);
	local(T_WHOOP, 0, "2026-02-18T01:13:46.070+00:00", 1);
	local(T_WHOOP, 345, "2026-02-18T06:58:46.070+05:45", 1);
	local(T_WHOOP, -210, "2026-02-17T21:43:46.070-03:30", 1);
	local(0, -60, "1969-12-31T23:00:00.000-01:00", 0);
	ok(whoop_time_format_local(T_WHOOP, 1081, buf, sizeof(buf)) == -1,
	    "local refuses offset beyond 18h");
	ok(whoop_time_format_local(T_WHOOP, 0, buf, 29) == -1 &&
	    buf[0] == '\0', "local refuses a short buffer");
	ok(whoop_time_format_local(T_WHOOP, 0, buf, 30) == 0,
	    "local fits 30 bytes");
	ok(whoop_time_format_local(-1, 0, buf, sizeof(buf)) == -1,
	    "local refuses before 1970");
	ok(whoop_time_format_local(MS_MAX, 60, buf, sizeof(buf)) == -1,
	    "local refuses year 10000");

	/* Now. */
	now = whoop_time_now_ms();
	ok(now > INT64_C(1704067200000) && now < MS_MAX,
	    "now is after 2024");

	/* What people type. */
	user("now", T_WHOOP, T_WHOOP);
	user("2026-02-18", T_WHOOP, INT64_C(1771372800000));
	user("1970-01-01", T_WHOOP, 0);
	user("2024-02-29", T_WHOOP, INT64_C(1709164800000));
	user("2026-02-18T01:13:46.070Z", 0, T_WHOOP);
	user("2026-02-18T05:13:46.070+04:00", 0, T_WHOOP);
	user("2026-02-18T01:13", 0, T_WHOOP - 46070);
	user("2026-02-18T01:13:46", 0, T_WHOOP - 70);
	user("2026-02-18 01:13:46", 0, T_WHOOP - 70);
	user("7d", T_WHOOP, T_WHOOP - INT64_C(7) * 86400000);
	user("1d", T_WHOOP, T_WHOOP - 86400000);
	user("12h", T_WHOOP, T_WHOOP - INT64_C(12) * 3600000);
	user("30m", T_WHOOP, T_WHOOP - INT64_C(30) * 60000);
	user("2w", T_WHOOP, T_WHOOP - INT64_C(14) * 86400000);
	user("20500d", T_WHOOP, T_WHOOP - INT64_C(20500) * 86400000);
	user_refused("xyz", "expected YYYY-MM-DD, an RFC 3339 date-time, or a "
	    "relative form like 7d");
	user_refused("", "expected YYYY-MM-DD");
	user_refused("0d", "expected");
	user_refused("-7d", "expected");
	user_refused("+7d", "expected");
	user_refused("7", "expected");
	user_refused("d", "expected");
	user_refused("7y", "expected");
	user_refused("7D", "expected");
	user_refused("7 d", "expected");
	user_refused("7dd", "expected");
	user_refused("1.5d", "expected");
	user_refused("NOW", "expected");
	user_refused("now ", "expected");
	user_refused("2026-02-18T", "expected");
	user_refused("2026-02-18T1:13", "expected");
	user_refused("2026-02-18junk", "expected");
	user_refused("2025-02-29", "day out of range");
	user_refused("2026-13-01", "month");
	user_refused("1969-12-31", "year");
	user_refused("2026-02-18T24:00", "hour");
	user_refused("30000d", "before 1970");
	user_refused("99999999999999999999d", "before 1970");
	user_refused("9223372036854775807m", "before 1970");
	whoop_clearerr(w);
	ok(whoop_time_parse_user(w, "7d", -5, &ms) == -1 &&
	    whoop_errcode(w) == WHOOP_E_PARSE, "relative with a bad now");
	whoop_clearerr(w);
	ok(whoop_time_parse_user(w, "a\x1b[2Jb", 0, &ms) == -1 &&
	    strstr(whoop_errmsg(w), "a\\x1b[2Jb") != NULL,
	    "user input escaped in the message");

	whoop_free(w);
	return done_testing();
}
