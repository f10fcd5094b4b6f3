/*
 * whoop-import: import the WHOOP app's own data export ("Export WHOOP
 * Data": a ZIP of physiological_cycles.csv, sleeps.csv, workouts.csv
 * and journal_entries.csv) into the database, Journal included, which
 * the API does not have.
 *
 * It needs no login and never reads the key, the configuration or a
 * token: with no database it creates one, and the rows go to the local
 * account (0) when the database holds no WHOOP account.  Every row of
 * every file is read and checked first; then all of it is written in
 * one transaction, so a file that cannot be read leaves the database as
 * it was.  Importing the same or a newer archive again adds only what is
 * new.
 */
#include <sys/prctl.h>
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "whoop.h"

static struct whoop	*w;

static void
usage(void)
{
	fprintf(stderr,
	    "usage: whoop-import [-nv] [-a account] [-d file] path ...\n"
	    "       whoop-import -m [-nv] [-a account] [-d file]\n"
	    "       whoop-import --help | --version\n");
}

static void
help(void)
{
	printf("usage: whoop-import [-nv] [-a account] [-d file] path ...\n"
	    "       whoop-import -m [-nv] [-a account] [-d file]\n"
	    "       whoop-import --help | --version\n"
	    "\n"
	    "  path        the app's export: the ZIP it mails, the folder it\n"
	    "              unpacks to, or its CSV files\n"
	    "  -a account  the rows belong to this account (WHOOP user id);\n"
	    "              default: the only one, else the local account 0\n"
	    "  -d file     database (default $XDG_DATA_HOME/whoop/whoop.db)\n"
	    "  -m          move the local account's rows to the account\n"
	    "  -n          read and check everything, write nothing\n"
	    "  -v          per file: rows new, unchanged and updated\n"
	    "\nTables and columns: see whoop(7).  See whoop-import(1).\n");
}

static void
version(void)
{
	char	 buf[512];

	printf("whoop-import %s\n", WHOOP_VERSION);
	whoop_versions(buf, sizeof(buf));
	fputs(buf, stdout);
}

static const char *
type_of(enum whoop_coll coll)
{
	const struct whoop_colspec	*cs = whoop_colspec(coll);

	return cs != NULL ? cs->name : "skipped";
}

static void
die(void)
{
	int	 code = whoop_exitcode(w);

	warnx("%s", whoop_errmsg(w));
	whoop_free(w);
	exit(code == WHOOP_EXIT_OK ? WHOOP_EXIT_FAIL : code);
}

