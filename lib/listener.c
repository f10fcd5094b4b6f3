/*
 * The loopback redirect listener of whoop-auth (RFC 8252 section 7.3).
 *
 * It binds the literal 127.0.0.1 (and ::1 too for a "localhost"
 * redirect URI, since a browser may resolve that name to either), never
 * a wildcard, and lives only while whoop_listener_wait runs.  It serves
 * its connections side by side from one poll loop (so that idle or slow
 * clients cannot hold up the browser's callback), each with its own read
 * deadline, and takes exactly one valid callback: GET on the callback
 * path, with a Host of 127.0.0.1, localhost or [::1] and the port, and
 * the expected state.  Then the listening sockets are closed at once, so
 * the callback cannot be replayed to it.
 *
 * Every request that is not the valid callback counts as a bad one: a
 * wrong or missing state, a malformed, oversized or too slow request,
 * a callback for another Host (421, or 400 without one), and also
 * requests for another path (404) or with another method (405).
 * Those last two do not end the flow by themselves (a browser asks for
 * /favicon.ico), but they count, so that a flood of junk ends it once
 * max_bad is reached.  A connection closed without sending a byte (a
 * browser's speculative preconnect, a port probe) is not a request and
 * does not count.
 *
 * No response echoes anything of the request, and no message left on the
 * handle quotes it: the request carries the code and the state.
 */
#define _GNU_SOURCE		/* accept4 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "extern.h"

#define HEAD_MAX	8192	/* request head, as whoop_httpreq_parse */
#define BACKLOG		16
#define BIND_TRIES	16	/* port 0: find one free on both addresses */
#define WRITE_MS	2000	/* to write a response of under 2 KiB */
#define LINGER_MS	500	/* reading what a client still sends */
#define LINGER_BYTES	65536

/* Defaults for options left at 0. */
#define DEF_DEADLINE	300
#define DEF_READ_TIMEOUT 10
#define DEF_MAX_BAD	20

struct whoop_listener {
	struct whoop	*w;
	int		 fd[2];
	int		 nfd;		/* 0 once closed */
	int		 port;
	char		*path;
	long		 deadline;
	long		 read_timeout;
	int		 max_bad;
};

enum conn {
	CONN_NONE,		/* nothing was asked */
	CONN_BAD,		/* answered, counts toward max_bad */
	CONN_DONE,		/* the valid callback: cb is filled */
	CONN_FATAL		/* out of memory: error on the handle */
};

enum page {
	PAGE_OK,
	PAGE_REFUSED,		/* a valid callback carrying error= */
	PAGE_ERROR
};

static int64_t
mono_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Milliseconds left until an instant, for poll(); 0 when it has passed. */
static int
left_ms(int64_t until)
{
	int64_t	 d = until - mono_ms();

	if (d <= 0)
		return 0;
	return d > INT_MAX ? INT_MAX : (int)d;
}

static void
close_listeners(struct whoop_listener *l)
{
	int	 i;

	for (i = 0; i < l->nfd; i++) {
		close(l->fd[i]);
		l->fd[i] = -1;
	}
	l->nfd = 0;
}

/* A listening socket on the loopback address of family; errno on -1. */
static int
bind_loopback(int family, int port, int *fdp)
{
	struct sockaddr_in	 sin;
	struct sockaddr_in6	 sin6;
	struct sockaddr		*sa;
	socklen_t		 salen;
	int			 fd, on = 1, saved;

	*fdp = -1;
	fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd == -1)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1)
		goto fail;
	if (family == AF_INET) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = htons((uint16_t)port);
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sa = (struct sockaddr *)&sin;
		salen = sizeof(sin);
	} else {
		/* ::1 only, never an IPv4-mapped anything. */
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on,
		    sizeof(on)) == -1)
			goto fail;
		memset(&sin6, 0, sizeof(sin6));
		sin6.sin6_family = AF_INET6;
		sin6.sin6_port = htons((uint16_t)port);
		sin6.sin6_addr = in6addr_loopback;
		sa = (struct sockaddr *)&sin6;
		salen = sizeof(sin6);
	}
	if (bind(fd, sa, salen) == -1 || listen(fd, BACKLOG) == -1)
		goto fail;
	*fdp = fd;
	return 0;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

