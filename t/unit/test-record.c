/*
 * Unit tests: the colspec tables and the WHOOP JSON mapper.  The pages
 * in t/unit/data/records/ follow the shape of real WHOOP v2 responses
 * (current cycle with "end": null, explicit nulls, floats where the
 * spec says integers, fractional percent_recorded, sport_id -1, SCORED
 * with "score": null).  Bodies are handed over in buffers of their exact
 * size, with no NUL after them, so that ASan sees any read past the end.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "extern.h"
#include "tap.h"

static struct whoop	*w;

/* A file of the fixture directory, in a buffer of its exact size. */
static char *
load(const char *name, size_t *len)
{
	const char	*top = getenv("WHOOP_TOP");
	char		 p[1024];
	struct stat	 st;
	char		*buf;
	int		 fd;

	snprintf(p, sizeof(p), "%s/t/unit/data/records/%s",
	    top != NULL && *top != '\0' ? top : ".", name);
	if ((fd = open(p, O_RDONLY)) == -1 || fstat(fd, &st) == -1) {
		diag("cannot open %s", p);
		exit(1);
	}
	*len = (size_t)st.st_size;
	if ((buf = malloc(*len ? *len : 1)) == NULL ||
	    read(fd, buf, *len) != (ssize_t)*len) {
		diag("cannot read %s", p);
		exit(1);
	}
	close(fd);
	return buf;
}

/* Parse a C string from an exact-size copy. */
static int
parse_str(enum whoop_coll coll, const char *s, struct whoop_page *page)
{
	size_t	 len = strlen(s);
	char	*buf = malloc(len ? len : 1);
	int	 rc;

	memcpy(buf, s, len);
	whoop_clearerr(w);
	rc = whoop_page_parse(w, coll, buf, len, page);
	free(buf);
	return rc;
}

static int
col(enum whoop_coll coll, const char *name)
{
	const struct whoop_colspec	*cs = whoop_colspec(coll);
	size_t				 i;

	for (i = 0; i < cs->nfields; i++)
		if (strcmp(cs->fields[i].column, name) == 0)
			return (int)i;
	diag("no column %s", name);
	exit(1);
}

static const struct whoop_value *
val(const struct whoop_record *r, const char *name)
{
	return &r->v[col(r->coll, name)];
}

static int
is_int(const struct whoop_record *r, const char *name, int64_t want)
{
	const struct whoop_value *v = val(r, name);
	int	 c = v->type == WHOOP_V_INT && v->i == want;

	ok(c, "%s = %" PRId64, name, want);
	if (!c)
		diag("type %d, got %" PRId64, (int)v->type, v->i);
	return c;
}

static int
is_real(const struct whoop_record *r, const char *name, double want)
{
	const struct whoop_value *v = val(r, name);
	int	 c = v->type == WHOOP_V_REAL && v->d == want;

	ok(c, "%s = %.17g", name, want);
	if (!c)
		diag("type %d, got %.17g", (int)v->type, v->d);
	return c;
}

static int
is_text(const struct whoop_record *r, const char *name, const char *want)
{
	const struct whoop_value *v = val(r, name);
	char	 what[128];

	snprintf(what, sizeof(what), "%s = \"%s\"", name, want);
	if (v->type != WHOOP_V_TEXT) {
		ok(0, "%s", what);
		diag("type %d", (int)v->type);
		return 0;
	}
	return is_str(v->s, want, what);
}

static int
is_null(const struct whoop_record *r, const char *name)
{
	return ok(val(r, name)->type == WHOOP_V_NULL, "%s is NULL", name);
}

/* The raw text of a record, as a C string, equals want. */
static int
raw_is(const struct whoop_record *r, const char *want, const char *what)
{
	int	 c = r->raw != NULL && r->rawlen == strlen(want) &&
		    memcmp(r->raw, want, r->rawlen) == 0;

	ok(c, "raw kept: %s", what);
	if (!c)
		diag("got [%.*s]", (int)r->rawlen, r->raw ? r->raw : "");
	return c;
}

static const char *
find(const char *hay, size_t hlen, const char *needle, size_t nlen)
{
	size_t	 i;

	for (i = 0; nlen > 0 && i + nlen <= hlen; i++)
		if (memcmp(hay + i, needle, nlen) == 0)
			return hay + i;
	return NULL;
}

/* The raw text is a byte range of body, from '{' to '}'. */
static int
raw_in(const struct whoop_record *r, const char *body, size_t len,
    const char *what)
{
	const char	*p;
	int		 c = 0;

	if (r->raw != NULL && r->rawlen > 1 &&
	    (p = find(body, len, r->raw, r->rawlen)) != NULL)
		c = r->raw[0] == '{' && r->raw[r->rawlen - 1] == '}' &&
		    r->raw[r->rawlen] == '\0';
	return ok(c, "raw is the record's bytes in the body: %s", what);
}

