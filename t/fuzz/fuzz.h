/*
 * Shared by the fuzz targets in t/fuzz: the libFuzzer entry point and a
 * check that aborts on a violated invariant, so that libFuzzer saves the
 * input and the replay driver fails loudly.
 */
#ifndef WHOOP_FUZZ_H
#define WHOOP_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define FUZZ_CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: invariant violated: %s\n",	\
		    __FILE__, __LINE__, #cond);				\
		abort();						\
	}								\
} while (0)

/*
 * The input as a NUL-terminated string, for functions that take one.
 * The caller frees it.  Bytes after an embedded NUL are simply unseen.
 */
static inline char *
fuzz_str(const uint8_t *data, size_t size)
{
	char	*s;

	if ((s = malloc(size + 1)) == NULL)
		abort();
	if (size > 0)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* Nothing a library message says may quote a canary from the input. */
#define FUZZ_CANARY	"WHOOPCANARY"

#endif /* WHOOP_FUZZ_H */
