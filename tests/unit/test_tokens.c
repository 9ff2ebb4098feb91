/*
 * The registry token server's pure parts: scope parsing, the grant table,
 * the IP whitelist, claims (signed, decoded and verified with OpenSSL), and
 * http_query_each for repeated `scope` parameters.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>
#include <json-c/json.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "console/base64.h"
#include "console/http.h"
#include "console/ipset.h"
#include "console/jws.h"
#include "console/token_policy.h"
#include "testlib.h"

#define PP (TOKEN_PULL | TOKEN_PUSH)

/* ---- scopes ------------------------------------------------------------------- */

static const struct {
	const char *scope;
	int rc;                 /* 0 or -ERR_INVALID */
	size_t nrepos;
	const char *name[3];
	unsigned want[3];
	size_t ndropped;
} scope_cases[] = {
	{ "repository:hello:pull", 0, 1, { "hello" }, { TOKEN_PULL }, 0 },
	{ "repository:hello:push", 0, 1, { "hello" }, { TOKEN_PUSH }, 0 },
	{ "repository:hello:pull,push", 0, 1, { "hello" }, { PP }, 0 },
	{ "repository:hello:push,pull", 0, 1, { "hello" }, { PP }, 0 },
	{ "", 0, 0, { NULL }, { 0 }, 0 },
	{ "   ", 0, 0, { NULL }, { 0 }, 0 },
	/* several entries in one parameter (space-separated), merged per name */
	{ "repository:a:pull repository:b:push", 0, 2, { "a", "b" }, { TOKEN_PULL, TOKEN_PUSH }, 0 },
	{ "repository:a:pull repository:a:push", 0, 1, { "a" }, { PP }, 0 },
	/* '*' and other actions are parsed, not granted */
	{ "repository:hello:*", 0, 1, { "hello" }, { 0 }, 0 },
	{ "repository:hello:delete,pull", 0, 1, { "hello" }, { TOKEN_PULL }, 0 },
	{ "repository:hello:pull,*", 0, 1, { "hello" }, { TOKEN_PULL }, 0 },
	/* other types: dropped */
	{ "registry:catalog:*", 0, 0, { NULL }, { 0 }, 1 },
	{ "repository(plugin):hello:pull", 0, 0, { NULL }, { 0 }, 1 },
	{ "Repository:hello:pull", 0, 0, { NULL }, { 0 }, 1 },
	/* names with slashes and separators */
	{ "repository:library/hello:pull", 0, 1, { "library/hello" }, { TOKEN_PULL }, 0 },
	{ "repository:a/b/c:push", 0, 1, { "a/b/c" }, { TOKEN_PUSH }, 0 },
	{ "repository:my-app.v2__x_y:pull", 0, 1, { "my-app.v2__x_y" }, { TOKEN_PULL }, 0 },
	{ "repository:resource.redis.hello:pull", 0, 1, { "resource.redis.hello" }, { TOKEN_PULL }, 0 },
	/* malformed */
	{ "repository", -ERR_INVALID, 0, { NULL }, { 0 }, 0 },
	{ "repository:hello", -ERR_INVALID, 0, { NULL }, { 0 }, 0 },
	{ "repository:hello:", -ERR_INVALID, 0, { NULL }, { 0 }, 0 },
	{ "repository::pull", -ERR_INVALID, 0, { NULL }, { 0 }, 0 },
	{ ":hello:pull", -ERR_INVALID, 0, { NULL }, { 0 }, 0 },
	{ "repository:host:5000/hello:pull", -ERR_INVALID, 0, { NULL }, { 0 }, 0 },
	{ "repository:Hello:pull", -ERR_INVALID, 0, { NULL }, { 0 }, 0 },
	{ "repository:hello/:pull", -ERR_INVALID, 0, { NULL }, { 0 }, 0 },
	{ "repository:/hello:pull", -ERR_INVALID, 0, { NULL }, { 0 }, 0 },
	{ "repository:a//b:pull", -ERR_INVALID, 0, { NULL }, { 0 }, 0 },
	{ "repository:a..b:pull", -ERR_INVALID, 0, { NULL }, { 0 }, 0 },
	{ "repository:a___b:pull", -ERR_INVALID, 0, { NULL }, { 0 }, 0 },
	{ "repository:-a:pull", -ERR_INVALID, 0, { NULL }, { 0 }, 0 },
	{ "repository:a-:pull", -ERR_INVALID, 0, { NULL }, { 0 }, 0 },
	{ "repository:hello:pull,,push", -ERR_INVALID, 0, { NULL }, { 0 }, 0 },
	{ "repository:hello:pull,", -ERR_INVALID, 0, { NULL }, { 0 }, 0 },
	{ "repository:hello:pu ll", -ERR_INVALID, 1, { "hello" }, { 0 }, 0 },
	{ "repository:hello:pull;rm", -ERR_INVALID, 0, { NULL }, { 0 }, 0 },
	{ "repo(:hello:pull", -ERR_INVALID, 0, { NULL }, { 0 }, 0 },
	{ "repository():hello:pull", -ERR_INVALID, 0, { NULL }, { 0 }, 0 },
	{ "registry:cat\x01log:*", -ERR_INVALID, 0, { NULL }, { 0 }, 0 },
	{ "repository:a:pull bogus", -ERR_INVALID, 1, { "a" }, { TOKEN_PULL }, 0 },
};

