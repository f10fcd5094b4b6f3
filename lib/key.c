/*
 * The 32-byte key that seals secret columns: random bytes, read from a
 * private key file or from the stdout of a key command, never derived
 * from anything a user types or a host reveals.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "extern.h"

#define KEYID_LABEL	"whoop-key-id-v1"
#define KEYCMD_MAX	4096	/* bytes of key command output we read */
#define CREATE_TRIES	16	/* temporary names tried before giving up */

int
whoop_random(struct whoop *w, void *buf, size_t n)
{
	unsigned char	*p = buf;
	int		 chunk;

	if (buf == NULL && n > 0)
		return whoop_seterr(w, WHOOP_E_FAIL, "random: no buffer");
	/* RAND_bytes takes an int; ask in pieces it can count. */
	while (n > 0) {
		chunk = n > (1U << 30) ? (1 << 30) : (int)n;
		if (RAND_bytes(p, chunk) != 1) {
			whoop_wipe(buf, (size_t)(p - (unsigned char *)buf));
			return whoop_seterr(w, WHOOP_E_FAIL,
			    "the system random generator failed");
		}
		p += chunk;
		n -= (size_t)chunk;
	}
	return 0;
}

/*
 * key id = first 8 bytes of SHA-256("whoop-key-id-v1" || key).  The hash
 * is one-way, so the id can be stored next to every blob and printed.
 */
void
whoop_key_setid(struct whoop_key *key)
{
	unsigned char	 buf[sizeof(KEYID_LABEL) - 1 + WHOOP_KEY_LEN];
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen = 0;

	if (key == NULL)
		return;
	memcpy(buf, KEYID_LABEL, sizeof(KEYID_LABEL) - 1);
	memcpy(buf + sizeof(KEYID_LABEL) - 1, key->k, WHOOP_KEY_LEN);
	/*
	 * If hashing fails (it cannot, short of a broken libcrypto) the id is
	 * zero.  That fails closed: the id is only a label, and every blob is
	 * still authenticated under the key itself.
	 */
	if (EVP_Digest(buf, sizeof(buf), md, &mdlen, EVP_sha256(), NULL) != 1 ||
	    mdlen < WHOOP_KEYID_LEN)
		memset(key->id, 0, WHOOP_KEYID_LEN);
	else
		memcpy(key->id, md, WHOOP_KEYID_LEN);
	whoop_wipe(buf, sizeof(buf));
	whoop_wipe(md, sizeof(md));
}

void
whoop_key_wipe(struct whoop_key *key)
{
	whoop_wipe(key, key == NULL ? 0 : sizeof(*key));
}

int
whoop_key_generate(struct whoop *w, struct whoop_key *key)
{
	if (key == NULL)
		return whoop_seterr(w, WHOOP_E_FAIL, "key: no key");
	if (whoop_random(w, key->k, sizeof(key->k)) == -1) {
		whoop_key_wipe(key);
		return -1;
	}
	whoop_key_setid(key);
	return 0;
}

static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * One base64 digit.  *alpha remembers which alphabet the text uses (1:
 * standard "+/", 2: URL-safe "-_"), so that a mix of both is refused.
 */
static int
b64val(unsigned char c, int *alpha)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '/') {
		if (*alpha == 2)
			return -1;
		*alpha = 1;
		return c == '+' ? 62 : 63;
	}
	if (c == '-' || c == '_') {
		if (*alpha == 1)
			return -1;
		*alpha = 2;
		return c == '-' ? 62 : 63;
	}
	return -1;
}

/*
 * 32 bytes as 43 base64 digits, or 44 with the one "=" of padding.  The
 * two spare bits of the last digit must be zero, so each key has exactly
 * one spelling.
 */
static int
b64_32(const unsigned char *s, size_t len, unsigned char *out)
{
	unsigned int	 acc = 0, bits = 0;
	size_t		 i, o = 0;
	int		 v, alpha = 0, rc = -1;

	if (len == 44 && s[43] == '=')
		len = 43;
	if (len != 43)
		return -1;
	for (i = 0; i < len; i++) {
		if ((v = b64val(s[i], &alpha)) == -1)
			goto out;
		acc = (acc << 6) | (unsigned int)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(acc >> bits);
			acc &= (1U << bits) - 1;
		}
	}
	if (o == WHOOP_KEY_LEN && bits == 2 && acc == 0)
		rc = 0;
