/*
 * The configuration file: "key = value" lines.
 *
 *	# a comment on its own line
 *	client_id = 1a2b3c
 *	client_secret_command = pass show whoop/client-secret
 *	scopes = "offline read:recovery read:cycles"
 *
 * Spaces and tabs around the key, the '=' and the value are dropped.  A
 * value in double quotes keeps its spaces; inside the quotes \" and \\
 * stand for " and \.  A '#' only starts a comment at the start of a
 * line: elsewhere it is part of the value, since secrets and URLs may
 * hold one.  Blank lines are ignored and CRLF line ends are tolerated.
 *
 * No message ever holds a value, only file names, line numbers, key
 * names and numbers, so that a client secret cannot leak through one.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "extern.h"

#define CONFIG_MAX	(64 * 1024)	/* bytes in a config file */
#define LINE_MAX_LEN	4096		/* bytes in a line, without EOL */
#define SECRET_MAX	4096		/* bytes from client_secret_command */

enum ckey {
	K_CLIENT_ID,
	K_CLIENT_SECRET,
	K_CLIENT_SECRET_COMMAND,
	K_REDIRECT_URI,
	K_REDIRECT_PORT,
	K_SCOPES,
	K_KEY_COMMAND,
	K_RESCORE_DAYS,
	K__MAX
};

static const char *const keys[K__MAX] = {
	"client_id",
	"client_secret",
	"client_secret_command",
	"redirect_uri",
	"redirect_port",
	"scopes",
	"key_command",
	"rescore_days",
};

void
whoop_config_init(struct whoop_config *c)
{
	c->client_id = NULL;
	c->client_secret = NULL;
	c->client_secret_command = NULL;
	c->redirect_uri = NULL;
	c->scopes = NULL;
	c->key_command = NULL;
	c->redirect_port = 0;
	c->rescore_days = -1;
}

void
whoop_config_free(struct whoop_config *c)
{
	if (c == NULL)
		return;
	free(c->client_id);
	whoop_freestr(c->client_secret);
	free(c->client_secret_command);
	free(c->redirect_uri);
	free(c->scopes);
	free(c->key_command);
	whoop_config_init(c);
}

static int
isblank_c(char ch)
{
	return ch == ' ' || ch == '\t';
}

/*
 * The value of a line, unquoted, into a malloc'd string.  Returns NULL
 * with an error naming the problem, never the value.
 */
static char *
getvalue(struct whoop *w, const char *name, size_t lineno, const char *key,
    const char *v, size_t len)
{
	char	*out;
	size_t	 i, o = 0;

	if ((out = malloc(len + 1)) == NULL) {
		whoop_seterrno(w, WHOOP_E_NOMEM, "malloc");
		return NULL;
	}
	if (len > 0 && v[0] == '"') {
		for (i = 1; i < len && v[i] != '"'; i++) {
			if (v[i] == '\\') {
				if (i + 1 >= len ||
				    (v[i + 1] != '"' && v[i + 1] != '\\')) {
					whoop_seterr(w, WHOOP_E_CONFIG,
					    "%s:%zu: bad escape in the value "
					    "of \"%s\": only \\\" and \\\\ "
					    "are allowed", name, lineno, key);
					goto fail;
				}
				i++;
			}
			out[o++] = v[i];
		}
		if (i >= len) {
			whoop_seterr(w, WHOOP_E_CONFIG, "%s:%zu: unterminated "
			    "quoted value of \"%s\"", name, lineno, key);
			goto fail;
		}
		/* The line was trimmed, so the quote must end it. */
		if (i + 1 != len) {
			whoop_seterr(w, WHOOP_E_CONFIG, "%s:%zu: text after "
			    "the quoted value of \"%s\"", name, lineno, key);
			goto fail;
		}
	} else {
		memcpy(out, v, len);
		o = len;
	}
	out[o] = '\0';
	if (o == 0) {
		whoop_seterr(w, WHOOP_E_CONFIG, "%s:%zu: empty value for "
		    "\"%s\"", name, lineno, key);
		goto fail;
	}
	for (i = 0; i < o; i++) {
		if (((unsigned char)out[i] < 0x20 && out[i] != '\t') ||
		    out[i] == 0x7f) {
			whoop_seterr(w, WHOOP_E_CONFIG, "%s:%zu: control "
			    "character in the value of \"%s\"", name, lineno,
			    key);
			goto fail;
		}
	}
	return out;
fail:
	whoop_freezero(out, len + 1);
	return NULL;
}

