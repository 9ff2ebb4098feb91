#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <json-c/json.h>
#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "console/base32.h"
#include "console/base64.h"
#include "console/jws.h"
#include "console/xalloc.h"
#include "console/banned.h"

/* A PEM key is a few KiB at most; anything bigger is not a key file. */
#define PEM_MAX (1 << 20)
/* Tokens are small; this bounds what a caller's bug can make us sign. */
#define PAYLOAD_MAX (1 << 20)
#define RSA_MIN_BITS 2048
/* ES256: r and s are P-256 scalars, 32 bytes each. */
#define ES256_HALF 32
/* Room for a signature: RSA up to 8192 bits, an ECDSA DER SEQUENCE. */
#define SIG_MAX 1024

enum jws_alg { JWS_RS256, JWS_ES256 };

struct jws_key {
	EVP_PKEY *pkey;
	EVP_MD *sha256;
	/* Made once at load and reused by every signature: setting up a
	 * signing context costs about as much as an ES256 signature. */
	EVP_PKEY_CTX *sign_ctx;
	enum jws_alg alg;
	char kid[JWS_KID_LEN + 1];
	char *header;   /* base64url of the header JSON */
};

/* The reason of OpenSSL's last error, for messages; empties its queue so a
 * stale error never shows up in a later, unrelated message. */
static const char *ssl_reason(char *b, size_t n)
{
	unsigned long e = ERR_peek_last_error();
	if (e)
		ERR_error_string_n(e, b, n);
	else
		snprintf(b, n, "no detail from openssl");
	ERR_clear_error();
	return b;
}

void jws_kid_from_spki(const void *der, size_t len, char kid[JWS_KID_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	/* SHA-256 cannot fail on memory input short of a broken library; an
	 * all-zero digest would then give a kid no registry trusts. */
	if (!EVP_Digest(der, len, md, &mdlen, EVP_sha256(), NULL))
		memset(md, 0, sizeof(md));
	buf_t b32 = BUF_INIT;
	base32_encode(&b32, md, 30);   /* 240 bits: 48 characters, no padding */
	size_t k = 0;
	for (size_t i = 0; i < 48; i++) {
		if (i && i % 4 == 0)
			kid[k++] = ':';
		kid[k++] = b32.data[i];
	}
	kid[k] = '\0';
	buf_release(&b32);
}

/* Checks the key's type and fixes the algorithm; for EC keys also fixes the
 * public key's encoding so the kid is the one the registry computes. */
static int check_type(struct jws_key *key, const char *name, err_t *err)
{
	EVP_PKEY *pkey = key->pkey;
	char detail[256];

	if (EVP_PKEY_is_a(pkey, "RSA")) {
		int bits = EVP_PKEY_get_bits(pkey);
		if (bits < RSA_MIN_BITS)
			return err_set(err, -ERR_INVALID,
				       "jws key '%s': rsa key of %d bits is too weak, "
				       "use %d bits or more (scripts/gen-registry-key)",
				       name, bits, RSA_MIN_BITS);
		if (EVP_PKEY_get_size(pkey) > SIG_MAX)
			return err_set(err, -ERR_INVALID,
				       "jws key '%s': rsa key of %d bits is not supported, "
				       "use at most %d bits", name, bits, SIG_MAX * 8);
		key->alg = JWS_RS256;
		return 0;
	}
	if (EVP_PKEY_is_a(pkey, "EC")) {
		char group[64] = "";
		size_t glen = 0;
		if (!EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME,
						    group, sizeof(group), &glen)) {
			ERR_clear_error();
			return err_set(err, -ERR_INVALID,
				       "jws key '%s': ec key with explicit curve parameters "
				       "is not supported, use a named p-256 key "
				       "(openssl genpkey -algorithm EC -pkeyopt "
				       "ec_paramgen_curve:P-256)", name);
		}
		if (OBJ_txt2nid(group) != NID_X9_62_prime256v1)
			return err_set(err, -ERR_INVALID,
				       "jws key '%s': ec curve '%s' is not supported, "
				       "only p-256 (prime256v1, ES256) is", name, group);
		/* A key file may carry its public point compressed; Go (the
		 * registry) encodes it uncompressed, so must we or the kids
		 * differ. */
		if (!EVP_PKEY_set_utf8_string_param(pkey,
				OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
				OSSL_PKEY_EC_POINT_CONVERSION_FORMAT_UNCOMPRESSED) ||
		    !EVP_PKEY_set_utf8_string_param(pkey, OSSL_PKEY_PARAM_EC_ENCODING,
				OSSL_PKEY_EC_ENCODING_GROUP))
			return err_set(err, -ERR_INTERNAL,
				       "jws key '%s': cannot set the ec point format: %s",
				       name, ssl_reason(detail, sizeof(detail)));
		key->alg = JWS_ES256;
		return 0;
	}
	const char *type = EVP_PKEY_get0_type_name(pkey);
	return err_set(err, -ERR_INVALID,
		       "jws key '%s': key type '%s' is not supported, use an rsa key "
		       "(RS256) or an ec p-256 key (ES256)", name, type ? type : "unknown");
}