static void test_scopes(void)
{
	for (size_t i = 0; i < sizeof(scope_cases) / sizeof(scope_cases[0]); i++) {
		arena_t *a = arena_new();
		token_request_t r = TOKEN_REQUEST_INIT;
		err_t err = ERR_INIT;
		int rc = token_scopes_add(&r, a, scope_cases[i].scope, &err);
		if (rc != scope_cases[i].rc || r.nrepos != scope_cases[i].nrepos ||
		    r.ndropped != scope_cases[i].ndropped)
			fprintf(stderr, "scope case %zu '%s': rc %d nrepos %zu ndropped %zu (%s)\n", i,
				scope_cases[i].scope, rc, r.nrepos, r.ndropped, err.msg);
		CU_ASSERT_EQUAL(rc, scope_cases[i].rc);
		CU_ASSERT_EQUAL(r.nrepos, scope_cases[i].nrepos);
		CU_ASSERT_EQUAL(r.ndropped, scope_cases[i].ndropped);
		if (rc)
			CU_ASSERT(strstr(err.msg, "scope '") != NULL);
		for (size_t j = 0; j < r.nrepos && j < 3; j++) {
			CU_ASSERT_STRING_EQUAL(r.repos[j].name, scope_cases[i].name[j]);
			CU_ASSERT_EQUAL(r.repos[j].want, scope_cases[i].want[j]);
		}
		arena_free(a);
	}
}

/* Several parameters accumulate; too many distinct repositories is a 400. */
static void test_scopes_many(void)
{
	arena_t *a = arena_new();
	token_request_t r = TOKEN_REQUEST_INIT;
	err_t err = ERR_INIT;
	CU_ASSERT_EQUAL(token_scopes_add(&r, a, "repository:x:pull", &err), 0);
	CU_ASSERT_EQUAL(token_scopes_add(&r, a, "repository:x:push", &err), 0);
	CU_ASSERT_EQUAL(token_scopes_add(&r, a, "registry:catalog:*", &err), 0);
	CU_ASSERT_EQUAL(r.nrepos, 1);
	CU_ASSERT_EQUAL(r.repos[0].want, PP);
	CU_ASSERT_EQUAL(r.nscopes, 3);
	for (int i = 1; i < TOKEN_REPOS_MAX; i++) {
		char s[64];
		snprintf(s, sizeof(s), "repository:r%d:pull", i);
		CU_ASSERT_EQUAL(token_scopes_add(&r, a, s, &err), 0);
	}
	CU_ASSERT_EQUAL(r.nrepos, TOKEN_REPOS_MAX);
	CU_ASSERT_EQUAL(token_scopes_add(&r, a, "repository:x:pull", &err), 0);
	CU_ASSERT_EQUAL(token_scopes_add(&r, a, "repository:one-too-many:pull", &err), -ERR_INVALID);
	CU_ASSERT(strstr(err.msg, "too many") != NULL);

	/* a 255-character name is fine, 256 is not */
	char name[300], s[400];
	memset(name, 'a', 255);
	name[255] = '\0';
	token_request_t r2 = TOKEN_REQUEST_INIT;
	snprintf(s, sizeof(s), "repository:%s:pull", name);
	CU_ASSERT_EQUAL(token_scopes_add(&r2, a, s, &err), 0);
	name[255] = 'a';
	name[256] = '\0';
	snprintf(s, sizeof(s), "repository:%s:pull", name);
	CU_ASSERT_EQUAL(token_scopes_add(&r2, a, s, &err), -ERR_INVALID);
	arena_free(a);
}

