/*
 * Unit tests: every query a run makes follows the rows it touches, not
 * the table.  Each operation of a sync (upserts, cursors, the removal of
 * records missing from a window), of whoop-export with -s, -u and -a, of
 * the health check and of whoop-revoke -p is run on a database of two
 * accounts while SQLite reports each statement it ran.  Then:
 *
 *  - no statement's EXPLAIN QUERY PLAN may SCAN a record table;
 *  - the statements' virtual machine steps are counted, the history of
 *    one account is made five times longer (old records, outside every
 *    window), and the same operation may not take more steps than it
 *    did (a little slack for a deeper b-tree).
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

#define ACCT	23456789	/* the fixtures' account */
#define ACCT2	555		/* a second account in the same file */
#define OLD	3000		/* old records of each type, per account */

static struct whoop	*w;
static char		 dir[256];

/* What the trace saw during one operation. */
static struct {
	char	*sql[256];
	int	 n;
	long	 steps;
	int	 on;
} seen;

static int
trace(unsigned type, void *ctx, void *p, void *x)
{
	sqlite3_stmt	*st = p;
	const char	*sql;
	int		 i;

	(void)ctx;
	(void)x;
	if (type != SQLITE_TRACE_PROFILE || !seen.on)
		return 0;
	seen.steps += sqlite3_stmt_status(st, SQLITE_STMTSTATUS_VM_STEP, 0);
	if ((sql = sqlite3_sql(st)) == NULL)
		return 0;
	for (i = 0; i < seen.n; i++)
		if (strcmp(seen.sql[i], sql) == 0)
			return 0;
	if (seen.n < (int)(sizeof(seen.sql) / sizeof(seen.sql[0])))
		seen.sql[seen.n++] = strdup(sql);
	return 0;
}

static void
record_start(void)
{
	int	 i;

	for (i = 0; i < seen.n; i++)
		free(seen.sql[i]);
	seen.n = 0;
	seen.steps = 0;
	seen.on = 1;
}

static void
exec(const char *sql)
{
	char	*msg = NULL;

	if (sqlite3_exec(w->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		diag("%s: %s", sql, msg);
		exit(1);
	}
}

/* A record table, as named or aliased in our statements. */
static int
record_table(const char *name, size_t len)
{
	static const char *const t[] = { "cycle", "recovery", "sleep",
	    "workout", "body_measurement", "profile", "t", "c" };
	size_t	 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strlen(t[i]) == len && memcmp(t[i], name, len) == 0)
			return 1;
	return 0;
}

/*
 * The statements seen since record_start, through EXPLAIN QUERY PLAN:
 * the number that SCAN a record table (each said in a diag line).
 */
static int
scans(const char *what)
{
	sqlite3_stmt	*st;
	char		 q[8192];
	const char	*d, *e;
	int		 i, bad = 0;

	seen.on = 0;
	for (i = 0; i < seen.n; i++) {
		if (strncmp(seen.sql[i], "EXPLAIN", 7) == 0 ||
		    strncmp(seen.sql[i], "BEGIN", 5) == 0 ||
		    strncmp(seen.sql[i], "COMMIT", 6) == 0 ||
		    strncmp(seen.sql[i], "ROLLBACK", 8) == 0 ||
		    strncmp(seen.sql[i], "PRAGMA", 6) == 0)
			continue;
		snprintf(q, sizeof(q), "EXPLAIN QUERY PLAN %s", seen.sql[i]);
		if (sqlite3_prepare_v2(w->db, q, -1, &st, NULL) != SQLITE_OK) {
			diag("%s: %s: %s", what, q, sqlite3_errmsg(w->db));
			bad++;
			continue;
		}
		while (sqlite3_step(st) == SQLITE_ROW) {
			d = (const char *)sqlite3_column_text(st, 3);
			if (d == NULL || strncmp(d, "SCAN ", 5) != 0)
				continue;
			d += 5;
			for (e = d; *e != '\0' && *e != ' '; e++)
				continue;
			if (record_table(d, (size_t)(e - d))) {
				diag("%s: %s\n#   plan: SCAN %s", what,
				    seen.sql[i], d);
				bad++;
			}
		}
		sqlite3_finalize(st);
	}
	return bad;
}

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

static struct whoop_page pages[WHOOP_C_COUNT];

