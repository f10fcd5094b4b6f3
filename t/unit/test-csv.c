/*
 * The CSV reader (lib/csv.c) and the mapping of the app's export
 * (lib/appmap.c): RFC 4180 cases, line numbers, limits and refusals;
 * header classification, UTC conversion and the local day.
 */
#include "extern.h"
#include "tap.h"

struct mem {
	const char	*p;
	size_t		 len, pos;
};

static long
mem_read(void *arg, void *buf, size_t len)
{
	struct mem	*m = arg;
	size_t		 n = m->len - m->pos;

	/* Three bytes at a time: records cross read boundaries. */
	if (n > len)
		n = len;
	if (n > 3)
		n = 3;
	memcpy(buf, m->p + m->pos, n);
	m->pos += n;
	return (long)n;
}

/*
 * Parse text (len bytes) and render its records as "a|b;c|d;" with the
 * line each starts on before it, "2:"; an error as "ERR <message>".
 */
static char *
render(const char *text, size_t len, size_t maxfield)
{
	static char	 out[4096];
	struct whoop	*w = whoop_new();
	struct mem	 m = { text, len, 0 };
	struct whoop_csv *c = whoop_csv_new(w, "t.csv", mem_read, &m);
	size_t		 i, n = 0;
	int		 rc;

	if (maxfield > 0)
		whoop_csv_limits(c, maxfield, 4 * maxfield);
	out[0] = '\0';
	while ((rc = whoop_csv_next(c)) == 1) {
		n += (size_t)snprintf(out + n, sizeof(out) - n, "%ld:",
		    whoop_csv_line(c));
		for (i = 0; i < whoop_csv_nfields(c); i++)
			n += (size_t)snprintf(out + n, sizeof(out) - n, "%s%s",
			    i ? "|" : "", whoop_csv_field(c, i, NULL));
		n += (size_t)snprintf(out + n, sizeof(out) - n, ";");
	}
	if (rc == -1)
		(void)snprintf(out + n, sizeof(out) - n, "ERR %s",
		    whoop_errmsg(w));
	whoop_csv_free(c);
	whoop_free(w);
	return out;
}

#define R(s)	render(s, sizeof(s) - 1, 0)

static void
test_csv(void)
{
	is_str(R("a,b\nc,d\n"), "1:a|b;2:c|d;", "two records, LF");
	is_str(R("a,b\r\nc,d"), "1:a|b;2:c|d;", "CRLF, no final line end");
	is_str(R("\xef\xbb\xbf" "a,b\n"), "1:a|b;", "a BOM is skipped");
	is_str(R("a,\"b,c\",\"d\"\"e\"\n"), "1:a|b,c|d\"e;",
	    "quoted comma and doubled quote");
	is_str(R("\"x\ny\",z\nq\n"), "1:x\ny|z;3:q;",
	    "a line break in quotes: the next record starts on line 3");
	is_str(R("\"x\r\ny\"\r\n"), "1:x\r\ny;", "CRLF inside quotes kept");
	is_str(R("a\n\n\nb\n"), "1:a;4:b;", "blank lines skipped, lines counted");
	is_str(R(",\n"), "1:|;", "two empty fields");
	is_str(R("\"\"\n"), "1:;", "one quoted empty field");
	is_str(R("q? ,n \n"), "1:q? |n ;", "trailing spaces kept");
	is_str(R("a\"b,c\n"), "1:a\"b|c;", "a quote inside an unquoted field");
	is_str(R("a\rb,c\n"), "1:a\rb|c;", "a lone CR is text");
	is_str(R("\xc3\xa9,\xe2\x82\xac\n"), "1:\xc3\xa9|\xe2\x82\xac;",
	    "UTF-8 passes");
	is_str(R(""), "", "an empty input has no record");
	is_str(R("a\n\"b\n"),
	    "1:a;ERR t.csv:2: a quoted field that never ends (truncated file?)",
	    "unterminated quote: named with the line it opened on");
	is_str(R("a,\"b\"c\n"), "ERR t.csv:1: text after a closing quote",
	    "text after a closing quote");
	is_str(render("a\nb\0c\n", 6, 0), "1:a;ERR t.csv:2: a NUL byte "
	    "(not a text file?)", "a NUL byte");
	is_str(R("a\n\xe9t\xe9\n"), "1:a;ERR t.csv:2: text that is not UTF-8 "
	    "(a re-saved or re-encoded file?)", "Latin-1 refused");
	is_str(R("\xef\xbb" "a\n"), "ERR t.csv:1: text that is not UTF-8",
	    "half a BOM");
	is_str(render("ab,abcdefgh,x\n", 14, 8), "1:ab|abcdefgh|x;",
	    "a field at the limit");
	is_str(render("ab,abcdefghi,x\n", 15, 8), "ERR t.csv:1: field 2 is "
	    "longer than 8 bytes", "a field over the limit");
	is_str(render("abcd,abcd,abcd,abcd,abcd,abcd,abcd\n", 35, 8),
	    "ERR t.csv:1: a record longer than 32 bytes",
	    "a record over the limit");
	is_str(render("\"\"\"\"\"\"\"\",x\n", 11, 3), "1:\"\"\"|x;",
	    "doubled quotes count once against the limit");
}

