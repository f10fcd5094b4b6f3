/*
 * Unit tests: the loopback redirect listener of whoop-auth, driven over
 * real sockets.  Each case opens a listener, forks a child that waits on
 * it and reports what whoop_listener_wait returned through a pipe, and
 * plays the browser (or the attacker) from the parent.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "extern.h"
#include "tap.h"

#define STATE	"Xq3-_state_0123456789abcdefghijklmnopqrstuv"
#define CODE	"SECRETCODE-4f2a.9~b_c"
#define BAD6	"GET /callback?code=x&state=WRONG HTTP/1.1\r\n\r\n"
#define GOOD_FMT	"GET /callback?code=" CODE "&state=" STATE " HTTP/1.1\r\n" \
		"Host: 127.0.0.1:%d\r\nUser-Agent: test\r\n\r\n"

struct result {
	int	 rc;
	int	 errcode;
	int	 has_code, has_error, has_desc;
	char	 errmsg[512];
	char	 code[2100];
	char	 error[256];
	char	 desc[1100];
};

struct child {
	pid_t	 pid;
	int	 fd;		/* read end of the result pipe */
	int	 port;
};

static double
now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
copy(char *dst, size_t sz, const char *s)
{
	if (s != NULL)
		snprintf(dst, sz, "%s", s);
}

/* The valid callback, with the Host a browser sends: name and port. */
static const char *
good_cb(int port)
{
	static char	 buf[512];

	snprintf(buf, sizeof(buf), GOOD_FMT, port);
	return buf;
}

static struct whoop_listen_opts
opts(const char *host, long deadline, long read_timeout, int max_bad)
{
	struct whoop_listen_opts	 o;

	memset(&o, 0, sizeof(o));
	o.host = host;
	o.port = 0;
	o.path = "/callback";
	o.deadline = deadline;
	o.read_timeout = read_timeout;
	o.max_bad = max_bad;
	return o;
}

/* Fork a child that serves l; the parent keeps no listening socket. */
static int
start(struct whoop *w, struct whoop_listener *l, struct child *c)
{
	struct whoop_callback	 cb;
	struct result		 r;
	int			 p[2];
	const char		*b;
	size_t			 left;
	ssize_t			 n;

	c->port = whoop_listener_port(l);
	whoop_clearerr(w);
	if (pipe(p) == -1 || (c->pid = fork()) == -1)
		abort();
	if (c->pid == 0) {
		close(p[0]);
		memset(&r, 0, sizeof(r));
		r.rc = whoop_listener_wait(l, STATE, &cb);
		r.errcode = whoop_errcode(w);
		copy(r.errmsg, sizeof(r.errmsg), whoop_errmsg(w));
		r.has_code = cb.code != NULL;
		r.has_error = cb.error != NULL;
		r.has_desc = cb.error_description != NULL;
		copy(r.code, sizeof(r.code), cb.code);
		copy(r.error, sizeof(r.error), cb.error);
		copy(r.desc, sizeof(r.desc), cb.error_description);
		whoop_callback_clear(&cb);
		whoop_listener_free(l);
		for (b = (const char *)&r, left = sizeof(r); left > 0;
		    b += n, left -= (size_t)n)
			if ((n = write(p[1], b, left)) <= 0)
				_exit(1);
		_exit(0);
	}
	close(p[1]);
	whoop_listener_free(l);
	c->fd = p[0];
	return c->port;
}

/* The child's result; it ends by its deadline if a test goes wrong. */
static int
finish(struct child *c, struct result *r)
{
	char	*b = (char *)r;
	size_t	 got = 0;
	ssize_t	 n;
	int	 st;

	memset(r, 0, sizeof(*r));
	while (got < sizeof(*r) &&
	    (n = read(c->fd, b + got, sizeof(*r) - got)) > 0)
		got += (size_t)n;
	close(c->fd);
	if (waitpid(c->pid, &st, 0) == -1 || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0 || got != sizeof(*r)) {
		r->rc = -99;
		return -1;
	}
	return 0;
}