static void
test_colspec(void)
{
	static const struct {
		enum whoop_coll	 coll;
		const char	*name, *table, *path, *scope, *key, *start;
		int		 paginated;
	} want[] = {
		{ WHOOP_C_PROFILE, "profile", "profile",
		    "/developer/v2/user/profile/basic", "read:profile",
		    NULL, NULL, 0 },
		{ WHOOP_C_BODY, "body", "body_measurement",
		    "/developer/v2/user/measurement/body",
		    "read:body_measurement", NULL, NULL, 0 },
		{ WHOOP_C_CYCLE, "cycle", "cycle", "/developer/v2/cycle",
		    "read:cycles", "id", "start", 1 },
		{ WHOOP_C_RECOVERY, "recovery", "recovery",
		    "/developer/v2/recovery", "read:recovery", "cycle_id",
		    NULL, 1 },
		{ WHOOP_C_SLEEP, "sleep", "sleep",
		    "/developer/v2/activity/sleep", "read:sleep", "id",
		    "start", 1 },
		{ WHOOP_C_WORKOUT, "workout", "workout",
		    "/developer/v2/activity/workout", "read:workout", "id",
		    "start", 1 },
	};
	const struct whoop_colspec	*cs;
	const struct whoop_field	*f;
	size_t				 i, j;
	int				 bad;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		cs = whoop_colspec(want[i].coll);
		ok(cs != NULL && cs->coll == want[i].coll &&
		    whoop_colspec_byname(want[i].name) == cs,
		    "colspec %s by enum and by name", want[i].name);
		if (cs == NULL)
			continue;
		is_str(cs->table, want[i].table, "table");
		is_str(cs->api_path, want[i].path, "api_path");
		is_str(cs->scope, want[i].scope, "scope");
		ok(cs->paginated == want[i].paginated, "%s paginated %d",
		    want[i].name, want[i].paginated);
		if (want[i].key == NULL)
			ok(cs->key == -1, "%s keyed by account", want[i].name);
		else
			ok(cs->key >= 0 && strcmp(cs->fields[cs->key].column,
			    want[i].key) == 0 && cs->fields[cs->key].required,
			    "%s key %s", want[i].name, want[i].key);
		if (want[i].start == NULL)
			ok(cs->start == -1, "%s has no start", want[i].name);
		else
			ok(cs->start >= 0 &&
			    strcmp(cs->fields[cs->start].column, "start") == 0 &&
			    cs->fields[cs->start].type == WHOOP_F_TIME,
			    "%s start field", want[i].name);
		bad = 0;
		for (j = 0; j < cs->nfields; j++) {
			f = &cs->fields[j];
			if (strncmp(f->path, "score.", 6) == 0 && f->required)
				bad++;
			if (strcmp(f->column, "account_id") == 0 ||
			    strcmp(f->column, "synced_at") == 0 ||
			    strcmp(f->column, "raw") == 0)
				bad++;
		}
		ok(bad == 0, "%s: nothing under score required, no store "
		    "columns", want[i].name);
	}
	ok(whoop_colspec_byname("cycles") == NULL, "no colspec \"cycles\"");
	ok(whoop_colspec_byname(NULL) == NULL, "no colspec NULL");
	ok(whoop_colspec(WHOOP_C_COUNT) == NULL, "no colspec past the end");
	ok(whoop_colspec((enum whoop_coll)-1) == NULL, "no colspec -1");

	cs = whoop_colspec(WHOOP_C_SLEEP);
	f = &cs->fields[col(WHOOP_C_SLEEP, "total_in_bed_time_milli")];
	is_str(f->path, "score.stage_summary.total_in_bed_time_milli",
	    "sleep total_in_bed_time_milli path");
	f = &cs->fields[col(WHOOP_C_SLEEP, "baseline_milli")];
	is_str(f->path, "score.sleep_needed.baseline_milli",
	    "sleep baseline_milli path");
	cs = whoop_colspec(WHOOP_C_WORKOUT);
	f = &cs->fields[col(WHOOP_C_WORKOUT, "zone_two_milli")];
	is_str(f->path, "score.zone_durations.zone_two_milli",
	    "workout zone_two_milli path");
	cs = whoop_colspec(WHOOP_C_CYCLE);
	f = &cs->fields[col(WHOOP_C_CYCLE, "strain")];
	ok(strcmp(f->path, "score.strain") == 0 && f->min == 0 &&
	    f->max == 21, "cycle strain: score.strain, 0..21");
	f = &cs->fields[col(WHOOP_C_CYCLE, "end")];
	ok(!f->required, "cycle end is optional");
}

static void
test_cycle(void)
{
	struct whoop_page	 pg;
	struct whoop_record	*r;
	char			*body;
	size_t			 len;
	int			 rc;

	body = load("cycle_page.json", &len);
	rc = whoop_page_parse(w, WHOOP_C_CYCLE, body, len, &pg);
	ok(rc == 0 && pg.nrecs == 3 && pg.nrejected == 0,
	    "cycle page: 3 records (%s%s)", whoop_errmsg(w), pg.reject_msg);
	if (pg.nrecs != 3) {
		skip(26, "cycle page did not parse");
		whoop_page_free(&pg);
		free(body);
		return;
	}
	is_str(pg.next_token, "eyIkIjoib0A1IiwibyI6OX0=",
	    "next_token with '=' padding kept");

	r = &pg.recs[0];
	ok(r->coll == WHOOP_C_CYCLE, "record knows its collection");
	is_int(r, "id", 1439870211);
	is_int(r, "user_id", 23456789);
	is_text(r, "start", "2026-04-02T00:47:19.330Z");
	is_null(r, "end");
	is_text(r, "timezone_offset", "-05:00");
	is_text(r, "score_state", "SCORED");
	is_real(r, "strain", 6.318742);
	is_real(r, "kilojoule", 4821.5);
	is_int(r, "average_heart_rate", 71);
	raw_in(r, body, len, "current cycle");
	ok(strstr(r->raw, "\"average_heart_rate\": 71.0,") != NULL &&
	    strstr(r->raw, "\n      \"end\": null,\n") != NULL,
	    "raw keeps 71.0 and the white space inside the record");

	r = &pg.recs[1];
	raw_is(r, "{\"id\":1437102377,\"user_id\":23456789,\"created_at\":"
	    "\"2026-04-01T05:59:02.004Z\",\"updated_at\":"
	    "\"2026-04-02T06:12:44.318Z\",\"start\":"
	    "\"2026-03-31T23:02:55.010Z\",\"end\":\"2026-04-02T00:47:19.330Z\","
	    "\"timezone_offset\":\"-05:00\",\"score_state\":\"SCORED\","
	    "\"score\":{\"strain\":12.0,\"kilojoule\":9874.125,"
	    "\"average_heart_rate\":80,\"max_heart_rate\":181}}",
	    "compact record with 12.0");
	is_real(r, "strain", 12.0);
	is_text(r, "end", "2026-04-02T00:47:19.330Z");

	r = &pg.recs[2];
	is_int(r, "id", INT64_C(2147483651));
	ok(val(r, "id")->i > INT32_MAX, "id above INT32_MAX");
	is_text(r, "score_state", "PENDING_SCORE");
	is_text(r, "timezone_offset", "Z");
	is_null(r, "strain");
	is_null(r, "max_heart_rate");
	ok(strncmp(r->raw, "{\n      \"score_state\":   \"PENDING_SCORE\",",
	    40) == 0, "raw keeps key order and spacing");
	raw_in(r, body, len, "pending cycle");
	whoop_page_free(&pg);
	ok(pg.recs == NULL && pg.nrecs == 0 && pg.next_token == NULL,
	    "page_free empties the page");
	whoop_page_free(&pg);
	ok(1, "page_free twice is harmless");
	free(body);

	body = load("cycle_last.json", &len);
	rc = whoop_page_parse(w, WHOOP_C_CYCLE, body, len, &pg);
	ok(rc == 0 && pg.nrecs == 1 && pg.next_token == NULL,
	    "last page: no next_token");
	if (pg.nrecs == 1) {
		is_text(&pg.recs[0], "score_state", "UNSCORABLE");
		is_null(&pg.recs[0], "strain");
	} else
		skip(2, "last page");
	whoop_page_free(&pg);
	free(body);
}

