/*
 * whoop-auth: connect a WHOOP account to the local database.
 *
 * OAuth 2.0 authorization code with PKCE (S256) and a one-shot state,
 * redirected to a listener on the loopback address that takes exactly one
 * valid callback (RFC 8252).  The tokens are sealed (AES-256-GCM) before
 * they reach the database.  Also lists the accounts (-l) and rotates the
 * key (-K).
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "whoop.h"

#define DEFAULT_PORT	8765
#define DEFAULT_PATH	"/callback"
#define MAX_PASTE	8192
#define STORE_WAIT	600	/* seconds a login waits for the run lock */

extern char		**environ;
static struct whoop	*w;

static void
usage(void)
{
	fprintf(stderr,
	    "usage: whoop-auth [-np] [-d file] [-P port] [-t seconds]\n"
	    "       whoop-auth -l [-d file]\n"
	    "       whoop-auth -K [-d file] [-w seconds]\n"
	    "       whoop-auth --help | --version\n");
}

static void
help(void)
{
	printf("usage: whoop-auth [-np] [-d file] [-P port] [-t seconds]\n"
	    "       whoop-auth -l [-d file]\n"
	    "       whoop-auth -K [-d file] [-w seconds]\n"
	    "       whoop-auth --help | --version\n"
	    "\n"
	    "  -d file     database (default $XDG_DATA_HOME/whoop/whoop.db)\n"
	    "  -K          rotate the key: re-seal every token under a new key\n"
	    "  -l          list accounts and token status (no secret shown)\n"
	    "  -n          do not open a browser; print the URL on stderr\n"
	    "  -P port     loopback redirect port (default %d)\n"
	    "  -p          paste mode: read the redirect URL from stdin\n"
	    "  -t seconds  give up the login after this long (default 300)\n"
	    "  -w seconds  -K: wait this long for a sync to finish\n"
	    "\nSee whoop-auth(1).\n", DEFAULT_PORT);
}

static void
version(void)
{
	char	 buf[512];

	printf("whoop-auth %s\n", WHOOP_VERSION);
	whoop_versions_net(buf, sizeof(buf));
	fputs(buf, stdout);
	whoop_versions(buf, sizeof(buf));
	fputs(buf, stdout);
}

/* Report the library's error and exit with its status. */
static void __attribute__((noreturn))
die(const char *what)
{
	int	 code = whoop_exitcode(w);

	if (code == WHOOP_EXIT_OK)
		code = WHOOP_EXIT_FAIL;
	if (what != NULL)
		warnx("%s: %s", what, whoop_errmsg(w));
	else
		warnx("%s", whoop_errmsg(w));
	whoop_free(w);
	exit(code);
}

/*
 * The redirect URI decides the mode: http://127.0.0.1:PORT/PATH or
 * http://localhost:PORT/PATH get a listener; https:// gets paste mode.
 */
struct redirect {
	char	 uri[512];
	char	 host[16];
	int	 port;
	char	 path[256];
	int	 https;
};

static int
parse_redirect(const char *uri, struct redirect *r)
{
	const char	*p, *slash;
	long long	 port;
	char		 num[8];
	size_t		 n;

	memset(r, 0, sizeof(*r));
	if (strlen(uri) >= sizeof(r->uri))
		return -1;
	(void)snprintf(r->uri, sizeof(r->uri), "%s", uri);
	if (strncmp(uri, "https://", 8) == 0) {
		r->https = 1;
		return 0;
	}
	if (strncmp(uri, "http://127.0.0.1:", 17) == 0) {
		(void)snprintf(r->host, sizeof(r->host), "127.0.0.1");
		p = uri + 17;
	} else if (strncmp(uri, "http://localhost:", 17) == 0) {
		(void)snprintf(r->host, sizeof(r->host), "localhost");
		p = uri + 17;
	} else
		return -1;
	if ((slash = strchr(p, '/')) == NULL)
		return -1;
	n = (size_t)(slash - p);
	if (n == 0 || n >= sizeof(num))
		return -1;
	memcpy(num, p, n);
	num[n] = '\0';
	if (whoop_strtoll(NULL, num, 0, 65535, &port) == -1)
		return -1;
	r->port = (int)port;
	if (strlen(slash) >= sizeof(r->path) || strchr(slash, '?') != NULL ||
	    strchr(slash, '#') != NULL)
		return -1;
	(void)snprintf(r->path, sizeof(r->path), "%s", slash);
	return 0;
}

