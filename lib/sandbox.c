/*
 * Sandboxing the tools once they have opened what they need: Landlock
 * (which files the process may still reach) and a seccomp-BPF filter
 * (no sockets, no programs, no tracing) for whoop-export.  Both are made
 * from raw system calls and the kernel's headers: no libseccomp, no
 * liblandlock.  Both are inherited by every child and cannot be undone,
 * so a tool applies them after start-up, when its own children (the key
 * command, the browser) are behind it.
 *
 * Each function returns 0 when the restriction is in force, 1 when the
 * kernel (or the build) does not offer it, so that the tool goes on as
 * before, and -1 on a real error.
 */
#define _GNU_SOURCE		/* O_PATH */

#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/landlock.h>
#include <linux/seccomp.h>

/* Only to know that valgrind runs us: a client request, no library. */
#ifdef __has_include
/* cppcheck-suppress preprocessorErrorDirective */
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif

#include "extern.h"

/*
 * Sanitizer builds: at exit the leak checker reads /proc/self/maps and
 * stops the process's own threads with ptrace(2); it must keep both.
 */
#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED	1
#endif
#endif

/*
 * Valgrind does not know the Landlock system calls (it would answer
 * ENOSYS, after a warning in its log that fails check-valgrind), nor
 * seccomp(2): under it, both report "not supported".
 */
#ifdef RUNNING_ON_VALGRIND
#define UNDER_VALGRIND()	(RUNNING_ON_VALGRIND != 0)
#else
#define UNDER_VALGRIND()	0
#endif

static int
no_new_privs(struct whoop *w)
{
	/* No setuid program run from here can gain anything; required. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		return whoop_seterrno(w, WHOOP_E_FAIL,
		    "prctl(PR_SET_NO_NEW_PRIVS)");
	return 0;
}

/* ---- Landlock ---------------------------------------------------------- */

#ifdef SYS_landlock_create_ruleset

/* Rights newer than some kernel headers: ABI 3 and ABI 5. */
#define FS_TRUNCATE	(1ULL << 14)
#define FS_IOCTL_DEV	(1ULL << 15)

/* The rights that make sense on a file (the rest are directory rights). */
#define FS_FILE_RIGHTS	(LANDLOCK_ACCESS_FS_EXECUTE | \
	LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_READ_FILE | \
	FS_TRUNCATE | FS_IOCTL_DEV)

/*
 * Read-only: read files and list directories.  Loading a library needs
 * no more (only execve(2) asks for LANDLOCK_ACCESS_FS_EXECUTE, not
 * mmap(PROT_EXEC)), and nothing here runs a program once sandboxed.
 */
#define FS_RO_RIGHTS	(LANDLOCK_ACCESS_FS_READ_FILE | \
	LANDLOCK_ACCESS_FS_READ_DIR)

