/*
 * The HTTPS client: libcurl policy, pacing from the rate-limit headers,
 * and retries.  One curl handle is reused for every request so that the
 * TLS connection is reused too.
 *
 * What never happens here: a plain-http request or redirect, a redirect
 * followed, an unverified peer, a secret in an error message or a URL.
 * Messages name the path only, never the query.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "extern.h"

#define DEFAULT_ORIGIN	"https://api.prod.whoop.com"

struct whoop_http {
	struct whoop		*w;
	CURL			*curl;
	char			*origin;	/* scheme://host[:port] */
	char			*agent;
	char			*ca;		/* WHOOP_CA_FILE, or NULL */
	struct whoop_http_policy pol;
	long			 nrequests;
	int			 lost;		/* see whoop_http_lost */
	long			 rl_remaining;	/* last seen, -1 unknown */
	long			 rl_reset;
	struct timespec		 rl_seen;	/* when they were seen */
	/* Per request. */
	struct whoop_resp	*resp;
	size_t			 cap;
	int			 overflow;
};

static const struct whoop_http_policy default_policy = {
	.connect_timeout = 15,
	.total_timeout = 120,
	.low_speed_time = 30,
	.max_body = 32 * 1024 * 1024,
	.max_tries = 5,
	.backoff_ms = 1000,
	.max_wait = 120,
	.max_total = 300,
	.rl_reserve = 0,
};

static int	 curl_ready;

static double
elapsed(const struct timespec *since)
{
	struct timespec	 now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - since->tv_sec) +
	    (double)(now.tv_nsec - since->tv_nsec) / 1e9;
}

static void
sleep_ms(long ms)
{
	struct timespec	 ts;

	if (ms <= 0)
		return;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		continue;
}

/* Full jitter: a random wait in [base/2, base], so runs spread out. */
static long
jitter(long base)
{
	unsigned int	 r = 0;

	if (base <= 1)
		return base;
	(void)whoop_random(NULL, &r, sizeof(r));
	return base / 2 + (long)(r % (unsigned long)(base / 2 + 1));
}

/*
 * WHOOP_API_URL must be an https origin: scheme, host, optional port,
 * nothing else.  Anything looser is refused rather than guessed at.
 */
static int
check_origin(struct whoop *w, const char *url)
{
	const char	*p;
	char		 esc[128];

	whoop_escape(esc, sizeof(esc), url, strlen(url));
	if (strncmp(url, "https://", 8) != 0)
		return whoop_seterr(w, WHOOP_E_CONFIG, "WHOOP_API_URL \"%s\" "
		    "is not an https:// URL; plain http is refused", esc);
	p = url + 8;
	if (*p == '\0' || *p == '/')
		return whoop_seterr(w, WHOOP_E_CONFIG,
		    "WHOOP_API_URL \"%s\" has no host", esc);
	for (; *p != '\0'; p++) {
		if (*p == '/' && p[1] == '\0')
			break;
		if (*p == '/' || *p == '?' || *p == '#' || *p == '@' ||
		    isspace((unsigned char)*p) || !isprint((unsigned char)*p))
			return whoop_seterr(w, WHOOP_E_CONFIG,
			    "WHOOP_API_URL \"%s\" must be an origin only, "
			    "like https://127.0.0.1:8443", esc);
	}
	return 0;
}