static void
test_recovery(void)
{
	struct whoop_page	 pg;
	struct whoop_record	*r;
	char			*body;
	size_t			 len;
	int			 rc;

	body = load("recovery_page.json", &len);
	rc = whoop_page_parse(w, WHOOP_C_RECOVERY, body, len, &pg);
	ok(rc == 0 && pg.nrecs == 2 && pg.nrejected == 0,
	    "recovery page (%s%s)", whoop_errmsg(w), pg.reject_msg);
	if (pg.nrecs != 2) {
		skip(15, "recovery page");
		whoop_page_free(&pg);
		free(body);
		return;
	}
	is_str(pg.next_token, "eyIkIjoib0A1IiwibyI6MTk5fQ==",
	    "next_token with '==' padding kept");
	r = &pg.recs[0];
	is_int(r, "cycle_id", 1439870211);
	is_text(r, "sleep_id", "3f0a9c1e-77b2-4d0c-a1e5-0b9d4c7e2f18");
	ok(strstr(r->raw, "3F0A9C1E-77B2-4D0C-A1E5-0B9D4C7E2F18") != NULL,
	    "raw keeps the UUID as sent");
	ok(strstr(r->raw, "\"recovery_score\": 62.0,") != NULL &&
	    strstr(r->raw, "\"skin_temp_celsius\": 33.0\n") != NULL,
	    "raw keeps 62.0 and 33.0");
	is_real(r, "recovery_score", 62.0);
	is_real(r, "resting_heart_rate", 58.0);
	is_int(r, "user_calibrating", 1);
	is_null(r, "spo2_percentage");
	raw_in(r, body, len, "recovery");
	r = &pg.recs[1];
	is_text(r, "score_state", "PENDING_SCORE");
	is_null(r, "recovery_score");
	is_null(r, "user_calibrating");
	is_null(r, "hrv_rmssd_milli");
	raw_in(r, body, len, "pending recovery");
	whoop_page_free(&pg);
	free(body);
}

static void
test_sleep(void)
{
	struct whoop_page	 pg;
	struct whoop_record	*r;
	char			*body;
	size_t			 len;
	int			 rc;

	body = load("sleep_page.json", &len);
	rc = whoop_page_parse(w, WHOOP_C_SLEEP, body, len, &pg);
	ok(rc == 0 && pg.nrecs == 2 && pg.nrejected == 0 &&
	    pg.next_token == NULL, "sleep page, the last (%s%s)",
	    whoop_errmsg(w), pg.reject_msg);
	if (pg.nrecs != 2) {
		skip(15, "sleep page");
		whoop_page_free(&pg);
		free(body);
		return;
	}
	r = &pg.recs[0];
	is_text(r, "id", "0c4b8a72-5e19-4f3d-b6a0-e2d7c9f81a34");
	is_int(r, "nap", 1);
	is_int(r, "cycle_id", 1439870211);
	is_int(r, "total_in_bed_time_milli", 2136600);
	is_int(r, "total_awake_time_milli", 301000);
	is_int(r, "sleep_cycle_count", 0);
	is_int(r, "need_from_recent_nap_milli", 0);
	is_null(r, "sleep_consistency_percentage");
	is_real(r, "sleep_performance_percentage", 9.0);
	ok(strstr(r->raw, "\"v1_id\": null,") != NULL &&
	    strstr(r->raw, "301000.0") != NULL, "raw keeps v1_id and 301000.0");
	r = &pg.recs[1];
	is_int(r, "nap", 0);
	is_int(r, "need_from_recent_nap_milli", -2136600);
	is_int(r, "baseline_milli", 28012000);
	is_real(r, "respiratory_rate", 15.0);
	is_text(r, "end", "2026-04-02T08:05:31.120Z");
	whoop_page_free(&pg);
	free(body);
}

static void
test_workout(void)
{
	struct whoop_page	 pg;
	struct whoop_record	*r;
	char			*body;
	size_t			 len;
	int			 rc, i;

	body = load("workout_page.json", &len);
	rc = whoop_page_parse(w, WHOOP_C_WORKOUT, body, len, &pg);
	ok(rc == 0 && pg.nrecs == 3 && pg.nrejected == 0,
	    "workout page (%s%s)", whoop_errmsg(w), pg.reject_msg);
	if (pg.nrecs != 3) {
		skip(19, "workout page");
		whoop_page_free(&pg);
		free(body);
		return;
	}
	is_str(pg.next_token, "eyIkIjoib0AzIiwibyI6NTB9", "next_token");
	r = &pg.recs[0];
	is_text(r, "sport_name", "running");
	is_int(r, "sport_id", 0);
	is_real(r, "percent_recorded", 0.99986);
	is_real(r, "altitude_change_meter", -3.25);
	is_int(r, "zone_two_milli", 1500220);
	is_int(r, "zone_five_milli", 31000);
	r = &pg.recs[1];
	is_int(r, "sport_id", -1);
	is_real(r, "percent_recorded", 100);
	is_int(r, "average_heart_rate", 109);
	is_null(r, "distance_meter");
	is_null(r, "altitude_gain_meter");
	is_int(r, "zone_three_milli", 0);
	r = &pg.recs[2];
	is_text(r, "score_state", "SCORED");
	is_text(r, "sport_name", "meditation");
	is_int(r, "sport_id", 70);
	for (i = 10; i < (int)whoop_colspec(WHOOP_C_WORKOUT)->nfields; i++)
		if (r->v[i].type != WHOOP_V_NULL)
			break;
	ok(i == (int)whoop_colspec(WHOOP_C_WORKOUT)->nfields,
	    "SCORED with score null: every score column NULL");
	ok(strstr(r->raw, "\"score\": null,") != NULL, "raw keeps score null");
	whoop_page_free(&pg);
	free(body);
}