/* Every filesystem right the kernel's ABI version knows. */
static uint64_t
fs_rights(int abi)
{
	uint64_t	 r;

	/* ABI 1: EXECUTE up to MAKE_SYM. */
	r = (LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1;
	if (abi >= 2)
		r |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		r |= FS_TRUNCATE;
	if (abi >= 5)
		r |= FS_IOCTL_DEV;
	return r;
}

/*
 * Allow access beneath path (or to the file path), restricted to what
 * its type takes.  A path that does not exist, or that we could not
 * reach anyway, is skipped.
 */
static int
add_path(struct whoop *w, int ruleset, const char *path, uint64_t access)
{
	struct landlock_path_beneath_attr	 pb;
	struct stat				 st;
	char					 esc[256];
	int					 fd, rc = 0;

	if (path == NULL || *path == '\0')
		return 0;
	if ((fd = open(path, O_PATH | O_CLOEXEC)) == -1) {
		if (errno == ENOENT || errno == ENOTDIR || errno == EACCES ||
		    errno == ELOOP)
			return 0;
		whoop_escape(esc, sizeof(esc), path, strlen(path));
		return whoop_seterrno(w, WHOOP_E_FAIL, "landlock: %s", esc);
	}
	if (fstat(fd, &st) == -1) {
		whoop_escape(esc, sizeof(esc), path, strlen(path));
		whoop_seterrno(w, WHOOP_E_FAIL, "landlock: %s", esc);
		close(fd);
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		access &= FS_FILE_RIGHTS;
	memset(&pb, 0, sizeof(pb));
	pb.allowed_access = access;
	pb.parent_fd = fd;
	if (syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH,
	    &pb, 0) == -1) {
		whoop_escape(esc, sizeof(esc), path, strlen(path));
		rc = whoop_seterrno(w, WHOOP_E_FAIL, "landlock_add_rule %s",
		    esc);
	}
	close(fd);
	return rc;
}

int
whoop_sandbox_landlock(struct whoop *w, const char *const *rw_paths,
    const char *const *ro_paths)
{
	struct landlock_ruleset_attr	 attr;
	uint64_t			 all;
	size_t				 i;
	long				 abi;
	int				 ruleset, rc = -1;

	if (UNDER_VALGRIND())
		return 1;
	abi = syscall(SYS_landlock_create_ruleset, NULL, 0,
	    LANDLOCK_CREATE_RULESET_VERSION);
	if (abi == -1) {
		/* Not built in, or disabled at boot: go on without it. */
		if (errno == ENOSYS || errno == EOPNOTSUPP)
			return 1;
		return whoop_seterrno(w, WHOOP_E_FAIL, "landlock ABI version");
	}
	if (no_new_privs(w) == -1)
		return -1;

	all = fs_rights((int)abi);
	memset(&attr, 0, sizeof(attr));
	attr.handled_access_fs = all;
	if ((ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr,
	    sizeof(attr), 0)) == -1)
		return whoop_seterrno(w, WHOOP_E_FAIL,
		    "landlock_create_ruleset");
	for (i = 0; rw_paths != NULL && rw_paths[i] != NULL; i++)
		if (add_path(w, ruleset, rw_paths[i], all) == -1)
			goto out;
	for (i = 0; ro_paths != NULL && ro_paths[i] != NULL; i++)
		if (add_path(w, ruleset, ro_paths[i], FS_RO_RIGHTS & all) == -1)
			goto out;
#ifdef SANITIZED
	if (add_path(w, ruleset, "/proc/self", FS_RO_RIGHTS) == -1)
		goto out;
#endif
	/*
	 * The calling thread and its future children only: the tools call
	 * this while they have a single thread.
	 */
	if (syscall(SYS_landlock_restrict_self, ruleset, 0) == -1) {
		whoop_seterrno(w, WHOOP_E_FAIL, "landlock_restrict_self");
		goto out;
	}
	rc = 0;
out:
	close(ruleset);
	return rc;
}

#else /* no Landlock in these headers */

int
whoop_sandbox_landlock(struct whoop *w, const char *const *rw_paths,
    const char *const *ro_paths)
{
	return 1;
}

#endif

/* ---- seccomp ----------------------------------------------------------- */

/* The architectures the filter knows; elsewhere it is "not offered". */
#if defined(__x86_64__) && !defined(__ILP32__)
#define SECCOMP_ARCH	AUDIT_ARCH_X86_64
#elif defined(__aarch64__) && !defined(__ILP32__)
#define SECCOMP_ARCH	AUDIT_ARCH_AARCH64
#elif defined(__riscv) && __riscv_xlen == 64
#define SECCOMP_ARCH	AUDIT_ARCH_RISCV64
#endif

#ifdef SECCOMP_ARCH

/* Compare the system call number with nr; on a match return ret. */
#define DENY(nr, err) \
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1), \
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ((err) & SECCOMP_RET_DATA))

/*
 * A deny-list, not an allow-list: the calls glibc, SQLite and a
 * sanitizer runtime make differ between versions (openat or open,
 * newfstatat or statx, clone3, rseq, getrandom...), and a missing entry
 * in an allow-list kills a working program on the next upgrade.  What is
 * taken away instead is small and stable: every way to make a socket
 * (socket(2), socketpair(2), socketcall(2) where it exists, io_uring,
 * whose IORING_OP_SOCKET makes one without socket(2), and pidfd_getfd(2),
 * which can take one from another process), so connect, bind, sendto and
 * the rest have nothing to work on; running a program; and reading or
 * writing another process.  Landlock confines the files.
 */
static const struct sock_filter nonet_filter[] = {
	/* A system call of another ABI (int 0x80 on x86-64) would bypass
	 * the numbers below: such a process is killed. */
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SECCOMP_ARCH, 1, 0),
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
#if defined(__x86_64__)
	/* The x32 ABI: same arch value, numbers with bit 30 set. */
	BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 0, 1),
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
#endif
	DENY(SYS_socket, EACCES),
	DENY(SYS_socketpair, EACCES),