struct whoop_http *
whoop_http_new(struct whoop *w, const char *agent)
{
	struct whoop_http	*h;
	const char		*origin, *ca;
	size_t			 n;

	if (!curl_ready) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
			whoop_seterr(w, WHOOP_E_FAIL, "libcurl init failed");
			return NULL;
		}
		curl_ready = 1;
	}
	origin = getenv("WHOOP_API_URL");
	if (origin == NULL || *origin == '\0')
		origin = DEFAULT_ORIGIN;
	if (check_origin(w, origin) == -1)
		return NULL;
	if ((h = calloc(1, sizeof(*h))) == NULL) {
		whoop_seterr(w, WHOOP_E_NOMEM, "out of memory");
		return NULL;
	}
	h->w = w;
	h->pol = default_policy;
	h->rl_remaining = -1;
	h->origin = strdup(origin);
	h->agent = strdup(agent != NULL ? agent : "whoop/" WHOOP_VERSION);
	if (h->origin == NULL || h->agent == NULL)
		goto nomem;
	n = strlen(h->origin);
	if (n > 0 && h->origin[n - 1] == '/')
		h->origin[n - 1] = '\0';
	if ((h->curl = curl_easy_init()) == NULL)
		goto nomem;

	ca = getenv("WHOOP_CA_FILE");
	if (ca != NULL && *ca != '\0' && (h->ca = strdup(ca)) == NULL)
		goto nomem;
	return h;
nomem:
	whoop_seterr(w, WHOOP_E_NOMEM, "out of memory");
	whoop_http_free(h);
	return NULL;
}

void
whoop_http_free(struct whoop_http *h)
{
	if (h == NULL)
		return;
	if (h->curl != NULL)
		curl_easy_cleanup(h->curl);
	free(h->origin);
	free(h->agent);
	free(h->ca);
	free(h);
}

void
whoop_http_policy(struct whoop_http *h, struct whoop_http_policy *p)
{
	*p = h->pol;
}

void
whoop_http_setpolicy(struct whoop_http *h, const struct whoop_http_policy *p)
{
	h->pol = *p;
}

const char *
whoop_http_origin(const struct whoop_http *h)
{
	return h->origin;
}

struct whoop *
whoop_http_handle(struct whoop_http *h)
{
	return h->w;
}

long
whoop_http_budget(const struct whoop_http *h)
{
	return h->rl_remaining;
}

int
whoop_http_lost(const struct whoop_http *h)
{
	return h->lost;
}

long
whoop_http_requests(const struct whoop_http *h)
{
	return h->nrequests;
}

void
whoop_resp_free(struct whoop_resp *r)
{
	if (r == NULL)
		return;
	/* Token responses hold secrets: wipe every body. */
	whoop_freezero(r->body, r->len);
	memset(r, 0, sizeof(*r));
}

static void
resp_reset(struct whoop_resp *r)
{
	whoop_resp_free(r);
	r->rl_limit = r->rl_remaining = r->rl_reset = r->retry_after = -1;
}

static size_t
on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct whoop_http	*h = arg;
	struct whoop_resp	*r = h->resp;
	size_t			 n = size * nmemb, want;
	char			*p;

	if (r->len + n > h->pol.max_body) {
		h->overflow = 1;
		return 0;	/* libcurl aborts with CURLE_WRITE_ERROR */
	}
	if (r->len + n + 1 > h->cap) {
		want = h->cap ? h->cap : 16384;
		while (want < r->len + n + 1)
			want *= 2;
		/* Grow by copy so no secret is left in a freed block. */
		if ((p = malloc(want)) == NULL)
			return 0;
		if (r->body != NULL) {
			memcpy(p, r->body, r->len);
			whoop_freezero(r->body, h->cap);
		}
		r->body = p;
		h->cap = want;
	}
	memcpy(r->body + r->len, data, n);
	r->len += n;
	r->body[r->len] = '\0';
	return n;
}

/* A header value as a non-negative number, else -1. */
static long
header_num(const char *v)
{
	long long	 n = 0;
	char		 buf[32];
	size_t		 i = 0;

	while (*v == ' ' || *v == '\t' || *v == '"')
		v++;
	while (i < sizeof(buf) - 1 && *v >= '0' && *v <= '9')
		buf[i++] = *v++;
	buf[i] = '\0';
	if (i == 0 || whoop_strtoll(NULL, buf, 0, 1000000000LL, &n) == -1)
		return -1;
	return (long)n;
}