/* ---- grants ------------------------------------------------------------------- */

static const struct {
	enum token_caller_kind kind;
	bool admin, anon, member;
	const char *name;
	unsigned want, granted;
} grant_cases[] = {
	/* whitelisted: what it asked among pull/push, any repository */
	{ TOKEN_CALLER_WHITELISTED, 0, 0, 0, "hello", PP, PP },
	{ TOKEN_CALLER_WHITELISTED, 0, 0, 0, "hello", TOKEN_PULL, TOKEN_PULL },
	{ TOKEN_CALLER_WHITELISTED, 0, 0, 0, "lib/x", TOKEN_PUSH, TOKEN_PUSH },
	{ TOKEN_CALLER_WHITELISTED, 0, 0, 0, "hello", 0, 0 },
	{ TOKEN_CALLER_WHITELISTED, 0, 0, 0, "hello", 0xff, PP },
	/* admins: everything asked, everywhere */
	{ TOKEN_CALLER_USER, 1, 0, 0, "hello", PP, PP },
	{ TOKEN_CALLER_USER, 1, 0, 0, "a/b", PP, PP },
	{ TOKEN_CALLER_USER, 1, 0, 0, "resource.redis.hello", TOKEN_PUSH, TOKEN_PUSH },
	/* members: their app's repository only */
	{ TOKEN_CALLER_USER, 0, 0, 1, "hello", PP, PP },
	{ TOKEN_CALLER_USER, 0, 0, 1, "hello", TOKEN_PULL, TOKEN_PULL },
	{ TOKEN_CALLER_USER, 0, 0, 1, "hello/sub", PP, 0 },
	{ TOKEN_CALLER_USER, 0, 0, 1, "resource.redis.hello", PP, 0 },
	{ TOKEN_CALLER_USER, 0, 0, 1, "service", PP, 0 },
	/* others: nothing, unless anonymous pull is on */
	{ TOKEN_CALLER_USER, 0, 0, 0, "hello", PP, 0 },
	{ TOKEN_CALLER_USER, 0, 1, 0, "hello", PP, TOKEN_PULL },
	{ TOKEN_CALLER_USER, 0, 1, 0, "hello", TOKEN_PUSH, 0 },
	{ TOKEN_CALLER_ANONYMOUS, 0, 0, 0, "hello", TOKEN_PULL, 0 },
	{ TOKEN_CALLER_ANONYMOUS, 0, 0, 0, "hello", PP, 0 },
	{ TOKEN_CALLER_ANONYMOUS, 0, 1, 0, "hello", PP, TOKEN_PULL },
	{ TOKEN_CALLER_ANONYMOUS, 0, 1, 0, "a/b", TOKEN_PULL, TOKEN_PULL },
	/* the admin/member flags mean nothing for an anonymous caller */
	{ TOKEN_CALLER_ANONYMOUS, 1, 0, 1, "hello", PP, 0 },
	{ TOKEN_CALLER_ANONYMOUS, 1, 1, 1, "hello", PP, TOKEN_PULL },
};

static void test_grants(void)
{
	for (size_t i = 0; i < sizeof(grant_cases) / sizeof(grant_cases[0]); i++) {
		token_caller_t c = { .kind = grant_cases[i].kind, .admin = grant_cases[i].admin,
				     .anonymous_pull = grant_cases[i].anon };
		unsigned g = token_policy_grant(&c, grant_cases[i].name, grant_cases[i].want,
						grant_cases[i].member);
		if (g != grant_cases[i].granted)
			fprintf(stderr, "grant case %zu: got %u\n", i, g);
		CU_ASSERT_EQUAL(g, grant_cases[i].granted);
	}
	CU_ASSERT_TRUE(token_policy_app_repo("hello"));
	CU_ASSERT_TRUE(token_policy_app_repo("my-app2"));
	CU_ASSERT_FALSE(token_policy_app_repo("a/b"));
	CU_ASSERT_FALSE(token_policy_app_repo("a.b"));
	CU_ASSERT_FALSE(token_policy_app_repo("a_b"));
	CU_ASSERT_FALSE(token_policy_app_repo("resource"));
}

/* ---- ipset -------------------------------------------------------------------- */

