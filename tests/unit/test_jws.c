/* app/lib: base32 and jws (registry token signing, console-api.md §6.3).
 *
 * The keys under tests/unit/data/jws/ were made once with openssl, see the
 * README there. Signatures are checked with OpenSSL's verify side, against
 * the public key of the self-signed certificate made from the same key (what
 * the registry's rootcertbundle holds). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CUnit/CUnit.h>
#include <json-c/json.h>
#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "console/base32.h"
#include "console/base64.h"
#include "console/buf.h"
#include "console/err.h"
#include "console/jws.h"
#include "testlib.h"

/*
 * The kids of the fixed keys, derived by hand, independently of our code:
 *
 *   openssl pkey -in KEY -pubout -outform DER [-ec_conv_form uncompressed] \
 *     | openssl dgst -sha256 -binary \
 *     | python3 -c 'import sys,base64; h=sys.stdin.buffer.read()[:30];
 *                   s=base64.b32encode(h).decode();
 *                   print(":".join(s[i:i+4] for i in range(0,48,4)))'
 *
 * (-ec_conv_form uncompressed for the EC keys only — openssl refuses it for
 * RSA keys, and the pipe then hashes nothing: 4OYM:IQUY:... is the kid of
 * the empty string. Go, i.e. the registry, encodes EC public keys
 * uncompressed; ec256-compressed.pem stores its point compressed and its
 * as-is DER would give 5U63:ILXD:..., a kid no registry would match.)
 */
#define KID_RSA "5LLS:BZ4O:E4PF:TGLR:WSWF:4TFA:SQON:UTKZ:4UCI:VP6T:IBLC:NHOZ"
#define KID_EC  "TKZX:O2RW:RJ3C:AXOG:ZJJM:AISP:W3OS:QRKT:W325:JUJX:PWIA:4AZP"

static const char *data(const char *name)
{
	static char rel[256];
	snprintf(rel, sizeof(rel), "unit/data/jws/%s", name);
	return test_path(rel);
}

static jws_key_t *load(const char *name)
{
	jws_key_t *key = NULL;
	err_t err = ERR_INIT;
	int rc = jws_key_load(&key, data(name), &err);
	if (rc != 0)
		fprintf(stderr, "\n%s: %s\n", name, err.msg);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_PTR_NOT_NULL(key);
	return key;
}

static EVP_PKEY *cert_pubkey(const char *name);

/* ---- base32 ---------------------------------------------------------- */

static void test_base32_rfc4648(void)
{
	/* RFC 4648 §10 test vectors. */
	static const char *vec[][2] = {
		{ "", "" }, { "f", "MY======" }, { "fo", "MZXQ====" },
		{ "foo", "MZXW6===" }, { "foob", "MZXW6YQ=" }, { "fooba", "MZXW6YTB" },
		{ "foobar", "MZXW6YTBOI======" },
	};
	for (size_t i = 0; i < sizeof(vec) / sizeof(vec[0]); i++) {
		buf_t b = BUF_INIT;
		CU_ASSERT_EQUAL(base32_encode(&b, vec[i][0], strlen(vec[i][0])), 0);
		CU_ASSERT_STRING_EQUAL(b.data, vec[i][1]);
		buf_release(&b);
	}
	/* All byte values, against the bit-at-a-time definition. */
	unsigned char all[256];
	for (int i = 0; i < 256; i++)
		all[i] = (unsigned char)(255 - i);
	buf_t b = BUF_INIT;
	CU_ASSERT_EQUAL(base32_encode(&b, all, 255), 0);   /* 255 = 51 groups of 5 */
	CU_ASSERT_EQUAL(b.len, 408);
	int ok = 1;
	for (size_t c = 0; c < b.len; c++) {
		unsigned v = 0;
		for (size_t k = 0; k < 5; k++) {
			size_t bit = c * 5 + k;
			v = v << 1 | ((all[bit / 8] >> (7 - bit % 8)) & 1);
		}
		ok &= b.data[c] == "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"[v];
	}
	CU_ASSERT(ok);
	buf_release(&b);
	buf_t capped;
	buf_init(&capped, 7);
	CU_ASSERT_EQUAL(base32_encode(&capped, "f", 1), -ERR_TOO_BIG);
	buf_release(&capped);
}

