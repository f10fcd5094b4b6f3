/*
 * Unit tests: the AES-256-GCM primitive against published vectors, and
 * sealed columns: round trip, layout, binding to table, column, account
 * and key, tampering, truncation, nonce uniqueness.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "extern.h"
#include "tap.h"

/*
 * Published test vectors, typed in as hex.  Sources:
 *   MV n	McGrew and Viega, "The Galois/Counter Mode of Operation (GCM)",
 *		revised 2005, test cases 13-18 (AES-256); the same cases are
 *		in the NIST GCM submission.
 *   CAVP	NIST CAVP gcmtestvectors.zip: gcmEncryptExtIV256.rsp and
 *		gcmDecrypt256.rsp, the first case of the section named.
 *   WP n	Project Wycheproof, testvectors/aes_gcm_test.json, tcId n.
 */
struct vec {
	const char	*name;
	const char	*key, *iv, *aad, *pt, *ct, *tag;
};

#define MV_K	"feffe9928665731c6d6a8f9467308308" \
		"feffe9928665731c6d6a8f9467308308"
#define MV_P60	"d9313225f88406e5a55909c5aff5269a86a7a9531534f7da" \
		"2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525" \
		"b16aedf5aa0de657ba637b39"
#define MV_A	"feedfacedeadbeeffeedfacedeadbeefabaddad2"
#define ZERO32	"00000000000000000000000000000000" \
		"00000000000000000000000000000000"
#define WP_K	"000102030405060708090a0b0c0d0e0f" \
		"101112131415161718191a1b1c1d1e1f"

static const struct vec valid[] = {
	{ "MV 13: empty", ZERO32, "000000000000000000000000", "", "", "",
	  "530f8afbc74536b9a963b4f1c4cb738b" },
	{ "MV 14: one zero block", ZERO32, "000000000000000000000000", "",
	  "00000000000000000000000000000000",
	  "cea7403d4d606b6e074ec5d3baf39d18",
	  "d0d1c8a799996bf0265b98b5d48ab919" },
	{ "MV 15: 64 bytes", MV_K, "cafebabefacedbaddecaf888", "",
	  MV_P60 "1aafd255",
	  "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
	  "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad",
	  "b094dac5d93471bdec1a502270e3cc6c" },
	{ "MV 16: 60 bytes with AAD", MV_K, "cafebabefacedbaddecaf888", MV_A,
	  MV_P60,
	  "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
	  "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
	  "76fc6ece0f4e1768cddf8853bb2d551b" },
	{ "MV 17: 8-byte IV", MV_K, "cafebabefacedbad", MV_A, MV_P60,
	  "c3762df1ca787d32ae47c13bf19844cbaf1ae14d0b976afac52ff7d79bba9de0"
	  "feb582d33934a4f0954cc2363bc73f7862ac430e64abe499f47c9b1f",
	  "3a337dbf46a792c45e454913fe2ea8f2" },
	{ "MV 18: 60-byte IV", MV_K,
	  "9313225df88406e555909c5aff5269aa6a7a9538534f7da1e4c303d2a318a728"
	  "c3c0c95156809539fcf0e2429a6b525416aedbf5a0de6a57a637b39b",
	  MV_A, MV_P60,
	  "5a8def2f0c9e53f1f75d7853659e2a20eeb2b22aafde6419a058ab4f6f746bf4"
	  "0fc0c3b780f244452da3ebf1c5d82cdea2418997200ef82e44ae7e3f",
	  "a44a8266ee1c8eb0c8b5d4cf5ae9f19a" },
	{ "CAVP gcmEncryptExtIV256 PTlen=0 AADlen=0 count 0",
	  "b52c505a37d78eda5dd34f20c22540ea1b58963cf8e5bf8ffa85f9f2492505b4",
	  "516c33929df5a3284ff463d7", "", "", "",
	  "bdc1ac884d332457a1d2664f168c76f0" },
	{ "CAVP gcmDecrypt256 PTlen=128 AADlen=128 count 0",
	  "54e352ea1d84bfe64a1011096111fbe7668ad2203d902a01458c3bbd85bfce14",
	  "df7c3bca00396d0c018495d9", "7e968d71b50c1f11fd001f3fef49d045",
	  "85fc3dfad9b5a8d3258e4fc44571bd3b",
	  "426e0efc693b7be1f3018db7ddbb7e4d",
	  "ee8257795be6a1164d7e1d2d6cac77a7" },
	{ "WP 82",
	  "b279f57e19c8f53f2f963f5f2519fdb7c1779be2ca2b3ae8e1128b7d6c627fc4",
	  "98bc2c7438d5cd7665d76f6e", "c0",
	  "fcc515b294408c8645c9183e3f4ecee5127846d1",
	  "eb5500e3825952866d911253f8de860c00831c81",
	  "ecb660e1fb0541ec41e8d68a64141b3a" },
	{ "WP 84",
	  "f32364b1d339d82e4f132d8f4a0ec1ff7e746517fa07ef1a7f422f4e25a48194",
	  "5a86a50a0e8a179c734b996d", "ab2ac7c44c60bdf8228c7884adb20184",
	  "43891bccb522b1e72a6b53cf31c074e9d6c2df8e",
	  "43dda832e942e286da314daa99bef5071d9d2c78",
	  "c3922583476ced575404ddb85dd8cd44" },
	{ "WP 92: tag all ones",
	  "00112233445566778899aabbccddeeff102132435465768798a9bacbdcedfe0f",
	  "000000000000000000000000", "",
	  "561008fa07a68f5c61285cd013464eaf",
	  "23293e9b07ca7d1b0cae7cc489a973b3",
	  "ffffffffffffffffffffffffffffffff" },
	{ "WP 94 unmodified", WP_K, "505152535455565758595a5b", "",
	  "202122232425262728292a2b2c2d2e2f",
	  "b2061457c0759fc1749f174ee1ccadfa",
	  "9ce8fef6d8ab1bf1bf887232eab590dd" },
	{ "WP 209: 15-byte IV",
	  "e98b0669a645eb14cd06df6968fc5f10edc9f54feed264e3d410cdc61b72ef51",
	  "17ca250fb733877556263223eadde1", "",
	  "f384b3ed7b274641f5db60cf", "fc213602aa423b87d7c2a874",
	  "36b15bab6923b17218fe1c24048e2391" },
	{ "WP 219: 32-byte IV",
	  "ee4171917d2337496812a2784d6a71300e6b8c1ac3b1ef58cee77c229aeaf2c5",
	  "e826a79361f9d582b64450e3edc82589487853d5b22feaa0c889875bd0d87cd4",
	  "", "94d2f8697facaaa191ba617a", "a295c2cb27ce23d26874ade1",
	  "04650a78bbb61db337c9c32aa3e7b6fa" },
};

