/*
 * Unit tests: the local trust boundaries of issue 12 that the library
 * keeps.  The config file and its directory (owner, mode, FIFO, symbolic
 * link), the database's directory and its -wal, -shm and -journal, the
 * control bytes in messages, and the system's word for a failed write.
 *
 * Owners other than ours need root (chown); those cases skip otherwise.
 */
#include <sys/resource.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "extern.h"
#include "tap.h"

static char	 top[256];

static char *
at(const char *name)
{
	static char	 buf[4][512];
	static int	 i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", top, name);
	return buf[i];
}

static void
put(const char *p, const char *s, mode_t mode)
{
	int	 fd;

	unlink(p);
	if ((fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0600)) == -1 ||
	    write(fd, s, strlen(s)) != (ssize_t)strlen(s) ||
	    fchmod(fd, mode) == -1)
		abort();
	close(fd);
}

/* Another user's uid for chown, or -1 when we cannot give files away. */
static uid_t
other_uid(void)
{
	struct passwd	*pw;

	if (geteuid() != 0)
		return (uid_t)-1;
	if ((pw = getpwnam("nobody")) != NULL && pw->pw_uid != 0)
		return pw->pw_uid;
	return 65534;
}

static double
now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Load must fail with 78's class, and the message must hold want. */
static void
refused(struct whoop *w, const char *path, const char *want,
    const char *what)
{
	struct whoop_config	 c;

	whoop_config_init(&c);
	whoop_clearerr(w);
	ok(whoop_config_load(w, &c, path, 0) == -1 &&
	    whoop_errcode(w) == WHOOP_E_CONFIG && c.key_command == NULL,
	    "config %s: refused, nothing taken", what);
	if (!ok(strstr(whoop_errmsg(w), want) != NULL,
	    "config %s: says \"%s\"", what, want))
		diag("got: %s", whoop_errmsg(w));
	whoop_config_free(&c);
}

static void
test_config(struct whoop *w)
{
	struct whoop_config	 c;
	char			 cfg[512], want[2048];
	uid_t			 other = other_uid();
	double			 t0;

	snprintf(cfg, sizeof(cfg), "%s", at("conf/config"));
	ok(mkdir(at("conf"), 0755) == 0, "a config directory, 0755");
	put(cfg, "client_id = x\nkey_command = /bin/true\n", 0644);
	whoop_config_init(&c);
	ok(whoop_config_load(w, &c, cfg, 1) == 0 && c.key_command != NULL,
	    "0644 in a 0755 directory of ours: read (%s)", whoop_errmsg(w));
	whoop_config_free(&c);

	ok(chmod(cfg, 0666) == 0, "config 0666");
	(void)snprintf(want, sizeof(want), "config file %s is writable by "
	    "others (mode 0666); refusing to run the commands in it: check "
	    "it, then run: chmod go-w %s", cfg, cfg);
	refused(w, cfg, want, "0666");
	ok(chmod(cfg, 0620) == 0, "config 0620");
	refused(w, cfg, "writable by others (mode 0620)", "group-writable");
	ok(chmod(cfg, 0644) == 0, "config 0644 again");

	if (other == (uid_t)-1)
		skip(3, "not root: cannot give the config file away");
	else {
		ok(chown(cfg, other, (gid_t)-1) == 0, "config given to uid "
		    "%lu", (unsigned long)other);
		(void)snprintf(want, sizeof(want), "config file %s is owned "
		    "by uid %lu, not you; refusing to run the commands in it",
		    cfg, (unsigned long)other);
		refused(w, cfg, want, "owned by another uid");
		if (chown(cfg, geteuid(), (gid_t)-1) == -1)
			abort();
	}

	/* The directory: others may not write it. */
	ok(chmod(at("conf"), 0777) == 0, "config directory 0777");
	(void)snprintf(want, sizeof(want), "config directory %s is writable "
	    "by others (mode 0777); run: chmod go-w %s", at("conf"),
	    at("conf"));
	refused(w, cfg, want, "in a 0777 directory");
	ok(chmod(at("conf"), 01777) == 0, "config directory 1777");
	refused(w, cfg, "writable by others (mode 1777)", "in a 1777 "
	    "directory");
	ok(chmod(at("conf"), 0755) == 0, "config directory 0755 again");
	if (other == (uid_t)-1)
		skip(2, "not root: cannot give the config directory away");
	else {
		if (chown(at("conf"), other, (gid_t)-1) == -1)
			abort();
		refused(w, cfg, "config directory", "in another uid's "
		    "directory");
		if (chown(at("conf"), geteuid(), (gid_t)-1) == -1)
			abort();
	}

	/* A FIFO is refused at once, without waiting for a writer. */
	unlink(cfg);
	ok(mkfifo(cfg, 0600) == 0, "config is a FIFO");
	t0 = now();
	refused(w, cfg, "is not a regular file", "FIFO");
	ok(now() - t0 < 1, "a FIFO config: refused at once (%.2f s)",
	    now() - t0);
	unlink(cfg);

	/* A symbolic link, even to a good file of ours. */
	put(at("conf/real"), "client_id = x\n", 0600);
	ok(symlink(at("conf/real"), cfg) == 0, "config is a symbolic link");
	refused(w, cfg, "is a symbolic link; refusing", "symbolic link");
	unlink(cfg);
	unlink(at("conf/real"));

	/* A missing file in a loose directory is still no config at all. */
	ok(chmod(at("conf"), 0777) == 0 &&
	    whoop_config_load(w, &c, cfg, 0) == 0, "no file, loose "
	    "directory: nothing to refuse");
	chmod(at("conf"), 0700);
	rmdir(at("conf"));
}