static const struct {
	const char *set;
	const char *addr;
	bool in;
} ip_cases[] = {
	{ "10.0.0.7", "10.0.0.7", true },
	{ "10.0.0.7", "10.0.0.8", false },
	{ " 10.0.0.7 , 192.168.1.1", "192.168.1.1", true },
	{ "10.0.0.10-10.0.0.20", "10.0.0.10", true },
	{ "10.0.0.10-10.0.0.20", "10.0.0.20", true },
	{ "10.0.0.10-10.0.0.20", "10.0.0.15", true },
	{ "10.0.0.10-10.0.0.20", "10.0.0.21", false },
	{ "10.0.0.10-10.0.0.20", "10.0.0.9", false },
	{ "10.0.0.20-10.0.0.10", "10.0.0.15", false },          /* reversed: skipped */
	{ "10.0.0.0/24", "10.0.0.255", true },
	{ "10.0.0.0/24", "10.0.1.0", false },
	{ "10.0.0.5/24", "10.0.0.1", true },                     /* host bits ignored */
	{ "0.0.0.0/0", "203.0.113.9", true },
	{ "10.1.2.3/32", "10.1.2.3", true },
	{ "10.1.2.3/32", "10.1.2.4", false },
	{ "10.0.0.0/33", "10.0.0.1", false },                    /* bad prefix: skipped */
	{ "10.0.0.0/x", "10.0.0.1", false },
	{ "10.0.0.0/", "10.0.0.1", false },
	{ "10.0.0", "10.0.0.0", false },
	{ "256.0.0.1", "0.0.0.1", false },
	{ "garbage, 10.0.0.1-, -10.0.0.1, 10.0.0.2", "10.0.0.2", true },  /* good after bad */
	{ "[\"10.0.0.1\", \"10.0.0.2\"]", "10.0.0.2", true },   /* a JSON list */
	{ "10.0.0.1\n10.0.0.3\n", "10.0.0.3", true },
	{ "", "10.0.0.1", false },
	{ "10.0.0.1", "", false },
	{ "10.0.0.1", "localhost", false },
	/* IPv6 */
	{ "fd00::/64", "fd00::1", true },
	{ "fd00::/64", "fd00:0:0:1::1", false },
	{ "::1", "::1", true },
	{ "::1", "::2", false },
	{ "fd00::1-fd00::ff", "fd00::80", true },
	{ "fd00::1-fd00::ff", "fd00::100", false },
	{ "fd00::/129", "fd00::1", false },
	{ "10.0.0.1-fd00::1", "10.0.0.2", false },               /* mixed families */
	{ "fe80::/10", "fe80::1%eth0", true },                  /* zone ignored */
	/* IPv4-mapped peers match IPv4 entries, and mapped entries */
	{ "10.0.0.0/8", "::ffff:10.1.2.3", true },
	{ "::ffff:10.0.0.0/104", "10.1.2.3", true },
	{ "::ffff:10.0.0.0/104", "11.1.2.3", false },
	{ "10.0.0.0/8", "::a01:203", false },                     /* not mapped: IPv6 */
	{ "127.0.0.1", "127.0.0.1", true },
};

static void test_ipset(void)
{
	for (size_t i = 0; i < sizeof(ip_cases) / sizeof(ip_cases[0]); i++) {
		ipset_t s;
		ipset_parse(&s, ip_cases[i].set);
		bool in = ipset_contains(&s, ip_cases[i].addr);
		if (in != ip_cases[i].in)
			fprintf(stderr, "ipset case %zu: '%s' in '%s' = %d\n", i, ip_cases[i].addr,
				ip_cases[i].set, in);
		CU_ASSERT_EQUAL(in, ip_cases[i].in);
		ipset_release(&s);
	}
	ipset_t s;
	ipset_parse(&s, "10.0.0.1, bad, 10.0.0.0/99, 10.0.0.0/8");
	CU_ASSERT_EQUAL(s.n, 2);
	CU_ASSERT_EQUAL(s.skipped, 2);
	ipset_add(&s, "192.168.0.0/16");
	CU_ASSERT_TRUE(ipset_contains(&s, "192.168.5.5"));
	CU_ASSERT_FALSE(ipset_contains(&s, NULL));
	ipset_release(&s);
	ipset_parse(&s, NULL);
	CU_ASSERT_EQUAL(s.n, 0);
	CU_ASSERT_FALSE(ipset_contains(&s, "10.0.0.1"));
	ipset_release(&s);
}

/* ---- claims ------------------------------------------------------------------- */