/*
 * Must not open.  The Wycheproof "flipped bit" cases share key, IV and
 * message with "WP 94 unmodified" above.  The last few change the AAD or
 * ciphertext of a valid Wycheproof case (marked "from WP n").
 */
static const struct vec invalid[] = {
#define FLIP(n, t) { "WP " #n ": flipped tag bit", WP_K, \
	"505152535455565758595a5b", "", "202122232425262728292a2b2c2d2e2f", \
	"b2061457c0759fc1749f174ee1ccadfa", t }
	FLIP(94, "9de8fef6d8ab1bf1bf887232eab590dd"),
	FLIP(95, "9ee8fef6d8ab1bf1bf887232eab590dd"),
	FLIP(96, "1ce8fef6d8ab1bf1bf887232eab590dd"),
	FLIP(97, "9ce9fef6d8ab1bf1bf887232eab590dd"),
	FLIP(98, "9ce8fe76d8ab1bf1bf887232eab590dd"),
	FLIP(99, "9ce8fef6d9ab1bf1bf887232eab590dd"),
	FLIP(100, "9ce8fef6daab1bf1bf887232eab590dd"),
	FLIP(101, "9ce8fef6d8ab1b71bf887232eab590dd"),
	FLIP(102, "9ce8fef6d8ab1bf1be887232eab590dd"),
	FLIP(103, "9ce8fef6d8ab1bf13f887232eab590dd"),
	FLIP(104, "9ce8fef6d8ab1bf1bfa87232eab590dd"),
	FLIP(105, "9ce8fef6d8ab1bf1bf887332eab590dd"),
	FLIP(106, "9ce8fef6d8ab1bf1bf887232ebb590dd"),
	FLIP(107, "9ce8fef6d8ab1bf1bf887232e8b590dd"),
	FLIP(108, "9ce8fef6d8ab1bf1bf8872326ab590dd"),
	FLIP(109, "9ce8fef6d8ab1bf1bf887232eab590dc"),
	FLIP(110, "9ce8fef6d8ab1bf1bf887232eab590df"),
