/* app/store/etcd.c: the JSON gateway's wire format, and the client's
 * behaviour when no etcd answers (no server needed). */
#include <string.h>

#include <CUnit/CUnit.h>
#include <json-c/json.h>

#include "console/base64.h"
#include "console/etcd.h"
#include "testlib.h"

static const char *b64(const char *s, size_t len)
{
	static char out[512];
	buf_t b = BUF_INIT;
	base64_encode(&b, s, len);
	snprintf(out, sizeof(out), "%s", b.data);
	buf_release(&b);
	return out;
}

static void test_prefix_end(void)
{
	buf_t b = BUF_INIT;
	etcd_prefix_end("/lain/console/apps/", 19, &b);
	CU_ASSERT_STRING_EQUAL(b.data, "/lain/console/apps0");
	buf_reset(&b);
	etcd_prefix_end("a\xff\xff", 3, &b);
	CU_ASSERT_STRING_EQUAL(b.data, "b");
	buf_reset(&b);
	etcd_prefix_end("\xff", 1, &b);
	CU_ASSERT_EQUAL(b.len, 1);
	CU_ASSERT_EQUAL(b.data[0], '\0');
	buf_release(&b);
}

static void test_encode_range(void)
{
	buf_t b = BUF_INIT;
	etcd_encode_range(&b, "/a/", 3, "/a0", 3, 500, false);
	json_object *o = json_tokener_parse(b.data);
	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	json_object *v;
	CU_ASSERT(json_object_object_get_ex(o, "key", &v));
	CU_ASSERT_STRING_EQUAL(json_object_get_string(v), b64("/a/", 3));
	CU_ASSERT(json_object_object_get_ex(o, "range_end", &v));
	CU_ASSERT_STRING_EQUAL(json_object_get_string(v), b64("/a0", 3));
	CU_ASSERT(json_object_object_get_ex(o, "limit", &v));
	CU_ASSERT_EQUAL(json_object_get_int64(v), 500);
	CU_ASSERT(!json_object_object_get_ex(o, "count_only", &v));
	json_object_put(o);
	buf_reset(&b);
	etcd_encode_range(&b, "k", 1, NULL, 0, 0, true);
	o = json_tokener_parse(b.data);
	CU_ASSERT(!json_object_object_get_ex(o, "range_end", &v));
	CU_ASSERT(!json_object_object_get_ex(o, "limit", &v));
	CU_ASSERT(json_object_object_get_ex(o, "count_only", &v) && json_object_get_boolean(v));
	CU_ASSERT(!json_object_object_get_ex(o, "keys_only", &v));
	json_object_put(o);
	buf_reset(&b);
	etcd_encode_range(&b, "k", 1, "l", 1, 0, ETCD_RANGE_KEYS_ONLY);
	o = json_tokener_parse(b.data);
	CU_ASSERT(json_object_object_get_ex(o, "keys_only", &v) && json_object_get_boolean(v));
	CU_ASSERT(!json_object_object_get_ex(o, "count_only", &v));
	CU_ASSERT(!json_object_object_get_ex(o, "sort_order", &v));
	json_object_put(o);
	/* The newest key first (a release history's last one). */
	buf_reset(&b);
	etcd_encode_range(&b, "k", 1, "l", 1, 1, ETCD_RANGE_DESCEND);
	o = json_tokener_parse(b.data);
	CU_ASSERT(json_object_object_get_ex(o, "sort_order", &v) &&
		  !strcmp(json_object_get_string(v), "DESCEND"));
	CU_ASSERT(json_object_object_get_ex(o, "sort_target", &v) &&
		  !strcmp(json_object_get_string(v), "KEY"));
	json_object_put(o);
	buf_release(&b);
}

