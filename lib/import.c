/*
 * whoop-import's driver: find the four files of the app's export in
 * ZIP archives, folders and CSV files by their header rows, read and
 * check every row before the database is touched, then write them all
 * in one transaction.
 *
 * A CSV file is the export's when its header starts "Cycle start time"
 * and holds one of the headers that tell the four apart.  A file that
 * is named like one of the export's (in any of its languages) or was
 * named on the command line, and is not in that form, is refused with
 * its header: a localized export, or one re-saved by a spreadsheet with
 * ";" between fields, is never half-read.  Other files (GPX, ECG, ...)
 * are skipped.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <sqlite3.h>

#include "extern.h"

#define MAXDEPTH	16	/* folders below a path given */
#define MAXFILES	4096	/* CSV files looked at, in all */

struct src {
	char		*path;		/* the file, or the ZIP archive */
	struct whoop_zip *zip;		/* borrowed from imp->zips */
	size_t		 entry;
	size_t		 given;		/* order on the command line */
	struct whoop_import_file f;
};

struct whoop_import {
	struct src		*srcs;
	size_t			 nsrcs, cap;
	struct whoop_zip	**zips;
	size_t			 nzips;
	size_t			 given;
};

/* A byte source for csv.c: a file or a ZIP entry. */
struct reader {
	struct whoop		*w;
	int			 fd;
	struct whoop_zipentry	*ze;
	const char		*name;
};

static long
reader_read(void *arg, void *buf, size_t len)
{
	struct reader	*r = arg;
	ssize_t		 n;

	if (r->ze != NULL)
		return whoop_zip_entry_read(r->ze, buf, len);
	for (;;) {
		n = read(r->fd, buf, len);
		if (n >= 0)
			return (long)n;
		if (errno != EINTR)
			break;
	}
	whoop_seterrno(r->w, WHOOP_E_IO, "%s", r->name);
	return -1;
}

static int
reader_open(struct whoop *w, const struct src *s, struct reader *r)
{
	memset(r, 0, sizeof(*r));
	r->w = w;
	r->fd = -1;
	r->name = s->f.name;
	if (s->zip != NULL) {
		if ((r->ze = whoop_zip_entry_open(s->zip, s->entry)) == NULL)
			return -1;
		return 0;
	}
	if ((r->fd = open(s->path, O_RDONLY | O_CLOEXEC)) == -1)
		return whoop_seterrno(w, WHOOP_E_IO, "%s", s->f.name);
	return 0;
}

static void
reader_close(struct reader *r)
{
	whoop_zip_entry_close(r->ze);
	r->ze = NULL;
	if (r->fd != -1)
		close(r->fd);
	r->fd = -1;
}

void
whoop_import_free(struct whoop_import *imp)
{
	size_t	 i;

	if (imp == NULL)
		return;
	for (i = 0; i < imp->nsrcs; i++)
		free(imp->srcs[i].path);
	free(imp->srcs);
	for (i = 0; i < imp->nzips; i++)
		whoop_zip_close(imp->zips[i]);
	free(imp->zips);
	free(imp);
}

size_t
whoop_import_nfiles(const struct whoop_import *imp)
{
	return imp->nsrcs;
}

const struct whoop_import_file *
whoop_import_file(const struct whoop_import *imp, size_t i)
{
	return i < imp->nsrcs ? &imp->srcs[i].f : NULL;
}

static int
ends_with_csv(const char *name)
{
	size_t	 n = strlen(name);

	return n > 4 && strcasecmp(name + n - 4, ".csv") == 0;
}

/*
 * gcc 12's -fanalyzer takes reallocarray for an allocator that leaves
 * its argument alone (see cred.c), and so reports the path stored in the
 * grown array, freed by whoop_import_free, as leaked: off for this one.
 */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wanalyzer-malloc-leak"
#endif
static struct src *
add_src(struct whoop *w, struct whoop_import *imp, const char *path,
    struct whoop_zip *zip, size_t entry)
{
	struct src	*s, *ns;
	const char	*ename;
	char		 e1[250], e2[250];

