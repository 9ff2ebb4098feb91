/* The etcd v3 client against a real etcd (the stack's). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>
#include <json-c/json.h>

#include "console/ctx.h"
#include "console/etcd.h"
#include "console/locks.h"
#include "harness.h"
#include "itjson.h"
#include "testlib.h"

static etcd_t *e;

static int suite_up(void)
{
	if (stack_up(NULL))
		return -1;
	err_t err = ERR_INIT;
	/* A dead endpoint first: every call must fail over to the live one. */
	char endpoints[256];
	snprintf(endpoints, sizeof(endpoints), "127.0.0.1:1,%s", stack_get("ETCD_URL"));
	return etcd_new(&e, endpoints, 3000, 500, &err) ? -1 : 0;
}

static int suite_down(void)
{
	etcd_free(e);
	stack_down();
	return 0;
}

static void test_put_get(void)
{
	err_t err = ERR_INIT;
	buf_t v = BUF_INIT;
	etcd_kv_t kv;
	CU_ASSERT_EQUAL(etcd_put(e, "/it/one", "v1", 2, 0, &err), 0);
	CU_ASSERT_STRING_EQUAL(etcd_endpoint(e), stack_get("ETCD_URL"));
	CU_ASSERT_EQUAL(etcd_get(e, "/it/one", &v, &kv, &err), 0);
	CU_ASSERT_STRING_EQUAL(v.data, "v1");
	CU_ASSERT(kv.mod_revision > 0);
	CU_ASSERT_EQUAL(kv.version, 1);
	buf_reset(&v);
	CU_ASSERT_EQUAL(etcd_get(e, "/it/none", &v, NULL, &err), -ERR_NOT_FOUND);

	/* Bytes, including NUL and non-ASCII, and a large value survive. */
	char bin[] = { 'a', 0, (char)0xff, '\n', (char)0xc3, (char)0xa9 };
	CU_ASSERT_EQUAL(etcd_put(e, "/it/bin", bin, sizeof(bin), 0, &err), 0);
	buf_reset(&v);
	CU_ASSERT_EQUAL(etcd_get(e, "/it/bin", &v, NULL, &err), 0);
	CU_ASSERT_EQUAL(v.len, sizeof(bin));
	CU_ASSERT(!memcmp(v.data, bin, sizeof(bin)));
	size_t big = 300 * 1024;
	char *large = malloc(big);
	for (size_t i = 0; i < big; i++)
		large[i] = (char)('a' + i % 26);
	CU_ASSERT_EQUAL(etcd_put(e, "/it/large", large, big, 0, &err), 0);
	buf_reset(&v);
	CU_ASSERT_EQUAL(etcd_get(e, "/it/large", &v, NULL, &err), 0);
	CU_ASSERT_EQUAL(v.len, big);
	CU_ASSERT(!memcmp(v.data, large, big));
	free(large);
	buf_release(&v);
}

struct walk {
	int n;
	char keys[16][32];
};

static int on_kv(const etcd_kv_t *kv, void *p)
{
	struct walk *w = p;
	if (w->n < 16)
		snprintf(w->keys[w->n], 32, "%.*s", (int)kv->key_len, kv->key);
	w->n++;
	return 0;
}

static void test_range_paging(void)
{
	err_t err = ERR_INIT;
	char key[64];
	for (int i = 0; i < 7; i++) {
		snprintf(key, sizeof(key), "/it/range/k%d", i);
		CU_ASSERT_EQUAL(etcd_put(e, key, "x", 1, 0, &err), 0);
	}
	/* Keys just outside the prefix are not part of it. */
	CU_ASSERT_EQUAL(etcd_put(e, "/it/range0", "x", 1, 0, &err), 0);
	CU_ASSERT_EQUAL(etcd_put(e, "/it/rang", "x", 1, 0, &err), 0);
	struct walk w = { 0 };
	CU_ASSERT_EQUAL(etcd_range_prefix(e, "/it/range/", 2, on_kv, &w, &err), 0);
	CU_ASSERT_EQUAL(w.n, 7);
	CU_ASSERT_STRING_EQUAL(w.keys[0], "/it/range/k0");
	CU_ASSERT_STRING_EQUAL(w.keys[6], "/it/range/k6");
	int64_t count = 0;
	CU_ASSERT_EQUAL(etcd_count_prefix(e, "/it/range/", &count, &err), 0);
	CU_ASSERT_EQUAL(count, 7);
	int64_t deleted = 0;
	CU_ASSERT_EQUAL(etcd_delete(e, "/it/range/", true, &deleted, &err), 0);
	CU_ASSERT_EQUAL(deleted, 7);
	CU_ASSERT_EQUAL(etcd_count_prefix(e, "/it/range/", &count, &err), 0);
	CU_ASSERT_EQUAL(count, 0);
	buf_t v = BUF_INIT;
	CU_ASSERT_EQUAL(etcd_get(e, "/it/range0", &v, NULL, &err), 0);
	buf_release(&v);
}