static void
test_single(void)
{
	struct whoop_page	 pg;
	struct whoop_record	*r;
	char			*body;
	size_t			 len;
	int			 rc;

	body = load("profile.json", &len);
	rc = whoop_page_parse(w, WHOOP_C_PROFILE, body, len, &pg);
	ok(rc == 0 && pg.nrecs == 1 && pg.next_token == NULL,
	    "profile: one record (%s%s)", whoop_errmsg(w), pg.reject_msg);
	if (pg.nrecs == 1) {
		r = &pg.recs[0];
		is_int(r, "user_id", 23456789);
		is_text(r, "email", "runner@example.org");
		is_text(r, "last_name", "O\xe2\x80\x99" "Brien");
		ok(r->rawlen == len - 5 && memcmp(r->raw, body + 3,
		    r->rawlen) == 0, "profile raw: the body less the white "
		    "space around it");
		ok(strstr(r->raw, "O\\u2019Brien") != NULL,
		    "raw keeps the \\u escape");
	} else
		skip(5, "profile");
	whoop_page_free(&pg);
	free(body);

	body = load("body.json", &len);
	rc = whoop_page_parse(w, WHOOP_C_BODY, body, len, &pg);
	ok(rc == 0 && pg.nrecs == 1, "body: one record (%s%s)",
	    whoop_errmsg(w), pg.reject_msg);
	if (pg.nrecs == 1) {
		r = &pg.recs[0];
		is_real(r, "height_meter", 1.8288);
		is_real(r, "weight_kilogram", 81.0);
		is_int(r, "max_heart_rate", 188);
		ok(r->rawlen == len - 1 && strstr(r->raw, "81.0") != NULL,
		    "body raw kept, trailing newline trimmed");
	} else
		skip(4, "body");
	whoop_page_free(&pg);
	free(body);

	rc = parse_str(WHOOP_C_PROFILE, "{\"user_id\":\"12\",\"email\":\"a\","
	    "\"first_name\":\"b\",\"last_name\":\"c\"}", &pg);
	ok(rc == 0 && pg.nrecs == 0 && pg.nrejected == 1 &&
	    strcmp(pg.reject_msg, "profile: user_id: expected a number, got "
	    "a string") == 0, "profile with a bad user_id rejected: %s",
	    pg.reject_msg);
	whoop_page_free(&pg);
	rc = parse_str(WHOOP_C_PROFILE, "{\"user_id\":12,\"email\":null,"
	    "\"first_name\":\"b\",\"last_name\":\"c\"}", &pg);
	ok(rc == 0 && pg.nrecs == 1 && pg.nrejected == 0 &&
	    pg.recs[0].odd != NULL &&
	    strcmp(pg.recs[0].odd, "email: required field is null") == 0,
	    "profile with a null email kept, noted: %s",
	    pg.nrecs ? pg.recs[0].odd : pg.reject_msg);
	if (pg.nrecs == 1)
		is_null(&pg.recs[0], "email");
	else
		skip(1, "profile");
	whoop_page_free(&pg);
	rc = parse_str(WHOOP_C_BODY, "[{\"height_meter\":1.8}]", &pg);
	ok(rc == -1 && whoop_errcode(w) == WHOOP_E_PROTO && pg.nrecs == 0,
	    "body as an array: malformed: %s", whoop_errmsg(w));
	rc = parse_str(WHOOP_C_BODY, "{\"height_meter\":1.8,"
	    "\"weight_kilogram\":-2,\"max_heart_rate\":190}", &pg);
	ok(rc == 0 && pg.nrecs == 1 && pg.recs[0].odd != NULL &&
	    strcmp(pg.recs[0].odd, "weight_kilogram: -2 outside the "
	    "plausible range 0..1000") == 0,
	    "negative weight kept as sent, noted: %s",
	    pg.nrecs ? pg.recs[0].odd : pg.reject_msg);
	if (pg.nrecs == 1)
		is_real(&pg.recs[0], "weight_kilogram", -2.0);
	else
		skip(1, "body");
	whoop_page_free(&pg);
}

static void
test_rejects_fixture(void)
{
	struct whoop_page	 pg;
	char			*body;
	size_t			 len;
	int			 rc;

	body = load("cycle_rejects.json", &len);
	rc = whoop_page_parse(w, WHOOP_C_CYCLE, body, len, &pg);
	ok(rc == 0 && pg.nrecs == 3 && pg.nrejected == 2 && pg.nodd == 1,
	    "page with 3 odd records: 3 kept, 2 rejected (%zu, %zu)",
	    pg.nrecs, pg.nrejected);
	is_str(pg.reject_msg, "cycle record 3: id: required field is missing",
	    "first rejection named");
	ok(pg.next_token == NULL, "empty next_token means none");
	if (pg.nrecs == 3 && pg.nrejected == 2) {
		is_int(&pg.recs[0], "id", 1400000001);
		is_null(&pg.recs[0], "strain");
		is_str(pg.recs[0].odd, "score.strain: expected a number, got "
		    "a string", "the unreadable strain is noted");
		is_int(&pg.recs[1], "id", 1400000002);
		is_int(&pg.recs[2], "id", 1400000003);
		raw_in(&pg.recs[2], body, len, "record after the rejects");
		is_str(pg.rejects[1].reason, "cycle record 4: expected an "
		    "object, got an array", "the array is rejected");
		ok(pg.rejects[1].rawlen == 9 &&
		    memcmp(pg.rejects[1].raw, "[1, 2, 3]", 9) == 0 &&
		    pg.rejects[1].key[0] == '\0', "its text is kept, no key");
		raw_in(&pg.recs[0], body, len, "the odd record's raw");
	} else
		skip(9, "rejects");
	whoop_page_free(&pg);
	free(body);
}

/*
 * A cycle with one field replaced: fields are given as JSON text,
 * "score" as a whole object.
 */
static void
cycle_json(char *buf, size_t sz, const char *id, const char *user,
    const char *start, const char *tz, const char *state, const char *score)
{
	snprintf(buf, sz, "{\"id\":%s,\"user_id\":%s,\"created_at\":"
	    "\"2026-03-20T06:00:00.000Z\",\"updated_at\":"
	    "\"2026-03-20T06:00:00.000Z\",\"start\":%s,\"end\":null,"
	    "\"timezone_offset\":%s,\"score_state\":%s,\"score\":%s}",
	    id, user, start, tz, state, score);
}

#define GOOD_SCORE "{\"strain\":3.5,\"kilojoule\":100,"		\
	"\"average_heart_rate\":60,\"max_heart_rate\":100}"
#define START	"\"2026-03-19T23:00:00.000Z\""

/* A page of a bad record and a good one: the good one survives. */
static void
rejects(enum whoop_coll coll, const char *bad, const char *good,
    const char *msg)
{
	struct whoop_page	 pg;
	char			 body[4096];
	int			 rc;

	snprintf(body, sizeof(body), "{\"records\":[%s,%s],"
	    "\"next_token\":\"abc\"}", bad, good);
	rc = parse_str(coll, body, &pg);
	ok(rc == 0 && pg.nrecs == 1 && pg.nrejected == 1 &&
	    strstr(pg.reject_msg, msg) != NULL && pg.next_token != NULL &&
	    pg.rejects != NULL && pg.rejects[0].rawlen == strlen(bad) &&
	    strcmp(pg.rejects[0].raw, bad) == 0 &&
	    strcmp(pg.rejects[0].reason, pg.reject_msg) == 0,
	    "rejected, text kept: %s", msg);
	if (rc != 0 || pg.nrecs != 1 || strstr(pg.reject_msg, msg) == NULL)
		diag("rc %d, %zu recs, %zu rejected: %s / %s", rc, pg.nrecs,
		    pg.nrejected, pg.reject_msg, whoop_errmsg(w));
	whoop_page_free(&pg);
}

/*
 * A page of a record with an odd value and a good one: both are kept,
 * the odd one as sent, with msg in its odd text and the field NULL
 * when unreadable.
 */
static void
kept(enum whoop_coll coll, const char *odd, const char *good,
    const char *msg)
{
	struct whoop_page	 pg;
	char			 body[4096];
	int			 rc;

	snprintf(body, sizeof(body), "{\"records\":[%s,%s],"
	    "\"next_token\":\"abc\"}", odd, good);
	rc = parse_str(coll, body, &pg);
	ok(rc == 0 && pg.nrecs == 2 && pg.nrejected == 0 && pg.nodd == 1 &&
	    pg.recs[0].odd != NULL && strstr(pg.recs[0].odd, msg) != NULL &&
	    pg.recs[1].odd == NULL && strcmp(pg.recs[0].raw, odd) == 0,
	    "kept as sent: %s", msg);
	if (rc != 0 || pg.nrecs != 2 || pg.recs[0].odd == NULL ||
	    strstr(pg.recs[0].odd, msg) == NULL)
		diag("rc %d, %zu recs, %zu rejected: %s / %s", rc, pg.nrecs,
		    pg.nrejected, pg.nrecs ? pg.recs[0].odd : "", pg.reject_msg);
	whoop_page_free(&pg);
}

