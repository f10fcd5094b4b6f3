/*
 * whoop-revoke: end a WHOOP account's access and shred its local tokens.
 *
 * The grant is revoked at WHOOP first (DELETE /developer/v2/user/access,
 * refreshing the access token first if it is about to expire), under the
 * run lock of whoop-sync; only then are the sealed tokens deleted, in one
 * transaction with an audit event, and the WAL truncated after the
 * commit, so no ciphertext of them is left in the database, its -wal or
 * its -shm.  If WHOOP cannot be reached the local tokens are kept: they
 * are the only way left to revoke the grant.  -l deletes them without
 * contacting WHOOP (and without the key); -p also deletes the account's
 * synced records.
 */
#include <err.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "whoop.h"

#define REFRESH_MARGIN_MS	(5 * 60 * 1000)	/* as whoop-sync */
#define MAX_REASON		200		/* bytes of -r */

/* What WHOOP said of the grant. */
#define REMOTE_REVOKED		0	/* revoked now */
#define REMOTE_GONE		1	/* already invalid: 401, invalid_grant */

static struct whoop	*w;

struct run {
	struct whoop_paths	 paths;
	struct whoop_config	 conf;
	struct whoop_http	*h;
	struct whoop_key	 key;
	int			 haskey;
	int			 local, purge, verbose;
	const char		*reason;
	int			 worst;		/* exit status so far */
};

static void
usage(void)
{
	fprintf(stderr,
	    "usage: whoop-revoke [-flpv] [-A | -a account] [-d file] "
	    "[-r reason]\n"
	    "                    [-w seconds]\n"
	    "       whoop-revoke --help | --version\n");
}

static void
help(void)
{
	printf("usage: whoop-revoke [-flpv] [-A | -a account] [-d file] "
	    "[-r reason]\n"
	    "                    [-w seconds]\n"
	    "       whoop-revoke --help | --version\n"
	    "\n"
	    "  -A          every account in the database\n"
	    "  -a account  this account (WHOOP user id, see whoop-auth -l)\n"
	    "  -d file     database (default $XDG_DATA_HOME/whoop/whoop.db)\n"
	    "  -f          do not ask for confirmation\n"
	    "  -l          local only: delete the tokens without contacting "
	    "WHOOP\n"
	    "  -p          purge: delete the account's synced records too\n"
	    "  -r reason   reason recorded in the audit table (default "
	    "\"manual\")\n"
	    "  -v          say what was done, on stderr\n"
	    "  -w seconds  wait this long for a running whoop-sync\n"
	    "\nSee whoop-revoke(1).\n");
}

static void
version(void)
{
	char	 buf[512];

	printf("whoop-revoke %s\n", WHOOP_VERSION);
	whoop_versions_net(buf, sizeof(buf));
	fputs(buf, stdout);
	whoop_versions(buf, sizeof(buf));
	fputs(buf, stdout);
}

static int
exitcode(void)
{
	int	 code = whoop_exitcode(w);

	return code == WHOOP_EXIT_OK ? WHOOP_EXIT_FAIL : code;
}

/*
 * Make the access token good for a while, as whoop-sync does
 * (whoop_token_ensure).  force: the token was refused (401) although it
 * looked valid.
 * Returns 0 with c usable, REMOTE_GONE when WHOOP no longer knows the
 * grant (invalid_grant), -1 on error (the stored pair is unchanged).
 */
static int
ensure_fresh(struct run *r, struct whoop_cred *c, int force)
{
	if (whoop_token_ensure(w, r->h, &r->key, &r->conf, c, force,
	    REFRESH_MARGIN_MS) == 0)
		return 0;
	if (whoop_errcode(w) != WHOOP_E_AUTH)
		return -1;
	/* invalid_grant, or nothing to refresh with: nothing to revoke. */
	whoop_clearerr(w);
	return REMOTE_GONE;
}

/*
 * Revoke at WHOOP: REMOTE_REVOKED, REMOTE_GONE, or -1 with the error on
 * the handle.  A 401 may only mean that the access token expired early:
 * refresh once and try again; if the refresh is refused too, or the
 * second try is also a 401, the grant is gone.
 */