	if (imp->nsrcs == MAXFILES) {
		whoop_seterr(w, WHOOP_E_FAIL, "more than %d CSV files in the "
		    "paths given", MAXFILES);
		return NULL;
	}
	if (imp->nsrcs == imp->cap) {
		imp->cap = imp->cap ? imp->cap * 2 : 16;
		if ((ns = reallocarray(imp->srcs, imp->cap, sizeof(*ns))) ==
		    NULL) {
			whoop_seterr(w, WHOOP_E_NOMEM, "out of memory");
			return NULL;
		}
		imp->srcs = ns;
	}
	s = &imp->srcs[imp->nsrcs];
	memset(s, 0, sizeof(*s));
	if ((s->path = strdup(path)) == NULL) {
		whoop_seterr(w, WHOOP_E_NOMEM, "out of memory");
		return NULL;
	}
	imp->nsrcs++;
	s->zip = zip;
	s->entry = entry;
	s->given = imp->given;
	s->f.coll = WHOOP_C_COUNT;
	whoop_escape(e1, sizeof(e1), path, strlen(path));
	if (zip != NULL) {
		ename = whoop_zip_name(zip, entry);
		whoop_escape(e2, sizeof(e2), ename, strlen(ename));
		(void)snprintf(s->f.name, sizeof(s->f.name), "%s:%s", e1, e2);
	} else
		(void)snprintf(s->f.name, sizeof(s->f.name), "%s", e1);
	return s;
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

/* The header as found, for a message: fields joined by commas. */
static void
header_text(const struct whoop_csv *c, char *buf, size_t bufsz)
{
	char	 line[512];
	size_t	 i, n = 0, len;

	line[0] = '\0';
	for (i = 0; i < whoop_csv_nfields(c) && n + 2 < sizeof(line); i++) {
		const char	*f = whoop_csv_field(c, i, &len);

		if (i > 0)
			line[n++] = ',';
		if (len > sizeof(line) - n - 1)
			len = sizeof(line) - n - 1;
		memcpy(line + n, f, len);
		n += len;
		line[n] = '\0';
	}
	whoop_escape(buf, bufsz, line, n > 200 ? 200 : n);
}

/* The file's own name: the entry's in an archive. */
static const char *
src_file(const struct src *s)
{
	return s->zip != NULL ? whoop_zip_name(s->zip, s->entry) : s->path;
}

/*
 * Read one candidate file whole: header, then every row through the
 * mapping.  0 when it is one of the export's (s->f.coll set, rows
 * counted) or is to be skipped (coll stays WHOOP_C_COUNT), -1 when it
 * is refused or a row cannot be read.
 */
static int
scan_src(struct whoop *w, struct src *s, int explicit)
{
	struct reader		 r;
	struct whoop_csv	*c = NULL;
	struct whoop_appmap	 m;
	enum whoop_coll		 coll;
	char			 hdr[900];
	const char		*f0;
	int			 rc = -1, step;

	memset(&m, 0, sizeof(m));
	if (reader_open(w, s, &r) == -1)
		return -1;
	if ((c = whoop_csv_new(w, s->f.name, reader_read, &r)) == NULL)
		goto out;
	if ((step = whoop_csv_next(c)) == -1) {
		/*
		 * A file that is not the export's by name and whose first
		 * line cannot even be read (a macOS "._" file, a binary with
		 * a .csv name) is skipped, not a reason to stop.
		 */
		if (!explicit && !whoop_app_known_name(src_file(s))) {
			whoop_clearerr(w);
			rc = 0;
		}
		goto out;
	}
	if (step == 0) {
		if (explicit || whoop_app_known_name(s->path)) {
			whoop_seterr(w, WHOOP_E_PARSE, "%s: empty file",
			    s->f.name);
			goto out;
		}
		rc = 0;
		goto out;
	}
	if ((coll = whoop_app_classify(c)) == WHOOP_C_COUNT) {
		f0 = whoop_csv_field(c, 0, NULL);
		header_text(c, hdr, sizeof(hdr));
		if (whoop_csv_nfields(c) == 1 && strchr(f0, ';') != NULL &&
		    (explicit || whoop_app_known_name(src_file(s)) ||
		    strncmp(f0, "Cycle start time;", 17) == 0)) {
			whoop_seterr(w, WHOOP_E_PARSE, "%s:%ld: fields "
			    "separated by \";\" (re-saved by a spreadsheet?): "
			    "header found: \"%s\"; import the app's own "
			    "export", s->f.name, whoop_csv_line(c), hdr);
			goto out;
		}
		if (explicit || strncmp(f0, "Cycle start time", 16) == 0 ||
		    whoop_app_known_name(src_file(s))) {
			whoop_seterr(w, WHOOP_E_PARSE, "%s:%ld: not a file of "
			    "an English WHOOP export: header found: \"%s\"; "
			    "only exports in English can be imported (set "
			    "the app to English and export again)",
			    s->f.name, whoop_csv_line(c), hdr);
			goto out;
		}
		rc = 0;		/* not ours: skipped */
		goto out;
	}
	if (whoop_appmap_init(w, &m, coll, c) == -1)
		goto out;
	while ((step = whoop_csv_next(c)) == 1) {
		if (whoop_appmap_row(w, &m, c) == -1)
			goto out;
		s->f.nrows++;
	}
	if (step == -1)
		goto out;
	s->f.coll = coll;
	rc = 0;
out:
	whoop_appmap_free(&m);
	whoop_csv_free(c);
	reader_close(&r);
	return rc;
}

static int
scan_zip(struct whoop *w, struct whoop_import *imp, const char *path)
{
	struct whoop_zip	*z, **nz;
	struct src		*s;
	const char		*name;
	size_t			 i, n;

	if ((z = whoop_zip_open(w, path)) == NULL)
		return -1;
	if ((nz = reallocarray(imp->zips, imp->nzips + 1, sizeof(*nz))) ==
	    NULL) {
		whoop_zip_close(z);
		return whoop_seterr(w, WHOOP_E_NOMEM, "out of memory");
	}
	imp->zips = nz;
	imp->zips[imp->nzips++] = z;
	n = whoop_zip_count(z);
	for (i = 0; i < n; i++) {
		name = whoop_zip_name(z, i);
		/* Not the export's: macOS's resource forks of a re-zip. */
		if (!ends_with_csv(name) || strncmp(name, "__MACOSX/", 9) == 0)
			continue;
		if ((s = add_src(w, imp, path, z, i)) == NULL ||
		    scan_src(w, s, 0) == -1)
			return -1;
	}
	return 0;
}

static int
is_zip(struct whoop *w, const char *path, int *yes)
{
	unsigned char	 mag[4];
	char		 esc[300];
	ssize_t		 n;
	int		 fd;

	*yes = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		whoop_escape(esc, sizeof(esc), path, strlen(path));
		return whoop_seterrno(w, WHOOP_E_IO, "%s", esc);
	}
	n = read(fd, mag, sizeof(mag));
	close(fd);
	*yes = n == 4 && mag[0] == 'P' && mag[1] == 'K' &&
	    ((mag[2] == 3 && mag[3] == 4) || (mag[2] == 5 && mag[3] == 6));
	return 0;
}