static void
test_cycle_rejects(void)
{
	char	 good[1024], bad[1024];

	cycle_json(good, sizeof(good), "1400000099", "7", START, "\"Z\"",
	    "\"SCORED\"", GOOD_SCORE);

#define CY(id, user, start, tz, state, score)				\
	cycle_json(bad, sizeof(bad), id, user, start, tz, state, score)

	CY("\"1400000001\"", "7", START, "\"Z\"", "\"SCORED\"", GOOD_SCORE);
	rejects(WHOOP_C_CYCLE, bad, good,
	    "cycle record 1: id: expected a number, got a string");
	CY("null", "7", START, "\"Z\"", "\"SCORED\"", GOOD_SCORE);
	rejects(WHOOP_C_CYCLE, bad, good,
	    "cycle record 1: id: required field is null");
	CY("1400000001", "null", START, "\"Z\"", "\"SCORED\"", GOOD_SCORE);
	rejects(WHOOP_C_CYCLE, bad, good,
	    "cycle 1400000001: user_id: required field is null");
	CY("1400000001", "0", START, "\"Z\"", "\"SCORED\"", GOOD_SCORE);
	kept(WHOOP_C_CYCLE, bad, good,
	    "user_id: 0 outside the plausible range >= 1");
	CY("1e300", "7", START, "\"Z\"", "\"SCORED\"", GOOD_SCORE);
	rejects(WHOOP_C_CYCLE, bad, good,
	    "cycle record 1: id: integer 1e+300 is too large to be read "
	    "exactly");
	CY("-1e300", "7", START, "\"Z\"", "\"SCORED\"", GOOD_SCORE);
	rejects(WHOOP_C_CYCLE, bad, good, "id: integer -1e+300 is too large");
	CY("9223372036854775807", "7", START, "\"Z\"", "\"SCORED\"",
	    GOOD_SCORE);
	rejects(WHOOP_C_CYCLE, bad, good, "cycle record 1: id: integer "
	    "9.223372036854776e+18 is too large to be read exactly");
	CY("9007199254740993", "7", START, "\"Z\"", "\"SCORED\"", GOOD_SCORE);
	rejects(WHOOP_C_CYCLE, bad, good, "too large to be read exactly");
	CY("1e999", "7", START, "\"Z\"", "\"SCORED\"", GOOD_SCORE);
	rejects(WHOOP_C_CYCLE, bad, good, "id: not a finite number");
	CY("1400000001.5", "7", START, "\"Z\"", "\"SCORED\"", GOOD_SCORE);
	rejects(WHOOP_C_CYCLE, bad, good,
	    "id: expected an integer, got 1400000001.5");
	CY("1400000001", "7", "\"2026-02-30T00:00:00.000Z\"", "\"Z\"",
	    "\"SCORED\"", GOOD_SCORE);
	rejects(WHOOP_C_CYCLE, bad, good, "cycle 1400000001: start: invalid "
	    "date-time \"2026-02-30T00:00:00.000Z\"");
	CY("1400000001", "7", "1774000000000", "\"Z\"", "\"SCORED\"",
	    GOOD_SCORE);
	rejects(WHOOP_C_CYCLE, bad, good,
	    "start: expected a string, got a number");
	CY("1400000001", "7", START, "\"+25:00\"", "\"SCORED\"", GOOD_SCORE);
	kept(WHOOP_C_CYCLE, bad, good,
	    "timezone_offset: invalid time zone offset \"+25:00\"");
	CY("1400000001", "7", START, "\"Z\"", "\"SCORING\"", GOOD_SCORE);
	kept(WHOOP_C_CYCLE, bad, good,
	    "score_state: unknown score state \"SCORING\"");
	/* Server text is escaped before it reaches a terminal. */
	CY("1400000001", "7", START, "\"Z\"",
	    "\"\\u001b[31mRED\\r\\nX\"", GOOD_SCORE);
	kept(WHOOP_C_CYCLE, bad, good,
	    "unknown score state \"\\x1b[31mRED\\x0d\\x0aX\"");
	CY("1400000001", "7", START, "\"Z\"", "\"SCORED\"", "\"n/a\"");
	kept(WHOOP_C_CYCLE, bad, good,
	    "score: expected an object, got a string");
	CY("1400000001", "7", START, "\"Z\"", "\"SCORED\"", "[]");
	kept(WHOOP_C_CYCLE, bad, good,
	    "score: expected an object, got an array");
	CY("1400000001", "7", START, "\"Z\"", "\"SCORED\"",
	    "{\"strain\":21.5}");
	kept(WHOOP_C_CYCLE, bad, good,
	    "score.strain: 21.5 outside the plausible range 0..21");
	CY("1400000001", "7", START, "\"Z\"", "\"SCORED\"",
	    "{\"strain\":-0.5}");
	kept(WHOOP_C_CYCLE, bad, good, "score.strain: -0.5 outside the plausible range");
	CY("1400000001", "7", START, "\"Z\"", "\"SCORED\"",
	    "{\"average_heart_rate\":76.5}");
	kept(WHOOP_C_CYCLE, bad, good, "score.average_heart_rate: expected "
	    "an integer, got 76.5");
	CY("1400000001", "7", START, "\"Z\"", "\"SCORED\"",
	    "{\"max_heart_rate\":301}");
	kept(WHOOP_C_CYCLE, bad, good,
	    "score.max_heart_rate: 301 outside the plausible range 0..300");
	CY("1400000001", "7", START, "\"Z\"", "\"SCORED\"",
	    "{\"max_heart_rate\":true}");
	kept(WHOOP_C_CYCLE, bad, good,
	    "score.max_heart_rate: expected a number, got a boolean");
	CY("1400000001", "7", START, "\"Z\"", "\"SCORED\"",
	    "{\"kilojoule\":{}}");
	kept(WHOOP_C_CYCLE, bad, good,
	    "score.kilojoule: expected a number, got an object");
	rejects(WHOOP_C_CYCLE, "42", good,
	    "cycle record 1: expected an object, got a number");
	rejects(WHOOP_C_CYCLE, "null", good,
	    "cycle record 1: expected an object, got null");
	rejects(WHOOP_C_CYCLE, "\"x\"", good,
	    "cycle record 1: expected an object, got a string");
	rejects(WHOOP_C_CYCLE, "{}", good,
	    "cycle record 1: id: required field is missing");
#undef CY
}

