/*
 * Sealed columns: AES-256-GCM over a secret, bound to where it is stored.
 *
 * blob = version(1) || key_id(8) || nonce(12) || ciphertext || tag(16)
 *
 * The associated data is
 *
 *	"whoop-seal-v1" || version || table || NUL || column || NUL ||
 *	account (8 bytes, big-endian) || key_id
 *
 * so a blob copied into another row, column or table, or relabelled with
 * another key id, fails to authenticate.  Names cannot contain NUL, so the
 * separators make the encoding unambiguous.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "extern.h"

#define SEAL_LABEL	"whoop-seal-v1"
#define SEAL_NONCE_LEN	12
#define SEAL_TAG_LEN	16
#define SEAL_HDR_LEN	(1 + WHOOP_KEYID_LEN + SEAL_NONCE_LEN)

#if WHOOP_SEAL_OVERHEAD != SEAL_HDR_LEN + SEAL_TAG_LEN
#error "WHOOP_SEAL_OVERHEAD does not match the blob layout"
#endif

/*
 * NIST SP 800-38D allows tags of 128, 120, 112, 104, 96 bits, and 64 or 32
 * bits for special uses; refuse anything else rather than let a caller
 * pass a one-byte tag.
 */
static int
taglen_ok(size_t taglen)
{
	return taglen == 4 || taglen == 8 || (taglen >= 12 && taglen <= 16);
}

/* The lengths EVP takes as int, and the lengths GCM allows. */
static int
args_ok(size_t keylen, size_t ivlen, size_t aadlen, size_t len,
    size_t taglen)
{
	if (keylen != 32 || ivlen == 0 || ivlen > INT_MAX ||
	    aadlen > INT_MAX || len > INT_MAX || !taglen_ok(taglen))
		return 0;
	return 1;
}

int
whoop_aesgcm_encrypt(const unsigned char *key, size_t keylen,
    const unsigned char *iv, size_t ivlen,
    const unsigned char *aad, size_t aadlen,
    const unsigned char *pt, size_t ptlen,
    unsigned char *ct, unsigned char *tag, size_t taglen)
{
	EVP_CIPHER_CTX	*ctx;
	unsigned char	 full[SEAL_TAG_LEN];
	int		 n, rc = -1;

	if (!args_ok(keylen, ivlen, aadlen, ptlen, taglen) ||
	    key == NULL || iv == NULL || tag == NULL ||
	    (aadlen > 0 && aad == NULL) ||
	    (ptlen > 0 && (pt == NULL || ct == NULL)))
		return -1;
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL)
		return -1;
	if (EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, (int)ivlen,
	    NULL) != 1 ||
	    EVP_EncryptInit_ex(ctx, NULL, NULL, key, iv) != 1)
		goto out;
	if (aadlen > 0 &&
	    EVP_EncryptUpdate(ctx, NULL, &n, aad, (int)aadlen) != 1)
		goto out;
	if (ptlen > 0 &&
	    (EVP_EncryptUpdate(ctx, ct, &n, pt, (int)ptlen) != 1 ||
	    (size_t)n != ptlen))
		goto out;
	/* GCM is a stream mode: Final writes nothing. */
	if (EVP_EncryptFinal_ex(ctx, full, &n) != 1 || n != 0)
		goto out;
	/* A shorter tag is the leftmost bytes of the full one. */
	if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, SEAL_TAG_LEN,
	    full) != 1)
		goto out;
	memcpy(tag, full, taglen);
	rc = 0;
out:
	EVP_CIPHER_CTX_free(ctx);	/* cleanses the key schedule */
	whoop_wipe(full, sizeof(full));
	if (rc == -1 && ptlen > 0 && ct != NULL)
		whoop_wipe(ct, ptlen);
	return rc;
}

/*
 * On failure pt holds nothing: whatever was decrypted before the tag was
 * checked is wiped, so no caller can use unauthenticated plaintext.
 */