static int
bound_port(int fd)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);

	/* getsockname fills it; clang's analyzer cannot know that it does. */
	memset(&sin, 0, sizeof(sin));
	if (getsockname(fd, (struct sockaddr *)&sin, &len) == -1 ||
	    sin.sin_family != AF_INET)
		return -1;
	return ntohs(sin.sin_port);
}

/* The callback path is compared with a decoded path: keep it plain. */
static int
path_ok(const char *p)
{
	if (*p != '/')
		return 0;
	for (; *p != '\0'; p++)
		if (*p <= 0x20 || *p >= 0x7f || strchr("?#%", *p) != NULL)
			return 0;
	return 1;
}

struct whoop_listener *
whoop_listen(struct whoop *w, const struct whoop_listen_opts *o)
{
	struct whoop_listener	*l;
	const char		*path;
	char			 esc[64];
	int			 both, try, fd4 = -1, fd6 = -1, port = -1;

	if (o == NULL) {
		whoop_seterr(w, WHOOP_E_FAIL, "no listener options");
		return NULL;
	}
	if (o->host != NULL && strcmp(o->host, "127.0.0.1") == 0)
		both = 0;
	else if (o->host != NULL && strcasecmp(o->host, "localhost") == 0)
		both = 1;
	else {
		/* Finding 8: never a wildcard or another interface. */
		whoop_escape(esc, sizeof(esc), o->host ? o->host : "",
		    o->host ? strlen(o->host) : 0);
		whoop_seterr(w, WHOOP_E_CONFIG, "the redirect host must be "
		    "127.0.0.1 or localhost, not \"%s\"", esc);
		return NULL;
	}
	if (o->port < 0 || o->port > 65535) {
		whoop_seterr(w, WHOOP_E_CONFIG,
		    "redirect port %d out of range", o->port);
		return NULL;
	}
	path = o->path != NULL ? o->path : "/callback";
	if (!path_ok(path)) {
		whoop_seterr(w, WHOOP_E_CONFIG, "the callback path must "
		    "start with '/' and hold no query, escape or space");
		return NULL;
	}

	if ((l = calloc(1, sizeof(*l))) == NULL ||
	    (l->path = strdup(path)) == NULL) {
		free(l);
		whoop_seterr(w, WHOOP_E_NOMEM, "out of memory");
		return NULL;
	}
	l->w = w;
	l->fd[0] = l->fd[1] = -1;
	l->deadline = o->deadline > 0 ? o->deadline : DEF_DEADLINE;
	l->read_timeout = o->read_timeout > 0 ? o->read_timeout :
	    DEF_READ_TIMEOUT;
	l->max_bad = o->max_bad > 0 ? o->max_bad : DEF_MAX_BAD;

	for (try = 0; try < BIND_TRIES; try++) {
		if (bind_loopback(AF_INET, o->port, &fd4) == -1) {
			whoop_seterrno(w, WHOOP_E_FAIL,
			    "cannot listen on 127.0.0.1 port %d", o->port);
			goto fail;
		}
		if ((port = bound_port(fd4)) <= 0) {
			whoop_seterrno(w, WHOOP_E_FAIL,
			    "cannot read the listener's port");
			goto fail;
		}
		if (!both || bind_loopback(AF_INET6, port, &fd6) == 0)
			break;
		/* No IPv6 loopback on this machine: 127.0.0.1 is enough. */
		if (errno == EAFNOSUPPORT || errno == EADDRNOTAVAIL ||
		    errno == EPROTONOSUPPORT)
			break;
		/*
		 * Someone else on [::1]:port would get the code from a
		 * browser that tries ::1 first.  A port we picked can be
		 * picked again; a configured one cannot.
		 */
		if (errno == EADDRINUSE && o->port == 0) {
			close(fd4);
			fd4 = -1;
			continue;
		}
		whoop_seterrno(w, WHOOP_E_FAIL, "cannot listen on ::1 port %d",
		    port);
		goto fail;
	}
	if (fd4 == -1) {
		whoop_seterr(w, WHOOP_E_FAIL,
		    "no port free on both 127.0.0.1 and ::1");
		goto fail;
	}
	l->fd[l->nfd++] = fd4;
	if (fd6 != -1)
		l->fd[l->nfd++] = fd6;
	l->port = port;
	return l;
fail:
	if (fd4 != -1)
		close(fd4);
	free(l->path);
	free(l);
	return NULL;
}

