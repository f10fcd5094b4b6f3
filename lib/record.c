/*
 * WHOOP JSON -> records.  A page is parsed twice: once by a small span
 * scanner of our own, which checks the syntax and finds the exact bytes
 * of each element of "records" (cJSON would re-serialise 51.0 as 51, and
 * the raw column must keep what WHOOP sent), and once by cJSON, whose
 * tree the colspec tables are mapped from.
 *
 * A page that fails as a whole (not JSON, no records array, the two
 * parses disagreeing) returns -1 and nothing.  Otherwise every record
 * WHOOP sent comes back, in one of two lists:
 *
 *  - recs: it can be stored.  Its key, its start and every value its
 *    table cannot be without (NOT NULL) are readable.  An optional value
 *    that is not (a wrong type) is NULL, and a value outside its
 *    plausible range, an unknown score state or time zone is kept as
 *    sent; each is noted in rec->odd, none is a reason to leave the
 *    record out.
 *  - rejects: it cannot be stored (no readable key or start, a required
 *    value missing); its text, its key when readable and the reason are
 *    kept so the caller can keep them too.
 */
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "extern.h"

/* WHOOP pages are a few KiB; this bounds what a broken server costs. */
#define MAX_BODY	((size_t)64 * 1024 * 1024)
/* Records nest three deep; cJSON's own limit is 1000. */
#define MAX_DEPTH	256
/*
 * cJSON 1.7.15 reads a number through a 64-byte buffer: a longer one
 * would be read wrongly or not at all.  JSON does not need more.
 */
#define MAX_NUMLEN	63
#define MAX_TOKEN	4096	/* next_token, sent back in a URL */
/*
 * Doubles hold every integer below 2^53 exactly; from 2^53 on, what was
 * read may be a neighbour of what was sent.
 */
#define INT_EXACT	9007199254740992.0

/* The byte range of one element of "records". */
struct span {
	size_t	 off;
	size_t	 len;
};

struct scan {
	const char	*b;
	size_t		 len;
	size_t		 pos;
	const char	*err;		/* what is wrong at pos */
	int		 want;		/* delimit the elements of "records" */
	int		 found;		/* the first "records" has been seen */
	size_t		 vstart, vend;	/* the top-level value */
	struct span	*spans;
	size_t		 nspans, cap;
};

static int	 scan_value(struct scan *, int depth, int collect);

static void
scan_ws(struct scan *s)
{
	while (s->pos < s->len && (s->b[s->pos] == ' ' ||
	    s->b[s->pos] == '\t' || s->b[s->pos] == '\n' ||
	    s->b[s->pos] == '\r'))
		s->pos++;
}

static int
scan_fail(struct scan *s, const char *err)
{
	if (s->err == NULL)
		s->err = err;
	return -1;
}

static int
ishex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F');
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return c - 'A' + 10;
}

/* A string, from its opening quote to past its closing quote. */
static int
scan_string(struct scan *s)
{
	unsigned char	 c;
	int		 i;

	s->pos++;
	while (s->pos < s->len) {
		c = (unsigned char)s->b[s->pos];
		if (c == '"') {
			s->pos++;
			return 0;
		}
		if (c < 0x20)
			return scan_fail(s, "control character in a string");
		if (c != '\\') {
			s->pos++;
			continue;
		}
		if (++s->pos >= s->len)
			break;
		switch (s->b[s->pos]) {
		case '"': case '\\': case '/': case 'b':
		case 'f': case 'n': case 'r': case 't':
			s->pos++;
			break;
		case 'u':
			for (i = 1; i <= 4; i++)
				if (s->pos + i >= s->len ||
				    !ishex(s->b[s->pos + i]))
					return scan_fail(s, "bad \\u escape");
			s->pos += 5;
			break;
		default:
			return scan_fail(s, "bad escape in a string");
		}
	}
	return scan_fail(s, "unterminated string");
}

static size_t
scan_digits(struct scan *s)
{
	size_t	 n = 0;

	while (s->pos < s->len && s->b[s->pos] >= '0' &&
	    s->b[s->pos] <= '9') {
		s->pos++;
		n++;
	}
	return n;
}

