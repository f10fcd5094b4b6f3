/*
 * Unit tests: the sandbox.  Each case runs in a child that confines
 * itself and reports its checks through a pipe, one line each, so that
 * the parent (unconfined) prints them as TAP.  Landlock: files beneath
 * the allowed paths work, anything else fails with EACCES, read-only
 * means read-only, a single file can be allowed.  seccomp: no socket of
 * any family, no execve, no ptrace, file I/O as before, a system call
 * of another ABI kills.  whoop_sandbox: what each tool keeps, SQLite's
 * temporary files included.  Where the kernel has no Landlock or no
 * seccomp the cases are skipped.
 */
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "extern.h"
#include "tap.h"

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED	1
#endif
#endif

static char	 base[64];	/* the test's own directory */
static int	 cfd = -1;	/* the child's end of the report pipe */

static char *
pathof(const char *rel)
{
	static char	 buf[8][256];
	static int	 i;
	char		*p = buf[i++ % 8];

	(void)snprintf(p, sizeof(buf[0]), "%s/%s", base, rel);
	return p;
}

/* In the child: one check, or a reason to skip the rest. */
static void
cok(int cond, const char *what)
{
	dprintf(cfd, "%c %s (errno %d)\n", cond ? '1' : '0', what,
	    cond ? 0 : errno);
}

static void
cskip(const char *why)
{
	dprintf(cfd, "S %s\n", why);
}

/* open(2) that must fail with EACCES. */
static int
denied(const char *path, int flags)
{
	int	 fd;

	errno = 0;
	if ((fd = open(path, flags, 0600)) != -1) {
		close(fd);
		return 0;
	}
	return errno == EACCES;
}

static int
allowed(const char *path, int flags)
{
	int	 fd;

	if ((fd = open(path, flags, 0600)) == -1)
		return 0;
	close(fd);
	return 1;
}

static int
readable(const char *path)
{
	char	 c;
	int	 fd, rc;

	if ((fd = open(path, O_RDONLY)) == -1)
		return 0;
	rc = read(fd, &c, 1) >= 0;
	close(fd);
	return rc;
}

static int
sock_denied(int domain, int type)
{
	int	 s;

	errno = 0;
	if ((s = socket(domain, type, 0)) != -1) {
		close(s);
		return 0;
	}
	return errno == EACCES;
}

static void
mkfile(const char *rel, const char *text)
{
	int	 fd;

	if ((fd = open(pathof(rel), O_WRONLY | O_CREAT | O_TRUNC, 0600)) ==
	    -1 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		diag("cannot make %s: %s", rel, strerror(errno));
		exit(1);
	}
	close(fd);
}

/*
 * Run fn in a child; print its checks.  want_sig: the signal the child
 * must die of (0: a normal end, after its last report).
 */
static void
sandboxed(const char *name, void (*fn)(struct whoop *), int want_sig)
{
	FILE	*f;
	char	 line[512];
	pid_t	 pid;
	int	 p[2], status, ended = 0, skipped = 0;

	fflush(stdout);
	if (pipe(p) == -1 || (pid = fork()) == -1) {
		ok(0, "%s: fork: %s", name, strerror(errno));
		return;
	}
	if (pid == 0) {
		struct whoop	*w;

		close(p[0]);
		cfd = p[1];
		if ((w = whoop_new()) == NULL)
			_exit(1);
		fn(w);
		whoop_free(w);
		dprintf(cfd, "E\n");
		_exit(0);
	}
	close(p[1]);
	if ((f = fdopen(p[0], "r")) == NULL)
		exit(1);
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == 'E')
			ended = 1;
		else if (line[0] == '#')
			diag("%s", line + 2);
		else if (line[0] == 'S') {
			skip(1, line + 2);
			skipped = 1;
		} else
			ok(line[0] == '1', "%s: %s", name, line + 2);
	}
	fclose(f);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		continue;
	if (skipped)
		return;
	if (want_sig)
		ok(WIFSIGNALED(status) && WTERMSIG(status) == want_sig,
		    "%s: the child was killed by signal %d", name, want_sig);
	else
		ok(ended && WIFEXITED(status) && WEXITSTATUS(status) == 0,
		    "%s: the child ran to its end", name);
}

