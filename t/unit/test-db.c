/*
 * Unit tests: opening the database: modes, migration, refusals.
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

extern const int whoop_nmigrations;	/* lib/schema.c */

static char	 dir[256];

static char *
path(const char *name)
{
	static char	 buf[4][512];
	static int	 i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
	return buf[i];
}

static int
mode_of(const char *p)
{
	struct stat	 st;

	if (stat(p, &st) == -1)
		return -1;
	return (int)(st.st_mode & 07777);
}

static int
count(struct whoop *w, const char *sql)
{
	sqlite3_stmt	*st;
	int		 n = -1;

	if (sqlite3_prepare_v2(w->db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

static void
write_file(const char *p, const char *data, size_t len, int mode)
{
	int	 fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, mode);

	if (fd == -1 || write(fd, data, len) != (ssize_t)len)
		abort();
	close(fd);
	chmod(p, mode);
}

static void
test_create(void)
{
	struct whoop	*w = whoop_new();
	char		 db[600];
	int		 v = 0, rc;

	snprintf(db, sizeof(db), "%s", path("a.db"));

	umask(022);
	ok(whoop_db_open(w, db, WHOOP_DB_CREATE) == 0, "create: %s",
	    whoop_errmsg(w));
	ok(mode_of(db) == 0600, "db is 0600 under umask 022 (%o)",
	    mode_of(db));
	/* The number of migrations: other branches append theirs. */
	ok(whoop_db_schema_version(w, &v) == 0 && v == whoop_nmigrations,
	    "schema version %d", v);
	ok(whoop_audit(w, 1, "test", "hello\n\x1b[1m") == 0, "audit insert");
	ok(mode_of(path("a.db-wal")) == 0600, "-wal is 0600 (%o)",
	    mode_of(path("a.db-wal")));
	ok(mode_of(path("a.db-shm")) == 0600, "-shm is 0600 (%o)",
	    mode_of(path("a.db-shm")));
	ok(count(w, "SELECT count(*) FROM audit WHERE detail = "
	    "'hello\\x0a\\x1b[1m'") == 1, "audit detail escaped");
	ok(sqlite3_exec(w->db, "UPDATE audit SET event = 'x'", NULL, NULL,
	    NULL) != SQLITE_OK, "audit refuses UPDATE");
	ok(sqlite3_exec(w->db, "DELETE FROM audit", NULL, NULL,
	    NULL) != SQLITE_OK, "audit refuses DELETE");
	ok(count(w, "PRAGMA foreign_keys") == 1, "foreign_keys on");
	ok(count(w, "PRAGMA secure_delete") == 1, "secure_delete on");
	ok(sqlite3_exec(w->db, "INSERT INTO cycle (account_id, id, user_id, "
	    "created_at, updated_at, start, timezone_offset, score_state, raw, "
	    "synced_at) VALUES (99, 1, 1, 'a', 'a', 'a', 'Z', 'SCORED', '{}', "
	    "'a')", NULL, NULL, NULL) != SQLITE_OK,
	    "foreign key to accounts enforced");
	whoop_db_close(w);

	/* Reopen: no migration, same data. */
	rc = whoop_db_open(w, db, 0);
	ok(rc == 0, "reopen: %s", whoop_errmsg(w));
	ok(count(w, "SELECT count(*) FROM audit") == 1, "audit row kept");
	whoop_db_close(w);
	ok(whoop_db_open(w, db, WHOOP_DB_RDONLY) == 0, "open read-only");
	ok(sqlite3_exec(w->db, "INSERT INTO audit (at, event) VALUES "
	    "('a', 'b')", NULL, NULL, NULL) != SQLITE_OK,
	    "read-only refuses writes");
	whoop_db_close(w);
	whoop_free(w);
}

static void
test_refusals(void)
{
	struct whoop	*w = whoop_new();
	char		 junk[4096];
	sqlite3		*other;
	const char	*p;

	ok(whoop_db_open(w, path("missing.db"), 0) == -1 &&
	    strstr(whoop_errmsg(w), "no database") != NULL,
	    "missing file without CREATE: %s", whoop_errmsg(w));
	ok(access(path("missing.db"), F_OK) == -1, "missing file not created");

	chmod(path("a.db"), 0644);
	ok(whoop_db_open(w, path("a.db"), 0) == -1 &&
	    whoop_errcode(w) == WHOOP_E_CONFIG &&
	    strstr(whoop_errmsg(w), "chmod 600") != NULL,
	    "0644 refused: %s", whoop_errmsg(w));
	chmod(path("a.db"), 0600);

	ok(symlink(path("a.db"), path("link.db")) == 0, "symlink made");
	ok(whoop_db_open(w, path("link.db"), 0) == -1 &&
	    strstr(whoop_errmsg(w), "symbolic link") != NULL,
	    "symlink refused: %s", whoop_errmsg(w));

	memset(junk, 'x', sizeof(junk));
	write_file(path("junk.db"), junk, sizeof(junk), 0600);
	ok(whoop_db_open(w, path("junk.db"), 0) == -1 &&
	    whoop_errcode(w) == WHOOP_E_DB_CORRUPT &&
	    strstr(whoop_errmsg(w), "not a whoop database") != NULL,
	    "not a database: %s", whoop_errmsg(w));
	ok(whoop_db_open(w, path("junk.db"), WHOOP_DB_RDONLY) == -1 &&
	    whoop_errcode(w) == WHOOP_E_DB_CORRUPT,
	    "not a database, read-only: %s", whoop_errmsg(w));

	p = path("other.db");
	if (sqlite3_open(p, &other) == SQLITE_OK) {
		sqlite3_exec(other, "CREATE TABLE mail(x)", NULL, NULL, NULL);
		sqlite3_close(other);
	}
	chmod(p, 0600);
	ok(whoop_db_open(w, p, 0) == -1 &&
	    strstr(whoop_errmsg(w), "another program") != NULL,
	    "another program's file: %s", whoop_errmsg(w));

	/* A file from a newer whoop. */
	p = path("newer.db");
	ok(whoop_db_open(w, p, WHOOP_DB_CREATE) == 0, "create newer.db");
	sqlite3_exec(w->db, "PRAGMA user_version = 99", NULL, NULL, NULL);
	whoop_db_close(w);
	ok(whoop_db_open(w, p, 0) == -1 &&
	    whoop_errcode(w) == WHOOP_E_DB_NEWER &&
	    strstr(whoop_errmsg(w), "upgrade") != NULL,
	    "newer schema refused: %s", whoop_errmsg(w));

	/* An empty file (as a crash right after creation leaves). */
	write_file(path("empty.db"), "", 0, 0600);
	ok(whoop_db_open(w, path("empty.db"), WHOOP_DB_RDONLY) == -1,
	    "empty file read-only: needs migration: %s", whoop_errmsg(w));
	ok(whoop_db_open(w, path("empty.db"), 0) == 0,
	    "empty file migrates: %s", whoop_errmsg(w));
	whoop_db_close(w);
	whoop_free(w);
}

/* Damage a page in the middle of a real database. */
static void
test_corrupt(void)
{
	struct whoop	*w = whoop_new();
	const char	*p = path("corrupt.db");
	char		 sql[256], page[4096], *report;
	int		 fd, i, rc;
	off_t		 size;

	ok(whoop_db_open(w, p, WHOOP_DB_CREATE) == 0, "create corrupt.db");
	sqlite3_exec(w->db, "INSERT INTO accounts VALUES (1, 'active', NULL, "
	    "'a', 'a')", NULL, NULL, NULL);
	for (i = 0; i < 400; i++) {
		snprintf(sql, sizeof(sql), "INSERT INTO audit (at, event, "
		    "detail) VALUES ('t', 'e%d', hex(randomblob(200)))", i);
		sqlite3_exec(w->db, sql, NULL, NULL, NULL);
	}
	sqlite3_exec(w->db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL,
	    NULL);
	whoop_db_close(w);

	fd = open(p, O_RDWR);
	size = lseek(fd, 0, SEEK_END);
	memset(page, 0xA5, sizeof(page));
	/*
	 * Damage the audit rows' pages, written last, in the second half of
	 * the file: the schema's pages (more of them with each migration)
	 * come first and stay whole, so that INSPECT can open the file.
	 */
	for (off_t off = size / 2 / 4096 * 4096 + 4096; off + 4096 <= size;
	    off += 4096 * 4)
		if (pwrite(fd, page, sizeof(page), off) != (ssize_t)sizeof(page))
			diag("short pwrite");
	close(fd);
	ok(size > 4096 * 8, "database has pages to damage (%lld bytes)",
	    (long long)size);
	/*
	 * The check on open is bounded (dbcheck.c): it walks the newest
	 * edge of each table, not every page.  Damage is met there, or by
	 * the first run that reads the page, and always by the full check.
	 */
	if (whoop_db_open(w, p, 0) == 0) {
		rc = sqlite3_exec(w->db, "SELECT count(detail) FROM audit",
		    NULL, NULL, NULL);
		if (rc != SQLITE_OK)
			(void)whoop_seterrdb(w, "audit");
	}
	ok(whoop_errcode(w) == WHOOP_E_DB_CORRUPT &&
	    strstr(whoop_errmsg(w), "damage") != NULL &&
	    strstr(whoop_errmsg(w), "whoop-sync -c") != NULL,
	    "damaged pages: met on open or by the run that reads them");
	diag("%s", whoop_errmsg(w));
	ok(whoop_db_open(w, p, WHOOP_DB_INSPECT) == 0,
	    "damaged pages: WHOOP_DB_INSPECT opens the file: %s",
	    whoop_errmsg(w));
	report = NULL;
	rc = whoop_db_check(w, 1, &report);
	ok(rc == 1 || (rc == -1 && whoop_errcode(w) == WHOOP_E_DB_CORRUPT),
	    "damaged pages: integrity_check reports them");
	diag("%s", report != NULL ? report : whoop_errmsg(w));
	free(report);
	whoop_db_close(w);
	whoop_free(w);
}

/* A file cut short is refused on open, by every tool, before any write. */
static void
test_truncated(void)
{
	struct whoop	*w = whoop_new();
	const char	*p = path("cut.db");
	char		 sql[256], *report = NULL;
	struct stat	 st;
	int		 i;

	ok(whoop_db_open(w, p, WHOOP_DB_CREATE) == 0, "create cut.db");
	for (i = 0; i < 400; i++) {
		snprintf(sql, sizeof(sql), "INSERT INTO audit (at, event, "
		    "detail) VALUES ('t', 'e%d', hex(randomblob(200)))", i);
		sqlite3_exec(w->db, sql, NULL, NULL, NULL);
	}
	ok(whoop_db_sane(w, &report) == 0 && report == NULL,
	    "a whole file passes the bounded check");
	whoop_db_close(w);
	ok(stat(p, &st) == 0 && st.st_size > 4096 * 8 &&
	    truncate(p, st.st_size / 2 / 4096 * 4096) == 0,
	    "cut the file in half, at a page");
	/* SQLite's own check or ours (dbcheck.c), whichever comes first. */
	for (i = 0; i < 3; i++) {
		static const int fl[] = { 0, WHOOP_DB_RDONLY, WHOOP_DB_INSPECT };

		ok(whoop_db_open(w, p, fl[i]) == -1 &&
		    whoop_errcode(w) == WHOOP_E_DB_CORRUPT &&
		    strstr(whoop_errmsg(w), "damaged") != NULL,
		    "a file cut short is refused (flags %d)", fl[i]);
		diag("%s", whoop_errmsg(w));
	}
	ok(stat(p, &st) == 0 && st.st_size % 4096 == 0,
	    "and nothing was written to it");
	whoop_db_close(w);
	whoop_free(w);
}

int
main(void)
{
	const char	*tmp = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/whoop-db.XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL)
		return 1;
	test_create();
	test_refusals();
	test_corrupt();
	test_truncated();
	{
		char	 cmd[600];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			diag("could not remove %s", dir);
	}
	return done_testing();
}