static void test_conditional_writes(void)
{
	err_t err = ERR_INIT;
	etcd_kv_t kv;
	buf_t v = BUF_INIT;
	CU_ASSERT_EQUAL(etcd_create(e, "/it/cas", "a", 1, 0, &err), 0);
	CU_ASSERT_EQUAL(etcd_create(e, "/it/cas", "b", 1, 0, &err), -ERR_CONFLICT);
	CU_ASSERT_EQUAL(etcd_get(e, "/it/cas", &v, &kv, &err), 0);
	CU_ASSERT_STRING_EQUAL(v.data, "a");
	int64_t rev = kv.mod_revision;
	/* Somebody else writes in between: our update with the old revision fails. */
	CU_ASSERT_EQUAL(etcd_put(e, "/it/cas", "other", 5, 0, &err), 0);
	CU_ASSERT_EQUAL(etcd_update(e, "/it/cas", "mine", 4, rev, &err), -ERR_CONFLICT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "changed concurrently"));
	buf_reset(&v);
	CU_ASSERT_EQUAL(etcd_get(e, "/it/cas", &v, &kv, &err), 0);
	CU_ASSERT_STRING_EQUAL(v.data, "other");
	CU_ASSERT_EQUAL(etcd_update(e, "/it/cas", "mine", 4, kv.mod_revision, &err), 0);
	CU_ASSERT_EQUAL(etcd_delete_if(e, "/it/cas", kv.mod_revision, &err), -ERR_CONFLICT);
	buf_reset(&v);
	CU_ASSERT_EQUAL(etcd_get(e, "/it/cas", &v, &kv, &err), 0);
	CU_ASSERT_STRING_EQUAL(v.data, "mine");
	CU_ASSERT_EQUAL(etcd_delete_if(e, "/it/cas", kv.mod_revision, &err), 0);
	CU_ASSERT_EQUAL(etcd_get(e, "/it/cas", &v, NULL, &err), -ERR_NOT_FOUND);
	/* update with revision 0 means "must not exist". */
	CU_ASSERT_EQUAL(etcd_update(e, "/it/cas", "new", 3, 0, &err), 0);
	CU_ASSERT_EQUAL(etcd_update(e, "/it/cas", "new", 3, 0, &err), -ERR_CONFLICT);
	buf_release(&v);

	/* A txn with an else branch. */
	etcd_cmp_t cmp = { .key = "/it/cas", .target = ETCD_CMP_VALUE, .result = ETCD_EQUAL,
			   .value = "zzz", .value_len = 3 };
	etcd_op_t then = { .type = ETCD_OP_PUT, .key = "/it/then", .value = "1", .value_len = 1 };
	etcd_op_t other = { .type = ETCD_OP_PUT, .key = "/it/else", .value = "1", .value_len = 1 };
	bool ok = true;
	CU_ASSERT_EQUAL(etcd_txn(e, &cmp, 1, &then, 1, &other, 1, &ok, &err), 0);
	CU_ASSERT(!ok);
	buf_t w = BUF_INIT;
	CU_ASSERT_EQUAL(etcd_get(e, "/it/else", &w, NULL, &err), 0);
	CU_ASSERT_EQUAL(etcd_get(e, "/it/then", &w, NULL, &err), -ERR_NOT_FOUND);
	buf_release(&w);
}