/* 0: go on; 1: the kernel lacks it (skip reported). */
static int
applied(int rc, struct whoop *w, const char *what)
{
	if (rc == 1) {
		cskip(what);
		return 0;
	}
	cok(rc == 0, rc == 0 ? "applied" : whoop_errmsg(w));
	return rc == 0;
}

static void
ll_rw(struct whoop *w)
{
	const char *const	 rw[] = { pathof("in"), NULL };

	if (!applied(whoop_sandbox_landlock(w, rw, NULL), w,
	    "no Landlock in this kernel"))
		return;
	cok(allowed(pathof("in/new"), O_WRONLY | O_CREAT | O_EXCL),
	    "a new file inside the rw directory");
	cok(readable(pathof("in/file")), "reading inside");
	cok(allowed(pathof("in/file"), O_WRONLY | O_TRUNC),
	    "writing inside");
	cok(mkdir(pathof("in/sub"), 0700) == 0, "mkdir inside");
	cok(rename(pathof("in/new"), pathof("in/sub/moved")) == 0,
	    "rename within the rw directory");
	cok(unlink(pathof("in/sub/moved")) == 0, "unlink inside");
	cok(denied(pathof("out/file"), O_RDONLY),
	    "reading a file outside: EACCES");
	cok(denied(pathof("out/new"), O_WRONLY | O_CREAT),
	    "creating a file outside: EACCES");
	cok(denied("/etc/passwd", O_RDONLY), "reading /etc/passwd: EACCES");
	cok(denied("/", O_RDONLY | O_DIRECTORY), "listing /: EACCES");
	errno = 0;
	cok(rename(pathof("in/file"), pathof("out/moved")) == -1 &&
	    (errno == EXDEV || errno == EACCES),
	    "moving a file out: refused");
}

static void
ll_ro(struct whoop *w)
{
	const char *const	 ro[] = { pathof("out"), pathof("one.txt"),
	    pathof("missing/dir"), NULL };

	if (!applied(whoop_sandbox_landlock(w, NULL, ro), w,
	    "no Landlock in this kernel"))
		return;
	cok(readable(pathof("out/file")), "reading beneath a ro directory");
	cok(denied(pathof("out/file"), O_WRONLY),
	    "writing beneath a ro directory: EACCES");
	cok(denied(pathof("out/new"), O_WRONLY | O_CREAT),
	    "creating beneath a ro directory: EACCES");
	cok(unlink(pathof("out/file")) == -1 && errno == EACCES,
	    "unlink beneath a ro directory: EACCES");
	cok(readable(pathof("one.txt")), "reading a single allowed file");
	cok(denied(pathof("two.txt"), O_RDONLY),
	    "its sibling: EACCES");
	cok(denied(pathof("in/file"), O_RDONLY),
	    "a directory not listed: EACCES");
}