static void test_encode_txn(void)
{
	etcd_cmp_t cmp[] = {
		{ .key = "/k", .target = ETCD_CMP_CREATE, .result = ETCD_EQUAL, .revision = 0 },
		{ .key = "/m", .target = ETCD_CMP_MOD, .result = ETCD_EQUAL, .revision = 42 },
		{ .key = "/v", .target = ETCD_CMP_VALUE, .result = ETCD_NOT_EQUAL, .value = "x",
		  .value_len = 1 },
	};
	etcd_op_t then[] = {
		{ .type = ETCD_OP_PUT, .key = "/k", .value = "{\"a\":1}", .value_len = 7, .lease = 7 },
		{ .type = ETCD_OP_DELETE, .key = "/p/", .prefix = true },
	};
	buf_t b = BUF_INIT;
	etcd_encode_txn(&b, cmp, 3, then, 2, NULL, 0);
	json_object *o = json_tokener_parse(b.data), *arr, *item, *v, *inner;
	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	CU_ASSERT(json_object_object_get_ex(o, "compare", &arr));
	CU_ASSERT_EQUAL(json_object_array_length(arr), 3);
	item = json_object_array_get_idx(arr, 0);
	json_object_object_get_ex(item, "target", &v);
	CU_ASSERT_STRING_EQUAL(json_object_get_string(v), "CREATE");
	json_object_object_get_ex(item, "create_revision", &v);
	CU_ASSERT_EQUAL(json_object_get_int64(v), 0);
	item = json_object_array_get_idx(arr, 1);
	json_object_object_get_ex(item, "mod_revision", &v);
	CU_ASSERT_EQUAL(json_object_get_int64(v), 42);
	item = json_object_array_get_idx(arr, 2);
	json_object_object_get_ex(item, "result", &v);
	CU_ASSERT_STRING_EQUAL(json_object_get_string(v), "NOT_EQUAL");
	json_object_object_get_ex(item, "value", &v);
	CU_ASSERT_STRING_EQUAL(json_object_get_string(v), b64("x", 1));
	CU_ASSERT(json_object_object_get_ex(o, "success", &arr));
	item = json_object_array_get_idx(arr, 0);
	CU_ASSERT(json_object_object_get_ex(item, "request_put", &inner));
	json_object_object_get_ex(inner, "value", &v);
	CU_ASSERT_STRING_EQUAL(json_object_get_string(v), b64("{\"a\":1}", 7));
	json_object_object_get_ex(inner, "lease", &v);
	CU_ASSERT_EQUAL(json_object_get_int64(v), 7);
	item = json_object_array_get_idx(arr, 1);
	CU_ASSERT(json_object_object_get_ex(item, "request_delete_range", &inner));
	json_object_object_get_ex(inner, "range_end", &v);
	CU_ASSERT_STRING_EQUAL(json_object_get_string(v), b64("/p0", 3));
	CU_ASSERT(json_object_object_get_ex(o, "failure", &arr));
	CU_ASSERT_EQUAL(json_object_array_length(arr), 0);
	json_object_put(o);
	buf_release(&b);
}

struct seen {
	int n;
	char keys[4][32];
	int64_t mods[4];
};

static int collect(const etcd_kv_t *kv, void *p)
{
	struct seen *s = p;
	snprintf(s->keys[s->n], 32, "%.*s=%s", (int)kv->key_len, kv->key, kv->value);
	s->mods[s->n] = kv->mod_revision;
	s->n++;
	return 0;
}