/* Verifies token's signature with pk (OpenSSL's verify side) and returns its
 * payload decoded, or NULL. */
static json_object *decode_verify(const char *token, EVP_PKEY *pk, const char *alg,
				  json_object **header)
{
	const char *d1 = strchr(token, '.');
	const char *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
	if (!d2)
		return NULL;
	buf_t h = BUF_INIT, p = BUF_INIT, sig = BUF_INIT;
	json_object *out = NULL;
	if (base64url_decode(&h, token, (size_t)(d1 - token)) ||
	    base64url_decode(&p, d1 + 1, (size_t)(d2 - d1 - 1)) ||
	    base64url_decode(&sig, d2 + 1, strlen(d2 + 1)))
		goto cleanup;
	unsigned char *der = NULL;
	size_t derlen = sig.len;
	const unsigned char *s = (const unsigned char *)sig.data;
	if (!strcmp(alg, "ES256")) {
		/* JOSE r||s -> DER for OpenSSL */
		CU_ASSERT_EQUAL_FATAL(sig.len, 64);
		ECDSA_SIG *es = ECDSA_SIG_new();
		ECDSA_SIG_set0(es, BN_bin2bn(s, 32, NULL), BN_bin2bn(s + 32, 32, NULL));
		int n = i2d_ECDSA_SIG(es, &der);
		ECDSA_SIG_free(es);
		derlen = (size_t)n;
		s = der;
	}
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int ok = EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, pk) == 1 &&
		 EVP_DigestVerify(md, s, derlen, (const unsigned char *)token,
				  (size_t)(d2 - token)) == 1;
	EVP_MD_CTX_free(md);
	OPENSSL_free(der);
	if (ok) {
		out = json_tokener_parse(p.data);
		*header = json_tokener_parse(h.data);
	}
cleanup:
	buf_release(&h);
	buf_release(&p);
	buf_release(&sig);
	return out;
}

static const char *str_of(json_object *o, const char *k)
{
	json_object *v;
	return json_object_object_get_ex(o, k, &v) ? json_object_get_string(v) : "(absent)";
}

static int64_t int_of(json_object *o, const char *k)
{
	json_object *v;
	return json_object_object_get_ex(o, k, &v) ? json_object_get_int64(v) : -1;
}