static int
getnum(struct whoop *w, const char *name, size_t lineno, const char *key,
    const char *v, long long min, long long max, int *out)
{
	long long	 n;
	char		 esc[64];

	if (whoop_strtoll(NULL, v, min, max, &n) == -1) {
		whoop_escape(esc, sizeof(esc), v, strlen(v));
		return whoop_seterr(w, WHOOP_E_CONFIG, "%s:%zu: %s must be a "
		    "number from %lld to %lld, not \"%s\"", name, lineno, key,
		    min, max, esc);
	}
	*out = (int)n;
	return 0;
}

/* One "key = value" line, already known not to be blank or a comment. */
static int
parseline(struct whoop *w, struct whoop_config *c, int *seen,
    const char *name, size_t lineno, const char *s, size_t len)
{
	const char	*eq;
	size_t		 kl, vl, vo;
	char		 kesc[80];
	char		*v = NULL;
	int		 k, rc = -1;

	if ((eq = memchr(s, '=', len)) == NULL || eq == s)
		return whoop_seterr(w, WHOOP_E_CONFIG, "%s:%zu: expected "
		    "key = value", name, lineno);
	kl = (size_t)(eq - s);
	while (kl > 0 && isblank_c(s[kl - 1]))
		kl--;
	if (kl == 0)
		return whoop_seterr(w, WHOOP_E_CONFIG, "%s:%zu: expected "
		    "key = value", name, lineno);
	for (k = 0; k < K__MAX; k++)
		if (strlen(keys[k]) == kl && memcmp(keys[k], s, kl) == 0)
			break;
	if (k == K__MAX) {
		whoop_escape(kesc, sizeof(kesc), s, kl);
		return whoop_seterr(w, WHOOP_E_CONFIG, "%s:%zu: unknown key "
		    "\"%s\"", name, lineno, kesc);
	}
	if (seen[k])
		return whoop_seterr(w, WHOOP_E_CONFIG, "%s:%zu: duplicate key "
		    "\"%s\"", name, lineno, keys[k]);
	seen[k] = 1;

	vo = (size_t)(eq - s) + 1;
	while (vo < len && isblank_c(s[vo]))
		vo++;
	vl = len - vo;
	while (vl > 0 && isblank_c(s[vo + vl - 1]))
		vl--;
	if ((v = getvalue(w, name, lineno, keys[k], s + vo, vl)) == NULL)
		return -1;

	switch (k) {
	case K_CLIENT_ID:
		c->client_id = v;
		break;
	case K_CLIENT_SECRET:
		c->client_secret = v;
		break;
	case K_CLIENT_SECRET_COMMAND:
		c->client_secret_command = v;
		break;
	case K_REDIRECT_URI:
		c->redirect_uri = v;
		break;
	case K_SCOPES:
		c->scopes = v;
		break;
	case K_KEY_COMMAND:
		c->key_command = v;
		break;
	case K_REDIRECT_PORT:
		rc = getnum(w, name, lineno, keys[k], v, 1, 65535,
		    &c->redirect_port);
		goto out;
	case K_RESCORE_DAYS:
		rc = getnum(w, name, lineno, keys[k], v, 0, 365,
		    &c->rescore_days);
		goto out;
	}
	return 0;
out:
	free(v);
	return rc;
}