static size_t
on_header(char *data, size_t size, size_t nmemb, void *arg)
{
	struct whoop_http	*h = arg;
	struct whoop_resp	*r = h->resp;
	size_t			 n = size * nmemb;
	char			 line[256], *v;
	time_t			 t;

	if (n >= sizeof(line))
		return n;	/* not a header we read */
	memcpy(line, data, n);
	line[n] = '\0';
	line[strcspn(line, "\r\n")] = '\0';
	if ((v = strchr(line, ':')) == NULL)
		return n;
	*v++ = '\0';
	while (*v == ' ')
		v++;
	if (strcasecmp(line, "X-RateLimit-Limit") == 0)
		r->rl_limit = header_num(v);
	else if (strcasecmp(line, "X-RateLimit-Remaining") == 0)
		r->rl_remaining = header_num(v);
	else if (strcasecmp(line, "X-RateLimit-Reset") == 0)
		r->rl_reset = header_num(v);
	else if (strcasecmp(line, "Retry-After") == 0) {
		/* Seconds, or an HTTP date (RFC 9110 10.2.3). */
		if (*v >= '0' && *v <= '9')
			r->retry_after = header_num(v);
		else if ((t = curl_getdate(v, NULL)) != -1)
			r->retry_after = t > time(NULL) ?
			    (long)(t - time(NULL)) : 0;
	}
	return n;
}

/* Build origin + path + ?query, every query value escaped. */
static char *
make_url(struct whoop_http *h, const char *path, const char *const *query)
{
	size_t	 cap = strlen(h->origin) + strlen(path) + 2, n;
	char	*url, *e, *p;
	int	 i;

	for (i = 0; query != NULL && query[i] != NULL; i += 2)
		cap += strlen(query[i]) + 3 * strlen(query[i + 1]) + 2;
	if ((url = malloc(cap)) == NULL)
		return NULL;
	n = (size_t)snprintf(url, cap, "%s%s", h->origin, path);
	for (i = 0; query != NULL && query[i] != NULL; i += 2) {
		if ((e = curl_easy_escape(h->curl, query[i + 1], 0)) == NULL) {
			free(url);
			return NULL;
		}
		p = url + n;
		n += (size_t)snprintf(p, cap - n, "%c%s=%s", i ? '&' : '?',
		    query[i], e);
		curl_free(e);
	}
	return url;
}

/* Wipe what libcurl copied of our headers before it frees them. */
static void
slist_free_wiped(struct curl_slist *l)
{
	struct curl_slist	*p;

	for (p = l; p != NULL; p = p->next)
		whoop_wipe(p->data, strlen(p->data));
	curl_slist_free_all(l);
}

/*
 * Wait when the last response said the window is spent: never fire with
 * Remaining at the reserve (0 by default).  WHOOP documents the headers
 * but neither the kind of window nor how X-RateLimit-Reset is rounded: a
 * fixed window may reopen whole at Reset, a sliding one frees only the
 * oldest request's slot, and a Reset rounded down may be up to a second
 * early.  So Reset is a lower bound: wait one second past it, then send
 * one request and learn the budget again from its answer.  That costs at
 * most a second per window of 60.  A wait longer than max_wait means the
 * daily budget: stop, the next run resumes.
 */
static int
pace(struct whoop_http *h)
{
	double	 left;

	if (h->rl_remaining < 0 || h->rl_remaining > h->pol.rl_reserve)
		return 0;
	left = (double)(h->rl_reset + 1) - elapsed(&h->rl_seen);
	if (left > (double)h->pol.max_wait)
		return whoop_seterr(h->w, WHOOP_E_RATE, "rate limit: budget "
		    "spent for %ld s more; stopping, the next run resumes",
		    (long)left);
	if (left > 0)
		sleep_ms((long)(left * 1000) + jitter(100));
	h->rl_remaining = -1;
	return 0;
}

/*
 * Did this failure happen before any byte of the request left?  Only
 * then is a request that changes state at the server (a token POST) safe
 * to send again: name resolution, connect and the TLS handshake come
 * before the request, and libcurl counts the request bytes it sent.
 */
