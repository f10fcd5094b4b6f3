/*
 * Wiping secrets and comparing them in constant time.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "extern.h"

void
whoop_wipe(void *p, size_t n)
{
	/* OPENSSL_cleanse is not optimised away, unlike memset. */
	if (p != NULL && n > 0)
		OPENSSL_cleanse(p, n);
}

void
whoop_freezero(void *p, size_t n)
{
	if (p == NULL)
		return;
	whoop_wipe(p, n);
	free(p);
}

void
whoop_freestr(char *s)
{
	if (s == NULL)
		return;
	whoop_freezero(s, strlen(s));
}

int
whoop_ctcmp(const void *a, const void *b, size_t n)
{
	return CRYPTO_memcmp(a, b, n) != 0;
}

int
whoop_ctstreq(const char *a, const char *b)
{
	size_t	 la, lb;

	if (a == NULL || b == NULL)
		return 0;
	la = strlen(a);
	lb = strlen(b);
	/*
	 * The lengths of a state or token are not secret (they are fixed by
	 * the protocol); their bytes are.
	 */
	if (la != lb)
		return 0;
	return CRYPTO_memcmp(a, b, la) == 0;
}
