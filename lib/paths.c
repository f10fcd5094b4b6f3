/*
 * Where the files live (XDG Base Directory specification, overridden by
 * the WHOOP_* variables and the -d option), and a mkdir -p that leaves
 * private directories.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "extern.h"

#ifndef PATH_MAX
#define PATH_MAX	4096
#endif

/* An environment variable; an empty value counts as unset. */
static const char *
env(const char *name)
{
	const char	*v = getenv(name);

	return v != NULL && *v != '\0' ? v : NULL;
}

/*
 * malloc'd a + b + c, with the trailing slashes of a dropped so that
 * "/x/" and "/x" give the same paths.  NULL with an error set.
 */
static char *
join(struct whoop *w, const char *a, const char *b, const char *c)
{
	size_t	 la = strlen(a), lb = strlen(b), lc = strlen(c);
	char	*p;

	while (la > 1 && a[la - 1] == '/')
		la--;
	if (la >= PATH_MAX || lb + lc >= PATH_MAX - la) {
		whoop_seterr(w, WHOOP_E_CONFIG, "path too long (%zu bytes)",
		    la + lb + lc);
		return NULL;
	}
	if ((p = malloc(la + lb + lc + 1)) == NULL) {
		whoop_seterrno(w, WHOOP_E_NOMEM, "malloc");
		return NULL;
	}
	memcpy(p, a, la);
	memcpy(p + la, b, lb);
	memcpy(p + la + lb, c, lc);
	p[la + lb + lc] = '\0';
	return p;
}

/*
 * $OVERRIDE, else $XDG/whoop when absolute (the specification says a
 * relative value is invalid and must be ignored), else $HOME/homesub.
 */
static char *
basedir(struct whoop *w, const char *override, const char *xdg,
    const char *homesub)
{
	const char	*v;

	if ((v = env(override)) != NULL)
		return join(w, v, "", "");
	if ((v = env(xdg)) != NULL && v[0] == '/')
		return join(w, v, "/whoop", "");
	if ((v = env("HOME")) == NULL) {
		whoop_seterr(w, WHOOP_E_CONFIG, "HOME is not set: set HOME, "
		    "%s or %s", xdg, override);
		return NULL;
	}
	if (v[0] != '/') {
		whoop_seterr(w, WHOOP_E_CONFIG, "HOME is not an absolute "
		    "path: set HOME, %s or %s", xdg, override);
		return NULL;
	}
	return join(w, v, homesub, "");
}

/*
 * Fill p; every member is a malloc'd string afterwards, to be freed
 * with whoop_paths_free.  On error p is left zeroed.
 */
int
whoop_paths_init(struct whoop *w, struct whoop_paths *p, const char *dbopt)
{
	const char	*v;

	memset(p, 0, sizeof(*p));
	if (dbopt != NULL && *dbopt == '\0') {
		whoop_seterr(w, WHOOP_E_CONFIG, "empty database path");
		goto fail;
	}
	if ((p->data_dir = basedir(w, "WHOOP_DATA_DIR", "XDG_DATA_HOME",
	    "/.local/share/whoop")) == NULL)
		goto fail;
	if ((p->config_dir = basedir(w, "WHOOP_CONFIG_DIR",
	    "XDG_CONFIG_HOME", "/.config/whoop")) == NULL)
		goto fail;

	if (dbopt != NULL)
		p->db = join(w, dbopt, "", "");
	else if ((v = env("WHOOP_DB")) != NULL)
		p->db = join(w, v, "", "");
	else
		p->db = join(w, p->data_dir, "/whoop.db", "");
	if (p->db == NULL)
		goto fail;
	if ((p->lock = join(w, p->db, ".lock", "")) == NULL)
		goto fail;
	if ((p->config = join(w, p->config_dir, "/config", "")) == NULL)
		goto fail;
	if ((v = env("WHOOP_KEY_FILE")) != NULL)
		p->key = join(w, v, "", "");
	else
		p->key = join(w, p->config_dir, "/key", "");
	if (p->key == NULL)
		goto fail;
	return 0;
fail:
	whoop_paths_free(p);
	return -1;
}

void
whoop_paths_free(struct whoop_paths *p)
{
	if (p == NULL)
		return;
	free(p->data_dir);
	free(p->db);
	free(p->lock);
	free(p->config_dir);
	free(p->config);
	free(p->key);
	memset(p, 0, sizeof(*p));
}

/*
 * Set the mode of a directory we have just made to 0700, whatever the
 * umask took away.  Opened with O_NOFOLLOW so that a symbolic link
 * swapped in after mkdir is not followed.  If the umask left us no read
 * permission the open fails, and chmod(2) on the checked name is the
 * only way left.
 */