int
whoop_listener_port(const struct whoop_listener *l)
{
	return l != NULL ? l->port : -1;
}

/* Write all of buf before an instant; a client that does not read loses. */
static void
send_all(int fd, const char *buf, size_t len, int64_t until)
{
	struct pollfd	 pfd;
	ssize_t		 n;
	int		 ms;

	while (len > 0) {
		n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n > 0) {
			buf += n;
			len -= (size_t)n;
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
			return;
		if ((ms = left_ms(until)) == 0)
			return;
		pfd.fd = fd;
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, ms) == -1 && errno != EINTR)
			return;
	}
}

static void
respond(int fd, int status, enum page page, int head_only)
{
	char		 out[2048], body[512];
	const char	*reason, *title, *text, *allow = "";
	int		 blen, hlen;

	switch (status) {
	case 200:
		reason = "OK";
		break;
	case 400:
		reason = "Bad Request";
		break;
	case 404:
		reason = "Not Found";
		break;
	case 405:
		reason = "Method Not Allowed";
		allow = "Allow: GET\r\n";
		break;
	case 408:
		reason = "Request Timeout";
		break;
	case 421:
		reason = "Misdirected Request";
		break;
	case 431:
		reason = "Request Header Fields Too Large";
		break;
	default:
		status = 500;
		reason = "Internal Server Error";
		break;
	}
	if (page == PAGE_OK) {
		title = "Logged in";
		text = "Logged in. You can close this window and return to "
		    "the terminal.";
	} else if (page == PAGE_REFUSED) {
		title = "Login not completed";
		text = "The login was refused or cancelled. You can close "
		    "this window; the terminal says more.";
	} else {
		/* Generic on purpose: nothing of the request comes back. */
		title = reason;
		text = "This is not a valid login callback.";
	}
	blen = snprintf(body, sizeof(body), "<!DOCTYPE html>\n"
	    "<html lang=\"en\">\n"
	    "<head><meta charset=\"utf-8\"><title>whoop-auth: %s</title>"
	    "</head>\n"
	    "<body><h1>%s</h1><p>%s</p></body>\n"
	    "</html>\n", title, title, text);
	if (blen < 0 || (size_t)blen >= sizeof(body))
		return;
	hlen = snprintf(out, sizeof(out), "HTTP/1.1 %d %s\r\n"
	    "Connection: close\r\n"
	    "Content-Type: text/html; charset=utf-8\r\n"
	    "Content-Length: %d\r\n"
	    "Cache-Control: no-store\r\n"
	    "Pragma: no-cache\r\n"
	    "Referrer-Policy: no-referrer\r\n"
	    "Content-Security-Policy: default-src 'none'; "
	    "frame-ancestors 'none'\r\n"
	    "X-Content-Type-Options: nosniff\r\n"
	    "X-Frame-Options: DENY\r\n"
	    "%s"
	    "\r\n", status, reason, blen, allow);
	if (hlen < 0 || (size_t)hlen >= sizeof(out))
		return;
	/* No body in a response to HEAD; Content-Length still says it. */
	if (!head_only) {
		if ((size_t)hlen + (size_t)blen >= sizeof(out))
			return;
		memcpy(out + hlen, body, (size_t)blen);
		hlen += blen;
	}
	send_all(fd, out, (size_t)hlen, mono_ms() + WRITE_MS);
}

/*
 * Closing a socket with unread input resets the connection, and the
 * client may then lose the response it has not read yet.  So end our
 * side, and read (and drop) what the client still sends, briefly.  Only
 * after the valid callback, when nobody else is served any more; other
 * connections linger in the poll loop (CS_LINGER).
 */