static void test_decode_range(void)
{
	char json[1024];
	snprintf(json, sizeof(json),
		 "{\"header\":{\"revision\":\"9\"},\"kvs\":[{\"key\":\"%s\",\"create_revision\":\"2\","
		 "\"mod_revision\":\"5\",\"version\":\"3\",\"value\":\"%s\"},",
		 b64("/a/x", 4), "e30=");
	size_t n = strlen(json);
	/* A key with an empty value: proto3 leaves "value" out. */
	snprintf(json + n, sizeof(json) - n,
		 "{\"key\":\"%s\",\"mod_revision\":\"6\"}],\"more\":true,\"count\":\"7\"}",
		 b64("/a/y", 4));
	struct seen s = { 0 };
	bool more = false;
	int64_t count = 0;
	int64_t rev = 0;
	buf_t last = BUF_INIT;
	err_t err = ERR_INIT;
	CU_ASSERT_EQUAL(etcd_decode_range(json, strlen(json), collect, &s, &more, &count, &last, &rev, &err), 0);
	CU_ASSERT_EQUAL(rev, 9);
	CU_ASSERT_EQUAL(s.n, 2);
	CU_ASSERT_STRING_EQUAL(s.keys[0], "/a/x={}");
	CU_ASSERT_STRING_EQUAL(s.keys[1], "/a/y=");
	CU_ASSERT_EQUAL(s.mods[0], 5);
	CU_ASSERT_EQUAL(s.mods[1], 6);
	CU_ASSERT(more);
	CU_ASSERT_EQUAL(count, 7);
	CU_ASSERT_STRING_EQUAL(last.data, "/a/y");
	buf_release(&last);

	/* Nothing found: no kvs, no more, no count. */
	s.n = 0;
	CU_ASSERT_EQUAL(etcd_decode_range("{\"header\":{}}", 13, collect, &s, &more, &count, NULL, &rev, &err), 0);
	CU_ASSERT_EQUAL(s.n, 0);
	CU_ASSERT(!more);
	CU_ASSERT_EQUAL(count, 0);
	CU_ASSERT_EQUAL(rev, 0);

	CU_ASSERT_EQUAL(etcd_decode_range("<html>", 6, collect, &s, NULL, NULL, NULL, NULL, &err),
			-ERR_BAD_GATEWAY);
	const char *bad = "{\"kvs\":[{\"key\":\"!!!\"}]}";
	CU_ASSERT_EQUAL(etcd_decode_range(bad, strlen(bad), collect, &s, NULL, NULL, NULL, NULL, &err),
			-ERR_BAD_GATEWAY);
}

static void test_decode_txn(void)
{
	bool ok = true;
	int64_t rev = 0;
	err_t err = ERR_INIT;
	CU_ASSERT_EQUAL(etcd_decode_txn("{\"header\":{},\"responses\":[]}", 28, &ok, NULL, &err), 0);
	CU_ASSERT(!ok); /* proto3 omits "succeeded": false */
	CU_ASSERT_EQUAL(etcd_decode_txn("{\"succeeded\":true}", 18, &ok, &rev, &err), 0);
	CU_ASSERT(ok);
	const char *txn = "{\"header\":{\"cluster_id\":\"1\",\"revision\":\"42\"},\"succeeded\":true}";
	CU_ASSERT_EQUAL(etcd_decode_txn(txn, strlen(txn), &ok, &rev, &err), 0);
	CU_ASSERT_EQUAL(rev, 42);
}

/* etcd_get_many's txn: ranges only, and their kvs read back. */
static void test_txn_ranges(void)
{
	etcd_op_t ops[] = { { .type = ETCD_OP_RANGE, .key = "/a/x" },
			    { .type = ETCD_OP_RANGE, .key = "/a" } };
	buf_t b = BUF_INIT;
	etcd_encode_txn(&b, NULL, 0, ops, 2, NULL, 0);
	char want[256], k1[32];
	snprintf(k1, sizeof(k1), "%s", b64("/a/x", 4));
	snprintf(want, sizeof(want),
		 "{\"compare\":[],\"success\":[{\"request_range\":{\"key\":\"%s\"}},"
		 "{\"request_range\":{\"key\":\"%s\"}}],\"failure\":[]}",
		 k1, b64("/a", 2));
	CU_ASSERT_STRING_EQUAL(b.data, want);
	buf_release(&b);

	char json[512];
	snprintf(json, sizeof(json),
		 "{\"header\":{\"revision\":\"12\"},\"succeeded\":true,\"responses\":["
		 "{\"response_range\":{\"kvs\":[{\"key\":\"%s\",\"mod_revision\":\"11\","
		 "\"value\":\"e30=\"}],\"count\":\"1\"}},{\"response_range\":{}}]}",
		 b64("/a/x", 4));
	struct seen s = { 0 };
	int64_t rev = 0;
	err_t err = ERR_INIT;
	CU_ASSERT_EQUAL(etcd_decode_txn_ranges(json, strlen(json), collect, &s, &rev, &err), 0);
	CU_ASSERT_EQUAL(s.n, 1);
	CU_ASSERT_STRING_EQUAL(s.keys[0], "/a/x={}");
	CU_ASSERT_EQUAL(s.mods[0], 11);
	CU_ASSERT_EQUAL(rev, 12);
}