static void
test_db_dir(struct whoop *w)
{
	char		 db[512], want[2048];
	uid_t		 other = other_uid();
	static const char *const sfx[] = { "-wal", "-shm", "-journal" };
	char		 side[600];
	size_t		 i;

	snprintf(db, sizeof(db), "%s", at("data/whoop.db"));
	ok(mkdir(at("data"), 0700) == 0, "a data directory, 0700");
	ok(whoop_db_open(w, db, WHOOP_DB_CREATE) == 0, "create: %s",
	    whoop_errmsg(w));
	whoop_db_close(w);

	ok(chmod(at("data"), 0777) == 0, "data directory 0777");
	(void)snprintf(want, sizeof(want), "the directory %s of database %s "
	    "is accessible by others (mode 0777); run: chmod 700 %s",
	    at("data"), db, at("data"));
	whoop_clearerr(w);
	ok(whoop_db_open(w, db, 0) == -1 && whoop_errcode(w) == WHOOP_E_CONFIG,
	    "0777 data directory: refused (78)");
	is_str(whoop_errmsg(w), want, "0777: says the fix");
	ok(whoop_db_open(w, db, WHOOP_DB_RDONLY) == -1 &&
	    whoop_errcode(w) == WHOOP_E_CONFIG, "read-only (whoop-export) "
	    "too");
	ok(chmod(at("data"), 01777) == 0 && whoop_db_open(w, db, 0) == -1 &&
	    whoop_errcode(w) == WHOOP_E_CONFIG, "1777 data directory: "
	    "refused");
	ok(chmod(at("data"), 0750) == 0 && whoop_db_open(w, db, 0) == -1 &&
	    whoop_errcode(w) == WHOOP_E_CONFIG, "0750 data directory: "
	    "refused");
	ok(chmod(at("data"), 0700) == 0 && whoop_db_open(w, db, 0) == 0,
	    "0700 again: opens (%s)", whoop_errmsg(w));
	whoop_db_close(w);
	if (other == (uid_t)-1)
		skip(1, "not root: cannot give the data directory away");
	else {
		if (chown(at("data"), other, (gid_t)-1) == -1)
			abort();
		ok(whoop_db_open(w, db, 0) == -1 &&
		    whoop_errcode(w) == WHOOP_E_CONFIG &&
		    strstr(whoop_errmsg(w), "is owned by uid") != NULL,
		    "another uid's data directory: refused: %s",
		    whoop_errmsg(w));
		if (chown(at("data"), geteuid(), (gid_t)-1) == -1)
			abort();
	}

	/* Planted -wal, -shm, -journal: loose, foreign, not a file. */
	for (i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		snprintf(side, sizeof(side), "%s%s", db, sfx[i]);
		unlink(side);
		put(side, "", 0666);
		whoop_clearerr(w);
		ok(whoop_db_open(w, db, 0) == -1 &&
		    whoop_errcode(w) == WHOOP_E_CONFIG &&
		    strstr(whoop_errmsg(w), "accessible by others (mode "
		    "0666); run: chmod 600") != NULL,
		    "a 0666 %s: refused: %s", sfx[i], whoop_errmsg(w));
		ok(whoop_db_open(w, db, WHOOP_DB_RDONLY) == -1,
		    "a 0666 %s: refused read-only too", sfx[i]);
		if (other == (uid_t)-1)
			skip(1, "not root: cannot plant a foreign file");
		else {
			chmod(side, 0600);
			if (chown(side, other, (gid_t)-1) == -1)
				abort();
			ok(whoop_db_open(w, db, 0) == -1 &&
			    whoop_errcode(w) == WHOOP_E_CONFIG &&
			    strstr(whoop_errmsg(w), "is owned by uid") != NULL,
			    "another uid's %s, 0600: refused: %s", sfx[i],
			    whoop_errmsg(w));
		}
		unlink(side);
		ok(symlink(at("elsewhere"), side) == 0 &&
		    whoop_db_open(w, db, 0) == -1 &&
		    strstr(whoop_errmsg(w), "symbolic link") != NULL,
		    "a symbolic link as %s: refused", sfx[i]);
		unlink(side);
	}
	ok(whoop_db_open(w, db, 0) == 0, "without them: opens (%s)",
	    whoop_errmsg(w));
	whoop_db_close(w);
}

