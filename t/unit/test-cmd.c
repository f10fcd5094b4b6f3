/*
 * Unit tests: running a command without a shell.  Word splitting and
 * quoting, no shell interpretation, exit status and signals, bounded
 * output, the minimal environment, time limits, no leaked children or
 * descriptors.
 */
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "extern.h"
#include "tap.h"

static unsigned char	*out;
static size_t		 outlen;

/* Run cmd with a 4 KiB bound; on success out/outlen hold its stdout. */
static int
run(struct whoop *w, const char *cmd)
{
	whoop_freezero(out, outlen + 1);
	out = NULL;
	outlen = 0;
	return whoop_cmd_output(w, cmd, 4096, &out, &outlen);
}

/* Expect success and exactly this output. */
static void
is_out(struct whoop *w, const char *cmd, const char *want, const char *what)
{
	int	 rc = run(w, cmd);

	ok(rc == 0 && out != NULL && outlen == strlen(want) &&
	    memcmp(out, want, outlen) == 0 && out[outlen] == '\0',
	    "%s", what);
	if (rc != 0)
		diag("failed: %s", whoop_errmsg(w));
	else if (outlen != strlen(want) || memcmp(out, want, outlen) != 0)
		diag("got \"%s\", want \"%s\"", (char *)out, want);
}

/* Expect failure: error class, message part, and no output at all. */
static void
fails(struct whoop *w, const char *cmd, enum whoop_err code,
    const char *msg, const char *what)
{
	int	 rc = run(w, cmd);

	ok(rc == -1 && out == NULL && outlen == 0 &&
	    whoop_errcode(w) == code && strstr(whoop_errmsg(w), msg) != NULL,
	    "%s", what);
	if (rc == -1 && strstr(whoop_errmsg(w), msg) == NULL)
		diag("message \"%s\" lacks \"%s\"", whoop_errmsg(w), msg);
}

static int
open_fds(void)
{
	int	 fd, n = 0;

	for (fd = 0; fd < 256; fd++)
		if (fcntl(fd, F_GETFD) != -1)
			n++;
	return n;
}

static double
now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static const char *const allowed[] = {
	"PATH", "HOME", "USER", "LOGNAME", "LANG", "XDG_RUNTIME_DIR",
	"GNUPGHOME", "PASSWORD_STORE_DIR", "DBUS_SESSION_BUS_ADDRESS",
	"DISPLAY", "WAYLAND_DISPLAY", "GPG_AGENT_INFO", "SSH_AUTH_SOCK",
};