out:
	return rc;
}

/* Key command output: raw, hex or base64, nothing else. */
static int
parse_key(const unsigned char *s, size_t len, unsigned char *out)
{
	size_t	 i;
	int	 hi, lo;

	if (len == WHOOP_KEY_LEN) {
		memcpy(out, s, WHOOP_KEY_LEN);
		return 0;
	}
	if (len == 2 * WHOOP_KEY_LEN) {
		for (i = 0; i < WHOOP_KEY_LEN; i++) {
			if ((hi = hexval(s[2 * i])) == -1 ||
			    (lo = hexval(s[2 * i + 1])) == -1)
				return -1;
			out[i] = (unsigned char)(hi << 4 | lo);
		}
		return 0;
	}
	return b64_32(s, len, out);
}

static int
key_from_command(struct whoop *w, const char *cmd, struct whoop_key *key)
{
	unsigned char	*out = NULL;
	size_t		 outlen = 0;
	char		 prev[sizeof(w->errmsg)];
	int		 rc = -1;

	if (whoop_cmd_output(w, cmd, KEYCMD_MAX, &out, &outlen) == -1) {
		/* Say which command: there may be a secret command too. */
		if (w != NULL) {
			(void)snprintf(prev, sizeof(prev), "%s",
			    whoop_errmsg(w));
			whoop_seterr(w, whoop_errcode(w), "key_command: %s",
			    prev);
		}
		return -1;
	}
	/*
	 * Try the output as it is first: 32 raw bytes may end in 0x0a, and
	 * 43 base64 digits plus a newline are as long as 44 with padding.
	 */
	if (parse_key(out, outlen, key->k) == 0 ||
	    (outlen > 0 && out[outlen - 1] == '\n' &&
	    parse_key(out, outlen - 1, key->k) == 0))
		rc = 0;
	else
		whoop_seterr(w, WHOOP_E_CONFIG, "key_command output is not "
		    "a 32-byte key (raw, hex or base64)");
	whoop_freezero(out, outlen + 1);
	return rc;
}