static void
nonet(struct whoop *w)
{
	struct iovec	 l, r;
	unsigned char	 params[256];
	char		 buf[16] = "", src[16] = "x";
	int		 sv[2], fd;

	if (!applied(whoop_sandbox_nonet(w), w, "no seccomp in this kernel"))
		return;
	cok(sock_denied(AF_INET, SOCK_STREAM), "socket(AF_INET): EACCES");
	cok(sock_denied(AF_INET, SOCK_DGRAM), "UDP socket: EACCES");
	cok(sock_denied(AF_INET6, SOCK_STREAM), "socket(AF_INET6): EACCES");
	cok(sock_denied(AF_UNIX, SOCK_STREAM), "socket(AF_UNIX): EACCES");
	cok(sock_denied(AF_NETLINK, SOCK_RAW), "socket(AF_NETLINK): EACCES");
	cok(sock_denied(AF_PACKET, SOCK_RAW), "socket(AF_PACKET): EACCES");
	errno = 0;
	cok(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1 && errno == EACCES,
	    "socketpair: EACCES");
#ifdef SYS_io_uring_setup
	errno = 0;
	memset(params, 0, sizeof(params));
	cok(syscall(SYS_io_uring_setup, 1, params) == -1 && errno == EPERM,
	    "io_uring_setup: EPERM");
#endif
	errno = 0;
	cok(execve("/bin/true", (char *[]){ "true", NULL },
	    (char *[]){ NULL }) == -1 && errno == EPERM,
	    "execve /bin/true: EPERM");
#ifndef SANITIZED
	errno = 0;
	cok(ptrace(PTRACE_TRACEME, 0, NULL, NULL) == -1 && errno == EPERM,
	    "ptrace: EPERM");
#endif
	l.iov_base = buf;
	l.iov_len = 1;
	r.iov_base = src;
	r.iov_len = 1;
	errno = 0;
	cok(syscall(SYS_process_vm_readv, getpid(), &l, 1, &r, 1, 0) == -1 &&
	    errno == EPERM, "process_vm_readv: EPERM");
	/* Everything else as before. */
	fd = open(pathof("in/io"), O_RDWR | O_CREAT | O_TRUNC, 0600);
	cok(fd != -1 && write(fd, "data", 4) == 4 &&
	    pread(fd, buf, 4, 0) == 4 && memcmp(buf, "data", 4) == 0,
	    "file I/O still works");
	if (fd != -1)
		close(fd);
	cok(unlink(pathof("in/io")) == 0, "unlink still works");
	cok(getpid() > 0 && getppid() > 0, "other system calls still work");
}

#if defined(__x86_64__)
/* The x32 ABI's getpid: the filter must not let it past the list. */
static void
other_abi(struct whoop *w)
{

	if (!applied(whoop_sandbox_nonet(w), w, "no seccomp in this kernel"))
		return;
	(void)syscall(0x40000000 | SYS_getpid);
	cok(0, "an x32 system call returned");
}
#endif

