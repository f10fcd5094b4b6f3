/*
 * Mapping the CSV files of the WHOOP app's export to rows of the app_*
 * and journal tables (colspec.c describes them: a field's path is its
 * CSV header).  Columns are found by header name, so a known one may be
 * missing (older exports) and an unknown one added: every field of a
 * row, known or not, is kept in the row's raw JSON, header -> text, in
 * the file's order.
 *
 * Times in the export are the local wall time of the row's cycle,
 * "YYYY-MM-DD HH:MM:SS", and "Cycle timezone" is "UTC+01:00" or, for a
 * zero offset, "UTCZ".  They become UTC in the API's form
 * (2026-03-01T04:00:00.000Z) and the offset "+01:00" or "Z".
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "extern.h"

#define MS_PER_DAY	INT64_C(86400000)

/* The header that tells each file apart, after "Cycle start time". */
static const struct {
	enum whoop_coll	 coll;
	const char	*mark;
	const char	*file;
} kinds[] = {
	{ WHOOP_C_APP_CYCLE,	"Day Strain",	"physiological_cycles.csv" },
	{ WHOOP_C_APP_SLEEP,	"Nap",		"sleeps.csv" },
	{ WHOOP_C_APP_WORKOUT,	"Workout start time", "workouts.csv" },
	{ WHOOP_C_JOURNAL,	"Question text", "journal_entries.csv" },
};

/*
 * The file names of localized exports (whoop-app-export.md, 16): a file
 * of one of these names that is not in English is refused, not skipped.
 */
static const char *const known_names[] = {
	"physiological_cycles.csv", "sleeps.csv", "workouts.csv",
	"journal_entries.csv",
	"physiologische_zyklen.csv", "schlaf.csv", "trainings.csv",
	"logbuch_eintraege.csv",
	"sue\xc3\xb1o.csv", "entrenamientos.csv",
	"sommeil.csv", "entrainements.csv",
	"ciclos_fisiol\xc3\xb3gicos.csv", "sonos.csv", "treinos.csv",
	"entradas_di\xc3\xa1rio.csv",
	"cicli_fisiologici.csv", "sonno.csv", "allenamenti.csv",
	"voci_diario.csv",
};

#define N(a)	(sizeof(a) / sizeof((a)[0]))

int
whoop_app_known_name(const char *path)
{
	const char	*base = strrchr(path, '/');
	size_t		 i;

	base = base != NULL ? base + 1 : path;
	for (i = 0; i < N(known_names); i++)
		if (strcasecmp(base, known_names[i]) == 0)
			return 1;
	return 0;
}

/*
 * What the header row of a file says it is: one of the app types, or
 * WHOOP_C_COUNT for a file that is not one of the export's.
 */
enum whoop_coll
whoop_app_classify(const struct whoop_csv *c)
{
	const char	*f;
	size_t		 i, j, n = whoop_csv_nfields(c);

	if (n < 2 || strcmp(whoop_csv_field(c, 0, NULL),
	    "Cycle start time") != 0)
		return WHOOP_C_COUNT;
	for (i = 0; i < N(kinds); i++)
		for (j = 1; j < n; j++) {
			f = whoop_csv_field(c, j, NULL);
			if (strcmp(f, kinds[i].mark) == 0)
				return kinds[i].coll;
		}
	return WHOOP_C_COUNT;
}

const char *
whoop_app_filename(enum whoop_coll coll)
{
	size_t	 i;

	for (i = 0; i < N(kinds); i++)
		if (kinds[i].coll == coll)
			return kinds[i].file;
	return "?";
}

void
whoop_appmap_free(struct whoop_appmap *m)
{
	size_t	 i;

	if (m == NULL)
		return;
	for (i = 0; i < m->ncsv; i++)
		free(m->hdr[i]);
	free(m->hdr);
	free(m->col);
	free(m->v);
	free(m->txt);
	free(m->prev);
	free(m->raw);
	memset(m, 0, sizeof(*m));
}

/* Append to the raw JSON buffer. */
static int
raw_put(struct whoop *w, struct whoop_appmap *m, const char *s, size_t len)
{
	char	*nr;
	size_t	 cap;

	if (m->rawlen + len + 1 > m->rawcap) {
		for (cap = m->rawcap ? m->rawcap : 4096;
		    cap < m->rawlen + len + 1; cap *= 2)
			continue;
		if ((nr = realloc(m->raw, cap)) == NULL)
			return whoop_seterr(w, WHOOP_E_NOMEM, "out of memory");
		m->raw = nr;
		m->rawcap = cap;
	}
	memcpy(m->raw + m->rawlen, s, len);
	m->rawlen += len;
	m->raw[m->rawlen] = '\0';
	return 0;
}

