/* app/lib: buf, arena, base64, strx, err. */
#include <string.h>

#include <CUnit/CUnit.h>
#include <json-c/json.h>

#include "console/arena.h"
#include "console/xalloc.h"
#include "console/appname.h"
#include "console/base64.h"
#include "console/cluster.h"
#include "console/buf.h"
#include "console/err.h"
#include "console/pyjson.h"
#include "console/strx.h"
#include "testlib.h"

static void test_buf_basics(void)
{
	buf_t b = BUF_INIT;
	CU_ASSERT_PTR_NOT_NULL(b.data);
	CU_ASSERT_STRING_EQUAL(b.data, "");
	for (int i = 0; i < 1000; i++)
		CU_ASSERT_EQUAL(buf_addf(&b, "%d,", i), 0);
	CU_ASSERT_EQUAL(b.len, strlen(b.data));
	CU_ASSERT_PREFIX(b.data, "0,1,2,");
	CU_ASSERT(strx_suffix(b.data, "998,999,"));
	size_t len;
	char *s = buf_detach(&b, &len);
	CU_ASSERT_EQUAL(len, strlen(s));
	CU_ASSERT_STRING_EQUAL(b.data, "");
	free(s);
	buf_release(&b);
}

static void test_buf_cap(void)
{
	buf_t b;
	buf_init(&b, 8);
	CU_ASSERT_EQUAL(buf_addstr(&b, "12345678"), 0);
	CU_ASSERT_EQUAL(buf_addch(&b, '9'), -ERR_TOO_BIG);
	CU_ASSERT_EQUAL(b.len, 8);
	CU_ASSERT_STRING_EQUAL(b.data, "12345678");
	buf_reset(&b);
	CU_ASSERT_EQUAL(buf_addf(&b, "%s", "123456789"), -ERR_TOO_BIG);
	CU_ASSERT_STRING_EQUAL(b.data, "");
	buf_release(&b);
}

static int hook_calls;
static void hook(void *p)
{
	hook_calls += *(int *)p;
}

static void test_arena(void)
{
	arena_t *a = arena_new();
	int one = 1, ten = 10;
	char *s = arena_printf(a, "app %s v%d", "hello", 3);
	CU_ASSERT_STRING_EQUAL(s, "app hello v3");
	/* Force new blocks, a big one-off and alignment. */
	for (int i = 0; i < 100; i++) {
		char *p = arena_alloc(a, 4000);
		CU_ASSERT_EQUAL((uintptr_t)p % _Alignof(max_align_t), 0);
		p[3999] = 'x';
	}
	char *big = arena_alloc(a, 1 << 20);
	big[(1 << 20) - 1] = 'y';
	arena_on_free(a, hook, &one);
	arena_on_free(a, hook, &ten);
	arena_json(a, json_object_new_string("freed by the arena"));
	arena_reset(a);
	CU_ASSERT_EQUAL(hook_calls, 11);
	CU_ASSERT_STRING_EQUAL(arena_strdup(a, "again"), "again");
	arena_on_free(a, hook, &one);
	arena_free(a);
	CU_ASSERT_EQUAL(hook_calls, 12);
}

/* A small arena: its blocks are all as small as the first (a larger
 * allocation gets its own), and arena_bytes says what they take; what is
 * allocated in it stays where it is, whatever the sizes. */
static void test_arena_small(void)
{
	arena_t *a = arena_new_small(1024);
	char *first = arena_strdup(a, "first");
	CU_ASSERT_EQUAL(arena_bytes(a), 1024);
	arena_alloc(a, 600);
	arena_alloc(a, 600);
	CU_ASSERT_EQUAL(arena_bytes(a), 2048);
	arena_alloc(a, 1500);
	/* its own block, of 1500 bytes aligned */
	CU_ASSERT_EQUAL(arena_bytes(a), 2048 + ((1500 + _Alignof(max_align_t) - 1) & ~(_Alignof(max_align_t) - 1)));
	char *ps[64];
	for (int i = 0; i < 64; i++) {
		size_t n = (size_t)(i % 7) * 700 + 1;
		ps[i] = arena_alloc(a, n);
		CU_ASSERT_EQUAL((uintptr_t)ps[i] % _Alignof(max_align_t), 0);
		memset(ps[i], 'a' + i % 26, n);
		ps[i][n - 1] = '\0';
	}
	char *big = arena_alloc(a, 100000);
	big[99999] = 'z';
	CU_ASSERT_STRING_EQUAL(first, "first");
	for (int i = 0; i < 64; i++) {
		size_t n = (size_t)(i % 7) * 700 + 1;
		CU_ASSERT_EQUAL(strlen(ps[i]), n - 1);
		if (n > 1)
			CU_ASSERT_EQUAL(ps[i][0], 'a' + i % 26);
	}
	arena_reset(a);
	CU_ASSERT_EQUAL(arena_bytes(a), 1024);
	CU_ASSERT_STRING_EQUAL(arena_strdup(a, "again"), "again");
	arena_free(a);
}

/* arena_own: the owned pointer comes back and is freed with the arena
 * (valgrind and ASan see a leak otherwise); NULL registers nothing. */