static int
never_left(CURLcode cc, long sent_bytes)
{
	if (sent_bytes != 0)
		return 0;
	switch (cc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_CONNECT:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_OPERATION_TIMEDOUT:
		return 1;
	default:
		return 0;
	}
}

/*
 * A failed handshake: a transport failure (the peer reset or closed the
 * connection, a read or write failed) is worth another try; anything
 * else (a protocol mismatch, no common cipher) is not.  libcurl reports
 * both as CURLE_SSL_CONNECT_ERROR; the OS error and its message tell
 * them apart.
 */
static int
handshake_transient(long os_errno, const char *msg)
{
	static const char *const transport[] = { "SSL_ERROR_SYSCALL",
	    "Recv failure", "Send failure", "unexpected eof",
	    "Connection reset", "Connection timed out", NULL };
	int	 i;

	if (os_errno != 0)
		return 1;
	for (i = 0; transport[i] != NULL; i++)
		if (strstr(msg, transport[i]) != NULL)
			return 1;
	return 0;
}

enum outcome { DONE, RETRY, FAIL };

/*
 * One attempt.  Sets the error and says whether another attempt may
 * help.  *wait is the server's word on how long to wait, if any; *left
 * says whether the request may have reached the server.  once: the
 * request must not be sent twice (a token POST), so it goes on a fresh
 * connection -- on a reused one that turns out dead, libcurl itself
 * would send the request again.
 */
static enum outcome
attempt(struct whoop_http *h, const char *method, const char *url,
    const char *path, struct curl_slist *hdrs, const char *postbody,
    int once, struct whoop_resp *r, long *wait, int *left)
{
	CURL		*c = h->curl;
	CURLcode	 cc;
	long		 st = 0, sent_bytes = 0, os_errno = 0;
	char		 ebuf[CURL_ERROR_SIZE], why[CURL_ERROR_SIZE + 64];

	curl_easy_reset(c);
	resp_reset(r);
	h->resp = r;
	h->cap = 0;
	h->overflow = 0;
	*wait = -1;
	*left = 1;
	ebuf[0] = '\0';
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ebuf);
	if (once)
		curl_easy_setopt(c, CURLOPT_FRESH_CONNECT, 1L);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(c, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, h->pol.connect_timeout);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, h->pol.total_timeout);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, h->pol.low_speed_time);
	curl_easy_setopt(c, CURLOPT_USERAGENT, h->agent);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, h);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, h);
	if (postbody != NULL)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, postbody);
	else if (strcmp(method, "GET") != 0)
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (h->ca != NULL)
		curl_easy_setopt(c, CURLOPT_CAINFO, h->ca);

	h->nrequests++;
	cc = curl_easy_perform(c);
	h->resp = NULL;
	if (cc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &st);
	else {
		curl_easy_getinfo(c, CURLINFO_REQUEST_SIZE, &sent_bytes);
		curl_easy_getinfo(c, CURLINFO_OS_ERRNO, &os_errno);
		*left = !never_left(cc, sent_bytes);
	}
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, NULL);
	r->status = st;
	if (r->rl_remaining >= 0) {
		h->rl_remaining = r->rl_remaining;
		h->rl_reset = r->rl_reset >= 0 ? r->rl_reset : 60;
		clock_gettime(CLOCK_MONOTONIC, &h->rl_seen);
	}

	switch (cc) {
	case CURLE_OK:
		break;
	case CURLE_WRITE_ERROR:
		if (h->overflow) {
			whoop_seterr(h->w, WHOOP_E_PROTO, "%s %s: response "
			    "larger than %zu bytes; aborted", method, path,
			    h->pol.max_body);
			return FAIL;
		}
		whoop_seterr(h->w, WHOOP_E_NOMEM, "%s %s: out of memory",
		    method, path);
		return FAIL;
	case CURLE_UNSUPPORTED_PROTOCOL:
		whoop_seterr(h->w, WHOOP_E_CONFIG, "%s %s: %s", method, path,
		    curl_easy_strerror(cc));
		return FAIL;
	case CURLE_SSL_CONNECT_ERROR:
		if (handshake_transient(os_errno, ebuf)) {
			whoop_seterr(h->w, WHOOP_E_NET, "%s %s: TLS handshake "
			    "cut off: the connection was reset or closed",
			    method, path);
			return RETRY;
		}
		/* FALLTHROUGH */
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
		/* A certificate does not get better by asking again. */
		whoop_seterr(h->w, WHOOP_E_TLS, "%s %s: TLS: %s", method,
		    path, curl_easy_strerror(cc));
		return FAIL;
	default:
		(void)snprintf(why, sizeof(why), "%s", curl_easy_strerror(cc));
		if (once && *left) {
			/* What is known: it left, no answer came back. */
			whoop_seterr(h->w, WHOOP_E_NET, "%s %s: the answer was "
			    "lost (%s); WHOOP may have acted on it, so it is "
			    "not sent again", method, path, why);
			return FAIL;
		}
		whoop_seterr(h->w, WHOOP_E_NET, "%s %s: %s", method, path,
		    why);
		return RETRY;
	}

	if (st >= 200 && st < 300)
		return DONE;
	if (st == 429) {
		/* Reset is a lower bound (see pace); Retry-After is not. */
		*wait = r->retry_after >= 0 ? r->retry_after :
		    r->rl_reset >= 0 ? r->rl_reset + 1 : -1;
		whoop_seterr(h->w, WHOOP_E_RATE, "%s %s: HTTP 429: rate "
		    "limited", method, path);
		return RETRY;
	}
	if (st >= 500) {
		whoop_seterr(h->w, WHOOP_E_NET, "%s %s: HTTP %ld", method,
		    path, st);
		return RETRY;
	}
	if (st == 401) {
		whoop_seterr(h->w, WHOOP_E_AUTH, "%s %s: HTTP 401: the access "
		    "token was refused", method, path);
		return FAIL;
	}
	whoop_seterr(h->w, WHOOP_E_HTTP, "%s %s: HTTP %ld", method, path, st);
	return FAIL;
}

