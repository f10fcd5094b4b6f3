/*
 * Fuzz target: WHOOP's JSON pages mapped to records.  The first byte
 * picks the collection (profile, body, cycle, recovery, sleep, workout,
 * by its value modulo six), the rest is the body.
 *
 * Invariants: a page that fails is empty; one that parses accounts for
 * every element of its records, once, as a record or as a reject (none
 * is dropped), in page order; a record's raw bytes are an object copied
 * from the body, a reject's text is copied from the body; values have
 * the types of their colspec (times canonical, UUIDs lower case), NOT
 * NULL columns and the key are never NULL, and a value outside its
 * range, an unknown state or offset, or a required value left NULL is
 * noted in the record's odd text; messages are escaped printable text,
 * and the same input gives the same page twice.
 */
#include <math.h>

#include "whoop.h"
#include "fuzz.h"

static int
printable(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return 0;
	return 1;
}

/* memmem(3) is a GNU extension: the build asks for no more than POSIX. */
static int
contains(const char *hay, size_t hlen, const char *needle, size_t nlen)
{
	size_t	 i;

	for (i = 0; nlen <= hlen && i <= hlen - nlen; i++)
		if (memcmp(hay + i, needle, nlen) == 0)
			return 1;
	return 0;
}

/* The record's odd text names this field. */
static int
noted(const char *odd, const struct whoop_field *f)
{
	return odd != NULL && strstr(odd, f->path) != NULL;
}

static void
check_value(const struct whoop_field *f, const struct whoop_value *v,
    const char *odd)
{
	char	 buf[WHOOP_TIMESTR_LEN];
	int64_t	 ms;
	int	 tz;
	size_t	 i;

	if (v->type == WHOOP_V_NULL) {
		FUZZ_CHECK(!f->notnull);
		FUZZ_CHECK(!f->required || noted(odd, f));
		FUZZ_CHECK(v->s == NULL);
		return;
	}
	switch (f->type) {
	case WHOOP_F_INT:
		FUZZ_CHECK(v->type == WHOOP_V_INT);
		FUZZ_CHECK(v->i > -(INT64_C(1) << 53) &&
		    v->i < (INT64_C(1) << 53));
		if (f->min <= f->max && ((double)v->i < f->min ||
		    (double)v->i > f->max))
			FUZZ_CHECK(noted(odd, f));
		break;
	case WHOOP_F_BOOL:
		FUZZ_CHECK(v->type == WHOOP_V_INT);
		FUZZ_CHECK(v->i == 0 || v->i == 1);
		break;
	case WHOOP_F_REAL:
		FUZZ_CHECK(v->type == WHOOP_V_REAL);
		FUZZ_CHECK(isfinite(v->d));
		if (f->min <= f->max && (v->d < f->min || v->d > f->max))
			FUZZ_CHECK(noted(odd, f));
		break;
	case WHOOP_F_TEXT:
		FUZZ_CHECK(v->type == WHOOP_V_TEXT && v->s != NULL);
		break;
	case WHOOP_F_TIME:
		FUZZ_CHECK(v->type == WHOOP_V_TEXT && v->s != NULL);
		FUZZ_CHECK(whoop_time_parse(NULL, v->s, &ms) == 0);
		FUZZ_CHECK(whoop_time_format(ms, buf, sizeof(buf)) == 0);
		FUZZ_CHECK(strcmp(buf, v->s) == 0);
		break;
	case WHOOP_F_TZ:
		FUZZ_CHECK(v->type == WHOOP_V_TEXT && v->s != NULL);
		FUZZ_CHECK(whoop_tzoffset_parse(NULL, v->s, &tz) == 0 ||
		    noted(odd, f));
		break;
	case WHOOP_F_UUID:
		FUZZ_CHECK(v->type == WHOOP_V_TEXT && v->s != NULL);
		FUZZ_CHECK(strlen(v->s) == 36);
		for (i = 0; i < 36; i++)
			if (i == 8 || i == 13 || i == 18 || i == 23)
				FUZZ_CHECK(v->s[i] == '-');
			else
				FUZZ_CHECK((v->s[i] >= '0' &&
				    v->s[i] <= '9') ||
				    (v->s[i] >= 'a' && v->s[i] <= 'f'));
		break;
	case WHOOP_F_STATE:
		FUZZ_CHECK(v->type == WHOOP_V_TEXT && v->s != NULL);
		FUZZ_CHECK(strcmp(v->s, "SCORED") == 0 ||
		    strcmp(v->s, "PENDING_SCORE") == 0 ||
		    strcmp(v->s, "UNSCORABLE") == 0 || noted(odd, f));
		break;
	default:
		FUZZ_CHECK(0);
	}
}

