/*
 * Replay driver for the fuzz targets: feeds every file named, or every
 * file of every directory named, to LLVMFuzzerTestOneInput once, and
 * prints TAP, one line per file.  Linked with one target and built with
 * the normal compiler, it lets make check (and check-asan, and
 * check-valgrind) run the seed corpora and saved crashes as regression
 * tests without libFuzzer.  A violated invariant aborts, which prove
 * reports with the file that was last announced.
 *
 * usage: replay-NAME file | directory ...
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"

#define INPUT_MAX	(16 * 1024 * 1024)

static int	 n, failed;

/*
 * Read the whole file into a buffer of exactly its size, so that a
 * sanitizer sees any read past the end of the input.
 */
static int
replay(const char *path)
{
	struct stat	 st;
	uint8_t		*buf;
	size_t		 off = 0, size;
	ssize_t		 r;
	int		 fd;

	n++;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &st) == -1) {
		printf("not ok %d - %s: %s\n", n, path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > INPUT_MAX) {
		printf("not ok %d - %s: not a file of at most 16 MiB\n", n,
		    path);
		goto fail;
	}
	size = (size_t)st.st_size;
	if ((buf = malloc(size > 0 ? size : 1)) == NULL) {
		perror("malloc");
		exit(1);
	}
	while (off < size) {
		r = read(fd, buf + off, size - off);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		off += (size_t)r;
	}
	close(fd);
	fd = -1;
	if (off != size) {
		printf("not ok %d - %s: short read\n", n, path);
		free(buf);
		goto fail;
	}
	/* Said first, so that a crash is pinned on this file. */
	printf("# %s (%zu bytes)\n", path, size);
	fflush(stdout);
	(void)LLVMFuzzerTestOneInput(buf, size);
	free(buf);
	printf("ok %d - %s\n", n, path);
	fflush(stdout);
	return 0;
fail:
	if (fd != -1)
		close(fd);
	failed++;
	return -1;
}

static int
notdot(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

int
main(int argc, char *argv[])
{
	struct dirent	**ents;
	struct stat	 st;
	char		 path[4096];
	int		 i, j, k;

	if (argc < 2) {
		fprintf(stderr, "usage: %s file | directory ...\n", argv[0]);
		return 2;
	}
	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) == -1 || !S_ISDIR(st.st_mode)) {
			replay(argv[i]);
			continue;
		}
		/* In name order, so that runs compare. */
		if ((k = scandir(argv[i], &ents, notdot, alphasort)) == -1) {
			printf("not ok %d - %s: %s\n", ++n, argv[i],
			    strerror(errno));
			failed++;
			continue;
		}
		for (j = 0; j < k; j++) {
			if (snprintf(path, sizeof(path), "%s/%s", argv[i],
			    ents[j]->d_name) >= (int)sizeof(path)) {
				printf("not ok %d - %s/%s: name too long\n",
				    ++n, argv[i], ents[j]->d_name);
				failed++;
			} else
				replay(path);
			free(ents[j]);
		}
		free(ents);
	}
	printf("1..%d\n", n);
	return failed > 0;
}