static int
chmod_private(struct whoop *w, const char *dir, const char *shown)
{
	struct stat	 st;
	int		 fd;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1) {
		if (errno != EACCES)
			return whoop_seterrno(w, WHOOP_E_IO, "%s", shown);
		if (lstat(dir, &st) == -1)
			return whoop_seterrno(w, WHOOP_E_IO, "%s", shown);
		if (!S_ISDIR(st.st_mode))
			return whoop_seterr(w, WHOOP_E_CONFIG, "%s is not a "
			    "directory", shown);
		if (chmod(dir, 0700) == -1)
			return whoop_seterrno(w, WHOOP_E_IO, "chmod %s",
			    shown);
		return 0;
	}
	if (fchmod(fd, 0700) == -1) {
		whoop_seterrno(w, WHOOP_E_IO, "chmod %s", shown);
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/*
 * mkdir -p: create the missing parents of path (the part before its
 * last slash), each 0700.  Existing parents are left as they are: they
 * may be /home or a link to another disk.
 */
static int
mkparents(struct whoop *w, char *path, const char *shown)
{
	char	*s;

	for (s = path + 1; (s = strchr(s, '/')) != NULL; s++) {
		*s = '\0';
		if (mkdir(path, 0700) == 0) {
			if (chmod_private(w, path, shown) == -1) {
				*s = '/';
				return -1;
			}
		} else if (errno != EEXIST) {
			whoop_seterrno(w, WHOOP_E_IO, "mkdir %s", shown);
			*s = '/';
			return -1;
		}
		*s = '/';
		while (s[1] == '/')
			s++;
	}
	return 0;
}

/*
 * Make sure dir exists as a directory of ours that nobody else can
 * enter: create it (and its missing parents) 0700, or check an existing
 * one.  An existing directory is never loosened or tightened behind the
 * user's back: one that others can reach is refused with the command
 * that fixes it.
 */
int
whoop_mkdir_private(struct whoop *w, const char *dir)
{
	struct stat	 st, fst;
	char		*path = NULL, esc[256];
	size_t		 len;
	int		 created = 0, fd = -1, rc = -1;

	if (dir == NULL || *dir == '\0')
		return whoop_seterr(w, WHOOP_E_CONFIG, "empty directory path");
	whoop_escape(esc, sizeof(esc), dir, strlen(dir));
	/* "d/" would make lstat follow a symbolic link d. */
	len = strlen(dir);
	while (len > 1 && dir[len - 1] == '/')
		len--;
	if ((path = strndup(dir, len)) == NULL)
		return whoop_seterrno(w, WHOOP_E_NOMEM, "malloc");

	if (lstat(path, &st) == -1) {
		if (errno != ENOENT) {
			whoop_seterrno(w, WHOOP_E_IO, "%s", esc);
			goto out;
		}
		if (mkparents(w, path, esc) == -1)
			goto out;
		if (mkdir(path, 0700) == 0) {
			created = 1;
			if (chmod_private(w, path, esc) == -1)
				goto out;
		} else if (errno != EEXIST) {
			whoop_seterrno(w, WHOOP_E_IO, "mkdir %s", esc);
			goto out;
		}
		if (lstat(path, &st) == -1) {
			whoop_seterrno(w, WHOOP_E_IO, "%s", esc);
			goto out;
		}
	}
	if (S_ISLNK(st.st_mode)) {
		whoop_seterr(w, WHOOP_E_CONFIG, "directory %s is a symbolic "
		    "link; refusing to use it", esc);
		goto out;
	}
	if (!S_ISDIR(st.st_mode)) {
		whoop_seterr(w, WHOOP_E_CONFIG, "%s is not a directory", esc);
		goto out;
	}

	/* Check what we opened, not what the name pointed to before. */
	if ((fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1) {
		whoop_seterrno(w, WHOOP_E_IO, "%s", esc);
		goto out;
	}
	if (fstat(fd, &fst) == -1) {
		whoop_seterrno(w, WHOOP_E_IO, "%s", esc);
		goto out;
	}
	if (fst.st_dev != st.st_dev || fst.st_ino != st.st_ino) {
		whoop_seterr(w, WHOOP_E_CONFIG, "directory %s changed while "
		    "being checked", esc);
		goto out;
	}
	if (fst.st_uid != geteuid()) {
		whoop_seterr(w, WHOOP_E_CONFIG, "directory %s is owned by "
		    "uid %lu, not by you", esc, (unsigned long)fst.st_uid);
		goto out;
	}
	if (created && (fst.st_mode & 07777) != 0700) {
		/* Already done by chmod_private; this is belt and braces. */
		if (fchmod(fd, 0700) == -1) {
			whoop_seterrno(w, WHOOP_E_IO, "chmod %s", esc);
			goto out;
		}
	} else if ((fst.st_mode & 077) != 0) {
		whoop_seterr(w, WHOOP_E_CONFIG, "directory %s is accessible "
		    "by others (mode %04o); run: chmod 700 %s", esc,
		    (unsigned int)(fst.st_mode & 07777), esc);
		goto out;
	}
	rc = 0;
out:
	if (fd != -1)
		close(fd);
	free(path);
	return rc;
}