static int
key_from_file(struct whoop *w, const char *path, struct whoop_key *key)
{
	struct stat	 st;
	unsigned char	 buf[WHOOP_KEY_LEN + 1];
	char		 esc[200];
	size_t		 got = 0;
	ssize_t		 r;
	int		 fd, rc = -1;

	if (path == NULL || *path == '\0')
		return whoop_seterr(w, WHOOP_E_CONFIG,
		    "no key file and no key_command configured");
	whoop_escape(esc, sizeof(esc), path, strlen(path));
	/*
	 * O_NOFOLLOW: a symlink could point the tools at a file someone else
	 * controls.  O_NONBLOCK: opening a FIFO must not hang; fstat below
	 * refuses anything but a regular file, where the flag does nothing.
	 */
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd == -1) {
		if (errno == ENOENT)
			return whoop_seterr(w, WHOOP_E_CONFIG, "no key file "
			    "at %s; run whoop-auth to create one", esc);
		/* Linux says ELOOP, FreeBSD EMLINK; lstat tells for sure. */
		if ((errno == ELOOP || errno == EMLINK) &&
		    lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
			return whoop_seterr(w, WHOOP_E_CONFIG, "key file %s "
			    "is a symbolic link; refusing", esc);
		return whoop_seterrno(w, WHOOP_E_CONFIG,
		    "cannot open key file %s", esc);
	}
	if (fstat(fd, &st) == -1) {
		whoop_seterrno(w, WHOOP_E_CONFIG, "key file %s", esc);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		whoop_seterr(w, WHOOP_E_CONFIG,
		    "key file %s is not a regular file", esc);
		goto out;
	}
	if (st.st_uid != geteuid()) {
		whoop_seterr(w, WHOOP_E_CONFIG,
		    "key file %s is owned by uid %lu, not you", esc,
		    (unsigned long)st.st_uid);
		goto out;
	}
	if ((st.st_mode & 077) != 0) {
		whoop_seterr(w, WHOOP_E_CONFIG, "key file %s is readable or "
		    "writable by others (mode %04o); run: chmod 600 %s", esc,
		    (unsigned int)(st.st_mode & 07777), esc);
		goto out;
	}
	if (st.st_size != WHOOP_KEY_LEN) {
		whoop_seterr(w, WHOOP_E_CONFIG, "key file %s is %lld bytes, "
		    "not %d: it is not a whoop key", esc,
		    (long long)st.st_size, WHOOP_KEY_LEN);
		goto out;
	}
	/* Read one byte more than we want, to notice a file that grew. */
	while (got < sizeof(buf)) {
		r = read(fd, buf + got, sizeof(buf) - got);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			whoop_seterrno(w, WHOOP_E_CONFIG,
			    "cannot read key file %s", esc);
			goto out;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	if (got != WHOOP_KEY_LEN) {
		whoop_seterr(w, WHOOP_E_CONFIG, "key file %s changed while "
		    "it was read", esc);
		goto out;
	}
	memcpy(key->k, buf, WHOOP_KEY_LEN);
	rc = 0;
out:
	whoop_wipe(buf, sizeof(buf));
	close(fd);
	return rc;
}

int
whoop_key_load(struct whoop *w, const char *path, const char *key_command,
    struct whoop_key *key)
{
	int	 rc;

	if (key == NULL)
		return whoop_seterr(w, WHOOP_E_FAIL, "key: no key");
	whoop_key_wipe(key);
	if (key_command != NULL && *key_command != '\0')
		rc = key_from_command(w, key_command, key);
	else
		rc = key_from_file(w, path, key);
	if (rc == -1) {
		whoop_key_wipe(key);
		return -1;
	}
	whoop_key_setid(key);
	return 0;
}

/*
 * Write the key to a new file: mode 0600 whatever the umask, every byte
 * written and synced before the file is closed.  Closes fd.
 */
static int
write_key(struct whoop *w, int fd, const unsigned char *k, const char *esc)
{
	size_t	 off = 0;
	ssize_t	 r;
	int	 rc = -1;

	if (fchmod(fd, 0600) == -1) {
		whoop_seterrno(w, WHOOP_E_IO, "key file %s: chmod", esc);
		goto out;
	}
	while (off < WHOOP_KEY_LEN) {
		r = write(fd, k + off, WHOOP_KEY_LEN - off);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			whoop_seterrno(w, WHOOP_E_IO, "key file %s: write", esc);
			goto out;
		}
		off += (size_t)r;
	}
	if (fsync(fd) == -1) {
		whoop_seterrno(w, WHOOP_E_IO, "key file %s: fsync", esc);
		goto out;
	}
	rc = 0;
out:
	/* A failed close after fsync can still mean lost data (NFS). */
	if (close(fd) == -1 && rc == 0)
		rc = whoop_seterrno(w, WHOOP_E_IO, "key file %s: close", esc);
	return rc;
}

/* Make the new directory entry durable too; not every FS can. */
static int
sync_dir(const char *path)
{
	char		 dir[PATH_MAX];
	const char	*slash;
	size_t		 n;
	int		 fd, rc = 0;

	if ((slash = strrchr(path, '/')) == NULL) {
		dir[0] = '.';
		dir[1] = '\0';
	} else {
		n = slash == path ? 1 : (size_t)(slash - path);
		if (n >= sizeof(dir)) {
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(dir, path, n);
		dir[n] = '\0';
	}
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	if (fsync(fd) == -1 && errno != EINVAL && errno != EROFS)
		rc = -1;
	close(fd);
	return rc;
}

/*
 * Create the key file straight under its name, for filesystems without
 * hard links.  O_EXCL still guarantees we never replace a key.
 */
static int
create_direct(struct whoop *w, const char *path, const unsigned char *k,
    const char *esc)
{
	int	 fd;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd == -1) {
		if (errno == EEXIST)
			return whoop_seterr(w, WHOOP_E_CONFIG,
			    "key file %s already exists", esc);
		return whoop_seterrno(w, WHOOP_E_IO,
		    "cannot create key file %s", esc);
	}
	if (write_key(w, fd, k, esc) == -1) {
		(void)unlink(path);
		return -1;
	}
	return 0;
}

/*
 * A new key is written to a temporary file beside its final name, synced,
 * then link()ed into place: link fails if the name exists, so a key is
 * never replaced, and no reader ever sees a half-written key.
 */
