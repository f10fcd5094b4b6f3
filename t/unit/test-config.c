/*
 * Unit tests: the config file parser and loader, the environment, and
 * the client secret.  A canary stands in for the client secret: no
 * failure message may ever contain it.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "extern.h"
#include "tap.h"

#define CANARY	"CANARYSECRET"

static struct whoop *w;

/* No message may hold the canary; checked after every failure. */
static void
nocanary(const char *what)
{
	ok(strstr(whoop_errmsg(w), "CANARY") == NULL,
	    "no secret in the message: %s", what);
}

/*
 * buf must be refused with WHOOP_E_CONFIG and a message containing
 * want, leave the config as it was, and not show the canary.
 */
static void
bad(const char *buf, size_t len, const char *want, const char *what)
{
	struct whoop_config	 c;

	whoop_config_init(&c);
	c.client_id = strdup("before");
	whoop_clearerr(w);
	ok(whoop_config_parse(w, &c, "test.conf", buf, len) == -1 &&
	    whoop_errcode(w) == WHOOP_E_CONFIG, "refuse %s", what);
	if (!ok(strstr(whoop_errmsg(w), want) != NULL, "message for %s",
	    what))
		diag("got \"%s\", want \"%s\"", whoop_errmsg(w), want);
	nocanary(what);
	ok(c.client_id != NULL && strcmp(c.client_id, "before") == 0 &&
	    c.client_secret == NULL && c.redirect_port == 0 &&
	    c.rescore_days == -1, "config untouched after %s", what);
	whoop_config_free(&c);
}

#define BAD(s, want, what)	bad((s), sizeof(s) - 1, (want), (what))

static int
writefile(const char *path, const char *buf, size_t len, mode_t mode)
{
	int	 fd;

	unlink(path);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode)) == -1)
		return -1;
	if (write(fd, buf, len) != (ssize_t)len || fchmod(fd, mode) == -1) {
		close(fd);
		return -1;
	}
	return close(fd);
}

static void
secret_cmd(const char *cmd, const char *want, const char *msg)
{
	struct whoop_config	 c;
	char			*s = (char *)"unchanged";
	int			 rc;

	whoop_config_init(&c);
	c.client_secret_command = strdup(cmd);
	whoop_clearerr(w);
	rc = whoop_config_client_secret(w, &c, &s);
	if (want != NULL) {
		ok(rc == 0 && s != NULL && strcmp(s, want) == 0,
		    "client_secret_command \"%s\"", cmd);
		if (rc != 0)
			diag("%s", whoop_errmsg(w));
	} else {
		ok(rc == -1 && s == NULL && whoop_errcode(w) != WHOOP_E_NONE,
		    "client_secret_command \"%s\" refused", cmd);
		if (!ok(strstr(whoop_errmsg(w), msg) != NULL,
		    "message for \"%s\"", cmd))
			diag("got \"%s\"", whoop_errmsg(w));
		ok(strstr(whoop_errmsg(w), "s3cret") == NULL,
		    "no output in the message for \"%s\"", cmd);
	}
	whoop_freestr(s == NULL || rc != 0 ? NULL : s);
	whoop_config_free(&c);
}

