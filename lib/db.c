/*
 * Opening the SQLite file: file modes, pragmas, integrity, migrations.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "extern.h"

/* PRAGMA application_id: "whop", so another program's file is known. */
#define WHOOP_APPLICATION_ID	0x77686f70

extern const char *const whoop_migrations[];
extern const int whoop_nmigrations;

/* Run a statement that returns at most one integer. */
static int
pragma_int(struct whoop *w, const char *sql, int *out)
{
	sqlite3_stmt	*st = NULL;
	int		 rc;

	if (sqlite3_prepare_v2(w->db, sql, -1, &st, NULL) != SQLITE_OK)
		return whoop_seterrdb(w, "%s", sql);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (out != NULL)
			*out = sqlite3_column_int(st, 0);
	} else if (rc != SQLITE_DONE) {
		whoop_seterrdb(w, "%s", sql);
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	return 0;
}

static int
exec(struct whoop *w, const char *sql)
{
	if (sqlite3_exec(w->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return whoop_seterrdb(w, "database");
	return 0;
}

/*
 * Create an empty file 0600 before SQLite sees it: SQLite gives its -wal,
 * -shm and -journal files the mode of the database file, so this one
 * decision keeps all of them private whatever the umask.
 */
static int
create_file(struct whoop *w, const char *path)
{
	int	 fd;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd == -1) {
		if (errno == EEXIST)
			return 0;
		return whoop_seterrno(w, WHOOP_E_IO, "create %s", path);
	}
	if (fchmod(fd, 0600) == -1) {
		whoop_seterrno(w, WHOOP_E_IO, "chmod %s", path);
		close(fd);
		unlink(path);
		return -1;
	}
	close(fd);
	return 1;
}

/* The database holds sealed tokens and health data: it is the user's. */
static int
check_file(struct whoop *w, const char *path, int rdonly)
{
	struct stat	 st;
	int		 fd;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd == -1) {
		if (errno == ELOOP)
			return whoop_seterr(w, WHOOP_E_CONFIG,
			    "database %s is a symbolic link; refusing", path);
		if (errno == ENOENT)
			return whoop_seterr(w, WHOOP_E_IO,
			    "no database at %s; run whoop-auth first", path);
		return whoop_seterrno(w, WHOOP_E_IO, "open %s", path);
	}
	if (fstat(fd, &st) == -1) {
		close(fd);
		return whoop_seterrno(w, WHOOP_E_IO, "stat %s", path);
	}
	close(fd);
	if (!S_ISREG(st.st_mode))
		return whoop_seterr(w, WHOOP_E_IO,
		    "database %s is not a regular file", path);
	if (st.st_uid != geteuid())
		return whoop_seterr(w, WHOOP_E_CONFIG,
		    "database %s is owned by uid %lu, not you", path,
		    (unsigned long)st.st_uid);
	if ((st.st_mode & 077) != 0)
		return whoop_seterr(w, WHOOP_E_CONFIG,
		    "database %s is accessible by others (mode %04o); "
		    "run: chmod 600 %s", path,
		    (unsigned)(st.st_mode & 07777), path);
	(void)rdonly;
	return 0;
}

/*
 * The directory holding the database: whoever may write it may plant a
 * -wal or -journal of their own before we open the file, or keep one
 * open and read every page SQLite writes through it.  Yours, and not
 * accessible to group or others, as the data directory whoop-auth
 * makes.  Kept apart from check_file so that each rule reads alone.
 */