static void test_leases(void)
{
	err_t err = ERR_INIT;
	int64_t id = 0;
	long ttl = 0;
	CU_ASSERT_EQUAL_FATAL(etcd_lease_grant(e, 30, &id, &err), 0);
	CU_ASSERT(id != 0);
	CU_ASSERT_EQUAL(etcd_create(e, "/it/lock", "worker", 6, id, &err), 0);
	etcd_kv_t kv;
	buf_t v = BUF_INIT;
	CU_ASSERT_EQUAL(etcd_get(e, "/it/lock", &v, &kv, &err), 0);
	CU_ASSERT_EQUAL(kv.lease, id);
	CU_ASSERT_EQUAL(etcd_lease_keepalive(e, id, &ttl, &err), 0);
	CU_ASSERT(ttl > 0 && ttl <= 30);
	/* A second holder is refused while the lock key lives. */
	CU_ASSERT_EQUAL(etcd_create(e, "/it/lock", "other", 5, 0, &err), -ERR_CONFLICT);
	CU_ASSERT_EQUAL(etcd_lease_revoke(e, id, &err), 0);
	CU_ASSERT_EQUAL(etcd_get(e, "/it/lock", &v, NULL, &err), -ERR_NOT_FOUND);
	CU_ASSERT_EQUAL(etcd_lease_keepalive(e, id, &ttl, &err), 0);
	CU_ASSERT_EQUAL(ttl, 0);
	buf_release(&v);
}

static void test_v2_keys(void)
{
	/* Other LAIN tools write /lain/config/ through the v2 API. */
	char cmd[512];
	snprintf(cmd, sizeof(cmd),
		 "curl -sf -o /dev/null -X PUT %s/v2/keys/lain/config/domain -d value=lain.example",
		 stack_get("ETCD_URL"));
	CU_ASSERT_EQUAL_FATAL(system(cmd), 0);
	err_t err = ERR_INIT;
	buf_t v = BUF_INIT;
	CU_ASSERT_EQUAL(etcd_v2_get(e, "/lain/config/domain", &v, &err), 0);
	CU_ASSERT_STRING_EQUAL(v.data, "lain.example");
	CU_ASSERT_EQUAL(etcd_v2_get(e, "/lain/config/none", &v, &err), -ERR_NOT_FOUND);
	/* The v3 keyspace does not see it. */
	CU_ASSERT_EQUAL(etcd_get(e, "/lain/config/domain", &v, NULL, &err), -ERR_NOT_FOUND);
	buf_release(&v);
}

/* ---- a member that applies a write and dies before answering ------------ */

static char proxy[256];   /* tests/fakes/etcdproxy in front of the stack's etcd */

/* A client whose first member is the proxy, its next the real etcd; the
 * proxy's next txn is applied and its answer lost (a TCP reset). */
static etcd_t *lossy_client(void)
{
	etcd_t *c = NULL;
	err_t err = ERR_INIT;
	char endpoints[600], rule[600];
	snprintf(endpoints, sizeof(endpoints), "%s,%s", proxy, stack_get("ETCD_URL"));
	CU_ASSERT_EQUAL(etcd_new(&c, endpoints, 3000, 500, &err), 0);
	snprintf(rule, sizeof(rule), "%s/__fake/reset", proxy);
	CU_ASSERT_EQUAL(it_call("POST", rule, NULL, 200), 200);
	snprintf(rule, sizeof(rule), "%s/__fake/fail", proxy);
	CU_ASSERT_EQUAL(it_call("POST", rule, "{\"lose\": true, \"match\": \"/v3/kv/txn\", "
				"\"count\": 1}", 200), 200);
	return c;
}

/* Whether the proxy's last call was lost (answered with a reset). */
static bool last_call_lost(void)
{
	char url[600];
	it_response_t r;
	snprintf(url, sizeof(url), "%s/__fake/calls", proxy);
	it_req("GET", url, NULL, &r);
	bool lost = r.body && strstr(r.body, "\"/v3/kv/txn\"") &&
		    strstr(r.body, "\"status\": 0") != NULL;
	it_response_free(&r);
	return lost;
}