int
whoop_key_create(struct whoop *w, const char *path)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char	 k[WHOOP_KEY_LEN], rnd[8];
	char		 tmp[PATH_MAX], esc[200], sfx[2 * sizeof(rnd) + 1];
	struct stat	 st;
	size_t		 i;
	int		 fd = -1, n, tries, have_tmp = 0, rc = -1;

	if (path == NULL || *path == '\0')
		return whoop_seterr(w, WHOOP_E_CONFIG, "no key file path");
	whoop_escape(esc, sizeof(esc), path, strlen(path));
	if (lstat(path, &st) == 0)
		return whoop_seterr(w, WHOOP_E_CONFIG,
		    "key file %s already exists", esc);
	if (errno != ENOENT)
		return whoop_seterrno(w, WHOOP_E_IO, "key file %s", esc);
	if (whoop_random(w, k, sizeof(k)) == -1)
		return -1;

	for (tries = 0; ; tries++) {
		if (whoop_random(w, rnd, sizeof(rnd)) == -1)
			goto out;
		for (i = 0; i < sizeof(rnd); i++) {
			sfx[2 * i] = hex[rnd[i] >> 4];
			sfx[2 * i + 1] = hex[rnd[i] & 0xf];
		}
		sfx[2 * sizeof(rnd)] = '\0';
		n = snprintf(tmp, sizeof(tmp), "%s.tmp-%s", path, sfx);
		if (n < 0 || (size_t)n >= sizeof(tmp)) {
			whoop_seterr(w, WHOOP_E_CONFIG,
			    "key file path %s is too long", esc);
			goto out;
		}
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0600);
		if (fd != -1)
			break;
		if (errno != EEXIST || tries >= CREATE_TRIES) {
			whoop_seterrno(w, WHOOP_E_IO,
			    "cannot create key file %s", esc);
			goto out;
		}
	}
	have_tmp = 1;
	n = write_key(w, fd, k, esc);
	fd = -1;
	if (n == -1)
		goto out;

	if (link(tmp, path) == -1) {
		if (errno == EEXIST) {
			whoop_seterr(w, WHOOP_E_CONFIG,
			    "key file %s already exists", esc);
			goto out;
		}
		if (errno != EPERM && errno != ENOTSUP &&
		    errno != EOPNOTSUPP && errno != ENOSYS) {
			whoop_seterrno(w, WHOOP_E_IO,
			    "cannot create key file %s", esc);
			goto out;
		}
		/* No hard links here (FAT, some FUSE): O_EXCL in place. */
		(void)unlink(tmp);
		have_tmp = 0;
		if (create_direct(w, path, k, esc) == -1)
			goto out;
	}
	if (have_tmp) {
		(void)unlink(tmp);
		have_tmp = 0;
	}
	if (sync_dir(path) == -1) {
		/* Nothing is sealed under this key yet: take it back. */
		whoop_seterrno(w, WHOOP_E_IO, "key file %s: syncing its "
		    "directory", esc);
		(void)unlink(path);
		goto out;
	}
	rc = 0;
out:
	if (fd != -1)
		close(fd);
	if (have_tmp)
		(void)unlink(tmp);
	whoop_wipe(k, sizeof(k));
	return rc;
}

int
whoop_key_load_new(struct whoop *w, const char *keypath,
    struct whoop_key *key, char *newpath, size_t newpathsz)
{
	struct stat	 st;
	enum whoop_err	 code = whoop_errcode(w);
	char		 msg[sizeof(w->errmsg)];
	int		 n, rc = 0;

	whoop_key_wipe(key);
	if (keypath == NULL)
		return 0;
	n = snprintf(newpath, newpathsz, "%s.new", keypath);
	if (n < 0 || (size_t)n >= newpathsz || lstat(newpath, &st) == -1)
		return 0;
	/* Only a hint: the error already on the handle stays. */
	(void)snprintf(msg, sizeof(msg), "%s", whoop_errmsg(w));
	if (whoop_key_load(w, newpath, NULL, key) == 0)
		rc = 1;
	if (code != WHOOP_E_NONE)
		whoop_seterr(w, code, "%s", msg);
	else
		whoop_clearerr(w);
	return rc;
}
