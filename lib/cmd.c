/*
 * Run a configured command (key_command, client_secret_command) and read
 * its standard output, bounded in size and time.
 *
 * No shell is involved: the command line is split into words here, with
 * quotes for grouping only, and run with posix_spawnp.  Nothing is
 * expanded, so "$HOME;id" is one literal argument.
 *
 * The child gets a minimal environment: only the variables a password
 * manager or secret store needs to find its agent (see keep_env below).
 * In particular no WHOOP_* variable reaches it, so a token or a client
 * secret that a caller put in the environment is never handed on.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "extern.h"

extern char **environ;

#define CMD_TIMEOUT_MS	30000	/* a hung key command must not hang cron */
#define CMD_GRACE_MS	1000	/* wait for EOF once the child has exited */
#define CMD_SLICE_MS	100	/* how often to look for the child's exit */

static const char *const keep_env[] = {
	"PATH", "HOME", "USER", "LOGNAME", "LANG", "XDG_RUNTIME_DIR",
	"GNUPGHOME", "PASSWORD_STORE_DIR", "DBUS_SESSION_BUS_ADDRESS",
	"DISPLAY", "WAYLAND_DISPLAY", "GPG_AGENT_INFO", "SSH_AUTH_SOCK",
};
#define NKEEP	(sizeof(keep_env) / sizeof(keep_env[0]))

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
	    c == '\v' || c == '\f';
}

/*
 * Split s into words.  Whitespace separates; '...' groups literally;
 * "..." groups with backslash escaping the next character; outside quotes
 * a backslash escapes the next character.  Words and the vector live in
 * two allocations the caller frees (and wipes: the line may name secrets).
 */
static int
split(struct whoop *w, const char *s, char ***avp, char **bufp,
    size_t *bufszp)
{
	size_t	 len = strlen(s), na = 0;
	char	**av = NULL, *buf = NULL, *o;
	int	 inword = 0;

	/* Every word but the last ends at a separator: len/2 + 1 words. */
	if ((buf = malloc(len + 1)) == NULL ||
	    (av = calloc(len / 2 + 2, sizeof(*av))) == NULL)
		goto nomem;
	o = buf;
	while (*s != '\0') {
		if (is_space(*s)) {
			if (inword)
				*o++ = '\0';
			inword = 0;
			s++;
			continue;
		}
		if (!inword)
			av[na++] = o;
		inword = 1;
		if (*s == '\'') {
			for (s++; *s != '\0' && *s != '\''; )
				*o++ = *s++;
			if (*s == '\0')
				goto unterminated;
			s++;
		} else if (*s == '"') {
			for (s++; *s != '\0' && *s != '"'; ) {
				if (*s == '\\' && *++s == '\0')
					break;
				*o++ = *s++;
			}
			if (*s == '\0')
				goto unterminated;
			s++;
		} else if (*s == '\\') {
			if (*++s == '\0') {
				whoop_seterr(w, WHOOP_E_CONFIG,
				    "command line ends in a backslash");
				goto fail;
			}
			*o++ = *s++;
		} else
			*o++ = *s++;
	}
	if (inword)
		*o++ = '\0';
	if (na == 0) {
		whoop_seterr(w, WHOOP_E_CONFIG, "empty command");
		goto fail;
	}
	av[na] = NULL;
	*avp = av;
	*bufp = buf;
	*bufszp = len + 1;
	return 0;
unterminated:
	whoop_seterr(w, WHOOP_E_CONFIG, "command line has an unterminated "
	    "quote");
	goto fail;
nomem:
	whoop_seterr(w, WHOOP_E_NOMEM, "command: out of memory");
fail:
	free(av);
	whoop_freezero(buf, len + 1);
	return -1;
}

/* The parent's values of keep_env, as pointers into environ. */
static void
make_env(char **envp)
{
	size_t	 i, n = 0, l;
	char	**e;

	for (i = 0; i < NKEEP; i++) {
		l = strlen(keep_env[i]);
		for (e = environ; e != NULL && *e != NULL; e++)
			if (strncmp(*e, keep_env[i], l) == 0 &&
			    (*e)[l] == '=') {
				envp[n++] = *e;
				break;	/* the first one, as getenv */
			}
	}
	envp[n] = NULL;
}

/* Move a pipe end off 0, 1, 2, so that file actions cannot clobber it. */
static int
high_fd(int fd)
{
	int	 nfd;

	if (fd > 2)
		return fd;
	nfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	close(fd);
	return nfd;
}