/*
 * The browser gets the URL as one argument, through execvp (no shell),
 * with a small environment and no access to our stdout (data only).
 * Double fork: we never wait for a browser that keeps running.
 */
static int
open_browser(const char *url)
{
	static const char *keep[] = { "PATH", "HOME", "USER", "LOGNAME",
	    "LANG", "DISPLAY", "WAYLAND_DISPLAY", "XDG_RUNTIME_DIR",
	    "DBUS_SESSION_BUS_ADDRESS", "XAUTHORITY", "TMPDIR",
	    "SSL_CERT_FILE", "CURL_CA_BUNDLE", NULL };
	const char	*browser = getenv("BROWSER");
	char		*env[32];
	pid_t		 pid = -1;
	int		 status, i, n = 0, fd;
	size_t		 len;

	if (browser == NULL || *browser == '\0')
		browser = "xdg-open";
	for (i = 0; keep[i] != NULL && n < 31; i++) {
		const char *v = getenv(keep[i]);

		if (v == NULL)
			continue;
		len = strlen(keep[i]) + strlen(v) + 2;
		if ((env[n] = malloc(len)) == NULL)
			goto out;
		(void)snprintf(env[n++], len, "%s=%s", keep[i], v);
	}
	env[n] = NULL;
	if ((pid = fork()) == -1)
		goto out;
	if (pid == 0) {
		if (fork() != 0)
			_exit(0);
		if ((fd = open("/dev/null", O_RDWR)) != -1) {
			dup2(fd, STDIN_FILENO);
			dup2(fd, STDOUT_FILENO);
			if (fd > STDERR_FILENO)
				close(fd);
		}
		environ = env;
		execvp(browser, (char *const[]){ (char *)browser,
		    (char *)url, NULL });
		_exit(127);
	}
	/* With SIGCHLD ignored there is nothing to reap: ECHILD, not a spin. */
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		continue;
out:
	for (i = 0; i < n; i++)
		free(env[i]);
	return pid == -1 ? -1 : 0;
}

static int
has_display(void)
{
	const char *b = getenv("BROWSER"), *d = getenv("DISPLAY"),
	    *wl = getenv("WAYLAND_DISPLAY");

	return (b != NULL && *b) || (d != NULL && *d) || (wl != NULL && *wl);
}

/* Paste mode: the redirect URL, one line on stdin. */
static int
read_paste(struct whoop_callback *cb, const char *state)
{
	char	*line = NULL;
	size_t	 cap = 0;
	ssize_t	 n;
	int	 rc;

	fprintf(stderr, "whoop-auth: after logging in, paste the full "
	    "address the browser was sent to, then press Enter:\n");
	if ((n = getline(&line, &cap, stdin)) <= 0) {
		free(line);
		warnx("no redirect URL on standard input");
		return -1;
	}
	if (n > MAX_PASTE) {
		whoop_freezero(line, cap);
		warnx("the pasted URL is longer than %d bytes", MAX_PASTE);
		return -1;
	}
	line[strcspn(line, "\r\n")] = '\0';
	rc = whoop_callback_check(w, line, state, cb);
	whoop_freezero(line, cap);
	if (rc == -1)
		warnx("%s", whoop_errmsg(w));
	return rc;
}

static int64_t
record_int(const struct whoop_record *rec, const char *column)
{
	const struct whoop_colspec	*cs = whoop_colspec(rec->coll);
	size_t				 i;

	for (i = 0; i < cs->nfields; i++)
		if (strcmp(cs->fields[i].column, column) == 0 &&
		    rec->v[i].type == WHOOP_V_INT)
			return rec->v[i].i;
	return -1;
}