/* RFC 8259 section 6, and no longer than cJSON can read. */
static int
scan_number(struct scan *s)
{
	size_t	 start = s->pos;

	if (s->b[s->pos] == '-')
		s->pos++;
	if (s->pos < s->len && s->b[s->pos] == '0')
		s->pos++;
	else if (scan_digits(s) == 0)
		return scan_fail(s, "bad number");
	if (s->pos < s->len && s->b[s->pos] == '.') {
		s->pos++;
		if (scan_digits(s) == 0)
			return scan_fail(s, "bad number");
	}
	if (s->pos < s->len && (s->b[s->pos] == 'e' || s->b[s->pos] == 'E')) {
		s->pos++;
		if (s->pos < s->len && (s->b[s->pos] == '+' ||
		    s->b[s->pos] == '-'))
			s->pos++;
		if (scan_digits(s) == 0)
			return scan_fail(s, "bad number");
	}
	if (s->pos - start > MAX_NUMLEN) {
		s->pos = start;
		return scan_fail(s, "number too long");
	}
	return 0;
}

static int
scan_literal(struct scan *s, const char *lit)
{
	size_t	 n = strlen(lit);

	if (s->len - s->pos < n || memcmp(s->b + s->pos, lit, n) != 0)
		return scan_fail(s, "unexpected character");
	s->pos += n;
	return 0;
}

/*
 * Is the key at b[off..end) (inside its quotes, escapes and all) the
 * word "records"?  Decoded as cJSON decodes it, so that both parses pick
 * the same member.
 */
static int
key_is_records(const char *b, size_t off, size_t end)
{
	static const char	 want[] = "records";
	size_t			 n = 0;
	int			 c;

	while (off < end) {
		c = (unsigned char)b[off++];
		if (c == '\\') {
			switch (b[off++]) {
			case 'u':
				c = hexval(b[off]) << 12 |
				    hexval(b[off + 1]) << 8 |
				    hexval(b[off + 2]) << 4 | hexval(b[off + 3]);
				off += 4;
				break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'n': c = '\n'; break;
			case 'r': c = '\r'; break;
			case 't': c = '\t'; break;
			default: c = (unsigned char)b[off - 1]; break;
			}
		}
		/* cJSON's strings end at a NUL, even an escaped one. */
		if (c == 0)
			break;
		if (n >= sizeof(want) - 1 || c != want[n])
			return 0;
		n++;
	}
	return n == sizeof(want) - 1;
}

static int
scan_push(struct scan *s, size_t off, size_t len)
{
	struct span	*p;
	size_t		 ncap;

	if (s->nspans == s->cap) {
		ncap = s->cap ? s->cap * 2 : 32;
		if (ncap > SIZE_MAX / sizeof(*p) ||
		    (p = realloc(s->spans, ncap * sizeof(*p))) == NULL)
			return scan_fail(s, "out of memory");
		s->spans = p;
		s->cap = ncap;
	}
	s->spans[s->nspans].off = off;
	s->spans[s->nspans].len = len;
	s->nspans++;
	return 0;
}

static int
scan_object(struct scan *s, int depth)
{
	size_t	 koff, kend;
	int	 collect;

	s->pos++;
	scan_ws(s);
	if (s->pos < s->len && s->b[s->pos] == '}') {
		s->pos++;
		return 0;
	}
	for (;;) {
		scan_ws(s);
		if (s->pos >= s->len || s->b[s->pos] != '"')
			return scan_fail(s, "expected a member name");
		koff = s->pos + 1;
		if (scan_string(s) == -1)
			return -1;
		kend = s->pos - 1;
		scan_ws(s);
		if (s->pos >= s->len || s->b[s->pos] != ':')
			return scan_fail(s, "expected ':'");
		s->pos++;
		/* Only the top-level object's first "records" is the page. */
		collect = 0;
		if (depth == 0 && s->want && !s->found &&
		    key_is_records(s->b, koff, kend)) {
			s->found = 1;
			collect = 1;
		}
		if (scan_value(s, depth + 1, collect) == -1)
			return -1;
		scan_ws(s);
		if (s->pos < s->len && s->b[s->pos] == ',') {
			s->pos++;
			continue;
		}
		if (s->pos < s->len && s->b[s->pos] == '}') {
			s->pos++;
			return 0;
		}
		return scan_fail(s, "expected ',' or '}'");
	}
}