static void
test_other_rejects(void)
{
	static const char sl[] = "{\"id\":%s,\"cycle_id\":5,\"user_id\":7,"
	    "\"created_at\":\"2026-03-20T06:00:00.000Z\",\"updated_at\":"
	    "\"2026-03-20T06:00:00.000Z\",\"start\":" START ",\"end\":"
	    "\"2026-03-20T06:00:00.000Z\",\"timezone_offset\":\"+05:30\","
	    "\"nap\":%s,\"score_state\":\"SCORED\",\"score\":%s}";
	static const char wo[] = "{\"id\":\"%s\",\"user_id\":7,"
	    "\"created_at\":\"2026-03-20T06:00:00.000Z\",\"updated_at\":"
	    "\"2026-03-20T06:00:00.000Z\",\"start\":" START ",\"end\":"
	    "\"2026-03-20T06:00:00.000Z\",\"timezone_offset\":\"-03:30\","
	    "\"sport_name\":%s,\"sport_id\":%s,\"score_state\":\"SCORED\","
	    "\"score\":%s}";
	struct whoop_page	 pg;
	char			 good[1024], bad[2048];
	int			 rc;

	snprintf(good, sizeof(good), sl,
	    "\"11111111-2222-3333-4444-555555555555\"", "false", "null");
	snprintf(bad, sizeof(bad), sl, "\"11111111-2222-3333-4444-55555555555\"",
	    "false", "null");
	rejects(WHOOP_C_SLEEP, bad, good,
	    "sleep record 1: id: invalid UUID \"11111111-2222-3333-4444-"
	    "55555555555\"");
	snprintf(bad, sizeof(bad), sl, "\"11111111+2222-3333-4444-555555555555\"",
	    "false", "null");
	rejects(WHOOP_C_SLEEP, bad, good, "id: invalid UUID");
	snprintf(bad, sizeof(bad), sl, "\"1111111g-2222-3333-4444-555555555555\"",
	    "false", "null");
	rejects(WHOOP_C_SLEEP, bad, good, "id: invalid UUID");
	snprintf(bad, sizeof(bad), sl, "42", "false", "null");
	rejects(WHOOP_C_SLEEP, bad, good,
	    "id: expected a string, got a number");
	snprintf(bad, sizeof(bad), sl,
	    "\"aaaaaaaa-2222-3333-4444-555555555555\"", "1", "null");
	rejects(WHOOP_C_SLEEP, bad, good, "sleep aaaaaaaa-2222-3333-4444-"
	    "555555555555: nap: expected true or false, got a number");
	snprintf(bad, sizeof(bad), sl,
	    "\"aaaaaaaa-2222-3333-4444-555555555555\"", "null", "null");
	rejects(WHOOP_C_SLEEP, bad, good, "nap: required field is null");
	snprintf(bad, sizeof(bad), sl,
	    "\"AAAAAAAA-2222-3333-4444-555555555555\"", "true",
	    "{\"sleep_needed\":{\"need_from_recent_nap_milli\":5}}");
	kept(WHOOP_C_SLEEP, bad, good, "score.sleep_needed."
	    "need_from_recent_nap_milli: 5 outside the plausible range <= 0");
	snprintf(bad, sizeof(bad), sl,
	    "\"aaaaaaaa-2222-3333-4444-555555555555\"", "true",
	    "{\"stage_summary\":7}");
	kept(WHOOP_C_SLEEP, bad, good,
	    "score.stage_summary: expected an object, got a number");
	snprintf(bad, sizeof(bad), sl,
	    "\"aaaaaaaa-2222-3333-4444-555555555555\"", "true",
	    "{\"stage_summary\":{\"total_rem_sleep_time_milli\":-1}}");
	kept(WHOOP_C_SLEEP, bad, good,
	    "score.stage_summary.total_rem_sleep_time_milli: -1 outside");
	snprintf(bad, sizeof(bad), sl,
	    "\"aaaaaaaa-2222-3333-4444-555555555555\"", "true",
	    "{\"sleep_efficiency_percentage\":100.5}");
	kept(WHOOP_C_SLEEP, bad, good,
	    "score.sleep_efficiency_percentage: 100.5 outside the "
	    "plausible range 0..100");

	/* The UUID key is stored lowercase. */
	snprintf(bad, sizeof(bad), "{\"records\":[%s]}", good);
	rc = parse_str(WHOOP_C_SLEEP, bad, &pg);
	ok(rc == 0 && pg.nrecs == 1, "good sleep parses");
	if (pg.nrecs == 1)
		is_null(&pg.recs[0], "baseline_milli");
	else
		skip(1, "sleep");
	whoop_page_free(&pg);
	snprintf(good, sizeof(good), sl,
	    "\"ABCDEF01-2345-6789-ABCD-EF0123456789\"", "false", "null");
	snprintf(bad, sizeof(bad), "{\"records\":[%s]}", good);
	rc = parse_str(WHOOP_C_SLEEP, bad, &pg);
	if (rc == 0 && pg.nrecs == 1)
		is_text(&pg.recs[0], "id",
		    "abcdef01-2345-6789-abcd-ef0123456789");
	else
		ok(0, "uppercase UUID parses");
	whoop_page_free(&pg);

	snprintf(good, sizeof(good), wo, "bbbbbbbb-2222-3333-4444-555555555555",
	    "\"yoga\"", "-1", "null");
	snprintf(bad, sizeof(bad), wo, "cccccccc-2222-3333-4444-555555555555",
	    "\"yoga\"", "-2", "null");
	kept(WHOOP_C_WORKOUT, bad, good,
	    "sport_id: -2 outside the plausible range >= -1");
	snprintf(bad, sizeof(bad), wo, "cccccccc-2222-3333-4444-555555555555",
	    "5", "1", "null");
	kept(WHOOP_C_WORKOUT, bad, good,
	    "sport_name: expected a string, got a number");
	snprintf(bad, sizeof(bad), wo, "cccccccc-2222-3333-4444-555555555555",
	    "null", "1", "null");
	kept(WHOOP_C_WORKOUT, bad, good,
	    "sport_name: required field is null");
	snprintf(bad, sizeof(bad), wo, "cccccccc-2222-3333-4444-555555555555",
	    "\"yoga\"", "1", "{\"percent_recorded\":100.01}");
	kept(WHOOP_C_WORKOUT, bad, good,
	    "score.percent_recorded: 100.01 outside the plausible "
	    "range 0..100");
	snprintf(bad, sizeof(bad), wo, "cccccccc-2222-3333-4444-555555555555",
	    "\"yoga\"", "1",
	    "{\"zone_durations\":{\"zone_four_milli\":-10}}");
	kept(WHOOP_C_WORKOUT, bad, good,
	    "score.zone_durations.zone_four_milli: -10 outside");
	snprintf(bad, sizeof(bad), wo, "cccccccc-2222-3333-4444-555555555555",
	    "\"yoga\"", "1", "{\"strain\":\"1e3\"}");
	kept(WHOOP_C_WORKOUT, bad, good,
	    "score.strain: expected a number, got a string");

	snprintf(good, sizeof(good), "{\"cycle_id\":9,\"sleep_id\":"
	    "\"dddddddd-2222-3333-4444-555555555555\",\"user_id\":7,"
	    "\"created_at\":\"2026-03-20T06:00:00.000Z\",\"updated_at\":"
	    "\"2026-03-20T06:00:00.000Z\",\"score_state\":\"PENDING_SCORE\"}");
	kept(WHOOP_C_RECOVERY, "{\"cycle_id\":8,\"sleep_id\":"
	    "\"dddddddd-2222-3333-4444-555555555555\",\"user_id\":7,"
	    "\"created_at\":\"2026-03-20T06:00:00.000Z\",\"updated_at\":"
	    "\"2026-03-20T06:00:00.000Z\",\"score_state\":\"SCORED\","
	    "\"score\":{\"user_calibrating\":\"no\"}}", good,
	    "score.user_calibrating: expected true or false, got a "
	    "string");
	kept(WHOOP_C_RECOVERY, "{\"cycle_id\":8,\"user_id\":7,"
	    "\"created_at\":\"2026-03-20T06:00:00.000Z\",\"updated_at\":"
	    "\"2026-03-20T06:00:00.000Z\",\"score_state\":\"SCORED\"}", good,
	    "sleep_id: required field is missing");
	kept(WHOOP_C_RECOVERY, "{\"cycle_id\":8,\"sleep_id\":"
	    "\"dddddddd-2222-3333-4444-555555555555\",\"user_id\":7,"
	    "\"created_at\":\"2026-03-20T06:00:00.000Z\",\"updated_at\":"
	    "\"2026-03-20T06:00:00.000Z\",\"score_state\":\"SCORED\","
	    "\"score\":{\"recovery_score\":101}}", good,
	    "score.recovery_score: 101 outside the plausible range "
	    "0..100");
}