/*
 * Attempts with backoff.  retry_sent: may a request that may have reached
 * the server be sent again?  (Not for the token endpoint: it is retried
 * only after failures that prove it never left, see never_left.)
 */
static int
request(struct whoop_http *h, const char *method, const char *path,
    const char *const *query, struct curl_slist *hdrs, const char *post,
    int retry_sent, struct whoop_resp *r)
{
	struct timespec	 t0;
	enum outcome	 o;
	long		 wait, backoff = h->pol.backoff_ms;
	char		*url;
	int		 tries, left;

	if ((url = make_url(h, path, query)) == NULL)
		return whoop_seterr(h->w, WHOOP_E_NOMEM, "out of memory");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	h->lost = 0;
	for (tries = 1;; tries++) {
		if (pace(h) == -1) {
			free(url);
			return -1;
		}
		o = attempt(h, method, url, path, hdrs, post, !retry_sent, r,
		    &wait, &left);
		h->lost = o != DONE && r->status == 0 && left;
		if (o == DONE) {
			free(url);
			whoop_clearerr(h->w);
			return 0;
		}
		if (o == FAIL || tries >= h->pol.max_tries)
			break;
		if (!retry_sent && (r->status != 0 || left))
			break;
		if (wait > h->pol.max_wait) {
			whoop_seterr(h->w, WHOOP_E_RATE, "%s %s: rate limited "
			    "for %ld s more; stopping, the next run resumes",
			    method, path, wait);
			break;
		}
		if (elapsed(&t0) + (wait >= 0 ? (double)wait :
		    (double)backoff / 1000) > (double)h->pol.max_total)
			break;
		if (wait >= 0)
			sleep_ms(wait * 1000 + jitter(500));
		else {
			sleep_ms(jitter(backoff));
			backoff *= 2;
		}
	}
	free(url);
	return -1;
}