static int
scan_array(struct scan *s, int depth, int collect)
{
	size_t	 start;

	s->pos++;
	scan_ws(s);
	if (s->pos < s->len && s->b[s->pos] == ']') {
		s->pos++;
		return 0;
	}
	for (;;) {
		scan_ws(s);
		start = s->pos;
		if (scan_value(s, depth + 1, 0) == -1)
			return -1;
		if (collect && scan_push(s, start, s->pos - start) == -1)
			return -1;
		scan_ws(s);
		if (s->pos < s->len && s->b[s->pos] == ',') {
			s->pos++;
			continue;
		}
		if (s->pos < s->len && s->b[s->pos] == ']') {
			s->pos++;
			return 0;
		}
		return scan_fail(s, "expected ',' or ']'");
	}
}

/* One value at pos (no leading white space); collect: see scan_array. */
static int
scan_value(struct scan *s, int depth, int collect)
{
	scan_ws(s);
	if (depth > MAX_DEPTH)
		return scan_fail(s, "nested too deeply");
	if (s->pos >= s->len)
		return scan_fail(s, "unexpected end");
	switch (s->b[s->pos]) {
	case '{':
		return scan_object(s, depth);
	case '[':
		return scan_array(s, depth, collect);
	case '"':
		return scan_string(s);
	case 't':
		return scan_literal(s, "true");
	case 'f':
		return scan_literal(s, "false");
	case 'n':
		return scan_literal(s, "null");
	default:
		if (s->b[s->pos] == '-' ||
		    (s->b[s->pos] >= '0' && s->b[s->pos] <= '9'))
			return scan_number(s);
		return scan_fail(s, "unexpected character");
	}
}

/* The whole body: one value, white space around it, nothing else. */
static int
scan_body(struct scan *s)
{
	scan_ws(s);
	s->vstart = s->pos;
	if (scan_value(s, 0, 0) == -1)
		return -1;
	s->vend = s->pos;
	scan_ws(s);
	if (s->pos != s->len)
		return scan_fail(s, "text after the JSON value");
	return 0;
}

static const char *
tname(const cJSON *j)
{
	if (cJSON_IsString(j))
		return "a string";
	if (cJSON_IsNumber(j))
		return "a number";
	if (cJSON_IsBool(j))
		return "a boolean";
	if (cJSON_IsNull(j))
		return "null";
	if (cJSON_IsArray(j))
		return "an array";
	if (cJSON_IsObject(j))
		return "an object";
	return "an unknown value";
}

/*
 * Find the value at a dotted path: *out is NULL when it is missing, or
 * an object on the way is missing or null, and a JSON null when it is
 * null.  An object on the way that is something else is an error:
 * where names it.
 */
static int
lookup(const cJSON *obj, const char *path, const cJSON **out,
    char *where, size_t wheresz, char *why, size_t whysz)
{
	const cJSON	*cur = obj;
	const char	*p = path, *dot;
	char		 comp[64];
	size_t		 n;

	*out = NULL;
	for (;;) {
		dot = strchr(p, '.');
		n = dot != NULL ? (size_t)(dot - p) : strlen(p);
		if (n >= sizeof(comp)) {
			(void)snprintf(where, wheresz, "%s", path);
			(void)snprintf(why, whysz, "path too long");
			return 1;
		}
		memcpy(comp, p, n);
		comp[n] = '\0';
		cur = cJSON_GetObjectItemCaseSensitive(cur, comp);
		if (dot == NULL) {
			*out = cur;
			return 0;
		}
		if (cur == NULL || cJSON_IsNull(cur))
			return 0;
		if (!cJSON_IsObject(cur)) {
			(void)snprintf(where, wheresz, "%.*s",
			    (int)(dot - path), path);
			(void)snprintf(why, whysz, "expected an object, got %s",
			    tname(cur));
			return 1;
		}
		p = dot + 1;
	}
}

static int
in_range(const struct whoop_field *f, double d)
{
	if (f->min > f->max)
		return 1;
	return d >= f->min && d <= f->max;
}

static void
range_text(const struct whoop_field *f, char *buf, size_t bufsz)
{
	if (f->max == DBL_MAX)
		(void)snprintf(buf, bufsz, ">= %g", f->min);
	else if (f->min == -DBL_MAX)
		(void)snprintf(buf, bufsz, "<= %g", f->max);
	else
		(void)snprintf(buf, bufsz, "%g..%g", f->min, f->max);
}

