/*
 * The loopback redirect listener of whoop-auth (RFC 8252 section 7.3).
 *
 * It binds the literal 127.0.0.1 (and ::1 too for a "localhost"
 * redirect URI, since a browser may resolve that name to either), never
 * a wildcard, and lives only while whoop_listener_wait runs.  It serves
 * one connection at a time, each with its own read deadline, and takes
 * exactly one valid callback: GET on the callback path with the expected
 * state.  Then the listening sockets are closed at once, so the callback
 * cannot be replayed to it.
 *
 * Every request that is not the valid callback counts as a bad one: a
 * wrong or missing state, a malformed, oversized or too slow request,
 * and also requests for another path (404) or with another method (405).
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
 * side, and read (and drop) what the client still sends, briefly.
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

static enum conn
serve(struct whoop_listener *l, int fd, const char *state,
    struct whoop_callback *cb, int64_t flow_end)
{
	struct whoop_httpreq	 req;
	struct whoop		 tmp;
	struct pollfd		 pfd;
	char			 buf[HEAD_MAX];
	char			*pq = NULL;
	size_t			 n = 0, hl = 0, qlen;
	ssize_t			 r;
	int64_t			 until;
	enum conn		 ret = CONN_BAD;
	enum page		 page = PAGE_ERROR;
	int			 status = 400, head_only = 0, ms, pr;

	memset(&req, 0, sizeof(req));
	memset(&tmp, 0, sizeof(tmp));
	/* A slow client cannot keep the listener past its own timeout. */
	until = mono_ms() + (int64_t)l->read_timeout * 1000;
	if (until > flow_end)
		until = flow_end;
	for (;;) {
		if ((ms = left_ms(until)) == 0) {
			status = 408;
			goto reply;
		}
		pfd.fd = fd;
		pfd.events = POLLIN;
		if ((pr = poll(&pfd, 1, ms)) == -1 && errno != EINTR) {
			ret = n > 0 ? CONN_BAD : CONN_NONE;
			goto done;
		}
		if (pr <= 0)
			continue;
		r = recv(fd, buf + n, sizeof(buf) - n, 0);
		if (r == -1) {
			if (errno == EINTR || errno == EAGAIN ||
			    errno == EWOULDBLOCK)
				continue;
			/* Reset by the client: nobody to answer. */
			ret = n > 0 ? CONN_BAD : CONN_NONE;
			goto done;
		}
		if (r == 0) {
			if (n == 0) {
				ret = CONN_NONE;
				goto done;
			}
			goto reply;		/* 400: a head cut short */
		}
		hl = head_end(buf, n + (size_t)r, n > 3 ? n - 3 : 0);
		n += (size_t)r;
		if (hl > 0)
			break;
		if (n == sizeof(buf)) {
			status = 431;
			goto reply;
		}
	}

	if (whoop_httpreq_parse(&tmp, buf, hl, &req) == -1)
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
	ret = CONN_DONE;
	status = 200;
	page = cb->error != NULL ? PAGE_REFUSED : PAGE_OK;
	goto reply;
fail:
	if (tmp.errcode == WHOOP_E_NOMEM) {
		whoop_seterr(l->w, WHOOP_E_NOMEM, "%s", tmp.errmsg);
		ret = CONN_FATAL;
		status = 500;
	}
reply:
	respond(fd, status, page, head_only);
	linger(fd);
done:
	close(fd);
	whoop_httpreq_free(&req);
	whoop_freestr(pq);
	whoop_wipe(buf, sizeof(buf));
	return ret;
}

int
whoop_listener_wait(struct whoop_listener *l, const char *state,
    struct whoop_callback *cb)
{
	struct pollfd	 pfd[2];
	int64_t		 end;
	enum conn	 c;
	int		 i, n, fd, ms, bad = 0, rc = -1;

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
		for (i = 0; i < l->nfd; i++) {
			pfd[i].fd = l->fd[i];
			pfd[i].events = POLLIN;
			pfd[i].revents = 0;
		}
		if ((n = poll(pfd, (nfds_t)l->nfd, ms)) == -1) {
			if (errno == EINTR)
				continue;
			whoop_seterrno(l->w, WHOOP_E_IO,
			    "poll on the callback listener");
			goto out;
		}
		for (i = 0; n > 0 && i < l->nfd; i++) {
			if (pfd[i].revents == 0)
				continue;
			fd = accept4(l->fd[i], NULL, NULL,
			    SOCK_CLOEXEC | SOCK_NONBLOCK);
			if (fd == -1) {
				/* Gone before we took it: not our problem. */
				if (errno == EAGAIN || errno == EWOULDBLOCK ||
				    errno == EINTR || errno == ECONNABORTED ||
				    errno == EPROTO)
					continue;
				whoop_seterrno(l->w, WHOOP_E_IO,
				    "accept on the callback listener");
				goto out;
			}
			c = serve(l, fd, state, cb, end);
			if (c == CONN_DONE) {
				rc = 0;
				goto out;
			}
			if (c == CONN_FATAL)
				goto out;
			if (c == CONN_BAD)
				bad++;
			/* One at a time: check the caps before the next. */
			break;
		}
	}
out:
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