int
whoop_aesgcm_decrypt(const unsigned char *key, size_t keylen,
    const unsigned char *iv, size_t ivlen,
    const unsigned char *aad, size_t aadlen,
    const unsigned char *ct, size_t ctlen,
    const unsigned char *tag, size_t taglen, unsigned char *pt)
{
	EVP_CIPHER_CTX	*ctx;
	unsigned char	 tagbuf[SEAL_TAG_LEN], last[SEAL_TAG_LEN];
	int		 n, rc = -1;

	if (!args_ok(keylen, ivlen, aadlen, ctlen, taglen) ||
	    key == NULL || iv == NULL || tag == NULL ||
	    (aadlen > 0 && aad == NULL) ||
	    (ctlen > 0 && (ct == NULL || pt == NULL)))
		return -1;
	/* The ctrl takes a non-const pointer. */
	memcpy(tagbuf, tag, taglen);
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL)
		return -1;
	if (EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, (int)ivlen,
	    NULL) != 1 ||
	    EVP_DecryptInit_ex(ctx, NULL, NULL, key, iv) != 1)
		goto out;
	if (aadlen > 0 &&
	    EVP_DecryptUpdate(ctx, NULL, &n, aad, (int)aadlen) != 1)
		goto out;
	if (ctlen > 0 &&
	    (EVP_DecryptUpdate(ctx, pt, &n, ct, (int)ctlen) != 1 ||
	    (size_t)n != ctlen))
		goto out;
	if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, (int)taglen,
	    tagbuf) != 1)
		goto out;
	/* The tag is compared in constant time inside OpenSSL. */
	if (EVP_DecryptFinal_ex(ctx, last, &n) != 1 || n != 0)
		goto out;
	rc = 0;
out:
	EVP_CIPHER_CTX_free(ctx);
	if (rc == -1 && ctlen > 0 && pt != NULL)
		whoop_wipe(pt, ctlen);
	return rc;
}

/* Hex of a key id for messages: ids are not secret, they name keys. */
static void
idhex(char buf[2 * WHOOP_KEYID_LEN + 1], const unsigned char *id)
{
	static const char hex[] = "0123456789abcdef";
	size_t	 i;

	for (i = 0; i < WHOOP_KEYID_LEN; i++) {
		buf[2 * i] = hex[id[i] >> 4];
		buf[2 * i + 1] = hex[id[i] & 0xf];
	}
	buf[2 * WHOOP_KEYID_LEN] = '\0';
}

/*
 * Build the associated data into a malloc'd buffer.  It holds no secret:
 * the label, names, account and key id are all public.
 */
static unsigned char *
make_aad(struct whoop *w, const char *table, const char *column,
    int64_t account, const unsigned char *keyid, size_t *len)
{
	unsigned char	*aad, *p;
	size_t		 lt, lc, n, i;
	uint64_t	 acct = (uint64_t)account;

	if (table == NULL || column == NULL || *table == '\0' ||
	    *column == '\0') {
		whoop_seterr(w, WHOOP_E_FAIL,
		    "seal: table and column names are required");
		return NULL;
	}
	lt = strlen(table);
	lc = strlen(column);
	if (lt > 1024 || lc > 1024) {
		whoop_seterr(w, WHOOP_E_FAIL,
		    "seal: table or column name too long");
		return NULL;
	}
	n = sizeof(SEAL_LABEL) - 1 + 1 + lt + 1 + lc + 1 + 8 +
	    WHOOP_KEYID_LEN;
	if ((aad = malloc(n)) == NULL) {
		whoop_seterr(w, WHOOP_E_NOMEM, "seal: out of memory");
		return NULL;
	}
	p = aad;
	memcpy(p, SEAL_LABEL, sizeof(SEAL_LABEL) - 1);
	p += sizeof(SEAL_LABEL) - 1;
	*p++ = WHOOP_SEAL_VERSION;
	memcpy(p, table, lt + 1);
	p += lt + 1;
	memcpy(p, column, lc + 1);
	p += lc + 1;
	for (i = 0; i < 8; i++)
		*p++ = (unsigned char)(acct >> (56 - 8 * i));
	memcpy(p, keyid, WHOOP_KEYID_LEN);
	*len = n;
	return aad;
}