static int
scan_path(struct whoop *w, struct whoop_import *imp, const char *path,
    int depth, int explicit);

static int
scan_dir(struct whoop *w, struct whoop_import *imp, const char *dir,
    int depth)
{
	struct dirent	**ents = NULL;
	char		 p[4096], esc[300];
	int		 n, i, rc = 0;

	if (depth > MAXDEPTH)
		return 0;
	if ((n = scandir(dir, &ents, NULL, alphasort)) == -1) {
		whoop_escape(esc, sizeof(esc), dir, strlen(dir));
		return whoop_seterrno(w, WHOOP_E_IO, "%s", esc);
	}
	for (i = 0; i < n; i++) {
		const char	*name = ents[i]->d_name;

		if (rc == 0 && name[0] != '.' &&
		    (size_t)snprintf(p, sizeof(p), "%s/%s", dir, name) <
		    sizeof(p))
			rc = scan_path(w, imp, p, depth + 1, 0);
		free(ents[i]);
	}
	free(ents);
	return rc;
}

/*
 * A path: a folder (searched; symbolic links inside it are not
 * followed), a ZIP archive (by its magic number) or a CSV file.
 */
static int
scan_path(struct whoop *w, struct whoop_import *imp, const char *path,
    int depth, int explicit)
{
	struct stat	 sb;
	struct src	*s;
	char		 esc[300];
	int		 zip;

	if ((explicit ? stat(path, &sb) : lstat(path, &sb)) == -1) {
		whoop_escape(esc, sizeof(esc), path, strlen(path));
		return whoop_seterrno(w, WHOOP_E_IO, "%s", esc);
	}
	if (S_ISDIR(sb.st_mode))
		return scan_dir(w, imp, path, depth);
	if (!S_ISREG(sb.st_mode)) {
		if (!explicit)
			return 0;
		whoop_escape(esc, sizeof(esc), path, strlen(path));
		return whoop_seterr(w, WHOOP_E_IO, "%s: not a file or folder",
		    esc);
	}
	if (!explicit && !ends_with_csv(path))
		return 0;
	if (is_zip(w, path, &zip) == -1)
		return -1;
	if (zip)
		return scan_zip(w, imp, path);
	if ((s = add_src(w, imp, path, NULL, 0)) == NULL)
		return -1;
	return scan_src(w, s, explicit);
}