#ifdef SYS_socketcall
	DENY(SYS_socketcall, EACCES),
#endif
	DENY(SYS_io_uring_setup, EPERM),
	DENY(SYS_pidfd_getfd, EPERM),
	DENY(SYS_execve, EPERM),
	DENY(SYS_execveat, EPERM),
#ifndef SANITIZED
	DENY(SYS_ptrace, EPERM),
#endif
	DENY(SYS_process_vm_readv, EPERM),
	DENY(SYS_process_vm_writev, EPERM),
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
};

int
whoop_sandbox_nonet(struct whoop *w)
{
	struct sock_fprog	 prog;

	prog.len = (unsigned short)(sizeof(nonet_filter) /
	    sizeof(nonet_filter[0]));
	prog.filter = (struct sock_filter *)nonet_filter;
	/*
	 * Valgrind makes the program's system calls itself, and its own
	 * too: a filter would apply to valgrind (which dies when an
	 * execve fails), and it does not know seccomp(2).
	 */
	if (UNDER_VALGRIND())
		return 1;
	if (no_new_privs(w) == -1)
		return -1;
	/* TSYNC: every thread, should there be any. */
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
	    SECCOMP_FILTER_FLAG_TSYNC, &prog) == 0)
		return 0;
	if (errno == ENOSYS || errno == EINVAL) {
		/* Older kernels: prctl, this thread only (we have one). */
		if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0,
		    0) == 0)
			return 0;
		if (errno == EINVAL || errno == ENOSYS)
			return 1;	/* no CONFIG_SECCOMP_FILTER */
	}
	return whoop_seterrno(w, WHOOP_E_FAIL, "seccomp");
}

#else /* an architecture or headers without seccomp here */

int
whoop_sandbox_nonet(struct whoop *w)
{
	return 1;
}

#endif

/* ---- The tools' sandboxes ---------------------------------------------- */

/*
 * What libcurl, OpenSSL and glibc's resolver read once a tool is
 * sandboxed, read-only.  The CA bundle is read at each new connection;
 * /etc/ssl/certs links into /usr/share/ca-certificates (and, for local
 * roots, /usr/local/share/ca-certificates), Landlock checks the target;
 * /etc/pki and /etc/ca-certificates hold the bundle on Fedora and Arch.
 * The OpenSSL configuration is read at start-up already, but a provider
 * or engine may still be loaded later.  Name resolution reads
 * nsswitch.conf, hosts, resolv.conf (often a link into /run), gai.conf
 * and host.conf, and may load NSS modules (ld.so.cache, the library
 * directories).  OpenSSL falls back to /dev/random and /dev/urandom
 * without getrandom(2).
 */
static const char *const tls_paths[] = {
	"/etc/ssl", "/usr/lib/ssl", "/usr/share/ca-certificates",
	"/usr/local/share/ca-certificates", "/etc/pki", "/usr/share/pki",
	"/etc/ca-certificates",
	"/etc/nsswitch.conf", "/etc/hosts", "/etc/host.conf",
	"/etc/resolv.conf", "/etc/gai.conf", "/run/systemd/resolve",
	"/run/resolvconf", "/etc/ld.so.cache",
	"/lib", "/lib64", "/usr/lib", "/usr/lib64", "/usr/local/lib",
	"/dev/random",
};
#define NTLS	(sizeof(tls_paths) / sizeof(tls_paths[0]))

/* The environment variables that name CA files for libcurl or OpenSSL. */
static const char *const tls_env[] = {
	"WHOOP_CA_FILE", "SSL_CERT_FILE", "SSL_CERT_DIR",
};
#define NTLSENV	(sizeof(tls_env) / sizeof(tls_env[0]))

/*
 * The directory SQLite puts its temporary files in (a large sort, a
 * statement journal): the first of these that is a directory we may
 * write to and search, as its unix VFS chooses.  SQLite reads the two
 * variables when it starts; the tools never change them.
 */
static const char *
sqlite_tmpdir(void)
{
	const char	*dirs[] = { getenv("SQLITE_TMPDIR"), getenv("TMPDIR"),
	    "/var/tmp", "/usr/tmp", "/tmp" };
	struct stat	 st;
	size_t		 i;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (dirs[i] != NULL && stat(dirs[i], &st) == 0 &&
		    S_ISDIR(st.st_mode) && access(dirs[i], W_OK | X_OK) == 0)
			return dirs[i];
	return ".";
}