int
whoop_seal(struct whoop *w, const struct whoop_key *key,
    const char *table, const char *column, int64_t account,
    const unsigned char *pt, size_t ptlen,
    unsigned char **blob, size_t *bloblen)
{
	unsigned char	*aad = NULL, *b = NULL;
	size_t		 aadlen = 0, n = 0;
	int		 rc = -1;

	if (blob == NULL || bloblen == NULL)
		return whoop_seterr(w, WHOOP_E_FAIL, "seal: no output");
	*blob = NULL;
	*bloblen = 0;
	if (key == NULL)
		return whoop_seterr(w, WHOOP_E_FAIL, "seal: no key");
	if (pt == NULL && ptlen > 0)
		return whoop_seterr(w, WHOOP_E_FAIL, "seal: no plaintext");
	if (ptlen > INT_MAX - WHOOP_SEAL_OVERHEAD)
		return whoop_seterr(w, WHOOP_E_FAIL,
		    "seal: value of %zu bytes is too long", ptlen);
	if ((aad = make_aad(w, table, column, account, key->id,
	    &aadlen)) == NULL)
		return -1;
	n = ptlen + WHOOP_SEAL_OVERHEAD;
	if ((b = malloc(n)) == NULL) {
		whoop_seterr(w, WHOOP_E_NOMEM, "seal: out of memory");
		goto out;
	}
	b[0] = WHOOP_SEAL_VERSION;
	memcpy(b + 1, key->id, WHOOP_KEYID_LEN);
	/* A fresh random nonce each time: never a counter, never reused. */
	if (whoop_random(w, b + 1 + WHOOP_KEYID_LEN, SEAL_NONCE_LEN) == -1)
		goto out;
	if (whoop_aesgcm_encrypt(key->k, WHOOP_KEY_LEN,
	    b + 1 + WHOOP_KEYID_LEN, SEAL_NONCE_LEN, aad, aadlen,
	    pt, ptlen, b + SEAL_HDR_LEN, b + SEAL_HDR_LEN + ptlen,
	    SEAL_TAG_LEN) == -1) {
		whoop_seterr(w, WHOOP_E_FAIL,
		    "seal: AES-256-GCM encryption failed");
		goto out;
	}
	*blob = b;
	*bloblen = n;
	b = NULL;
	rc = 0;
out:
	whoop_freezero(b, n);
	free(aad);
	return rc;
}

int
whoop_unseal(struct whoop *w, const struct whoop_key *key,
    const char *table, const char *column, int64_t account,
    const unsigned char *blob, size_t bloblen,
    unsigned char **pt, size_t *ptlen)
{
	unsigned char	*aad = NULL, *p = NULL;
	size_t		 aadlen = 0, ctlen = 0;
	char		 have[2 * WHOOP_KEYID_LEN + 1];
	char		 want[2 * WHOOP_KEYID_LEN + 1];
	int		 rc = -1;

	if (pt == NULL || ptlen == NULL)
		return whoop_seterr(w, WHOOP_E_FAIL, "unseal: no output");
	*pt = NULL;
	*ptlen = 0;
	if (key == NULL)
		return whoop_seterr(w, WHOOP_E_FAIL, "unseal: no key");
	if (blob == NULL || bloblen < WHOOP_SEAL_OVERHEAD ||
	    bloblen - WHOOP_SEAL_OVERHEAD > INT_MAX)
		return whoop_seterr(w, WHOOP_E_SEAL,
		    "malformed sealed value (%zu bytes)",
		    blob == NULL ? (size_t)0 : bloblen);
	if (blob[0] != WHOOP_SEAL_VERSION)
		return whoop_seterr(w, WHOOP_E_SEAL,
		    "malformed sealed value (unknown version %u)",
		    (unsigned)blob[0]);
	/*
	 * Not a secret comparison: the id is stored in clear.  It only turns
	 * "wrong key" into a clear error instead of a tag failure.
	 */
	if (memcmp(blob + 1, key->id, WHOOP_KEYID_LEN) != 0) {
		idhex(have, blob + 1);
		idhex(want, key->id);
		return whoop_seterr(w, WHOOP_E_KEY_WRONG,
		    "value was sealed under another key (key id %s, "
		    "the loaded key is %s)", have, want);
	}
	if ((aad = make_aad(w, table, column, account, key->id,
	    &aadlen)) == NULL)
		return -1;
	ctlen = bloblen - WHOOP_SEAL_OVERHEAD;
	if ((p = malloc(ctlen + 1)) == NULL) {
		whoop_seterr(w, WHOOP_E_NOMEM, "unseal: out of memory");
		goto out;
	}
	if (whoop_aesgcm_decrypt(key->k, WHOOP_KEY_LEN,
	    blob + 1 + WHOOP_KEYID_LEN, SEAL_NONCE_LEN, aad, aadlen,
	    blob + SEAL_HDR_LEN, ctlen, blob + SEAL_HDR_LEN + ctlen,
	    SEAL_TAG_LEN, p) == -1) {
		whoop_seterr(w, WHOOP_E_SEAL, "sealed value failed "
		    "authentication (tampered, or moved from another row "
		    "or column)");
		goto out;
	}
	p[ctlen] = '\0';
	*pt = p;
	*ptlen = ctlen;
	p = NULL;
	rc = 0;
out:
	whoop_freezero(p, ctlen + 1);
	free(aad);
	return rc;
}