static int make_kid_and_header(struct jws_key *key, const char *name, err_t *err)
{
	char detail[256];
	unsigned char *der = NULL;
	int len = i2d_PUBKEY(key->pkey, &der);
	if (len <= 0)
		return err_set(err, -ERR_INTERNAL,
			       "jws key '%s': cannot encode the public key: %s",
			       name, ssl_reason(detail, sizeof(detail)));
	jws_kid_from_spki(der, (size_t)len, key->kid);
	OPENSSL_free(der);

	/* json-c keeps insertion order: typ, alg, kid, as the original sent. */
	json_object *h = json_object_new_object();
	json_object_object_add(h, "typ", json_object_new_string("JWT"));
	json_object_object_add(h, "alg", json_object_new_string(jws_key_alg(key)));
	json_object_object_add(h, "kid", json_object_new_string(key->kid));
	size_t hlen = 0;
	const char *text = json_object_to_json_string_length(h,
		JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &hlen);
	buf_t b = BUF_INIT;
	base64url_encode(&b, text, hlen);
	key->header = buf_detach(&b, NULL);
	json_object_put(h);
	return 0;
}

/* The password callback: an encrypted key cannot be used unattended, so
 * note that one was asked for and give none. */
static int no_password(char *buf, int size, int rwflag, void *u)
{
	*(int *)u = 1;
	return -1;
}

int jws_key_load_pem(jws_key_t **out, const char *pem, size_t len,
		     const char *name, err_t *err)
{
	struct jws_key *key = xcalloc(1, sizeof(*key));
	char detail[256];
	int rc = 0, encrypted = 0;
	BIO *bio = NULL;

	*out = NULL;
	if (len > PEM_MAX) {
		rc = err_set(err, -ERR_INVALID, "jws key '%s': %zu bytes is too big "
			     "for a pem key file", name, len);
		goto cleanup;
	}
	bio = BIO_new_mem_buf(pem, (int)len);
	if (!bio) {
		rc = err_set(err, -ERR_INTERNAL, "jws key '%s': %s", name,
			     ssl_reason(detail, sizeof(detail)));
		goto cleanup;
	}
	key->pkey = PEM_read_bio_PrivateKey(bio, NULL, no_password, &encrypted);
	if (!key->pkey) {
		ssl_reason(detail, sizeof(detail));
		if (encrypted)
			rc = err_set(err, -ERR_INVALID, "jws key '%s': the key is "
				     "encrypted, give it unencrypted (openssl pkey -in "
				     "KEY -out PLAIN) and protect the file instead", name);
		else if (!memmem(pem, len, "PRIVATE KEY-----", 16) &&
			 (memmem(pem, len, "-----BEGIN CERTIFICATE", 22) ||
			  memmem(pem, len, "PUBLIC KEY-----", 15)))
			rc = err_set(err, -ERR_INVALID, "jws key '%s': holds a "
				     "certificate or public key but no private key; "
				     "give the private key (the certificate goes to the "
				     "registry's rootcertbundle)", name);
		else if (!memmem(pem, len, "-----BEGIN ", 11))
			rc = err_set(err, -ERR_INVALID, "jws key '%s': not a pem file "
				     "(no '-----BEGIN' line)", name);
		else
			rc = err_set(err, -ERR_INVALID, "jws key '%s': no private key "
				     "could be read: %s", name, detail);
		goto cleanup;
	}
	rc = check_type(key, name, err);
	if (rc < 0)
		goto cleanup;
	key->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	if (!key->sha256) {
		rc = err_set(err, -ERR_INTERNAL, "jws key '%s': sha-256 unavailable: %s",
			     name, ssl_reason(detail, sizeof(detail)));
		goto cleanup;
	}
	key->sign_ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key->pkey, NULL);
	if (!key->sign_ctx || EVP_PKEY_sign_init(key->sign_ctx) <= 0 ||
	    EVP_PKEY_CTX_set_signature_md(key->sign_ctx, key->sha256) <= 0 ||
	    (key->alg == JWS_RS256 &&
	     EVP_PKEY_CTX_set_rsa_padding(key->sign_ctx, RSA_PKCS1_PADDING) <= 0)) {
		rc = err_set(err, -ERR_INTERNAL, "jws key '%s': cannot prepare signing: %s",
			     name, ssl_reason(detail, sizeof(detail)));
		goto cleanup;
	}
	rc = make_kid_and_header(key, name, err);
	if (rc < 0)
		goto cleanup;
	*out = key;
	key = NULL;