/* ---- kid ------------------------------------------------------------- */

static void test_kid_fixed(void)
{
	static const struct { const char *file, *kid, *alg; } cases[] = {
		{ "rsa2048.pem", KID_RSA, "RS256" },         /* PKCS#8 */
		{ "rsa2048-pkcs1.pem", KID_RSA, "RS256" },   /* BEGIN RSA PRIVATE KEY */
		{ "ec256.pem", KID_EC, "ES256" },            /* PKCS#8 */
		{ "ec256-sec1.pem", KID_EC, "ES256" },       /* BEGIN EC PRIVATE KEY */
		{ "ec256-compressed.pem", KID_EC, "ES256" }, /* compressed point */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		jws_key_t *key = load(cases[i].file);
		if (!key)
			continue;
		CU_ASSERT_STRING_EQUAL(jws_key_kid(key), cases[i].kid);
		CU_ASSERT_EQUAL(strlen(jws_key_kid(key)), JWS_KID_LEN);
		CU_ASSERT_STRING_EQUAL(jws_key_alg(key), cases[i].alg);
		jws_key_free(key);
	}
	/* The certificates (what the registry trusts) name the same keys. */
	static const struct { const char *file, *kid; } certs[] = {
		{ "rsa2048-cert.pem", KID_RSA }, { "ec256-cert.pem", KID_EC },
	};
	for (size_t i = 0; i < 2; i++) {
		EVP_PKEY *pk = cert_pubkey(certs[i].file);
		unsigned char *der = NULL;
		int len = i2d_PUBKEY(pk, &der);
		CU_ASSERT_FATAL(len > 0);
		char kid[JWS_KID_LEN + 1];
		jws_kid_from_spki(der, (size_t)len, kid);
		CU_ASSERT_STRING_EQUAL(kid, certs[i].kid);
		OPENSSL_free(der);
		EVP_PKEY_free(pk);
	}
}

/* The test's own base32 + grouping, one bit at a time, to keep the check
 * independent of app/lib/base32.c. */
static void kid_by_hand(const unsigned char digest[30], char kid[JWS_KID_LEN + 1])
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	size_t k = 0;
	for (size_t c = 0; c < 48; c++) {
		unsigned v = 0;
		for (size_t bit = c * 5; bit < c * 5 + 5; bit++)
			v = v << 1 | ((digest[bit / 8] >> (7 - bit % 8)) & 1);
		if (c && c % 4 == 0)
			kid[k++] = ':';
		kid[k++] = a[v];
	}
	kid[k] = '\0';
}

/* The same derivation as the constants above, live: the DER comes from
 * the openssl command line (the test is skipped when there is none), the
 * hashing and encoding are the test's own. */
static void test_kid_openssl_cli(void)
{
	static const struct { const char *file, *opt; } files[] = {
		{ "rsa2048.pem", "" },
		{ "ec256.pem", "-ec_conv_form uncompressed" },
		{ "ec256-compressed.pem", "-ec_conv_form uncompressed" },
	};
	if (system("openssl version >/dev/null 2>&1") != 0) {
		fprintf(stderr, "\n(no openssl command: live kid check skipped)\n");
		return;
	}
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char cmd[4096];
		snprintf(cmd, sizeof(cmd), "openssl pkey -in '%s' -pubout -outform DER %s",
			 data(files[i].file), files[i].opt);
		FILE *p = popen(cmd, "r");
		CU_ASSERT_PTR_NOT_NULL_FATAL(p);
		unsigned char der[4096], digest[EVP_MAX_MD_SIZE];
		size_t n = fread(der, 1, sizeof(der), p);
		CU_ASSERT_EQUAL(pclose(p), 0);
		CU_ASSERT_FATAL(n > 64 && n < sizeof(der));
		unsigned int dlen = 0;
		CU_ASSERT_FATAL(EVP_Digest(der, n, digest, &dlen, EVP_sha256(), NULL) == 1);
		char expect[JWS_KID_LEN + 1];
		kid_by_hand(digest, expect);
		jws_key_t *key = load(files[i].file);
		if (key) {
			CU_ASSERT_STRING_EQUAL(jws_key_kid(key), expect);
		}
		jws_key_free(key);
	}
}

