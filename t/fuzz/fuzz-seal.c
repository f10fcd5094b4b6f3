/*
 * Fuzz target: the sealed-column decoder.  The input is tried as a blob
 * as it is, and again relabelled with the test key's id so that the
 * decryption and tag check are reached; then it is sealed as a
 * plaintext and opened again.
 *
 * Invariants: no forged blob opens, and a refusal leaves no plaintext;
 * a sealed value is the plaintext plus 37 bytes with the version and the
 * key id in front, opens to exactly the plaintext (NUL after it), and
 * fails to open with any one bit flipped, under another column or
 * account, or with a byte cut off.
 */
#include "whoop.h"
#include "fuzz.h"

#define TABLE	"accounts"
#define COLUMN	"access_token"
#define ACCOUNT	INT64_C(10129)

static struct whoop_key key;

static void
setkey(void)
{
	static int	 done;
	size_t		 i;

	if (done++)
		return;
	for (i = 0; i < WHOOP_KEY_LEN; i++)
		key.k[i] = (unsigned char)i;
	whoop_key_setid(&key);
}

/* blob must not open; nothing may be left in the outputs. */
static void
must_fail(struct whoop *w, const char *column, int64_t account,
    const unsigned char *blob, size_t len)
{
	unsigned char	*pt = (unsigned char *)"x";
	size_t		 ptlen = 1;

	whoop_clearerr(w);
	FUZZ_CHECK(whoop_unseal(w, &key, TABLE, column, account, blob, len,
	    &pt, &ptlen) == -1);
	FUZZ_CHECK(pt == NULL && ptlen == 0);
	FUZZ_CHECK(whoop_errcode(w) == WHOOP_E_SEAL ||
	    whoop_errcode(w) == WHOOP_E_KEY_WRONG);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct whoop	*w;
	unsigned char	*blob = NULL, *copy, *pt = NULL;
	size_t		 bloblen = 0, ptlen = 0, pos;

	setkey();
	if ((w = whoop_new()) == NULL)
		abort();

	/* As stored: a random blob is refused, whatever it holds. */
	must_fail(w, COLUMN, ACCOUNT, data, size);

	/* Under the right key id, the tag check is what refuses it. */
	if (size >= 1 + WHOOP_KEYID_LEN) {
		if ((copy = malloc(size)) == NULL)
			abort();
		memcpy(copy, data, size);
		copy[0] = WHOOP_SEAL_VERSION;
		memcpy(copy + 1, key.id, WHOOP_KEYID_LEN);
		must_fail(w, COLUMN, ACCOUNT, copy, size);
		free(copy);
	}

	/* Round trip of the input as a plaintext. */
	FUZZ_CHECK(whoop_seal(w, &key, TABLE, COLUMN, ACCOUNT, data, size,
	    &blob, &bloblen) == 0);
	FUZZ_CHECK(blob != NULL && bloblen == size + WHOOP_SEAL_OVERHEAD);
	FUZZ_CHECK(blob[0] == WHOOP_SEAL_VERSION);
	FUZZ_CHECK(memcmp(blob + 1, key.id, WHOOP_KEYID_LEN) == 0);
	FUZZ_CHECK(whoop_unseal(w, &key, TABLE, COLUMN, ACCOUNT, blob,
	    bloblen, &pt, &ptlen) == 0);
	FUZZ_CHECK(pt != NULL && ptlen == size && pt[ptlen] == '\0');
	FUZZ_CHECK(size == 0 || memcmp(pt, data, size) == 0);
	whoop_freezero(pt, ptlen + 1);

	/* Moved, relabelled or truncated, it no longer opens. */
	must_fail(w, "refresh_token", ACCOUNT, blob, bloblen);
	must_fail(w, COLUMN, ACCOUNT + 1, blob, bloblen);
	must_fail(w, COLUMN, ACCOUNT, blob, bloblen - 1);
	pos = (size * 31 + (size > 0 ? data[0] : 0)) % bloblen;
	blob[pos] ^= (unsigned char)(1u << (size % 8));
	must_fail(w, COLUMN, ACCOUNT, blob, bloblen);

	whoop_freezero(blob, bloblen);
	whoop_free(w);
	return 0;
}
