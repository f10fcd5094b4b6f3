/*
 * Fuzz target: RFC 3339 date-times, the dates people type, and time
 * zone offsets; the input is read as a string, and its first 16 bytes
 * also as two instants.
 *
 * Invariants: whatever parses lies in 1970..9999 and formats to the
 * canonical 24-character form, which parses back to the same instant;
 * a strict parse is also a valid user parse, with the same result; an
 * offset formats as +hh:mm and parses back; a local time with its
 * offset parses back to the instant; and formatted instants sort as
 * text in time order.
 */
#include "whoop.h"
#include "fuzz.h"

#define NOW	INT64_C(1767225600000)	/* 2026-01-01T00:00:00Z */
#define MS_MAX	INT64_C(253402300799999)

/* ms is a valid instant: its canonical form parses back to it. */
static void
roundtrip(int64_t ms)
{
	char	 buf[WHOOP_TIMESTR_LEN], buf2[WHOOP_TIMESTR_LEN];
	int64_t	 back;

	FUZZ_CHECK(ms >= 0 && ms <= MS_MAX);
	FUZZ_CHECK(whoop_time_format(ms, buf, sizeof(buf)) == 0);
	FUZZ_CHECK(strlen(buf) == WHOOP_TIMESTR_LEN - 1);
	FUZZ_CHECK(buf[4] == '-' && buf[10] == 'T' && buf[19] == '.' &&
	    buf[23] == 'Z');
	FUZZ_CHECK(whoop_time_parse(NULL, buf, &back) == 0 && back == ms);
	FUZZ_CHECK(whoop_time_parse_user(NULL, buf, NOW, &back) == 0 &&
	    back == ms);
	/* Too small a buffer is refused, never overrun. */
	FUZZ_CHECK(whoop_time_format(ms, buf2, sizeof(buf2) - 1) == -1 &&
	    buf2[0] == '\0');
}

/* The local time at every offset near minutes parses back to ms. */
static void
local(int64_t ms, int minutes)
{
	char	 buf[40];
	int64_t	 back;
	int	 y;

	if (whoop_time_format_local(ms, minutes, buf, sizeof(buf)) == -1)
		return;
	FUZZ_CHECK(strlen(buf) == 29);
	/* The parser wants the local year in range too. */
	y = (buf[0] - '0') * 1000 + (buf[1] - '0') * 100 +
	    (buf[2] - '0') * 10 + (buf[3] - '0');
	if (y < 1970)
		return;
	FUZZ_CHECK(whoop_time_parse(NULL, buf, &back) == 0 && back == ms);
}

static void
offset(const char *s)
{
	char	 buf[16];
	int	 m, back;

	if (whoop_tzoffset_parse(NULL, s, &m) == -1)
		return;
	FUZZ_CHECK(m >= -18 * 60 && m <= 18 * 60);
	(void)snprintf(buf, sizeof(buf), "%c%02d:%02d", m < 0 ? '-' : '+',
	    (m < 0 ? -m : m) / 60, (m < 0 ? -m : m) % 60);
	FUZZ_CHECK(whoop_tzoffset_parse(NULL, buf, &back) == 0 && back == m);
	local(NOW, m);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct whoop	*w;
	char		*s, ba[WHOOP_TIMESTR_LEN], bb[WHOOP_TIMESTR_LEN];
	int64_t		 ms, ums, a, b;
	int		 strict, c;

	if ((w = whoop_new()) == NULL)
		abort();
	s = fuzz_str(data, size);

	strict = whoop_time_parse(w, s, &ms) == 0;
	if (strict) {
		roundtrip(ms);
		local(ms, 0);
		local(ms, 330);
		local(ms, -600);
	}
	if (whoop_time_parse_user(w, s, NOW, &ums) == 0) {
		roundtrip(ums);
		if (strict)
			FUZZ_CHECK(ums == ms);
	} else
		FUZZ_CHECK(!strict && whoop_errcode(w) == WHOOP_E_PARSE);
	offset(s);

	/* The bytes as two instants: format, parse back, compare. */
	if (size >= 16) {
		memcpy(&a, data, sizeof(a));
		memcpy(&b, data + 8, sizeof(b));
		if (whoop_time_format(a, ba, sizeof(ba)) == 0)
			roundtrip(a);
		else
			FUZZ_CHECK(a < 0 || a > MS_MAX);
		/* Bring b into range to compare their order as text. */
		if (b < 0)
			b = -(b + 1);
		b %= MS_MAX + 1;
		if (a >= 0 && a <= MS_MAX) {
			FUZZ_CHECK(whoop_time_format(b, bb, sizeof(bb)) == 0);
			c = strcmp(ba, bb);
			FUZZ_CHECK((a < b) == (c < 0) && (a == b) == (c == 0));
			local(a, (int)(b % (18 * 60 * 2 + 1)) - 18 * 60);
		}
	}

	free(s);
	whoop_free(w);
	return 0;
}