/* ---- signing --------------------------------------------------------- */

/* The public key of the certificate made from the key (as the registry
 * reads it from its rootcertbundle). */
static EVP_PKEY *cert_pubkey(const char *name)
{
	FILE *f = fopen(data(name), "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	CU_ASSERT_PTR_NOT_NULL_FATAL(x);
	EVP_PKEY *pk = X509_get_pubkey(x);
	X509_free(x);
	return pk;
}

struct parts {
	buf_t header, payload, sig;   /* decoded */
	const char *tbs;              /* the signed bytes: header.payload */
	size_t tbslen;
};

static int split(const char *token, struct parts *p)
{
	const char *d1 = strchr(token, '.');
	const char *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
	buf_init(&p->header, 0);
	buf_init(&p->payload, 0);
	buf_init(&p->sig, 0);
	if (!d1 || !d2 || strchr(d2 + 1, '.') || strchr(token, '='))
		return -1;
	p->tbs = token;
	p->tbslen = (size_t)(d2 - token);
	if (base64url_decode(&p->header, token, (size_t)(d1 - token)) ||
	    base64url_decode(&p->payload, d1 + 1, (size_t)(d2 - d1 - 1)) ||
	    base64url_decode(&p->sig, d2 + 1, strlen(d2 + 1)))
		return -1;
	return 0;
}

static void parts_release(struct parts *p)
{
	buf_release(&p->header);
	buf_release(&p->payload);
	buf_release(&p->sig);
}

/* 1 when sig verifies over tbs with pk; ES256's r||s is turned back into
 * the DER form OpenSSL verifies. */
static int verify(EVP_PKEY *pk, const char *alg, const void *tbs, size_t tbslen,
		  const unsigned char *sig, size_t siglen)
{
	unsigned char *der = NULL;
	int derlen = 0, ok = 0;
	if (strcmp(alg, "ES256") == 0) {
		if (siglen != 64)
			return 0;
		ECDSA_SIG *es = ECDSA_SIG_new();
		BIGNUM *r = BN_bin2bn(sig, 32, NULL), *s = BN_bin2bn(sig + 32, 32, NULL);
		ECDSA_SIG_set0(es, r, s);
		derlen = i2d_ECDSA_SIG(es, &der);
		ECDSA_SIG_free(es);
		sig = der;
		siglen = (size_t)derlen;
	}
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, pk) == 1)
		ok = EVP_DigestVerify(ctx, sig, siglen, tbs, tbslen) == 1;
	EVP_MD_CTX_free(ctx);
	OPENSSL_free(der);
	return ok;
}