/* The shortest text that reads back as d, for messages. */
static const char *
numtext(double d, char *buf, size_t bufsz)
{
	int	 prec;

	for (prec = 15; prec < 17; prec++) {
		(void)snprintf(buf, bufsz, "%.*g", prec, d);
		if (strtod(buf, NULL) == d)
			return buf;
	}
	(void)snprintf(buf, bufsz, "%.17g", d);
	return buf;
}

static int
is_uuid(const char *s)
{
	size_t	 i;

	if (strlen(s) != 36)
		return 0;
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (!ishex(s[i]))
			return 0;
	}
	return 1;
}

static int
set_text(struct whoop_value *v, const char *s)
{
	if ((v->s = strdup(s)) == NULL)
		return -1;
	v->type = WHOOP_V_TEXT;
	return 0;
}

/*
 * Map one field of obj into v.  Returns 0 when v holds the value (odd
 * non-empty: it is implausible, and why says how), 1 when the value
 * cannot be read (where and why say which field and what is wrong; v is
 * NULL), -1 when memory ran out.
 */
static int
map_field(const struct whoop_field *f, const cJSON *obj,
    struct whoop_value *v, char *where, size_t wheresz, char *why,
    size_t whysz, int *odd)
{
	const cJSON	*j;
	const char	*s;
	char		 esc[64], rng[64], num[32], tbuf[WHOOP_TIMESTR_LEN];
	double		 d;
	int64_t		 ms;
	int		 tz;
	size_t		 i;

	memset(v, 0, sizeof(*v));
	v->type = WHOOP_V_NULL;
	*odd = 0;
	(void)snprintf(where, wheresz, "%s", f->path);
	if (lookup(obj, f->path, &j, where, wheresz, why, whysz))
		return 1;
	if (j == NULL || cJSON_IsNull(j)) {
		if (!f->required)
			return 0;
		(void)snprintf(why, whysz, "required field is %s",
		    j == NULL ? "missing" : "null");
		return 1;
	}

	switch (f->type) {
	case WHOOP_F_INT:
	case WHOOP_F_REAL:
		if (!cJSON_IsNumber(j)) {
			(void)snprintf(why, whysz,
			    "expected a number, got %s", tname(j));
			return 1;
		}
		d = j->valuedouble;
		if (!isfinite(d)) {
			(void)snprintf(why, whysz, "not a finite number");
			return 1;
		}
		if (f->type == WHOOP_F_INT) {
			if (d != trunc(d)) {
				(void)snprintf(why, whysz,
				    "expected an integer, got %s",
				    numtext(d, num, sizeof(num)));
				return 1;
			}
			/*
			 * cJSON keeps only a double: beyond 2^53 the
			 * integer WHOOP sent may not be the one read.
			 * The check also keeps the cast below defined.
			 */
			if (fabs(d) >= INT_EXACT) {
				(void)snprintf(why, whysz, "integer %s is "
				    "too large to be read exactly",
				    numtext(d, num, sizeof(num)));
				return 1;
			}
		}
		if (!in_range(f, d)) {
			range_text(f, rng, sizeof(rng));
			(void)snprintf(why, whysz, "%s outside the plausible "
			    "range %s", numtext(d, num, sizeof(num)), rng);
			*odd = 1;
		}
		if (f->type == WHOOP_F_INT) {
			v->type = WHOOP_V_INT;
			v->i = (int64_t)d;
		} else {
			v->type = WHOOP_V_REAL;
			v->d = d;
		}
		return 0;
	case WHOOP_F_BOOL:
		if (!cJSON_IsBool(j)) {
			(void)snprintf(why, whysz,
			    "expected true or false, got %s", tname(j));
			return 1;
		}
		v->type = WHOOP_V_INT;
		v->i = cJSON_IsTrue(j) ? 1 : 0;
		return 0;
	default:
		break;
	}

	/* The rest are strings. */
	if (!cJSON_IsString(j) || j->valuestring == NULL) {
		(void)snprintf(why, whysz, "expected a string, got %s",
		    tname(j));
		return 1;
	}
	s = j->valuestring;
	whoop_escape(esc, sizeof(esc), s, strlen(s));
	switch (f->type) {
	case WHOOP_F_TEXT:
		break;
	case WHOOP_F_TIME:
		if (whoop_time_parse(NULL, s, &ms) == -1 ||
		    whoop_time_format(ms, tbuf, sizeof(tbuf)) == -1) {
			(void)snprintf(why, whysz, "invalid date-time \"%s\"",
			    esc);
			return 1;
		}
		s = tbuf;
		break;
	case WHOOP_F_TZ:
		if (whoop_tzoffset_parse(NULL, s, &tz) == -1) {
			(void)snprintf(why, whysz,
			    "invalid time zone offset \"%s\"", esc);
			*odd = 1;
		}
		break;
	case WHOOP_F_UUID:
		if (!is_uuid(s)) {
			(void)snprintf(why, whysz, "invalid UUID \"%s\"", esc);
			return 1;
		}
		if (set_text(v, s) == -1)
			return -1;
		for (i = 0; v->s[i] != '\0'; i++)
			if (v->s[i] >= 'A' && v->s[i] <= 'F')
				v->s[i] = (char)(v->s[i] - 'A' + 'a');
		return 0;
	case WHOOP_F_STATE:
		if (strcmp(s, "SCORED") != 0 &&
		    strcmp(s, "PENDING_SCORE") != 0 &&
		    strcmp(s, "UNSCORABLE") != 0) {
			(void)snprintf(why, whysz, "unknown score state "
			    "\"%s\"", esc);
			*odd = 1;
		}
		break;
	default:
		(void)snprintf(why, whysz, "unknown field type");
		return 1;
	}
	return set_text(v, s) == -1 ? -1 : 0;
}