static void claims_with(const char *keyfile, const char *alg)
{
	err_t err = ERR_INIT;
	jws_key_t *key;
	CU_ASSERT_EQUAL_FATAL(jws_key_load(&key, test_path(keyfile), &err), 0);
	FILE *f = fopen(test_path(keyfile), "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	EVP_PKEY *pk = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	CU_ASSERT_PTR_NOT_NULL_FATAL(pk);

	token_want_t grants[] = { { "hello", PP }, { "other", 0 }, { "lib/x", TOKEN_PULL } };
	token_claims_t c = { .iss = "auth server", .sub = "alice", .aud = "example.lain.com",
			     .iat = 1764082200, .ttl = 1800, .jti = "abc", .grants = grants,
			     .ngrants = 3 };
	json_object *claims = token_claims_json(&c);
	buf_t tok = BUF_INIT;
	CU_ASSERT_EQUAL(jws_sign_json(key, claims, &tok, &err), 0);
	json_object_put(claims);
	json_object *hdr = NULL, *p = decode_verify(tok.data, pk, alg, &hdr);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_STRING_EQUAL(str_of(hdr, "alg"), alg);
	CU_ASSERT_STRING_EQUAL(str_of(hdr, "kid"), jws_key_kid(key));
	CU_ASSERT_STRING_EQUAL(str_of(p, "iss"), "auth server");
	CU_ASSERT_STRING_EQUAL(str_of(p, "sub"), "alice");
	CU_ASSERT_STRING_EQUAL(str_of(p, "aud"), "example.lain.com");
	CU_ASSERT_STRING_EQUAL(str_of(p, "jti"), "abc");
	CU_ASSERT_EQUAL(int_of(p, "iat"), 1764082200);
	CU_ASSERT_EQUAL(int_of(p, "nbf"), 1764082199);
	CU_ASSERT_EQUAL(int_of(p, "exp"), 1764082200 + 1800);
	json_object *access;
	CU_ASSERT_FATAL(json_object_object_get_ex(p, "access", &access));
	CU_ASSERT_STRING_EQUAL(json_object_to_json_string_ext(access, JSON_C_TO_STRING_PLAIN |
								 JSON_C_TO_STRING_NOSLASHESCAPE),
			       "[{\"type\":\"repository\",\"name\":\"hello\",\"actions\":[\"pull\","
			       "\"push\"]},{\"type\":\"repository\",\"name\":\"lib/x\",\"actions\":"
			       "[\"pull\"]}]");
	json_object_put(p);
	json_object_put(hdr);

	/* nothing granted (docker login): "access": [] and an empty sub */
	token_claims_t none = { .iss = "auth server", .sub = "", .aud = "svc", .iat = 5,
				.ttl = 60, .jti = "j" };
	claims = token_claims_json(&none);
	buf_reset(&tok);
	CU_ASSERT_EQUAL(jws_sign_json(key, claims, &tok, &err), 0);
	json_object_put(claims);
	p = decode_verify(tok.data, pk, alg, &hdr);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_STRING_EQUAL(str_of(p, "sub"), "");
	CU_ASSERT(json_object_object_get_ex(p, "access", &access));
	CU_ASSERT_EQUAL(json_object_array_length(access), 0);
	json_object_put(p);
	json_object_put(hdr);

	/* a changed byte of the payload does not verify */
	char *bad = strdup(tok.data);
	char *dot = strchr(bad, '.');
	dot[1] = dot[1] == 'A' ? 'B' : 'A';
	CU_ASSERT_PTR_NULL(decode_verify(bad, pk, alg, &hdr));
	free(bad);

	buf_release(&tok);
	EVP_PKEY_free(pk);
	jws_key_free(key);
}

static void test_claims_rs256(void)
{
	claims_with("unit/data/jws/rsa2048.pem", "RS256");
}

static void test_claims_es256(void)
{
	claims_with("unit/data/jws/ec256.pem", "ES256");
}

static void test_rfc3339(void)
{
	char out[32];
	token_time_rfc3339(0, out);
	CU_ASSERT_STRING_EQUAL(out, "1970-01-01T00:00:00Z");
	token_time_rfc3339(1764082200, out);
	CU_ASSERT_STRING_EQUAL(out, "2025-11-25T14:50:00Z");
}

/* ---- http_query_each ------------------------------------------------------------- */

static int collect(const char *value, void *data)
{
	buf_t *b = data;
	buf_addf(b, "[%s]", value);
	return !strcmp(value, "stop") ? 7 : 0;
}

static void test_query_each(void)
{
	request_t req;
	memset(&req, 0, sizeof(req));
	req.arena = arena_new();
	buf_t b = BUF_INIT;
	req.query = "service=x&scope=repository%3Aa%3Apull&scope=repository:b:push+repository:c:pull"
		    "&scopes=no&scope&scope=";
	CU_ASSERT_EQUAL(http_query_each(&req, "scope", collect, &b), 0);
	CU_ASSERT_STRING_EQUAL(b.data, "[repository:a:pull][repository:b:push repository:c:pull][][]");
	buf_reset(&b);
	req.query = "scope=a&scope=stop&scope=c";
	CU_ASSERT_EQUAL(http_query_each(&req, "scope", collect, &b), 7);
	CU_ASSERT_STRING_EQUAL(b.data, "[a][stop]");
	buf_reset(&b);
	req.query = "";
	CU_ASSERT_EQUAL(http_query_each(&req, "scope", collect, &b), 0);
	CU_ASSERT_STRING_EQUAL(b.data, "");
	buf_release(&b);
	arena_free(req.arena);
}

static CU_TestInfo scope_tests[] = {
	{ "scope table", test_scopes },
	{ "several scopes, caps", test_scopes_many },
	{ "repeated query parameters", test_query_each },
	CU_TEST_INFO_NULL,
};
static CU_TestInfo policy_tests[] = {
	{ "grant table", test_grants },
	{ "ip whitelist table", test_ipset },
	CU_TEST_INFO_NULL,
};
static CU_TestInfo claims_tests[] = {
	{ "RS256 claims verify and decode", test_claims_rs256 },
	{ "ES256 claims verify and decode", test_claims_es256 },
	{ "issued_at in RFC 3339", test_rfc3339 },
	CU_TEST_INFO_NULL,
};
static CU_SuiteInfo suites[] = {
	{ "scopes", NULL, NULL, NULL, NULL, scope_tests },
	{ "policy", NULL, NULL, NULL, NULL, policy_tests },
	{ "claims", NULL, NULL, NULL, NULL, claims_tests },
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return test_main(suites);
}