int
whoop_sandbox(struct whoop *w, const char *db, int flags)
{
	return whoop_sandbox_also(w, db, flags, NULL);
}

int
whoop_sandbox_also(struct whoop *w, const char *db, int flags,
    const char *ro_extra)
{
	const char	*rw[3], *ro[NTLS + NTLSENV + 6], *slash;
	char		*dir = NULL;
	size_t		 i, n = 0;
	int		 rc, rc2 = 0;

	if (db == NULL || *db == '\0')
		return whoop_seterr(w, WHOOP_E_FAIL, "sandbox: no database");
	/*
	 * The database's directory: the database, its -wal, -shm and
	 * -journal, and the run lock beside it.  A reader (whoop-export)
	 * has them open already, its -shm read-write where it may: it can
	 * do with reading, and so cannot change the database.
	 */
	if ((slash = strrchr(db, '/')) == NULL)
		dir = strdup(".");
	else if (slash == db)
		dir = strdup("/");
	else
		dir = strndup(db, (size_t)(slash - db));
	if (dir == NULL)
		return whoop_seterrno(w, WHOOP_E_NOMEM, "malloc");
	/*
	 * SQLite seeds its randomness (temporary file names) from
	 * /dev/urandom; glibc reads the time zone when a library asks for
	 * local time.
	 */
	ro[n++] = "/dev/urandom";
	ro[n++] = "/etc/localtime";
	ro[n++] = "/usr/share/zoneinfo";
	if (ro_extra != NULL)
		ro[n++] = ro_extra;
	if (flags & WHOOP_SANDBOX_DBRO) {
		ro[n++] = dir;
		rw[0] = sqlite_tmpdir();
		rw[1] = NULL;
	} else {
		rw[0] = dir;
		rw[1] = sqlite_tmpdir();
		rw[2] = NULL;
	}
	if (flags & WHOOP_SANDBOX_TLS) {
		for (i = 0; i < NTLS; i++)
			ro[n++] = tls_paths[i];
		for (i = 0; i < NTLSENV; i++)
			if ((ro[n] = getenv(tls_env[i])) != NULL)
				n++;
	}
	ro[n] = NULL;
	rc = whoop_sandbox_landlock(w, rw, ro);
	free(dir);
	if (rc == -1)
		return -1;
	if ((flags & WHOOP_SANDBOX_NONET) &&
	    (rc2 = whoop_sandbox_nonet(w)) == -1)
		return -1;
	return rc == 1 || rc2 == 1 ? 1 : 0;
}

/*
 * whoop-import, once its database is open: the database's directory and
 * SQLite's temporary directory read-write, the paths it was given (the
 * export's ZIP, folders and files, read again to write them) read-only,
 * nothing else; and no socket, no program.  inputs is NULL-terminated.
 */
int
whoop_sandbox_import(struct whoop *w, const char *db,
    const char *const *inputs)
{
	const char	*rw[3], **ro, *slash;
	char		*dir = NULL;
	size_t		 n = 0, i;
	int		 rc, rc2;

	for (i = 0; inputs != NULL && inputs[i] != NULL; i++)
		continue;
	if ((ro = calloc(i + 4, sizeof(*ro))) == NULL)
		return whoop_seterrno(w, WHOOP_E_NOMEM, "malloc");
	if (db != NULL && *db != '\0') {
		if ((slash = strrchr(db, '/')) == NULL)
			dir = strdup(".");
		else if (slash == db)
			dir = strdup("/");
		else
			dir = strndup(db, (size_t)(slash - db));
		if (dir == NULL) {
			free(ro);
			return whoop_seterrno(w, WHOOP_E_NOMEM, "malloc");
		}
	}
	rw[0] = sqlite_tmpdir();
	rw[1] = dir;
	rw[2] = NULL;
	ro[n++] = "/dev/urandom";
	ro[n++] = "/etc/localtime";
	ro[n++] = "/usr/share/zoneinfo";
	for (i = 0; inputs != NULL && inputs[i] != NULL; i++)
		ro[n++] = inputs[i];
	ro[n] = NULL;
	rc = whoop_sandbox_landlock(w, rw, ro);
	free(dir);
	free(ro);
	if (rc == -1)
		return -1;
	if ((rc2 = whoop_sandbox_nonet(w)) == -1)
		return -1;
	return rc == 1 || rc2 == 1 ? 1 : 0;
}