static void
linger(int fd)
{
	struct pollfd	 pfd;
	char		 junk[1024];
	size_t		 total = 0;
	ssize_t		 n;
	int64_t		 until = mono_ms() + LINGER_MS;
	int		 ms, r;

	shutdown(fd, SHUT_WR);
	while (total < LINGER_BYTES && (ms = left_ms(until)) > 0) {
		pfd.fd = fd;
		pfd.events = POLLIN;
		if ((r = poll(&pfd, 1, ms)) == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n = recv(fd, junk, sizeof(junk), 0);
		if (n == -1 && (errno == EINTR || errno == EAGAIN ||
		    errno == EWOULDBLOCK))
			continue;
		if (n <= 0)
			break;
		total += (size_t)n;
	}
	/* A POST body may hold anything, a code included. */
	whoop_wipe(junk, sizeof(junk));
}

/* Length of the head up to and with its blank line, 0 if not there yet. */
static size_t
head_end(const char *buf, size_t n, size_t from)
{
	size_t	 i;

	for (i = from; i + 4 <= n; i++)
		if (memcmp(buf + i, "\r\n\r\n", 4) == 0)
			return i + 4;
	return 0;
}

/*
 * The names this listener answers to: 127.0.0.1, localhost and [::1],
 * with its port.  A DNS-rebinding page reaches 127.0.0.1 under its own
 * name, and says that name in Host.
 */
static int
host_ok(const struct whoop_listener *l, const char *host)
{
	static const char *const names[] = {
		"127.0.0.1", "localhost", "[::1]",
	};
	char	 want[32];
	size_t	 i;

	if (host == NULL)
		return 0;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		(void)snprintf(want, sizeof(want), "%s:%d", names[i], l->port);
		if (strcasecmp(host, want) == 0)
			return 1;
	}
	return 0;
}

/*
 * One connection of the listener.  Connections are served side by side
 * from one poll loop, so that an idle or slow client costs the others
 * nothing: each has its own read deadline, and once answered, lingers
 * (draining what its client still sends) without holding anyone up.
 */
enum cstate {
	CS_FREE,
	CS_READ,		/* reading the request head */
	CS_LINGER		/* answered; draining until closed */
};

struct lconn {
	enum cstate	 state;
	int		 fd;
	int64_t		 until;		/* read deadline, or end of linger */
	size_t		 n;		/* head bytes, or bytes drained */
	char		 buf[HEAD_MAX];
};

#define MAX_CONNS	32	/* served at once; more wait in the backlog */

static void
conn_close(struct lconn *c)
{
	if (c->state == CS_FREE)
		return;
	close(c->fd);
	whoop_wipe(c->buf, sizeof(c->buf));
	c->fd = -1;
	c->n = 0;
	c->state = CS_FREE;
}

/* Answer, then linger in the loop. */
static void
conn_answer(struct lconn *c, int status, enum page page, int head_only)
{
	respond(c->fd, status, page, head_only);
	shutdown(c->fd, SHUT_WR);
	whoop_wipe(c->buf, sizeof(c->buf));
	c->n = 0;
	c->until = mono_ms() + LINGER_MS;
	c->state = CS_LINGER;
}