static void
parse(enum whoop_coll coll, const char *name)
{
	char	*body;
	size_t	 len;

	body = load(name, &len);
	if (whoop_page_parse(w, coll, body, len, &pages[coll]) == -1 ||
	    pages[coll].nrejected != 0) {
		diag("%s: %s", name, whoop_errmsg(w));
		exit(1);
	}
	free(body);
}

/*
 * OLD old records of every type for an account, all before 2026 (the
 * fixtures' window is March and April 2026), with their own ids.
 */
static void
add_history(int64_t account, int64_t idbase)
{
	char	 sql[4096];

	snprintf(sql, sizeof(sql), "INSERT OR IGNORE INTO accounts VALUES "
	    "(%lld, 'active', NULL, 'x', 'x')", (long long)account);
	exec(sql);
	/* One statement per table, from the same numbers. */
#define R	"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 " \
		"FROM n WHERE i < %d), r AS (SELECT i, %lld + i AS id, " \
		"strftime('%%Y-%%m-%%dT%%H:%%M:%%fZ', 1400000000 + " \
		"(%lld %% 7) * 86400 + i * 3600, 'unixepoch') AS t, " \
		"printf('%%08x-0000-4000-8000-%%012x', %lld, " \
		"i) AS u FROM n) "
	snprintf(sql, sizeof(sql), R
	    "INSERT INTO cycle SELECT %lld, id, %lld, t, t, t, t, 'Z', "
	    "'SCORED', 1.5, 2.5, 60, 150, '{}', t, NULL FROM r", OLD,
	    (long long)idbase, (long long)idbase, (long long)idbase,
	    (long long)account, (long long)account);
	exec(sql);
	snprintf(sql, sizeof(sql), R
	    "INSERT INTO recovery (account_id, cycle_id, sleep_id, user_id, "
	    "created_at, updated_at, score_state, recovery_score, raw, "
	    "synced_at) SELECT %lld, id, u, %lld, t, t, 'SCORED', 50, '{}', "
	    "t FROM r", OLD, (long long)idbase, (long long)idbase,
	    (long long)idbase, (long long)account, (long long)account);
	exec(sql);
	snprintf(sql, sizeof(sql), R
	    "INSERT INTO sleep (account_id, id, cycle_id, user_id, "
	    "created_at, updated_at, start, end, timezone_offset, nap, "
	    "score_state, raw, synced_at) SELECT %lld, u, id, %lld, t, t, "
	    "t, t, 'Z', 0, 'SCORED', '{}', t FROM r", OLD,
	    (long long)idbase, (long long)idbase, (long long)idbase,
	    (long long)account, (long long)account);
	exec(sql);
	snprintf(sql, sizeof(sql), R
	    "INSERT INTO workout (account_id, id, user_id, created_at, "
	    "updated_at, start, end, timezone_offset, score_state, raw, "
	    "synced_at) SELECT %lld, u, %lld, t, t, t, t, 'Z', 'SCORED', "
	    "'{}', t FROM r", OLD, (long long)idbase, (long long)idbase,
	    (long long)idbase, (long long)account, (long long)account);
	exec(sql);
	snprintf(sql, sizeof(sql), R
	    "INSERT INTO body_measurement (account_id, height_meter, raw, "
	    "synced_at) SELECT %lld, 1.8, '{}', t FROM r WHERE i <= 50",
	    OLD, (long long)idbase, (long long)idbase, (long long)idbase,
	    (long long)account);
	exec(sql);
#undef R
}

/* The keys of a page, as the sync keeps them for delete_missing. */
static void
keys_of(enum whoop_coll coll, const struct whoop_page *pg, char keys[][64],
    const char **kp, size_t *n)
{
	const struct whoop_colspec	*cs = whoop_colspec(coll);
	const struct whoop_value	*v;
	size_t				 i;

	for (i = 0; i < pg->nrecs && i < 16; i++) {
		v = &pg->recs[i].v[cs->key];
		if (v->type == WHOOP_V_INT)
			snprintf(keys[i], 64, "%lld", (long long)v->i);
		else
			snprintf(keys[i], 64, "%s", v->s != NULL ? v->s : "");
		kp[i] = keys[i];
	}
	*n = i;
}