/* Cycles first (the journal takes its days from them), then by path. */
static int
src_cmp(const void *a, const void *b)
{
	const struct src	*x = a, *y = b;

	if (x->f.coll != y->f.coll)
		return x->f.coll < y->f.coll ? -1 : 1;
	if (x->given != y->given)
		return x->given < y->given ? -1 : 1;
	return x < y ? -1 : x > y;
}

struct whoop_import *
whoop_import_scan(struct whoop *w, const char *const *paths, size_t npaths)
{
	struct whoop_import	*imp;
	size_t			 i, found = 0;

	if ((imp = calloc(1, sizeof(*imp))) == NULL) {
		whoop_seterr(w, WHOOP_E_NOMEM, "out of memory");
		return NULL;
	}
	for (i = 0; i < npaths; i++) {
		imp->given = i;
		if (scan_path(w, imp, paths[i], 0, 1) == -1)
			goto fail;
	}
	for (i = 0; i < imp->nsrcs; i++)
		found += imp->srcs[i].f.coll != WHOOP_C_COUNT;
	if (found == 0) {
		whoop_seterr(w, WHOOP_E_PARSE, "no file of the WHOOP app's "
		    "export (physiological_cycles.csv, sleeps.csv, "
		    "workouts.csv, journal_entries.csv) in the paths given");
		goto fail;
	}
	qsort(imp->srcs, imp->nsrcs, sizeof(*imp->srcs), src_cmp);
	return imp;
fail:
	whoop_import_free(imp);
	return NULL;
}

/* Write one file's rows; the caller holds the transaction. */
static int
write_src(struct whoop *w, struct src *s, int64_t account, int dryrun)
{
	struct reader		 r;
	struct whoop_csv	*c = NULL;
	struct whoop_appmap	 m;
	struct whoop_appstore	 st;
	int			 rc = -1, step, change;

	memset(&m, 0, sizeof(m));
	memset(&st, 0, sizeof(st));
	s->f.nnew = s->f.nsame = s->f.nupd = 0;
	if (reader_open(w, s, &r) == -1)
		return -1;
	if ((c = whoop_csv_new(w, s->f.name, reader_read, &r)) == NULL)
		goto out;
	if (whoop_csv_next(c) != 1) {
		if (whoop_errcode(w) == WHOOP_E_NONE)
			whoop_seterr(w, WHOOP_E_IO, "%s: changed while being "
			    "read", s->f.name);
		goto out;
	}
	if (whoop_appmap_init(w, &m, s->f.coll, c) == -1 ||
	    whoop_appstore_open(w, &st, s->f.coll, account, dryrun) == -1)
		goto out;
	while ((step = whoop_csv_next(c)) == 1) {
		if (whoop_appmap_row(w, &m, c) == -1 ||
		    whoop_appstore_put(&st, &m, &change) == -1)
			goto out;
		if (change == WHOOP_STORE_INSERTED)
			s->f.nnew++;
		else if (change == WHOOP_STORE_UPDATED)
			s->f.nupd++;
		else
			s->f.nsame++;
	}
	if (step == -1)
		goto out;
	rc = 0;
out:
	whoop_appstore_close(&st);
	whoop_appmap_free(&m);
	whoop_csv_free(c);
	reader_close(&r);
	return rc;
}

