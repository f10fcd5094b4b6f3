/*
 * Fuzz target: the ZIP reader of whoop-import (lib/zip.c).  The input
 * is the archive, handed over as a file (a memfd), since the reader
 * works on a path; every entry is opened and read to its end.
 *
 * Invariants: an archive opened lists entries with names of the length
 * they say (no NUL cut short); an entry read never gives out more bytes
 * than WHOOP_ZIP_MAXENTRY, nor more than 1032 times the archive's size
 * plus a buffer (deflate's best ratio: what a bomb cannot pass); a read
 * that fails stays failed-or-done; every error message names the
 * archive and is printable.
 */
#define _GNU_SOURCE
#include <sys/mman.h>

#include <unistd.h>

#include "whoop.h"
#include "fuzz.h"

static void
check_msg(const struct whoop *w, const char *path)
{
	const char	*msg = whoop_errmsg(w), *p;

	FUZZ_CHECK(*msg != '\0');
	if (strncmp(msg, "out of memory", 13) != 0)
		FUZZ_CHECK(strstr(msg, path) != NULL);
	for (p = msg; *p != '\0'; p++)
		FUZZ_CHECK((unsigned char)*p >= 0x20 && *p != 0x7f);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct whoop		*w;
	struct whoop_zip	*z;
	struct whoop_zipentry	*ze;
	char			 path[64], buf[65536];
	size_t			 i, n;
	uint64_t		 total;
	long			 got;
	int			 fd;

	if (size > 4 * 1024 * 1024)
		return 0;
	if ((fd = memfd_create("fuzz-zip", 0)) == -1)
		abort();
	if (size > 0 && write(fd, data, size) != (ssize_t)size)
		abort();
	(void)snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if ((w = whoop_new()) == NULL)
		abort();
	if ((z = whoop_zip_open(w, path)) == NULL) {
		check_msg(w, path);
		goto out;
	}
	n = whoop_zip_count(z);
	FUZZ_CHECK(whoop_zip_name(z, n) == NULL);
	for (i = 0; i < n; i++) {
		FUZZ_CHECK(whoop_zip_name(z, i) != NULL &&
		    *whoop_zip_name(z, i) != '\0');
		whoop_clearerr(w);
		if ((ze = whoop_zip_entry_open(z, i)) == NULL) {
			check_msg(w, path);
			continue;
		}
		total = 0;
		while ((got = whoop_zip_entry_read(ze, buf, sizeof(buf))) > 0) {
			FUZZ_CHECK((size_t)got <= sizeof(buf));
			total += (uint64_t)got;
			FUZZ_CHECK(total <= WHOOP_ZIP_MAXENTRY);
			FUZZ_CHECK(total <= 1032 * (uint64_t)size +
			    sizeof(buf));
		}
		if (got == -1) {
			check_msg(w, path);
			got = whoop_zip_entry_read(ze, buf, sizeof(buf));
			FUZZ_CHECK(got <= 0);
		} else
			FUZZ_CHECK(whoop_zip_entry_read(ze, buf,
			    sizeof(buf)) == 0);
		whoop_zip_entry_close(ze);
	}
	whoop_zip_close(z);
out:
	whoop_free(w);
	close(fd);
	return 0;
}