/* A JSON string: the text is UTF-8 already (csv.c checks). */
static int
raw_str(struct whoop *w, struct whoop_appmap *m, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	char	 esc[6];
	size_t	 i, from = 0;

	if (raw_put(w, m, "\"", 1) == -1)
		return -1;
	for (i = 0; i < len; i++) {
		unsigned char	 u = (unsigned char)s[i];

		if (u >= 0x20 && u != '"' && u != '\\')
			continue;
		if (raw_put(w, m, s + from, i - from) == -1)
			return -1;
		from = i + 1;
		esc[0] = '\\';
		switch (u) {
		case '"':
		case '\\':
			esc[1] = (char)u;
			break;
		case '\n':
			esc[1] = 'n';
			break;
		case '\r':
			esc[1] = 'r';
			break;
		case '\t':
			esc[1] = 't';
			break;
		default:
			esc[1] = 'u';
			esc[2] = '0';
			esc[3] = '0';
			esc[4] = hex[u >> 4];
			esc[5] = hex[u & 0xf];
			if (raw_put(w, m, esc, 6) == -1)
				return -1;
			continue;
		}
		if (raw_put(w, m, esc, 2) == -1)
			return -1;
	}
	if (raw_put(w, m, s + from, len - from) == -1)
		return -1;
	return raw_put(w, m, "\"", 1);
}

int
whoop_appmap_init(struct whoop *w, struct whoop_appmap *m,
    enum whoop_coll coll, const struct whoop_csv *c)
{
	const struct whoop_colspec	*cs = whoop_colspec(coll);
	size_t				 i, j, n = whoop_csv_nfields(c);
	char				 esc[160];

	memset(m, 0, sizeof(*m));
	if (cs == NULL)
		return whoop_seterr(w, WHOOP_E_FAIL, "not an export type");
	m->cs = cs;
	if ((m->hdr = calloc(n, sizeof(*m->hdr))) == NULL ||
	    (m->col = calloc(cs->nfields, sizeof(*m->col))) == NULL ||
	    (m->v = calloc(cs->nfields, sizeof(*m->v))) == NULL ||
	    (m->txt = calloc(cs->nfields, sizeof(*m->txt))) == NULL ||
	    (m->prev = calloc(cs->nfields, sizeof(*m->prev))) == NULL)
		goto nomem;
	for (i = 0; i < n; i++) {
		if ((m->hdr[i] = strdup(whoop_csv_field(c, i, NULL))) == NULL)
			goto nomem;
		m->ncsv = i + 1;
		for (j = 0; j < i; j++)
			if (strcmp(m->hdr[i], m->hdr[j]) == 0) {
				whoop_escape(esc, sizeof(esc), m->hdr[i],
				    strlen(m->hdr[i]));
				whoop_seterr(w, WHOOP_E_PARSE, "%s:%ld: column "
				    "\"%s\" appears twice", whoop_csv_name(c),
				    whoop_csv_line(c), esc);
				goto fail;
			}
	}
	for (i = 0; i < cs->nfields; i++) {
		m->col[i] = -1;
		if (strcmp(cs->fields[i].column, "timezone_offset") == 0)
			m->tzcol = (int)i;
		if (strcmp(cs->fields[i].column, "date_local") == 0)
			m->datecol = (int)i;
		if (cs->fields[i].path == NULL)
			continue;
		for (j = 0; j < n; j++)
			if (strcmp(m->hdr[j], cs->fields[i].path) == 0)
				m->col[i] = (int)j;
		if (m->col[i] == -1 && cs->fields[i].required) {
			whoop_seterr(w, WHOOP_E_PARSE, "%s:%ld: no column "
			    "\"%s\" in the header", whoop_csv_name(c),
			    whoop_csv_line(c), cs->fields[i].path);
			goto fail;
		}
	}
	return 0;
nomem:
	whoop_seterr(w, WHOOP_E_NOMEM, "out of memory");
fail:
	whoop_appmap_free(m);
	return -1;
}

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
 * "YYYY-MM-DD HH:MM:SS" at offset tz ("Z", "+01:00") to UTC text.  The
 * checks on the calendar are time.c's: the text is handed to it as
 * RFC 3339 with the offset.
 */