/* Move what src has set into dst, replacing dst's values. */
static void
merge(struct whoop_config *dst, struct whoop_config *src)
{
#define MOVE(f) do {							\
	if (src->f != NULL) {						\
		free(dst->f);						\
		dst->f = src->f;					\
		src->f = NULL;						\
	}								\
} while (0)
	MOVE(client_id);
	if (src->client_secret != NULL) {
		whoop_freestr(dst->client_secret);
		dst->client_secret = src->client_secret;
		src->client_secret = NULL;
	}
	MOVE(client_secret_command);
	MOVE(redirect_uri);
	MOVE(scopes);
	MOVE(key_command);
#undef MOVE
	if (src->redirect_port != 0)
		dst->redirect_port = src->redirect_port;
	if (src->rescore_days != -1)
		dst->rescore_days = src->rescore_days;
}

/*
 * Parse len bytes of buf (which need not be NUL-terminated); name is
 * the file name for messages.  The keys found replace those already in
 * c; on error c is left as it was.
 */
int
whoop_config_parse(struct whoop *w, struct whoop_config *c,
    const char *name, const char *buf, size_t len)
{
	struct whoop_config	 tmp;
	int			 seen[K__MAX] = { 0 };
	const char		*s, *nl;
	size_t			 off = 0, ll, lineno = 0;
	char			 nesc[256];

	if (name == NULL)
		name = "config";
	whoop_escape(nesc, sizeof(nesc), name, strlen(name));
	name = nesc;
	whoop_config_init(&tmp);
	while (off < len) {
		s = buf + off;
		lineno++;
		if ((nl = memchr(s, '\n', len - off)) != NULL) {
			ll = (size_t)(nl - s);
			off += ll + 1;
		} else {
			ll = len - off;
			off = len;
		}
		if (ll > 0 && s[ll - 1] == '\r')
			ll--;
		if (memchr(s, '\0', ll) != NULL) {
			whoop_seterr(w, WHOOP_E_CONFIG, "%s:%zu: NUL byte",
			    name, lineno);
			goto fail;
		}
		if (ll > LINE_MAX_LEN) {
			whoop_seterr(w, WHOOP_E_CONFIG, "%s:%zu: line longer "
			    "than %d bytes", name, lineno, LINE_MAX_LEN);
			goto fail;
		}
		while (ll > 0 && isblank_c(*s)) {
			s++;
			ll--;
		}
		if (ll == 0 || *s == '#')
			continue;
		if (parseline(w, &tmp, seen, name, lineno, s, ll) == -1)
			goto fail;
	}
	merge(c, &tmp);
	whoop_config_free(&tmp);
	return 0;
fail:
	whoop_config_free(&tmp);
	return -1;
}

/*
 * The directory holding the config file: someone who may write it may
 * put a config file (and so a key_command) of their own there, or move
 * ours away.  Yours or root's, and not writable by group or others.
 */