static void check_signing(const char *keyfile, const char *certfile, const char *alg,
			  const char *kid, size_t siglen, int rounds)
{
	jws_key_t *key = load(keyfile);
	if (!key)
		return;
	EVP_PKEY *pk = cert_pubkey(certfile);
	char expect_header[160];
	snprintf(expect_header, sizeof(expect_header),
		 "{\"typ\":\"JWT\",\"alg\":\"%s\",\"kid\":\"%s\"}", alg, kid);
	const char *payload = "{\"iss\":\"auth server\",\"sub\":\"alice\",\"aud\":\"lain.local\","
		"\"access\":[{\"type\":\"repository\",\"name\":\"hello/world\",\"actions\":[\"pull\",\"push\"]}]}";
	buf_t first = BUF_INIT;
	int verified = 0;
	for (int i = 0; i < rounds; i++) {
		buf_t tok = BUF_INIT;
		err_t err = ERR_INIT;
		CU_ASSERT_EQUAL_FATAL(jws_sign(key, payload, &tok, &err), 0);
		struct parts p;
		CU_ASSERT_EQUAL(split(tok.data, &p), 0);
		CU_ASSERT_STRING_EQUAL(p.header.data, expect_header);
		CU_ASSERT_STRING_EQUAL(p.payload.data, payload);
		CU_ASSERT_EQUAL(p.sig.len, siglen);
		verified += verify(pk, alg, p.tbs, p.tbslen,
				   (unsigned char *)p.sig.data, p.sig.len);
		if (i == 0) {
			buf_addstr(&first, tok.data);
			/* A changed payload byte or signature byte must not verify. */
			char *bad = strdup(p.tbs);
			bad[p.tbslen - 3] ^= 1;
			CU_ASSERT_FALSE(verify(pk, alg, bad, p.tbslen,
					       (unsigned char *)p.sig.data, p.sig.len));
			free(bad);
			p.sig.data[siglen / 2] ^= 0x40;
			CU_ASSERT_FALSE(verify(pk, alg, p.tbs, p.tbslen,
					       (unsigned char *)p.sig.data, p.sig.len));
		} else if (i == 1) {
			/* PKCS#1 v1.5 is deterministic, ECDSA draws a nonce. */
			if (strcmp(alg, "RS256") == 0) {
				CU_ASSERT_STRING_EQUAL(tok.data, first.data);
			} else {
				CU_ASSERT_STRING_NOT_EQUAL(tok.data, first.data);
			}
		}
		parts_release(&p);
		buf_release(&tok);
	}
	CU_ASSERT_EQUAL(verified, rounds);
	buf_release(&first);
	EVP_PKEY_free(pk);
	jws_key_free(key);
}

static void test_sign_rs256(void)
{
	check_signing("rsa2048.pem", "rsa2048-cert.pem", "RS256", KID_RSA, 256, 3);
}

static void test_sign_es256(void)
{
	/* Many rounds: about one signature in 128 has an r or s shorter than 32
	 * bytes, which must still come out padded to 32. */
	check_signing("ec256.pem", "ec256-cert.pem", "ES256", KID_EC, 64, 400);
}

static void test_sign_es256_compressed_key(void)
{
	/* Signs as its uncompressed twin: the same certificate verifies it. */
	check_signing("ec256-compressed.pem", "ec256-cert.pem", "ES256", KID_EC, 64, 3);
}

/* The master loads the key and forks the workers: a worker's signatures must
 * verify and must not repeat another process's ECDSA nonce (same r). */
static void test_sign_after_fork(void)
{
	jws_key_t *key = load("ec256.pem");
	if (!key)
		return;
	const char *payload = "{\"sub\":\"same payload in both processes\"}";
	int fds[2];
	CU_ASSERT_EQUAL_FATAL(pipe(fds), 0);
	pid_t pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		buf_t tok = BUF_INIT;
		int rc = jws_sign(key, payload, &tok, NULL);
		ssize_t w = write(fds[1], tok.data, tok.len);
		int ok = rc == 0 && w == (ssize_t)tok.len;
		buf_release(&tok);
		jws_key_free(key);
		/* _exit: CUnit's and OpenSSL's globals stay reachable, not lost. */
		_exit(ok ? 0 : 1);
	}
	close(fds[1]);
	char child[512];
	ssize_t n = read(fds[0], child, sizeof(child) - 1);
	close(fds[0]);
	int status = 0;
	waitpid(pid, &status, 0);
	CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CU_ASSERT_FATAL(n > 0);
	child[n] = '\0';
	buf_t tok = BUF_INIT;
	CU_ASSERT_EQUAL(jws_sign(key, payload, &tok, NULL), 0);
	struct parts pc, pp;
	CU_ASSERT_EQUAL(split(child, &pc), 0);
	CU_ASSERT_EQUAL(split(tok.data, &pp), 0);
	EVP_PKEY *pk = cert_pubkey("ec256-cert.pem");
	CU_ASSERT(verify(pk, "ES256", pc.tbs, pc.tbslen, (unsigned char *)pc.sig.data, pc.sig.len));
	CU_ASSERT(verify(pk, "ES256", pp.tbs, pp.tbslen, (unsigned char *)pp.sig.data, pp.sig.len));
	CU_ASSERT_EQUAL(pc.sig.len, 64);
	CU_ASSERT_EQUAL(pp.sig.len, 64);
	if (pc.sig.len == 64 && pp.sig.len == 64) {
		CU_ASSERT(memcmp(pc.sig.data, pp.sig.data, 32) != 0);
	}
	EVP_PKEY_free(pk);
	parts_release(&pc);
	parts_release(&pp);
	buf_release(&tok);
	jws_key_free(key);
}