static void test_write_applied_without_an_answer(void)
{
	err_t err = ERR_INIT;
	buf_t v = BUF_INIT;
	etcd_kv_t kv;
	char args[300];
	snprintf(args, sizeof(args), "--upstream %s", stack_get("ETCD_URL"));
	CU_ASSERT_FATAL(fake_start("etcdproxy", args, proxy, sizeof(proxy)) > 0);
	/* create-if-absent: applied by the first member, refused ("exists")
	 * by the second, which sees our own write: it succeeded. */
	etcd_t *c = lossy_client();
	CU_ASSERT_EQUAL(etcd_create(c, "/it/amb/create", "ours", 4, 0, &err), 0);
	CU_ASSERT(last_call_lost());
	CU_ASSERT_STRING_EQUAL(etcd_endpoint(c), stack_get("ETCD_URL"));
	CU_ASSERT_EQUAL(etcd_get(e, "/it/amb/create", &v, NULL, &err), 0);
	CU_ASSERT_STRING_EQUAL(v.data, "ours");
	etcd_free(c);
	/* compare-and-swap on the revision: the same */
	CU_ASSERT_EQUAL(etcd_get(e, "/it/amb/create", NULL, &kv, &err), 0);
	c = lossy_client();
	CU_ASSERT_EQUAL(etcd_update(c, "/it/amb/create", "next", 4, kv.mod_revision, &err), 0);
	CU_ASSERT(last_call_lost());
	etcd_free(c);
	/* a lock key with its lease (what lock_acquire does) */
	int64_t lease = 0;
	CU_ASSERT_EQUAL_FATAL(etcd_lease_grant(e, 30, &lease, &err), 0);
	c = lossy_client();
	CU_ASSERT_EQUAL(etcd_create(c, "/it/amb/lock", "w", 1, lease, &err), 0);
	etcd_free(c);
	/* Somebody else's key is still a conflict, answer lost or not: the
	 * lost attempt itself failed its compare. */
	CU_ASSERT_EQUAL(etcd_put(e, "/it/amb/theirs", "theirs", 6, 0, &err), 0);
	c = lossy_client();
	CU_ASSERT_EQUAL(etcd_create(c, "/it/amb/theirs", "ours", 4, 0, &err), -ERR_CONFLICT);
	CU_ASSERT(last_call_lost());
	etcd_free(c);
	/* and a key held under another lease with our value is not ours */
	c = lossy_client();
	CU_ASSERT_EQUAL(etcd_create(c, "/it/amb/lock", "w", 1, 0, &err), -ERR_CONFLICT);
	etcd_free(c);
	CU_ASSERT_EQUAL(etcd_lease_revoke(e, lease, &err), 0);
	buf_release(&v);
}

/* When no member can read the key back afterwards (the others are still
 * electing a leader, say), nobody knows whether the lost write happened:
 * unavailable (a 503 the client may retry), never a conflict that did not
 * happen (a lock refused by itself, as it_hosts.py once saw). */
static void test_write_outcome_unknown(void)
{
	err_t err = ERR_INIT;
	char args[300], proxy2[256], endpoints[600], rule[600];
	snprintf(args, sizeof(args), "--upstream %s", stack_get("ETCD_URL"));
	pid_t pid2 = fake_start("etcdproxy", args, proxy2, sizeof(proxy2));
	CU_ASSERT_FATAL(pid2 > 0);
	etcd_t *c = lossy_client();
	etcd_free(c);
	snprintf(endpoints, sizeof(endpoints), "%s,%s", proxy, proxy2);
	CU_ASSERT_EQUAL_FATAL(etcd_new(&c, endpoints, 3000, 500, &err), 0);
	const char *members[] = { proxy, proxy2 };
	for (size_t i = 0; i < 2; i++) {
		snprintf(rule, sizeof(rule), "%s/__fake/fail", members[i]);
		CU_ASSERT_EQUAL(it_call("POST", rule, "{\"status\": 503, \"match\": \"/v3/kv/range\"}",
					200), 200);
	}
	CU_ASSERT_EQUAL(etcd_create(c, "/it/amb/unknown", "ours", 4, 0, &err), -ERR_UNAVAILABLE);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "unknown"));
	CU_ASSERT(last_call_lost());
	etcd_free(c);
	/* It had happened: the first member applied it. */
	buf_t v = BUF_INIT;
	CU_ASSERT_EQUAL(etcd_get(e, "/it/amb/unknown", &v, NULL, &err), 0);
	CU_ASSERT_STRING_EQUAL(v.data ? v.data : "", "ours");
	buf_release(&v);
	fake_stop(pid2);
}

