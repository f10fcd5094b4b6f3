/*
 * whoop-sync: bring the local database up to date with WHOOP.
 *
 * Made for cron: quiet on success, one lock so runs never overlap, token
 * refresh serialised and committed before use (WHOOP rotates refresh
 * tokens), every page committed with its cursor so a run cut short at
 * any instant is finished by the next one, and a re-score window so that
 * records WHOOP scores late are updated in place.
 */
#include <err.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "whoop.h"

#define REFRESH_MARGIN_MS	(5 * 60 * 1000)	/* refresh this early */
#define DEFAULT_RESCORE_DAYS	7
#define EPOCH			"1970-01-01T00:00:00.000Z"
#define MAX_PAGES		10000	/* WHOOP's daily request limit */
#define WHOOP_TIME_MAX		"9999-12-31T23:59:59.999Z"

static struct whoop	*w;

struct keys {
	char	**v;
	size_t	  n, cap;
};

struct run {
	struct whoop_http	*h;
	struct whoop_key	 key;
	struct whoop_config	*conf;
	struct whoop_key	 newkey;	/* KEY.new, if a rotation */
	char			 newpath[4096];	/* was cut short: hints */
	int			 has_newkey;
	int			 dry, verbose, tty;
	int			 want[WHOOP_C_COUNT];
	const char		*since;		/* -s, canonical */
	int			 full;
	int			 rescore_days;
	int			 worst;		/* exit status so far */
	int			 stop;		/* rate budget spent: stop */
	long			 nnew, nupd, nrem;
	long			 nodd, nrej;	/* implausible, rejected */
};

struct acct {
	int64_t		 id;
	struct whoop_cred cred;
	int		 dead;		/* needs a new login */
};

/* Collections in the order they are synced: sleep before recovery. */
static const enum whoop_coll order[] = {
	WHOOP_C_PROFILE, WHOOP_C_BODY, WHOOP_C_CYCLE, WHOOP_C_SLEEP,
	WHOOP_C_RECOVERY, WHOOP_C_WORKOUT,
};
#define NORDER	(sizeof(order) / sizeof(order[0]))

static void
usage(void)
{
	fprintf(stderr,
	    "usage: whoop-sync [-nv] [-a account] [-d file] [-F | -s date] "
	    "[-t types]\n"
	    "                  [-w seconds]\n"
	    "       whoop-sync -c [-d file]\n"
	    "       whoop-sync --help | --version\n");
}

static void
help(void)
{
	printf("usage: whoop-sync [-nv] [-a account] [-d file] [-F | -s date] "
	    "[-t types]\n"
	    "                  [-w seconds]\n"
	    "       whoop-sync -c [-d file]\n"
	    "       whoop-sync --help | --version\n"
	    "\n"
	    "  -a account  sync only this account (WHOOP user id)\n"
	    "  -c          health check: integrity, key, tokens, last syncs,\n"
	    "              records kept in rejects\n"
	    "  -d file     database (default $XDG_DATA_HOME/whoop/whoop.db)\n"
	    "  -F, --full  full backfill from the beginning\n"
	    "  -n          dry run: fetch and report, write nothing\n"
	    "  -s date     backfill from date (YYYY-MM-DD, RFC 3339, 30d)\n"
	    "  -t types    comma-separated: profile,body,cycle,recovery,"
	    "sleep,workout\n"
	    "  -v          one progress line per collection on stderr\n"
	    "  -w seconds  wait this long for another run to finish\n"
	    "\nSee whoop-sync(1).\n");
}

static void
version(void)
{
	char	 buf[512];

	printf("whoop-sync %s\n", WHOOP_VERSION);
	whoop_versions_net(buf, sizeof(buf));
	fputs(buf, stdout);
	whoop_versions(buf, sizeof(buf));
	fputs(buf, stdout);
}

static void
keys_add(struct keys *k, const char *s)
{
	char	**nv;

	if (k->n == k->cap) {
		k->cap = k->cap ? k->cap * 2 : 64;
		if ((nv = reallocarray(k->v, k->cap, sizeof(*nv))) == NULL)
			err(WHOOP_EXIT_FAIL, NULL);
		k->v = nv;
	}
	if ((k->v[k->n++] = strdup(s)) == NULL)
		err(WHOOP_EXIT_FAIL, NULL);
}

static void
keys_free(struct keys *k)
{
	size_t	 i;

	for (i = 0; i < k->n; i++)
		free(k->v[i]);
	free(k->v);
	memset(k, 0, sizeof(*k));
}

/* The record's key as text, for the "still there" set. */
static void
rec_key(const struct whoop_colspec *cs, const struct whoop_record *rec,
    char *buf, size_t bufsz)
{
	const struct whoop_value *v = &rec->v[cs->key];

	if (v->type == WHOOP_V_INT)
		(void)snprintf(buf, bufsz, "%lld", (long long)v->i);
	else if (v->type == WHOOP_V_TEXT)
		(void)snprintf(buf, bufsz, "%s", v->s);
	else
		buf[0] = '\0';
}

/*
 * The time that orders a record in its collection: its start, or for a
 * recovery the start of its sleep, which was synced just before.
 */