static int
local_to_utc(const char *s, const char *tz, char *out, size_t outsz,
    int64_t *msp)
{
	char	 buf[40];
	size_t	 tzlen = strlen(tz);
	int	 x;
	int64_t	 ms;

	if (strlen(s) != 19 || tzlen > 16 || s[4] != '-' || s[7] != '-' || s[10] != ' ' ||
	    s[13] != ':' || s[16] != ':' || !digits(s, 4, &x) ||
	    !digits(s + 5, 2, &x) || !digits(s + 8, 2, &x) ||
	    !digits(s + 11, 2, &x) || !digits(s + 14, 2, &x) ||
	    !digits(s + 17, 2, &x))
		return -1;
	memcpy(buf, s, 19);
	buf[10] = 'T';
	memcpy(buf + 19, tz, tzlen + 1);
	if (whoop_time_parse(NULL, buf, &ms) == -1 ||
	    whoop_time_format(ms, out, outsz) == -1)
		return -1;
	if (msp != NULL)
		*msp = ms;
	return 0;
}

/* A plain decimal number: -?digits(.digits)?; the export's form. */
static int
parse_number(const char *s, double *d)
{
	const char	*p = s;
	char		*end;

	if (*p == '-')
		p++;
	if (*p < '0' || *p > '9')
		return -1;
	while (*p >= '0' && *p <= '9')
		p++;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return -1;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p != '\0')
		return -1;
	*d = strtod(s, &end);
	return isfinite(*d) ? 0 : -1;
}

static int
row_err(struct whoop *w, const struct whoop_csv *c, const char *hdr,
    const char *val, const char *why)
{
	char	 esc[160];

	whoop_escape(esc, sizeof(esc), val, strlen(val) > 60 ? 60 :
	    strlen(val));
	return whoop_seterr(w, WHOOP_E_PARSE, "%s:%ld: %s: %s: \"%s\"",
	    whoop_csv_name(c), whoop_csv_line(c), hdr, why, esc);
}

/* The local date of a local time text, or of ms at offset, into buf. */
static void
date_of(const char *local, char *buf)
{
	memcpy(buf, local, 10);
	buf[10] = '\0';
}

/*
 * The app's day of a cycle whose wake time is unknown (a day without
 * the strap, the current cycle): a cycle that starts in the afternoon or
 * evening belongs to the next day, as its sleep would end then.
 */
void
whoop_app_fallback_day(const char *start_utc, const char *tz, char *buf,
    size_t bufsz)
{
	char	 t[WHOOP_TIMESTR_LEN];
	int64_t	 ms;
	int	 off;

	buf[0] = '\0';
	if (bufsz < 11 || whoop_time_parse(NULL, start_utc, &ms) == -1 ||
	    whoop_tzoffset_parse(NULL, tz, &off) == -1 ||
	    whoop_time_format(ms + (int64_t)off * 60000 + MS_PER_DAY / 2, t,
	    sizeof(t)) == -1)
		return;
	date_of(t, buf);
}

/*
 * One CSV record into m->v (colspec order) and m->raw.  Values point
 * into the record and into m->txt: valid until the next record.
 */