static void
check_page(const struct whoop_colspec *cs, const char *body, size_t len,
    const struct whoop_page *p)
{
	const struct whoop_record	*r;
	size_t				 i, j, k;

	FUZZ_CHECK(p->nrecs == 0 || p->recs != NULL);
	FUZZ_CHECK(memchr(p->reject_msg, '\0', sizeof(p->reject_msg)));
	FUZZ_CHECK(printable(p->reject_msg));
	FUZZ_CHECK((p->nrejected == 0) == (p->reject_msg[0] == '\0'));
	if (!cs->paginated)
		FUZZ_CHECK(p->nrecs + p->nrejected == 1 &&
		    p->next_token == NULL);
	if (p->next_token != NULL)
		FUZZ_CHECK(p->next_token[0] != '\0' &&
		    strlen(p->next_token) <= 4096);
	for (i = 0; i < p->nrecs; i++) {
		r = &p->recs[i];
		FUZZ_CHECK(r->coll == cs->coll && r->v != NULL);
		FUZZ_CHECK(r->raw != NULL && r->rawlen >= 2 &&
		    r->raw[r->rawlen] == '\0');
		FUZZ_CHECK(r->raw[0] == '{' && r->raw[r->rawlen - 1] == '}');
		FUZZ_CHECK(r->rawlen <= len &&
		    contains(body, len, r->raw, r->rawlen));
		for (j = 0; j < cs->nfields; j++)
			check_value(&cs->fields[j], &r->v[j], r->odd);
		if (cs->key >= 0)
			FUZZ_CHECK(r->v[cs->key].type != WHOOP_V_NULL);
		if (cs->start >= 0)
			FUZZ_CHECK(r->v[cs->start].type != WHOOP_V_NULL);
		FUZZ_CHECK((r->odd != NULL) == (r->nodd > 0));
		if (r->odd != NULL)
			FUZZ_CHECK(printable(r->odd));
	}
	FUZZ_CHECK(p->nrejected == 0 || p->rejects != NULL);
	for (i = 0; i < p->nrejected; i++) {
		FUZZ_CHECK(p->rejects[i].raw != NULL &&
		    p->rejects[i].raw[p->rejects[i].rawlen] == '\0');
		FUZZ_CHECK(contains(body, len, p->rejects[i].raw,
		    p->rejects[i].rawlen));
		FUZZ_CHECK(printable(p->rejects[i].reason) &&
		    p->rejects[i].reason[0] != '\0');
		FUZZ_CHECK(printable(p->rejects[i].key));
	}
	/* Every element once, in order: positions 0..n-1 between them. */
	for (i = j = 0, k = 0; i < p->nrecs || j < p->nrejected; k++) {
		if (i < p->nrecs && p->recs[i].pos == k)
			i++;
		else {
			FUZZ_CHECK(j < p->nrejected && p->rejects[j].pos == k);
			j++;
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct whoop_colspec	*cs;
	struct whoop			*w;
	struct whoop_page		 a, b;
	const char			*body;
	size_t				 len;
	int				 ra, rb;

	if (size < 1)
		return 0;
	cs = whoop_colspec((enum whoop_coll)(data[0] % WHOOP_C_COUNT));
	FUZZ_CHECK(cs != NULL);
	body = (const char *)data + 1;
	len = size - 1;
	if ((w = whoop_new()) == NULL)
		abort();

	ra = whoop_page_parse(w, cs->coll, body, len, &a);
	if (ra == -1) {
		FUZZ_CHECK(a.recs == NULL && a.nrecs == 0 &&
		    a.next_token == NULL && a.nrejected == 0);
		FUZZ_CHECK(whoop_errcode(w) == WHOOP_E_PROTO ||
		    whoop_errcode(w) == WHOOP_E_NOMEM);
	} else {
		FUZZ_CHECK(ra == 0);
		check_page(cs, body, len, &a);
	}

	rb = whoop_page_parse(NULL, cs->coll, body, len, &b);
	FUZZ_CHECK(ra == rb && a.nrecs == b.nrecs &&
	    a.nrejected == b.nrejected);
	FUZZ_CHECK(strcmp(a.reject_msg, b.reject_msg) == 0);
	FUZZ_CHECK((a.next_token == NULL) == (b.next_token == NULL));

	whoop_page_free(&a);
	whoop_page_free(&b);
	FUZZ_CHECK(a.recs == NULL && a.nrecs == 0);
	whoop_free(w);
	return 0;
}