static long long
now_ms(void)
{
	struct timespec	 ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		return 0;
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Grow a buffer that may hold a secret: copy and wipe, since realloc
 * could leave the old bytes behind in freed memory.
 */
static int
grow(unsigned char **buf, size_t *cap, size_t len, size_t limit)
{
	unsigned char	*nb;
	size_t		 ncap;

	ncap = *cap == 0 ? 256 : *cap * 2;
	if (ncap > limit || ncap < *cap)
		ncap = limit;
	if ((nb = malloc(ncap)) == NULL)
		return -1;
	if (len > 0)
		memcpy(nb, *buf, len);
	whoop_freezero(*buf, *cap);
	*buf = nb;
	*cap = ncap;
	return 0;
}

static int
reap(pid_t pid, int *status)
{
	while (waitpid(pid, status, 0) == -1)
		if (errno != EINTR)
			return -1;
	return 0;
}

int
whoop_cmd_run(struct whoop *w, const char *cmdline, size_t max,
    int timeout_ms, unsigned char **out, size_t *outlen)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t	 mask, dfl;
	struct pollfd	 pfd;
	char		**av = NULL, *words = NULL, *envp[NKEEP + 1];
	char		 name[128];
	unsigned char	*buf = NULL;
	size_t		 wordsz = 0, cap = 0, len = 0;
	long long	 deadline, left;
	ssize_t		 r;
	pid_t		 pid = -1;
	int		 p[2] = { -1, -1 }, status = 0, reaped = 0;
	int		 fa_ok = 0, attr_ok = 0, e = 0, n, rc = -1;

	if (out == NULL || outlen == NULL)
		return whoop_seterr(w, WHOOP_E_FAIL, "command: no output");
	*out = NULL;
	*outlen = 0;
	if (cmdline == NULL)
		return whoop_seterr(w, WHOOP_E_CONFIG, "empty command");
	/* max + 1 bytes to notice an overrun, + 1 for the NUL. */
	if (max > SIZE_MAX - 2)
		return whoop_seterr(w, WHOOP_E_FAIL, "command: bad limit");
	if (timeout_ms <= 0)
		timeout_ms = CMD_TIMEOUT_MS;
	if (split(w, cmdline, &av, &words, &wordsz) == -1)
		return -1;
	/* Only the program name ever goes into a message, not its args. */
	whoop_escape(name, sizeof(name), av[0], strlen(av[0]));
	make_env(envp);

	if (pipe(p) == -1) {
		whoop_seterrno(w, WHOOP_E_FAIL, "command \"%s\": pipe", name);
		goto out;
	}
	if (fcntl(p[0], F_SETFD, FD_CLOEXEC) == -1 ||
	    fcntl(p[1], F_SETFD, FD_CLOEXEC) == -1 ||
	    (p[0] = high_fd(p[0])) == -1 || (p[1] = high_fd(p[1])) == -1) {
		whoop_seterrno(w, WHOOP_E_FAIL, "command \"%s\": pipe", name);
		goto out;
	}

	/*
	 * stdin from /dev/null, stdout to the pipe, stderr inherited (a key
	 * command may prompt there).  Signals reset to default and unblocked,
	 * whatever the caller did with them.
	 */
	if ((e = posix_spawn_file_actions_init(&fa)) != 0)
		goto spawnerr;
	fa_ok = 1;
	if ((e = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null",
	    O_RDONLY, 0)) != 0 ||
	    (e = posix_spawn_file_actions_adddup2(&fa, p[1], 1)) != 0)
		goto spawnerr;
	if ((e = posix_spawnattr_init(&attr)) != 0)
		goto spawnerr;
	attr_ok = 1;
	sigemptyset(&mask);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGPIPE);
	sigaddset(&dfl, SIGINT);
	sigaddset(&dfl, SIGQUIT);
	sigaddset(&dfl, SIGTERM);
	sigaddset(&dfl, SIGHUP);
	sigaddset(&dfl, SIGCHLD);
	if ((e = posix_spawnattr_setsigmask(&attr, &mask)) != 0 ||
	    (e = posix_spawnattr_setsigdefault(&attr, &dfl)) != 0 ||
	    (e = posix_spawnattr_setflags(&attr,
	    POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)) != 0)
		goto spawnerr;
	if ((e = posix_spawnp(&pid, av[0], &fa, &attr, av, envp)) != 0) {
		pid = -1;
		if (e == ENOENT)
			whoop_seterr(w, WHOOP_E_CONFIG,
			    "command \"%s\" not found", name);
		else
			whoop_seterr(w, WHOOP_E_CONFIG,
			    "command \"%s\" cannot be run: %s", name,
			    strerror(e));
		goto out;
	}
	close(p[1]);
	p[1] = -1;

	deadline = now_ms() + timeout_ms;
	for (;;) {
		left = deadline - now_ms();
		if (left <= 0) {
			if (reaped)	/* a grandchild holds the pipe */
				break;
			whoop_seterr(w, WHOOP_E_CONFIG, "command \"%s\" "
			    "timed out after %d ms", name, timeout_ms);
			goto out;
		}
		pfd.fd = p[0];
		pfd.events = POLLIN;
		pfd.revents = 0;
		n = poll(&pfd, 1, reaped || left < CMD_SLICE_MS ? (int)left :
		    CMD_SLICE_MS);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			whoop_seterrno(w, WHOOP_E_FAIL,
			    "command \"%s\": poll", name);
			goto out;
		}
		if (n == 0) {
			/*
			 * Quiet pipe: has the child exited while something it
			 * started keeps our pipe open?  Then give that a short
			 * grace to finish, not the whole timeout.
			 */
			if (!reaped && waitpid(pid, &status, WNOHANG) == pid) {
				reaped = 1;
				deadline = now_ms() + CMD_GRACE_MS;
			}
			continue;
		}
		if (cap - len < 2 && grow(&buf, &cap, len, max + 2) == -1) {
			whoop_seterr(w, WHOOP_E_NOMEM,
			    "command: out of memory");
			goto out;
		}
		r = read(p[0], buf + len, cap - 1 - len);
		if (r == -1 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r == -1) {
			whoop_seterrno(w, WHOOP_E_FAIL,
			    "command \"%s\": read", name);
			goto out;
		}
		if (r == 0)
			break;
		len += (size_t)r;
		if (len > max) {
			whoop_seterr(w, WHOOP_E_CONFIG,
			    "command output exceeds %zu bytes", max);
			goto out;
		}
	}
	close(p[0]);
	p[0] = -1;
	/*
	 * Without a status (the caller ignores SIGCHLD, say) we cannot know
	 * that the command succeeded: fail closed.
	 */
	if (!reaped && reap(pid, &status) == -1) {
		pid = -1;
		whoop_seterrno(w, WHOOP_E_FAIL, "command \"%s\": waitpid",
		    name);
		goto out;
	}
	pid = -1;
	if (WIFSIGNALED(status)) {
		whoop_seterr(w, WHOOP_E_CONFIG, "command \"%s\" was killed "
		    "by signal %d", name, WTERMSIG(status));
		goto out;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		whoop_seterr(w, WHOOP_E_CONFIG, "command \"%s\" exited with "
		    "status %d", name, WIFEXITED(status) ?
		    WEXITSTATUS(status) : -1);
		goto out;
	}
	if (buf == NULL && grow(&buf, &cap, 0, max + 2) == -1) {
		whoop_seterr(w, WHOOP_E_NOMEM, "command: out of memory");
		goto out;
	}
	buf[len] = '\0';
	*out = buf;
	*outlen = len;
	buf = NULL;
	rc = 0;
	goto out;
spawnerr:
	whoop_seterr(w, WHOOP_E_FAIL, "command \"%s\": posix_spawn: %s",
	    name, strerror(e));
out:
	/* Whatever happens, no child is left running or unreaped. */
	if (pid != -1 && !reaped) {
		(void)kill(pid, SIGKILL);
		(void)reap(pid, &status);
	}
	if (p[0] != -1)
		close(p[0]);
	if (p[1] != -1)
		close(p[1]);
	if (fa_ok)
		posix_spawn_file_actions_destroy(&fa);
	if (attr_ok)
		posix_spawnattr_destroy(&attr);
	whoop_freezero(buf, cap);
	whoop_freezero(words, wordsz);
	free(av);
	return rc;
}

/*
 * The output is malloc'd with a NUL after it (not counted in *outlen);
 * free it with whoop_freezero(out, outlen + 1).
 */
int
whoop_cmd_output(struct whoop *w, const char *cmdline, size_t max,
    unsigned char **out, size_t *outlen)
{
	return whoop_cmd_run(w, cmdline, max, CMD_TIMEOUT_MS, out, outlen);
}
