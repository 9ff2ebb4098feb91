/* Random secrets, salted hashes, HMACs; see secret.h. */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "console/base32.h"
#include "console/secret.h"
#include "console/banned.h"

static const char hexdigits[] = "0123456789abcdef";

static void to_hex(const unsigned char *p, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hexdigits[p[i] >> 4];
		out[2 * i + 1] = hexdigits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

void secret_init(void)
{
	EVP_MD *md = EVP_MD_fetch(NULL, "SHA256", NULL);
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	unsigned char r[1];
	if (!md || !mac || RAND_bytes(r, sizeof(r)) != 1)
		ERR_clear_error(); /* the first use says what is wrong */
	EVP_MD_free(md);
	EVP_MAC_free(mac);
}

static int random_bytes(unsigned char *p, size_t n, err_t *err)
{
	if (RAND_bytes(p, (int)n) != 1)
		return err_set(err, -ERR_INTERNAL, "openssl could not produce random bytes");
	return 0;
}

int secret_new(buf_t *out, const char *prefix, err_t *err)
{
	unsigned char r[SECRET_BYTES];
	int rc = random_bytes(r, sizeof(r), err);
	if (rc)
		return rc;
	buf_t b32 = BUF_INIT;
	base32_encode(&b32, r, sizeof(r));
	OPENSSL_cleanse(r, sizeof(r));
	buf_addstr(out, prefix);
	for (size_t i = 0; i < SECRET_CHARS; i++)
		buf_addch(out, (char)(b32.data[i] >= 'A' && b32.data[i] <= 'Z' ? b32.data[i] + 32
									      : b32.data[i]));
	OPENSSL_cleanse(b32.data, b32.len);
	buf_release(&b32);
	return 0;
}

bool secret_wellformed(const char *s, const char *prefix)
{
	size_t p = strlen(prefix);
	if (strncmp(s, prefix, p) || strlen(s + p) != SECRET_CHARS)
		return false;
	for (const char *c = s + p; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= '2' && *c <= '7')))
			return false;
	return true;
}

int secret_random_hex(char *out, size_t n, err_t *err)
{
	unsigned char r[64];
	if (n > sizeof(r))
		return err_set(err, -ERR_INTERNAL, "at most %zu random bytes at once", sizeof(r));
	int rc = random_bytes(r, n, err);
	if (!rc)
		to_hex(r, n, out);
	return rc;
}

int secret_uuid(char out[37], err_t *err)
{
	unsigned char r[16];
	int rc = random_bytes(r, sizeof(r), err);
	if (rc)
		return rc;
	r[6] = (unsigned char)((r[6] & 0x0f) | 0x40);   /* version 4 */
	r[8] = (unsigned char)((r[8] & 0x3f) | 0x80);   /* RFC 4122 variant */
	char hex[33];
	to_hex(r, sizeof(r), hex);
	memcpy(out, hex, 8);
	out[8] = '-';
	memcpy(out + 9, hex + 8, 4);
	out[13] = '-';
	memcpy(out + 14, hex + 12, 4);
	out[18] = '-';
	memcpy(out + 19, hex + 16, 4);
	out[23] = '-';
	memcpy(out + 24, hex + 20, 12);
	out[36] = '\0';
	return 0;
}

void secret_hash(const char *salt_hex, const char *secret, char out[SECRET_HASH_HEX + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	EVP_DigestInit_ex(c, EVP_sha256(), NULL);
	EVP_DigestUpdate(c, salt_hex, strlen(salt_hex));
	EVP_DigestUpdate(c, secret, strlen(secret));
	EVP_DigestFinal_ex(c, md, &len);
	EVP_MD_CTX_free(c);
	to_hex(md, 32, out);
}

bool secret_matches(const char *salt_hex, const char *hash_hex, const char *secret)
{
	if (!salt_hex || !hash_hex || !secret || strlen(hash_hex) != SECRET_HASH_HEX)
		return false;
	char got[SECRET_HASH_HEX + 1];
	secret_hash(salt_hex, secret, got);
	return CRYPTO_memcmp(got, hash_hex, SECRET_HASH_HEX) == 0;
}

void secret_hmac_hex(const char *key, const char *a, size_t alen, const char *b, size_t blen,
		     char out[SECRET_HASH_HEX + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	size_t len = 0;
	char digest[] = "SHA256";
	OSSL_PARAM params[] = { OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
				OSSL_PARAM_construct_end() };
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *h = mac ? EVP_MAC_CTX_new(mac) : NULL;
	memset(md, 0, sizeof(md));
	/* Without the HMAC provider nothing could be signed: an all-zero
	 * signature that no receiver accepts, rather than a crash. */
	if (h && EVP_MAC_init(h, (const unsigned char *)key, strlen(key), params) &&
	    (!a || EVP_MAC_update(h, (const unsigned char *)a, alen)) &&
	    (!b || EVP_MAC_update(h, (const unsigned char *)b, blen)))
		EVP_MAC_final(h, md, &len, sizeof(md));
	EVP_MAC_CTX_free(h);
	EVP_MAC_free(mac);
	to_hex(md, 32, out);
}