static const char *
record_text(const struct whoop_record *rec, const char *column)
{
	const struct whoop_colspec	*cs = whoop_colspec(rec->coll);
	size_t				 i;

	for (i = 0; i < cs->nfields; i++)
		if (strcmp(cs->fields[i].column, column) == 0 &&
		    rec->v[i].type == WHOOP_V_TEXT)
			return rec->v[i].s;
	return NULL;
}

/* Load the key, or create it on first use and say where it is. */
static void
load_or_create_key(const struct whoop_paths *p, const struct whoop_config *c,
    struct whoop_key *key)
{
	if (c->key_command != NULL) {
		if (whoop_key_load(w, NULL, c->key_command, key) == -1)
			die("key_command");
		return;
	}
	if (access(p->key, F_OK) == -1) {
		if (whoop_mkdir_private(w, p->config_dir) == -1 ||
		    whoop_key_create(w, p->key) == -1)
			die(NULL);
		warnx("created a new key in %s: back it up apart from the "
		    "database; without it the stored tokens cannot be opened",
		    whoop_esc(p->key));
	}
	if (whoop_key_load(w, p->key, NULL, key) == -1)
		die(NULL);
}

/* The run lock, waiting (and saying so) for a sync or a rotation. */
static int
lock_for_store(const struct whoop_paths *p)
{
	int	 fd;

	if ((fd = whoop_lock(w, p->lock, 0)) != -1 ||
	    whoop_errcode(w) != WHOOP_E_BUSY)
		return fd;
	warnx("waiting up to %d seconds for %s (another whoop-sync, "
	    "whoop-revoke or whoop-auth -K) before storing the login",
	    STORE_WAIT, whoop_esc(p->lock));
	return whoop_lock(w, p->lock, STORE_WAIT);
}

/* The key file as it is now; the one in hand if it is the same. */
static int
reload_key(const struct whoop_paths *p, struct whoop_key *key)
{
	struct whoop_key	 cur;

	if (whoop_key_load(w, p->key, NULL, &cur) == -1)
		return -1;
	if (memcmp(cur.id, key->id, sizeof(cur.id)) != 0)
		warnx("the key was rotated during the login: sealing under "
		    "the new key");
	*key = cur;
	whoop_key_wipe(&cur);
	return 0;
}