static void
tool_export(struct whoop *w)
{
	sqlite3_stmt	*st = NULL;
	int		 rc;

	if (whoop_db_open(w, pathof("data/whoop.db"), WHOOP_DB_RDONLY) ==
	    -1) {
		cok(0, whoop_errmsg(w));
		return;
	}
	rc = whoop_sandbox(w, pathof("data/whoop.db"), WHOOP_SANDBOX_DBRO |
	    WHOOP_SANDBOX_NONET);
	if (!applied(rc, w, "no Landlock or no seccomp in this kernel"))
		return;
	cok(readable(pathof("data/whoop.db")), "the database can be read");
	cok(denied(pathof("data/whoop.db"), O_WRONLY),
	    "the database cannot be opened for writing");
	cok(denied(pathof("data/new"), O_WRONLY | O_CREAT),
	    "no new file beside the database");
	cok(allowed(pathof("tmp/t"), O_WRONLY | O_CREAT),
	    "a file in SQLite's temporary directory");
	cok(denied(pathof("out/file"), O_RDONLY), "nothing else: EACCES");
	cok(denied(pathof("conf/ca.pem"), O_RDONLY), "no TLS files");
	cok(sock_denied(AF_INET, SOCK_STREAM), "no sockets");
	/* A sort larger than the cache spills into temporary files. */
	rc = sqlite3_exec(w->db, "PRAGMA cache_size = 8", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(w->db, "WITH RECURSIVE c(x) AS "
		    "(SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 100000) "
		    "SELECT count(*) FROM (SELECT x, randomblob(200) AS b "
		    "FROM c ORDER BY b)", -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	cok(rc == SQLITE_ROW && sqlite3_column_int(st, 0) == 100000,
	    "SQLite sorts 20 MB through its temporary files");
	if (rc != SQLITE_ROW)
		dprintf(cfd, "# %s\n", sqlite3_errmsg(w->db));
	sqlite3_finalize(st);
}

static void
tool_sync(struct whoop *w)
{
	struct addrinfo	*ai = NULL, hints;
	int		 rc, s;

	setenv("WHOOP_CA_FILE", pathof("conf/ca.pem"), 1);
	rc = whoop_sandbox(w, pathof("data/whoop.db"), WHOOP_SANDBOX_TLS);
	if (!applied(rc, w, "no Landlock in this kernel"))
		return;
	cok(allowed(pathof("data/new"), O_WRONLY | O_CREAT),
	    "a new file beside the database");
	cok(allowed(pathof("data/whoop.db"), O_RDWR),
	    "the database read-write");
	cok(readable(pathof("conf/ca.pem")), "WHOOP_CA_FILE can be read");
	cok(denied(pathof("conf/key"), O_RDONLY),
	    "but not its neighbours (the key)");
	cok(denied(pathof("conf/new"), O_WRONLY | O_CREAT),
	    "nor a new file there");
	if (access("/etc/ssl", F_OK) == 0)
		cok(allowed("/etc/ssl", O_RDONLY | O_DIRECTORY),
		    "/etc/ssl can be read");
	cok(denied("/etc/ssl/new", O_WRONLY | O_CREAT),
	    "/etc/ssl cannot be written");
	cok(denied("/etc/passwd", O_RDONLY), "/etc/passwd: EACCES");
	cok(denied(pathof("out/file"), O_RDONLY), "nothing else: EACCES");
	errno = 0;
	s = socket(AF_INET, SOCK_STREAM, 0);
	cok(s != -1, "sockets still work");
	if (s != -1)
		close(s);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_INET;
	hints.ai_socktype = SOCK_STREAM;
	if (getenv("SANDBOX_RESOLVES") != NULL) {
		cok(getaddrinfo("localhost", "443", &hints, &ai) == 0,
		    "localhost resolves through /etc/hosts");
		if (ai != NULL)
			freeaddrinfo(ai);
	}
}

int
main(void)
{
	struct addrinfo	*ai = NULL, hints;
	struct whoop	*w;
	const char	*files[] = { "in/file", "out/file", "one.txt",
	    "two.txt", "conf/ca.pem", "conf/key", "tmp/t", "data/new",
	    "data/whoop.db", "data/whoop.db-wal", "data/whoop.db-shm", NULL };
	const char	*dirs[] = { "in/sub", "in", "out", "conf", "tmp",
	    "data", NULL };
	size_t		 i;

	(void)snprintf(base, sizeof(base), "%s", "/tmp/test-sandbox.XXXXXX");
	if (mkdtemp(base) == NULL) {
		diag("mkdtemp: %s", strerror(errno));
		return 1;
	}
	for (i = 1; dirs[i] != NULL; i++)
		if (mkdir(pathof(dirs[i]), 0700) == -1)
			return 1;
	/*
	 * SQLite's temporary files go to $TMPDIR: this one.  SQLite reads
	 * it once, when it starts, as whoop_sandbox does in a tool.
	 */
	setenv("TMPDIR", pathof("tmp"), 1);
	mkfile("in/file", "in\n");
	mkfile("out/file", "out\n");
	mkfile("one.txt", "one\n");
	mkfile("two.txt", "two\n");
	mkfile("conf/ca.pem", "-----BEGIN CERTIFICATE-----\n");
	mkfile("conf/key", "not a key\n");
	if ((w = whoop_new()) == NULL ||
	    whoop_db_open(w, pathof("data/whoop.db"), WHOOP_DB_CREATE) == -1) {
		diag("database: %s", whoop_errmsg(w));
		return 1;
	}
	whoop_free(w);
	/* Only check name resolution where it works unconfined. */
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_INET;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo("localhost", "443", &hints, &ai) == 0) {
		freeaddrinfo(ai);
		setenv("SANDBOX_RESOLVES", "1", 1);
	}

	sandboxed("landlock rw", ll_rw, 0);
	sandboxed("landlock ro", ll_ro, 0);
	sandboxed("nonet", nonet, 0);
#if defined(__x86_64__)
	sandboxed("nonet, x32 call", other_abi, SIGSYS);
#endif
	sandboxed("export sandbox", tool_export, 0);
	sandboxed("sync sandbox", tool_sync, 0);

	ok(whoop_sandbox(NULL, NULL, 0) == -1, "no database path: -1");

	for (i = 0; files[i] != NULL; i++)
		(void)unlink(pathof(files[i]));
	for (i = 0; dirs[i] != NULL; i++)
		(void)rmdir(pathof(dirs[i]));
	(void)rmdir(base);
	return done_testing();
}