/* Map a header and one row; the values as "col=value" or the error. */
static char *
map(const char *csv)
{
	static char		 out[4096];
	struct whoop		*w = whoop_new();
	struct mem		 m = { csv, strlen(csv), 0 };
	struct whoop_csv	*c = whoop_csv_new(w, "x.csv", mem_read, &m);
	struct whoop_appmap	 am;
	enum whoop_coll		 coll;
	size_t			 i, n = 0;

	memset(&am, 0, sizeof(am));
	out[0] = '\0';
	if (whoop_csv_next(c) != 1)
		goto err;
	if ((coll = whoop_app_classify(c)) == WHOOP_C_COUNT) {
		(void)snprintf(out, sizeof(out), "not the export's");
		goto out;
	}
	if (whoop_appmap_init(w, &am, coll, c) == -1 ||
	    whoop_csv_next(c) != 1 || whoop_appmap_row(w, &am, c) == -1)
		goto err;
	n += (size_t)snprintf(out, sizeof(out), "%s", am.cs->name);
	for (i = 0; i < am.cs->nfields; i++) {
		const struct whoop_value *v = &am.v[i];

		if (v->type == WHOOP_V_NULL)
			continue;
		n += (size_t)snprintf(out + n, sizeof(out) - n, " %s=",
		    am.cs->fields[i].column);
		if (v->type == WHOOP_V_TEXT)
			n += (size_t)snprintf(out + n, sizeof(out) - n, "%s",
			    v->s);
		else if (v->type == WHOOP_V_INT)
			n += (size_t)snprintf(out + n, sizeof(out) - n, "%lld",
			    (long long)v->i);
		else
			n += (size_t)snprintf(out + n, sizeof(out) - n, "%g",
			    v->d);
	}
	goto out;
err:
	(void)snprintf(out, sizeof(out), "ERR %s", whoop_errmsg(w));
out:
	whoop_appmap_free(&am);
	whoop_csv_free(c);
	whoop_free(w);
	return out;
}

#define JH	"Cycle start time,Cycle end time,Cycle timezone,Question text," \
		"Answered yes,Notes\n"