static int
revoke_remote(struct run *r, int64_t id)
{
	struct whoop_cred	 c;
	int			 rc;

	if (whoop_cred_load(w, &r->key, id, &c) == -1) {
		struct whoop_key	 nk;
		char			 np[4096];

		/* A rotation cut short: say that key.new opens them. */
		if (r->conf.key_command == NULL &&
		    whoop_errcode(w) == WHOOP_E_KEY_WRONG &&
		    whoop_key_load_new(w, r->paths.key, &nk, np,
		    sizeof(np)) == 1) {
			whoop_cred_wrongkey_hint(w, &nk, np, id);
			whoop_key_wipe(&nk);
		}
		return -1;
	}
	if ((rc = ensure_fresh(r, &c, 0)) != 0)
		goto out;
	if ((rc = whoop_oauth_revoke(r->h, c.tok.access_token)) != 1)
		goto out;
	if ((rc = ensure_fresh(r, &c, 1)) != 0)
		goto out;
	rc = whoop_oauth_revoke(r->h, c.tok.access_token);
out:
	whoop_cred_clear(&c);
	return rc;
}

/*
 * One transaction: the tokens (secure_delete zeroes what they held), the
 * records with -p, the status and the audit event.
 */
static int
shred(struct run *r, int64_t id, const char *event, const char *whoop,
    long *purged)
{
	char	 detail[64 + MAX_REASON];

	*purged = 0;
	if (whoop_db_begin(w) == -1)
		return -1;
	if (whoop_cred_delete(w, id) == -1 ||
	    (r->purge && whoop_account_purge(w, id, purged) == -1))
		goto fail;
	/* whoop_audit escapes it: the reason is the user's free text. */
	(void)snprintf(detail, sizeof(detail), "whoop=%s purged=%ld "
	    "reason=%s", whoop, *purged, r->reason);
	if (whoop_audit(w, id, event, detail) == -1 ||
	    whoop_db_commit(w) == -1)
		goto fail;
	return 0;
fail:
	whoop_db_rollback(w);
	*purged = 0;
	return -1;
}

static void
revoke_account(struct run *r, const struct whoop_account_info *a)
{
	const char	*whoop;
	long long	 id = (long long)a->account;
	long		 n;
	int		 rc;

	if (!a->has_tokens) {
		warnx("account %lld: already revoked%s", id, r->purge ?
		    "; deleting its records" : "");
		if (!r->purge && strcmp(a->status, "revoked") == 0)
			return;
		if (shred(r, a->account, strcmp(a->status, "revoked") == 0 ?
		    "purged" : "revoked", "none", &n) == -1) {
			warnx("account %lld: %s", id, whoop_errmsg(w));
			r->worst = whoop_exit_worse(r->worst, exitcode());
		} else if (r->verbose && r->purge)
			warnx("account %lld: %ld record%s deleted", id, n,
			    n == 1 ? "" : "s");
		return;
	}

	if (r->local)
		whoop = "not_contacted";
	else if (strcmp(a->status, "active") != 0) {
		/* whoop-sync found the grant refused (invalid_grant). */
		whoop = "already_gone";
		if (r->verbose)
			warnx("account %lld: WHOOP already refused this "
			    "login (%s); not contacting it", id,
			    whoop_esc(a->status));
	} else {
		rc = revoke_remote(r, a->account);
		if (rc == -1) {
			warnx("account %lld: %s; not revoked, the local tokens "
			    "are kept (whoop-revoke -l deletes them without "
			    "contacting WHOOP)", id, whoop_errmsg(w));
			r->worst = whoop_exit_worse(r->worst, exitcode());
			return;
		}
		whoop = rc == REMOTE_REVOKED ? "revoked" : "already_gone";
	}

	if (shred(r, a->account, "revoked", whoop, &n) == -1) {
		warnx("account %lld: %s%s; run whoop-revoke -l to try again",
		    id, strcmp(whoop, "revoked") == 0 ? "revoked at WHOOP, "
		    "but the local tokens could not be deleted: " : "",
		    whoop_errmsg(w));
		r->worst = whoop_exit_worse(r->worst, exitcode());
		return;
	}
	if (r->verbose) {
		warnx("account %lld: %s; tokens deleted", id,
		    strcmp(whoop, "revoked") == 0 ? "revoked at WHOOP" :
		    strcmp(whoop, "already_gone") == 0 ? "the grant was "
		    "already invalid at WHOOP" : "WHOOP not contacted (-l)");
		if (r->purge)
			warnx("account %lld: %ld record%s deleted", id, n,
			    n == 1 ? "" : "s");
	}
}

/*
 * Ask on the terminal.  Returns 1 for yes, 0 for no, -1 when there is no
 * terminal to ask on.
 */