static struct curl_slist *
bearer_header(struct whoop_http *h, const char *bearer)
{
	struct curl_slist	*l = NULL, *n;
	size_t			 len;
	char			*hdr;

	len = strlen("Authorization: Bearer ") + strlen(bearer) + 1;
	if ((hdr = malloc(len)) == NULL)
		return NULL;
	(void)snprintf(hdr, len, "Authorization: Bearer %s", bearer);
	n = curl_slist_append(l, hdr);
	whoop_freezero(hdr, len);
	if (n == NULL)
		return NULL;
	l = n;
	if ((n = curl_slist_append(l, "Accept: application/json")) == NULL) {
		slist_free_wiped(l);
		return NULL;
	}
	return n;
}

int
whoop_http_get(struct whoop_http *h, const char *path,
    const char *const *query, const char *bearer, struct whoop_resp *r)
{
	struct curl_slist	*hdrs;
	int			 rc;

	if ((hdrs = bearer_header(h, bearer)) == NULL)
		return whoop_seterr(h->w, WHOOP_E_NOMEM, "out of memory");
	rc = request(h, "GET", path, query, hdrs, NULL, 1, r);
	slist_free_wiped(hdrs);
	return rc;
}

int
whoop_http_delete(struct whoop_http *h, const char *path, const char *bearer,
    struct whoop_resp *r)
{
	struct curl_slist	*hdrs;
	int			 rc;

	/* Revocation is idempotent: retrying it is safe. */
	if ((hdrs = bearer_header(h, bearer)) == NULL)
		return whoop_seterr(h->w, WHOOP_E_NOMEM, "out of memory");
	rc = request(h, "DELETE", path, NULL, hdrs, NULL, 1, r);
	slist_free_wiped(hdrs);
	return rc;
}

int
whoop_http_post_form(struct whoop_http *h, const char *path,
    const char *const *form, struct whoop_resp *r)
{
	struct curl_slist	*hdrs = NULL, *n;
	size_t			 cap = 1, len = 0;
	char			*body, *e;
	int			 i, rc;

	for (i = 0; form[i] != NULL; i += 2)
		cap += strlen(form[i]) + 3 * strlen(form[i + 1]) + 2;
	if ((body = malloc(cap)) == NULL)
		return whoop_seterr(h->w, WHOOP_E_NOMEM, "out of memory");
	body[0] = '\0';
	for (i = 0; form[i] != NULL; i += 2) {
		if ((e = curl_easy_escape(h->curl, form[i + 1], 0)) == NULL) {
			whoop_freezero(body, cap);
			return whoop_seterr(h->w, WHOOP_E_NOMEM,
			    "out of memory");
		}
		len += (size_t)snprintf(body + len, cap - len, "%s%s=%s",
		    i ? "&" : "", form[i], e);
		whoop_wipe(e, strlen(e));
		curl_free(e);
	}
	n = curl_slist_append(hdrs,
	    "Content-Type: application/x-www-form-urlencoded");
	if (n != NULL)
		hdrs = n;
	if (n != NULL && (n = curl_slist_append(hdrs,
	    "Accept: application/json")) != NULL)
		hdrs = n;
	if (n == NULL) {
		curl_slist_free_all(hdrs);
		whoop_freezero(body, cap);
		return whoop_seterr(h->w, WHOOP_E_NOMEM, "out of memory");
	}
	rc = request(h, "POST", path, NULL, hdrs, body, 0, r);
	curl_slist_free_all(hdrs);
	whoop_freezero(body, cap);
	/* Any HTTP answer is for the caller to read (OAuth errors). */
	if (rc == -1 && r->status != 0 && whoop_errcode(h->w) != WHOOP_E_PROTO)
		rc = 0, whoop_clearerr(h->w);
	return rc;
}
