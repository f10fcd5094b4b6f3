/*
 * Unit tests: storing records.  Idempotent upserts, updates when WHOOP
 * re-scores, the body measurement history, the profile, removal of
 * records WHOOP no longer returns inside a window, foreign keys, and
 * the agreement of the colspec tables with the schema.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "extern.h"
#include "tap.h"

#define ACCT	23456789
#define ACCT2	555

static struct whoop	*w;
static char		 dir[256];

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
	if ((buf = malloc(*len + 1)) == NULL ||
	    read(fd, buf, *len) != (ssize_t)*len) {
		diag("cannot read %s", p);
		exit(1);
	}
	buf[*len] = '\0';
	close(fd);
	return buf;
}

/* Parse a fixture, with one substitution when from is not NULL. */
static void
page_of(enum whoop_coll coll, const char *name, const char *from,
    const char *to, struct whoop_page *pg)
{
	char	*body, *p, *nb;
	size_t	 len, nlen;

	body = load(name, &len);
	if (from != NULL) {
		if ((p = strstr(body, from)) == NULL) {
			diag("%s: no \"%s\"", name, from);
			exit(1);
		}
		nlen = len - strlen(from) + strlen(to);
		nb = malloc(nlen + 1);
		memcpy(nb, body, (size_t)(p - body));
		memcpy(nb + (p - body), to, strlen(to));
		memcpy(nb + (p - body) + strlen(to), p + strlen(from),
		    len - (size_t)(p - body) - strlen(from));
		nb[nlen] = '\0';
		free(body);
		body = nb;
		len = nlen;
	}
	if (whoop_page_parse(w, coll, body, len, pg) == -1 ||
	    pg->nrejected != 0) {
		diag("%s: %s %s", name, whoop_errmsg(w), pg->reject_msg);
		exit(1);
	}
	free(body);
}