static void test_endpoints(void)
{
	etcd_t *e = NULL;
	err_t err = ERR_INIT;
	CU_ASSERT_EQUAL(etcd_new(&e, " , ", 100, 100, &err), -ERR_INVALID);
	CU_ASSERT_EQUAL(etcd_new(&e, "host/path", 100, 100, &err), -ERR_INVALID);
	CU_ASSERT_EQUAL(etcd_new(&e, "127.0.0.1:1, http://127.0.0.1:2/", 100, 100, &err), 0);
	CU_ASSERT_STRING_EQUAL(etcd_endpoint(e), "http://127.0.0.1:1");
	/* Nobody listens on ports 1 and 2: every call fails over, then says
	 * etcd is unavailable. */
	buf_t v = BUF_INIT;
	CU_ASSERT_EQUAL(etcd_get(e, "/k", &v, NULL, &err), -ERR_UNAVAILABLE);
	CU_ASSERT_PREFIX(err.msg, "etcd unavailable: ");
	CU_ASSERT_EQUAL(etcd_create(e, "/k", "v", 1, 0, &err), -ERR_UNAVAILABLE);
	buf_release(&v);
	etcd_free(e);
}

/* A compare over a range of keys, and a newest-first range in the branch
 * that runs when it fails (etcd_txn_read). */
static void test_txn_range_cmp(void)
{
	etcd_cmp_t cmp = { .key = "/o/a\x01", .range_end = "/o0", .target = ETCD_CMP_CREATE,
			   .result = ETCD_EQUAL };
	etcd_op_t put = { .type = ETCD_OP_PUT, .key = "/o/b", .value = "x", .value_len = 1 };
	etcd_op_t last = { .type = ETCD_OP_RANGE, .key = "/o/", .prefix = true, .limit = 1,
			   .descend = true };
	buf_t b = BUF_INIT;
	etcd_encode_txn(&b, &cmp, 1, &put, 1, &last, 1);
	char want[512], k[32], end[32], pk[32], pre[32];
	snprintf(k, sizeof(k), "%s", b64("/o/a\x01", 5));
	snprintf(end, sizeof(end), "%s", b64("/o0", 3));
	snprintf(pk, sizeof(pk), "%s", b64("/o/b", 4));
	snprintf(pre, sizeof(pre), "%s", b64("/o/", 3));
	snprintf(want, sizeof(want),
		 "{\"compare\":[{\"key\":\"%s\",\"range_end\":\"%s\",\"target\":\"CREATE\","
		 "\"result\":\"EQUAL\",\"create_revision\":\"0\"}],\"success\":[{\"request_put\":"
		 "{\"key\":\"%s\",\"value\":\"eA==\"}}],\"failure\":[{\"request_range\":{\"key\":"
		 "\"%s\",\"range_end\":\"%s\",\"limit\":\"1\",\"sort_order\":\"DESCEND\","
		 "\"sort_target\":\"KEY\"}}]}",
		 k, end, pk, pre, end);
	CU_ASSERT_STRING_EQUAL(b.data, want);
	buf_release(&b);
}

static CU_TestInfo etcd_tests[] = {
	{ "prefix range end", test_prefix_end },
	{ "range request body", test_encode_range },
	{ "txn request body", test_encode_txn },
	{ "range answer: kvs, more, count, empty values", test_decode_range },
	{ "txn answer: omitted succeeded is false", test_decode_txn },
	{ "endpoints list and unavailability", test_endpoints },
	{ "txn of ranges (etcd_get_many)", test_txn_ranges },
	{ "txn: a compare over a range, a newest-first range", test_txn_range_cmp },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "etcd", NULL, NULL, NULL, NULL, etcd_tests },
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return test_main(suites);
}
