/*
 * A small reader for ZIP archives (APPNOTE.TXT): the central directory,
 * and stored or deflated entries streamed through zlib, for the WHOOP
 * app's export.  Nothing is ever written to disk, so entry names are
 * only ever shown (escaped), never used as paths.
 *
 * Everything read is bounded before it is trusted: the central
 * directory must lie inside the file and below WHOOP_ZIP_MAXDIR bytes,
 * an entry's data inside the file before the directory, its declared
 * size below WHOOP_ZIP_MAXENTRY, and inflation stops with an error the
 * moment the output passes the declared size (a ZIP bomb lies about it)
 * or the input runs out before the deflate stream ends.  The CRC-32 of
 * every entry read to its end is checked.  Refused with a clear message:
 * ZIP64, multi-disk and encrypted archives, methods other than stored
 * and deflate.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "extern.h"

#define EOCD_LEN	22
#define CDH_LEN		46
#define LFH_LEN		30
#define MAXCOMMENT	65535
#define MAXNAME		1024
#define INBUF		(64 * 1024)

struct zent {
	char		*name;		/* as stored, NUL-terminated */
	uint32_t	 crc;
	uint64_t	 csize, usize;
	uint64_t	 lho;		/* local header offset */
	uint16_t	 method, flags;
};

struct whoop_zip {
	struct whoop	*w;
	int		 fd;
	char		 name[256];	/* escaped path, for messages */
	uint64_t	 fsize;
	uint64_t	 cdoff;
	struct zent	*ents;
	size_t		 nents;
};

struct whoop_zipentry {
	struct whoop_zip *z;
	const struct zent *e;
	char		 ename[256];	/* escaped entry name */
	uint64_t	 pos, cleft;	/* file offset, compressed bytes left */
	uint64_t	 out;		/* bytes given out */
	uint32_t	 crc;
	int		 inflating;	/* z_stream initialised */
	int		 done;
	int		 failed;	/* every later read fails too */
	z_stream	 zs;
	unsigned char	 in[INBUF];
};

static uint16_t
le16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t
le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