int
whoop_import_write(struct whoop *w, struct whoop_import *imp,
    int64_t account, int dryrun, long *linked)
{
	char	 detail[256];
	long	 nnew = 0, nupd = 0, nlinked = 0;
	size_t	 i;
	int	 intxn = 0;

	if (linked != NULL)
		*linked = 0;
	if (w->db != NULL) {
		if (dryrun) {
			/* One snapshot for all the comparisons. */
			if (sqlite3_exec(w->db, "BEGIN", NULL, NULL, NULL) !=
			    SQLITE_OK)
				return whoop_seterrdb(w, "import");
		} else if (whoop_db_begin(w) == -1)
			return -1;
		intxn = 1;
		if (!dryrun && whoop_appstore_account(w, account) == -1)
			goto fail;
	}
	for (i = 0; i < imp->nsrcs; i++) {
		if (imp->srcs[i].f.coll == WHOOP_C_COUNT)
			continue;
		if (write_src(w, &imp->srcs[i], account, dryrun) == -1)
			goto fail;
		nnew += imp->srcs[i].f.nnew;
		nupd += imp->srcs[i].f.nupd;
	}
	if (w->db != NULL && !dryrun) {
		if (whoop_appstore_link(w, account, &nlinked) == -1)
			goto fail;
		if (nnew + nupd > 0) {
			(void)snprintf(detail, sizeof(detail), "app export: "
			    "%ld new, %ld updated, %ld linked", nnew, nupd,
			    nlinked);
			if (whoop_audit(w, account, "import", detail) == -1)
				goto fail;
		}
		if (whoop_db_commit(w) == -1)
			goto fail;
	} else if (intxn)
		(void)sqlite3_exec(w->db, "ROLLBACK", NULL, NULL, NULL);
	if (linked != NULL)
		*linked = nlinked;
	return 0;
fail:
	if (intxn) {
		char	 msg[512];

		/* Keep the first error: the rollback's would hide it. */
		(void)snprintf(msg, sizeof(msg), "%s", whoop_errmsg(w));
		if (dryrun)
			(void)sqlite3_exec(w->db, "ROLLBACK", NULL, NULL, NULL);
		else
			(void)whoop_db_rollback(w);
		whoop_seterr(w, whoop_errcode(w) == WHOOP_E_NONE ?
		    WHOOP_E_FAIL : whoop_errcode(w), "%s", msg);
	}
	return -1;
}

static int
count_accounts(struct whoop *w, int64_t *only, int *n, int64_t want,
    int *want_exists)
{
	sqlite3_stmt	*st = NULL;
	int		 rc;

	*n = 0;
	*want_exists = 0;
	if (sqlite3_prepare_v2(w->db, "SELECT account_id FROM accounts "
	    "ORDER BY account_id", -1, &st, NULL) != SQLITE_OK)
		return whoop_seterrdb(w, "accounts");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t	 id = sqlite3_column_int64(st, 0);

		if (id == want)
			*want_exists = 1;
		if (id == WHOOP_ACCOUNT_LOCAL)
			continue;
		*only = id;
		(*n)++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return whoop_seterrdb(w, "accounts");
	return 0;
}

int
whoop_import_account(struct whoop *w, int64_t want, int dryrun,
    int64_t *account)
{
	int64_t	 only = 0;
	int	 n, exists;

	*account = want > 0 ? want : WHOOP_ACCOUNT_LOCAL;
	if (w->db == NULL)
		return 0;
	if (count_accounts(w, &only, &n, want, &exists) == -1)
		return -1;
	if (want <= 0) {
		if (n > 1)
			return whoop_seterr(w, WHOOP_E_FAIL, "%d accounts in "
			    "the database: choose one with -a (see "
			    "whoop-auth -l)", n);
		if (n == 1)
			*account = only;
	}
	/* The row itself is made inside the import's transaction. */
	(void)dryrun;
	return 0;
}