/*
 * Keep a record that cannot be stored: its text, its key (may be ""),
 * the reason.  Returns -1 only when memory ran out.
 */
static int
reject(struct whoop_page *page, const char *raw, size_t rawlen,
    const char *key, const char *fmt, ...) WHOOP_PRINTF(5, 6);

static int
reject(struct whoop_page *page, const char *raw, size_t rawlen,
    const char *key, const char *fmt, ...)
{
	struct whoop_reject	*rj;
	va_list			 ap;

	rj = &page->rejects[page->nrejected];
	memset(rj, 0, sizeof(*rj));
	if ((rj->raw = malloc(rawlen + 1)) == NULL)
		return -1;
	memcpy(rj->raw, raw, rawlen);
	rj->raw[rawlen] = '\0';
	rj->rawlen = rawlen;
	(void)snprintf(rj->key, sizeof(rj->key), "%s", key);
	va_start(ap, fmt);
	(void)vsnprintf(rj->reason, sizeof(rj->reason), fmt, ap);
	va_end(ap);
	if (page->nrejected++ == 0)
		(void)snprintf(page->reject_msg, sizeof(page->reject_msg),
		    "%s", rj->reason);
	return 0;
}

/* Append "where: why" to the record's odd text. */
static int
note_odd(struct whoop_record *rec, const char *where, const char *why)
{
	size_t	 old = rec->odd ? strlen(rec->odd) : 0, n;
	char	*p;

	rec->nodd++;
	/* A bound on what one record can cost; the count stays exact. */
	if (old > 1024)
		return 0;
	n = old + strlen(where) + strlen(why) + 5;
	if ((p = realloc(rec->odd, n)) == NULL)
		return -1;
	(void)snprintf(p + old, n - old, "%s%s: %s", old ? "; " : "", where,
	    why);
	rec->odd = p;
	return 0;
}

/*
 * Map one record and append it to the page's records or its rejects.
 * Returns -1 only when memory ran out.
 */