/* No control byte of a path or a name reaches a message raw. */
static void
test_messages(struct whoop *w)
{
	char	 db[600];
	size_t	 i;
	int	 raw = 0;

	snprintf(db, sizeof(db), "%s/x\033]0;pwned\007\033[2J\r\n\302\233y",
	    top);
	whoop_clearerr(w);
	ok(whoop_db_open(w, db, 0) == -1, "a database that is not there");
	for (i = 0; whoop_errmsg(w)[i] != '\0'; i++)
		if ((unsigned char)whoop_errmsg(w)[i] < 0x20 ||
		    (unsigned char)whoop_errmsg(w)[i] == 0x7f ||
		    ((unsigned char)whoop_errmsg(w)[i] == 0xc2 &&
		    (unsigned char)whoop_errmsg(w)[i + 1] == 0x9b))
			raw = 1;
	ok(!raw, "no control byte in the message: %s", whoop_errmsg(w));
	ok(strstr(whoop_errmsg(w), "x\\x1b]0;pwned\\x07\\x1b[2J\\x0d\\x0a"
	    "\\xc2\\x9by") != NULL, "the path is shown escaped");
	whoop_seterr(w, WHOOP_E_FAIL, "caf\303\251 \\x41 ok");
	is_str(whoop_errmsg(w), "caf\303\251 \\x41 ok",
	    "UTF-8 text and backslashes are left as they are");
	is_str(whoop_esc("a\033b\303\251"), "a\\x1bb\\xc3\\xa9",
	    "whoop_esc escapes as whoop_escape does");
}

/*
 * Past the file size limit SQLite says "disk I/O error"; the message is
 * the system's: "File too large".
 */
static void
test_efbig(struct whoop *w)
{
	struct rlimit	 rl, old;
	int		 i, rc = 0;
	char		 db[512], sql[256];

	snprintf(db, sizeof(db), "%s", at("data/big.db"));

	signal(SIGXFSZ, SIG_IGN);
	ok(whoop_db_open(w, db, WHOOP_DB_CREATE) == 0, "create big.db: %s",
	    whoop_errmsg(w));
	if (getrlimit(RLIMIT_FSIZE, &old) == -1)
		abort();
	rl = old;
	rl.rlim_cur = 256 * 1024;
	if (setrlimit(RLIMIT_FSIZE, &rl) == -1) {
		skip(3, "cannot set a file size limit");
		whoop_db_close(w);
		return;
	}
	if (sqlite3_exec(w->db, "CREATE TABLE IF NOT EXISTS t (x)", NULL,
	    NULL, NULL) != SQLITE_OK)
		diag("create: %s", sqlite3_errmsg(w->db));
	for (i = 0; i < 200 && rc == 0; i++) {
		(void)snprintf(sql, sizeof(sql), "INSERT INTO t VALUES "
		    "(randomblob(8192))");
		rc = whoop_db_begin(w) == -1 ? -1 :
		    sqlite3_exec(w->db, sql, NULL, NULL, NULL) != SQLITE_OK ?
		    whoop_seterrdb(w, "database") : whoop_db_commit(w);
		if (rc == -1)
			whoop_db_rollback(w);
	}
	(void)setrlimit(RLIMIT_FSIZE, &old);
	ok(rc == -1, "writing past a 256 KiB file size limit fails");
	diag("sqlite: %s, system errno %d", sqlite3_errmsg(w->db),
	    sqlite3_system_errno(w->db));
	ok(strstr(whoop_errmsg(w), strerror(EFBIG)) != NULL,
	    "the message is the system's: %s", whoop_errmsg(w));
	ok(strstr(whoop_errmsg(w), "disk I/O error") == NULL,
	    "not \"disk I/O error\"");
	whoop_db_close(w);
}

int
main(void)
{
	struct whoop	*w = whoop_new();
	const char	*tmp = getenv("TMPDIR");
	char		 cmd[600];

	if (w == NULL)
		abort();
	umask(022);
	snprintf(top, sizeof(top), "%s/whoop-trust.XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	if (mkdtemp(top) == NULL)
		return 1;
	test_config(w);
	test_db_dir(w);
	test_messages(w);
	test_efbig(w);
	whoop_free(w);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	if (system(cmd) != 0)
		diag("could not remove %s", top);
	return done_testing();
}
