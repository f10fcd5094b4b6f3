/*
 * Unit tests: key files (create, load, every refusal), key ids, keys from
 * a key command in raw, hex and base64, and the command's failures.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "extern.h"
#include "tap.h"

static char	 dir[256];

/* A path under the test directory, in one of a few rotating buffers. */
static const char *
P(const char *name)
{
	static char	 buf[8][512];
	static int	 i;
	char		*b = buf[i++ % 8];
	int		 n;

	n = snprintf(b, sizeof(buf[0]), "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= sizeof(buf[0]))
		abort();
	return b;
}

static void
put(const char *path, const void *data, size_t len, mode_t mode)
{
	int	 fd;

	(void)unlink(path);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600)) == -1 ||
	    write(fd, data, len) != (ssize_t)len || fchmod(fd, mode) == -1 ||
	    close(fd) == -1) {
		perror(path);
		abort();
	}
}

static int
has(const struct whoop *w, const char *s)
{
	if (strstr(whoop_errmsg(w), s) != NULL)
		return 1;
	diag("message \"%s\" lacks \"%s\"", whoop_errmsg(w), s);
	return 0;
}

static int
allzero(const void *p, size_t n)
{
	const unsigned char *c = p;

	while (n-- > 0)
		if (*c++ != 0)
			return 0;
	return 1;
}

/* Expect a refusal of the key file: WHOOP_E_CONFIG, two message parts. */
static void
refused(struct whoop *w, const char *path, const char *m1, const char *m2,
    const char *what)
{
	struct whoop_key k;

	memset(&k, 0x55, sizeof(k));
	ok(whoop_key_load(w, path, NULL, &k) == -1 &&
	    whoop_errcode(w) == WHOOP_E_CONFIG &&
	    whoop_exitcode(w) == WHOOP_EXIT_CONFIG && has(w, m1) &&
	    (m2 == NULL || has(w, m2)) && allzero(&k, sizeof(k)),
	    "%s refused (exit 78), key wiped", what);
}

/* The id, computed here independently of key.c. */
static void
expect_id(const unsigned char *key, unsigned char *id)
{
	unsigned char	 buf[15 + 32], md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen;

	memcpy(buf, "whoop-key-id-v1", 15);
	memcpy(buf + 15, key, 32);
	if (EVP_Digest(buf, sizeof(buf), md, &mdlen, EVP_sha256(),
	    NULL) != 1)
		abort();
	memcpy(id, md, 8);
}

static int cmdkey(struct whoop *, struct whoop_key *, const char *, ...)
    WHOOP_PRINTF(3, 4);

/* Load a key from the command line made by fmt (no key file exists). */
static int
cmdkey(struct whoop *w, struct whoop_key *k, const char *fmt, ...)
{
	va_list	 ap;
	char	 cmd[1024];
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(cmd))
		abort();
	memset(k, 0x55, sizeof(*k));
	return whoop_key_load(w, P("no-such-key"), cmd, k);
}