static void test_arena_own(void)
{
	arena_t *a = arena_new();
	char *p = xstrdup("owned");
	CU_ASSERT_PTR_EQUAL(arena_own(a, p, free), p);
	CU_ASSERT_PTR_NULL(arena_own(a, NULL, free));
	int ten = 10;
	hook_calls = 0;
	CU_ASSERT_PTR_EQUAL(arena_own(a, &ten, hook), &ten);
	arena_reset(a);
	CU_ASSERT_EQUAL(hook_calls, 10);
	arena_free(a);
	CU_ASSERT_EQUAL(hook_calls, 10);
}

static void test_base64(void)
{
	static const struct {
		const char *plain, *std, *url;
	} rows[] = {
		{ "", "", "" },
		{ "f", "Zg==", "Zg" },
		{ "fo", "Zm8=", "Zm8" },
		{ "foo", "Zm9v", "Zm9v" },
		{ "foob", "Zm9vYg==", "Zm9vYg" },
		{ "\xfb\xff", "+/8=", "-_8" },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		buf_t b = BUF_INIT;
		CU_ASSERT_EQUAL(base64_encode(&b, rows[i].plain, strlen(rows[i].plain)), 0);
		CU_ASSERT_STRING_EQUAL(b.data, rows[i].std);
		buf_reset(&b);
		CU_ASSERT_EQUAL(base64url_encode(&b, rows[i].plain, strlen(rows[i].plain)), 0);
		CU_ASSERT_STRING_EQUAL(b.data, rows[i].url);
		buf_reset(&b);
		CU_ASSERT_EQUAL(base64_decode(&b, rows[i].std, strlen(rows[i].std)), 0);
		CU_ASSERT_STRING_EQUAL(b.data, rows[i].plain);
		buf_reset(&b);
		CU_ASSERT_EQUAL(base64url_decode(&b, rows[i].url, strlen(rows[i].url)), 0);
		CU_ASSERT_STRING_EQUAL(b.data, rows[i].plain);
		buf_release(&b);
	}
	buf_t b = BUF_INIT;
	CU_ASSERT_EQUAL(base64_decode(&b, "Zm9v!", 5), -ERR_INVALID);
	CU_ASSERT_EQUAL(base64_decode(&b, "Z", 1), -ERR_INVALID);
	buf_release(&b);
}

/* json.dumps(v, indent=2) of Python, byte for byte (the outputs below are
 * Python 3's). */
static void test_pyjson(void)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "{\"message\": \"no such username\", \"data\": \"no such username\"}",
		  "{\n  \"message\": \"no such username\",\n  \"data\": \"no such username\"\n}" },
		{ "\"Not group admin\"", "\"Not group admin\"" },
		{ "{\"z\": [1, {\"a\": null}, []], \"b\": {}, \"t\": true}",
		  "{\n  \"z\": [\n    1,\n    {\n      \"a\": null\n    },\n    []\n  ],\n"
		  "  \"b\": {},\n  \"t\": true\n}" },
		{ "\"\u00e9/\\\"\\n\\t\\u0001\\u007f \\ud83d\\ude00\"",
		  "\"\\u00e9/\\\"\\n\\t\\u0001\\u007f \\ud83d\\ude00\"" },
		{ "[]", "[]" },
		{ "-12", "-12" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_object *v = json_tokener_parse(cases[i].in);
		CU_ASSERT_PTR_NOT_NULL_FATAL(v);
		buf_t out = BUF_INIT;
		pyjson_dump_indent2(&out, v);
		CU_ASSERT_STRING_EQUAL(out.data, cases[i].want);
		buf_release(&out);
		json_object_put(v);
	}
}