static int
check_db_dir(struct whoop *w, const char *path)
{
	struct stat	 st;
	const char	*slash;
	char		*dir;
	int		 fd, rc = -1;

	if ((slash = strrchr(path, '/')) == NULL)
		dir = strdup(".");
	else if (slash == path)
		dir = strdup("/");
	else
		dir = strndup(path, (size_t)(slash - path));
	if (dir == NULL)
		return whoop_seterrno(w, WHOOP_E_NOMEM, "malloc");
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		/* The database's own open says what is missing. */
		rc = errno == ENOENT || errno == EACCES ? 0 :
		    whoop_seterrno(w, WHOOP_E_IO, "directory %s", dir);
		goto out;
	}
	if (fstat(fd, &st) == -1) {
		whoop_seterrno(w, WHOOP_E_IO, "directory %s", dir);
		goto out;
	}
	if (st.st_uid != geteuid()) {
		whoop_seterr(w, WHOOP_E_CONFIG, "the directory %s of database "
		    "%s is owned by uid %lu, not you: keep the database in a "
		    "directory of your own (mkdir -m 700)", dir, path,
		    (unsigned long)st.st_uid);
		goto out;
	}
	if ((st.st_mode & 077) != 0) {
		whoop_seterr(w, WHOOP_E_CONFIG, "the directory %s of database "
		    "%s is accessible by others (mode %04o); run: chmod 700 %s",
		    dir, path, (unsigned int)(st.st_mode & 07777), dir);
		goto out;
	}
	rc = 0;
out:
	if (fd != -1)
		close(fd);
	free(dir);
	return rc;
}

/*
 * SQLite opens an existing -wal, -shm or -journal as it finds it: one
 * planted by someone else would be read as ours and would receive our
 * pages.  Each that exists must be a regular file of yours, 0600.
 */
static int
check_db_sidecars(struct whoop *w, const char *path)
{
	static const char *const sfx[] = { "-wal", "-shm", "-journal" };
	struct stat	 st;
	char		 side[4096];
	size_t		 i;
	int		 fd, n;

	for (i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		n = snprintf(side, sizeof(side), "%s%s", path, sfx[i]);
		if (n < 0 || (size_t)n >= sizeof(side))
			return whoop_seterr(w, WHOOP_E_CONFIG,
			    "database path too long");
		fd = open(side, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
		    O_NONBLOCK);
		if (fd == -1) {
			if (errno == ENOENT)
				continue;
			if (errno == ELOOP || errno == EMLINK)
				return whoop_seterr(w, WHOOP_E_CONFIG, "%s is "
				    "a symbolic link; refusing: remove it", side);
			return whoop_seterrno(w, WHOOP_E_IO, "open %s", side);
		}
		if (fstat(fd, &st) == -1) {
			close(fd);
			return whoop_seterrno(w, WHOOP_E_IO, "stat %s", side);
		}
		close(fd);
		if (!S_ISREG(st.st_mode))
			return whoop_seterr(w, WHOOP_E_CONFIG, "%s is not a "
			    "regular file; refusing: remove it", side);
		if (st.st_uid != geteuid())
			return whoop_seterr(w, WHOOP_E_CONFIG, "%s is owned by "
			    "uid %lu, not you; refusing to use it: stop what "
			    "holds it open and remove it", side,
			    (unsigned long)st.st_uid);
		if ((st.st_mode & 077) != 0)
			return whoop_seterr(w, WHOOP_E_CONFIG, "%s is "
			    "accessible by others (mode %04o); run: chmod 600 "
			    "%s", side, (unsigned int)(st.st_mode & 07777),
			    side);
	}
	return 0;
}