/* A complete head of hl bytes: judge it and answer. */
static enum conn
conn_request(struct whoop_listener *l, struct lconn *c, size_t hl,
    const char *state, struct whoop_callback *cb)
{
	struct whoop_httpreq	 req;
	struct whoop		 tmp;
	char			*pq = NULL;
	size_t			 qlen;
	enum conn		 ret = CONN_BAD;
	int			 status = 400, head_only = 0;

	memset(&tmp, 0, sizeof(tmp));
	if (whoop_httpreq_parse(&tmp, c->buf, hl, &req) == -1)
		goto fail;
	head_only = strcmp(req.method, "HEAD") == 0;
	if (strcmp(req.path, l->path) != 0) {
		status = 404;
		goto reply;
	}
	if (strcmp(req.method, "GET") != 0) {
		status = 405;
		goto reply;
	}
	/* Finding 8 again: not even the handler for another name. */
	if (!host_ok(l, req.host)) {
		status = req.host == NULL ? 400 : 421;
		goto reply;
	}
	/*
	 * whoop_callback_check reads what follows the first '?', and a raw
	 * query may hold another '?': give it the query behind one.
	 */
	qlen = req.query != NULL ? strlen(req.query) : 0;
	if ((pq = malloc(qlen + 2)) == NULL) {
		whoop_seterr(&tmp, WHOOP_E_NOMEM, "out of memory");
		goto fail;
	}
	pq[0] = '?';
	memcpy(pq + 1, req.query != NULL ? req.query : "", qlen + 1);
	if (whoop_callback_check(&tmp, pq, state, cb) == -1)
		goto fail;

	/* The one valid callback: nobody gets another try at it. */
	close_listeners(l);
	respond(c->fd, 200, cb->error != NULL ? PAGE_REFUSED : PAGE_OK, 0);
	linger(c->fd);
	conn_close(c);
	ret = CONN_DONE;
	goto done;
fail:
	if (tmp.errcode == WHOOP_E_NOMEM) {
		whoop_seterr(l->w, WHOOP_E_NOMEM, "%s", tmp.errmsg);
		ret = CONN_FATAL;
		status = 500;
	}
reply:
	conn_answer(c, status, PAGE_ERROR, head_only);
done:
	whoop_httpreq_free(&req);
	whoop_freestr(pq);
	return ret;
}

/* Input (or a hang-up) on a connection that is reading its head. */
static enum conn
conn_read(struct whoop_listener *l, struct lconn *c, const char *state,
    struct whoop_callback *cb)
{
	ssize_t	 r;
	size_t	 hl;

	r = recv(c->fd, c->buf + c->n, sizeof(c->buf) - c->n, 0);
	if (r == -1) {
		if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
			return CONN_NONE;
		/* Reset by the client: nobody to answer. */
		r = c->n > 0;
		conn_close(c);
		return r ? CONN_BAD : CONN_NONE;
	}
	if (r == 0) {
		if (c->n == 0) {
			/* A preconnect or a probe: not a request. */
			conn_close(c);
			return CONN_NONE;
		}
		conn_answer(c, 400, PAGE_ERROR, 0);	/* a head cut short */
		return CONN_BAD;
	}
	hl = head_end(c->buf, c->n + (size_t)r, c->n > 3 ? c->n - 3 : 0);
	c->n += (size_t)r;
	if (hl > 0)
		return conn_request(l, c, hl, state, cb);
	if (c->n == sizeof(c->buf)) {
		conn_answer(c, 431, PAGE_ERROR, 0);
		return CONN_BAD;
	}
	return CONN_NONE;
}

/* Drop what an answered client still sends; close when done. */
static void
conn_drain(struct lconn *c)
{
	char	 junk[1024];
	ssize_t	 n;

	n = recv(c->fd, junk, sizeof(junk), 0);
	whoop_wipe(junk, sizeof(junk));
	if (n == -1 && (errno == EINTR || errno == EAGAIN ||
	    errno == EWOULDBLOCK))
		return;
	if (n <= 0 || (c->n += (size_t)n) >= LINGER_BYTES)
		conn_close(c);
}

/* Take what waits on a listening socket, into free slots. */
static int
accept_all(struct whoop_listener *l, int lfd, struct lconn *cs,
    int64_t flow_end)
{
	int64_t	 until;
	int	 i, fd;

	for (;;) {
		for (i = 0; i < MAX_CONNS && cs[i].state != CS_FREE; i++)
			continue;
		if (i == MAX_CONNS)
			return 0;	/* the backlog keeps the rest */
		fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd == -1) {
			/* Gone before we took it: not our problem. */
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR || errno == ECONNABORTED ||
			    errno == EPROTO)
				return 0;
			return whoop_seterrno(l->w, WHOOP_E_IO,
			    "accept on the callback listener");
		}
		/* A slow client cannot keep the listener past its timeout. */
		until = mono_ms() + (int64_t)l->read_timeout * 1000;
		cs[i].state = CS_READ;
		cs[i].fd = fd;
		cs[i].n = 0;
		cs[i].until = until > flow_end ? flow_end : until;
	}
}