static int
dial_addr(int family, const char *addr, int port)
{
	struct sockaddr_in	 sin;
	struct sockaddr_in6	 sin6;
	struct timeval		 tv = { 5, 0 };
	int			 fd, rc, saved;

	if ((fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (family == AF_INET) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = htons((uint16_t)port);
		inet_pton(AF_INET, addr, &sin.sin_addr);
		rc = connect(fd, (struct sockaddr *)&sin, sizeof(sin));
	} else {
		memset(&sin6, 0, sizeof(sin6));
		sin6.sin6_family = AF_INET6;
		sin6.sin6_port = htons((uint16_t)port);
		inet_pton(AF_INET6, addr, &sin6.sin6_addr);
		rc = connect(fd, (struct sockaddr *)&sin6, sizeof(sin6));
	}
	if (rc == -1) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

static int
dial(int port)
{
	return dial_addr(AF_INET, "127.0.0.1", port);
}

/* 1 if a connection to addr:port is refused. */
static int
refused(int family, const char *addr, int port)
{
	int	 fd = dial_addr(family, addr, port);

	if (fd != -1) {
		close(fd);
		return 0;
	}
	return errno == ECONNREFUSED;
}

static int
send_all(int fd, const char *s, size_t len)
{
	ssize_t	 n;

	while (len > 0) {
		if ((n = send(fd, s, len, MSG_NOSIGNAL)) <= 0)
			return -1;
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Read a whole response; its status, or -1. */
static int
read_resp(int fd, char *buf, size_t sz)
{
	size_t	 got = 0;
	ssize_t	 n;
	int	 st;

	while (got + 1 < sz && (n = recv(fd, buf + got, sz - got - 1, 0)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	if (sscanf(buf, "HTTP/1.1 %3d ", &st) != 1)
		return -1;
	return st;
}

/* One request on a new connection; the response status, or -1. */
static int
req_on(int family, const char *addr, int port, const char *req,
    size_t len, char *buf, size_t sz)
{
	int	 fd, st = -1;

	buf[0] = '\0';
	if ((fd = dial_addr(family, addr, port)) == -1)
		return -1;
	if (send_all(fd, req, len) == 0)
		st = read_resp(fd, buf, sz);
	close(fd);
	return st;
}

static int
req(int port, const char *r, char *buf, size_t sz)
{
	return req_on(AF_INET, "127.0.0.1", port, r, strlen(r), buf, sz);
}

/* The exact header line is in the response head. */
static int
has_header(const char *resp, const char *line)
{
	const char	*end = strstr(resp, "\r\n\r\n");
	const char	*p = resp;
	size_t		 n = strlen(line);

	while (end != NULL && (p = strstr(p, "\r\n")) != NULL && p < end) {
		p += 2;
		if (strncmp(p, line, n) == 0 && p[n] == '\r')
			return 1;
	}
	return 0;
}

static const char *
body_of(const char *resp)
{
	const char	*p = strstr(resp, "\r\n\r\n");

	return p != NULL ? p + 4 : "";
}

static void
security_headers(const char *resp, const char *what)
{
	static const char *const want[] = {
		"Connection: close",
		"Content-Type: text/html; charset=utf-8",
		"Cache-Control: no-store",
		"Pragma: no-cache",
		"Referrer-Policy: no-referrer",
		("Content-Security-Policy: default-src 'none'; "
		    "frame-ancestors 'none'"),
		"X-Content-Type-Options: nosniff",
		"X-Frame-Options: DENY",
	};
	char		 cl[64];
	size_t		 i;
	int		 all = 1;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (!has_header(resp, want[i])) {
			diag("missing \"%s\"", want[i]);
			all = 0;
		}
	ok(all, "%s: every security header", what);
	snprintf(cl, sizeof(cl), "Content-Length: %zu",
	    strlen(body_of(resp)));
	ok(has_header(resp, cl), "%s: Content-Length matches the body", what);
}

/* Nothing active, nothing external, nothing of the request. */
static void
page_clean(const char *resp, const char *what)
{
	const char	*b = body_of(resp);

	ok(*b != '\0' && strstr(b, "<script") == NULL &&
	    strstr(b, "src=") == NULL && strstr(b, "href") == NULL &&
	    strstr(b, "http") == NULL && strstr(b, "refresh") == NULL &&
	    strstr(resp, "SECRETCODE") == NULL &&
	    strstr(resp, "Xq3-") == NULL && strstr(resp, "favicon") == NULL,
	    "%s: page is self-contained and echoes nothing", what);
}

/* The listening sockets on port: how many, and are they what they should be. */
static void
inspect(int port, int *n4, int *n6, int *good)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t		 len;
	int			 fd, v, flags;

	*n4 = *n6 = 0;
	*good = 1;
	for (fd = 0; fd < 1024; fd++) {
		len = sizeof(ss);
		if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1)
			continue;
		flags = fcntl(fd, F_GETFD);
		if (ss.ss_family == AF_INET && ntohs(sin->sin_port) == port) {
			(*n4)++;
			if (sin->sin_addr.s_addr != htonl(INADDR_LOOPBACK) ||
			    !(flags & FD_CLOEXEC))
				*good = 0;
		} else if (ss.ss_family == AF_INET6 &&
		    ntohs(sin6->sin6_port) == port) {
			(*n6)++;
			len = sizeof(v);
			if (memcmp(&sin6->sin6_addr, &in6addr_loopback,
			    sizeof(struct in6_addr)) != 0 ||
			    getsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v,
			    &len) == -1 || v != 1 || !(flags & FD_CLOEXEC))
				*good = 0;
		}
	}
}

/* A local IPv4 address that is not loopback, if the machine has one. */
static int
other_address(char *buf, size_t sz)
{
	struct ifaddrs	*ifa, *i;
	int		 found = 0;

	if (getifaddrs(&ifa) == -1)
		return 0;
	for (i = ifa; i != NULL && !found; i = i->ifa_next) {
		if (i->ifa_addr == NULL || i->ifa_addr->sa_family != AF_INET)
			continue;
		if ((ntohl(((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr)
		    >> 24) == 127)
			continue;
		found = inet_ntop(AF_INET,
		    &((struct sockaddr_in *)i->ifa_addr)->sin_addr, buf,
		    (socklen_t)sz) != NULL;
	}
	freeifaddrs(ifa);
	return found;
}

/* Does this machine have ::1 at all? */
static int
have_ipv6_loopback(void)
{
	struct sockaddr_in6	 sin6;
	int			 fd, rc;

	if ((fd = socket(AF_INET6, SOCK_STREAM, 0)) == -1)
		return 0;
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_addr = in6addr_loopback;
	rc = bind(fd, (struct sockaddr *)&sin6, sizeof(sin6));
	close(fd);
	return rc == 0;
}

static void
test_refusals(struct whoop *w)
{
	static const char *const hosts[] = {
		"0.0.0.0", "::", "::1", "127.0.0.2", "192.0.2.2", "",
		"localhost.", "example.com", "127.0.0.1 ",
	};
	struct whoop_listen_opts	 o;
	struct whoop_listener		*l;
	struct whoop_callback		 cb;
	size_t				 i;

	for (i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++) {
		o = opts(hosts[i], 5, 1, 3);
		whoop_clearerr(w);
		if ((l = whoop_listen(w, &o)) != NULL)
			whoop_clearerr(w);
		ok(l == NULL && whoop_errcode(w) == WHOOP_E_CONFIG,
		    "host \"%s\" refused: %s", hosts[i], whoop_errmsg(w));
		whoop_listener_free(l);
	}
	o = opts(NULL, 5, 1, 3);
	ok(whoop_listen(w, &o) == NULL && whoop_errcode(w) == WHOOP_E_CONFIG,
	    "NULL host refused");
	o = opts("127.0.0.1", 5, 1, 3);
	o.port = 65536;
	ok(whoop_listen(w, &o) == NULL && whoop_errcode(w) == WHOOP_E_CONFIG,
	    "port 65536 refused");
	o.port = 0;
	o.path = "callback";
	ok(whoop_listen(w, &o) == NULL && whoop_errcode(w) == WHOOP_E_CONFIG,
	    "path without '/' refused");
	o.path = "/cb?x=1";
	ok(whoop_listen(w, &o) == NULL && whoop_errcode(w) == WHOOP_E_CONFIG,
	    "path with a query refused");
	ok(whoop_listen(w, NULL) == NULL, "no options refused");
	ok(whoop_listener_wait(NULL, STATE, &cb) == -1 && cb.code == NULL,
	    "wait on NULL");
	ok(whoop_listener_port(NULL) == -1, "port of NULL");
	whoop_listener_free(NULL);

	/* A refused wait closes the listener too; it cannot be reused. */
	o = opts("127.0.0.1", 5, 1, 3);
	l = whoop_listen(w, &o);
	ok(l != NULL && whoop_listener_port(l) > 0, "listen on a free port");
	ok(whoop_listener_wait(l, "", &cb) == -1, "empty state refused");
	ok(refused(AF_INET, "127.0.0.1", whoop_listener_port(l)),
	    "closed after the refusal");
	ok(whoop_listener_wait(l, STATE, &cb) == -1 &&
	    strstr(whoop_errmsg(w), "closed") != NULL,
	    "a closed listener cannot wait again");
	whoop_listener_free(l);
}

static void
test_flow(struct whoop *w)
{
	struct whoop_listen_opts	 o = opts("127.0.0.1", 10, 2, 10);
	struct whoop_listener		*l;
	struct child			 c;
	struct result			 r;
	char				 buf[8192], other[64];
	int				 port, n4, n6, good, st;

	l = whoop_listen(w, &o);
	ok(l != NULL, "listen: %s", whoop_errmsg(w));
	if (l == NULL)
		return;
	port = whoop_listener_port(l);
	ok(port > 0 && port < 65536, "port 0 picked a free port (%d)", port);
	inspect(port, &n4, &n6, &good);
	ok(n4 == 1 && n6 == 0 && good,
	    "one socket, bound to 127.0.0.1, close-on-exec (%d, %d)", n4, n6);
	start(w, l, &c);

	st = req(port, "GET /favicon.ico HTTP/1.1\r\nHost: x\r\n\r\n", buf,
	    sizeof(buf));
	ok(st == 404, "other path: 404 (%d)", st);
	security_headers(buf, "404");
	page_clean(buf, "404");

	st = req(port, "POST /callback?code=" CODE "&state=" STATE
	    " HTTP/1.1\r\nContent-Length: 11\r\n\r\ncode=SECRET", buf,
	    sizeof(buf));
	ok(st == 405 && has_header(buf, "Allow: GET"),
	    "POST on the callback: 405 with Allow: GET (%d)", st);
	page_clean(buf, "405");

	st = req(port, "HEAD /callback?code=" CODE "&state=" STATE
	    " HTTP/1.1\r\n\r\n", buf, sizeof(buf));
	ok(st == 405 && *body_of(buf) == '\0',
	    "HEAD on the callback: 405, no body (%d)", st);

	st = req(port, "GET /callback?code=" CODE "&state=WRONG HTTP/1.1\r\n"
	    "\r\n", buf, sizeof(buf));
	ok(st == 400, "wrong state: 400 (%d)", st);
	security_headers(buf, "400");
	page_clean(buf, "400");
	ok(strstr(buf, "Logged in") == NULL, "400 does not say logged in");

	st = req(port, "GET /callback?state=" STATE " HTTP/1.1\r\n\r\n", buf,
	    sizeof(buf));
	ok(st == 400, "state but no code: 400 (%d)", st);
	st = req(port, "GET http://127.0.0.1/callback?code=" CODE "&state="
	    STATE " HTTP/1.1\r\n\r\n", buf, sizeof(buf));
	ok(st == 400, "absolute-form request: 400 (%d)", st);

	/* Reachable on 127.0.0.1 only. */
	ok(refused(AF_INET, "127.0.0.2", port), "not on 127.0.0.2");
	if (have_ipv6_loopback())
		ok(refused(AF_INET6, "::1", port), "not on ::1");
	else
		skip(1, "no ::1 on this machine");
	if (other_address(other, sizeof(other)))
		ok(refused(AF_INET, other, port), "not on %s", other);
	else
		skip(1, "no non-loopback IPv4 address");

	st = req(port, good_cb(port), buf, sizeof(buf));
	ok(st == 200, "valid callback: 200 (%d)", st);
	security_headers(buf, "200");
	ok(strstr(body_of(buf), "Logged in. You can close this window and "
	    "return to the terminal.") != NULL, "success page");
	page_clean(buf, "200");

	/* Closed before the response: no second try, no replay. */
	ok(refused(AF_INET, "127.0.0.1", port),
	    "connect after the valid callback is refused");
	st = req(port, good_cb(port), buf, sizeof(buf));
	ok(st == -1 && errno == ECONNREFUSED,
	    "replayed callback: connection refused");

	finish(&c, &r);
	ok(r.rc == 0, "wait returns 0: %s", r.errmsg);
	is_str(r.code, CODE, "cb->code");
	ok(!r.has_error, "no error");
}

static void
test_flood(struct whoop *w)
{
	struct whoop_listen_opts	 o = opts("127.0.0.1", 10, 2, 3);
	struct whoop_listener		*l;
	struct child			 c;
	struct result			 r;
	char				 buf[8192];
	int				 port, s1, s2, s3;
	double				 t0 = now();

	if ((l = whoop_listen(w, &o)) == NULL) {
		ok(0, "listen: %s", whoop_errmsg(w));
		return;
	}
	port = start(w, l, &c);
	/* 404 and 405 do not end the flow, but they count. */
	s1 = req(port, "GET /x HTTP/1.1\r\n\r\n", buf, sizeof(buf));
	s2 = req(port, "PUT /callback HTTP/1.1\r\n\r\n", buf, sizeof(buf));
	s3 = req(port, "GET /callback?code=a&state=WRONG HTTP/1.1\r\n\r\n",
	    buf, sizeof(buf));
	ok(s1 == 404 && s2 == 405 && s3 == 400, "flood answered 404 405 400");
	finish(&c, &r);
	ok(r.rc == -1 && !r.has_code, "flood: wait fails");
	is_str(r.errmsg, "too many bad requests to the callback listener (3); "
	    "aborting the login", "flood message");
	ok(r.errcode == WHOOP_E_FAIL, "flood: WHOOP_E_FAIL");
	ok(refused(AF_INET, "127.0.0.1", port), "closed after the flood");
	ok(now() - t0 < 3, "flood ends at once");
}

static void
test_deadline(struct whoop *w)
{
	struct whoop_listen_opts	 o = opts("127.0.0.1", 1, 1, 3);
	struct whoop_listener		*l;
	struct child			 c;
	struct result			 r;
	double				 t0 = now(), dt;
	int				 port;

	if ((l = whoop_listen(w, &o)) == NULL) {
		ok(0, "listen: %s", whoop_errmsg(w));
		return;
	}
	port = start(w, l, &c);
	finish(&c, &r);
	dt = now() - t0;
	ok(r.rc == -1 && !r.has_code, "deadline: wait fails");
	is_str(r.errmsg, "no valid callback within 1 seconds; aborting the "
	    "login", "deadline message");
	ok(dt > 0.9 && dt < 3, "deadline after about 1 s (%.2f s)", dt);
	ok(refused(AF_INET, "127.0.0.1", port), "closed after the deadline");
}

static void
test_oversized(struct whoop *w)
{
	struct whoop_listen_opts	 o = opts("127.0.0.1", 10, 2, 3);
	struct whoop_listener		*l;
	struct child			 c;
	struct result			 r;
	char				 buf[8192], big[9 * 1024];
	int				 port, st, i, fd;

	if ((l = whoop_listen(w, &o)) == NULL) {
		ok(0, "listen: %s", whoop_errmsg(w));
		return;
	}
	port = start(w, l, &c);
	memset(big, 'a', sizeof(big));
	memcpy(big, "GET /callback HTTP/1.1\r\nX-Junk: ", 32);
	st = req_on(AF_INET, "127.0.0.1", port, big, sizeof(big), buf,
	    sizeof(buf));
	ok(st == 431, "9 KiB head without an end: 431 (%d)", st);
	security_headers(buf, "431");

	/* Connections that send nothing are not requests. */
	for (i = 0; i < 5; i++)
		if ((fd = dial(port)) != -1)
			close(fd);
	/* A head cut short by the client. */
	st = -1;
	if ((fd = dial(port)) != -1) {
		send_all(fd, "GET /callback?code=", 19);
		shutdown(fd, SHUT_WR);
		st = read_resp(fd, buf, sizeof(buf));
		close(fd);
	}
	ok(st == 400, "head cut short: 400 (%d)", st);

	st = req(port, good_cb(port), buf, sizeof(buf));
	ok(st == 200, "then the valid callback: 200 (%d)", st);
	finish(&c, &r);
	ok(r.rc == 0 && strcmp(r.code, CODE) == 0,
	    "431 and empty connections did not end the flow: %s", r.errmsg);
}

static void
test_slow(struct whoop *w)
{
	struct whoop_listen_opts	 o = opts("127.0.0.1", 10, 1, 5);
	struct whoop_listener		*l;
	struct child			 c;
	struct result			 r;
	struct pollfd			 pfd;
	char				 buf[8192];
	const char			*p;
	double				 t0, dt;
	int				 port, st, a, b, fd;

	if ((l = whoop_listen(w, &o)) == NULL) {
		ok(0, "listen: %s", whoop_errmsg(w));
		return;
	}
	port = start(w, l, &c);

	/* A trickle of a byte every 100 ms: the timeout is for the head. */
	t0 = now();
	st = -1;
	if ((fd = dial(port)) != -1) {
		pfd.fd = fd;
		pfd.events = POLLIN;
		for (p = "GET /callback?code=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"; *p != '\0'; p++) {
			if (send_all(fd, p, 1) == -1 || poll(&pfd, 1, 100) != 0)
				break;
		}
		st = read_resp(fd, buf, sizeof(buf));
		close(fd);
	}
	dt = now() - t0;
	ok(st == 408 && dt > 0.9 && dt < 2.5,
	    "trickling client: 408 after the read timeout (%d, %.2f s)", st,
	    dt);
	security_headers(buf, "408");

	/*
	 * One byte and a stall, and a good client behind it: served side
	 * by side, the good one does not wait for the stalled one.
	 */
	t0 = now();
	a = dial(port);
	if (a != -1)
		send_all(a, "G", 1);
	b = dial(port);
	if (b != -1)
		send_all(b, good_cb(port), strlen(good_cb(port)));
	st = b != -1 ? read_resp(b, buf, sizeof(buf)) : -1;
	dt = now() - t0;
	ok(st == 200 && dt < 0.9,
	    "the good client behind a stalled one succeeds at once (%d, "
	    "%.2f s)", st, dt);
	st = a != -1 ? read_resp(a, buf, sizeof(buf)) : -1;
	ok(st == -1, "the stalled client is dropped when the flow ends (%d)",
	    st);
	if (a != -1)
		close(a);
	if (b != -1)
		close(b);
	finish(&c, &r);
	ok(r.rc == 0 && strcmp(r.code, CODE) == 0, "slow: wait returns 0: %s",
	    r.errmsg);
}

static void
test_localhost(struct whoop *w)
{
	struct whoop_listen_opts	 o = opts("localhost", 10, 2, 5);
	struct whoop_listener		*l;
	struct child			 c;
	struct result			 r;
	char				 buf[8192];
	int				 port, n4, n6, good, st, v6;

	v6 = have_ipv6_loopback();
	if ((l = whoop_listen(w, &o)) == NULL) {
		ok(0, "listen on localhost: %s", whoop_errmsg(w));
		return;
	}
	port = whoop_listener_port(l);
	inspect(port, &n4, &n6, &good);
	ok(n4 == 1 && n6 == (v6 ? 1 : 0) && good,
	    "localhost: 127.0.0.1 and %s, V6ONLY, close-on-exec (%d, %d)",
	    v6 ? "::1" : "no ::1 (absent here)", n4, n6);
	start(w, l, &c);
	if (v6) {
		st = req_on(AF_INET6, "::1", port, BAD6, strlen(BAD6), buf,
		    sizeof(buf));
		ok(st == 400, "served on ::1 (%d)", st);
	} else
		skip(1, "no ::1 on this machine");
	ok(refused(AF_INET, "127.0.0.2", port), "not on 127.0.0.2");
	st = req(port, good_cb(port), buf, sizeof(buf));
	ok(st == 200, "valid callback on 127.0.0.1 (%d)", st);
	ok(refused(AF_INET, "127.0.0.1", port) &&
	    (!v6 || refused(AF_INET6, "::1", port)),
	    "both sockets closed after the callback");
	finish(&c, &r);
	ok(r.rc == 0 && strcmp(r.code, CODE) == 0, "localhost: code: %s",
	    r.errmsg);
}

static void
test_error(struct whoop *w)
{
	struct whoop_listen_opts	 o = opts("127.0.0.1", 10, 2, 3);
	struct whoop_listener		*l;
	struct child			 c;
	struct result			 r;
	char				 buf[8192], rq[512];
	int				 port, st;

	if ((l = whoop_listen(w, &o)) == NULL) {
		ok(0, "listen: %s", whoop_errmsg(w));
		return;
	}
	port = start(w, l, &c);
	snprintf(rq, sizeof(rq), "GET /callback?error=access_denied&"
	    "error_description=%%1B%%5B2J%%1B%%5B31mYou+said+no%%0D%%0Afake+"
	    "line&state=" STATE " HTTP/1.1\r\nHost: localhost:%d\r\n\r\n",
	    port);
	st = req(port, rq, buf, sizeof(buf));
	ok(st == 200, "error callback answered (%d)", st);
	security_headers(buf, "error page");
	ok(strstr(buf, "Login not completed") != NULL &&
	    strstr(buf, "Logged in") == NULL && strstr(buf, "You said") == NULL,
	    "error page says the login did not complete, echoes nothing");
	ok(refused(AF_INET, "127.0.0.1", port), "error= ends the flow");
	finish(&c, &r);
	ok(r.rc == 0 && r.has_error && !r.has_code, "cb->error set, no code");
	is_str(r.error, "access_denied", "cb->error");
	is_str(r.desc, "\\x1b[2J\\x1b[31mYou said no\\x0d\\x0afake line",
	    "cb->error_description escaped");
}

/* A real HTTP client, if there is one. */
static void
test_curl(struct whoop *w)
{
	struct whoop_listen_opts	 o = opts("localhost", 10, 2, 3);
	struct whoop_listener		*l;
	struct child			 c;
	struct result			 r;
	char				 url[256], out[4096];
	const char			*av[10];
	size_t				 got = 0;
	ssize_t				 n;
	pid_t				 pid;
	int				 p[2], st = -1;

	if (access("/usr/bin/curl", X_OK) == -1) {
		skip(4, "no /usr/bin/curl");
		return;
	}
	if ((l = whoop_listen(w, &o)) == NULL) {
		ok(0, "listen: %s", whoop_errmsg(w));
		return;
	}
	start(w, l, &c);
	snprintf(url, sizeof(url), "http://localhost:%d/callback?code=%s"
	    "&state=%s", c.port, CODE, STATE);
	av[0] = "curl";
	av[1] = "-sS";
	av[2] = "--max-time";
	av[3] = "5";
	av[4] = "--noproxy";
	av[5] = "*";
	av[6] = "-i";
	av[7] = url;
	av[8] = NULL;
	if (pipe(p) == -1 || (pid = fork()) == -1)
		abort();
	if (pid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		close(p[1]);
		execv("/usr/bin/curl", (char *const *)av);
		_exit(127);
	}
	close(p[1]);
	while (got + 1 < sizeof(out) &&
	    (n = read(p[0], out + got, sizeof(out) - got - 1)) > 0)
		got += (size_t)n;
	out[got] = '\0';
	close(p[0]);
	waitpid(pid, &st, 0);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0 &&
	    strncmp(out, "HTTP/1.1 200", 12) == 0, "curl gets 200");
	security_headers(out, "curl");
	finish(&c, &r);
	ok(r.rc == 0 && strcmp(r.code, CODE) == 0, "curl: code taken: %s",
	    r.errmsg);
}

/*
 * Issue 12, item 7: connections that open and send nothing (any local
 * process can make them) must not hold up the browser's callback.
 */
static void
test_idle(struct whoop *w)
{
	struct whoop_listen_opts	 o = opts("127.0.0.1", 20, 10, 5);
	struct whoop_listener		*l;
	struct child			 c;
	struct result			 r;
	char				 buf[8192];
	double				 t0, dt;
	int				 port, st, i, idle[3];

	if ((l = whoop_listen(w, &o)) == NULL) {
		ok(0, "listen: %s", whoop_errmsg(w));
		return;
	}
	port = start(w, l, &c);
	for (i = 0; i < 3; i++)
		idle[i] = dial(port);
	/* One of them with half a request, as a slow client would. */
	if (idle[1] != -1)
		send_all(idle[1], "GET /callback?co", 16);
	t0 = now();
	st = req(port, good_cb(port), buf, sizeof(buf));
	dt = now() - t0;
	ok(st == 200 && dt < 1.0, "three idle connections: the callback is "
	    "answered within a second (%d, %.2f s)", st, dt);
	for (i = 0; i < 3; i++)
		if (idle[i] != -1)
			close(idle[i]);
	finish(&c, &r);
	ok(r.rc == 0 && strcmp(r.code, CODE) == 0, "idle: code taken: %s",
	    r.errmsg);

	/* Still one deadline per connection: an idle one gets its 408. */
	o = opts("127.0.0.1", 20, 1, 5);
	if ((l = whoop_listen(w, &o)) == NULL) {
		ok(0, "listen: %s", whoop_errmsg(w));
		return;
	}
	port = start(w, l, &c);
	idle[0] = dial(port);
	idle[1] = dial(port);
	t0 = now();
	st = idle[0] != -1 ? read_resp(idle[0], buf, sizeof(buf)) : -1;
	dt = now() - t0;
	ok(st == 408 && dt > 0.9 && dt < 2.5, "idle connection: 408 after "
	    "its own read timeout (%d, %.2f s)", st, dt);
	st = idle[1] != -1 ? read_resp(idle[1], buf, sizeof(buf)) : -1;
	ok(st == 408 && now() - t0 < 2.5, "and the other at the same time "
	    "(%d)", st);
	for (i = 0; i < 2; i++)
		if (idle[i] != -1)
			close(idle[i]);
	st = req(port, good_cb(port), buf, sizeof(buf));
	ok(st == 200, "then the callback (%d)", st);
	finish(&c, &r);
	ok(r.rc == 0, "two 408s did not end the flow: %s", r.errmsg);

	/* The bad-request cap holds across connections served at once. */
	o = opts("127.0.0.1", 20, 1, 3);
	if ((l = whoop_listen(w, &o)) == NULL) {
		ok(0, "listen: %s", whoop_errmsg(w));
		return;
	}
	port = start(w, l, &c);
	for (i = 0; i < 3; i++)
		idle[i] = dial(port);
	finish(&c, &r);
	ok(r.rc == -1 && strstr(r.errmsg, "too many bad requests") != NULL,
	    "three idle connections time out: the cap of 3 ends the flow: %s",
	    r.errmsg);
	for (i = 0; i < 3; i++)
		if (idle[i] != -1)
			close(idle[i]);
}

/*
 * Issue 12, item 8: only the names the listener is, with its port.  A
 * DNS-rebinding page sends its own name; it gets 421 and the flow goes
 * on (it counts as a bad request, not as the callback).
 */
static void
test_host(struct whoop *w)
{
	/* The name, and what goes between it and the port (NULL: none). */
	static const struct { const char *name, *sep; } badhosts[] = {
		{ "rebind.example", ":" }, { "rebind.example", NULL },
		{ "127.0.0.1", NULL }, { "127.0.0.1", ":1" },
		{ "localhost", NULL }, { "[::1]", NULL },
		{ "127.0.0.2", ":" }, { "localhost.", ":" },
		{ "0x7f000001", ":" }, { "127.0.0.1", ": " },
	}, goodhosts[] = {
		{ "127.0.0.1", ":" }, { "localhost", ":" },
		{ "LOCALHOST", ":" }, { "[::1]", ":" },
	};
	struct whoop_listen_opts	 o = opts("127.0.0.1", 20, 2, 30);
	struct whoop_listener		*l;
	struct child			 c;
	struct result			 r;
	char				 buf[8192], rq[512], h[64];
	size_t				 i;
	int				 port, st;

	if ((l = whoop_listen(w, &o)) == NULL) {
		ok(0, "listen: %s", whoop_errmsg(w));
		return;
	}
	port = start(w, l, &c);
	for (i = 0; i < sizeof(badhosts) / sizeof(badhosts[0]); i++) {
		if (badhosts[i].sep != NULL)
			snprintf(h, sizeof(h), "%s%s%d", badhosts[i].name,
			    badhosts[i].sep, port);
		else
			snprintf(h, sizeof(h), "%s", badhosts[i].name);
		snprintf(rq, sizeof(rq), "GET /callback?code=" CODE "&state="
		    STATE " HTTP/1.1\r\nHost: %s\r\n\r\n", h);
		st = req(port, rq, buf, sizeof(buf));
		ok(st == 421, "Host: %s with the right state: 421 (%d)", h, st);
		page_clean(buf, "421");
	}
	snprintf(rq, sizeof(rq), "GET /callback?code=" CODE "&state=" STATE
	    " HTTP/1.1\r\n\r\n");
	st = req(port, rq, buf, sizeof(buf));
	ok(st == 400, "no Host: 400 (%d)", st);
	snprintf(rq, sizeof(rq), "GET /callback?code=" CODE "&state=" STATE
	    " HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nHost: rebind.example\r\n"
	    "\r\n", port);
	st = req(port, rq, buf, sizeof(buf));
	ok(st == 400, "two Hosts: 400 (%d)", st);
	snprintf(rq, sizeof(rq), "GET /callback?code=" CODE "&state=" STATE
	    " HTTP/1.1\r\nhost:   127.0.0.1:%d \r\n\r\n", port);
	st = req(port, rq, buf, sizeof(buf));
	ok(st == 200, "host: in lower case, spaces around: 200 (%d)", st);
	finish(&c, &r);
	ok(r.rc == 0 && strcmp(r.code, CODE) == 0,
	    "the refused Hosts did not take the callback: %s", r.errmsg);

	for (i = 0; i < sizeof(goodhosts) / sizeof(goodhosts[0]); i++) {
		if ((l = whoop_listen(w, &o)) == NULL) {
			ok(0, "listen: %s", whoop_errmsg(w));
			return;
		}
		port = start(w, l, &c);
		snprintf(h, sizeof(h), "%s%s%d", goodhosts[i].name,
		    goodhosts[i].sep, port);
		snprintf(rq, sizeof(rq), "GET /callback?code=" CODE "&state="
		    STATE " HTTP/1.1\r\nHost: %s\r\n\r\n", h);
		st = req(port, rq, buf, sizeof(buf));
		finish(&c, &r);
		ok(st == 200 && r.rc == 0, "Host: %s accepted (%d)", h, st);
	}
}

int
main(void)
{
	struct whoop	*w = whoop_new();

	if (w == NULL)
		abort();
	signal(SIGPIPE, SIG_IGN);
	test_refusals(w);
	whoop_clearerr(w);
	test_flow(w);
	whoop_clearerr(w);
	test_flood(w);
	whoop_clearerr(w);
	test_deadline(w);
	whoop_clearerr(w);
	test_oversized(w);
	whoop_clearerr(w);
	test_slow(w);
	whoop_clearerr(w);
	test_localhost(w);
	whoop_clearerr(w);
	test_error(w);
	whoop_clearerr(w);
	test_curl(w);
	whoop_clearerr(w);
	test_idle(w);
	whoop_clearerr(w);
	test_host(w);
	whoop_free(w);
	return done_testing();
}
