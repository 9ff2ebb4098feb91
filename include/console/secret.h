/*
 * secret — random secrets, their salted hashes and HMAC signatures
 * (OpenSSL), for deploy tokens and webhook deliveries (issue 18).
 *
 * A secret is a prefix and 32 random bytes from OpenSSL's RAND_bytes in
 * base32 (RFC 4648 alphabet, lower case, no padding: 52 characters), so it
 * can be pasted into a shell, a header or a Basic password as it is.
 * Stored is only SHA-256(salt || secret) with a per-secret random salt;
 * comparing two hashes takes the same time wherever they differ
 * (CRYPTO_memcmp).
 */
#ifndef CONSOLE_SECRET_H
#define CONSOLE_SECRET_H

#include <stdbool.h>
#include <stddef.h>

#include "console/buf.h"
#include "console/err.h"

#define SECRET_BYTES 32
#define SECRET_CHARS 52             /* base32 of 32 bytes, without padding */
#define SECRET_SALT_HEX 32          /* 16 random bytes in hex */
#define SECRET_HASH_HEX 64          /* a SHA-256 in hex */

/* Makes OpenSSL build its SHA-256, HMAC and random generator now. The
 * master calls it before it forks the workers, which then share what it
 * built instead of each building it on first use (a worker that hashed a
 * blob touched ~1 MB more of libcrypto's pages; issue 17's memory). The
 * generator is reseeded in each child by OpenSSL (fork detection). */
void secret_init(void);

/* Appends prefix and a new random secret to out. -ERR_INTERNAL when
 * OpenSSL has no randomness to give. */
int secret_new(buf_t *out, const char *prefix, err_t *err);

/* Whether s is prefix followed by exactly SECRET_CHARS base32 characters
 * (what secret_new makes). */
bool secret_wellformed(const char *s, const char *prefix);

/* n random bytes in hex into out (2n + 1 bytes). -ERR_INTERNAL as above. */
int secret_random_hex(char *out, size_t n, err_t *err);

/* A random (version 4) UUID, "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx". */
int secret_uuid(char out[37], err_t *err);

/* SHA-256(salt_hex || secret) in hex: what is stored of a secret. */
void secret_hash(const char *salt_hex, const char *secret, char out[SECRET_HASH_HEX + 1]);

/* Whether secret hashes to hash_hex with salt_hex, compared in constant
 * time (a malformed stored hash never matches). */
bool secret_matches(const char *salt_hex, const char *hash_hex, const char *secret);

/* HMAC-SHA256 with key over a, then b (either may be NULL), in hex. */
void secret_hmac_hex(const char *key, const char *a, size_t alen, const char *b, size_t blen,
		     char out[SECRET_HASH_HEX + 1]);

#endif