#undef FLIP
	{ "wrong AAD (from WP 84)",
	  "f32364b1d339d82e4f132d8f4a0ec1ff7e746517fa07ef1a7f422f4e25a48194",
	  "5a86a50a0e8a179c734b996d", "ab2ac7c44c60bdf8228c7884adb20185",
	  "43891bccb522b1e72a6b53cf31c074e9d6c2df8e",
	  "43dda832e942e286da314daa99bef5071d9d2c78",
	  "c3922583476ced575404ddb85dd8cd44" },
	{ "AAD dropped (from WP 82)",
	  "b279f57e19c8f53f2f963f5f2519fdb7c1779be2ca2b3ae8e1128b7d6c627fc4",
	  "98bc2c7438d5cd7665d76f6e", "",
	  "fcc515b294408c8645c9183e3f4ecee5127846d1",
	  "eb5500e3825952866d911253f8de860c00831c81",
	  "ecb660e1fb0541ec41e8d68a64141b3a" },
	{ "AAD added (from WP 94)", WP_K, "505152535455565758595a5b", "00",
	  "202122232425262728292a2b2c2d2e2f",
	  "b2061457c0759fc1749f174ee1ccadfa",
	  "9ce8fef6d8ab1bf1bf887232eab590dd" },
	{ "ciphertext bit flipped (from WP 94)", WP_K,
	  "505152535455565758595a5b", "",
	  "202122232425262728292a2b2c2d2e2f",
	  "b2061457c0759fc1749f174ee1ccadfb",
	  "9ce8fef6d8ab1bf1bf887232eab590dd" },
};

