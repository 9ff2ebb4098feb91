/*
 * jws — compact JWS (JWT) signing for the registry token server.
 *
 * A jws_key_t is a private key loaded once (at start or on reload) from a PEM
 * file, with everything that does not change per token computed at load:
 *   - the algorithm: an RSA key (2048 bits or more) signs RS256 (RSASSA-PKCS1
 *     v1.5 with SHA-256), an EC key on P-256 signs ES256 (ECDSA P-256 SHA-256
 *     in the JOSE form: r||s, 32 bytes each — not DER); any other key is
 *     refused with a message naming its type;
 *   - the kid: the libtrust key id of the public key, the way the Docker
 *     registry names the keys of its `rootcertbundle` (console-api.md §6.3):
 *     SHA-256 of the DER SubjectPublicKeyInfo, first 240 bits, base32,
 *     12 groups of 4 joined by ':' (59 characters). EC public keys are
 *     always encoded uncompressed with a named curve, as Go encodes the
 *     certificate's key, whatever form the PEM file used;
 *   - the header {"typ":"JWT","alg":"<alg>","kid":"<kid>"}, base64url.
 *
 *     jws_key_t *key;
 *     if (jws_key_load(&key, path, &err) < 0)
 *         ... err.msg says why ...
 *     buf_t token = BUF_INIT;
 *     if (jws_sign(key, "{\"iss\":\"auth server\"}", &token, &err) == 0)
 *         ... token.data is "<header>.<payload>.<signature>" ...
 *     buf_release(&token);
 *     jws_key_free(key);
 *
 * The key also holds the signing context, prepared once and reused by every
 * signature (setting one up costs about as much as an ES256 signature), so
 * one key must not sign from several threads at once. A key loaded in the
 * master before the fork serves every worker as it is: each has its own copy,
 * and OpenSSL reseeds its random generator in a new process (ES256 draws a
 * nonce per signature).
 */
#ifndef CONSOLE_JWS_H
#define CONSOLE_JWS_H

#include <stddef.h>

#include "console/buf.h"
#include "console/err.h"

struct json_object;

typedef struct jws_key jws_key_t;

/* Length of a kid, without its NUL. */
#define JWS_KID_LEN 59

/* Loads the PEM private key in the file pem_path (PKCS#8 "PRIVATE KEY",
 * "RSA PRIVATE KEY" or "EC PRIVATE KEY"; other PEM blocks in the file, a
 * certificate say, are skipped). On success *out is a new key (free it with
 * jws_key_free) and 0 is returned. On failure *out is NULL and:
 *   -ERR_NOT_FOUND  the file does not exist;
 *   -ERR_INVALID    it cannot be read, holds no private key (only a
 *                   certificate or public key, say), is encrypted, or the
 *                   key's type is not supported (RSA < 2048 bits, EC on
 *                   another curve than P-256, Ed25519, DSA, ...).
 * err's message names the file and what to do. */
int jws_key_load(jws_key_t **out, const char *pem_path, err_t *err);

/* Same from PEM text in memory (len bytes, need not be NUL-terminated);
 * name stands for the key in error messages. */
int jws_key_load_pem(jws_key_t **out, const char *pem, size_t len,
		     const char *name, err_t *err);

/* Frees key and everything it holds; NULL is a no-op. */
void jws_key_free(jws_key_t *key);

/* "RS256" or "ES256"; static storage. */
const char *jws_key_alg(const jws_key_t *key);

/* The key id (JWS_KID_LEN characters), valid as long as key. */
const char *jws_key_kid(const jws_key_t *key);

/* The libtrust key id of a DER-encoded SubjectPublicKeyInfo, written to kid
 * (JWS_KID_LEN characters and a NUL). The encoding is taken as it is. */
void jws_kid_from_spki(const void *der, size_t len, char kid[JWS_KID_LEN + 1]);

/* Appends a compact JWS "<header>.<payload>.<signature>" (base64url without
 * padding) signing payload_json, which must be one JSON object (whitespace
 * around it is allowed); its bytes are signed as given. Returns 0;
 * -ERR_INVALID when payload_json is not a JSON object; -ERR_TOO_BIG when
 * it is over 1 MiB or out's cap would be passed; -ERR_INTERNAL when OpenSSL fails. On failure
 * out is left as it was. */
int jws_sign(const jws_key_t *key, const char *payload_json, buf_t *out, err_t *err);

/* Same with the payload given as a json-c object (serialized compactly,
 * '/' not escaped); -ERR_INVALID when it is not an object. payload is not
 * modified nor freed. */
int jws_sign_json(const jws_key_t *key, struct json_object *payload, buf_t *out,
		  err_t *err);

#endif
