/*
 * Unit tests: XDG paths with their overrides, and private directories.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "extern.h"
#include "tap.h"

static const char *const vars[] = {
	"HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "WHOOP_DATA_DIR",
	"WHOOP_CONFIG_DIR", "WHOOP_DB", "WHOOP_KEY_FILE",
};

static struct whoop *w;

static void
clearenv_whoop(void)
{
	size_t	 i;

	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		unsetenv(vars[i]);
}

static int
init_ok(struct whoop_paths *p, const char *dbopt, const char *what)
{
	whoop_clearerr(w);
	if (!ok(whoop_paths_init(w, p, dbopt) == 0, "init: %s", what)) {
		diag("%s", whoop_errmsg(w));
		return 0;
	}
	return 1;
}

static mode_t
modeof(const char *path)
{
	struct stat	 st;

	if (lstat(path, &st) == -1)
		return (mode_t)-1;
	return st.st_mode;
}

int
main(void)
{
	struct whoop_paths	 p;
	char			 top[1024], d[PATH_MAX], e[PATH_MAX];
	char			 want[2 * PATH_MAX + 128], cmd[PATH_MAX + 16];
	const char		*tmp;
	mode_t			 m;
	int			 fd;

	w = whoop_new();
	ok(w != NULL, "handle");
	clearenv_whoop();

	/* Defaults under HOME. */
	setenv("HOME", "/home/u", 1);
	if (init_ok(&p, NULL, "HOME only")) {
		is_str(p.data_dir, "/home/u/.local/share/whoop", "data_dir");
		is_str(p.db, "/home/u/.local/share/whoop/whoop.db", "db");
		is_str(p.lock, "/home/u/.local/share/whoop/whoop.db.lock",
		    "lock");
		is_str(p.config_dir, "/home/u/.config/whoop", "config_dir");
		is_str(p.config, "/home/u/.config/whoop/config", "config");
		is_str(p.key, "/home/u/.config/whoop/key", "key");
	}
	whoop_paths_free(&p);
	ok(p.data_dir == NULL && p.db == NULL && p.key == NULL,
	    "free zeroes the struct");
	whoop_paths_free(&p);
	whoop_paths_free(NULL);
	ok(1, "free twice and free NULL");

	/* XDG, absolute only; empty values count as unset. */
	setenv("XDG_DATA_HOME", "/xdg/data", 1);
	setenv("XDG_CONFIG_HOME", "/xdg/config/", 1);
	if (init_ok(&p, NULL, "XDG absolute")) {
		is_str(p.data_dir, "/xdg/data/whoop", "XDG data_dir");
		is_str(p.db, "/xdg/data/whoop/whoop.db", "XDG db");
		is_str(p.config, "/xdg/config/whoop/config",
		    "XDG config (trailing slash dropped)");
		is_str(p.key, "/xdg/config/whoop/key", "XDG key");
	}
	whoop_paths_free(&p);
	setenv("XDG_DATA_HOME", "rel/data", 1);
	setenv("XDG_CONFIG_HOME", "", 1);
	if (init_ok(&p, NULL, "XDG relative and empty")) {
		is_str(p.data_dir, "/home/u/.local/share/whoop",
		    "relative XDG_DATA_HOME ignored");
		is_str(p.config_dir, "/home/u/.config/whoop",
		    "empty XDG_CONFIG_HOME ignored");
	}
	whoop_paths_free(&p);

	/* WHOOP_* overrides and the -d option. */
	setenv("XDG_DATA_HOME", "/xdg/data", 1);
	setenv("WHOOP_DATA_DIR", "/w/data", 1);
	setenv("WHOOP_CONFIG_DIR", "/w/conf", 1);
	if (init_ok(&p, NULL, "WHOOP_*_DIR")) {
		is_str(p.data_dir, "/w/data", "WHOOP_DATA_DIR wins over XDG");
		is_str(p.db, "/w/data/whoop.db", "db in WHOOP_DATA_DIR");
		is_str(p.config, "/w/conf/config", "WHOOP_CONFIG_DIR config");
		is_str(p.key, "/w/conf/key", "WHOOP_CONFIG_DIR key");
	}
	whoop_paths_free(&p);
	setenv("WHOOP_DB", "/w/other.db", 1);
	setenv("WHOOP_KEY_FILE", "/w/k", 1);
	if (init_ok(&p, NULL, "WHOOP_DB")) {
		is_str(p.db, "/w/other.db", "WHOOP_DB");
		is_str(p.lock, "/w/other.db.lock", "lock beside WHOOP_DB");
		is_str(p.key, "/w/k", "WHOOP_KEY_FILE");
		is_str(p.data_dir, "/w/data", "data_dir still set");
	}
	whoop_paths_free(&p);
	if (init_ok(&p, "./x.db", "-d option")) {
		is_str(p.db, "./x.db", "-d wins over WHOOP_DB");
		is_str(p.lock, "./x.db.lock", "lock beside -d");
	}
	whoop_paths_free(&p);
	setenv("WHOOP_DB", "", 1);
	setenv("WHOOP_KEY_FILE", "", 1);
	if (init_ok(&p, NULL, "empty WHOOP_DB")) {
		is_str(p.db, "/w/data/whoop.db", "empty WHOOP_DB ignored");
		is_str(p.key, "/w/conf/key", "empty WHOOP_KEY_FILE ignored");
	}
	whoop_paths_free(&p);
	whoop_clearerr(w);
	ok(whoop_paths_init(w, &p, "") == -1 &&
	    whoop_errcode(w) == WHOOP_E_CONFIG, "empty -d refused");

	/* Without HOME: fine with both overrides, an error without. */
	unsetenv("HOME");
	unsetenv("XDG_DATA_HOME");
	init_ok(&p, NULL, "no HOME, WHOOP_*_DIR set");
	whoop_paths_free(&p);
	unsetenv("WHOOP_CONFIG_DIR");
	whoop_clearerr(w);
	memset(&p, 0xff, sizeof(p));
	ok(whoop_paths_init(w, &p, NULL) == -1 &&
	    whoop_errcode(w) == WHOOP_E_CONFIG, "no HOME, no config dir");
	ok(strstr(whoop_errmsg(w), "HOME") != NULL &&
	    strstr(whoop_errmsg(w), "WHOOP_CONFIG_DIR") != NULL,
	    "message names HOME and the override");
	ok(p.data_dir == NULL && p.db == NULL, "struct zeroed on error");
	setenv("WHOOP_CONFIG_DIR", "/w/conf", 1);
	unsetenv("WHOOP_DATA_DIR");
	whoop_clearerr(w);
	ok(whoop_paths_init(w, &p, "/x.db") == -1 &&
	    whoop_errcode(w) == WHOOP_E_CONFIG &&
	    strstr(whoop_errmsg(w), "WHOOP_DATA_DIR") != NULL,
	    "no HOME, no data dir");
	setenv("HOME", "", 1);
	ok(whoop_paths_init(w, &p, NULL) == -1, "empty HOME is unset");
	setenv("HOME", "home/u", 1);
	whoop_clearerr(w);
	ok(whoop_paths_init(w, &p, NULL) == -1 &&
	    strstr(whoop_errmsg(w), "absolute") != NULL,
	    "relative HOME refused");
	ok(whoop_paths_init(NULL, &p, NULL) == -1, "NULL handle");
	clearenv_whoop();

	/* mkdir_private, in a scratch directory. */
	tmp = getenv("TMPDIR");
	if (tmp == NULL || *tmp == '\0')
		tmp = "/tmp";
	(void)snprintf(top, sizeof(top), "%s/test-paths.XXXXXX", tmp);
	if (!ok(mkdtemp(top) != NULL, "scratch directory")) {
		whoop_free(w);
		return done_testing();
	}
	umask(022);

	(void)snprintf(d, sizeof(d), "%s/a/b/c", top);
	whoop_clearerr(w);
	ok(whoop_mkdir_private(w, d) == 0, "nested directories created");
	if (whoop_errcode(w) != WHOOP_E_NONE)
		diag("%s", whoop_errmsg(w));
	m = modeof(d);
	ok(S_ISDIR(m) && (m & 07777) == 0700, "final dir 0700 under umask "
	    "022 (%o)", (unsigned int)(m & 07777));
	(void)snprintf(e, sizeof(e), "%s/a", top);
	m = modeof(e);
	ok(S_ISDIR(m) && (m & 07777) == 0700, "created parent 0700 (%o)",
	    (unsigned int)(m & 07777));
	ok(whoop_mkdir_private(w, d) == 0, "existing 0700 dir accepted");
	(void)snprintf(e, sizeof(e), "%s/a/b/c///", top);
	ok(whoop_mkdir_private(w, e) == 0, "trailing slashes");

	/* A umask that takes everything still gives 0700. */
	umask(0777);
	(void)snprintf(d, sizeof(d), "%s/u/v", top);
	ok(whoop_mkdir_private(w, d) == 0, "created under umask 0777");
	m = modeof(d);
	ok((m & 07777) == 0700, "0700 under umask 0777 (%o)",
	    (unsigned int)(m & 07777));
	(void)snprintf(e, sizeof(e), "%s/u", top);
	m = modeof(e);
	ok((m & 07777) == 0700, "parent 0700 under umask 0777 (%o)",
	    (unsigned int)(m & 07777));
	umask(022);

	/* An existing directory others can reach: refused with the hint. */
	(void)snprintf(d, sizeof(d), "%s/open", top);
	mkdir(d, 0755);
	chmod(d, 0755);
	whoop_clearerr(w);
	ok(whoop_mkdir_private(w, d) == -1 &&
	    whoop_errcode(w) == WHOOP_E_CONFIG, "existing 0755 refused");
	(void)snprintf(want, sizeof(want), "directory %s is accessible by "
	    "others (mode 0755); run: chmod 700 %s", d, d);
	is_str(whoop_errmsg(w), want, "message with the chmod hint");
	m = modeof(d);
	ok((m & 07777) == 0755, "mode left alone");
	chmod(d, 0710);
	ok(whoop_mkdir_private(w, d) == -1 &&
	    strstr(whoop_errmsg(w), "mode 0710") != NULL,
	    "group-searchable refused too");

	/* A directory of someone else's, even 0700. */
	if (geteuid() == 0) {
		(void)snprintf(d, sizeof(d), "%s/theirs", top);
		mkdir(d, 0700);
		ok(chown(d, 65534, 65534) == 0, "chown to nobody");
		whoop_clearerr(w);
		ok(whoop_mkdir_private(w, d) == -1 &&
		    whoop_errcode(w) == WHOOP_E_CONFIG &&
		    strstr(whoop_errmsg(w), "owned by uid 65534") != NULL,
		    "foreign owner refused");
	} else
		skip(2, "chown needs root");

	/* A symbolic link to a good directory is refused. */
	(void)snprintf(d, sizeof(d), "%s/a/b/c", top);
	(void)snprintf(e, sizeof(e), "%s/link", top);
	ok(symlink(d, e) == 0, "symlink made");
	whoop_clearerr(w);
	ok(whoop_mkdir_private(w, e) == -1 &&
	    whoop_errcode(w) == WHOOP_E_CONFIG &&
	    strstr(whoop_errmsg(w), "symbolic link") != NULL,
	    "symlink refused");
	(void)snprintf(e, sizeof(e), "%s/link/", top);
	ok(whoop_mkdir_private(w, e) == -1 &&
	    strstr(whoop_errmsg(w), "symbolic link") != NULL,
	    "symlink with a trailing slash refused");
	(void)snprintf(e, sizeof(e), "%s/dangling", top);
	(void)snprintf(d, sizeof(d), "%s/nowhere", top);
	ok(symlink(d, e) == 0, "dangling symlink made");
	ok(whoop_mkdir_private(w, e) == -1 &&
	    strstr(whoop_errmsg(w), "symbolic link") != NULL,
	    "dangling symlink refused");
	ok(modeof(d) == (mode_t)-1, "nothing created through it");

	/* A file where the directory should be, or a parent of it. */
	(void)snprintf(d, sizeof(d), "%s/file", top);
	fd = open(d, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ok(fd != -1, "file made");
	if (fd != -1)
		close(fd);
	whoop_clearerr(w);
	ok(whoop_mkdir_private(w, d) == -1 &&
	    strstr(whoop_errmsg(w), "not a directory") != NULL,
	    "a file is refused");
	(void)snprintf(d, sizeof(d), "%s/file/sub", top);
	whoop_clearerr(w);
	ok(whoop_mkdir_private(w, d) == -1 && whoop_errcode(w) != 0,
	    "a file as parent fails");
	ok(whoop_mkdir_private(w, "") == -1, "empty path refused");
	ok(whoop_mkdir_private(NULL, "") == -1, "NULL handle");

	(void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	ok(system(cmd) == 0, "scratch removed");
	whoop_free(w);
	return done_testing();
}
