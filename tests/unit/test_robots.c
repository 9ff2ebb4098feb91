/*
 * Deploy tokens and signed webhooks, the parts without I/O (issue 18):
 * secrets, their salted hashes and HMACs (secret.h), what a token is
 * (robot.h), the registry's grant to one (token_policy.h), webhook ids
 * (webhooks.h), arena_push, and the etcd txn that reads a prefix.
 */
#include <stdio.h>
#include <string.h>

#include <CUnit/CUnit.h>
#include <json-c/json.h>

#include "console/arena.h"
#include "console/etcd.h"
#include "console/robot.h"
#include "console/secret.h"
#include "console/token_policy.h"
#include "console/webhooks.h"
#include "testlib.h"

#define PP (TOKEN_PULL | TOKEN_PUSH)

/* ---- secrets -------------------------------------------------------------------- */

static void test_secret_new(void)
{
	buf_t a = BUF_INIT, b = BUF_INIT;
	CU_ASSERT_EQUAL(secret_new(&a, "lc_", NULL), 0);
	CU_ASSERT_EQUAL(secret_new(&b, "lc_", NULL), 0);
	CU_ASSERT_EQUAL(a.len, 3 + SECRET_CHARS);
	CU_ASSERT_PREFIX(a.data, "lc_");
	CU_ASSERT(secret_wellformed(a.data, "lc_"));
	CU_ASSERT(robot_secret_form(a.data));
	CU_ASSERT_STRING_NOT_EQUAL(a.data, b.data);
	for (size_t i = 3; i < a.len; i++)
		CU_ASSERT(strchr("abcdefghijklmnopqrstuvwxyz234567", a.data[i]) != NULL);
	buf_release(&a);
	buf_release(&b);
}