/* Read exactly len bytes at off; -1 with the error on the handle. */
static int
readat(struct whoop_zip *z, void *buf, size_t len, uint64_t off)
{
	unsigned char	*p = buf;
	ssize_t		 n;

	if (off > z->fsize || len > z->fsize - off)
		return whoop_seterr(z->w, WHOOP_E_PARSE, "%s: truncated ZIP "
		    "archive (a record lies past the end of the file)",
		    z->name);
	while (len > 0) {
		n = pread(z->fd, p, len, (off_t)off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return whoop_seterrno(z->w, WHOOP_E_IO, "%s", z->name);
		if (n == 0)
			return whoop_seterr(z->w, WHOOP_E_PARSE, "%s: truncated "
			    "ZIP archive", z->name);
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

/*
 * The end of central directory record: the last "PK\5\6" whose comment
 * length reaches exactly to the end of the file.
 */
static int
find_eocd(struct whoop_zip *z, unsigned char *rec)
{
	unsigned char	*buf;
	size_t		 len, i;
	uint64_t	 start;
	int		 rc = -1;

	if (z->fsize < EOCD_LEN)
		return whoop_seterr(z->w, WHOOP_E_PARSE, "%s: not a ZIP archive,"
		    " or truncated (no end of central directory)", z->name);
	len = z->fsize < EOCD_LEN + MAXCOMMENT ? (size_t)z->fsize :
	    EOCD_LEN + MAXCOMMENT;
	start = z->fsize - len;
	/* calloc: gcc's -fanalyzer cannot see that readat fills it. */
	if ((buf = calloc(1, len)) == NULL)
		return whoop_seterr(z->w, WHOOP_E_NOMEM, "out of memory");
	if (readat(z, buf, len, start) == -1)
		goto out;
	for (i = len - EOCD_LEN + 1; i-- > 0;) {
		if (memcmp(buf + i, "PK\5\6", 4) == 0 &&
		    i + EOCD_LEN + le16(buf + i + 20) == len) {
			memcpy(rec, buf + i, EOCD_LEN);
			z->cdoff = start + i;	/* for now: where the EOCD is */
			rc = 0;
			goto out;
		}
	}
	whoop_seterr(z->w, WHOOP_E_PARSE, "%s: not a ZIP archive, or "
	    "truncated (no end of central directory)", z->name);
out:
	free(buf);
	return rc;
}

static int
read_directory(struct whoop_zip *z)
{
	unsigned char	 eocd[EOCD_LEN] = { 0 }, *cd = NULL, *p;
	uint64_t	 eocdpos, cdsize, cdoff;
	size_t		 n, i, left, nlen, xlen, clen;
	struct zent	*e;
	int		 rc = -1;

	if (find_eocd(z, eocd) == -1)
		return -1;
	eocdpos = z->cdoff;
	n = le16(eocd + 10);
	cdsize = le32(eocd + 12);
	cdoff = le32(eocd + 16);
	if (le16(eocd + 4) != 0 || le16(eocd + 6) != 0 ||
	    le16(eocd + 8) != n)
		return whoop_seterr(z->w, WHOOP_E_PARSE, "%s: a multi-disk ZIP "
		    "archive: not supported", z->name);
	if (n == 0xffff || cdsize == 0xffffffff || cdoff == 0xffffffff)
		return whoop_seterr(z->w, WHOOP_E_PARSE, "%s: a ZIP64 archive: "
		    "not supported", z->name);
	if (cdoff > eocdpos || cdsize != eocdpos - cdoff)
		return whoop_seterr(z->w, WHOOP_E_PARSE, "%s: damaged or "
		    "truncated ZIP archive (central directory out of place)",
		    z->name);
	if (cdsize > WHOOP_ZIP_MAXDIR)
		return whoop_seterr(z->w, WHOOP_E_PARSE, "%s: central directory "
		    "of %llu bytes, over the limit of %d", z->name,
		    (unsigned long long)cdsize, WHOOP_ZIP_MAXDIR);
	z->cdoff = cdoff;
	if (n == 0)
		return 0;
	if ((cd = calloc(1, (size_t)cdsize + 1)) == NULL ||
	    (z->ents = calloc(n, sizeof(*z->ents))) == NULL) {
		whoop_seterr(z->w, WHOOP_E_NOMEM, "out of memory");
		goto out;
	}
	if (readat(z, cd, (size_t)cdsize, cdoff) == -1)
		goto out;
	p = cd;
	left = (size_t)cdsize;
	for (i = 0; i < n; i++) {
		if (left < CDH_LEN || memcmp(p, "PK\1\2", 4) != 0) {
			whoop_seterr(z->w, WHOOP_E_PARSE, "%s: damaged ZIP "
			    "archive (central directory entry %zu)", z->name,
			    i + 1);
			goto out;
		}
		nlen = le16(p + 28);
		xlen = le16(p + 30);
		clen = le16(p + 32);
		if (CDH_LEN + nlen + xlen + clen > left || nlen == 0 ||
		    nlen > MAXNAME) {
			whoop_seterr(z->w, WHOOP_E_PARSE, "%s: damaged ZIP "
			    "archive (central directory entry %zu)", z->name,
			    i + 1);
			goto out;
		}
		e = &z->ents[i];
		e->flags = le16(p + 8);
		e->method = le16(p + 10);
		e->crc = le32(p + 16);
		e->csize = le32(p + 20);
		e->usize = le32(p + 24);
		e->lho = le32(p + 42);
		if ((e->name = malloc(nlen + 1)) == NULL) {
			whoop_seterr(z->w, WHOOP_E_NOMEM, "out of memory");
			goto out;
		}
		memcpy(e->name, p + CDH_LEN, nlen);
		e->name[nlen] = '\0';
		z->nents = i + 1;
		if (memchr(e->name, '\0', nlen) != NULL) {
			whoop_seterr(z->w, WHOOP_E_PARSE, "%s: damaged ZIP "
			    "archive (a NUL byte in the name of entry %zu)",
			    z->name, i + 1);
			goto out;
		}
		if (e->csize == 0xffffffff || e->usize == 0xffffffff ||
		    e->lho == 0xffffffff) {
			whoop_seterr(z->w, WHOOP_E_PARSE, "%s: a ZIP64 archive: "
			    "not supported", z->name);
			goto out;
		}
		p += CDH_LEN + nlen + xlen + clen;
		left -= CDH_LEN + nlen + xlen + clen;
	}
	rc = 0;
out:
	free(cd);
	return rc;
}

struct whoop_zip *
whoop_zip_open(struct whoop *w, const char *path)
{
	struct whoop_zip	*z;
	struct stat		 sb;

	if ((z = calloc(1, sizeof(*z))) == NULL) {
		whoop_seterr(w, WHOOP_E_NOMEM, "out of memory");
		return NULL;
	}
	z->w = w;
	whoop_escape(z->name, sizeof(z->name), path, strlen(path));
	if ((z->fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		whoop_seterrno(w, WHOOP_E_IO, "%s", z->name);
		free(z);
		return NULL;
	}
	if (fstat(z->fd, &sb) == -1) {
		whoop_seterrno(w, WHOOP_E_IO, "%s", z->name);
		goto fail;
	}
	if (!S_ISREG(sb.st_mode)) {
		whoop_seterr(w, WHOOP_E_IO, "%s: not a regular file", z->name);
		goto fail;
	}
	z->fsize = (uint64_t)sb.st_size;
	if (read_directory(z) == -1)
		goto fail;
	return z;
fail:
	whoop_zip_close(z);
	return NULL;
}

void
whoop_zip_close(struct whoop_zip *z)
{
	size_t	 i;

	if (z == NULL)
		return;
	for (i = 0; i < z->nents; i++)
		free(z->ents[i].name);
	free(z->ents);
	if (z->fd != -1)
		close(z->fd);
	free(z);
}

size_t
whoop_zip_count(const struct whoop_zip *z)
{
	return z->nents;
}

/* Entry i's name as stored (not escaped), NULL past the end. */
const char *
whoop_zip_name(const struct whoop_zip *z, size_t i)
{
	return i < z->nents ? z->ents[i].name : NULL;
}

struct whoop_zipentry *
whoop_zip_entry_open(struct whoop_zip *z, size_t i)
{
	struct whoop_zipentry	*ze;
	const struct zent	*e;
	unsigned char		 lfh[LFH_LEN] = { 0 };
	uint64_t		 data;

	if (i >= z->nents) {
		whoop_seterr(z->w, WHOOP_E_FAIL, "%s: no entry %zu", z->name, i);
		return NULL;
	}
	if ((ze = calloc(1, sizeof(*ze))) == NULL) {
		whoop_seterr(z->w, WHOOP_E_NOMEM, "out of memory");
		return NULL;
	}
	e = &z->ents[i];
	ze->z = z;
	ze->e = e;
	whoop_escape(ze->ename, sizeof(ze->ename), e->name, strlen(e->name));
	if (e->flags & 0x0001) {
		whoop_seterr(z->w, WHOOP_E_PARSE, "%s: %s is encrypted: not "
		    "supported", z->name, ze->ename);
		goto fail;
	}
	if (e->method != 0 && e->method != 8) {
		whoop_seterr(z->w, WHOOP_E_PARSE, "%s: %s: compression method "
		    "%u is not supported (only stored and deflate)", z->name,
		    ze->ename, e->method);
		goto fail;
	}
	if (e->usize > WHOOP_ZIP_MAXENTRY) {
		whoop_seterr(z->w, WHOOP_E_PARSE, "%s: %s: declares %llu bytes, "
		    "over the limit of %llu", z->name, ze->ename,
		    (unsigned long long)e->usize,
		    (unsigned long long)WHOOP_ZIP_MAXENTRY);
		goto fail;
	}
	if (e->method == 0 && e->csize != e->usize) {
		whoop_seterr(z->w, WHOOP_E_PARSE, "%s: %s: damaged (stored "
		    "sizes differ)", z->name, ze->ename);
		goto fail;
	}
	if (readat(z, lfh, sizeof(lfh), e->lho) == -1)
		goto fail;
	if (memcmp(lfh, "PK\3\4", 4) != 0) {
		whoop_seterr(z->w, WHOOP_E_PARSE, "%s: %s: damaged ZIP archive "
		    "(no local header)", z->name, ze->ename);
		goto fail;
	}
	data = e->lho + LFH_LEN + le16(lfh + 26) + le16(lfh + 28);
	/* The data lies before the central directory, wholly. */
	if (data > z->cdoff || e->csize > z->cdoff - data) {
		whoop_seterr(z->w, WHOOP_E_PARSE, "%s: %s: damaged or "
		    "truncated ZIP archive (data out of place)", z->name,
		    ze->ename);
		goto fail;
	}
	ze->pos = data;
	ze->cleft = e->csize;
	ze->crc = (uint32_t)crc32(0L, Z_NULL, 0);
	if (e->method == 8) {
		if (inflateInit2(&ze->zs, -MAX_WBITS) != Z_OK) {
			whoop_seterr(z->w, WHOOP_E_NOMEM, "%s: zlib: cannot "
			    "start inflating", z->name);
			goto fail;
		}
		ze->inflating = 1;
	}
	return ze;
fail:
	free(ze);
	return NULL;
}

void
whoop_zip_entry_close(struct whoop_zipentry *ze)
{
	if (ze == NULL)
		return;
	if (ze->inflating)
		(void)inflateEnd(&ze->zs);
	free(ze);
}

static long
entry_fail(struct whoop_zipentry *ze, const char *why)
{
	whoop_seterr(ze->z->w, WHOOP_E_PARSE, "%s: %s: %s", ze->z->name,
	    ze->ename, why);
	return -1;
}

/* Called once all the data is out: sizes and CRC-32 must agree. */
static long
entry_end(struct whoop_zipentry *ze)
{
	ze->done = 1;
	if (ze->out != ze->e->usize)
		return entry_fail(ze, "damaged (shorter than declared)");
	if (ze->crc != ze->e->crc)
		return entry_fail(ze, "damaged (CRC-32 mismatch)");
	return 0;
}

static long
entry_read(struct whoop_zipentry *ze, void *buf, size_t len)
{
	size_t	 n, got;
	int	 zrc;

	if (ze->done || len == 0)
		return 0;
	if (len > INBUF)
		len = INBUF;
	if (!ze->inflating) {
		n = ze->cleft < len ? (size_t)ze->cleft : len;
		if (n == 0)
			return entry_end(ze);
		if (readat(ze->z, buf, n, ze->pos) == -1)
			return -1;
		ze->pos += n;
		ze->cleft -= n;
		ze->out += n;
		ze->crc = (uint32_t)crc32(ze->crc, buf, (uInt)n);
		return (long)n;
	}
	ze->zs.next_out = buf;
	ze->zs.avail_out = (uInt)len;
	while (ze->zs.avail_out == len) {
		if (ze->zs.avail_in == 0) {
			if (ze->cleft == 0)
				return entry_fail(ze, "damaged or truncated "
				    "(the compressed data ends early)");
			n = ze->cleft < INBUF ? (size_t)ze->cleft : INBUF;
			if (readat(ze->z, ze->in, n, ze->pos) == -1)
				return -1;
			ze->pos += n;
			ze->cleft -= n;
			ze->zs.next_in = ze->in;
			ze->zs.avail_in = (uInt)n;
		}
		zrc = inflate(&ze->zs, Z_NO_FLUSH);
		got = len - ze->zs.avail_out;
		if (zrc != Z_OK && zrc != Z_STREAM_END && zrc != Z_BUF_ERROR)
			return entry_fail(ze, "damaged (bad deflate data)");
		if (ze->out + got > ze->e->usize)
			return entry_fail(ze, "inflates past its declared "
			    "size (a ZIP bomb?)");
		if (zrc == Z_STREAM_END) {
			ze->out += got;
			ze->crc = (uint32_t)crc32(ze->crc, buf, (uInt)got);
			if (got > 0) {
				/* Give this out; the next call checks. */
				(void)inflateEnd(&ze->zs);
				ze->inflating = 0;
				ze->cleft = 0;
				return (long)got;
			}
			(void)inflateEnd(&ze->zs);
			ze->inflating = 0;
			ze->cleft = 0;
			return entry_end(ze);
		}
		if (zrc == Z_BUF_ERROR && ze->zs.avail_in != 0)
			return entry_fail(ze, "damaged (bad deflate data)");
	}
	got = len - ze->zs.avail_out;
	ze->out += got;
	ze->crc = (uint32_t)crc32(ze->crc, buf, (uInt)got);
	return (long)got;
}

/*
 * Up to len bytes of the entry's contents; 0 at its end (once sizes and
 * CRC have been checked), -1 on error, and on every call after one.
 */
long
whoop_zip_entry_read(struct whoop_zipentry *ze, void *buf, size_t len)
{
	long	 n;

	if (ze->failed) {
		whoop_seterr(ze->z->w, WHOOP_E_PARSE, "%s: %s: read after an "
		    "error", ze->z->name, ze->ename);
		return -1;
	}
	if ((n = entry_read(ze, buf, len)) == -1)
		ze->failed = 1;
	return n;
}