static int
confirm(const struct run *r, struct whoop_account_info **sel, size_t nsel)
{
	FILE	*tty;
	char	 line[64];
	size_t	 i;
	int	 yes;

	if (!isatty(STDIN_FILENO)) {
		warnx("standard input is not a terminal: use -f to revoke "
		    "without confirmation");
		return -1;
	}
	if ((tty = fopen("/dev/tty", "r+")) == NULL) {
		warn("/dev/tty: use -f to revoke without confirmation");
		return -1;
	}
	fprintf(tty, "%s\n", r->local ? "Delete the WHOOP tokens, without "
	    "revoking them at WHOOP, of:" : "Revoke WHOOP access and delete "
	    "the tokens of:");
	for (i = 0; i < nsel; i++)
		fprintf(tty, "  account %lld%s%s%s%s\n",
		    (long long)sel[i]->account, sel[i]->email[0] ? " (" : "",
		    sel[i]->email, sel[i]->email[0] ? ")" : "",
		    sel[i]->has_tokens ? "" : ", already revoked");
	if (r->purge)
		fprintf(tty, "and delete all of their synced records?");
	else
		fprintf(tty, "Synced records are kept.  Proceed?");
	fprintf(tty, " [y/N] ");
	fflush(tty);
	yes = 0;
	if (fgets(line, sizeof(line), tty) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		yes = strcasecmp(line, "y") == 0 ||
		    strcasecmp(line, "yes") == 0;
	}
	fclose(tty);
	return yes;
}

/*
 * The accounts to work on, pointers into infos: -a, -A, or the only one.
 * Returns the exit status to leave with, or -1 to go on.
 */