int
whoop_listener_wait(struct whoop_listener *l, const char *state,
    struct whoop_callback *cb)
{
	struct pollfd	 pfd[2 + MAX_CONNS];
	struct lconn	*cs = NULL;
	int64_t		 end, now;
	enum conn	 c;
	int		 i, k, n, nl, ms, bad = 0, rc = -1;
	int		 slot[MAX_CONNS];

	if (cb != NULL)
		memset(cb, 0, sizeof(*cb));
	if (l == NULL)
		return -1;
	if (cb == NULL) {
		whoop_seterr(l->w, WHOOP_E_FAIL, "no callback to fill");
		goto out;
	}
	if (l->nfd == 0) {
		whoop_seterr(l->w, WHOOP_E_FAIL,
		    "the callback listener is closed");
		goto out;
	}
	if (state == NULL || *state == '\0') {
		whoop_seterr(l->w, WHOOP_E_FAIL,
		    "no state to check the callback against");
		goto out;
	}
	if ((cs = calloc(MAX_CONNS, sizeof(*cs))) == NULL) {
		whoop_seterr(l->w, WHOOP_E_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < MAX_CONNS; i++)
		cs[i].fd = -1;

	end = mono_ms() + (int64_t)l->deadline * 1000;
	for (;;) {
		if (bad >= l->max_bad) {
			whoop_seterr(l->w, WHOOP_E_FAIL, "too many bad "
			    "requests to the callback listener (%d); "
			    "aborting the login", bad);
			goto out;
		}
		if ((ms = left_ms(end)) == 0) {
			whoop_seterr(l->w, WHOOP_E_FAIL, "no valid callback "
			    "within %ld seconds; aborting the login",
			    l->deadline);
			goto out;
		}
		/* With every slot taken, new clients wait in the backlog. */
		for (i = 0; i < MAX_CONNS && cs[i].state != CS_FREE; i++)
			continue;
		for (nl = 0; i < MAX_CONNS && nl < l->nfd; nl++) {
			pfd[nl].fd = l->fd[nl];
			pfd[nl].events = POLLIN;
			pfd[nl].revents = 0;
		}
		for (i = 0, n = nl; i < MAX_CONNS; i++) {
			if (cs[i].state == CS_FREE)
				continue;
			pfd[n].fd = cs[i].fd;
			pfd[n].events = POLLIN;
			pfd[n].revents = 0;
			slot[n - nl] = i;
			k = left_ms(cs[i].until);
			if (k < ms)
				ms = k;
			n++;
		}
		if (poll(pfd, (nfds_t)n, ms) == -1) {
			if (errno == EINTR)
				continue;
			whoop_seterrno(l->w, WHOOP_E_IO,
			    "poll on the callback listener");
			goto out;
		}
		/* Connections first: the callback may be among them. */
		for (k = nl; k < n; k++) {
			struct lconn *cn = &cs[slot[k - nl]];

			if (pfd[k].revents != 0) {
				if (cn->state == CS_LINGER) {
					conn_drain(cn);
					continue;
				}
				c = conn_read(l, cn, state, cb);
				if (c == CONN_DONE) {
					rc = 0;
					goto out;
				}
				if (c == CONN_FATAL)
					goto out;
				if (c == CONN_BAD)
					bad++;
			}
			now = mono_ms();
			if (cn->state == CS_READ && now >= cn->until) {
				conn_answer(cn, 408, PAGE_ERROR, 0);
				bad++;
			} else if (cn->state == CS_LINGER && now >= cn->until)
				conn_close(cn);
		}
		if (bad >= l->max_bad)
			continue;
		for (k = 0; k < nl; k++)
			if (pfd[k].revents != 0 &&
			    accept_all(l, pfd[k].fd, cs, end) == -1)
				goto out;
	}
out:
	if (cs != NULL) {
		for (i = 0; i < MAX_CONNS; i++)
			conn_close(&cs[i]);
		free(cs);
	}
	close_listeners(l);
	return rc;
}

void
whoop_listener_free(struct whoop_listener *l)
{
	if (l == NULL)
		return;
	close_listeners(l);
	free(l->path);
	free(l);
}