/* WP 227, 228: an empty IV is not valid and must be refused. */
static const struct vec noiv[] = {
	{ "WP 227: empty IV",
	  "3f8ca47b9a940582644e8ecf9c2d44e8138377a8379c5c11aafe7fec19856cf1",
	  "", "", "", "", "1726aa695fbaa21a1db88455c670a4b0" },
	{ "WP 228: empty IV",
	  "7660d10966c6503903a552dde2a809ede9da490e5e5cc3e349da999671809883",
	  "", "", "c314235341debfafa1526bb61044a7f1",
	  "7772ea358901f571d3d35c19497639d9",
	  "8fe0520ad744a11f0ccfd228454363fa" },
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Decode hex into a fresh buffer (at least one byte, never NULL). */
static unsigned char *
unhex(const char *s, size_t *len)
{
	size_t		 n = strlen(s), i;
	unsigned char	*b;

	if (n % 2 != 0 || (b = calloc(n / 2 + 1, 1)) == NULL)
		abort();
	for (i = 0; i < n / 2; i++) {
		if (hexval(s[2 * i]) < 0 || hexval(s[2 * i + 1]) < 0)
			abort();
		b[i] = (unsigned char)(hexval(s[2 * i]) << 4 |
		    hexval(s[2 * i + 1]));
	}
	*len = n / 2;
	return b;
}

struct bin {
	unsigned char	*key, *iv, *aad, *pt, *ct, *tag;
	size_t		 keylen, ivlen, aadlen, ptlen, ctlen, taglen;
};

static void
bin_load(struct bin *b, const struct vec *v)
{
	b->key = unhex(v->key, &b->keylen);
	b->iv = unhex(v->iv, &b->ivlen);
	b->aad = unhex(v->aad, &b->aadlen);
	b->pt = unhex(v->pt, &b->ptlen);
	b->ct = unhex(v->ct, &b->ctlen);
	b->tag = unhex(v->tag, &b->taglen);
}

static void
bin_free(struct bin *b)
{
	free(b->key);
	free(b->iv);
	free(b->aad);
	free(b->pt);
	free(b->ct);
	free(b->tag);
}

static int
allzero(const unsigned char *p, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (p[i] != 0)
			return 0;
	return 1;
}

static void
test_vectors(void)
{
	struct bin	 b;
	unsigned char	 ct[128], tag[16], pt[128];
	size_t		 i, tl;

	for (i = 0; i < NELEM(valid); i++) {
		bin_load(&b, &valid[i]);
		memset(ct, 0, sizeof(ct));
		ok(whoop_aesgcm_encrypt(b.key, b.keylen, b.iv, b.ivlen,
		    b.aad, b.aadlen, b.pt, b.ptlen, ct, tag, 16) == 0 &&
		    memcmp(ct, b.ct, b.ctlen) == 0 &&
		    memcmp(tag, b.tag, 16) == 0, "encrypt %s", valid[i].name);
		memset(pt, 0xaa, sizeof(pt));
		ok(whoop_aesgcm_decrypt(b.key, b.keylen, b.iv, b.ivlen,
		    b.aad, b.aadlen, b.ct, b.ctlen, b.tag, b.taglen, pt) == 0 &&
		    memcmp(pt, b.pt, b.ptlen) == 0, "decrypt %s",
		    valid[i].name);
		bin_free(&b);
	}

	for (i = 0; i < NELEM(invalid); i++) {
		bin_load(&b, &invalid[i]);
		memset(pt, 0xaa, sizeof(pt));
		ok(whoop_aesgcm_decrypt(b.key, b.keylen, b.iv, b.ivlen,
		    b.aad, b.aadlen, b.ct, b.ctlen, b.tag, b.taglen, pt) == -1 &&
		    allzero(pt, b.ctlen), "refused, output wiped: %s",
		    invalid[i].name);
		bin_free(&b);
	}

	for (i = 0; i < NELEM(noiv); i++) {
		bin_load(&b, &noiv[i]);
		ok(whoop_aesgcm_encrypt(b.key, b.keylen, b.iv, 0, NULL, 0,
		    b.pt, b.ptlen, ct, tag, 16) == -1, "encrypt refused: %s",
		    noiv[i].name);
		ok(whoop_aesgcm_decrypt(b.key, b.keylen, b.iv, 0, NULL, 0,
		    b.ct, b.ctlen, b.tag, b.taglen, pt) == -1,
		    "decrypt refused: %s", noiv[i].name);
		bin_free(&b);
	}

	/* Truncated tags (SP 800-38D 5.2.1.2) are the full tag's prefix. */
	bin_load(&b, &valid[3]);	/* MV 16 */
	for (tl = 4; tl <= 16; tl += 4) {
		ok(whoop_aesgcm_encrypt(b.key, b.keylen, b.iv, b.ivlen, b.aad,
		    b.aadlen, b.pt, b.ptlen, ct, tag, tl) == 0 &&
		    memcmp(tag, b.tag, tl) == 0, "%zu-byte tag is a prefix",
		    tl);
		ok(whoop_aesgcm_decrypt(b.key, b.keylen, b.iv, b.ivlen, b.aad,
		    b.aadlen, b.ct, b.ctlen, b.tag, tl, pt) == 0 &&
		    memcmp(pt, b.pt, b.ptlen) == 0, "%zu-byte tag opens", tl);
		b.tag[tl - 1] ^= 0x01;
		ok(whoop_aesgcm_decrypt(b.key, b.keylen, b.iv, b.ivlen, b.aad,
		    b.aadlen, b.ct, b.ctlen, b.tag, tl, pt) == -1,
		    "%zu-byte tag, last bit flipped, refused", tl);
		b.tag[tl - 1] ^= 0x01;
	}
	ok(whoop_aesgcm_encrypt(b.key, b.keylen, b.iv, b.ivlen, b.aad,
	    b.aadlen, b.pt, b.ptlen, ct, tag, 1) == -1 &&
	    whoop_aesgcm_decrypt(b.key, b.keylen, b.iv, b.ivlen, b.aad,
	    b.aadlen, b.ct, b.ctlen, b.tag, 1, pt) == -1 &&
	    whoop_aesgcm_decrypt(b.key, b.keylen, b.iv, b.ivlen, b.aad,
	    b.aadlen, b.ct, b.ctlen, b.tag, 0, pt) == -1 &&
	    whoop_aesgcm_encrypt(b.key, b.keylen, b.iv, b.ivlen, b.aad,
	    b.aadlen, b.pt, b.ptlen, ct, tag, 17) == -1,
	    "tag lengths 0, 1 and 17 refused");
	ok(whoop_aesgcm_encrypt(b.key, 16, b.iv, b.ivlen, b.aad,
	    b.aadlen, b.pt, b.ptlen, ct, tag, 16) == -1,
	    "a 16-byte key is refused (AES-256 only)");
	bin_free(&b);
}

static int
contains(const unsigned char *h, size_t hl, const char *needle)
{
	size_t	 nl = strlen(needle), i;

	for (i = 0; i + nl <= hl; i++)
		if (memcmp(h + i, needle, nl) == 0)
			return 1;
	return 0;
}

static int
cmp_nonce(const void *a, const void *b)
{
	return memcmp(a, b, 12);
}

#define T	"account"
#define C	"access_token"
#define SECRET	"canary-access-token-3f9a1c"

int
main(void)
{
	struct whoop	*w = whoop_new();
	struct whoop_key k1, k2;
	unsigned char	*blob = NULL, *pt = NULL, *bad, *nonces;
	unsigned char	 sentinel[8] = "sentine";
	size_t		 bloblen = 0, ptlen = 0, slen = strlen(SECRET), i, n;
	size_t		 nbad, wrongcode, leaked;
	unsigned int	 bit;
	int		 rc;

	ok(w != NULL, "handle");
	test_vectors();

	ok(whoop_key_generate(w, &k1) == 0 && whoop_key_generate(w, &k2) == 0,
	    "two keys generated");
	ok(memcmp(k1.id, k2.id, WHOOP_KEYID_LEN) != 0, "their ids differ");

	/* Round trip and layout. */
	ok(whoop_seal(w, &k1, T, C, 42, (const unsigned char *)SECRET, slen,
	    &blob, &bloblen) == 0, "seal");
	ok(bloblen == slen + 37 && WHOOP_SEAL_OVERHEAD == 37,
	    "blob is plaintext + 37 bytes (%zu)", bloblen);
	ok(blob[0] == WHOOP_SEAL_VERSION, "version byte first");
	ok(memcmp(blob + 1, k1.id, WHOOP_KEYID_LEN) == 0, "then the key id");
	ok(!contains(blob, bloblen, "canary"),
	    "no plaintext in the blob");
	ok(whoop_unseal(w, &k1, T, C, 42, blob, bloblen, &pt, &ptlen) == 0 &&
	    ptlen == slen && memcmp(pt, SECRET, slen) == 0,
	    "unseal gives the plaintext back");
	ok(pt != NULL && pt[ptlen] == '\0', "plaintext is NUL-terminated");
	whoop_freezero(pt, ptlen + 1);

	/* Every bit of every byte: flipped, the blob must not open. */
	nbad = wrongcode = leaked = 0;
	if ((bad = malloc(bloblen)) == NULL)
		abort();
	for (i = 0; i < bloblen; i++) {
		for (bit = 0; bit < 8; bit++) {
			memcpy(bad, blob, bloblen);
			bad[i] ^= (unsigned char)(1U << bit);
			pt = sentinel;
			ptlen = 99;
			rc = whoop_unseal(w, &k1, T, C, 42, bad, bloblen, &pt,
			    &ptlen);
			if (rc != -1)
				nbad++;
			if (pt != NULL || ptlen != 0)
				leaked++;
			/* The key id bytes say "another key"; all else: seal. */
			if (whoop_errcode(w) != (i >= 1 && i <= WHOOP_KEYID_LEN ?
			    WHOOP_E_KEY_WRONG : WHOOP_E_SEAL))
				wrongcode++;
		}
	}
	free(bad);
	ok(nbad == 0, "every one of %zu single-bit flips fails to open",
	    bloblen * 8);
	ok(leaked == 0, "and none returns any plaintext");
	ok(wrongcode == 0, "with the right error class");

	/* Bound to its place. */
	pt = NULL;
	ok(whoop_unseal(w, &k1, T, C, 43, blob, bloblen, &pt, &ptlen) == -1 &&
	    pt == NULL && whoop_errcode(w) == WHOOP_E_SEAL,
	    "another account fails");
	ok(strstr(whoop_errmsg(w), "failed authentication") != NULL &&
	    strstr(whoop_errmsg(w), "moved from another row") != NULL,
	    "with the authentication message");
	ok(strstr(whoop_errmsg(w), "canary") == NULL, "which holds no secret");
	ok(whoop_unseal(w, &k1, T, C, 42 + (1LL << 40), blob, bloblen, &pt,
	    &ptlen) == -1 && whoop_unseal(w, &k1, T, C, -42, blob, bloblen,
	    &pt, &ptlen) == -1, "all 8 account bytes count");
	ok(whoop_unseal(w, &k1, T, "refresh_token", 42, blob, bloblen, &pt,
	    &ptlen) == -1 && whoop_errcode(w) == WHOOP_E_SEAL,
	    "another column fails");
	ok(whoop_unseal(w, &k1, "client", C, 42, blob, bloblen, &pt,
	    &ptlen) == -1 && whoop_errcode(w) == WHOOP_E_SEAL,
	    "another table fails");
	/* The NUL separators keep ("ab", "c") apart from ("a", "bc"). */
	ok(whoop_unseal(w, &k1, T "a", "ccess_token", 42, blob, bloblen, &pt,
	    &ptlen) == -1, "table/column boundary is part of the binding");
	ok(pt == NULL, "no plaintext from any of them");

	/* Truncated and overlong. */
	nbad = 0;
	for (n = 0; n < bloblen; n++) {
		pt = NULL;
		if (whoop_unseal(w, &k1, T, C, 42, blob, n, &pt, &ptlen) != -1 ||
		    pt != NULL || whoop_errcode(w) != WHOOP_E_SEAL)
			nbad++;
	}
	ok(nbad == 0, "every truncation fails (as WHOOP_E_SEAL)");
	ok(whoop_unseal(w, &k1, T, C, 42, blob, 36, &pt, &ptlen) == -1 &&
	    strstr(whoop_errmsg(w), "malformed sealed value") != NULL,
	    "a blob shorter than the overhead is malformed");
	ok(whoop_unseal(w, &k1, T, C, 42, NULL, 0, &pt, &ptlen) == -1,
	    "no blob fails");
	if ((bad = malloc(bloblen + 1)) == NULL)
		abort();
	memcpy(bad, blob, bloblen);
	bad[bloblen] = 0;
	ok(whoop_unseal(w, &k1, T, C, 42, bad, bloblen + 1, &pt, &ptlen) ==
	    -1 && whoop_errcode(w) == WHOOP_E_SEAL, "a byte appended fails");
	bad[0] = 2;
	ok(whoop_unseal(w, &k1, T, C, 42, bad, bloblen, &pt, &ptlen) == -1 &&
	    whoop_errcode(w) == WHOOP_E_SEAL &&
	    strstr(whoop_errmsg(w), "malformed sealed value") != NULL,
	    "unknown version is malformed");

	/* Wrong key: a clear, distinct error. */
	ok(whoop_unseal(w, &k2, T, C, 42, blob, bloblen, &pt, &ptlen) == -1 &&
	    pt == NULL && whoop_errcode(w) == WHOOP_E_KEY_WRONG,
	    "another key is WHOOP_E_KEY_WRONG");
	ok(strstr(whoop_errmsg(w), "another key") != NULL,
	    "message says another key: %s", whoop_errmsg(w));
	ok(WHOOP_E_KEY_WRONG != WHOOP_E_SEAL, "distinct from WHOOP_E_SEAL");

	/* Relabelled with the other key's id: still fails, on the tag. */
	memcpy(bad, blob, bloblen);
	memcpy(bad + 1, k2.id, WHOOP_KEYID_LEN);
	ok(whoop_unseal(w, &k2, T, C, 42, bad, bloblen, &pt, &ptlen) == -1 &&
	    pt == NULL && whoop_errcode(w) == WHOOP_E_SEAL,
	    "key id edited to match another key fails authentication");
	free(bad);
	whoop_freezero(blob, bloblen);

	/*
	 * The id is in the associated data too: sealed under k1 with a forged
	 * id, then relabelled with k1's real id, the blob must not open.
	 */
	memcpy(&k2, &k1, sizeof(k2));
	k2.id[0] ^= 0x01;
	ok(whoop_seal(w, &k2, T, C, 42, (const unsigned char *)SECRET, slen,
	    &blob, &bloblen) == 0, "seal under a forged key id");
	blob[1] ^= 0x01;
	ok(whoop_unseal(w, &k1, T, C, 42, blob, bloblen, &pt, &ptlen) == -1 &&
	    pt == NULL && whoop_errcode(w) == WHOOP_E_SEAL,
	    "relabelled to the real id, it fails authentication");
	whoop_freezero(blob, bloblen);
	if (whoop_key_generate(w, &k2) == -1)
		abort();

	/* Empty plaintext. */
	ok(whoop_seal(w, &k1, T, C, 7, NULL, 0, &blob, &bloblen) == 0 &&
	    bloblen == 37, "empty plaintext seals to 37 bytes");
	pt = NULL;
	ok(whoop_unseal(w, &k1, T, C, 7, blob, bloblen, &pt, &ptlen) == 0 &&
	    pt != NULL && ptlen == 0 && pt[0] == '\0',
	    "and opens to an empty string");
	whoop_freezero(pt, ptlen + 1);
	blob[bloblen - 1] ^= 0x80;
	ok(whoop_unseal(w, &k1, T, C, 7, blob, bloblen, &pt, &ptlen) == -1,
	    "its tag is still checked");
	whoop_freezero(blob, bloblen);

	/* Bad arguments. */
	ok(whoop_seal(w, &k1, NULL, C, 1, (const unsigned char *)"x", 1,
	    &blob, &bloblen) == -1 && blob == NULL, "no table refused");
	ok(whoop_seal(w, &k1, T, "", 1, (const unsigned char *)"x", 1,
	    &blob, &bloblen) == -1, "empty column refused");
	ok(whoop_seal(w, NULL, T, C, 1, (const unsigned char *)"x", 1,
	    &blob, &bloblen) == -1, "no key refused");
	ok(whoop_seal(w, &k1, T, C, 1, NULL, 5, &blob, &bloblen) == -1,
	    "NULL plaintext with a length refused");

	/* NULL handle. */
	ok(whoop_seal(NULL, &k1, T, C, 1, (const unsigned char *)"x", 1,
	    &blob, &bloblen) == 0 && whoop_unseal(NULL, &k1, T, C, 1, blob,
	    bloblen, &pt, &ptlen) == 0 && ptlen == 1 && pt[0] == 'x',
	    "NULL handle allowed");
	whoop_freezero(pt, ptlen + 1);
	ok(whoop_unseal(NULL, &k2, T, C, 1, blob, bloblen, &pt, &ptlen) == -1,
	    "NULL handle still fails closed");
	whoop_freezero(blob, bloblen);

	/* 10^5 seals of one plaintext: pairwise distinct nonces. */
#define NSEAL	100000
	if ((nonces = malloc((size_t)NSEAL * 12)) == NULL)
		abort();
	nbad = 0;
	for (i = 0; i < NSEAL; i++) {
		if (whoop_seal(w, &k1, T, C, 1, (const unsigned char *)"same",
		    4, &blob, &bloblen) == -1) {
			nbad++;
			memset(nonces + i * 12, 0, 12);
			continue;
		}
		memcpy(nonces + i * 12, blob + 1 + WHOOP_KEYID_LEN, 12);
		whoop_freezero(blob, bloblen);
	}
	ok(nbad == 0, "%d seals", NSEAL);
	qsort(nonces, NSEAL, 12, cmp_nonce);
	n = 0;
	for (i = 1; i < NSEAL; i++)
		if (memcmp(nonces + (i - 1) * 12, nonces + i * 12, 12) == 0)
			n++;
	ok(n == 0, "pairwise distinct nonces (%zu repeats)", n);
	free(nonces);

	whoop_key_wipe(&k1);
	ok(allzero((unsigned char *)&k1, sizeof(k1)), "key wipe zeroes it");
	whoop_key_wipe(&k2);
	whoop_free(w);
	return done_testing();
}