/* What one run of a sync does to the database for one collection. */
static int
op_sync(enum whoop_coll coll)
{
	const struct whoop_colspec	*cs = whoop_colspec(coll);
	struct whoop_syncstate		 ss;
	const char			*kp[16];
	char				 keys[16][64], buf[64];
	size_t				 i, n;
	int				 removed, change;

	if (whoop_db_begin(w) == -1 ||
	    whoop_syncstate_get(w, ACCT, cs->name, &ss) == -1)
		return -1;
	for (i = 0; i < pages[coll].nrecs; i++)
		if (whoop_store_upsert(w, ACCT, &pages[coll].recs[i],
		    &change) == -1)
			return -1;
	snprintf(ss.cursor, sizeof(ss.cursor), "2026-03-25T00:00:00.000Z");
	snprintf(ss.high_water, sizeof(ss.high_water),
	    "2026-04-02T17:35:12.300Z");
	if (whoop_syncstate_put(w, ACCT, cs->name, &ss) == -1)
		return -1;
	if (cs->paginated)
		keys_of(coll, &pages[coll], keys, kp, &n);
	if (cs->paginated && whoop_store_delete_missing(w, ACCT, coll,
	    "2026-03-25T00:00:00.000Z", "2026-04-03T00:00:00.000Z", kp, n,
	    &removed) == -1)
		return -1;
	if (coll == WHOOP_C_RECOVERY)
		(void)whoop_store_sleep_start(w, ACCT,
		    "3f0a9c1e-77b2-4d0c-a1e5-0b9d4c7e2f18", buf, sizeof(buf));
	return whoop_db_commit(w);
}

/* whoop-export's query, read to the end. */
static int
op_export(enum whoop_coll coll, int64_t account, const char *since,
    const char *until, int raw)
{
	struct whoop_export_query	 q;
	struct whoop_export		*ex;
	size_t				 len, i;
	int				 rc;

	memset(&q, 0, sizeof(q));
	q.coll = coll;
	q.account = account;
	q.since = since;
	q.until = until;
	q.raw_only = raw;
	if ((ex = whoop_export_open(w, &q)) == NULL)
		return -1;
	while ((rc = whoop_export_step(ex)) == 1) {
		(void)whoop_export_raw(ex, &len);
		for (i = 0; !raw && i < whoop_export_ncols(coll); i++)
			(void)whoop_export_cell(ex, i);
	}
	if (whoop_export_close(ex) == -1)
		return -1;
	return rc;
}

static int
op_health(void)
{
	struct whoop_account_info	*ai = NULL;
	struct whoop_syncstate		 ss;
	char				*report = NULL;
	size_t				 n = 0;
	int				 rc;

	rc = whoop_db_sane(w, &report);
	free(report);
	if (rc != 0 || whoop_account_infos(w, &ai, &n) == -1)
		return -1;
	free(ai);
	return whoop_syncstate_get(w, ACCT, "cycle", &ss);
}

static int
op_purge(void)
{
	long	 removed;

	/* Rolled back: the same purge is measured twice. */
	if (whoop_db_begin(w) == -1 ||
	    whoop_account_purge(w, ACCT2, &removed) == -1)
		return -1;
	return whoop_db_rollback(w);
}

#define NOPS	22