static int
select_accounts(struct whoop_account_info *infos, size_t n, int all,
    int64_t only, struct whoop_account_info ***sel, size_t *nsel)
{
	size_t	 i;

	*nsel = 0;
	if ((*sel = calloc(n ? n : 1, sizeof(**sel))) == NULL)
		err(WHOOP_EXIT_FAIL, NULL);
	for (i = 0; i < n; i++)
		if (all || only == 0 || infos[i].account == only)
			(*sel)[(*nsel)++] = &infos[i];
	if (only != 0 && *nsel == 0) {
		warnx("no account %lld in the database (see whoop-auth -l)",
		    (long long)only);
		return WHOOP_EXIT_FAIL;
	}
	if (!all && only == 0 && n > 1) {
		warnx("%zu accounts: choose one with -a, or all with -A "
		    "(see whoop-auth -l)", n);
		return WHOOP_EXIT_USAGE;
	}
	if (*nsel == 0) {
		warnx("no account in the database: nothing to revoke");
		return all ? WHOOP_EXIT_OK : WHOOP_EXIT_FAIL;
	}
	return -1;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct whoop_account_info	*infos = NULL, **sel = NULL;
	struct run			 r;
	const char			*dbopt = NULL;
	int64_t				 only = 0, *ids = NULL;
	long long			 n;
	long				 waitsec = 0;
	size_t				 ninfos = 0, nsel = 0, i, j, nids;
	int				 ch, all = 0, force = 0, lockfd;
	int				 remote, rc;

	memset(&r, 0, sizeof(r));
	r.reason = "manual";
	if ((w = whoop_new()) == NULL)
		err(WHOOP_EXIT_FAIL, NULL);
	/* Core dumps off and umask 077 before any secret is near. */
	if (whoop_process_harden(w) == -1)
		errx(WHOOP_EXIT_FAIL, "%s", whoop_errmsg(w));
	while ((ch = getopt_long(argc, argv, "Aa:d:flpr:vw:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'A':
			all = 1;
			break;
		case 'a':
			if (whoop_strtoll(w, optarg, 1, INT64_MAX, &n) == -1)
				errx(WHOOP_EXIT_USAGE, "-a: %s", whoop_errmsg(w));
			only = n;
			break;
		case 'd':
			dbopt = optarg;
			break;
		case 'f':
			force = 1;
			break;
		case 'l':
			r.local = 1;
			break;
		case 'p':
			r.purge = 1;
			break;
		case 'r':
			if (*optarg == '\0' || strlen(optarg) > MAX_REASON)
				errx(WHOOP_EXIT_USAGE, "-r: the reason must be "
				    "1 to %d bytes", MAX_REASON);
			r.reason = optarg;
			break;
		case 'v':
			r.verbose = 1;
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
	if (optind != argc || (all && only != 0)) {
		usage();
		return WHOOP_EXIT_USAGE;
	}

	if (whoop_paths_init(w, &r.paths, dbopt) == -1)
		errx(exitcode(), "%s", whoop_errmsg(w));
	/* -l needs neither the configuration nor the key. */
	whoop_config_init(&r.conf);
	if (!r.local && (whoop_config_load(w, &r.conf, r.paths.config,
	    0) == -1 || whoop_config_env(w, &r.conf) == -1))
		errx(exitcode(), "%s", whoop_errmsg(w));
	if (access(r.paths.db, F_OK) == -1)
		errx(WHOOP_EXIT_FAIL, "no database at %s: nothing to revoke",
		    whoop_esc(r.paths.db));
	if (whoop_db_open(w, r.paths.db, 0) == -1)
		errx(exitcode(), "%s", whoop_errmsg(w));

	/* Choose and confirm before the lock: a person may take a while. */
	if (whoop_account_infos(w, &infos, &ninfos) == -1)
		errx(exitcode(), "%s", whoop_errmsg(w));
	if ((rc = select_accounts(infos, ninfos, all, only, &sel,
	    &nsel)) != -1)
		goto done;
	if (!force) {
		if ((rc = confirm(&r, sel, nsel)) != 1) {
			if (rc == 0)
				warnx("not confirmed: nothing revoked");
			rc = rc == -1 ? WHOOP_EXIT_USAGE : WHOOP_EXIT_FAIL;
			goto done;
		}
	}
	if ((nids = nsel) > 0 && (ids = calloc(nids, sizeof(*ids))) == NULL)
		err(WHOOP_EXIT_FAIL, NULL);
	for (i = 0; i < nids; i++)
		ids[i] = sel[i]->account;

	if ((lockfd = whoop_lock(w, r.paths.lock, waitsec)) == -1) {
		warnx("%s", whoop_errmsg(w));
		rc = exitcode();
		goto done;
	}
	/* Under the lock, read again what was chosen: it may have moved. */
	free(sel);
	sel = NULL;
	free(infos);
	infos = NULL;
	if (whoop_account_infos(w, &infos, &ninfos) == -1) {
		warnx("%s", whoop_errmsg(w));
		rc = exitcode();
		whoop_unlock(lockfd);
		goto done;
	}
	remote = 0;
	for (i = 0; i < ninfos; i++)
		for (j = 0; j < nids; j++)
			if (infos[i].account == ids[j] && !r.local &&
			    infos[i].has_tokens &&
			    strcmp(infos[i].status, "active") == 0)
				remote = 1;
	if (remote) {
		if (whoop_key_load(w, r.conf.key_command ? NULL : r.paths.key,
		    r.conf.key_command, &r.key) == -1) {
			warnx("%s; nothing revoked (whoop-revoke -l deletes "
			    "the tokens without the key, and without "
			    "revoking them at WHOOP)", whoop_errmsg(w));
			rc = exitcode();
			whoop_unlock(lockfd);
			goto done;
		}
		r.haskey = 1;
		if ((r.h = whoop_http_new(w, "whoop-revoke/" WHOOP_VERSION)) ==
		    NULL) {
			warnx("%s", whoop_errmsg(w));
			rc = exitcode();
			whoop_key_wipe(&r.key);
			whoop_unlock(lockfd);
			goto done;
		}
	}
	for (j = 0; j < nids; j++) {
		for (i = 0; i < ninfos; i++)
			if (infos[i].account == ids[j])
				break;
		if (i == ninfos) {
			/* Gone from the file since it was chosen. */
			warnx("account %lld: already revoked", (long long)ids[j]);
			continue;
		}
		revoke_account(&r, &infos[i]);
	}
	/*
	 * Deleted cells are zeroed in the database file, but the WAL still
	 * holds the pages as they were: truncate it, after the commits.  On
	 * every run, so that a run that could not finishes here.
	 */
	if (whoop_db_wal_truncate(w) == -1) {
		warnx("%s; the deleted tokens may remain in %s-wal until "
		    "whoop-revoke runs again", whoop_errmsg(w),
		    whoop_esc(r.paths.db));
		r.worst = whoop_exit_worse(r.worst, WHOOP_EXIT_TEMP);
	}
	if (r.haskey)
		whoop_key_wipe(&r.key);
	whoop_http_free(r.h);
	whoop_unlock(lockfd);
	rc = r.worst;
done:
	free(ids);
	free(sel);
	free(infos);
	whoop_config_free(&r.conf);
	whoop_paths_free(&r.paths);
	whoop_free(w);
	return rc;
}