static int
login(const struct whoop_paths *p, struct whoop_config *c, int port_opt,
    int nobrowser, int paste, long deadline)
{
	struct whoop_listen_opts	 lo;
	struct whoop_listener		*l = NULL;
	struct whoop_callback		 cb;
	struct whoop_client		 cl;
	struct whoop_tokens		 tok;
	struct whoop_page		 page;
	struct whoop_http		*h;
	struct whoop_key		 key;
	struct redirect			 rd;
	char				 verifier[WHOOP_PKCE_LEN + 1];
	char				 challenge[WHOOP_PKCE_LEN + 1];
	char				 state[WHOOP_PKCE_LEN + 1];
	char				 uri[512], exp[WHOOP_TIMESTR_LEN];
	char				*secret = NULL, *url;
	const char			*scopes, *email;
	int64_t				 account;
	int				 change, need_refresh, rc;
	int				 lockfd = -1;
	char				 keydir[4096], *slash;

	if (c->client_id == NULL || *c->client_id == '\0') {
		warnx("no client_id: set it in %s or in WHOOP_CLIENT_ID "
		    "(see whoop-auth(1))", whoop_esc(p->config));
		return WHOOP_EXIT_CONFIG;
	}
	if (whoop_config_client_secret(w, c, &secret) == -1) {
		warnx("%s (see whoop-auth(1))", whoop_errmsg(w));
		return WHOOP_EXIT_CONFIG;
	}
	if (*secret == '\0') {
		whoop_freestr(secret);
		warnx("the client secret is empty");
		return WHOOP_EXIT_CONFIG;
	}

	/*
	 * The redirect URI must equal the one registered with WHOOP.  Port
	 * 0 (-P 0) becomes the port the listener gets.
	 */
	if (c->redirect_uri != NULL)
		(void)snprintf(uri, sizeof(uri), "%s", c->redirect_uri);
	else
		(void)snprintf(uri, sizeof(uri), "http://127.0.0.1:%d%s",
		    port_opt >= 0 ? port_opt : c->redirect_port > 0 ?
		    c->redirect_port : DEFAULT_PORT, DEFAULT_PATH);
	if (parse_redirect(uri, &rd) == -1) {
		whoop_freestr(secret);
		warnx("redirect_uri must be http://127.0.0.1:PORT/PATH, "
		    "http://localhost:PORT/PATH or an https:// URL");
		return WHOOP_EXIT_CONFIG;
	}
	if (rd.https)
		paste = 1;

	load_or_create_key(p, c, &key);
	/* The key's directory, read again under the lock (store_key). */
	(void)snprintf(keydir, sizeof(keydir), "%s", p->key);
	if ((slash = strrchr(keydir, '/')) != NULL)
		*(slash == keydir ? slash + 1 : slash) = '\0';
	else
		(void)snprintf(keydir, sizeof(keydir), ".");
	if ((h = whoop_http_new(w, "whoop-auth/" WHOOP_VERSION)) == NULL) {
		whoop_key_wipe(&key);
		whoop_freestr(secret);
		die(NULL);
	}

	/* Secrets first; only then the listener, then the URL. */
	if (whoop_pkce_new(w, verifier, challenge) == -1 ||
	    whoop_state_new(w, state) == -1)
		die(NULL);
	if (!paste) {
		memset(&lo, 0, sizeof(lo));
		lo.host = rd.host;
		lo.port = rd.port;
		lo.path = rd.path;
		lo.deadline = deadline;
		lo.read_timeout = 10;
		lo.max_bad = 20;
		if ((l = whoop_listen(w, &lo)) == NULL)
			die("listener");
		if (rd.port == 0)
			(void)snprintf(uri, sizeof(uri), "http://%s:%d%s",
			    rd.host, whoop_listener_port(l), rd.path);
	}
	cl.client_id = c->client_id;
	cl.client_secret = secret;
	cl.redirect_uri = uri;
	scopes = c->scopes != NULL ? c->scopes : WHOOP_SCOPES_DEFAULT;
	need_refresh = strstr(scopes, "offline") != NULL;
	if ((url = whoop_oauth_authorize_url(w, whoop_http_origin(h), &cl,
	    scopes, state, challenge)) == NULL)
		die(NULL);
	if (nobrowser || paste || !has_display()) {
		fprintf(stderr, "whoop-auth: open this address in a browser "
		    "to log in to WHOOP:\n\n%s\n\n", url);
	} else if (open_browser(url) == -1)
		warn("could not start a browser; open the address yourself");
	free(url);
	/*
	 * Landlock only now: a browser started from here would inherit it
	 * and could not reach its profile, fonts or display.  It was
	 * forked already, and the key and the client secret are in hand:
	 * what is left needs the database's directory, SQLite's temporary
	 * directory and, read-only, the TLS and resolver files.
	 */
	if (whoop_sandbox_also(w, p->db, WHOOP_SANDBOX_TLS,
	    c->key_command != NULL ? NULL : keydir) == -1)
		die("sandbox");

	memset(&cb, 0, sizeof(cb));
	if (paste)
		rc = read_paste(&cb, state);
	else {
		rc = whoop_listener_wait(l, state, &cb);
		if (rc == -1)
			warnx("%s", whoop_errmsg(w));
		whoop_listener_free(l);
	}
	whoop_wipe(state, sizeof(state));
	if (rc == -1) {
		whoop_wipe(verifier, sizeof(verifier));
		rc = WHOOP_EXIT_FAIL;
		goto out;
	}
	if (cb.error != NULL) {
		warnx("WHOOP refused the login: %s%s%s%s", cb.error,
		    cb.error_description ? " (" : "",
		    cb.error_description ? cb.error_description : "",
		    cb.error_description ? ")" : "");
		whoop_callback_clear(&cb);
		whoop_wipe(verifier, sizeof(verifier));
		rc = WHOOP_EXIT_FAIL;
		goto out;
	}

	/* Exactly one exchange of this code. */
	rc = whoop_oauth_exchange(h, &cl, cb.code, verifier, &tok);
	whoop_callback_clear(&cb);
	whoop_wipe(verifier, sizeof(verifier));
	if (rc == -1) {
		warnx("%s", whoop_errmsg(w));
		rc = whoop_exitcode(w);
		goto out;
	}
	if (whoop_api_page(h, WHOOP_C_PROFILE, tok.access_token, NULL, NULL,
	    NULL, 0, &page) == -1 || page.nrecs != 1) {
		/* Through the handle: its messages are escaped. */
		if (page.nrejected)
			whoop_seterr(w, WHOOP_E_PROTO, "%s", page.reject_msg);
		warnx("profile: %s", whoop_errmsg(w));
		rc = page.nrejected ? WHOOP_EXIT_FAIL : whoop_exitcode(w);
		whoop_page_free(&page);
		whoop_tokens_clear(&tok);
		goto out;
	}
	account = record_int(&page.recs[0], "user_id");
	if (account <= 0) {
		warnx("profile: no user_id");
		whoop_page_free(&page);
		whoop_tokens_clear(&tok);
		rc = WHOOP_EXIT_FAIL;
		goto out;
	}

	/*
	 * whoop-auth -K holds the run lock from reading the old key to
	 * renaming the new one.  Under the lock, the key file is the key
	 * the database is sealed under: read it again, so that tokens are
	 * never sealed under a key a rotation has just replaced.
	 */
	if (c->key_command == NULL) {
		if ((lockfd = lock_for_store(p)) == -1 ||
		    reload_key(p, &key) == -1) {
			warnx("%s; the login was not stored: run whoop-auth "
			    "again", whoop_errmsg(w));
			whoop_page_free(&page);
			whoop_tokens_clear(&tok);
			rc = whoop_exitcode(w);
			goto out;
		}
	}

	/* Tokens, profile and the audit event: one transaction. */
	if (whoop_db_begin(w) == -1 ||
	    whoop_cred_store(w, &key, account, &cl, &tok) == -1 ||
	    whoop_store_upsert(w, account, &page.recs[0], &change) == -1 ||
	    whoop_audit(w, account, "auth_granted", tok.scope) == -1 ||
	    whoop_db_commit(w) == -1) {
		warnx("%s", whoop_errmsg(w));
		whoop_db_rollback(w);
		whoop_page_free(&page);
		whoop_tokens_clear(&tok);
		rc = whoop_exitcode(w);
		goto out;
	}
	email = record_text(&page.recs[0], "email");
	(void)whoop_time_format(tok.expires_at_ms, exp, sizeof(exp));
	/* The email and the scopes are WHOOP's words: escaped. */
	printf("account %lld%s%s%s authorized; scopes: %s; access token "
	    "valid until %s\n", (long long)account, email ? " (" : "",
	    email ? whoop_esc(email) : "", email ? ")" : "",
	    whoop_esc(tok.scope ? tok.scope : scopes), exp);
	/* Still a login: the code is spent, the access token works. */
	if (need_refresh && tok.refresh_token == NULL)
		warnx("WHOOP sent no refresh token although offline access "
		    "was asked: this login lasts until %s; run whoop-auth "
		    "again then", exp);
	whoop_page_free(&page);
	whoop_tokens_clear(&tok);
	rc = WHOOP_EXIT_OK;
out:
	whoop_unlock(lockfd);
	whoop_key_wipe(&key);
	whoop_freestr(secret);
	whoop_http_free(h);
	return rc;
}