static void
test_map(void)
{
	is_str(map(JH "2026-03-01 23:00:00,,UTC+01:00,Q? ,true,\"a, b\"\n"),
	    "journal cycle_start=2026-03-01T22:00:00.000Z "
	    "timezone_offset=+01:00 date_local=2026-03-02 question=Q?  "
	    "answered_yes=1 notes=a, b",
	    "journal: UTC, the offset in the API's form, an evening cycle's "
	    "day is the next");
	is_str(map(JH "2026-03-01 00:00:00,2026-03-02 01:00:00,UTCZ,Q,false,"
	    "\n"), "journal cycle_start=2026-03-01T00:00:00.000Z "
	    "cycle_end=2026-03-02T01:00:00.000Z timezone_offset=Z "
	    "date_local=2026-03-01 question=Q answered_yes=0",
	    "UTCZ is Z; a cycle from midnight is that day's");
	is_str(map(JH "2026-03-01 23:00:00,,UTC-05:30,Q,true,\n"),
	    "journal cycle_start=2026-03-02T04:30:00.000Z "
	    "timezone_offset=-05:30 date_local=2026-03-02 question=Q "
	    "answered_yes=1", "a negative half-hour offset");
	is_str(map(JH "2026-03-01 23:00:00,,UTC+01:00,Q,True,\n"),
	    "ERR x.csv:2: Answered yes: expected true or false: \"True\"",
	    "booleans are lowercase true and false only");
	is_str(map(JH "2026-02-30 23:00:00,,UTC+01:00,Q,true,\n"),
	    "ERR x.csv:2: Cycle start time: not a time of the form "
	    "YYYY-MM-DD HH:MM:SS: \"2026-02-30 23:00:00\"", "February 30");
	is_str(map(JH "2026-03-01T23:00:00,,UTC+01:00,Q,true,\n"),
	    "ERR x.csv:2: Cycle start time: not a time of the form "
	    "YYYY-MM-DD HH:MM:SS: \"2026-03-01T23:00:00\"",
	    "a T is not the export's form");
	is_str(map(JH ",,UTC+01:00,Q,true,\n"),
	    "ERR x.csv:2: Cycle start time: empty: \"\"", "no start");
	is_str(map(JH "2026-03-01 23:00:00,,+01:00,Q,true,\n"),
	    "ERR x.csv:2: Cycle timezone: not a time zone of the form "
	    "UTC+01:00 or UTCZ: \"+01:00\"", "an offset without UTC");
	is_str(map("Cycle start time,Cycle timezone,Question text,Extra\n"
	    "2026-03-01 23:00:00,UTC,Q,x\n"),
	    "journal cycle_start=2026-03-01T23:00:00.000Z timezone_offset=Z "
	    "date_local=2026-03-02 question=Q",
	    "columns missing and one added: mapped by name");
	is_str(map("Cycle start time,Cycle timezone,Question text,Question "
	    "text\n"), "ERR x.csv:1: column \"Question text\" appears twice",
	    "a column twice");
	is_str(map("Cycle start time,Cycle end time,Question text\n"),
	    "ERR x.csv:1: no column \"Cycle timezone\" in the header",
	    "a required column missing");
	is_str(map("lat,lon\n1,2\n"), "not the export's", "another CSV");
	is_str(map("Cycle start time,Cycle timezone,Day Strain,"
	    "Recovery score %,Wake onset\n2026-03-01 23:00:00,UTC-04:00,12.5,"
	    "67,2026-03-02 07:10:00\n"),
	    "app_cycle start=2026-03-02T03:00:00.000Z timezone_offset=-04:00 "
	    "date_local=2026-03-02 recovery_score=67 strain=12.5 "
	    "sleep_end=2026-03-02T11:10:00.000Z",
	    "cycles: numbers, the wake day");
	is_str(map("Cycle start time,Cycle timezone,Day Strain\n"
	    "2026-03-01 23:00:00,UTC,12,5\n"),
	    "ERR x.csv:2: 4 fields, the header has 3", "a decimal comma");
	is_str(map("Cycle start time,Cycle timezone,Day Strain\n"
	    "2026-03-01 23:00:00,UTC,1e3\n"),
	    "ERR x.csv:2: Day Strain: not a number (with a decimal point): "
	    "\"1e3\"", "an exponent is not the export's");
	is_str(map("Cycle start time,Cycle timezone,Workout start time,"
	    "Activity name\n2026-03-01 23:00:00,UTC+09:00,"
	    "2026-03-02 18:00:00,\"Walking, Dog\"\n"),
	    "app_workout cycle_start=2026-03-01T14:00:00.000Z "
	    "timezone_offset=+09:00 start=2026-03-02T09:00:00.000Z "
	    "date_local=2026-03-02 sport_name=Walking, Dog",
	    "workouts: the day of the start");
}

int
main(void)
{
	test_csv();
	test_map();
	printf("1..%d\n", tap_n);
	return tap_failed != 0;
}