int
whoop_appmap_row(struct whoop *w, struct whoop_appmap *m,
    const struct whoop_csv *c)
{
	const struct whoop_colspec	*cs = m->cs;
	const struct whoop_field	*f;
	struct whoop_value		*v;
	const char			*s, *tz = NULL;
	size_t				 i, len, n = whoop_csv_nfields(c);
	int				 off, sametz;

	if (n != m->ncsv) {
		char	 why[96];

		(void)snprintf(why, sizeof(why), "%zu field%s, the header has "
		    "%zu", n, n == 1 ? "" : "s", m->ncsv);
		return whoop_seterr(w, WHOOP_E_PARSE, "%s:%ld: %s",
		    whoop_csv_name(c), whoop_csv_line(c), why);
	}
	m->rawlen = 0;
	if (raw_put(w, m, "{", 1) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		s = whoop_csv_field(c, i, &len);
		if ((i > 0 && raw_put(w, m, ",", 1) == -1) ||
		    raw_str(w, m, m->hdr[i], strlen(m->hdr[i])) == -1 ||
		    raw_put(w, m, ":", 1) == -1 ||
		    raw_str(w, m, s, len) == -1)
			return -1;
	}
	if (raw_put(w, m, "}", 1) == -1)
		return -1;

	/* The offset first: every time of the row is read with it. */
	s = whoop_csv_field(c, (size_t)m->col[m->tzcol], NULL);
	if (strncmp(s, "UTC", 3) == 0) {
		tz = s[3] == '\0' ? "Z" : s + 3;
		if (whoop_tzoffset_parse(NULL, tz, &off) == -1)
			tz = NULL;
	}
	if (tz == NULL || strlen(tz) >= sizeof(m->prevtz))
		return row_err(w, c, cs->fields[m->tzcol].path, s,
		    "not a time zone of the form UTC+01:00 or UTCZ");
	sametz = strcmp(tz, m->prevtz) == 0;
	if (!sametz) {
		memcpy(m->prevtz, tz, strlen(tz) + 1);
		m->prevday[0][0] = '\0';
	}
	for (i = 0; i < cs->nfields; i++) {
		f = &cs->fields[i];
		v = &m->v[i];
		memset(v, 0, sizeof(*v));
		v->type = WHOOP_V_NULL;
		if (m->col[i] == -1)
			continue;
		s = whoop_csv_field(c, (size_t)m->col[i], &len);
		if (len == 0) {
			if (f->required)
				return row_err(w, c, f->path, s, "empty");
			continue;
		}
		switch (f->type) {
		case WHOOP_F_TIME:
			/* The rows of one cycle repeat its times. */
			if (!sametz || len != 19 ||
			    memcmp(s, m->prev[i], 20) != 0) {
				m->prev[i][0] = '\0';
				if (local_to_utc(s, tz, m->txt[i],
				    sizeof(m->txt[i]), NULL) == -1)
					return row_err(w, c, f->path, s,
					    "not a time of the form "
					    "YYYY-MM-DD HH:MM:SS");
				memcpy(m->prev[i], s, 20);
			}
			v->type = WHOOP_V_TEXT;
			v->s = m->txt[i];
			break;
		case WHOOP_F_TZ:
			memcpy(m->txt[i], tz, strlen(tz) + 1);
			v->type = WHOOP_V_TEXT;
			v->s = m->txt[i];
			break;
		case WHOOP_F_BOOL:
			if (strcmp(s, "true") == 0)
				v->i = 1;
			else if (strcmp(s, "false") == 0)
				v->i = 0;
			else
				return row_err(w, c, f->path, s, "expected "
				    "true or false");
			v->type = WHOOP_V_INT;
			break;
		case WHOOP_F_REAL:
			if (parse_number(s, &v->d) == -1)
				return row_err(w, c, f->path, s, "not a number "
				    "(with a decimal point)");
			v->type = WHOOP_V_REAL;
			break;
		default:
			v->type = WHOOP_V_TEXT;
			/* The record's text, valid until the next record. */
			v->s = (char *)(uintptr_t)s;
			break;
		}
	}

	/* The local day: see whoop.7 for each type. */
	v = &m->v[m->datecol];
	v->type = WHOOP_V_TEXT;
	v->s = m->txt[m->datecol];
	v->s[0] = '\0';
	switch (cs->coll) {
	case WHOOP_C_APP_CYCLE:
	case WHOOP_C_APP_SLEEP:
		/* The wake day; its local text is the export's own. */
		for (i = 0; i < cs->nfields; i++) {
			const char *col = cs->fields[i].column;

			if (m->col[i] != -1 && (strcmp(col, "sleep_end") == 0 ||
			    (cs->coll == WHOOP_C_APP_SLEEP &&
			    strcmp(col, "end") == 0))) {
				s = whoop_csv_field(c, (size_t)m->col[i], &len);
				if (len == 19)
					date_of(s, v->s);
			}
		}
		if (v->s[0] == '\0' && cs->coll == WHOOP_C_APP_SLEEP)
			date_of(whoop_csv_field(c,
			    (size_t)m->col[cs->start], NULL), v->s);
		break;
	case WHOOP_C_APP_WORKOUT:
		date_of(whoop_csv_field(c, (size_t)m->col[cs->start], NULL),
		    v->s);
		break;
	default:
		break;
	}
	if (v->s[0] == '\0') {
		/* Cached by start: the journal's rows of a cycle share it. */
		if (strcmp(m->prevday[0], m->v[cs->start].s) == 0)
			memcpy(v->s, m->prevday[1], sizeof(m->prevday[1]));
		else {
			whoop_app_fallback_day(m->v[cs->start].s, tz, v->s,
			    sizeof(m->txt[0]));
			memcpy(m->prevday[0], m->v[cs->start].s,
			    sizeof(m->prevday[0]));
			memcpy(m->prevday[1], v->s, sizeof(m->prevday[1]));
		}
	}
	return 0;
}