/* Operation i; its name in *name. */
static int
op(int i, const char **name)
{
	static const char *const since = "2026-03-25T00:00:00.000Z";
	static const char *const until = "2026-04-03T00:00:00.000Z";
	static const char *const future = "2200-01-01T00:00:00.000Z";

	switch (i) {
	case 0: *name = "sync cycle"; return op_sync(WHOOP_C_CYCLE);
	case 1: *name = "sync recovery"; return op_sync(WHOOP_C_RECOVERY);
	case 2: *name = "sync sleep"; return op_sync(WHOOP_C_SLEEP);
	case 3: *name = "sync workout"; return op_sync(WHOOP_C_WORKOUT);
	case 4: *name = "sync body"; return op_sync(WHOOP_C_BODY);
	case 5: *name = "sync profile"; return op_sync(WHOOP_C_PROFILE);
	case 6: *name = "export -a -s -u cycle";
		return op_export(WHOOP_C_CYCLE, ACCT, since, until, 0);
	case 7: *name = "export -s cycle (two accounts)";
		return op_export(WHOOP_C_CYCLE, 0, since, NULL, 0);
	case 8: *name = "export -u 2200 -s cycle, jsonl";
		return op_export(WHOOP_C_CYCLE, 0, since, future, 1);
	case 9: *name = "export -s 2200 cycle (nothing)";
		return op_export(WHOOP_C_CYCLE, 0, future, NULL, 0);
	case 10: *name = "export -a -s recovery";
		return op_export(WHOOP_C_RECOVERY, ACCT, since, NULL, 0);
	case 11: *name = "export -s -u recovery (two accounts)";
		return op_export(WHOOP_C_RECOVERY, 0, since, until, 0);
	case 12: *name = "export -a -s sleep";
		return op_export(WHOOP_C_SLEEP, ACCT, since, NULL, 0);
	case 13: *name = "export -s sleep (two accounts)";
		return op_export(WHOOP_C_SLEEP, 0, since, NULL, 1);
	case 14: *name = "export -a -u workout";
		return op_export(WHOOP_C_WORKOUT, ACCT2, NULL, since, 0);
	case 15: *name = "export -s workout (two accounts)";
		return op_export(WHOOP_C_WORKOUT, 0, since, NULL, 0);
	case 16: *name = "export -a body (the small account)";
		return op_export(WHOOP_C_BODY, ACCT2, NULL, NULL, 0);
	case 17: *name = "export -a profile";
		return op_export(WHOOP_C_PROFILE, ACCT, NULL, NULL, 0);
	case 18: *name = "export -a cycle (the small account)";
		return op_export(WHOOP_C_CYCLE, ACCT2, NULL, NULL, 0);
	case 19: *name = "export -s 2200 sleep (nothing)";
		return op_export(WHOOP_C_SLEEP, 0, future, NULL, 1);
	case 20: *name = "health check"; return op_health();
	case 21: *name = "revoke -p (the small account)"; return op_purge();
	}
	return -1;
}

int
main(void)
{
	const char	*tmp = getenv("TMPDIR"), *name = "";
	long		 steps[NOPS];
	char		 p[300], cmd[600];
	int		 i, bad, rc;

	snprintf(dir, sizeof(dir), "%s/whoop-plan.XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(p, sizeof(p), "%s/plan.db", dir);
	w = whoop_new();
	if (!ok(whoop_db_open(w, p, WHOOP_DB_CREATE) == 0, "create: %s",
	    whoop_errmsg(w)))
		return 1;
	parse(WHOOP_C_CYCLE, "cycle_page.json");
	parse(WHOOP_C_RECOVERY, "recovery_page.json");
	parse(WHOOP_C_SLEEP, "sleep_page.json");
	parse(WHOOP_C_WORKOUT, "workout_page.json");
	parse(WHOOP_C_BODY, "body.json");
	parse(WHOOP_C_PROFILE, "profile.json");
	exec("BEGIN");
	add_history(ACCT, 1000000);
	add_history(ACCT2, 2000000);
	exec("COMMIT");
	sqlite3_trace_v2(w->db, SQLITE_TRACE_PROFILE, trace, NULL);

	for (i = 0; i < NOPS; i++) {
		record_start();
		rc = op(i, &name);
		ok(rc != -1, "%s: runs: %s", name, rc == -1 ?
		    whoop_errmsg(w) : "ok");
		bad = scans(name);
		ok(bad == 0 && seen.n > 0, "%s: %d statements, none scans "
		    "a record table", name, seen.n);
	}

	/* Again, now that the records are stored: the steps to beat. */
	for (i = 0; i < NOPS; i++) {
		record_start();
		(void)op(i, &name);
		steps[i] = seen.steps;
	}

	/* Five times the history of the first account, all of it old. */
	seen.on = 0;
	exec("BEGIN");
	for (i = 1; i <= 4; i++)
		add_history(ACCT, 1000000 + i * 100000);
	exec("COMMIT");

	for (i = 0; i < NOPS; i++) {
		record_start();
		(void)op(i, &name);
		seen.on = 0;
		ok(seen.steps <= steps[i] + steps[i] / 5 + 200,
		    "%s: %ld steps with %d old records, %ld with %d", name,
		    seen.steps, 5 * OLD, steps[i], OLD);
	}
	record_start();
	seen.on = 0;

	for (i = 0; i < WHOOP_C_COUNT; i++)
		whoop_page_free(&pages[i]);
	whoop_free(w);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		diag("could not remove %s", dir);
	printf("1..%d\n", tap_n);
	return tap_failed != 0;
}