/* Whole-page failures: -1, WHOOP_E_PROTO, nothing returned. */
static void
page_fails(enum whoop_coll coll, const char *body, size_t len,
    const char *msg, const char *what)
{
	struct whoop_page	 pg;
	char			*buf = malloc(len ? len : 1);
	int			 rc;

	memcpy(buf, body, len);
	whoop_clearerr(w);
	memset(&pg, 0xa5, sizeof(pg));
	rc = whoop_page_parse(w, coll, buf, len, &pg);
	ok(rc == -1 && whoop_errcode(w) == WHOOP_E_PROTO &&
	    strstr(whoop_errmsg(w), msg) != NULL && pg.nrecs == 0 &&
	    pg.recs == NULL && pg.next_token == NULL && pg.nrejected == 0,
	    "page fails: %s: %s", what, whoop_errmsg(w));
	whoop_page_free(&pg);
	free(buf);
}

#define FAILS(coll, s, msg, what)	page_fails(coll, s, strlen(s), msg, what)

static void
test_page_failures(void)
{
	static const char	 nul1[] = "{\"records\":[{\"a\":\"\0\"}]}";
	static const char	 nul2[] = "{\"records\":[]}\0";
	struct whoop_page	 pg;
	char			*body, *big;
	size_t			 len, i, n;
	int			 rc;

	FAILS(WHOOP_C_CYCLE, "<html><body>502 Bad Gateway</body></html>",
	    "malformed cycle page: not JSON", "HTML");
	FAILS(WHOOP_C_CYCLE, "", "empty body", "empty body");
	FAILS(WHOOP_C_CYCLE, " \n\t ", "unexpected end", "white space only");
	FAILS(WHOOP_C_CYCLE, "{\"records\":{}}", "records is an object, "
	    "not an array", "records an object");
	FAILS(WHOOP_C_CYCLE, "{\"records\":null}", "records is null",
	    "records null");
	FAILS(WHOOP_C_CYCLE, "{\"next_token\":\"x\"}", "records is missing",
	    "no records");
	FAILS(WHOOP_C_CYCLE, "[]", "expected an object, got an array",
	    "top-level array");
	FAILS(WHOOP_C_CYCLE, "{\"records\":[],\"next_token\":5}",
	    "next_token is a number, not a string", "next_token a number");
	FAILS(WHOOP_C_CYCLE, "{\"records\":[]} {}", "text after the JSON",
	    "two values");
	FAILS(WHOOP_C_CYCLE, "{\"records\":[],}", "expected a member name",
	    "trailing comma");
	FAILS(WHOOP_C_CYCLE, "{\"records\":[{\"a\":\"\\x\"}]}",
	    "bad escape", "bad escape");
	FAILS(WHOOP_C_CYCLE, "{\"records\":[{\"a\":\"\\u12G4\"}]}",
	    "bad \\u escape", "bad \\u escape");
	FAILS(WHOOP_C_CYCLE, "{\"records\":[{\"a\":\"x\ny\"}]}",
	    "control character", "raw newline in a string");
	FAILS(WHOOP_C_CYCLE, "{\"records\":[{\"a\":01}]}", "expected ','",
	    "leading zero");
	FAILS(WHOOP_C_CYCLE, "{\"records\":[{\"a\":+1}]}",
	    "unexpected character", "plus sign");
	FAILS(WHOOP_C_CYCLE, "{\"records\":[{\"a\":1.}]}", "bad number",
	    "bare decimal point");
	FAILS(WHOOP_C_CYCLE, "{\"records\":[{\"a\":NaN}]}",
	    "unexpected character", "NaN");
	FAILS(WHOOP_C_CYCLE, "{\"records\":[{\"a\":tru}]}",
	    "unexpected character", "truncated literal");
	page_fails(WHOOP_C_CYCLE, nul1, sizeof(nul1) - 1,
	    "control character", "NUL byte in a string");
	page_fails(WHOOP_C_CYCLE, nul2, sizeof(nul2) - 1,
	    "text after the JSON", "NUL byte after the page");
	FAILS(WHOOP_C_PROFILE, "\"user\"", "expected an object, got a string",
	    "profile as a string");
	FAILS(WHOOP_C_BODY, "null", "expected an object, got null",
	    "body as null");

	/* Truncated at every length: never a crash, never a record. */
	body = load("cycle_page.json", &len);
	n = 0;
	for (i = 0; i < len - 1; i++) {
		char	*cut = malloc(i ? i : 1);

		memcpy(cut, body, i);
		rc = whoop_page_parse(w, WHOOP_C_CYCLE, cut, i, &pg);
		if (rc != -1 || pg.nrecs != 0 ||
		    whoop_errcode(w) != WHOOP_E_PROTO)
			n++;
		whoop_page_free(&pg);
		free(cut);
	}
	ok(n == 0, "every truncation of a page fails whole (%zu did not)", n);
	page_fails(WHOOP_C_CYCLE, body, len / 2, "malformed cycle page",
	    "half a page");
	free(body);

	/* A number cJSON would misread: 400 digits. */
	big = malloc(512);
	n = (size_t)snprintf(big, 512, "{\"records\":[],\"x\":");
	for (i = 0; i < 400; i++)
		big[n++] = (char)('1' + i % 9);
	big[n++] = '}';
	page_fails(WHOOP_C_CYCLE, big, n, "number too long", "huge number");
	free(big);
	FAILS(WHOOP_C_CYCLE, "{\"records\":[{\"id\":"
	    "1234567890123456789012345678901234567890123456789012345678901234"
	    "}]}", "number too long", "64-digit id");

	/* Deeply nested garbage, at the top and inside a record. */
	n = 200000;
	big = malloc(n);
	memset(big, '[', n);
	page_fails(WHOOP_C_CYCLE, big, n, "nested too deeply",
	    "200000 brackets");
	memcpy(big, "{\"records\":[{\"x\":", 17);
	page_fails(WHOOP_C_CYCLE, big, n, "nested too deeply",
	    "nesting inside a record");
	for (i = 0; i < 100000; i++)
		big[i] = '[';
	for (; i < n; i++)
		big[i] = ']';
	page_fails(WHOOP_C_CYCLE, big, n, "nested too deeply",
	    "balanced deep nesting");
	free(big);

	/* Over 64 MiB: refused before it is read. */
	n = (size_t)64 * 1024 * 1024 + 1;
	if ((big = malloc(n)) != NULL) {
		memset(big, ' ', n);
		big[0] = '{';
		big[n - 1] = '}';
		whoop_clearerr(w);
		rc = whoop_page_parse(w, WHOOP_C_PROFILE, big, n, &pg);
		ok(rc == -1 && whoop_errcode(w) == WHOOP_E_PROTO &&
		    strstr(whoop_errmsg(w), "exceeds") != NULL,
		    "body over 64 MiB refused: %s", whoop_errmsg(w));
		free(big);
	} else
		skip(1, "no memory for 64 MiB");

	whoop_clearerr(w);
	rc = whoop_page_parse(w, WHOOP_C_CYCLE, NULL, 0, &pg);
	ok(rc == -1 && whoop_errcode(w) == WHOOP_E_PROTO && pg.recs == NULL,
	    "NULL body: %s", whoop_errmsg(w));
	rc = whoop_page_parse(NULL, WHOOP_C_CYCLE, "{}", 2, &pg);
	ok(rc == -1 && pg.recs == NULL, "NULL handle allowed");
	rc = whoop_page_parse(w, WHOOP_C_COUNT, "{}", 2, &pg);
	ok(rc == -1, "unknown collection refused");
}