static int
rec_time(int64_t account, const struct whoop_colspec *cs,
    const struct whoop_record *rec, char *buf, size_t bufsz)
{
	size_t	 i;

	buf[0] = '\0';
	if (cs->start >= 0 && rec->v[cs->start].type == WHOOP_V_TEXT) {
		(void)snprintf(buf, bufsz, "%s", rec->v[cs->start].s);
		return 0;
	}
	if (cs->coll != WHOOP_C_RECOVERY)
		return -1;
	for (i = 0; i < cs->nfields; i++)
		if (strcmp(cs->fields[i].column, "sleep_id") == 0 &&
		    rec->v[i].type == WHOOP_V_TEXT)
			return whoop_store_sleep_start(w, account,
			    rec->v[i].s, buf, bufsz);
	return -1;
}

static void
progress(struct run *r, const struct whoop_colspec *cs, int64_t account,
    int pages, long recs, int final)
{
	if (!r->verbose)
		return;
	if (r->tty && !final) {
		long	 left = whoop_http_budget(r->h);

		fprintf(stderr, "\r\033[K%lld %s: %d page%s, %ld record%s, "
		    "%ld request%s", (long long)account, cs->name, pages,
		    pages == 1 ? "" : "s", recs, recs == 1 ? "" : "s",
		    whoop_http_requests(r->h),
		    whoop_http_requests(r->h) == 1 ? "" : "s");
		if (left >= 0)
			fprintf(stderr, ", %ld left in the rate window", left);
		fflush(stderr);
	} else if (final)
		fprintf(stderr, "%s%lld %s: %d page%s, %ld record%s\n",
		    r->tty ? "\r\033[K" : "", (long long)account, cs->name,
		    pages, pages == 1 ? "" : "s", recs, recs == 1 ? "" : "s");
}

/* A progress or report line on stderr, clear of a live progress line. */
static void
report(struct run *r, const char *fmt, ...)
    __attribute__((__format__(__printf__, 2, 3)));

