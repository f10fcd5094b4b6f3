/*
 * Fuzz target: the CSV reader of whoop-import (lib/csv.c), and the
 * mapping of the export's files (lib/appmap.c) when the input's header
 * is one of them.  The first byte picks the size of the reads (1 to 8
 * bytes, or all at once), the rest is the file.
 *
 * Invariants: the records do not depend on how the input is split into
 * reads; every field is as long as its string (no NUL in it); an error
 * names the file and a line and is printable; the records, written back
 * out with every field quoted, read back the same; and a row the
 * mapping takes gives raw JSON with one key for each header field.
 */
#include "extern.h"
#include "fuzz.h"

#define NAME	"fuzz.csv"

struct mem {
	const uint8_t	*p;
	size_t		 len, pos, chunk;
};

static long
mem_read(void *arg, void *buf, size_t len)
{
	struct mem	*m = arg;
	size_t		 n = m->len - m->pos;

	if (n > len)
		n = len;
	if (m->chunk > 0 && n > m->chunk)
		n = m->chunk;
	if (n == 0)
		return 0;	/* m->p may be NULL: nothing to copy */
	memcpy(buf, m->p + m->pos, n);
	m->pos += n;
	return (long)n;
}

/* All records, flattened: per record its field count, then each field. */
struct out {
	char	*b;
	size_t	 n, cap;
	int	 rc;
	char	 err[512];
};

static void
put(struct out *o, const void *s, size_t len)
{
	if (o->n + len > o->cap) {
		while (o->n + len > o->cap)
			o->cap = o->cap ? o->cap * 2 : 4096;
		if ((o->b = realloc(o->b, o->cap)) == NULL)
			abort();
	}
	memcpy(o->b + o->n, s, len);
	o->n += len;
}

static void
check_msg(const char *msg)
{
	const char	*p;

	FUZZ_CHECK(strncmp(msg, NAME ":", strlen(NAME) + 1) == 0);
	FUZZ_CHECK(msg[strlen(NAME) + 1] >= '1' &&
	    msg[strlen(NAME) + 1] <= '9');
	for (p = msg; *p != '\0'; p++)
		FUZZ_CHECK((unsigned char)*p >= 0x20 && *p != 0x7f);
}

/* JSON object keys at depth 1 of s: a count good enough for raw. */
static size_t
json_keys(const char *s, size_t len)
{
	size_t	 i, keys = 0;
	int	 instr = 0, iskey = 1;

	FUZZ_CHECK(len >= 2 && s[0] == '{' && s[len - 1] == '}');
	for (i = 1; i + 1 < len; i++) {
		if (instr) {
			if (s[i] == '\\')
				i++;
			else if (s[i] == '"')
				instr = 0;
			else
				FUZZ_CHECK((unsigned char)s[i] >= 0x20);
			continue;
		}
		if (s[i] == '"') {
			instr = 1;
			keys += iskey;
			iskey = 0;
		} else if (s[i] == ',')
			iskey = 1;
	}
	FUZZ_CHECK(!instr);
	return keys;
}

static void
parse(const uint8_t *data, size_t size, size_t chunk, struct out *o,
    int map)
{
	struct whoop		*w;
	struct whoop_csv	*c;
	struct whoop_appmap	 m;
	struct mem		 mem = { data, size, 0, chunk };
	enum whoop_coll		 coll = WHOOP_C_COUNT;
	const char		*f;
	size_t			 i, nf, len;
	int			 rc, first = 1, mapped = 0;

	memset(&m, 0, sizeof(m));
	if ((w = whoop_new()) == NULL ||
	    (c = whoop_csv_new(w, NAME, mem_read, &mem)) == NULL)
		abort();
	while ((rc = whoop_csv_next(c)) == 1) {
		nf = whoop_csv_nfields(c);
		FUZZ_CHECK(nf >= 1);
		FUZZ_CHECK(whoop_csv_line(c) >= 1);
		put(o, &nf, sizeof(nf));
		for (i = 0; i < nf; i++) {
			f = whoop_csv_field(c, i, &len);
			FUZZ_CHECK(f != NULL && strlen(f) == len);
			put(o, &len, sizeof(len));
			put(o, f, len);
		}
		FUZZ_CHECK(whoop_csv_field(c, nf, NULL) == NULL);
		if (map && first) {
			coll = whoop_app_classify(c);
			if (coll != WHOOP_C_COUNT)
				mapped = whoop_appmap_init(w, &m, coll, c) == 0;
		} else if (mapped && whoop_appmap_row(w, &m, c) == 0)
			FUZZ_CHECK(json_keys(m.raw, m.rawlen) == m.ncsv);
		first = 0;
	}
	o->rc = rc;
	if (rc == -1) {
		(void)snprintf(o->err, sizeof(o->err), "%s", whoop_errmsg(w));
		check_msg(o->err);
		/* Once failed, it stays failed. */
		FUZZ_CHECK(whoop_csv_next(c) == -1);
	}
	whoop_appmap_free(&m);
	whoop_csv_free(c);
	whoop_free(w);
}

/* The records of o as CSV with every field quoted, CRLF line ends. */
static uint8_t *
serialize(const struct out *o, size_t *len)
{
	struct out	 s;
	size_t		 off = 0, nf, flen, i, k;

	memset(&s, 0, sizeof(s));
	while (off < o->n) {
		memcpy(&nf, o->b + off, sizeof(nf));
		off += sizeof(nf);
		for (i = 0; i < nf; i++) {
			memcpy(&flen, o->b + off, sizeof(flen));
			off += sizeof(flen);
			if (i > 0)
				put(&s, ",", 1);
			put(&s, "\"", 1);
			for (k = 0; k < flen; k++) {
				if (o->b[off + k] == '"')
					put(&s, "\"", 1);
				put(&s, o->b + off + k, 1);
			}
			put(&s, "\"", 1);
			off += flen;
		}
		put(&s, "\r\n", 2);
	}
	*len = s.n;
	return (uint8_t *)s.b;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct out	 a, b, r;
	uint8_t		*again;
	size_t		 chunk, alen;

	if (size < 1 || size > 1024 * 1024)
		return 0;
	chunk = data[0] % 9;	/* 0: as much as asked for */
	data++;
	size--;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	memset(&r, 0, sizeof(r));
	parse(data, size, 0, &a, 1);
	parse(data, size, chunk == 0 ? 1 : chunk, &b, 0);
	FUZZ_CHECK(a.rc == b.rc && a.n == b.n &&
	    (a.n == 0 || memcmp(a.b, b.b, a.n) == 0));
	FUZZ_CHECK(strcmp(a.err, b.err) == 0);
	if (a.rc == 0) {
		again = serialize(&a, &alen);
		parse(again, alen, 0, &r, 0);
		FUZZ_CHECK(r.rc == 0 && r.n == a.n &&
		    (a.n == 0 || memcmp(r.b, a.b, a.n) == 0));
		free(again);
	}
	free(a.b);
	free(b.b);
	free(r.b);
	return 0;
}