/* RFC 3629's table: what starts a well-formed sequence, and how long. */
static void test_strx_utf8(void)
{
	static const struct {
		const char *s;
		size_t len;
	} cases[] = {
		{ "a", 1 },     { "\x7f", 1 },     { "\xc3\xa9", 2 },    { "\xe2\x82\xac", 3 },
		{ "\xef\xbf\xbd", 3 }, { "\xf0\x9f\x98\x80", 4 }, { "\xf4\x8f\xbf\xbf", 4 },
		{ "\x80", 0 },    { "\xbf", 0 },     { "\xc0\xaf", 0 },    { "\xc1\xbf", 0 },
		{ "\xe0\x80\xaf", 0 }, { "\xed\xa0\x80", 0 }, { "\xf0\x80\x80\xaf", 0 },
		{ "\xf4\x90\x80\x80", 0 }, { "\xf5\x80\x80\x80", 0 }, { "\xff", 0 },
		{ "\xe2\x82", 0 }, { "\xc3(", 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = strlen(cases[i].s);
		CU_ASSERT_EQUAL(strx_utf8_len(cases[i].s, n), cases[i].len);
		CU_ASSERT_EQUAL(strx_utf8_valid(cases[i].s, n), cases[i].len == n);
	}
	CU_ASSERT_EQUAL(strx_utf8_len("", 0), 0);
	CU_ASSERT(strx_utf8_valid("", 0));
	CU_ASSERT(strx_utf8_valid("a\0b", 3));
	CU_ASSERT(!strx_utf8_valid("ok \xe2\x82\xac \xe2\x82", 9));
}

static void test_strx(void)
{
	long v;
	CU_ASSERT_EQUAL(strx_to_long("42", 0, 100, &v), 0);
	CU_ASSERT_EQUAL(v, 42);
	CU_ASSERT_EQUAL(strx_to_long("-1", 0, 100, &v), -ERR_INVALID);
	CU_ASSERT_EQUAL(strx_to_long("101", 0, 100, &v), -ERR_INVALID);
	CU_ASSERT_EQUAL(strx_to_long("4x", 0, 100, &v), -ERR_INVALID);
	CU_ASSERT_EQUAL(strx_to_long("", 0, 100, &v), -ERR_INVALID);
	CU_ASSERT_EQUAL(strx_to_long(" 4", 0, 100, &v), -ERR_INVALID);
	CU_ASSERT_EQUAL(strx_to_long("99999999999999999999999", 0, 100, &v), -ERR_INVALID);
	/* strx_utoa: as printf("%llu") writes it */
	static const unsigned long long nums[] = { 0, 7, 10, 200, 4096, 1234567890123ULL,
						   18446744073709551615ULL };
	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		char got[STRX_UTOA_MAX], want[32];
		int n = snprintf(want, sizeof(want), "%llu", nums[i]);
		CU_ASSERT_EQUAL(strx_utoa(nums[i], got), (size_t)n);
		CU_ASSERT_STRING_EQUAL(got, want);
	}
	bool b;
	CU_ASSERT_EQUAL(strx_to_bool("On", &b), 0);
	CU_ASSERT(b);
	CU_ASSERT_EQUAL(strx_to_bool("0", &b), 0);
	CU_ASSERT(!b);
	CU_ASSERT_EQUAL(strx_to_bool("maybe", &b), -ERR_INVALID);
	char s[] = " a , ,b,c ";
	char *f[4];
	CU_ASSERT_EQUAL(strx_split(s, ',', f, 4), 3);
	CU_ASSERT_STRING_EQUAL(f[0], "a");
	CU_ASSERT_STRING_EQUAL(f[2], "c");
}

static void test_err(void)
{
	err_t e = ERR_INIT;
	CU_ASSERT_EQUAL(err_set(&e, -ERR_NOT_FOUND, "app '%s' not found", "x"), -ERR_NOT_FOUND);
	CU_ASSERT_STRING_EQUAL(e.msg, "app 'x' not found");
	err_wrap(&e, "while %s", "listing");
	CU_ASSERT_STRING_EQUAL(e.msg, "while listing: app 'x' not found");
	CU_ASSERT_EQUAL(err_http_status(e.code), 404);
	CU_ASSERT_EQUAL(err_http_status(-ERR_UNAVAILABLE), 503);
	CU_ASSERT_EQUAL(err_http_status(-9999), 500);
	CU_ASSERT_EQUAL(err_set(NULL, -ERR_INVALID, "ignored"), -ERR_INVALID);
}

static void test_appname(void)
{
	static const char *const good[] = { "hello", "a", "a1", "hello-world", "a-1-b", "x9y" };
	static const char *const bad[] = { "", "Hello", "1a", "-a", "a-", "a--b", "a.b",
					   "resource.redis.x", "a_b", "service", "resource",
					   "portal", "a b",
					   "a12345678901234567890123456789012345678901234567890123456789012345" };
	err_t err = ERR_INIT;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		CU_ASSERT_EQUAL(appname_check(good[i], &err), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CU_ASSERT_EQUAL(appname_check(bad[i], &err), -ERR_INVALID);
		CU_ASSERT_PREFIX(err.msg, "invalid appname");
	}
}

static void test_app_group(void)
{
	/* Spec §5.3: prefix "lainapp-<main domain>", every '.' as '-'. */
	cluster_t c = { .sso_group_prefix = "lainapp-lain.local" };
	buf_t g = BUF_INIT;
	cluster_app_group(&c, "hello", &g);
	CU_ASSERT_STRING_EQUAL(g.data, "lainapp-lain-local-hello");
	buf_reset(&g);
	cluster_app_group(&c, "resource.redis.hello", &g);
	CU_ASSERT_STRING_EQUAL(g.data, "lainapp-lain-local-resource-redis-hello");
	buf_release(&g);
}

static CU_TestInfo lib_tests[] = {
	{ "appname policy", test_appname },
	{ "sso group names", test_app_group },
	{ "buf grows and detaches", test_buf_basics },
	{ "buf cap refuses without change", test_buf_cap },
	{ "arena blocks, hooks, reset", test_arena },
	{ "arena owns what it is given", test_arena_own },
	{ "a small arena grows", test_arena_small },
	{ "base64 std and url tables", test_base64 },
	{ "strx: UTF-8 sequences", test_strx_utf8 },
	{ "pyjson: json.dumps(v, indent=2)", test_pyjson },
	{ "strx parsing", test_strx },
	{ "err codes and statuses", test_err },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "lib", NULL, NULL, NULL, NULL, lib_tests },
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return test_main(suites);
}