cleanup:
	BIO_free(bio);
	jws_key_free(key);
	return rc;
}

int jws_key_load(jws_key_t **out, const char *pem_path, err_t *err)
{
	buf_t pem;
	struct stat st;
	char chunk[4096];
	size_t n;
	int rc = 0;
	FILE *f = NULL;

	*out = NULL;
	buf_init(&pem, PEM_MAX);
	f = fopen(pem_path, "rb");
	if (!f) {
		int e = errno;
		rc = err_set(err, e == ENOENT ? -ERR_NOT_FOUND : -ERR_INVALID,
			     "jws key '%s': cannot open: %s", pem_path, strerror(e));
		goto cleanup;
	}
	/* Sized up front so the key is not left behind by a reallocation. */
	if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && st.st_size < PEM_MAX)
		buf_grow(&pem, (size_t)st.st_size + 1);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (buf_add(&pem, chunk, n) < 0) {
			rc = err_set(err, -ERR_INVALID, "jws key '%s': larger than %d "
				     "bytes, not a pem key file", pem_path, PEM_MAX);
			goto cleanup;
		}
	}
	if (ferror(f)) {
		rc = err_set(err, -ERR_INVALID, "jws key '%s': cannot read: %s",
			     pem_path, strerror(errno));
		goto cleanup;
	}
	rc = jws_key_load_pem(out, pem.data, pem.len, pem_path, err);
cleanup:
	if (f)
		fclose(f);
	/* The buffer held the private key: do not leave it in freed memory. */
	if (pem.cap)
		OPENSSL_cleanse(pem.data, pem.cap);
	OPENSSL_cleanse(chunk, sizeof(chunk));
	buf_release(&pem);
	return rc;
}

void jws_key_free(jws_key_t *key)
{
	if (!key)
		return;
	EVP_PKEY_CTX_free(key->sign_ctx);
	EVP_PKEY_free(key->pkey);
	EVP_MD_free(key->sha256);
	free(key->header);
	free(key);
}

const char *jws_key_alg(const jws_key_t *key)
{
	return key->alg == JWS_ES256 ? "ES256" : "RS256";
}

const char *jws_key_kid(const jws_key_t *key)
{
	return key->kid;
}

/* OpenSSL gives ECDSA signatures as DER SEQUENCE { r, s }; JWS (RFC 7518
 * §3.4) wants r and s as fixed 32-byte big-endian numbers, concatenated. */