static int
map_record(const struct whoop_colspec *cs, const cJSON *obj,
    const char *raw, size_t rawlen, size_t idx, struct whoop_page *page)
{
	struct whoop_record	 rec;
	const struct whoop_value *kv;
	struct whoop_reject	*rj;
	char			 who[80], key[64] = "", where[128], why[160];
	size_t			 i, n, ord[64], nord;
	int			 rc = 0, odd, must;

	memset(&rec, 0, sizeof(rec));
	rec.coll = cs->coll;
	if (cs->paginated)
		(void)snprintf(who, sizeof(who), "%s record %zu", cs->name,
		    idx + 1);
	else
		(void)snprintf(who, sizeof(who), "%s", cs->name);
	if (!cJSON_IsObject(obj)) {
		if (reject(page, raw, rawlen, "", "%s: expected an object, "
		    "got %s", who, tname(obj)) == -1)
			return -1;
		page->rejects[page->nrejected - 1].pos = idx;
		return 0;
	}
	if ((rec.v = calloc(cs->nfields, sizeof(*rec.v))) == NULL)
		return -1;

	/*
	 * The key first, so that every message can name the record, then
	 * the start, so that a record refused for another field still says
	 * where it belongs.
	 */
	nord = 0;
	if (cs->key >= 0)
		ord[nord++] = (size_t)cs->key;
	if (cs->start >= 0)
		ord[nord++] = (size_t)cs->start;
	for (i = 0; i < cs->nfields && nord < sizeof(ord) / sizeof(ord[0]);
	    i++)
		if ((int)i != cs->key && (int)i != cs->start)
			ord[nord++] = i;
	for (n = 0; rc != -1 && n < nord; n++) {
		i = ord[n];
		rc = map_field(&cs->fields[i], obj, &rec.v[i], where,
		    sizeof(where), why, sizeof(why), &odd);
		if (rc == -1)
			break;
		must = (int)i == cs->key || (int)i == cs->start ||
		    cs->fields[i].notnull;
		if (rc == 1 && must)
			break;
		if (rc == 1 || odd)
			rc = note_odd(&rec, where, why);
		if ((int)i != cs->key)
			continue;
		kv = &rec.v[cs->key];
		if (kv->type == WHOOP_V_INT)
			(void)snprintf(key, sizeof(key), "%lld",
			    (long long)kv->i);
		else if (kv->type == WHOOP_V_TEXT)
			(void)snprintf(key, sizeof(key), "%s", kv->s);
		if (key[0] != '\0')
			(void)snprintf(who, sizeof(who), "%s %s", cs->name,
			    key);
	}
	if (rc == 0) {
		if ((rec.raw = malloc(rawlen + 1)) == NULL)
			rc = -1;
		else {
			memcpy(rec.raw, raw, rawlen);
			rec.raw[rawlen] = '\0';
			rec.rawlen = rawlen;
			rec.pos = idx;
			page->nodd += rec.nodd > 0;
			page->recs[page->nrecs++] = rec;
			return 0;
		}
	}
	if (rc == 1) {
		if (reject(page, raw, rawlen, key, "%s: %s: %s", who, where,
		    why) == -1)
			rc = -1;
		else {
			rj = &page->rejects[page->nrejected - 1];
			rj->pos = idx;
			/* Its start, when that was read before the failure. */
			if (cs->start >= 0 &&
			    rec.v[cs->start].type == WHOOP_V_TEXT)
				(void)snprintf(rj->start, sizeof(rj->start),
				    "%s", rec.v[cs->start].s);
			rc = 0;
		}
	}
	whoop_record_free(&rec);
	return rc;
}