/* The scanner and cJSON agree on which member is the page. */
static void
test_spans(void)
{
	struct whoop_page	 pg;
	char			 c1[1024], c2[1024], c3[1024], body[4096];
	int			 rc;

	cycle_json(c1, sizeof(c1), "1000000001", "7", START, "\"Z\"",
	    "\"SCORED\"", "null");
	cycle_json(c2, sizeof(c2), "1000000002", "7", START, "\"Z\"",
	    "\"SCORED\"", "null");
	cycle_json(c3, sizeof(c3), "1000000003", "7", START, "\"Z\"",
	    "\"SCORED\"", "null");

	/* Duplicate members: the first wins, in both parses. */
	snprintf(body, sizeof(body), "{\"records\":[%s],\"records\":[%s,%s]}",
	    c1, c2, c3);
	rc = parse_str(WHOOP_C_CYCLE, body, &pg);
	ok(rc == 0 && pg.nrecs == 1 && pg.recs[0].v[0].i == 1000000001 &&
	    strcmp(pg.recs[0].raw, c1) == 0, "duplicate records: the first");
	whoop_page_free(&pg);

	/* An escaped member name is the same name. */
	snprintf(body, sizeof(body), "{\"rec\\u006frds\":[%s,%s],"
	    "\"records\":[%s]}", c1, c2, c3);
	rc = parse_str(WHOOP_C_CYCLE, body, &pg);
	ok(rc == 0 && pg.nrecs == 2 && strcmp(pg.recs[1].raw, c2) == 0,
	    "escaped \"records\" is the page");
	whoop_page_free(&pg);

	/* Nested "records" and strings full of brackets are not it. */
	snprintf(body, sizeof(body), "{\"meta\":{\"records\":[1,2,3]},"
	    "\"note\":\"]}[{\\\"records\\\":[\","
	    "\"records\":[ %s ,\n\t%s ],\"next_token\":\"t\\\"=\"}", c1, c2);
	rc = parse_str(WHOOP_C_CYCLE, body, &pg);
	ok(rc == 0 && pg.nrecs == 2 && strcmp(pg.recs[0].raw, c1) == 0 &&
	    strcmp(pg.recs[1].raw, c2) == 0, "spans skip white space and "
	    "nested names");
	is_str(pg.next_token, "t\"=", "next_token unescaped");
	whoop_page_free(&pg);

	/* Empty page. */
	rc = parse_str(WHOOP_C_CYCLE, "{\"records\":[],\"next_token\":null}",
	    &pg);
	ok(rc == 0 && pg.nrecs == 0 && pg.recs == NULL &&
	    pg.next_token == NULL && pg.nrejected == 0, "empty last page");
	whoop_page_free(&pg);

	/* Numbers in exponent form are integers when integral. */
	cycle_json(c1, sizeof(c1), "1.44e9", "2147483648", START, "\"Z\"",
	    "\"SCORED\"", "{\"average_heart_rate\":7.6E1}");
	snprintf(body, sizeof(body), "{\"records\":[%s]}", c1);
	rc = parse_str(WHOOP_C_CYCLE, body, &pg);
	ok(rc == 0 && pg.nrecs == 1, "exponent forms parse (%s)",
	    pg.reject_msg);
	if (pg.nrecs == 1) {
		is_int(&pg.recs[0], "id", 1440000000);
		is_int(&pg.recs[0], "user_id", INT64_C(2147483648));
		is_int(&pg.recs[0], "average_heart_rate", 76);
		ok(strstr(pg.recs[0].raw, "\"id\":1.44e9,") != NULL,
		    "raw keeps 1.44e9");
	} else
		skip(4, "exponent forms");
	whoop_page_free(&pg);

	/* Time in another form is stored canonical. */
	cycle_json(c1, sizeof(c1), "1000000004", "7",
	    "\"2026-03-20T01:30:00+02:00\"", "\"+0530\"", "\"SCORED\"",
	    "null");
	snprintf(body, sizeof(body), "{\"records\":[%s]}", c1);
	rc = parse_str(WHOOP_C_CYCLE, body, &pg);
	if (rc == 0 && pg.nrecs == 1) {
		is_text(&pg.recs[0], "start", "2026-03-19T23:30:00.000Z");
		is_text(&pg.recs[0], "timezone_offset", "+0530");
	} else
		skip(2, "time forms");
	whoop_page_free(&pg);
}

int
main(void)
{
	if ((w = whoop_new()) == NULL)
		return 1;
	test_colspec();
	test_cycle();
	test_recovery();
	test_sleep();
	test_workout();
	test_single();
	test_rejects_fixture();
	test_cycle_rejects();
	test_other_rejects();
	test_page_failures();
	test_spans();
	whoop_free(w);
	return done_testing();
}