static void test_sign_json_object(void)
{
	jws_key_t *key = load("ec256.pem");
	if (!key)
		return;
	json_object *claims = json_object_new_object();
	json_object_object_add(claims, "iss", json_object_new_string("auth server"));
	json_object_object_add(claims, "name", json_object_new_string("a/b"));
	json_object_object_add(claims, "exp", json_object_new_int64(1790000000));
	buf_t tok = BUF_INIT;
	err_t err = ERR_INIT;
	CU_ASSERT_EQUAL(jws_sign_json(key, claims, &tok, &err), 0);
	struct parts p;
	CU_ASSERT_EQUAL(split(tok.data, &p), 0);
	CU_ASSERT_STRING_EQUAL(p.payload.data,
			       "{\"iss\":\"auth server\",\"name\":\"a/b\",\"exp\":1790000000}");
	EVP_PKEY *pk = cert_pubkey("ec256-cert.pem");
	CU_ASSERT(verify(pk, "ES256", p.tbs, p.tbslen, (unsigned char *)p.sig.data, p.sig.len));
	EVP_PKEY_free(pk);
	parts_release(&p);

	json_object *arr = json_object_new_array();
	buf_reset(&tok);
	CU_ASSERT_EQUAL(jws_sign_json(key, arr, &tok, &err), -ERR_INVALID);
	CU_ASSERT_EQUAL(tok.len, 0);
	json_object_put(arr);
	json_object_put(claims);
	buf_release(&tok);
	jws_key_free(key);
}

static void test_sign_bad_payload(void)
{
	jws_key_t *key = load("rsa2048.pem");
	if (!key)
		return;
	static const char *bad[] = {
		"", " ", "[]", "null", "\"str\"", "42", "{", "{\"a\":}", "{} {}", "{}x",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		buf_t tok = BUF_INIT;
		buf_addstr(&tok, "kept");
		err_t err = ERR_INIT;
		CU_ASSERT_EQUAL(jws_sign(key, bad[i], &tok, &err), -ERR_INVALID);
		CU_ASSERT_STRING_EQUAL(tok.data, "kept");
		CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "not a json object"));
		buf_release(&tok);
	}
	/* Whitespace around the object is fine, and signed as given. */
	buf_t tok = BUF_INIT;
	buf_addstr(&tok, "kept:");
	CU_ASSERT_EQUAL(jws_sign(key, " {\"a\": 1}\n", &tok, NULL), 0);
	struct parts p;
	CU_ASSERT_EQUAL(split(tok.data + 5, &p), 0);
	CU_ASSERT_STRING_EQUAL(p.payload.data, " {\"a\": 1}\n");
	CU_ASSERT_PREFIX(tok.data, "kept:");
	parts_release(&p);
	/* A cap too small for the token leaves the buffer as it was. */
	buf_t small;
	buf_init(&small, 300);
	buf_addstr(&small, "kept");
	err_t err = ERR_INIT;
	CU_ASSERT_EQUAL(jws_sign(key, "{\"a\":1}", &small, &err), -ERR_TOO_BIG);
	CU_ASSERT_STRING_EQUAL(small.data, "kept");
	buf_release(&small);
	buf_release(&tok);
	jws_key_free(key);
}

/* ---- load errors ----------------------------------------------------- */