static int ecdsa_der_to_jose(const unsigned char *der, size_t len,
			     unsigned char out[2 * ES256_HALF])
{
	const unsigned char *p = der;
	ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)len);
	int ok = 0;
	if (sig) {
		const BIGNUM *r = NULL, *s = NULL;
		ECDSA_SIG_get0(sig, &r, &s);
		ok = BN_bn2binpad(r, out, ES256_HALF) == ES256_HALF &&
		     BN_bn2binpad(s, out + ES256_HALF, ES256_HALF) == ES256_HALF;
		ECDSA_SIG_free(sig);
	}
	return ok ? 0 : -1;
}

/* Signs payload (len bytes, already checked) into out. */
static int sign_bytes(const jws_key_t *key, const char *payload, size_t len,
		      buf_t *out, err_t *err)
{
	size_t start = out->len, siglen = SIG_MAX;
	unsigned char digest[EVP_MAX_MD_SIZE], sig[SIG_MAX], jose[2 * ES256_HALF];
	const unsigned char *sigout = sig;
	unsigned int dlen = 0;
	char detail[256];
	int rc;

	if ((rc = buf_addstr(out, key->header)) < 0 ||
	    (rc = buf_addch(out, '.')) < 0 ||
	    (rc = base64url_encode(out, payload, len)) < 0) {
		rc = err_set(err, rc, "jws: token larger than its buffer allows");
		goto cleanup;
	}
	/* RS256 and ES256 both sign the SHA-256 of "<header>.<payload>". */
	if (!EVP_Digest(out->data + start, out->len - start, digest, &dlen,
			key->sha256, NULL) ||
	    EVP_PKEY_sign(key->sign_ctx, sig, &siglen, digest, dlen) <= 0) {
		rc = err_set(err, -ERR_INTERNAL, "jws: signing failed: %s",
			     ssl_reason(detail, sizeof(detail)));
		goto cleanup;
	}
	if (key->alg == JWS_ES256) {
		if (ecdsa_der_to_jose(sig, siglen, jose) < 0) {
			rc = err_set(err, -ERR_INTERNAL, "jws: cannot convert the ecdsa "
				     "signature: %s", ssl_reason(detail, sizeof(detail)));
			goto cleanup;
		}
		sigout = jose;
		siglen = sizeof(jose);
	}
	if ((rc = buf_addch(out, '.')) < 0 ||
	    (rc = base64url_encode(out, sigout, siglen)) < 0) {
		rc = err_set(err, rc, "jws: token larger than its buffer allows");
		goto cleanup;
	}
	rc = 0;
cleanup:
	if (rc < 0) {
		/* Leave out as it was (its bytes past start are junk now). */
		out->len = start;
		out->data[start] = '\0';
	}
	return rc;
}

int jws_sign(const jws_key_t *key, const char *payload_json, buf_t *out, err_t *err)
{
	size_t len = strlen(payload_json), end;
	json_tokener *tok = NULL;
	json_object *obj = NULL;
	int rc = 0;

	if (len > PAYLOAD_MAX) {
		rc = err_set(err, -ERR_TOO_BIG, "jws: a payload of %zu bytes is too big "
			     "(at most %d)", len, PAYLOAD_MAX);
		goto cleanup;
	}
	tok = json_tokener_new();
	obj = json_tokener_parse_ex(tok, payload_json, (int)len);
	end = json_tokener_get_parse_end(tok);
	while (end < len && strchr(" \t\r\n", payload_json[end]))
		end++;
	if (!obj || json_tokener_get_error(tok) != json_tokener_success || end != len ||
	    !json_object_is_type(obj, json_type_object)) {
		rc = err_set(err, -ERR_INVALID, "jws: the payload is not a json object");
		goto cleanup;
	}
	rc = sign_bytes(key, payload_json, len, out, err);
cleanup:
	json_object_put(obj);
	if (tok)
		json_tokener_free(tok);
	return rc;
}

int jws_sign_json(const jws_key_t *key, json_object *payload, buf_t *out, err_t *err)
{
	if (!json_object_is_type(payload, json_type_object))
		return err_set(err, -ERR_INVALID, "jws: the payload is not a json object");
	size_t len = 0;
	const char *text = json_object_to_json_string_length(payload,
		JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	return sign_bytes(key, text, len, out, err);
}