int
whoop_page_parse(struct whoop *w, enum whoop_coll coll, const char *body,
    size_t len, struct whoop_page *page)
{
	const struct whoop_colspec	*cs = whoop_colspec(coll);
	struct scan			 s;
	cJSON				*root = NULL;
	const cJSON			*recs, *item, *nt;
	size_t				 i, n;
	int				 rc = -1;

	memset(page, 0, sizeof(*page));
	memset(&s, 0, sizeof(s));
	if (cs == NULL)
		return whoop_seterr(w, WHOOP_E_FAIL, "no such collection");
	if (body == NULL || len == 0)
		return whoop_seterr(w, WHOOP_E_PROTO,
		    "malformed %s page: empty body", cs->name);
	if (len > MAX_BODY)
		return whoop_seterr(w, WHOOP_E_PROTO,
		    "malformed %s page: body of %zu bytes exceeds %zu",
		    cs->name, len, MAX_BODY);

	s.b = body;
	s.len = len;
	s.want = cs->paginated;
	if (scan_body(&s) == -1) {
		if (strcmp(s.err, "out of memory") == 0)
			whoop_seterr(w, WHOOP_E_NOMEM, "out of memory");
		else
			whoop_seterr(w, WHOOP_E_PROTO, "malformed %s page: "
			    "not JSON: %s at byte %zu", cs->name, s.err,
			    s.pos);
		goto out;
	}
	if ((root = cJSON_ParseWithLength(body, len)) == NULL) {
		whoop_seterr(w, WHOOP_E_PROTO,
		    "malformed %s page: not JSON", cs->name);
		goto out;
	}
	if (!cJSON_IsObject(root)) {
		whoop_seterr(w, WHOOP_E_PROTO, "malformed %s page: expected "
		    "an object, got %s", cs->name, tname(root));
		goto out;
	}

	if (!cs->paginated) {
		if ((page->recs = calloc(1, sizeof(*page->recs))) == NULL ||
		    (page->rejects = calloc(1, sizeof(*page->rejects))) ==
		    NULL)
			goto nomem;
		if (map_record(cs, root, body + s.vstart, s.vend - s.vstart,
		    0, page) == -1)
			goto nomem;
		rc = 0;
		goto out;
	}

	recs = cJSON_GetObjectItemCaseSensitive(root, "records");
	if (!cJSON_IsArray(recs)) {
		whoop_seterr(w, WHOOP_E_PROTO, "malformed %s page: records "
		    "is %s, not an array", cs->name,
		    recs == NULL ? "missing" : tname(recs));
		goto out;
	}
	n = (size_t)cJSON_GetArraySize(recs);
	if (n != s.nspans) {
		whoop_seterr(w, WHOOP_E_PROTO, "malformed %s page: %zu "
		    "records, but %zu could be delimited", cs->name, n,
		    s.nspans);
		goto out;
	}

	nt = cJSON_GetObjectItemCaseSensitive(root, "next_token");
	if (nt != NULL && !cJSON_IsNull(nt)) {
		if (!cJSON_IsString(nt) || nt->valuestring == NULL) {
			whoop_seterr(w, WHOOP_E_PROTO, "malformed %s page: "
			    "next_token is %s, not a string", cs->name,
			    tname(nt));
			goto out;
		}
		if (strlen(nt->valuestring) > MAX_TOKEN) {
			whoop_seterr(w, WHOOP_E_PROTO, "malformed %s page: "
			    "next_token longer than %d bytes", cs->name,
			    MAX_TOKEN);
			goto out;
		}
		/* An empty token is no token: there is no next page. */
		if (nt->valuestring[0] != '\0' &&
		    (page->next_token = strdup(nt->valuestring)) == NULL)
			goto nomem;
	}

	if (n > 0 && ((page->recs = calloc(n, sizeof(*page->recs))) == NULL ||
	    (page->rejects = calloc(n, sizeof(*page->rejects))) == NULL))
		goto nomem;
	i = 0;
	/*
	 * n == s.nspans items, checked above: clang's analyzer does not know
	 * that cJSON_GetArraySize counts what cJSON_ArrayForEach walks.
	 */
	cJSON_ArrayForEach(item, recs) {
		/* NOLINTNEXTLINE(clang-analyzer-core.NullDereference) */
		if (map_record(cs, item, body + s.spans[i].off,
		    s.spans[i].len, i, page) == -1)
			goto nomem;
		i++;
	}
	rc = 0;
	goto out;
nomem:
	whoop_seterr(w, WHOOP_E_NOMEM, "out of memory");
out:
	if (rc == -1)
		whoop_page_free(page);
	cJSON_Delete(root);
	free(s.spans);
	return rc;
}

/* Frees what a record holds, not the record itself. */
void
whoop_record_free(struct whoop_record *r)
{
	const struct whoop_colspec	*cs;
	size_t				 i;

	if (r == NULL)
		return;
	if (r->v != NULL && (cs = whoop_colspec(r->coll)) != NULL)
		for (i = 0; i < cs->nfields; i++)
			free(r->v[i].s);
	free(r->v);
	free(r->raw);
	free(r->odd);
	memset(r, 0, sizeof(*r));
}

void
whoop_page_free(struct whoop_page *page)
{
	size_t	 i;

	if (page == NULL)
		return;
	for (i = 0; i < page->nrecs; i++)
		whoop_record_free(&page->recs[i]);
	free(page->recs);
	for (i = 0; i < page->nrejected && page->rejects != NULL; i++)
		free(page->rejects[i].raw);
	free(page->rejects);
	free(page->next_token);
	memset(page, 0, sizeof(*page));
}