static int
migrate(struct whoop *w, const char *path)
{
	int	 v = 0, i;
	char	 sql[64];

	/* IMMEDIATE: two tools opening a new file must not both migrate. */
	if (exec(w, "BEGIN IMMEDIATE") == -1)
		return -1;
	if (pragma_int(w, "PRAGMA user_version", &v) == -1)
		goto fail;
	for (i = v; i < whoop_nmigrations; i++) {
		if (exec(w, whoop_migrations[i]) == -1) {
			whoop_seterrdb(w, "%s: migration to version %d", path,
			    i + 1);
			goto fail;
		}
		/* PRAGMA takes no bound parameters; i is ours. */
		(void)snprintf(sql, sizeof(sql), "PRAGMA user_version = %d",
		    i + 1);
		if (exec(w, sql) == -1)
			goto fail;
	}
	(void)snprintf(sql, sizeof(sql), "PRAGMA application_id = %d",
	    WHOOP_APPLICATION_ID);
	if (exec(w, sql) == -1 || exec(w, "COMMIT") == -1)
		goto fail;
	return 0;
fail:
	sqlite3_exec(w->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

/* Is this our file, and can this build read it? */
static int
check_schema(struct whoop *w, const char *path, int *need_migrate)
{
	int	 v = 0, app = 0, ntables = 0;

	if (pragma_int(w, "PRAGMA user_version", &v) == -1 ||
	    pragma_int(w, "PRAGMA application_id", &app) == -1 ||
	    pragma_int(w, "SELECT count(*) FROM sqlite_schema", &ntables) == -1)
		return -1;
	if (app != WHOOP_APPLICATION_ID && (ntables > 0 || v > 0))
		return whoop_seterr(w, WHOOP_E_DB_CORRUPT,
		    "%s is not a whoop database (another program's SQLite "
		    "file)", path);
	if (v > whoop_nmigrations)
		return whoop_seterr(w, WHOOP_E_DB_NEWER,
		    "%s has schema version %d; this build understands up "
		    "to %d: upgrade whoop", path, v, whoop_nmigrations);
	*need_migrate = v < whoop_nmigrations;
	return 0;
}

/*
 * The bounded check on open (dbcheck.c), not quick_check: that one reads
 * the whole file, and a run's cost must follow the rows it touches.
 * 1 when the file is damaged, with the message on w.
 */
static int
open_check(struct whoop *w, const char *path)
{
	char	*report = NULL;
	int	 rc;

	rc = whoop_db_sane(w, &report);
	if (rc == 1)
		whoop_seterr(w, WHOOP_E_DB_CORRUPT, "%s is damaged: %s", path,
		    report);
	free(report);
	return rc;
}

int
whoop_db_open(struct whoop *w, const char *path, int flags)
{
	int	 rdonly = (flags & WHOOP_DB_RDONLY) != 0;
	int	 oflags, need = 0, created = 0, rc;

	if (w == NULL)
		return -1;
	whoop_db_close(w);
	if (check_db_dir(w, path) == -1)
		return -1;
	if (!rdonly && (flags & WHOOP_DB_CREATE)) {
		if ((created = create_file(w, path)) == -1)
			return -1;
	}
	if (check_file(w, path, rdonly) == -1 ||
	    check_db_sidecars(w, path) == -1)
		return -1;

	/*
	 * NOMUTEX: a handle is used by one thread, so SQLite need not lock
	 * the connection twice a row (a tenth of an export's instructions).
	 */
	oflags = (rdonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE) |
	    SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_NOMUTEX;
	if (sqlite3_open_v2(path, &w->db, oflags, NULL) != SQLITE_OK) {
		whoop_seterrdb(w, "%s", path);
		goto fail;
	}
	w->db_rdonly = rdonly;
	sqlite3_extended_result_codes(w->db, 1);
	if (sqlite3_busy_timeout(w->db, 5000) != SQLITE_OK)
		goto faildb;
	/* A database that is not one fails here, at its first read. */
	if (exec(w, "PRAGMA foreign_keys = ON") == -1 ||
	    exec(w, "PRAGMA secure_delete = ON") == -1)
		goto fail;
	/* Another program's file is refused before anything changes it. */
	if (check_schema(w, path, &need) == -1)
		goto fail;
	if (!rdonly && (exec(w, "PRAGMA journal_mode = WAL") == -1 ||
	    exec(w, "PRAGMA synchronous = FULL") == -1))
		goto fail;
	if (!created && (rc = open_check(w, path)) != 0) {
		/* The health check reports it; nothing is migrated then. */
		if (rc == 1 && (flags & WHOOP_DB_INSPECT))
			return 0;
		goto fail;
	}
	if (need) {
		if (rdonly) {
			whoop_seterr(w, WHOOP_E_DB,
			    "%s has an older schema (or none); run whoop-sync "
			    "once to upgrade it", path);
			goto fail;
		}
		if (migrate(w, path) == -1)
			goto fail;
	}
	return 0;
faildb:
	whoop_seterrdb(w, "%s", path);
fail:
	if (whoop_errcode(w) == WHOOP_E_DB_CORRUPT &&
	    strstr(whoop_errmsg(w), "whoop database") == NULL &&
	    strstr(whoop_errmsg(w), "damaged") == NULL) {
		char	 msg[sizeof(w->errmsg)];

		(void)snprintf(msg, sizeof(msg), "%s", whoop_errmsg(w));
		whoop_seterr(w, WHOOP_E_DB_CORRUPT,
		    "%s is not a whoop database, or is damaged (%s)", path,
		    msg);
	}
	sqlite3_close(w->db);
	w->db = NULL;
	return -1;
}

void
whoop_db_close(struct whoop *w)
{
	if (w == NULL || w->db == NULL)
		return;
	/* Statements are always finalized, so close_v2 is a plain close. */
	sqlite3_close_v2(w->db);
	w->db = NULL;
}

int
whoop_db_begin(struct whoop *w)
{
	return exec(w, "BEGIN IMMEDIATE");
}

int
whoop_db_commit(struct whoop *w)
{
	return exec(w, "COMMIT");
}

int
whoop_db_rollback(struct whoop *w)
{
	/* Keep the error that led here; a failed rollback adds nothing. */
	if (w != NULL && w->db != NULL && !sqlite3_get_autocommit(w->db))
		sqlite3_exec(w->db, "ROLLBACK", NULL, NULL, NULL);
	return 0;
}

/*
 * quick_check or integrity_check (the health check), over every page.  Returns 0 when "ok", 1 with the first problems in *report
 * (malloc'd), -1 on error.
 */
int
whoop_db_check(struct whoop *w, int full, char **report)
{
	sqlite3_stmt	*st = NULL;
	const char	*sql, *row;
	char		 buf[512];
	size_t		 n = 0;
	int		 rc, bad = 0;

	*report = NULL;
	sql = full ? "PRAGMA integrity_check(20)" : "PRAGMA quick_check(20)";
	if (sqlite3_prepare_v2(w->db, sql, -1, &st, NULL) != SQLITE_OK)
		return whoop_seterrdb(w, "%s", sql);
	buf[0] = '\0';
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		row = (const char *)sqlite3_column_text(st, 0);
		if (row == NULL || strcmp(row, "ok") == 0)
			continue;
		bad = 1;
		if (n < sizeof(buf) - 1) {
			int m = snprintf(buf + n, sizeof(buf) - n, "%s%s",
			    n ? "; " : "", row);
			n = m < 0 ? n : n + (size_t)m;
			if (n >= sizeof(buf))
				n = sizeof(buf) - 1;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return whoop_seterrdb(w, "%s", sql);
	if (bad && (*report = strdup(buf)) == NULL)
		return whoop_seterr(w, WHOOP_E_NOMEM, "out of memory");
	return bad;
}

/* After deleting secrets: nothing of them may linger in the -wal file. */
int
whoop_db_wal_truncate(struct whoop *w)
{
	sqlite3_stmt	*st = NULL;
	int		 busy = 1;

	if (sqlite3_prepare_v2(w->db, "PRAGMA wal_checkpoint(TRUNCATE)", -1,
	    &st, NULL) != SQLITE_OK)
		return whoop_seterrdb(w, "wal checkpoint");
	if (sqlite3_step(st) == SQLITE_ROW)
		busy = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (busy)
		return whoop_seterr(w, WHOOP_E_BUSY, "wal checkpoint could not "
		    "complete: another process is reading the database");
	return 0;
}

int
whoop_db_schema_version(struct whoop *w, int *v)
{
	return pragma_int(w, "PRAGMA user_version", v);
}