/*
 * One line per account, tab-separated with a header, for people and for
 * cut(1): account, status, email, token state, token expiry, last sync.
 */
static int
list_accounts(void)
{
	struct whoop_account_info	*a = NULL;
	size_t				 n, i;
	int64_t				 now = whoop_time_now_ms();
	char				 exp[WHOOP_TIMESTR_LEN];
	const char			*tok;

	if (whoop_account_infos(w, &a, &n) == -1)
		return -1;
	printf("account\tstatus\temail\ttoken\texpires\tlast_sync\n");
	for (i = 0; i < n; i++) {
		exp[0] = '\0';
		if (!a[i].has_tokens)
			tok = strcmp(a[i].status, "revoked") == 0 ?
			    "revoked" : "none";
		else if (strcmp(a[i].status, "active") != 0)
			tok = "needs_login";
		else if (a[i].expires_at_ms > now)
			tok = "valid";
		else
			tok = a[i].has_refresh ? "needs_refresh" : "expired";
		if (a[i].has_tokens)
			(void)whoop_time_format(a[i].expires_at_ms, exp,
			    sizeof(exp));
		/* The email is escaped already (whoop_account_infos). */
		printf("%lld\t%s\t%s\t%s\t%s\t%s\n",
		    (long long)a[i].account, whoop_esc(a[i].status),
		    *a[i].email ? a[i].email : "-", tok, *exp ? exp : "-",
		    *a[i].last_sync ? whoop_esc(a[i].last_sync) : "-");
	}
	free(a);
	return 0;
}