int
main(void)
{
	struct whoop_config	 c;
	static const char	 good[] =
	    "# whoop configuration\n"
	    "\n"
	    "client_id = my-client\n"
	    "   client_secret\t=\t" CANARY "  \r\n"
	    "\t# indented comment\n"
	    "redirect_uri = http://127.0.0.1:8765/callback#frag\r\n"
	    "redirect_port=8765\n"
	    "scopes = \"offline read:recovery  read:cycles\"\n"
	    "key_command = \"pass show \\\"whoop\\\" \\\\key\"\n"
	    "rescore_days = 0\n"
	    "   \t  \r\n"
	    "client_secret_command = cat #not a comment";
	char			 top[1024], path[PATH_MAX];
	char			 want[2 * PATH_MAX + 128], *s, *big;
	const char		*tmp;
	size_t			 i;

	w = whoop_new();
	ok(w != NULL, "handle");
	unsetenv("WHOOP_CLIENT_ID");
	unsetenv("WHOOP_CLIENT_SECRET");

	whoop_config_init(&c);
	ok(c.client_id == NULL && c.client_secret == NULL &&
	    c.client_secret_command == NULL && c.redirect_uri == NULL &&
	    c.scopes == NULL && c.key_command == NULL &&
	    c.redirect_port == 0 && c.rescore_days == -1, "init");

	/* A good file with every key. */
	whoop_clearerr(w);
	ok(whoop_config_parse(w, &c, "good", good, sizeof(good) - 1) == 0,
	    "good file parses");
	if (whoop_errcode(w) != WHOOP_E_NONE)
		diag("%s", whoop_errmsg(w));
	is_str(c.client_id, "my-client", "client_id");
	is_str(c.client_secret, CANARY, "client_secret trimmed, CRLF");
	is_str(c.redirect_uri, "http://127.0.0.1:8765/callback#frag",
	    "'#' inside a value kept");
	ok(c.redirect_port == 8765, "redirect_port");
	is_str(c.scopes, "offline read:recovery  read:cycles",
	    "quoted value keeps its spaces");
	is_str(c.key_command, "pass show \"whoop\" \\key", "escapes");
	ok(c.rescore_days == 0, "rescore_days 0");
	is_str(c.client_secret_command, "cat #not a comment",
	    "last line without newline");

	/* A second parse replaces what it sets and keeps the rest. */
	ok(whoop_config_parse(w, &c, "more", "client_id = other\n"
	    "rescore_days = 365\n", 37) == 0, "second parse");
	is_str(c.client_id, "other", "client_id replaced");
	ok(c.rescore_days == 365 && c.redirect_port == 8765,
	    "numbers replaced or kept");
	is_str(c.client_secret, CANARY, "secret kept");
	whoop_config_free(&c);
	ok(c.client_id == NULL && c.client_secret == NULL &&
	    c.rescore_days == -1, "free resets");
	whoop_config_free(&c);
	whoop_config_free(NULL);

	ok(whoop_config_parse(w, &c, "empty", "", 0) == 0 &&
	    c.client_id == NULL, "empty file");
	ok(whoop_config_parse(w, &c, "c", "# only\n\n#x\r\n", 12) == 0,
	    "comments only");
	ok(whoop_config_parse(NULL, &c, "c", "port = 1", 8) == -1,
	    "NULL handle");

	/* Each kind of bad line, with file:line, never the secret. */
	BAD("client_secret = " CANARY "\nclient_id = a\nfoo = bar\n",
	    "test.conf:3: unknown key \"foo\"", "unknown key");
	BAD("client_secret = " CANARY "\n\x1b[31m = x\n",
	    "test.conf:2: unknown key \"\\x1b[31m\"", "escaped key");
	BAD("client_secret = " CANARY "\nclient_id\n",
	    "test.conf:2: expected key = value", "missing =");
	BAD("client_secret " CANARY "\n",
	    "test.conf:1: expected key = value", "secret without =");
	BAD(CANARY "\n", "test.conf:1: expected key = value",
	    "a bare secret");
	BAD("client_secret = " CANARY "\n = x\n",
	    "test.conf:2: expected key = value", "missing key");
	BAD("client_secret = " CANARY "\nclient_id =\n",
	    "test.conf:2: empty value for \"client_id\"", "empty value");
	BAD("client_secret = " CANARY "\nclient_id = \"\"\n",
	    "test.conf:2: empty value for \"client_id\"", "empty quoted");
	BAD("client_id = a\r\nclient_secret = " CANARY "\r\n"
	    "client_id = b\r\n",
	    "test.conf:3: duplicate key \"client_id\"", "duplicate key");
	BAD("client_secret = " CANARY "\nclient_secret = " CANARY "2\n",
	    "test.conf:2: duplicate key \"client_secret\"",
	    "duplicate secret");
	BAD("client_secret = " CANARY "\nredirect_port = 0\n",
	    "test.conf:2: redirect_port must be a number from 1 to 65535",
	    "port 0");
	BAD("client_secret = " CANARY "\nredirect_port = 65536\n",
	    "test.conf:2: redirect_port", "port 65536");
	BAD("client_secret = " CANARY "\nredirect_port = 80x\n",
	    "not \"80x\"", "port not a number");
	BAD("client_secret = " CANARY "\nrescore_days = 366\n",
	    "test.conf:2: rescore_days must be a number from 0 to 365",
	    "rescore_days 366");
	BAD("client_secret = " CANARY "\nrescore_days = -1\n",
	    "test.conf:2: rescore_days", "rescore_days -1");
	BAD("client_id = a\nclient_secret = " CANARY "\0tail\n",
	    "test.conf:2: NUL byte", "NUL byte in the secret");
	BAD("client_id = a\n\0\n", "test.conf:2: NUL byte", "NUL line");
	BAD("client_secret = \"" CANARY "\n",
	    "test.conf:1: unterminated quoted value of \"client_secret\"",
	    "unterminated quote");
	BAD("client_secret = \"" CANARY "\\\"\n",
	    "test.conf:1: unterminated", "escaped closing quote");
	BAD("client_secret = \"" CANARY "\\n\"\n",
	    "test.conf:1: bad escape in the value of \"client_secret\"",
	    "bad escape");
	BAD("client_secret = \"" CANARY "\" tail\n",
	    "test.conf:1: text after the quoted value of \"client_secret\"",
	    "text after quotes");
	BAD("client_secret = " CANARY "\x01x\n",
	    "test.conf:1: control character in the value of "
	    "\"client_secret\"", "control character");
	BAD("client_secret = " CANARY "\rx\n",
	    "test.conf:1: control character", "bare CR");

	/* Line length: 4096 bytes are fine, 4097 are not. */
	big = malloc(8200);
	if (big != NULL) {
		memset(big, 'x', 8200);
		memcpy(big, "scopes = ", 9);
		big[4096] = '\n';
		whoop_config_init(&c);
		ok(whoop_config_parse(w, &c, "c", big, 4097) == 0 &&
		    c.scopes != NULL && strlen(c.scopes) == 4087,
		    "4096-byte line");
		whoop_config_free(&c);
		memcpy(big, "client_secret = " CANARY, 28);
		big[4096] = 'x';
		bad(big, 4097, "test.conf:1: line longer than 4096 bytes",
		    "4097-byte line");
		big[4097] = '\n';
		bad(big, 4098, "test.conf:1: line longer", "4097 + newline");
		free(big);
	} else
		skip(9, "malloc");

	/* Names are escaped too. */
	whoop_config_init(&c);
	whoop_clearerr(w);
	ok(whoop_config_parse(w, &c, "a\nb", "x = 1", 5) == -1 &&
	    strncmp(whoop_errmsg(w), "a\\x0ab:1:", 9) == 0,
	    "file name escaped");

	/* The environment overrides the file; empty values do not. */
	whoop_config_init(&c);
	c.client_id = strdup("file-id");
	c.client_secret_command = strdup("pass show x");
	setenv("WHOOP_CLIENT_ID", "", 1);
	setenv("WHOOP_CLIENT_SECRET", "", 1);
	ok(whoop_config_env(w, &c) == 0, "empty env");
	is_str(c.client_id, "file-id", "empty WHOOP_CLIENT_ID ignored");
	ok(c.client_secret == NULL && c.client_secret_command != NULL,
	    "empty WHOOP_CLIENT_SECRET ignored");
	setenv("WHOOP_CLIENT_ID", "env-id", 1);
	setenv("WHOOP_CLIENT_SECRET", "env-secret", 1);
	ok(whoop_config_env(w, &c) == 0, "env");
	is_str(c.client_id, "env-id", "WHOOP_CLIENT_ID wins");
	is_str(c.client_secret, "env-secret", "WHOOP_CLIENT_SECRET wins");
	ok(c.client_secret_command == NULL,
	    "WHOOP_CLIENT_SECRET replaces client_secret_command");
	s = NULL;
	ok(whoop_config_client_secret(w, &c, &s) == 0 && s != NULL &&
	    strcmp(s, "env-secret") == 0, "client_secret from env");
	ok(s != c.client_secret, "a copy");
	whoop_freestr(s);
	unsetenv("WHOOP_CLIENT_ID");
	unsetenv("WHOOP_CLIENT_SECRET");
	whoop_config_free(&c);

	/* Where the client secret comes from. */
	whoop_config_init(&c);
	s = (char *)"unchanged";
	whoop_clearerr(w);
	ok(whoop_config_client_secret(w, &c, &s) == -1 && s == NULL &&
	    whoop_errcode(w) == WHOOP_E_CONFIG &&
	    strstr(whoop_errmsg(w), "no client secret: set client_secret or "
	    "client_secret_command") != NULL &&
	    strstr(whoop_errmsg(w), "WHOOP_CLIENT_SECRET") != NULL,
	    "no secret at all");
	c.client_secret = strdup(CANARY);
	c.client_secret_command = strdup("printf %s other");
	whoop_clearerr(w);
	ok(whoop_config_client_secret(w, &c, &s) == -1 && s == NULL &&
	    strstr(whoop_errmsg(w), "set only one of client_secret and "
	    "client_secret_command") != NULL, "both set");
	nocanary("both set");
	whoop_config_free(&c);

	secret_cmd("printf %s s3cret", "s3cret", NULL);
	secret_cmd("printf '%s\\n' s3cret", "s3cret", NULL);
	secret_cmd("false", NULL, "client_secret_command");
	secret_cmd("true", NULL, "printed nothing");
	secret_cmd("printf '\\n'", NULL, "printed nothing");
	secret_cmd("printf '%s\\n%s\\n' s3cret two", NULL,
	    "more than one line");
	secret_cmd("printf '%s\\n\\n' s3cret", NULL, "more than one line");
	secret_cmd("printf 's3cret\\0x'", NULL, "NUL byte");
	secret_cmd("/nonexistent/whoop-no-such-command", NULL,
	    "client_secret_command");

	/* Loading files. */
	tmp = getenv("TMPDIR");
	if (tmp == NULL || *tmp == '\0')
		tmp = "/tmp";
	(void)snprintf(top, sizeof(top), "%s/test-config.XXXXXX", tmp);
	if (!ok(mkdtemp(top) != NULL, "scratch directory")) {
		whoop_free(w);
		return done_testing();
	}
	(void)snprintf(path, sizeof(path), "%s/config", top);

	whoop_config_init(&c);
	whoop_clearerr(w);
	ok(whoop_config_load(w, &c, path, 0) == 0 && c.client_id == NULL &&
	    whoop_errcode(w) == WHOOP_E_NONE, "missing file, optional");
	ok(whoop_config_load(w, &c, path, 1) == -1 &&
	    whoop_errcode(w) == WHOOP_E_CONFIG &&
	    strstr(whoop_errmsg(w), path) != NULL, "missing file, required");

	ok(writefile(path, good, sizeof(good) - 1, 0600) == 0, "write 0600");
	whoop_clearerr(w);
	ok(whoop_config_load(w, &c, path, 1) == 0, "load 0600 with secret");
	is_str(c.client_secret, CANARY, "secret loaded");
	ok(c.redirect_port == 8765, "port loaded");
	whoop_config_free(&c);

	ok(chmod(path, 0640) == 0, "chmod 0640");
	whoop_config_init(&c);
	c.client_id = strdup("before");
	whoop_clearerr(w);
	ok(whoop_config_load(w, &c, path, 1) == -1 &&
	    whoop_errcode(w) == WHOOP_E_CONFIG, "group-readable refused");
	(void)snprintf(want, sizeof(want), "config file %s holds "
	    "client_secret but is readable by others; run: chmod 600 %s",
	    path, path);
	is_str(whoop_errmsg(w), want, "message with the chmod hint");
	nocanary("group-readable");
	ok(c.client_secret == NULL && strcmp(c.client_id, "before") == 0,
	    "nothing taken from a refused file");
	ok(chmod(path, 0604) == 0 && whoop_config_load(w, &c, path, 1) == -1,
	    "world-readable refused");
	whoop_config_free(&c);

	s = (char *)"client_id = x\nclient_secret_command = a b\n";
	ok(writefile(path, s, strlen(s), 0644) == 0,
	    "write 0644 without secret");
	whoop_config_init(&c);
	ok(whoop_config_load(w, &c, path, 1) == 0 &&
	    strcmp(c.client_id, "x") == 0, "0644 without secret is fine");
	whoop_config_free(&c);

	s = (char *)"client_secret = " CANARY "\nbogus = 1\n";
	ok(writefile(path, s, strlen(s), 0600) == 0, "write a bad file");
	whoop_config_init(&c);
	whoop_clearerr(w);
	(void)snprintf(want, sizeof(want), "%s:2: unknown key \"bogus\"",
	    path);
	ok(whoop_config_load(w, &c, path, 1) == -1 &&
	    strcmp(whoop_errmsg(w), want) == 0, "load reports path:line");
	nocanary("bad file");
	ok(c.client_secret == NULL, "nothing kept from a bad file");

	/* Size: 64 KiB is the limit. */
	big = malloc(65537);
	if (big != NULL) {
		for (i = 0; i < 65536; i += 64) {
			memset(big + i, '#', 63);
			big[i + 63] = '\n';
		}
		ok(writefile(path, big, 65536, 0600) == 0, "write 64 KiB");
		ok(whoop_config_load(w, &c, path, 1) == 0, "64 KiB is fine");
		big[65536] = '\n';
		ok(writefile(path, big, 65537, 0600) == 0, "write 64 KiB + 1");
		whoop_clearerr(w);
		ok(whoop_config_load(w, &c, path, 1) == -1 &&
		    strstr(whoop_errmsg(w), "larger than") != NULL,
		    "64 KiB + 1 refused");
		free(big);
	} else
		skip(4, "malloc");

	whoop_clearerr(w);
	ok(whoop_config_load(w, &c, top, 1) == -1 &&
	    strstr(whoop_errmsg(w), "not a regular file") != NULL,
	    "a directory is refused");
	whoop_config_free(&c);

	unlink(path);
	ok(rmdir(top) == 0, "scratch removed");
	whoop_free(w);
	return done_testing();
}