static void expect_load_error(const char *file, int code, const char *words)
{
	jws_key_t *key = (jws_key_t *)&key;   /* must be reset to NULL */
	err_t err = ERR_INIT;
	const char *path = data(file);
	CU_ASSERT_EQUAL(jws_key_load(&key, path, &err), code);
	CU_ASSERT_PTR_NULL(key);
	CU_ASSERT_EQUAL(err.code, code);
	if (!strstr(err.msg, words) || !strstr(err.msg, file))
		fprintf(stderr, "\n%s: unexpected message: %s\n", file, err.msg);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, words));
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, file));   /* names the file */
}

static void test_load_errors(void)
{
	expect_load_error("no-such-key.pem", -ERR_NOT_FOUND, "cannot open: No such file");
	expect_load_error("ec384.pem", -ERR_INVALID, "curve 'secp384r1' is not supported");
	expect_load_error("ed25519.pem", -ERR_INVALID, "key type 'ED25519' is not supported");
	expect_load_error("rsa1024.pem", -ERR_INVALID, "1024 bits is too weak");
	expect_load_error("rsa2048-cert.pem", -ERR_INVALID, "no private key");
	expect_load_error("ec256-encrypted.pem", -ERR_INVALID, "encrypted");
	expect_load_error("README", -ERR_INVALID, "not a pem file");
	expect_load_error("", -ERR_INVALID, "cannot");   /* a directory */
}

static void test_load_pem_memory(void)
{
	jws_key_t *key = NULL;
	err_t err = ERR_INIT;
	static const char junk[] = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
	CU_ASSERT_EQUAL(jws_key_load_pem(&key, junk, strlen(junk), "inline", &err),
			-ERR_INVALID);
	CU_ASSERT_PTR_NULL(key);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "jws key 'inline': no private key could be read"));
	/* A file with the certificate before the key still loads the key. */
	buf_t both = BUF_INIT;
	const char *files[] = { "rsa2048-cert.pem", "rsa2048.pem" };
	for (int i = 0; i < 2; i++) {
		FILE *f = fopen(data(files[i]), "r");
		CU_ASSERT_PTR_NOT_NULL_FATAL(f);
		char chunk[4096];
		size_t n;
		while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
			buf_add(&both, chunk, n);
		fclose(f);
	}
	CU_ASSERT_EQUAL(jws_key_load_pem(&key, both.data, both.len, "both", &err), 0);
	if (key) {
		CU_ASSERT_STRING_EQUAL(jws_key_kid(key), KID_RSA);
	}
	jws_key_free(key);
	jws_key_free(NULL);
	buf_release(&both);
}

static CU_TestInfo base32_tests[] = {
	{ "rfc 4648 vectors and all bytes", test_base32_rfc4648 },
	CU_TEST_INFO_NULL,
};

static CU_TestInfo kid_tests[] = {
	{ "kid of the fixed keys", test_kid_fixed },
	{ "kid equals the openssl command line's", test_kid_openssl_cli },
	CU_TEST_INFO_NULL,
};

static CU_TestInfo sign_tests[] = {
	{ "rs256 verifies", test_sign_rs256 },
	{ "es256 verifies (r||s)", test_sign_es256 },
	{ "es256 with a compressed-point key file", test_sign_es256_compressed_key },
	{ "es256 in a forked worker", test_sign_after_fork },
	{ "json-c payload", test_sign_json_object },
	{ "bad payloads and caps", test_sign_bad_payload },
	CU_TEST_INFO_NULL,
};

static CU_TestInfo load_tests[] = {
	{ "unsupported and missing keys", test_load_errors },
	{ "pem in memory", test_load_pem_memory },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "base32", NULL, NULL, NULL, NULL, base32_tests },
	{ "jws kid", NULL, NULL, NULL, NULL, kid_tests },
	{ "jws sign", NULL, NULL, NULL, NULL, sign_tests },
	{ "jws load", NULL, NULL, NULL, NULL, load_tests },
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return test_main(suites);
}