static int
check_config_dir(struct whoop *w, const char *path)
{
	struct stat	 st;
	const char	*slash;
	char		*dir, esc[256];
	int		 fd, rc = -1;

	if ((slash = strrchr(path, '/')) == NULL)
		dir = strdup(".");
	else if (slash == path)
		dir = strdup("/");
	else
		dir = strndup(path, (size_t)(slash - path));
	if (dir == NULL)
		return whoop_seterrno(w, WHOOP_E_NOMEM, "malloc");
	whoop_escape(esc, sizeof(esc), dir, strlen(dir));
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &st) == -1) {
		whoop_seterrno(w, WHOOP_E_CONFIG, "config directory %s", esc);
		goto out;
	}
	if (st.st_uid != geteuid() && st.st_uid != 0) {
		whoop_seterr(w, WHOOP_E_CONFIG, "config directory %s is owned "
		    "by uid %lu, not you; refusing to read a config file from "
		    "it: move your config to a directory of your own", esc,
		    (unsigned long)st.st_uid);
		goto out;
	}
	if ((st.st_mode & 022) != 0) {
		whoop_seterr(w, WHOOP_E_CONFIG, "config directory %s is "
		    "writable by others (mode %04o); run: chmod go-w %s", esc,
		    (unsigned int)(st.st_mode & 07777), esc);
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
 * The rules of the key file, for the same reason: the config names
 * commands that run as you (key_command, client_secret_command).  A
 * regular file (O_NOFOLLOW, O_NONBLOCK so that a FIFO cannot hang us,
 * then fstat on what was opened), owned by you, not writable by group
 * or others.
 */
static int
check_config_file(struct whoop *w, int fd, const char *path,
    const char *esc, struct stat *st)
{
	if (fstat(fd, st) == -1)
		return whoop_seterrno(w, WHOOP_E_IO, "config file %s", esc);
	if (!S_ISREG(st->st_mode))
		return whoop_seterr(w, WHOOP_E_CONFIG, "config file %s is not "
		    "a regular file", esc);
	if (st->st_uid != geteuid())
		return whoop_seterr(w, WHOOP_E_CONFIG, "config file %s is "
		    "owned by uid %lu, not you; refusing to run the commands "
		    "in it: check it, then make a copy of your own (cp %s "
		    "%s.new && mv %s.new %s)", esc, (unsigned long)st->st_uid,
		    esc, esc, esc, esc);
	if ((st->st_mode & 022) != 0)
		return whoop_seterr(w, WHOOP_E_CONFIG, "config file %s is "
		    "writable by others (mode %04o); refusing to run the "
		    "commands in it: check it, then run: chmod go-w %s", esc,
		    (unsigned int)(st->st_mode & 07777), esc);
	return check_config_dir(w, path);
}

/*
 * Read a config file.  A missing file is fine unless must_exist.  A file
 * that holds client_secret must not be readable by anyone else.
 */
int
whoop_config_load(struct whoop *w, struct whoop_config *c, const char *path,
    int must_exist)
{
	struct whoop_config	 tmp;
	struct stat		 st;
	char			*buf = NULL, esc[256];
	size_t			 len = 0;
	ssize_t			 n;
	int			 fd, rc = -1;

	whoop_config_init(&tmp);
	whoop_escape(esc, sizeof(esc), path, strlen(path));
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd == -1) {
		if (errno == ENOENT && !must_exist)
			return 0;
		/* Linux says ELOOP, FreeBSD EMLINK; lstat tells for sure. */
		if ((errno == ELOOP || errno == EMLINK) &&
		    lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
			return whoop_seterr(w, WHOOP_E_CONFIG, "config file "
			    "%s is a symbolic link; refusing: replace it with "
			    "the file itself", esc);
		return whoop_seterrno(w, WHOOP_E_CONFIG, "config file %s",
		    esc);
	}
	if (check_config_file(w, fd, path, esc, &st) == -1)
		goto out;
	/* One byte more than allowed, to tell "full" from "too big". */
	if ((buf = malloc(CONFIG_MAX + 1)) == NULL) {
		whoop_seterrno(w, WHOOP_E_NOMEM, "malloc");
		goto out;
	}
	while (len <= CONFIG_MAX) {
		n = read(fd, buf + len, CONFIG_MAX + 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			whoop_seterrno(w, WHOOP_E_IO, "config file %s", esc);
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > CONFIG_MAX) {
		whoop_seterr(w, WHOOP_E_CONFIG, "config file %s is larger "
		    "than %d bytes", esc, CONFIG_MAX);
		goto out;
	}
	if (whoop_config_parse(w, &tmp, path, buf, len) == -1)
		goto out;
	if (tmp.client_secret != NULL && (st.st_mode & 077) != 0) {
		whoop_seterr(w, WHOOP_E_CONFIG, "config file %s holds "
		    "client_secret but is readable by others; run: chmod 600 "
		    "%s", esc, esc);
		goto out;
	}
	merge(c, &tmp);
	rc = 0;
out:
	whoop_config_free(&tmp);
	whoop_freezero(buf, CONFIG_MAX + 1);
	close(fd);
	return rc;
}

/*
 * WHOOP_CLIENT_ID and WHOOP_CLIENT_SECRET override the file; empty
 * values are ignored.  A secret from the environment also replaces a
 * client_secret_command from the file: it is the more specific choice.
 */
int
whoop_config_env(struct whoop *w, struct whoop_config *c)
{
	const char	*v;
	char		*s;

	if ((v = getenv("WHOOP_CLIENT_ID")) != NULL && *v != '\0') {
		if ((s = strdup(v)) == NULL)
			return whoop_seterrno(w, WHOOP_E_NOMEM, "malloc");
		free(c->client_id);
		c->client_id = s;
	}
	if ((v = getenv("WHOOP_CLIENT_SECRET")) != NULL && *v != '\0') {
		if ((s = strdup(v)) == NULL)
			return whoop_seterrno(w, WHOOP_E_NOMEM, "malloc");
		whoop_freestr(c->client_secret);
		c->client_secret = s;
		free(c->client_secret_command);
		c->client_secret_command = NULL;
	}
	return 0;
}

/*
 * The client secret as a malloc'd string, to be freed with
 * whoop_freestr: client_secret as it is, or the first line of what
 * client_secret_command prints.
 */
int
whoop_config_client_secret(struct whoop *w, const struct whoop_config *c,
    char **secret)
{
	unsigned char	*out = NULL;
	size_t		 outlen = 0, n;
	char		*s;
	char		 prev[sizeof(((struct whoop *)0)->errmsg)];

	*secret = NULL;
	if (c->client_secret != NULL && c->client_secret_command != NULL)
		return whoop_seterr(w, WHOOP_E_CONFIG, "set only one of "
		    "client_secret and client_secret_command in the config "
		    "file");
	if (c->client_secret != NULL) {
		if ((*secret = strdup(c->client_secret)) == NULL)
			return whoop_seterrno(w, WHOOP_E_NOMEM, "malloc");
		return 0;
	}
	if (c->client_secret_command == NULL)
		return whoop_seterr(w, WHOOP_E_CONFIG, "no client secret: set "
		    "client_secret or client_secret_command in the config "
		    "file, or WHOOP_CLIENT_SECRET");

	if (whoop_cmd_output(w, c->client_secret_command, SECRET_MAX, &out,
	    &outlen) == -1) {
		if (w != NULL) {
			(void)snprintf(prev, sizeof(prev), "%s",
			    whoop_errmsg(w));
			whoop_seterr(w, whoop_errcode(w) == WHOOP_E_NOMEM ?
			    WHOOP_E_NOMEM : WHOOP_E_CONFIG,
			    "client_secret_command: %s", prev);
		}
		whoop_freezero(out, outlen);
		return -1;
	}
	n = outlen;
	if (n > 0 && out[n - 1] == '\n')
		n--;
	if (n == 0) {
		whoop_freezero(out, outlen);
		return whoop_seterr(w, WHOOP_E_CONFIG, "client_secret_command "
		    "printed nothing");
	}
	if (memchr(out, '\0', n) != NULL || memchr(out, '\n', n) != NULL ||
	    memchr(out, '\r', n) != NULL) {
		whoop_freezero(out, outlen);
		return whoop_seterr(w, WHOOP_E_CONFIG, "client_secret_command "
		    "printed more than one line, or a NUL byte");
	}
	if ((s = malloc(n + 1)) == NULL) {
		whoop_freezero(out, outlen);
		return whoop_seterrno(w, WHOOP_E_NOMEM, "malloc");
	}
	memcpy(s, out, n);
	s[n] = '\0';
	whoop_freezero(out, outlen);
	*secret = s;
	return 0;
}