static void
report(struct run *r, const char *fmt, ...)
{
	va_list	 ap;

	if (!r->verbose)
		return;
	if (r->tty)
		fputs("\r\033[K", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/*
 * Make sure the access token is good for a while (whoop_token_ensure:
 * re-read under BEGIN IMMEDIATE, refresh only if still needed, commit the
 * new pair before use).  When the grant is gone, mark the account as
 * needing a login: only a person can help.
 */
static int
ensure_token(struct run *r, struct acct *a, int force)
{
	char	 msg[512];

	if (whoop_token_ensure(w, r->h, &r->key, r->conf, &a->cred, force,
	    REFRESH_MARGIN_MS) == 0)
		return 0;
	if (whoop_errcode(w) != WHOOP_E_AUTH)
		return -1;
	(void)snprintf(msg, sizeof(msg), "%s", whoop_errmsg(w));
	if (whoop_db_begin(w) == 0) {
		if (whoop_account_set_status(w, a->id, "needs_login") == 0 &&
		    whoop_audit(w, a->id, "login_needed", msg) == 0)
			(void)whoop_db_commit(w);
		whoop_db_rollback(w);
	}
	a->dead = 1;
	return whoop_seterr(w, WHOOP_E_AUTH, "%s; run whoop-auth", msg);
}

/* One page, with one refresh and one retry on a 401. */
static int
fetch(struct run *r, struct acct *a, enum whoop_coll coll, const char *start,
    const char *end, const char *token, struct whoop_page *page)
{
	if (whoop_api_page(r->h, coll, a->cred.tok.access_token, start, end,
	    token, 25, page) == 0)
		return 0;
	if (whoop_errcode(w) != WHOOP_E_AUTH || a->dead)
		return -1;
	if (ensure_token(r, a, 1) == -1)
		return -1;
	return whoop_api_page(r->h, coll, a->cred.tok.access_token, start,
	    end, token, 25, page);
}

static void
record_error(struct run *r, int64_t account, const char *coll,
    const char *msg)
{
	struct whoop_syncstate	 ss;

	if (r->dry)
		return;
	if (whoop_db_begin(w) == 0 &&
	    whoop_syncstate_get(w, account, coll, &ss) == 0) {
		(void)snprintf(ss.last_error, sizeof(ss.last_error), "%s", msg);
		if (whoop_syncstate_put(w, account, coll, &ss) == 0 &&
		    whoop_db_commit(w) == 0)
			return;
	}
	whoop_db_rollback(w);
}

static int
finish_txn(struct run *r)
{
	if (r->dry)
		return whoop_db_rollback(w);
	return whoop_db_commit(w);
}

/* profile and body: one object each. */
static int
sync_single(struct run *r, struct acct *a, const struct whoop_colspec *cs)
{
	struct whoop_page	 page;
	struct whoop_syncstate	 ss;
	char			 now[WHOOP_TIMESTR_LEN];
	int			 change;

	if (fetch(r, a, cs->coll, NULL, NULL, NULL, &page) == -1)
		return -1;
	(void)whoop_time_format(whoop_time_now_ms(), now, sizeof(now));
	if (page.nrecs != 1) {
		/* Kept as sent; the next object that maps replaces it. */
		if (page.nrejected && whoop_db_begin(w) == 0) {
			if (whoop_reject_put(w, a->id, cs->coll,
			    &page.rejects[0], NULL, NULL, now) == 0)
				(void)finish_txn(r);
			whoop_db_rollback(w);
			r->nrej++;
		}
		whoop_seterr(w, WHOOP_E_PROTO, "%s", page.nrejected ?
		    page.reject_msg : "no record");
		whoop_page_free(&page);
		return -1;
	}
	if (whoop_db_begin(w) == -1 ||
	    whoop_store_upsert(w, a->id, &page.recs[0], &change) == -1 ||
	    whoop_reject_sweep(w, a->id, cs->coll, NULL, WHOOP_TIME_MAX,
	    NULL) == -1 ||
	    whoop_syncstate_get(w, a->id, cs->name, &ss) == -1)
		goto fail;
	if (page.recs[0].odd != NULL) {
		r->nodd++;
		report(r, "%lld %s: stored as sent, implausible: %s",
		    (long long)a->id, cs->name, page.recs[0].odd);
	}
	(void)snprintf(ss.last_success, sizeof(ss.last_success), "%s", now);
	ss.last_error[0] = '\0';
	if (whoop_syncstate_put(w, a->id, cs->name, &ss) == -1 ||
	    finish_txn(r) == -1)
		goto fail;
	r->nnew += change == 1;
	r->nupd += change == 2;
	whoop_page_free(&page);
	progress(r, cs, a->id, 1, 1, 1);
	return 0;
fail:
	whoop_db_rollback(w);
	whoop_page_free(&page);
	return -1;
}

/* Is s in k? */
static int
keys_has(const struct keys *k, const char *s)
{
	size_t	 i;

	for (i = 0; i < k->n; i++)
		if (strcmp(k->v[i], s) == 0)
			return 1;
	return 0;
}

/*
 * The most pages one pass over [from, end) may take: 8 a day (200
 * records of one type a day, far above what a person records) plus 16,
 * and never more than WHOOP's 10,000 requests a day.  A pass beyond it
 * is a server that does not end its pages.
 */
static long
page_bound(const char *from, const char *end)
{
	int64_t	 a, b;
	long	 days;

	if (whoop_time_parse(NULL, from, &a) == -1 ||
	    whoop_time_parse(NULL, end, &b) == -1 || b < a)
		return MAX_PAGES;
	days = (long)((b - a) / 86400000) + 1;
	if (days > (MAX_PAGES - 16) / 8)
		return MAX_PAGES;
	return 16 + 8 * days;
}

/*
 * Records kept in the rejects table are mapped again with this build:
 * one that maps now is stored and leaves the table.  (Those WHOOP now
 * sends readable leave it when stored by key, see sync_pages.)
 */
static int
retry_rejects(struct run *r, struct acct *a, const struct whoop_colspec *cs)
{
	struct whoop_reject_row	*rows;
	struct whoop_page	 page;
	char			*body;
	size_t			 n, i, len;
	int			 change, rc = 0;

	if (whoop_db_begin(w) == -1)
		return -1;
	if (whoop_reject_list(w, a->id, cs->coll, &rows, &n) == -1) {
		whoop_db_rollback(w);
		return -1;
	}
	for (i = 0; i < n && rc == 0; i++) {
		len = rows[i].rawlen + 16;
		if ((body = malloc(len)) == NULL)
			err(WHOOP_EXIT_FAIL, NULL);
		(void)snprintf(body, len, "{\"records\":[%s]}", rows[i].raw);
		if (whoop_page_parse(w, cs->coll, body, strlen(body),
		    &page) == 0 && page.nrecs == 1) {
			if (whoop_store_upsert(w, a->id, &page.recs[0],
			    &change) == -1 ||
			    whoop_reject_delete(w, rows[i].id) == -1)
				rc = -1;
			else {
				r->nnew += change == 1;
				r->nupd += change == 2;
				report(r, "%lld %s: a record kept in rejects "
				    "is stored now", (long long)a->id,
				    cs->name);
			}
		}
		/* A text that still does not map is no error here. */
		if (rc == 0)
			whoop_clearerr(w);
		whoop_page_free(&page);
		free(body);
	}
	whoop_reject_rows_free(rows, n);
	if (rc == -1 || finish_txn(r) == -1) {
		whoop_db_rollback(w);
		return -1;
	}
	return 0;
}

/* One record by key, with one refresh and one retry on a 401. */
static int
fetch_one(struct run *r, struct acct *a, enum whoop_coll coll,
    const char *key, struct whoop_page *page, int *found)
{
	if (whoop_api_one(r->h, coll, a->cred.tok.access_token, key, page,
	    found) == 0)
		return 0;
	if (whoop_errcode(w) != WHOOP_E_AUTH || a->dead)
		return -1;
	if (ensure_token(r, a, 1) == -1)
		return -1;
	return whoop_api_one(r->h, coll, a->cred.tok.access_token, key, page,
	    found);
}

/*
 * Before rows missing from a complete window are removed, ask WHOOP for
 * each by its key: one it still has (its start moved out of the window,
 * an edited sleep that moved its recovery, a page that left it out) is
 * stored as it is now and kept; only a 404 lets it go.
 */
static int
check_missing(struct run *r, struct acct *a, const struct whoop_colspec *cs,
    const char *from, const char *end, struct keys *seen)
{
	struct whoop_page	 page;
	char			**cand;
	size_t			 n, i;
	int			 found, change, rc = 0;

	if (whoop_store_missing(w, a->id, cs->coll, from, end,
	    (const char *const *)seen->v, seen->n, &cand, &n) == -1)
		return -1;
	for (i = 0; i < n && rc == 0; i++) {
		if (fetch_one(r, a, cs->coll, cand[i], &page, &found) == -1) {
			rc = -1;
			break;
		}
		if (found) {
			keys_add(seen, cand[i]);
			report(r, "%lld %s %s: not in the window, but WHOOP "
			    "still has it: kept", (long long)a->id, cs->name,
			    cand[i]);
		}
		if (found && page.nrecs == 1) {
			if (whoop_db_begin(w) == -1 ||
			    whoop_store_upsert(w, a->id, &page.recs[0],
			    &change) == -1 || finish_txn(r) == -1) {
				whoop_db_rollback(w);
				rc = -1;
			} else {
				r->nnew += change == 1;
				r->nupd += change == 2;
			}
		}
		whoop_page_free(&page);
	}
	whoop_store_keys_free(cand, n);
	return rc;
}

/*
 * Store one page's records and rejects, and move the cursor and the
 * high-water mark by the records inside the window asked, [from, end):
 * a record outside it (a clock fault, a server that ignores the window)
 * is stored but moves nothing.  In the caller's transaction.
 *
 * A reject is kept with the window later passes fetch again: from its
 * own start when that could be read, else from the start of the next
 * older record of the pass (WHOOP sends newest first, so the reject
 * lies above it; pending holds those still waiting for one), else from
 * the start asked.
 */
static int
store_page(struct run *r, struct acct *a, const struct whoop_colspec *cs,
    struct whoop_page *page, const char *start, const char *from,
    const char *end, const char *now, struct whoop_syncstate *ss,
    struct keys *seen, struct keys *pending, char *last, size_t lastsz)
{
	struct whoop_record	*rec;
	struct whoop_reject	*rj;
	char			 k[64], t[WHOOP_TIMESTR_LEN], esc[256];
	size_t			 ir = 0, ij = 0, i;
	int			 change;

	while (ir < page->nrecs || ij < page->nrejected) {
		if (ij < page->nrejected && (ir == page->nrecs ||
		    page->rejects[ij].pos < page->recs[ir].pos)) {
			rj = &page->rejects[ij++];
			if (whoop_reject_put(w, a->id, cs->coll, rj,
			    rj->start[0] ? rj->start : start,
			    last[0] ? last : end, now) == -1)
				return -1;
			if (rj->start[0] == '\0')
				keys_add(pending, rj->raw);
			r->nrej++;
			whoop_escape(esc, sizeof(esc), rj->reason,
			    strlen(rj->reason));
			report(r, "%lld %s: kept in rejects, cannot be stored: "
			    "%s", (long long)a->id, cs->name, esc);
			continue;
		}
		rec = &page->recs[ir++];
		if (whoop_store_upsert(w, a->id, rec, &change) == -1)
			return -1;
		r->nnew += change == 1;
		r->nupd += change == 2;
		rec_key(cs, rec, k, sizeof(k));
		keys_add(seen, k);
		if (whoop_reject_forget(w, a->id, cs->coll, k, NULL) == -1)
			return -1;
		if (rec->odd != NULL) {
			r->nodd++;
			report(r, "%lld %s %s: stored as sent, implausible: %s",
			    (long long)a->id, cs->name, k, rec->odd);
		}
		if (rec_time(a->id, cs, rec, t, sizeof(t)) != 0 ||
		    t[0] == '\0' || strcmp(t, from) < 0 ||
		    strcmp(t, end) >= 0)
			continue;
		if (ss->cursor[0] == '\0' || strcmp(t, ss->cursor) < 0)
			(void)snprintf(ss->cursor, sizeof(ss->cursor), "%s", t);
		if (strcmp(t, ss->high_water) > 0)
			(void)snprintf(ss->high_water, sizeof(ss->high_water),
			    "%s", t);
		for (i = 0; i < pending->n; i++)
			if (whoop_reject_narrow(w, a->id, cs->coll,
			    pending->v[i], t) == -1)
				return -1;
		keys_free(pending);
		(void)snprintf(last, lastsz, "%s", t);
	}
	return 0;
}

/*
 * Where an incremental pass starts: the high-water mark (never later
 * than now) less the re-score window, and never after the window a
 * record kept in rejects came in, so that it is fetched again.  "" is
 * the beginning.
 */
static int
pass_start(struct run *r, struct acct *a, const struct whoop_colspec *cs,
    struct whoop_syncstate *ss, const char *now)
{
	char	 oldest[WHOOP_TIMESTR_LEN];
	int64_t	 hw;
	int	 found;

	if (r->full)
		ss->pass_start[0] = '\0';
	else if (r->since != NULL)
		(void)snprintf(ss->pass_start, sizeof(ss->pass_start), "%s",
		    r->since);
	else if (ss->high_water[0] != '\0' &&
	    whoop_time_parse(NULL, ss->high_water, &hw) == 0) {
		/* A mark past now (an older build, a clock fault): now. */
		if (strcmp(ss->high_water, now) > 0) {
			(void)snprintf(ss->high_water, sizeof(ss->high_water),
			    "%s", now);
			(void)whoop_time_parse(NULL, now, &hw);
		}
		hw -= (int64_t)r->rescore_days * 86400000;
		if (whoop_time_format(hw < 0 ? 0 : hw, ss->pass_start,
		    sizeof(ss->pass_start)) == -1)
			ss->pass_start[0] = '\0';
	} else
		ss->pass_start[0] = '\0';
	if (r->since != NULL)
		return 0;
	if (whoop_reject_oldest(w, a->id, cs->coll, &found, oldest,
	    sizeof(oldest)) == -1)
		return -1;
	if (found && (oldest[0] == '\0' ||
	    strcmp(oldest, ss->pass_start) < 0))
		(void)snprintf(ss->pass_start, sizeof(ss->pass_start), "%s",
		    oldest);
	return 0;
}

/*
 * A paginated collection.  A pass is the window [pass_start, pass_end):
 * from the high-water mark less the re-score window to now.  Each page is
 * committed with the cursor.  Rows the API no longer returns are removed
 * only when the whole window was fetched in this run, without a rejected
 * record, and returned something.  A next_token seen before in the pass,
 * or more pages than page_bound, ends the collection (WHOOP_E_PROTO).
 */
static int
sync_pages(struct run *r, struct acct *a, const struct whoop_colspec *cs)
{
	struct whoop_syncstate	 ss;
	struct whoop_page	 page;
	struct keys		 seen, tokens, pending;
	char			 now[WHOOP_TIMESTR_LEN], from[WHOOP_TIMESTR_LEN];
	char			 end[WHOOP_TIMESTR_LEN], reject[256] = "";
	char			 last[WHOOP_TIMESTR_LEN] = "";
	char			*token = NULL;
	const char		*start;
	long			 recs = 0, bound, nrej;
	int			 pages = 0, resumed = 0, removed = 0, swept = 0;

	memset(&seen, 0, sizeof(seen));
	memset(&tokens, 0, sizeof(tokens));
	memset(&pending, 0, sizeof(pending));
	memset(&page, 0, sizeof(page));
	(void)whoop_time_format(whoop_time_now_ms(), now, sizeof(now));
	if (retry_rejects(r, a, cs) == -1 ||
	    whoop_syncstate_get(w, a->id, cs->name, &ss) == -1)
		return -1;

	if (ss.pass_end[0] != '\0' && !r->full && r->since == NULL) {
		/* Resume an interrupted pass below what it committed. */
		resumed = 1;
		(void)snprintf(end, sizeof(end), "%s", ss.cursor[0] ?
		    ss.cursor : ss.pass_end);
	} else {
		if (pass_start(r, a, cs, &ss, now) == -1)
			return -1;
		(void)snprintf(ss.pass_end, sizeof(ss.pass_end), "%s", now);
		ss.cursor[0] = '\0';
		(void)snprintf(end, sizeof(end), "%s", now);
	}
	start = ss.pass_start[0] ? ss.pass_start : NULL;
	(void)snprintf(from, sizeof(from), "%s", start ? start : EPOCH);
	bound = page_bound(from, end);

	for (;;) {
		if (fetch(r, a, cs->coll, start, end, token, &page) == -1)
			goto fail2;
		pages++;
		if (page.nrejected && reject[0] == '\0')
			(void)snprintf(reject, sizeof(reject), "%s",
			    page.reject_msg);
		if (whoop_db_begin(w) == -1 ||
		    store_page(r, a, cs, &page, start, from, end, now, &ss,
		    &seen, &pending, last, sizeof(last)) == -1)
			goto fail;
		recs += (long)page.nrecs;
		if (whoop_syncstate_put(w, a->id, cs->name, &ss) == -1 ||
		    finish_txn(r) == -1)
			goto fail;
		if (token != NULL)
			keys_add(&tokens, token);
		free(token);
		token = NULL;
		if (page.next_token != NULL &&
		    (token = strdup(page.next_token)) == NULL)
			err(WHOOP_EXIT_FAIL, NULL);
		whoop_page_free(&page);
		progress(r, cs, a->id, pages, recs, 0);
		if (token == NULL)
			break;
		if (keys_has(&tokens, token)) {
			whoop_seterr(w, WHOOP_E_PROTO, "WHOOP sent a "
			    "next_token already given in this pass (after "
			    "page %d): %s not finished", pages, cs->name);
			goto fail2;
		}
		if (pages >= bound) {
			whoop_seterr(w, WHOOP_E_PROTO, "WHOOP sent more than "
			    "%ld pages for this window (the bound for its "
			    "length): %s not finished", bound, cs->name);
			goto fail2;
		}
	}

	/* The pass is complete. */
	if (!resumed && reject[0] == '\0' && seen.n > 0 &&
	    check_missing(r, a, cs, from, ss.pass_end, &seen) == -1)
		goto fail2;
	if (whoop_db_begin(w) == -1)
		goto fail2;
	if (!resumed && reject[0] == '\0' && seen.n > 0 &&
	    whoop_store_delete_missing(w, a->id, cs->coll, from, ss.pass_end,
	    (const char *const *)seen.v, seen.n, &removed) == -1)
		goto fail2;
	if (!resumed && whoop_reject_sweep(w, a->id, cs->coll, start, now,
	    &swept) == -1)
		goto fail2;
	if (whoop_reject_count(w, a->id, cs->coll, &nrej) == -1)
		goto fail2;
	if (nrej > 0 && reject[0] == '\0')
		(void)snprintf(reject, sizeof(reject), "a record WHOOP sent "
		    "earlier still cannot be stored");
	if (nrej > 0) {
		char	 msg[sizeof(reject) + 64];
		size_t	 len;

		/* Cut to fit reject on purpose: the reason's start is enough. */
		(void)snprintf(msg, sizeof(msg), "%ld record%s kept in "
		    "rejects, not stored: %s", nrej, nrej == 1 ? "" : "s",
		    reject);
		len = strlen(msg);
		if (len >= sizeof(reject))
			len = sizeof(reject) - 1;
		memcpy(reject, msg, len);
		reject[len] = '\0';
	}
	r->nrem += removed;
	ss.pass_start[0] = ss.pass_end[0] = ss.cursor[0] = '\0';
	(void)snprintf(ss.last_success, sizeof(ss.last_success), "%s", now);
	(void)snprintf(ss.last_error, sizeof(ss.last_error), "%s", reject);
	if (whoop_syncstate_put(w, a->id, cs->name, &ss) == -1 ||
	    finish_txn(r) == -1)
		goto fail2;
	keys_free(&seen);
	keys_free(&tokens);
	keys_free(&pending);
	progress(r, cs, a->id, pages, recs, 1);
	if (swept > 0)
		report(r, "%lld %s: %d rejected record%s no longer sent by "
		    "WHOOP", (long long)a->id, cs->name, swept,
		    swept == 1 ? "" : "s");
	if (reject[0] != '\0')
		return whoop_seterr(w, WHOOP_E_PROTO, "%s", reject);
	/*
	 * A resumed pass fetched only what lay below the cut; what is newer,
	 * or changed since, comes with a fresh pass now rather than next run
	 * (the pass state was cleared and committed above, so this one is
	 * not resumed; a dry run commits nothing and stops here).
	 */
	if (resumed && !r->dry)
		return sync_pages(r, a, cs);
	return 0;
fail:
	whoop_page_free(&page);
fail2:
	whoop_db_rollback(w);
	free(token);
	keys_free(&seen);
	keys_free(&tokens);
	keys_free(&pending);
	return -1;
}

static void
sync_account(struct run *r, int64_t id)
{
	struct acct	 a;
	struct timespec	 t0, t1;
	long		 req0 = whoop_http_requests(r->h);
	long		 n0 = r->nnew, u0 = r->nupd, m0 = r->nrem;
	long		 o0 = r->nodd, j0 = r->nrej;
	char		 detail[512], failed[128] = "";
	size_t		 i;
	int		 rc;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(&a, 0, sizeof(a));
	a.id = id;
	if (whoop_cred_load(w, &r->key, id, &a.cred) == -1) {
		/* Its messages name the account already. */
		if (r->has_newkey)
			whoop_cred_wrongkey_hint(w, &r->newkey, r->newpath,
			    id);
		warnx("%s", whoop_errmsg(w));
		r->worst = whoop_exit_worse(r->worst, whoop_exitcode(w));
		return;
	}
	if (ensure_token(r, &a, 0) == -1) {
		warnx("account %lld: %s", (long long)id, whoop_errmsg(w));
		r->worst = whoop_exit_worse(r->worst, whoop_exitcode(w));
		whoop_cred_clear(&a.cred);
		return;
	}
	for (i = 0; i < NORDER && !a.dead && !r->stop; i++) {
		const struct whoop_colspec *cs = whoop_colspec(order[i]);

		if (!r->want[order[i]])
			continue;
		rc = cs->paginated ? sync_pages(r, &a, cs) :
		    sync_single(r, &a, cs);
		if (rc == -1) {
			warnx("account %lld: %s: %s", (long long)id, cs->name,
			    whoop_errmsg(w));
			record_error(r, id, cs->name, whoop_errmsg(w));
			r->worst = whoop_exit_worse(r->worst,
			    whoop_exitcode(w));
			if (whoop_errcode(w) == WHOOP_E_RATE)
				r->stop = 1;
			if (strlen(failed) + strlen(cs->name) + 2 <
			    sizeof(failed))
				(void)snprintf(failed + strlen(failed),
				    sizeof(failed) - strlen(failed), "%s%s",
				    failed[0] ? "," : "", cs->name);
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	(void)snprintf(detail, sizeof(detail), "new=%ld updated=%ld "
	    "removed=%ld requests=%ld seconds=%.1f implausible=%ld "
	    "rejected=%ld%s%s", r->nnew - n0,
	    r->nupd - u0, r->nrem - m0, whoop_http_requests(r->h) - req0,
	    (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9, r->nodd - o0,
	    r->nrej - j0, failed[0] ? " failed=" : "", failed);
	if (r->verbose)
		fprintf(stderr, "%lld: %s\n", (long long)id, detail);
	if (r->dry)
		printf("%lld\t%ld\t%ld\t%ld\n", (long long)id, r->nnew - n0,
		    r->nupd - u0, r->nrem - m0);
	else
		(void)whoop_audit(w, id, "sync", detail);
	whoop_cred_clear(&a.cred);
}

static int
parse_types(struct run *r, const char *arg)
{
	char	*s, *p, *tok;
	const struct whoop_colspec *cs;

	memset(r->want, 0, sizeof(r->want));
	if ((s = strdup(arg)) == NULL)
		err(WHOOP_EXIT_FAIL, NULL);
	for (p = s; (tok = strsep(&p, ",")) != NULL;) {
		/* The app export's types (whoop-import) are not synced. */
		if ((cs = whoop_colspec_byname(tok)) == NULL ||
		    cs->coll >= WHOOP_C_COUNT) {
			char	 esc[260];

			whoop_escape(esc, sizeof(esc), tok, 64);
			warnx("-t: unknown type \"%s\"; types are profile, "
			    "body, cycle, recovery, sleep, workout", esc);
			free(s);
			return -1;
		}
		r->want[cs->coll] = 1;
	}
	free(s);
	return 0;
}

/*
 * Records of an account that need a look: kept in rejects (not stored:
 * a failure until they are) and stored with implausible values (stored
 * as sent: reported, not a failure).  Returns 1 when one is a failure.
 */
static int
health_records(int64_t account)
{
	long	 n, odd = 0;
	size_t	 j;

	if (whoop_reject_count(w, account, WHOOP_C_COUNT, &n) == -1) {
		printf("fail\t%lld\trejects\t%s\n", (long long)account,
		    whoop_errmsg(w));
		return 1;
	}
	if (n > 0)
		printf("fail\t%lld\trejects\t%ld record%s WHOOP sent not "
		    "stored (kept in the rejects table)\n", (long long)account,
		    n, n == 1 ? "" : "s");
	for (j = 0; j < NORDER; j++) {
		long	 k;

		if (whoop_store_count_implausible(w, account, order[j],
		    &k) == 0)
			odd += k;
	}
	if (odd > 0)
		printf("ok\t%lld\timplausible\t%ld record%s stored as sent "
		    "with a value outside its plausible range\n",
		    (long long)account, odd, odd == 1 ? "" : "s");
	return n > 0;
}

/*
 * The health check: the database, the key, each account's token and the
 * last sync of each of its collections.  One line each on stdout, "ok" or
 * "fail"; exit 0 only when all are ok.
 */
static int
health(const struct whoop_paths *p, const struct whoop_config *c)
{
	struct whoop_account_info	*ai = NULL;
	struct whoop_syncstate		 ss;
	struct whoop_key		 key, newkey;
	char				*report = NULL, newpath[4096];
	size_t				 n = 0, i, j;
	int				 bad = 0, rc, haskey = 0, hasnew = 0;

	/* The bounded check of every open, then every page of the file. */
	if ((rc = whoop_db_sane(w, &report)) == 0)
		rc = whoop_db_check(w, 1, &report);
	if (rc != 0) {
		printf("fail\tdatabase\t%s\n", rc == 1 ? whoop_esc(report) :
		    whoop_errmsg(w));
		bad = 1;
	} else
		printf("ok\tdatabase\t%s\n", whoop_esc(p->db));
	free(report);
	if (whoop_key_load(w, c->key_command ? NULL : p->key, c->key_command,
	    &key) == -1) {
		printf("fail\tkey\t%s\n", whoop_errmsg(w));
		bad = 1;
	} else {
		printf("ok\tkey\t%s\n", c->key_command ? "key_command" :
		    whoop_esc(p->key));
		haskey = 1;
		if (c->key_command == NULL)
			hasnew = whoop_key_load_new(w, p->key, &newkey,
			    newpath, sizeof(newpath));
	}
	if (whoop_account_infos(w, &ai, &n) == -1) {
		printf("fail\taccounts\t%s\n", whoop_errmsg(w));
		if (haskey)
			whoop_key_wipe(&key);
		if (hasnew)
			whoop_key_wipe(&newkey);
		return WHOOP_EXIT_FAIL;
	}
	if (n == 0) {
		printf("fail\taccounts\tnone; run whoop-auth\n");
		bad = 1;
	}
	for (i = 0; i < n; i++) {
		int ok;

		if (ai[i].account == WHOOP_ACCOUNT_LOCAL) {
			printf("ok\t%lld\ttoken\tnone needed: the local "
			    "account of whoop-import\n",
			    (long long)ai[i].account);
			continue;
		}
		ok = strcmp(ai[i].status, "active") == 0 &&
		    ai[i].has_tokens && (ai[i].has_refresh ||
		    ai[i].expires_at_ms > whoop_time_now_ms());

		printf("%s\t%lld\ttoken\t%s\n", ok ? "ok" : "fail",
		    (long long)ai[i].account, ok ? "usable" :
		    strcmp(ai[i].status, "active") ? whoop_esc(ai[i].status) :
		    "expired without a refresh token");
		bad |= !ok;
		/*
		 * A key that loads proves nothing about the tokens: open
		 * every sealed column of the account with it (no network).
		 */
		if (haskey && ai[i].has_tokens) {
			if (whoop_cred_verify(w, &key, ai[i].account) == -1) {
				if (hasnew)
					whoop_cred_wrongkey_hint(w, &newkey,
					    newpath, ai[i].account);
				printf("fail\t%lld\tsealed\t%s\n",
				    (long long)ai[i].account, whoop_errmsg(w));
				bad = 1;
			} else
				printf("ok\t%lld\tsealed\topens with the "
				    "key\n", (long long)ai[i].account);
		}
		for (j = 0; j < NORDER; j++) {
			const struct whoop_colspec *cs =
			    whoop_colspec(order[j]);

			if (whoop_syncstate_get(w, ai[i].account, cs->name,
			    &ss) == -1)
				continue;
			ok = ss.last_success[0] != '\0' &&
			    ss.last_error[0] == '\0';
			printf("%s\t%lld\t%s\t%s%s%s\n", ok ? "ok" : "fail",
			    (long long)ai[i].account, cs->name,
			    ss.last_success[0] ? whoop_esc(ss.last_success) :
			    "never", ss.last_error[0] ? "\t" : "",
			    whoop_esc(ss.last_error));
			bad |= !ok;
		}
		bad |= health_records(ai[i].account);
	}
	free(ai);
	if (haskey)
		whoop_key_wipe(&key);
	if (hasnew)
		whoop_key_wipe(&newkey);
	return bad ? WHOOP_EXIT_FAIL : WHOOP_EXIT_OK;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "full", no_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct whoop_paths	 paths;
	struct whoop_config	 conf;
	struct run		 r;
	const char		*dbopt = NULL;
	char			 since[WHOOP_TIMESTR_LEN];
	int64_t			*ids = NULL, only = 0, ms;
	long long		 n;
	long			 waitsec = 0;
	size_t			 nids = 0, i;
	int			 ch, check = 0, lockfd, found;

	memset(&r, 0, sizeof(r));
	for (i = 0; i < WHOOP_C_COUNT; i++)
		r.want[i] = 1;
	if ((w = whoop_new()) == NULL)
		err(WHOOP_EXIT_FAIL, NULL);
	if (whoop_process_harden(w) == -1)
		errx(WHOOP_EXIT_FAIL, "%s", whoop_errmsg(w));
	while ((ch = getopt_long(argc, argv, "a:cd:Fns:t:vw:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'a':
			if (whoop_strtoll(w, optarg, 1, INT64_MAX, &n) == -1)
				errx(WHOOP_EXIT_USAGE, "-a: %s", whoop_errmsg(w));
			only = n;
			break;
		case 'c':
			check = 1;
			break;
		case 'd':
			dbopt = optarg;
			break;
		case 'F':
			r.full = 1;
			break;
		case 'n':
			r.dry = 1;
			break;
		case 's':
			if (whoop_time_parse_user(w, optarg,
			    whoop_time_now_ms(), &ms) == -1 ||
			    whoop_time_format(ms, since, sizeof(since)) == -1)
				errx(WHOOP_EXIT_USAGE, "-s: %s", whoop_errmsg(w));
			r.since = since;
			break;
		case 't':
			if (parse_types(&r, optarg) == -1)
				return WHOOP_EXIT_USAGE;
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
	if (optind != argc || (r.full && r.since != NULL)) {
		usage();
		return WHOOP_EXIT_USAGE;
	}
	r.tty = isatty(STDERR_FILENO);

	if (whoop_paths_init(w, &paths, dbopt) == -1)
		errx(whoop_exitcode(w), "%s", whoop_errmsg(w));
	whoop_config_init(&conf);
	if (whoop_config_load(w, &conf, paths.config, 0) == -1 ||
	    whoop_config_env(w, &conf) == -1)
		errx(whoop_exitcode(w), "%s", whoop_errmsg(w));
	r.conf = &conf;
	r.rescore_days = conf.rescore_days >= 0 ? conf.rescore_days :
	    DEFAULT_RESCORE_DAYS;
	if (access(paths.db, F_OK) == -1)
		errx(WHOOP_EXIT_AUTH, "no database at %s: run whoop-auth first",
		    whoop_esc(paths.db));
	if (check) {
		/* A damaged file is opened all the same, to be reported. */
		if (whoop_db_open(w, paths.db, WHOOP_DB_INSPECT) == -1) {
			printf("fail\tdatabase\t%s\n", whoop_errmsg(w));
			ch = whoop_exit_worse(WHOOP_EXIT_FAIL,
			    whoop_exitcode(w));
		} else
			ch = health(&paths, &conf);
		whoop_config_free(&conf);
		whoop_paths_free(&paths);
		whoop_free(w);
		return ch;
	}
	if (whoop_db_open(w, paths.db, 0) == -1)
		errx(whoop_exitcode(w), "%s", whoop_errmsg(w));

	if ((lockfd = whoop_lock(w, paths.lock, waitsec)) == -1)
		errx(whoop_exitcode(w), "%s", whoop_errmsg(w));
	if (whoop_key_load(w, conf.key_command ? NULL : paths.key,
	    conf.key_command, &r.key) == -1)
		errx(whoop_exitcode(w), "%s", whoop_errmsg(w));
	/* Before the sandbox, which leaves no way to the key's directory. */
	if (conf.key_command == NULL)
		r.has_newkey = whoop_key_load_new(w, paths.key, &r.newkey,
		    r.newpath, sizeof(r.newpath));
	if ((r.h = whoop_http_new(w, "whoop-sync/" WHOOP_VERSION)) == NULL)
		errx(whoop_exitcode(w), "%s", whoop_errmsg(w));
	/*
	 * Key, configuration and lock are in hand: from here on Landlock
	 * leaves the database's directory, SQLite's temporary directory
	 * and, read-only, the TLS and resolver files and WHOOP_CA_FILE.
	 * Not with a client_secret_command: a refresh may have to run it,
	 * and it would inherit the sandbox (pass, gpg-agent, ...).
	 */
	if (conf.client_secret_command == NULL &&
	    whoop_sandbox(w, paths.db, WHOOP_SANDBOX_TLS) == -1)
		errx(WHOOP_EXIT_FAIL, "%s", whoop_errmsg(w));
	if (whoop_account_list(w, &ids, &nids) == -1)
		errx(whoop_exitcode(w), "%s", whoop_errmsg(w));

	found = 0;
	for (i = 0; i < nids && !r.stop; i++) {
		if (only != 0 && ids[i] != only)
			continue;
		/* whoop-import's local account: rows, no login to sync. */
		if (ids[i] == WHOOP_ACCOUNT_LOCAL)
			continue;
		found = 1;
		sync_account(&r, ids[i]);
	}
	if (!found) {
		if (only != 0)
			warnx("no account %lld: run whoop-auth, or see "
			    "whoop-auth -l", (long long)only);
		else
			warnx("no account: run whoop-auth first");
		r.worst = whoop_exit_worse(r.worst, WHOOP_EXIT_AUTH);
	}

	free(ids);
	whoop_key_wipe(&r.key);
	whoop_key_wipe(&r.newkey);
	whoop_http_free(r.h);
	whoop_unlock(lockfd);
	whoop_config_free(&conf);
	whoop_paths_free(&paths);
	whoop_free(w);
	return r.worst;
}