/* Every NAME= line of env output is on the allow list. */
static int
env_allowed(const char *s)
{
	const char	*eq, *nl;
	size_t		 i, n;
	int		 found;

	for (; *s != '\0'; s = nl + 1) {
		if ((nl = strchr(s, '\n')) == NULL ||
		    (eq = strchr(s, '=')) == NULL || eq > nl)
			return 0;
		n = (size_t)(eq - s);
		found = 0;
		for (i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
			if (strlen(allowed[i]) == n &&
			    strncmp(allowed[i], s, n) == 0)
				found = 1;
		if (!found) {
			diag("unexpected variable: %.*s", (int)n, s);
			return 0;
		}
	}
	return 1;
}

int
main(void)
{
	struct whoop	*w = whoop_new();
	unsigned char	*o2 = NULL;
	size_t		 l2 = 0;
	double		 t0;
	int		 fds, st, saved, p[2];

	ok(w != NULL, "handle");
	fds = open_fds();

	/* Splitting and quoting. */
	is_out(w, "printf [%s] 'a b' \"c d\" e\\ f", "[a b][c d][e f]",
	    "single, double quotes and backslash group words");
	is_out(w, "  printf\t[%s]   a \t b  ", "[a][b]",
	    "runs of spaces and tabs separate, leading/trailing ignored");
	is_out(w, "printf [%s] 'a'\"b\"c", "[abc]", "adjacent quotes join");
	is_out(w, "printf [%s] '' \"\" x", "[][][x]",
	    "empty quotes are empty words");
	is_out(w, "printf [%s] \"a\\\"b\" 'x\"y' \"it's\"", "[a\"b][x\"y][it's]",
	    "quotes inside the other quotes, backslash in double quotes");
	is_out(w, "printf [%s] 'a\\b' \"c\\\\d\" e\\\\f", "[a\\b][c\\d][e\\f]",
	    "backslash literal in single quotes, escaped elsewhere");
	is_out(w, "printf [%s] \"a\nb\"", "[a\nb]", "newline inside quotes");

	/* Nothing a shell would do happens. */
	is_out(w, "echo $HOME;id", "$HOME;id\n", "no expansion, no ;");
	is_out(w, "echo a|b && c > whoop-t-out `id` $(id) *",
	    "a|b && c > whoop-t-out `id` $(id) *\n",
	    "no pipes, redirection, substitution or globbing");
	ok(access("whoop-t-out", F_OK) == -1, "no file was created by \">\"");
	is_out(w, "echo ~", "~\n", "no tilde expansion");

	/* Bad command lines. */
	fails(w, "echo 'abc", WHOOP_E_CONFIG, "unterminated quote",
	    "unterminated single quote");
	fails(w, "echo \"abc", WHOOP_E_CONFIG, "unterminated quote",
	    "unterminated double quote");
	fails(w, "echo \"abc\\\"", WHOOP_E_CONFIG, "unterminated quote",
	    "escaped closing quote leaves it open");
	fails(w, "echo abc\\", WHOOP_E_CONFIG, "backslash",
	    "trailing backslash");
	fails(w, "", WHOOP_E_CONFIG, "empty command", "empty command");
	fails(w, " \t ", WHOOP_E_CONFIG, "empty command", "blank command");
	ok(whoop_cmd_output(w, NULL, 10, &out, &outlen) == -1 &&
	    whoop_errcode(w) == WHOOP_E_CONFIG, "NULL command");

	/* Exit status, signals, missing programs. */
	fails(w, "sh -c 'exit 3'", WHOOP_E_CONFIG,
	    "command \"sh\" exited with status 3", "exit status 3");
	ok(strstr(whoop_errmsg(w), "exit 3") == NULL,
	    "arguments are not in the message");
	ok(whoop_exitcode(w) == WHOOP_EXIT_CONFIG, "maps to exit 78");
	fails(w, "false", WHOOP_E_CONFIG, "\"false\" exited with status 1",
	    "false");
	fails(w, "sh -c 'printf partial; exit 1'", WHOOP_E_CONFIG,
	    "status 1", "output of a failing command is not returned");
	fails(w, "sh -c 'kill -TERM $$'", WHOOP_E_CONFIG,
	    "command \"sh\" was killed by signal 15", "death by SIGTERM");
	fails(w, "sh -c 'kill -KILL $$'", WHOOP_E_CONFIG,
	    "killed by signal 9", "death by SIGKILL");
	fails(w, "whoop-no-such-command-5c2a /secret/path", WHOOP_E_CONFIG,
	    "command \"whoop-no-such-command-5c2a\" not found", "not found");
	ok(strstr(whoop_errmsg(w), "secret") == NULL,
	    "argument not in the message");
	fails(w, "/etc/passwd", WHOOP_E_CONFIG, "cannot be run",
	    "not executable");
	fails(w, "/nonexistent/dir/prog", WHOOP_E_CONFIG, "not found",
	    "not found by path");

	/*
	 * Standard input is /dev/null: with ours a pipe that never ends, cat
	 * would hang until the time limit if it inherited it.
	 */
	if ((saved = dup(0)) == -1 || pipe(p) == -1 || dup2(p[0], 0) == -1)
		abort();
	ok(whoop_cmd_run(w, "cat", 4096, 3000, &o2, &l2) == 0 && l2 == 0,
	    "stdin is /dev/null");
	whoop_freezero(o2, l2 + 1);
	o2 = NULL;
	if (dup2(saved, 0) == -1)
		abort();
	close(saved);
	close(p[0]);
	close(p[1]);

	/* Bounded output. */
	ok(whoop_cmd_output(w, "head -c 4096 /dev/zero", 4096, &o2, &l2) ==
	    0 && l2 == 4096 && o2[4096] == '\0', "exactly max bytes is fine");
	whoop_freezero(o2, l2 + 1);
	o2 = NULL;
	ok(whoop_cmd_output(w, "head -c 4097 /dev/zero", 4096, &o2, &l2) ==
	    -1 && o2 == NULL && l2 == 0 && whoop_errcode(w) == WHOOP_E_CONFIG &&
	    strstr(whoop_errmsg(w), "command output exceeds 4096 bytes") !=
	    NULL, "max + 1 bytes refused");
	t0 = now();
	ok(whoop_cmd_output(w, "yes", 100000, &o2, &l2) == -1 &&
	    o2 == NULL && strstr(whoop_errmsg(w), "exceeds 100000 bytes") !=
	    NULL && now() - t0 < 10, "endless output: child killed");
	ok(whoop_cmd_output(w, "true", 0, &o2, &l2) == 0 && l2 == 0 &&
	    o2 != NULL && o2[0] == '\0', "max 0 with no output");
	whoop_freezero(o2, l2 + 1);
	o2 = NULL;
	ok(whoop_cmd_output(w, "echo", 0, &o2, &l2) == -1 &&
	    strstr(whoop_errmsg(w), "exceeds 0 bytes") != NULL,
	    "max 0 with one byte");
	ok(whoop_cmd_output(w, "head -c 1000000 /dev/urandom", 1000000, &o2,
	    &l2) == 0 && l2 == 1000000, "large output within the bound");
	whoop_freezero(o2, l2 + 1);
	o2 = NULL;

	/* Environment: the allow list only, never a secret. */
	setenv("WHOOP_CLIENT_SECRET", "canary-secret-91ab", 1);
	setenv("WHOOP_ACCESS_TOKEN", "canary-token-77c3", 1);
	setenv("LD_LIBRARY_PATH", "/canary-lib", 1);
	setenv("HOME", "/home/canary-home-ok", 1);
	setenv("SSH_AUTH_SOCK", "/run/agent.sock", 1);
	ok(run(w, "env") == 0, "env runs");
	ok(out != NULL && strstr((char *)out, "canary-secret") == NULL &&
	    strstr((char *)out, "canary-token") == NULL &&
	    strstr((char *)out, "WHOOP_") == NULL &&
	    strstr((char *)out, "LD_LIBRARY_PATH") == NULL,
	    "no WHOOP_ variable or secret reaches the child");
	ok(out != NULL && strstr((char *)out,
	    "HOME=/home/canary-home-ok\n") != NULL &&
	    strstr((char *)out, "SSH_AUTH_SOCK=/run/agent.sock\n") != NULL &&
	    strstr((char *)out, "PATH=") != NULL,
	    "allowed variables are passed on");
	ok(out != NULL && env_allowed((char *)out),
	    "nothing outside the allow list");
	unsetenv("WHOOP_CLIENT_SECRET");
	unsetenv("WHOOP_ACCESS_TOKEN");
	unsetenv("LD_LIBRARY_PATH");

	/* Time limits. */
	t0 = now();
	ok(whoop_cmd_run(w, "sleep 10", 4096, 300, &o2, &l2) == -1 &&
	    o2 == NULL && whoop_errcode(w) == WHOOP_E_CONFIG &&
	    strstr(whoop_errmsg(w), "command \"sleep\" timed out") != NULL,
	    "a hung command times out");
	ok(now() - t0 < 5, "promptly (%.1f s)", now() - t0);
	t0 = now();
	ok(whoop_cmd_output(w, "sh -c 'printf abc; sleep 4 2>/dev/null &'",
	    4096, &o2, &l2) == 0 && l2 == 3 && memcmp(o2, "abc", 3) == 0,
	    "a background process holding stdout does not block the result");
	ok(now() - t0 < 3.5, "after a short grace (%.1f s)", now() - t0);
	whoop_freezero(o2, l2 + 1);
	o2 = NULL;

	/* A caller that ignores SIGCHLD loses the status: fail closed. */
	signal(SIGCHLD, SIG_IGN);
	ok(whoop_cmd_output(w, "true", 10, &o2, &l2) == -1 && o2 == NULL,
	    "no exit status, no success");
	signal(SIGCHLD, SIG_DFL);

	/* NULL handle. */
	ok(whoop_cmd_output(NULL, "printf x", 10, &o2, &l2) == 0 &&
	    l2 == 1 && o2[0] == 'x', "NULL handle allowed");
	whoop_freezero(o2, l2 + 1);
	ok(whoop_cmd_output(NULL, "false", 10, &o2, &l2) == -1 && o2 == NULL,
	    "NULL handle failure");

	/* No leftovers. */
	run(w, "true");
	ok(open_fds() == fds, "no descriptor leaked (%d, was %d)",
	    open_fds(), fds);
	errno = 0;
	ok(waitpid(-1, &st, WNOHANG) == -1 && errno == ECHILD,
	    "no child left unreaped");

	whoop_freezero(out, outlen + 1);
	whoop_free(w);
	return done_testing();
}