/*
 * -l reads no sealed column, so it cannot see which key opens them; but
 * a KEY.new beside KEY means a rotation did not finish.
 */
static void
warn_interrupted_rotation(const struct whoop_paths *p,
    const struct whoop_config *c)
{
	struct stat	 st;
	char		 newpath[4096];

	if (c->key_command != NULL || (size_t)snprintf(newpath,
	    sizeof(newpath), "%s.new", p->key) >= sizeof(newpath))
		return;
	if (lstat(newpath, &st) == 0)
		warnx("%s exists: a key rotation was interrupted, and the "
		    "tokens may be sealed under it; run whoop-auth -K to "
		    "finish it", whoop_esc(newpath));
}

/*
 * Key rotation.  Under the run lock, so that no sync, revoke or login
 * uses a key while it changes.  The new key is written to KEY.new first,
 * the database re-sealed in one transaction, and only then KEY.new
 * renamed over KEY: a crash leaves either the old key with the old file,
 * or KEY.new that opens the re-sealed file.  A KEY.new found here is
 * such a rotation cut short: it is finished (rows still under KEY are
 * re-sealed, rows under KEY.new left as they are, then the rename), which
 * is right whether the kill came before the commit or after it.
 */
static int
rotate_key(const struct whoop_paths *p, const struct whoop_config *c,
    long waitsec)
{
	struct whoop_key	 oldkey, newkey;
	struct stat		 st;
	char			 newpath[4096];
	int			 count, lockfd, resumed = 0;

	if (c->key_command != NULL) {
		warnx("the key comes from key_command: rotate it in the "
		    "secret store, then re-run whoop-auth for each account");
		return WHOOP_EXIT_CONFIG;
	}
	if ((size_t)snprintf(newpath, sizeof(newpath), "%s.new", p->key) >=
	    sizeof(newpath))
		errx(WHOOP_EXIT_FAIL, "key path too long");
	if ((lockfd = whoop_lock(w, p->lock, waitsec)) == -1)
		die(NULL);
	if (whoop_key_load(w, p->key, NULL, &oldkey) == -1)
		die(NULL);
	if (lstat(newpath, &st) == 0) {
		resumed = 1;
		warnx("%s is left from an interrupted key rotation: "
		    "finishing it", whoop_esc(newpath));
	} else if (whoop_key_create(w, newpath) == -1) {
		whoop_key_wipe(&oldkey);
		die("new key");
	}
	if (whoop_key_load(w, newpath, NULL, &newkey) == -1) {
		whoop_key_wipe(&oldkey);
		if (!resumed)
			(void)unlink(newpath);
		die(resumed ? "the interrupted rotation's key" : "new key");
	}
	if (whoop_rekey(w, &oldkey, &newkey, &count) == -1) {
		whoop_key_wipe(&oldkey);
		whoop_key_wipe(&newkey);
		/* Only a key.new made here is ours to take back. */
		if (!resumed)
			(void)unlink(newpath);
		die("key rotation");
	}
	whoop_key_wipe(&oldkey);
	whoop_key_wipe(&newkey);
	if (rename(newpath, p->key) == -1)
		err(WHOOP_EXIT_FAIL, "the database is re-sealed under %s, "
		    "but renaming it to %s failed; rename it by hand",
		    whoop_esc(newpath), whoop_esc(p->key));
	whoop_unlock(lockfd);
	fprintf(stderr, "whoop-auth: %s; %d account%s re-sealed; "
	    "back up the new %s\n", resumed ? "the interrupted key rotation "
	    "is finished" : "key rotated", count, count == 1 ? "" : "s",
	    whoop_esc(p->key));
	return WHOOP_EXIT_OK;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct whoop_paths	 paths;
	struct whoop_config	 conf;
	const char		*dbopt = NULL;
	long long		 n;
	long			 deadline = 300, waitsec = 0;
	int			 ch, list = 0, rekey = 0, nobrowser = 0;
	int			 paste = 0, port = -1, rc;

	if ((w = whoop_new()) == NULL)
		err(WHOOP_EXIT_FAIL, NULL);
	if (whoop_process_harden(w) == -1)
		die(NULL);
	while ((ch = getopt_long(argc, argv, "d:KlnpP:t:w:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'd':
			dbopt = optarg;
			break;
		case 'K':
			rekey = 1;
			break;
		case 'l':
			list = 1;
			break;
		case 'n':
			nobrowser = 1;
			break;
		case 'p':
			paste = 1;
			break;
		case 'P':
			if (whoop_strtoll(w, optarg, 0, 65535, &n) == -1)
				errx(WHOOP_EXIT_USAGE, "-P: %s", whoop_errmsg(w));
			port = (int)n;
			break;
		case 't':
			if (whoop_strtoll(w, optarg, 1, 86400, &n) == -1)
				errx(WHOOP_EXIT_USAGE, "-t: %s", whoop_errmsg(w));
			deadline = (long)n;
			break;
		case 'w':
			if (whoop_strtoll(w, optarg, 0, 86400, &n) == -1)
				errx(WHOOP_EXIT_USAGE, "-w: %s", whoop_errmsg(w));
			waitsec = (long)n;
			break;
		case 'h':
			help();
			return WHOOP_EXIT_OK;
		case 'V':
			version();
			return WHOOP_EXIT_OK;
		default:
			usage();
			return WHOOP_EXIT_USAGE;
		}
	}
	if (optind != argc || list + rekey > 1) {
		usage();
		return WHOOP_EXIT_USAGE;
	}

	if (whoop_paths_init(w, &paths, dbopt) == -1)
		die(NULL);
	whoop_config_init(&conf);
	if (whoop_config_load(w, &conf, paths.config, 0) == -1 ||
	    whoop_config_env(w, &conf) == -1)
		die(NULL);
	if (dbopt == NULL && getenv("WHOOP_DB") == NULL &&
	    whoop_mkdir_private(w, paths.data_dir) == -1)
		die(NULL);
	if (whoop_db_open(w, paths.db, list ? WHOOP_DB_RDONLY :
	    WHOOP_DB_CREATE) == -1)
		die(NULL);

	if (list) {
		rc = list_accounts() == -1 ? whoop_exitcode(w) : 0;
		if (rc == 0)
			warn_interrupted_rotation(&paths, &conf);
	}
	else if (rekey)
		rc = rotate_key(&paths, &conf, waitsec);
	else
		rc = login(&paths, &conf, port, nobrowser, paste, deadline);
	if (rc != 0 && list)
		warnx("%s", whoop_errmsg(w));

	whoop_config_free(&conf);
	whoop_paths_free(&paths);
	whoop_free(w);
	return rc;
}