static int
count_entries(const char *d)
{
	DIR		*dp;
	struct dirent	*de;
	int		 n = 0;

	if ((dp = opendir(d)) == NULL)
		return -1;
	while ((de = readdir(dp)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			n++;
	closedir(dp);
	return n;
}

static void
test_files(struct whoop *w)
{
	struct whoop_key k, k2;
	struct stat	 st;
	unsigned char	 raw[33], id[8];
	char		 key[512];
	int		 fd;

	memset(&st, 0, sizeof(st));
	/* P() rotates its buffers: keep this one. */
	(void)snprintf(key, sizeof(key), "%s", P("sub/key"));

	if (mkdir(P("sub"), 0700) == -1)
		abort();
	umask(022);
	ok(whoop_key_create(w, key) == 0, "create key file");
	if (stat(key, &st) == -1)
		memset(&st, 0, sizeof(st));
	ok((st.st_mode & 07777) == 0600, "0600 under umask 022 (%04o)",
	    (unsigned)(st.st_mode & 07777));
	ok(st.st_size == 32, "32 bytes");
	ok(count_entries(P("sub")) == 1, "no temporary file left behind");
	umask(0377);
	memset(&st, 0, sizeof(st));
	ok(whoop_key_create(w, P("sub/k0377")) == 0 &&
	    stat(P("sub/k0377"), &st) == 0 && (st.st_mode & 07777) == 0600,
	    "0600 under umask 0377 too (fchmod)");
	(void)unlink(P("sub/k0377"));
	umask(077);

	ok(whoop_key_load(w, key, NULL, &k) == 0, "load it");
	fd = open(key, O_RDONLY);
	ok(fd != -1 && read(fd, raw, sizeof(raw)) == 32 &&
	    memcmp(raw, k.k, 32) == 0, "loaded bytes are the file's");
	if (fd != -1)
		close(fd);
	expect_id(k.k, id);
	ok(memcmp(id, k.id, 8) == 0, "id = SHA-256(label || key)[0..8]");
	ok(whoop_key_load(w, key, "", &k2) == 0 &&
	    memcmp(k.id, k2.id, 8) == 0 && memcmp(k.k, k2.k, 32) == 0,
	    "loads again to the same key and id (empty key_command: file)");
	ok(!allzero(k.k, 32), "key is not all zero");

	ok(whoop_key_create(w, key) == -1 &&
	    whoop_errcode(w) == WHOOP_E_CONFIG && has(w, "already exists"),
	    "create refuses an existing file");
	ok(whoop_key_load(w, key, NULL, &k2) == 0 &&
	    memcmp(k.k, k2.k, 32) == 0, "and left it as it was");
	if (symlink(P("elsewhere"), P("dangling")) == -1)
		abort();
	ok(whoop_key_create(w, P("dangling")) == -1 &&
	    has(w, "already exists") && access(P("elsewhere"), F_OK) == -1,
	    "create refuses a dangling symlink, creates no target");
	ok(whoop_key_create(w, P("nodir/key")) == -1 &&
	    whoop_errcode(w) == WHOOP_E_IO, "create in a missing directory");
	ok(whoop_key_create(w, P("k2")) == 0 && whoop_key_load(w, P("k2"),
	    NULL, &k2) == 0 && memcmp(k.k, k2.k, 32) != 0 &&
	    memcmp(k.id, k2.id, 8) != 0, "a second key differs, and its id");

	/* Loose modes. */
	chmod(key, 0640);
	refused(w, key, "readable or writable by others (mode 0640)",
	    "run: chmod 600 ", "mode 0640");
	chmod(key, 0604);
	refused(w, key, "(mode 0604)", "chmod 600", "mode 0604");
	chmod(key, 0644);
	refused(w, key, "(mode 0644)", "chmod 600", "mode 0644");
	chmod(key, 0620);
	refused(w, key, "(mode 0620)", NULL, "mode 0620 (group write)");
	chmod(key, 0400);
	ok(whoop_key_load(w, key, NULL, &k2) == 0, "mode 0400 is fine");
	chmod(key, 0600);

	if (symlink(key, P("link")) == -1)
		abort();
	refused(w, P("link"), "symbolic link", "refusing",
	    "symlink to a good key");

	memset(raw, 7, sizeof(raw));
	put(P("short"), raw, 31, 0600);
	refused(w, P("short"), "is 31 bytes, not 32",
	    "it is not a whoop key", "31-byte file");
	put(P("long"), raw, 33, 0600);
	refused(w, P("long"), "is 33 bytes, not 32", NULL, "33-byte file");
	put(P("empty"), raw, 0, 0600);
	refused(w, P("empty"), "is 0 bytes", NULL, "empty file");
	refused(w, P("sub"), "not a regular file", NULL, "directory");
	if (mkfifo(P("fifo"), 0600) == -1)
		abort();
	refused(w, P("fifo"), "not a regular file", NULL,
	    "FIFO (without hanging)");
	refused(w, P("missing"), "no key file at ",
	    "run whoop-auth to create one", "missing file");
	ok(has(w, P("missing")), "message names the path");
	refused(w, NULL, "no key file", NULL, "no path at all");

	if (geteuid() == 0) {
		put(P("foreign"), raw, 32, 0600);
		if (chown(P("foreign"), 65534, 65534) == -1)
			abort();
		refused(w, P("foreign"), "owned by uid 65534, not you", NULL,
		    "file owned by another user");
	} else
		skip(1, "owner check needs root to chown");

	ok(whoop_key_load(NULL, key, NULL, &k2) == 0, "NULL handle allowed");
	whoop_key_wipe(&k);
	whoop_key_wipe(&k2);
}

static void
tohex(char *out, const unsigned char *in, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t	 i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hex[in[i] >> 4];
		out[2 * i + 1] = hex[in[i] & 0xf];
	}
	out[2 * n] = '\0';
}

static void
test_command(struct whoop *w)
{
	struct whoop_key k;
	unsigned char	 key[32], big[5000];
	char		 txt[128], path[600];
	size_t		 i;
	int		 n;

	/* 0xfb 0xff 0xbf encode as "+/+/" or "-_-_": both alphabets seen. */
	for (i = 0; i < 32; i++)
		key[i] = (unsigned char)(i * 37 + 11);
	key[0] = 0xfb;
	key[1] = 0xff;
	key[2] = 0xbf;
	key[31] = 0x0a;		/* raw key ending in a newline byte */

	put(P("raw"), key, 32, 0600);
	ok(cmdkey(w, &k, "cat %s", P("raw")) == 0 &&
	    memcmp(k.k, key, 32) == 0, "raw 32 bytes");
	ok(cmdkey(w, &k, "sh -c 'cat \"$0\"; echo' %s", P("raw")) == 0 &&
	    memcmp(k.k, key, 32) == 0, "raw 32 bytes and a newline");

	tohex(txt, key, 32);
	txt[64] = '\n';
	txt[65] = '\0';
	put(P("hex"), txt, 65, 0600);
	ok(cmdkey(w, &k, "cat %s", P("hex")) == 0 &&
	    memcmp(k.k, key, 32) == 0, "hex and a newline");
	for (i = 0; i < 64; i++)
		if (txt[i] >= 'a' && txt[i] <= 'f')
			txt[i] = (char)(txt[i] - 'a' + 'A');
	put(P("HEX"), txt, 64, 0600);
	ok(cmdkey(w, &k, "cat %s", P("HEX")) == 0 &&
	    memcmp(k.k, key, 32) == 0, "upper-case hex, no newline");
	txt[64] = '\n';
	txt[65] = '\n';
	put(P("hex2"), txt, 66, 0600);
	ok(cmdkey(w, &k, "cat %s", P("hex2")) == -1 &&
	    whoop_errcode(w) == WHOOP_E_CONFIG &&
	    has(w, "key_command output is not a 32-byte key (raw, hex or "
	    "base64)") && allzero(&k, sizeof(k)),
	    "hex and two newlines refused, key wiped");

	n = EVP_EncodeBlock((unsigned char *)txt, key, 32);
	ok(n == 44 && txt[43] == '=' && strchr(txt, '+') != NULL &&
	    strchr(txt, '/') != NULL, "base64 text has + / =");
	put(P("b64"), txt, 44, 0600);
	ok(cmdkey(w, &k, "cat %s", P("b64")) == 0 &&
	    memcmp(k.k, key, 32) == 0, "base64, padded, no newline");
	txt[44] = '\n';
	put(P("b64nl"), txt, 45, 0600);
	ok(cmdkey(w, &k, "cat %s", P("b64nl")) == 0 &&
	    memcmp(k.k, key, 32) == 0, "base64, padded, newline");
	txt[43] = '\n';
	put(P("b64np"), txt, 44, 0600);
	ok(cmdkey(w, &k, "cat %s", P("b64np")) == 0 &&
	    memcmp(k.k, key, 32) == 0, "base64, unpadded, newline");
	for (i = 0; i < 43; i++)
		if (txt[i] == '+')
			txt[i] = '-';
		else if (txt[i] == '/')
			txt[i] = '_';
	put(P("b64url"), txt, 43, 0600);
	ok(cmdkey(w, &k, "cat %s", P("b64url")) == 0 &&
	    memcmp(k.k, key, 32) == 0, "base64url, unpadded");
	expect_id(key, (unsigned char *)txt + 64);
	ok(memcmp(k.id, txt + 64, 8) == 0, "key command key has its id");
	txt[2] = '+';	/* "-_+_..." */
	put(P("b64mix"), txt, 43, 0600);
	ok(cmdkey(w, &k, "cat %s", P("b64mix")) == -1 &&
	    has(w, "not a 32-byte key"), "mixed base64 alphabets refused");
	/* The last digit's two spare bits must be zero. */
	(void)EVP_EncodeBlock((unsigned char *)txt, key, 32);
	txt[42] = txt[42] == 'B' ? 'C' : 'B';	/* 000001, 000010 */
	put(P("b64bits"), txt, 44, 0600);
	ok(cmdkey(w, &k, "cat %s", P("b64bits")) == -1,
	    "non-canonical base64 refused");

	/* A path with a space, quoted: the words reach cat intact. */
	if (mkdir(P("with space"), 0700) == -1)
		abort();
	put(P("with space/raw"), key, 32, 0600);
	(void)snprintf(path, sizeof(path), "%s", P("with space/raw"));
	ok(cmdkey(w, &k, "cat '%s'", path) == 0 &&
	    memcmp(k.k, key, 32) == 0, "quoted path with a space");

	ok(cmdkey(w, &k, "%s", "false") == -1 &&
	    whoop_errcode(w) == WHOOP_E_CONFIG &&
	    has(w, "key_command: command \"false\" exited with status 1") &&
	    allzero(&k, sizeof(k)), "failing key command (false)");
	ok(cmdkey(w, &k, "%s", "whoop-no-such-command-7d1e --secret") ==
	    -1 && whoop_errcode(w) == WHOOP_E_CONFIG &&
	    has(w, "command \"whoop-no-such-command-7d1e\" not found") &&
	    strstr(whoop_errmsg(w), "--secret") == NULL,
	    "key command not found, args not shown");
	ok(cmdkey(w, &k, "%s", "echo hello") == -1 &&
	    has(w, "not a 32-byte key"), "wrong length output refused");
	ok(cmdkey(w, &k, "%s", "true") == -1 &&
	    has(w, "not a 32-byte key"), "empty output refused");
	ok(cmdkey(w, &k, "%s", "printf %064d 0") == 0 &&
	    allzero(k.k, 32), "64 hex zeros are a (silly) key");
	memset(txt, 'z', 64);
	put(P("nothex"), txt, 64, 0600);
	ok(cmdkey(w, &k, "cat %s", P("nothex")) == -1 &&
	    has(w, "not a 32-byte key"), "64 non-hex chars refused");
	memset(big, 'A', sizeof(big));
	put(P("big"), big, sizeof(big), 0600);
	ok(cmdkey(w, &k, "cat %s", P("big")) == -1 &&
	    whoop_errcode(w) == WHOOP_E_CONFIG &&
	    has(w, "exceeds 4096 bytes") && allzero(&k, sizeof(k)),
	    "oversize output refused");
	ok(cmdkey(w, &k, "%s", "echo 'unterminated") == -1 &&
	    whoop_errcode(w) == WHOOP_E_CONFIG, "bad quoting refused");
	ok(cmdkey(w, &k, "%s", "cat /dev/null") == -1 &&
	    whoop_exitcode(w) == WHOOP_EXIT_CONFIG, "exit status 78");
	whoop_key_wipe(&k);
}

int
main(void)
{
	struct whoop	*w = whoop_new();
	struct whoop_key a, b;
	unsigned char	 r1[64], r2[64], id[8];
	const char	*tmp = getenv("TMPDIR");
	char		 cmd[600];
	int		 n;

	ok(w != NULL, "handle");
	if (tmp == NULL || *tmp == '\0')
		tmp = "/tmp";
	n = snprintf(dir, sizeof(dir), "%s/test-key.XXXXXX", tmp);
	if (n < 0 || (size_t)n >= sizeof(dir) || mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}

	ok(whoop_random(w, r1, sizeof(r1)) == 0 &&
	    whoop_random(w, r2, sizeof(r2)) == 0 &&
	    memcmp(r1, r2, sizeof(r1)) != 0, "random bytes differ");
	ok(whoop_random(w, r1, 0) == 0, "zero random bytes is fine");
	ok(whoop_key_generate(w, &a) == 0 && whoop_key_generate(w, &b) == 0 &&
	    memcmp(a.k, b.k, 32) != 0, "generated keys differ");
	expect_id(a.k, id);
	ok(memcmp(id, a.id, 8) == 0, "generated key has its id");
	memset(a.id, 0, 8);
	whoop_key_setid(&a);
	ok(memcmp(id, a.id, 8) == 0, "setid recomputes it");
	whoop_key_wipe(&a);
	ok(allzero(&a, sizeof(a)), "wipe zeroes the key and id");
	whoop_key_wipe(&b);
	whoop_key_wipe(NULL);

	test_files(w);
	test_command(w);

	(void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ok(system(cmd) == 0, "clean up");
	whoop_free(w);
	return done_testing();
}