static void test_secret_form(void)
{
	char s[80];
	snprintf(s, sizeof(s), "lc_%.*s", SECRET_CHARS, "abcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrstu");
	CU_ASSERT(robot_secret_form(s));
	CU_ASSERT(!secret_wellformed(s, "lcw_"));
	const char *bad[] = { "", "lc_", "lc_abc", "LC_abcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrst",
			      "lc_abcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrs1",
			      "lc_Abcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrst",
			      "lc_abcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrstu",
			      "eyJhbGciOiJIUzI1NiJ9.e30.x" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (robot_secret_form(bad[i])) {
			fprintf(stderr, "\n  taken for a token: '%s'\n", bad[i]);
			CU_FAIL("not a token's form");
		}
	CU_ASSERT(!robot_secret_form(NULL));
}

static void test_secret_hash(void)
{
	char salt[SECRET_SALT_HEX + 1], salt2[SECRET_SALT_HEX + 1], h[SECRET_HASH_HEX + 1],
		h2[SECRET_HASH_HEX + 1];
	CU_ASSERT_EQUAL(secret_random_hex(salt, SECRET_SALT_HEX / 2, NULL), 0);
	CU_ASSERT_EQUAL(secret_random_hex(salt2, SECRET_SALT_HEX / 2, NULL), 0);
	CU_ASSERT_EQUAL(strlen(salt), SECRET_SALT_HEX);
	CU_ASSERT_STRING_NOT_EQUAL(salt, salt2);
	secret_hash(salt, "lc_secret", h);
	secret_hash(salt2, "lc_secret", h2);
	CU_ASSERT_EQUAL(strlen(h), SECRET_HASH_HEX);
	/* a salt per secret: the same secret hashes differently */
	CU_ASSERT_STRING_NOT_EQUAL(h, h2);
	CU_ASSERT(secret_matches(salt, h, "lc_secret"));
	CU_ASSERT(!secret_matches(salt, h, "lc_secreT"));
	CU_ASSERT(!secret_matches(salt2, h, "lc_secret"));
	CU_ASSERT(!secret_matches(salt, "", "lc_secret"));
	CU_ASSERT(!secret_matches(salt, "00", "lc_secret"));
	CU_ASSERT(!secret_matches(NULL, h, "lc_secret"));
	CU_ASSERT(!secret_matches(salt, h, NULL));
	/* SHA-256 of the salt and the secret, as written */
	secret_hash("", "abc", h);
	CU_ASSERT_STRING_EQUAL(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	secret_hash("a", "bc", h2);
	CU_ASSERT_STRING_EQUAL(h, h2);
}

static void test_hmac(void)
{
	char out[SECRET_HASH_HEX + 1];
	/* RFC 4231, test case 2 */
	secret_hmac_hex("Jefe", "what do ya want ", 16, "for nothing?", 12, out);
	CU_ASSERT_STRING_EQUAL(out, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	secret_hmac_hex("Jefe", "what do ya want for nothing?", 28, NULL, 0, out);
	CU_ASSERT_STRING_EQUAL(out, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

static void test_uuid(void)
{
	char a[37], b[37];
	CU_ASSERT_EQUAL(secret_uuid(a, NULL), 0);
	CU_ASSERT_EQUAL(secret_uuid(b, NULL), 0);
	CU_ASSERT_STRING_NOT_EQUAL(a, b);
	CU_ASSERT_EQUAL(strlen(a), 36);
	CU_ASSERT(a[8] == '-' && a[13] == '-' && a[18] == '-' && a[23] == '-');
	CU_ASSERT_EQUAL(a[14], '4');
	CU_ASSERT(strchr("89ab", a[19]) != NULL);
}

/* ---- robot ---------------------------------------------------------------------- */

static void test_scopes(void)
{
	unsigned bits = 99;
	err_t err = ERR_INIT;
	json_object *ok = json_tokener_parse("[\"push\", \"deploy\", \"push\"]");
	CU_ASSERT_EQUAL(robot_scopes_parse(ok, &bits, &err), 0);
	CU_ASSERT_EQUAL(bits, ROBOT_PUSH | ROBOT_DEPLOY);
	json_object *back = robot_scopes_json(bits);
	CU_ASSERT_STRING_EQUAL(json_object_to_json_string_ext(back, JSON_C_TO_STRING_PLAIN),
			       "[\"push\",\"deploy\"]");
	json_object_put(back);
	json_object_put(ok);
	const char *bad[] = { "[]", "{}", "\"push\"", "[\"push\", \"admin\"]", "[1]", "[null]" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_object *j = json_tokener_parse(bad[i]);
		CU_ASSERT_EQUAL(robot_scopes_parse(j, &bits, &err), -ERR_INVALID);
		CU_ASSERT_EQUAL(bits, 0);
		json_object_put(j);
	}
	CU_ASSERT_EQUAL(robot_scopes_parse(NULL, &bits, &err), -ERR_INVALID);
	CU_ASSERT_STRING_EQUAL(err.msg, "scopes must be a non-empty list of pull, push, read, deploy");
	CU_ASSERT_EQUAL(robot_scope_bit("read"), ROBOT_READ);
	CU_ASSERT_EQUAL(robot_scope_bit("READ"), 0);
	/* what routes let in */
	CU_ASSERT(robot_may(ROBOT_ROUTE_READ, ROBOT_READ));
	CU_ASSERT(robot_may(ROBOT_ROUTE_READ, ROBOT_DEPLOY));
	CU_ASSERT(!robot_may(ROBOT_ROUTE_READ, ROBOT_PULL | ROBOT_PUSH));
	CU_ASSERT(!robot_may(ROBOT_ROUTE_DEPLOY, ROBOT_READ | ROBOT_PUSH));
	CU_ASSERT(robot_may(ROBOT_ROUTE_PUSH, ROBOT_PUSH));
	CU_ASSERT(!robot_may(0, ROBOT_SCOPES_ALL));
}

static void test_names(void)
{
	const char *ok[] = { "ci", "deploy-1", "a", "x_y", "0day",
			     "abcdefghijklmnopqrstuvwxyz0123456789abcd" };
	const char *bad[] = { "", "-ci", "_ci", "CI", "c:i", "c/i", "c i", "c.i", "ci\n",
			      "abcdefghijklmnopqrstuvwxyz0123456789abcde" };
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		CU_ASSERT_EQUAL(robot_name_check(ok[i], NULL), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CU_ASSERT_EQUAL(robot_name_check(bad[i], NULL), -ERR_INVALID);
}

static void test_user(void)
{
	arena_t *a = arena_new();
	const char *app = NULL, *name = NULL;
	CU_ASSERT_STRING_EQUAL(robot_user(a, "hello", "ci"), "robot:hello:ci");
	CU_ASSERT(robot_user_parse(a, "robot:hello:ci", &app, &name));
	CU_ASSERT_STRING_EQUAL(app, "hello");
	CU_ASSERT_STRING_EQUAL(name, "ci");
	CU_ASSERT(robot_user_parse(a, "robot:resource.redis.hello:ci", &app, &name));
	CU_ASSERT_STRING_EQUAL(app, "resource.redis.hello");
	const char *bad[] = { "alice", "robot:", "robot:hello", "robot:hello:", "robot::ci",
			      "robot:a:b:c", "Robot:hello:ci", "robothello:ci" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CU_ASSERT(!robot_user_parse(a, bad[i], &app, &name));
	CU_ASSERT(!robot_user_parse(a, NULL, &app, &name));
	arena_free(a);
}

static void test_expiry(void)
{
	int64_t exp = 0;
	err_t err = ERR_INIT;
	CU_ASSERT_EQUAL(robot_expiry(1000, 0, 90, &exp, &err), 0);
	CU_ASSERT_EQUAL(exp, 1000 + 90 * 86400);
	CU_ASSERT_EQUAL(robot_expiry(1000, 3600, 90, &exp, &err), 0);
	CU_ASSERT_EQUAL(exp, 4600);
	CU_ASSERT_EQUAL(robot_expiry(1000, 90 * 86400, 90, &exp, &err), 0);
	CU_ASSERT_EQUAL(robot_expiry(1000, 90 * 86400 + 1, 90, &exp, &err), -ERR_INVALID);
	CU_ASSERT_STRING_EQUAL(err.msg, "expires_in must be at most 7776000 seconds (90 days, "
					"CONSOLE_DEPLOY_TOKEN_MAX_DAYS)");
	CU_ASSERT_EQUAL(robot_expiry(1000, 86401, 1, &exp, &err), -ERR_INVALID);
}

/* The registry's grant to a deploy token: its own app's repository only. */
static void test_grant(void)
{
	token_caller_t push = { .kind = TOKEN_CALLER_ROBOT, .robot_app = "hello",
				.robot_scopes = ROBOT_PUSH | ROBOT_DEPLOY };
	token_caller_t pull = { .kind = TOKEN_CALLER_ROBOT, .robot_app = "hello",
				.robot_scopes = ROBOT_PULL };
	token_caller_t deploy = { .kind = TOKEN_CALLER_ROBOT, .robot_app = "hello",
				  .robot_scopes = ROBOT_DEPLOY | ROBOT_READ };
	CU_ASSERT_EQUAL(token_policy_grant(&push, "hello", PP, false), PP);
	CU_ASSERT_EQUAL(token_policy_grant(&push, "hello", TOKEN_PULL, false), TOKEN_PULL);
	CU_ASSERT_EQUAL(token_policy_grant(&pull, "hello", PP, false), TOKEN_PULL);
	CU_ASSERT_EQUAL(token_policy_grant(&deploy, "hello", PP, true), 0);
	/* another repository, whatever it asks and whatever "member" says */
	CU_ASSERT_EQUAL(token_policy_grant(&push, "other", PP, true), 0);
	CU_ASSERT_EQUAL(token_policy_grant(&push, "hello/x", PP, true), 0);
	CU_ASSERT_EQUAL(token_policy_grant(&push, "hello2", PP, true), 0);
	CU_ASSERT_EQUAL(token_policy_grant(&push, "resource.redis.hello", PP, true), 0);
	/* anonymous pull is anyone's, robots' too */
	push.anonymous_pull = true;
	CU_ASSERT_EQUAL(token_policy_grant(&push, "other", PP, false), TOKEN_PULL);
	token_caller_t none = { .kind = TOKEN_CALLER_ROBOT };
	CU_ASSERT_EQUAL(token_policy_grant(&none, "hello", PP, true), 0);
}

/* ---- webhooks, arena, etcd ------------------------------------------------------ */

static void test_webhook_id(void)
{
	char a[WEBHOOK_ID_LEN + 1], b[WEBHOOK_ID_LEN + 1], c[WEBHOOK_ID_LEN + 1];
	webhook_id("http://a.example.com/hook", a);
	webhook_id("http://a.example.com/hook", b);
	webhook_id("http://a.example.com/hook2", c);
	CU_ASSERT_EQUAL(strlen(a), WEBHOOK_ID_LEN);
	CU_ASSERT_STRING_EQUAL(a, b);
	CU_ASSERT_STRING_NOT_EQUAL(a, c);
	/* the first 16 hex digits of the URL's SHA-256 */
	webhook_id("abc", a);
	CU_ASSERT_STRING_EQUAL(a, "ba7816bf8f01cfea");
}

static void test_arena_push(void)
{
	arena_t *a = arena_new();
	int *v = NULL;
	size_t n = 0, cap = 0;
	for (int i = 0; i < 1000; i++)
		*(int *)arena_push(a, &v, &n, &cap, sizeof(int)) = i;
	CU_ASSERT_EQUAL(n, 1000);
	CU_ASSERT(cap >= 1000);
	int bad = 0;
	for (int i = 0; i < 1000; i++)
		bad += v[i] != i;
	CU_ASSERT_EQUAL(bad, 0);
	/* a new element is zeroed */
	struct { long x, y; } *w = NULL;
	size_t wn = 0, wc = 0;
	CU_ASSERT_EQUAL(((long *)arena_push(a, &w, &wn, &wc, sizeof(*w)))[1], 0);
	arena_free(a);
}

/* The read-only txn of etcd_read: a key, and a prefix with its range_end. */
static void test_etcd_read_txn(void)
{
	etcd_op_t ops[] = { { .type = ETCD_OP_RANGE, .key = "/a" },
			    { .type = ETCD_OP_RANGE, .key = "/t/", .prefix = true } };
	buf_t out = BUF_INIT;
	etcd_encode_txn(&out, NULL, 0, ops, 2, NULL, 0);
	/* "/a" = L2E=, "/t/" = L3Qv, "/t0" = L3Qw */
	CU_ASSERT_STRING_EQUAL(out.data, "{\"compare\":[],\"success\":[{\"request_range\":{\"key\":\"L2E=\"}},"
					 "{\"request_range\":{\"key\":\"L3Qv\",\"range_end\":\"L3Qw\"}}],"
					 "\"failure\":[]}");
	buf_release(&out);
}

static CU_TestInfo tests[] = {
	{ "secret: lc_ + 52 base32 characters, random", test_secret_new },
	{ "secret: what has a token's form", test_secret_form },
	{ "secret: salted SHA-256, compared whole", test_secret_hash },
	{ "secret: HMAC-SHA256 (RFC 4231)", test_hmac },
	{ "secret: UUID v4", test_uuid },
	{ "robot: scopes and what routes let in", test_scopes },
	{ "robot: token names", test_names },
	{ "robot: robot:<app>:<name>", test_user },
	{ "robot: lifetime and its cap", test_expiry },
	{ "registry: a token's grant is its app's repository", test_grant },
	{ "webhook ids", test_webhook_id },
	{ "arena_push", test_arena_push },
	{ "etcd_read's txn", test_etcd_read_txn },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "robots", NULL, NULL, NULL, NULL, tests },
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return test_main(suites);
}