/* How many revokes the proxy passed on with etcd's 200. */
static int revokes_passed(void)
{
	char url[600];
	it_response_t r;
	snprintf(url, sizeof(url), "%s/__fake/calls", proxy);
	it_req("GET", url, NULL, &r);
	json_object *calls = js_get(r.json, "calls");
	int n = 0;
	for (size_t i = 0; i < js_len(calls); i++) {
		json_object *c = js_at(calls, i);
		n += !strcmp(js_str(c, "path"), "/v3/lease/revoke") &&
		     json_object_get_int(js_get(c, "status")) == 200;
	}
	it_response_free(&r);
	return n;
}

/* A lock whose release failed (etcd unreachable just then) is not left held
 * until its lease runs out: the worker's next lock releases it first, so the
 * same worker locking the same app again is not refused by its own finished
 * request. Another worker is refused meanwhile, as the lock is still there. */
static void test_unreleased_lock_released_by_next_lock(void)
{
	err_t err = ERR_INIT;
	char args[300], url[600];
	if (!proxy[0]) {
		snprintf(args, sizeof(args), "--upstream %s", stack_get("ETCD_URL"));
		CU_ASSERT_FATAL(fake_start("etcdproxy", args, proxy, sizeof(proxy)) > 0);
	}
	snprintf(url, sizeof(url), "%s/__fake/reset", proxy);
	CU_ASSERT_EQUAL(it_call("POST", url, NULL, 200), 200);
	ctx_t ours = { 0 }, theirs = { 0 };
	CU_ASSERT_EQUAL_FATAL(etcd_new(&ours.etcd, proxy, 3000, 500, &err), 0);
	CU_ASSERT_EQUAL_FATAL(etcd_new(&theirs.etcd, stack_get("ETCD_URL"), 3000, 500, &err), 0);
	lock_t *l = NULL, *l2 = NULL;
	CU_ASSERT_EQUAL_FATAL(lock_acquire(&ours, "relock", 30, "alice", &l, &err), 0);
	snprintf(url, sizeof(url), "%s/__fake/fail", proxy);
	CU_ASSERT_EQUAL(it_call("POST", url, "{\"status\": 503, \"match\": \"/v3/lease/revoke\"}",
				200), 200);
	lock_release(&ours, l);
	CU_ASSERT_EQUAL(etcd_get(e, LOCK_PREFIX "relock", NULL, NULL, &err), 0);
	CU_ASSERT_EQUAL(lock_acquire(&theirs, "relock", 30, "bob", &l2, &err), -ERR_CONFLICT);
	CU_ASSERT_EQUAL(revokes_passed(), 0);
	/* etcd answers again: our next lock revokes the old lease first. */
	snprintf(url, sizeof(url), "%s/__fake/reset", proxy);
	CU_ASSERT_EQUAL(it_call("POST", url, NULL, 200), 200);
	l = NULL;
	CU_ASSERT_EQUAL(lock_acquire(&ours, "relock", 30, "alice", &l, &err), 0);
	CU_ASSERT_EQUAL(revokes_passed(), 1);
	lock_release(&ours, l);
	CU_ASSERT_EQUAL(revokes_passed(), 2);
	CU_ASSERT_EQUAL(etcd_get(e, LOCK_PREFIX "relock", NULL, NULL, &err), -ERR_NOT_FOUND);
	ctx_close(&ours);
	ctx_close(&theirs);
}

static CU_TestInfo etcd_tests[] = {
	{ "put and get, bytes and large values, failover", test_put_get },
	{ "prefix ranges page by page; count; delete prefix", test_range_paging },
	{ "create-if-absent, compare-and-swap, txn else", test_conditional_writes },
	{ "leases: lock key, keep-alive, revoke", test_leases },
	{ "v2 keys for /lain/config/", test_v2_keys },
	{ "a write applied by a member that did not answer", test_write_applied_without_an_answer },
	{ "a lost write that nobody can read back: unavailable", test_write_outcome_unknown },
	{ "a lock whose release failed: released by the next lock",
	  test_unreleased_lock_released_by_next_lock },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "etcd client against etcd", suite_up, suite_down, NULL, NULL, etcd_tests },
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return test_main(suites);
}