/* -m: the local account's rows to a real one, in one transaction. */
static int
takeover(int64_t account, int dryrun, int verbose)
{
	long	 moved = 0;

	if (account == WHOOP_ACCOUNT_LOCAL) {
		warnx("-m: no WHOOP account to move the local account's rows "
		    "to: log in with whoop-auth first, or give -a");
		return WHOOP_EXIT_USAGE;
	}
	if (dryrun) {
		if (verbose)
			fprintf(stderr, "whoop-import: -n: would move the local "
			    "account's rows to account %lld\n",
			    (long long)account);
		return WHOOP_EXIT_OK;
	}
	if (whoop_db_begin(w) == -1)
		die();
	if (whoop_import_takeover(w, account, &moved) == -1 ||
	    whoop_audit(w, account, "import_takeover", NULL) == -1) {
		char	 msg[512];

		(void)snprintf(msg, sizeof(msg), "%s", whoop_errmsg(w));
		(void)whoop_db_rollback(w);
		warnx("%s", msg);
		return WHOOP_EXIT_FAIL;
	}
	if (whoop_db_commit(w) == -1)
		die();
	if (verbose)
		fprintf(stderr, "whoop-import: moved %ld row%s of the local "
		    "account to account %lld\n", moved, moved == 1 ? "" : "s",
		    (long long)account);
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
	const struct whoop_import_file	*f;
	struct whoop_import		*imp = NULL;
	struct whoop_paths		 paths;
	struct stat			 sb;
	const char			*dbopt = NULL;
	long long			 n;
	long				 linked = 0;
	int64_t				 want = 0, account;
	size_t				 i;
	int				 ch, dryrun = 0, verbose = 0, move = 0;
	int				 rc = WHOOP_EXIT_OK, havedb;

	if ((w = whoop_new()) == NULL)
		err(WHOOP_EXIT_FAIL, NULL);
	/* Private files, no core dumps; nothing run from here gains. */
	if (whoop_process_harden(w) == -1)
		errx(WHOOP_EXIT_FAIL, "%s", whoop_errmsg(w));
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		err(WHOOP_EXIT_FAIL, "prctl");

	while ((ch = getopt_long(argc, argv, "a:d:mnv", longopts, NULL)) !=
	    -1) {
		switch (ch) {
		case 'a':
			if (whoop_strtoll(w, optarg, 1, INT64_MAX, &n) == -1)
				errx(WHOOP_EXIT_USAGE, "-a: %s", whoop_errmsg(w));
			want = n;
			break;
		case 'd':
			dbopt = optarg;
			break;
		case 'm':
			move = 1;
			break;
		case 'n':
			dryrun = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'h':
			help();
			whoop_free(w);
			return WHOOP_EXIT_OK;
		case 'V':
			version();
			whoop_free(w);
			return WHOOP_EXIT_OK;
		default:
			usage();
			whoop_free(w);
			return WHOOP_EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (move ? argc != 0 : argc == 0) {
		usage();
		whoop_free(w);
		return WHOOP_EXIT_USAGE;
	}

	/*
	 * Everything is read and checked before the database is opened:
	 * a file refused leaves no trace, not even a new empty database.
	 */
	if (!move &&
	    (imp = whoop_import_scan(w, (const char *const *)argv,
	    (size_t)argc)) == NULL)
		die();

	/* Paths only: no configuration file, no key, no token is read. */
	if (whoop_paths_init(w, &paths, dbopt) == -1)
		die();
	havedb = stat(paths.db, &sb) == 0;
	if (dryrun) {
		/* -n writes nothing: not even a new database. */
		if (havedb && whoop_db_open(w, paths.db, WHOOP_DB_RDONLY) == -1)
			die();
	} else {
		if (dbopt == NULL && getenv("WHOOP_DB") == NULL &&
		    whoop_mkdir_private(w, paths.data_dir) == -1)
			die();
		if (whoop_db_open(w, paths.db, WHOOP_DB_CREATE) == -1)
			die();
	}
	/*
	 * From here on the database's directory, SQLite's temporary one and,
	 * read-only, the paths given; no socket and no program: the files
	 * read are data from elsewhere (Landlock and seccomp, where the
	 * kernel has them).
	 */
	if (whoop_sandbox_import(w, paths.db, (const char *const *)argv) ==
	    -1)
		die();
	whoop_paths_free(&paths);

	if (whoop_import_account(w, want, dryrun, &account) == -1) {
		warnx("%s", whoop_errmsg(w));
		whoop_import_free(imp);
		whoop_free(w);
		return WHOOP_EXIT_USAGE;
	}
	if (move) {
		if (!havedb && dryrun) {
			warnx("-m: no database");
			rc = WHOOP_EXIT_FAIL;
		} else
			rc = takeover(account, dryrun, verbose);
		whoop_free(w);
		return rc;
	}

	if (whoop_import_write(w, imp, account, dryrun, &linked) == -1)
		die();
	if (verbose) {
		for (i = 0; i < whoop_import_nfiles(imp); i++) {
			f = whoop_import_file(imp, i);
			if (f->coll == WHOOP_C_COUNT) {
				fprintf(stderr, "whoop-import: %s: skipped, not "
				    "a file of the export\n", f->name);
				continue;
			}
			fprintf(stderr, "whoop-import: %s: %s: %ld new, %ld "
			    "unchanged, %ld updated%s\n", f->name,
			    type_of(f->coll), f->nnew, f->nsame, f->nupd,
			    dryrun ? " (-n: nothing written)" : "");
		}
		if (!dryrun)
			fprintf(stderr, "whoop-import: account %lld; %ld row%s "
			    "linked to the API's records\n",
			    (long long)account, linked, linked == 1 ? "" : "s");
	}
	whoop_import_free(imp);
	whoop_free(w);
	return rc;
}