static long long
num(const char *sql)
{
	sqlite3_stmt	*st;
	long long	 n = -1;

	if (sqlite3_prepare_v2(w->db, sql, -1, &st, NULL) != SQLITE_OK) {
		diag("%s: %s", sql, sqlite3_errmsg(w->db));
		return -1;
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* The first column of the first row as text, in a static buffer. */
static const char *
text(const char *sql)
{
	static char	 buf[4096];
	sqlite3_stmt	*st;
	const char	*s;

	snprintf(buf, sizeof(buf), "(none)");
	if (sqlite3_prepare_v2(w->db, sql, -1, &st, NULL) != SQLITE_OK) {
		diag("%s: %s", sql, sqlite3_errmsg(w->db));
		return buf;
	}
	if (sqlite3_step(st) == SQLITE_ROW &&
	    (s = (const char *)sqlite3_column_text(st, 0)) != NULL)
		snprintf(buf, sizeof(buf), "%s", s);
	else
		snprintf(buf, sizeof(buf), "(null)");
	sqlite3_finalize(st);
	return buf;
}

static void
exec(const char *sql)
{
	if (sqlite3_exec(w->db, sql, NULL, NULL, NULL) != SQLITE_OK) {
		diag("%s: %s", sql, sqlite3_errmsg(w->db));
		exit(1);
	}
}

/* Upsert a page in one transaction; count each kind of change. */
static int
store_page(int64_t account, const struct whoop_page *pg, int counts[3])
{
	size_t	 i;
	int	 change;

	counts[0] = counts[1] = counts[2] = 0;
	if (whoop_db_begin(w) == -1)
		return -1;
	for (i = 0; i < pg->nrecs; i++) {
		change = -1;
		if (whoop_store_upsert(w, account, &pg->recs[i], &change) ==
		    -1 || change < 0 || change > 2) {
			whoop_db_rollback(w);
			return -1;
		}
		counts[change]++;
	}
	return whoop_db_commit(w);
}

static const char *
sqltype(enum whoop_ftype t)
{
	switch (t) {
	case WHOOP_F_INT:
	case WHOOP_F_BOOL:
		return "INTEGER";
	case WHOOP_F_REAL:
		return "REAL";
	default:
		return "TEXT";
	}
}

/* The colspec and the schema describe the same columns. */
static void
test_schema_agrees(void)
{
	const struct whoop_colspec	*cs;
	sqlite3_stmt			*st;
	char				 sql[128];
	const char			*name, *type;
	size_t				 i;
	int				 c, found, ncols, bad;

	for (c = 0; c < WHOOP_C_COUNT; c++) {
		cs = whoop_colspec((enum whoop_coll)c);
		snprintf(sql, sizeof(sql), "PRAGMA table_info(\"%s\")",
		    cs->table);
		if (sqlite3_prepare_v2(w->db, sql, -1, &st, NULL) !=
		    SQLITE_OK) {
			ok(0, "%s", sql);
			continue;
		}
		ncols = 0;
		bad = 0;
		while (sqlite3_step(st) == SQLITE_ROW) {
			name = (const char *)sqlite3_column_text(st, 1);
			type = (const char *)sqlite3_column_text(st, 2);
			ncols++;
			if (strcmp(name, "account_id") == 0 ||
			    strcmp(name, "synced_at") == 0 ||
			    strcmp(name, "raw") == 0 ||
			    strcmp(name, "implausible") == 0 ||
			    (c == WHOOP_C_RECOVERY &&
			    strcmp(name, "sleep_start") == 0) ||
			    (c == WHOOP_C_BODY && strcmp(name, "id") == 0))
				continue;
			found = 0;
			for (i = 0; i < cs->nfields; i++) {
				if (strcmp(cs->fields[i].column, name) != 0)
					continue;
				found = 1;
				if (strcmp(sqltype(cs->fields[i].type),
				    type) != 0) {
					diag("%s.%s is %s, colspec says %s",
					    cs->table, name, type,
					    sqltype(cs->fields[i].type));
					bad++;
				}
				/*
				 * NOT NULL: the mapper must insist on it,
				 * and only there (elsewhere it keeps the
				 * record and stores NULL).
				 */
				if (sqlite3_column_int(st, 3) !=
				    cs->fields[i].notnull ||
				    (cs->fields[i].notnull &&
				    !cs->fields[i].required)) {
					diag("%s.%s: NOT NULL is %d, colspec "
					    "notnull %d", cs->table, name,
					    sqlite3_column_int(st, 3),
					    cs->fields[i].notnull);
					bad++;
				}
			}
			if (!found) {
				diag("%s.%s is not in the colspec", cs->table,
				    name);
				bad++;
			}
		}
		sqlite3_finalize(st);
		ok(ncols > 0 && bad == 0, "every column of %s is in the "
		    "colspec, with its type", cs->table);

		bad = 0;
		for (i = 0; i < cs->nfields; i++) {
			snprintf(sql, sizeof(sql), "SELECT count(*) FROM "
			    "pragma_table_info('%s') WHERE name = '%s'",
			    cs->table, cs->fields[i].column);
			if (num(sql) != 1) {
				diag("colspec %s.%s is not in the schema",
				    cs->table, cs->fields[i].column);
				bad++;
			}
		}
		ok(bad == 0, "every colspec column of %s is in the schema",
		    cs->name);
	}
}

static void
test_upsert(void)
{
	struct whoop_page	 pg;
	int			 n[3];

	/* Cycles: the first time everything is new. */
	page_of(WHOOP_C_CYCLE, "cycle_page.json", NULL, NULL, &pg);
	ok(store_page(ACCT, &pg, n) == 0 && n[1] == 3 && n[0] == 0 &&
	    n[2] == 0, "3 cycles inserted (%s)", whoop_errmsg(w));
	ok(num("SELECT count(*) FROM cycle") == 3, "3 cycle rows");
	ok(num("SELECT count(*) FROM cycle WHERE id = 1439870211 AND "
	    "\"end\" IS NULL AND average_heart_rate = 71 AND "
	    "typeof(average_heart_rate) = 'integer' AND strain = 6.318742 "
	    "AND start = '2026-04-02T00:47:19.330Z' AND timezone_offset = "
	    "'-05:00'") == 1, "current cycle stored with its values");
	ok(num("SELECT count(*) FROM cycle WHERE id = 2147483651 AND "
	    "strain IS NULL AND score_state = 'PENDING_SCORE'") == 1,
	    "id above INT32_MAX stored as an integer");
	ok(strstr(text("SELECT raw FROM cycle WHERE id = 1439870211"),
	    "\"average_heart_rate\": 71.0,") != NULL, "raw stored as sent");
	ok(strlen(text("SELECT synced_at FROM cycle LIMIT 1")) == 24 &&
	    text("SELECT synced_at FROM cycle LIMIT 1")[23] == 'Z',
	    "synced_at canonical: %s", text("SELECT synced_at FROM cycle "
	    "LIMIT 1"));

	/* The same page again: nothing is written. */
	exec("UPDATE cycle SET synced_at = 'untouched'");
	ok(store_page(ACCT, &pg, n) == 0 && n[0] == 3 && n[1] == 0 &&
	    n[2] == 0, "same page again: 3 unchanged");
	ok(num("SELECT count(*) FROM cycle WHERE synced_at = 'untouched'") ==
	    3, "unchanged rows not rewritten");
	whoop_page_free(&pg);

	/* WHOOP re-scores one cycle. */
	page_of(WHOOP_C_CYCLE, "cycle_page.json", "\"strain\": 6.318742",
	    "\"strain\": 7.5", &pg);
	ok(store_page(ACCT, &pg, n) == 0 && n[2] == 1 && n[0] == 2 &&
	    n[1] == 0, "one cycle re-scored: 1 updated, 2 unchanged");
	ok(num("SELECT count(*) FROM cycle WHERE id = 1439870211 AND "
	    "strain = 7.5 AND synced_at != 'untouched' AND "
	    "instr(raw, '\"strain\": 7.5') > 0") == 1,
	    "updated row has the new value, raw and synced_at");
	ok(num("SELECT count(*) FROM cycle") == 3, "still 3 cycle rows");
	whoop_page_free(&pg);

	/* The pending cycle gets its score and an end. */
	page_of(WHOOP_C_CYCLE, "cycle_page.json",
	    "\"score_state\":   \"PENDING_SCORE\",",
	    "\"score_state\": \"SCORED\", \"score\": {\"strain\": 1.25},", &pg);
	ok(store_page(ACCT, &pg, n) == 0 && n[2] == 2 && n[0] == 1,
	    "pending cycle scored, the first back to 6.318742: 2 updated");
	ok(num("SELECT count(*) FROM cycle WHERE id = 2147483651 AND "
	    "strain = 1.25 AND score_state = 'SCORED'") == 1,
	    "pending cycle now SCORED");
	whoop_page_free(&pg);

	page_of(WHOOP_C_CYCLE, "cycle_last.json", NULL, NULL, &pg);
	ok(store_page(ACCT, &pg, n) == 0 && n[1] == 1, "last page stored");
	whoop_page_free(&pg);

	page_of(WHOOP_C_RECOVERY, "recovery_page.json", NULL, NULL, &pg);
	ok(store_page(ACCT, &pg, n) == 0 && n[1] == 2, "2 recoveries stored");
	ok(num("SELECT count(*) FROM recovery WHERE sleep_id = "
	    "'3f0a9c1e-77b2-4d0c-a1e5-0b9d4c7e2f18' AND recovery_score = 62 "
	    "AND user_calibrating = 1 AND spo2_percentage IS NULL") == 1,
	    "recovery values stored, UUID lowercase");
	ok(store_page(ACCT, &pg, n) == 0 && n[0] == 2, "recoveries unchanged");
	whoop_page_free(&pg);

	page_of(WHOOP_C_SLEEP, "sleep_page.json", NULL, NULL, &pg);
	ok(store_page(ACCT, &pg, n) == 0 && n[1] == 2, "2 sleeps stored");
	ok(num("SELECT count(*) FROM sleep WHERE nap = 0 AND "
	    "need_from_recent_nap_milli = -2136600") == 1, "sleep values");
	ok(store_page(ACCT, &pg, n) == 0 && n[0] == 2, "sleeps unchanged");
	whoop_page_free(&pg);

	page_of(WHOOP_C_WORKOUT, "workout_page.json", NULL, NULL, &pg);
	ok(store_page(ACCT, &pg, n) == 0 && n[1] == 3, "3 workouts stored");
	ok(num("SELECT count(*) FROM workout WHERE sport_id = -1 AND "
	    "percent_recorded = 100 AND distance_meter IS NULL") == 1 &&
	    num("SELECT count(*) FROM workout WHERE sport_name = "
	    "'meditation' AND strain IS NULL") == 1 &&
	    num("SELECT count(*) FROM workout WHERE percent_recorded = "
	    "0.99986") == 1, "workout values");
	whoop_page_free(&pg);

	/* Another account holds the same ids apart. */
	exec("INSERT INTO accounts VALUES (555, 'active', NULL, 'a', 'a')");
	page_of(WHOOP_C_CYCLE, "cycle_page.json", NULL, NULL, &pg);
	ok(store_page(ACCT2, &pg, n) == 0 && n[1] == 3,
	    "same cycles, another account: inserted");
	ok(num("SELECT count(*) FROM cycle WHERE account_id = 555") == 3 &&
	    num("SELECT count(*) FROM cycle WHERE account_id = 23456789") == 4,
	    "accounts kept apart");
	whoop_page_free(&pg);
}

static void
test_single(void)
{
	struct whoop_page	 pg;
	int			 change;

	page_of(WHOOP_C_BODY, "body.json", NULL, NULL, &pg);
	ok(whoop_store_upsert(w, ACCT, &pg.recs[0], &change) == 0 &&
	    change == WHOOP_STORE_INSERTED, "body inserted");
	ok(whoop_store_upsert(w, ACCT, &pg.recs[0], &change) == 0 &&
	    change == WHOOP_STORE_UNCHANGED, "same body: unchanged");
	ok(num("SELECT count(*) FROM body_measurement") == 1, "one body row");
	whoop_page_free(&pg);
	page_of(WHOOP_C_BODY, "body.json", "81.0", "82.5", &pg);
	ok(whoop_store_upsert(w, ACCT, &pg.recs[0], &change) == 0 &&
	    change == WHOOP_STORE_INSERTED, "changed body: a new row");
	ok(num("SELECT count(*) FROM body_measurement") == 2 &&
	    num("SELECT weight_kilogram * 10 FROM body_measurement "
	    "ORDER BY id DESC LIMIT 1") == 825, "two rows, newest 82.5");
	ok(whoop_store_upsert(w, ACCT, &pg.recs[0], &change) == 0 &&
	    change == WHOOP_STORE_UNCHANGED, "82.5 again: unchanged");
	whoop_page_free(&pg);
	page_of(WHOOP_C_BODY, "body.json", NULL, NULL, &pg);
	ok(whoop_store_upsert(w, ACCT, &pg.recs[0], &change) == 0 &&
	    change == WHOOP_STORE_INSERTED && num("SELECT count(*) FROM "
	    "body_measurement") == 3, "back to 81.0: a third row (history)");
	ok(whoop_store_upsert(w, ACCT2, &pg.recs[0], &change) == 0 &&
	    change == WHOOP_STORE_INSERTED, "other account's first body row");
	whoop_page_free(&pg);

	page_of(WHOOP_C_PROFILE, "profile.json", NULL, NULL, &pg);
	ok(whoop_store_upsert(w, ACCT, &pg.recs[0], &change) == 0 &&
	    change == WHOOP_STORE_INSERTED, "profile inserted");
	ok(whoop_store_upsert(w, ACCT, &pg.recs[0], NULL) == 0,
	    "change may be NULL");
	ok(whoop_store_upsert(w, ACCT, &pg.recs[0], &change) == 0 &&
	    change == WHOOP_STORE_UNCHANGED, "same profile: unchanged");
	whoop_page_free(&pg);
	page_of(WHOOP_C_PROFILE, "profile.json", "runner@example.org",
	    "ada@example.net", &pg);
	ok(whoop_store_upsert(w, ACCT, &pg.recs[0], &change) == 0 &&
	    change == WHOOP_STORE_UPDATED, "new email: profile updated");
	ok(num("SELECT count(*) FROM profile") == 1, "one profile row");
	is_str(text("SELECT email FROM profile"), "ada@example.net",
	    "profile replaced");
	whoop_page_free(&pg);
}

static void
test_delete_missing(void)
{
	struct whoop_page pg;
	const char	*keep[3];
	int		 removed = -1, n[3];

	/*
	 * Recovery: the window is its sleep's start, as WHOOP fetches it.
	 * The sleeps were stored after the recoveries: the key followed.
	 */
	is_str(text("SELECT sleep_start FROM recovery WHERE cycle_id = "
	    "1439870211"), "2026-04-02T00:47:19.330Z",
	    "recovery.sleep_start is its sleep's start");
	ok(num("SELECT count(*) FROM recovery WHERE cycle_id = 1437102377 "
	    "AND sleep_start IS NULL") == 1, "its sleep not stored: unknown");
	/* The sleep is edited to begin three hours before its cycle. */
	page_of(WHOOP_C_SLEEP, "sleep_page.json",
	    "\"start\": \"2026-04-02T00:47:19.330Z\"",
	    "\"start\": \"2026-04-01T21:47:19.330Z\"", &pg);
	ok(store_page(ACCT, &pg, n) == 0 && n[2] == 1, "sleep edited");
	whoop_page_free(&pg);
	is_str(text("SELECT sleep_start FROM recovery WHERE cycle_id = "
	    "1439870211"), "2026-04-01T21:47:19.330Z",
	    "an edited sleep moves its recovery's key");
	ok(whoop_store_delete_missing(w, ACCT, WHOOP_C_RECOVERY,
	    "2026-04-01T23:00:00.000Z", "2026-04-03T00:00:00.000Z", NULL, 0,
	    &removed) == 0 && removed == 0 && num("SELECT count(*) FROM "
	    "recovery") == 2, "a window starting between the sleep's start "
	    "and the cycle's did not ask for the recovery: it stays");
	page_of(WHOOP_C_SLEEP, "sleep_page.json", NULL, NULL, &pg);
	ok(store_page(ACCT, &pg, n) == 0 && n[2] == 1, "sleep edited back");
	whoop_page_free(&pg);

	ok(whoop_store_delete_missing(w, ACCT, WHOOP_C_RECOVERY,
	    "2026-04-01T12:00:00.000Z", "2026-04-03T00:00:00.000Z", NULL, 0,
	    &removed) == 0 && removed == 1, "recovery of the cycle in the "
	    "window removed (%d): %s", removed, whoop_errmsg(w));
	ok(num("SELECT count(*) FROM recovery WHERE cycle_id = 1437102377")
	    == 1 && num("SELECT count(*) FROM recovery") == 1,
	    "recovery of a cycle outside the window kept");
	keep[0] = "1437102377";
	ok(whoop_store_delete_missing(w, ACCT, WHOOP_C_RECOVERY, NULL, NULL,
	    keep, 1, &removed) == 0 && removed == 0, "kept recovery stays");

	/* Cycles: [2026-03-31, 2026-04-03) holds two; keep one. */
	keep[0] = "1439870211";
	ok(whoop_store_delete_missing(w, ACCT, WHOOP_C_CYCLE,
	    "2026-03-31T02:00:00+02:00", "2026-04-03T00:00:00.000Z", keep, 1,
	    &removed) == 0 && removed == 1, "one cycle removed in the window "
	    "(%d): %s", removed, whoop_errmsg(w));
	ok(num("SELECT count(*) FROM cycle WHERE account_id = 23456789 AND "
	    "id = 1437102377") == 0, "the missing cycle is gone");
	ok(num("SELECT count(*) FROM cycle WHERE account_id = 23456789 AND "
	    "id IN (1439870211, 2147483651, 1101234567)") == 3,
	    "the kept cycle and those outside the window stay");
	ok(num("SELECT count(*) FROM cycle WHERE account_id = 555") == 3,
	    "the other account untouched");
	ok(num("SELECT count(*) FROM recovery WHERE cycle_id = 1437102377")
	    == 1, "recovery cascade is not implied");
	ok(whoop_store_delete_missing(w, ACCT, WHOOP_C_RECOVERY, NULL, NULL,
	    NULL, 0, &removed) == 0 && removed == 0,
	    "a recovery whose sleep is not stored is never removed");

	/* The window's end is exclusive: a start equal to it stays. */
	ok(whoop_store_delete_missing(w, ACCT, WHOOP_C_CYCLE, NULL,
	    "2026-04-02T00:47:19.330Z", keep, 0, &removed) == 0 &&
	    removed == 2 && num("SELECT count(*) FROM cycle WHERE "
	    "account_id = 23456789") == 1, "end exclusive, open start (%d)",
	    removed);

	/* Sleep and workout keys are UUIDs, compared lowercase. */
	keep[0] = "3F0A9C1E-77B2-4D0C-A1E5-0B9D4C7E2F18";
	keep[1] = "0c4b8a72-5e19-4f3d-b6a0-e2d7c9f81a34";
	ok(whoop_store_delete_missing(w, ACCT, WHOOP_C_SLEEP, NULL, NULL,
	    keep, 2, &removed) == 0 && removed == 0, "both sleeps kept");
	ok(whoop_store_delete_missing(w, ACCT, WHOOP_C_SLEEP,
	    "2026-04-02T00:00:00.000Z", NULL, keep, 1, &removed) == 0 &&
	    removed == 1 && num("SELECT count(*) FROM sleep WHERE id = "
	    "'3f0a9c1e-77b2-4d0c-a1e5-0b9d4c7e2f18'") == 1,
	    "the sleep not kept removed, the kept one stays");
	keep[0] = "e27f9a14-6c08-4d5b-9a3f-1b8e7c0d2f96";
	ok(whoop_store_delete_missing(w, ACCT, WHOOP_C_WORKOUT,
	    "2026-03-29T00:00:00.000Z", "2026-03-31T00:00:00.000Z", keep, 1,
	    &removed) == 0 && removed == 1 && num("SELECT count(*) FROM "
	    "workout") == 2, "workouts: one removed in the window");

	ok(whoop_store_delete_missing(w, ACCT, WHOOP_C_CYCLE, "yesterday",
	    NULL, NULL, 0, &removed) == -1 &&
	    whoop_errcode(w) == WHOOP_E_PARSE, "bad window refused: %s",
	    whoop_errmsg(w));
	keep[0] = "12x";
	ok(whoop_store_delete_missing(w, ACCT, WHOOP_C_CYCLE, NULL, NULL,
	    keep, 1, &removed) == -1 && num("SELECT count(*) FROM cycle") ==
	    4, "bad integer key refused, nothing removed: %s",
	    whoop_errmsg(w));
	ok(whoop_store_delete_missing(w, ACCT, WHOOP_C_PROFILE, NULL, NULL,
	    NULL, 0, &removed) == -1, "profile is not a collection");
	ok(num("SELECT count(*) FROM temp.whoop_keep") == 0,
	    "kept keys do not linger");
}

/* An implausible value is stored as sent; a reject is kept as sent. */
static void
test_odd_and_rejects(void)
{
	struct whoop_page		 pg;
	struct whoop_reject_row		*rows;
	struct whoop_reject		 rj;
	char				 buf[WHOOP_TIMESTR_LEN];
	size_t				 nrows;
	long				 cnt;
	int				 n[3], found, removed;

	page_of(WHOOP_C_SLEEP, "sleep_page.json",
	    "\"need_from_recent_nap_milli\": -2136600",
	    "\"need_from_recent_nap_milli\": 2136600", &pg);
	ok(pg.nrecs == 2 && pg.nodd == 1, "a sleep with an implausible "
	    "value is kept (%zu, %zu)", pg.nrecs, pg.nodd);
	ok(store_page(ACCT, &pg, n) == 0 && n[2] == 1, "and stored");
	whoop_page_free(&pg);
	ok(num("SELECT count(*) FROM sleep WHERE need_from_recent_nap_milli "
	    "= 2136600 AND implausible LIKE "
	    "'score.sleep_needed.need_from_recent_nap_milli: 2136600 outside "
	    "the plausible range <= 0'") == 1, "as sent, and marked");
	ok(whoop_store_count_implausible(w, ACCT, WHOOP_C_SLEEP, &cnt) == 0 &&
	    cnt == 1, "counted: %ld", cnt);
	page_of(WHOOP_C_SLEEP, "sleep_page.json", NULL, NULL, &pg);
	ok(store_page(ACCT, &pg, n) == 0 && num("SELECT count(*) FROM sleep "
	    "WHERE implausible IS NOT NULL") == 0, "plausible again: unmarked");
	whoop_page_free(&pg);

	memset(&rj, 0, sizeof(rj));
	rj.raw = "{\"user_id\":1}";
	rj.rawlen = strlen(rj.raw);
	(void)snprintf(rj.reason, sizeof(rj.reason), "sleep record 1: id: "
	    "required field is missing");
	ok(whoop_db_begin(w) == 0 &&
	    whoop_reject_put(w, ACCT, WHOOP_C_SLEEP, &rj,
	    "2026-04-01T00:00:00.000Z", "2026-04-03T00:00:00.000Z",
	    "2026-04-03T00:00:00.000Z") == 0 &&
	    whoop_reject_put(w, ACCT, WHOOP_C_SLEEP, &rj,
	    "2026-04-02T00:00:00.000Z", "2026-04-04T00:00:00.000Z",
	    "2026-04-04T00:00:00.000Z") == 0, "a reject put twice");
	ok(num("SELECT count(*) FROM rejects WHERE first_seen = "
	    "'2026-04-03T00:00:00.000Z' AND last_seen = "
	    "'2026-04-04T00:00:00.000Z' AND window_start = "
	    "'2026-04-02T00:00:00.000Z' AND record_key IS NULL") == 1,
	    "one row: first and last seen, the latest window");
	ok(whoop_reject_count(w, ACCT, WHOOP_C_COUNT, &cnt) == 0 && cnt == 1 &&
	    whoop_reject_count(w, ACCT, WHOOP_C_CYCLE, &cnt) == 0 && cnt == 0,
	    "counted per collection and in all");
	ok(whoop_reject_oldest(w, ACCT, WHOOP_C_SLEEP, &found, buf,
	    sizeof(buf)) == 0 && found && strcmp(buf,
	    "2026-04-02T00:00:00.000Z") == 0, "its window: %s", buf);
	ok(whoop_reject_sweep(w, ACCT, WHOOP_C_SLEEP,
	    "2026-04-03T00:00:00.000Z", "2026-04-05T00:00:00.000Z",
	    &removed) == 0 && removed == 0, "a pass that began after its "
	    "window does not sweep it");
	ok(whoop_reject_sweep(w, ACCT, WHOOP_C_SLEEP,
	    "2026-04-01T00:00:00.000Z", "2026-04-04T00:00:00.000Z",
	    &removed) == 0 && removed == 0, "nor a pass that saw it again");
	ok(whoop_reject_list(w, ACCT, WHOOP_C_SLEEP, &rows, &nrows) == 0 &&
	    nrows == 1 && strcmp(rows[0].raw, rj.raw) == 0, "listed as sent");
	whoop_reject_rows_free(rows, nrows);
	ok(whoop_reject_sweep(w, ACCT, WHOOP_C_SLEEP,
	    "2026-04-01T00:00:00.000Z", "2026-04-05T00:00:00.000Z",
	    &removed) == 0 && removed == 1, "a complete pass over its window "
	    "that no longer saw it: swept");
	(void)snprintf(rj.key, sizeof(rj.key), "%s",
	    "0c4b8a72-5e19-4f3d-b6a0-e2d7c9f81a34");
	ok(whoop_reject_put(w, ACCT, WHOOP_C_SLEEP, &rj, NULL, NULL,
	    "2026-04-05T00:00:00.000Z") == 0 &&
	    whoop_reject_oldest(w, ACCT, WHOOP_C_SLEEP, &found, buf,
	    sizeof(buf)) == 0 && found && buf[0] == '\0',
	    "an open window is the oldest");
	ok(whoop_reject_forget(w, ACCT, WHOOP_C_SLEEP, rj.key, &removed) ==
	    0 && removed == 1 && num("SELECT count(*) FROM rejects") == 0,
	    "forgotten once its key is stored");
	whoop_db_rollback(w);
}

static void
test_refusals(void)
{
	struct whoop_page	 pg;
	struct whoop_record	 empty;
	int			 change = 9;

	page_of(WHOOP_C_CYCLE, "cycle_page.json", NULL, NULL, &pg);
	ok(whoop_store_upsert(w, 999, &pg.recs[0], &change) == -1 &&
	    strstr(whoop_errmsg(w), "account 999 is not in the database") !=
	    NULL && change == 0, "unknown account refused: %s",
	    whoop_errmsg(w));
	ok(num("SELECT count(*) FROM cycle WHERE account_id = 999") == 0,
	    "nothing stored for it");

	/* The caller's transaction decides. */
	whoop_db_begin(w);
	exec("DELETE FROM cycle WHERE account_id = 555");
	ok(whoop_store_upsert(w, ACCT2, &pg.recs[0], &change) == 0 &&
	    change == WHOOP_STORE_INSERTED, "upsert inside a transaction");
	whoop_db_rollback(w);
	ok(num("SELECT count(*) FROM cycle WHERE account_id = 555") == 3,
	    "rolled back with the caller's transaction");
	whoop_page_free(&pg);

	page_of(WHOOP_C_PROFILE, "profile.json", NULL, NULL, &pg);
	ok(whoop_store_upsert(w, 998, &pg.recs[0], &change) == -1 &&
	    strstr(whoop_errmsg(w), "FOREIGN KEY") != NULL,
	    "profile for an unknown account refused");
	whoop_page_free(&pg);
	page_of(WHOOP_C_BODY, "body.json", NULL, NULL, &pg);
	ok(whoop_store_upsert(w, 998, &pg.recs[0], &change) == -1,
	    "body for an unknown account refused");
	whoop_page_free(&pg);

	memset(&empty, 0, sizeof(empty));
	empty.coll = WHOOP_C_CYCLE;
	ok(whoop_store_upsert(w, ACCT, &empty, &change) == -1,
	    "empty record refused");
	ok(whoop_store_upsert(NULL, ACCT, &empty, &change) == -1,
	    "NULL handle");
}

int
main(void)
{
	const char	*tmp = getenv("TMPDIR");
	char		 db[600], cmd[600];

	snprintf(dir, sizeof(dir), "%s/whoop-store.XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL || (w = whoop_new()) == NULL)
		return 1;
	snprintf(db, sizeof(db), "%s/s.db", dir);
	if (whoop_db_open(w, db, WHOOP_DB_CREATE) == -1) {
		diag("%s", whoop_errmsg(w));
		return 1;
	}
	exec("INSERT INTO accounts VALUES (23456789, 'active', NULL, "
	    "'2026-04-01T00:00:00.000Z', '2026-04-01T00:00:00.000Z')");

	test_schema_agrees();
	test_upsert();
	test_single();
	test_delete_missing();
	test_odd_and_rejects();
	test_refusals();

	whoop_free(w);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		diag("could not remove %s", dir);
	return done_testing();
}
