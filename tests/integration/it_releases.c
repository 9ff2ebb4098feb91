/* Releases through the real stack (issue 13): the history every kind of
 * change writes (deploy, update, scale, proc removal and deploy, failures),
 * written in the app record's txn, bounded, kept over an undeploy; and the
 * rollback in one call (POST /apps/<a>/rollback/) restoring a release
 * whole: version, images, config image as recorded, instances, cpu,
 * memory, procs. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>
#include <json-c/json.h>

#include "console/array.h"
#include "deploy_env.h"
#include "harness.h"
#include "itjson.h"
#include "testlib.h"

#define V(n) "152445598" #n "-f478328a58bc9725c19030e7663e2ee3fa87b02" #n
#define YAML(app, mem)                                                                        \
	"appname: " app "\nbuild:\n  base: golang\nweb:\n  cmd: /hello\n  port: 80\n"          \
	"  memory: " mem "\nworker.bg:\n  cmd: /bg\n"
/* V3 of "hist" has a third proc. */
#define YAML3(app)                                                                            \
	"appname: " app "\nbuild:\n  base: golang\nweb:\n  cmd: /hello\n  port: 80\n"          \
	"  memory: 96m\nworker.bg:\n  cmd: /bg\nworker.extra:\n  cmd: /extra\n"

/* The releases of app, newest first (a new reference; NULL when the GET
 * did not answer 200). */
static json_object *releases(const char *app)
{
	char path[256];
	snprintf(path, sizeof(path), "/api/v1/apps/%s/releases/", app);
	it_response_t r;
	json_object *list = NULL;
	if (it_req("GET", path, NULL, &r) == 200)
		list = json_object_get(it_payload(&r, "releases"));
	else
		fprintf(stderr, "\n  GET %s: %ld %s\n", path, r.status, r.body);
	it_response_free(&r);
	return list;
}

static int64_t num(json_object *o, const char *key)
{
	return json_object_get_int64(js_get(o, key));
}

/* procs[proc][key] as a number (-1 when absent). */
static int64_t proc_num(json_object *rel, const char *proc, const char *key)
{
	json_object *p = js_get(js_get(rel, "procs"), proc);
	return p && js_get(p, key) ? num(p, key) : -1;
}

static const char *proc_str(json_object *rel, const char *proc, const char *key)
{
	return js_str(js_get(js_get(rel, "procs"), proc), key);
}

static void settle(void)
{
	CU_ASSERT_EQUAL(denv_settle(), 0);
}

/* The release key and the app record were written by one txn: the same
 * mod_revision. */
static void assert_one_txn(const char *app, int64_t id)
{
	char key[256], rkey[256];
	snprintf(key, sizeof(key), "/lain/console/releases/%s/%010" PRId64, app, id);
	snprintf(rkey, sizeof(rkey), "/lain/console/apps/%s", app);
	long long rel_rev = 0, app_rev = 0;
	CU_ASSERT_EQUAL(it_etcd_get(key, NULL, &rel_rev, NULL), 0);
	CU_ASSERT_EQUAL(it_etcd_get(rkey, NULL, &app_rev, NULL), 0);
	CU_ASSERT(rel_rev > 0);
	CU_ASSERT_EQUAL(rel_rev, app_rev);
}

static void test_history(void)
{
	it_response_t r;
	CU_ASSERT_EQUAL(denv_reposit(NULL, "hist"), 201);
	/* Registered only: an empty history. */
	json_object *list = releases("hist");
	CU_ASSERT_EQUAL(js_len(list), 0);
	json_object_put(list);

	CU_ASSERT_EQUAL(it_req("POST", "/api/v1/apps/", "{\"appname\":\"hist\"}", &r), 202);
	char request_id[128];
	snprintf(request_id, sizeof(request_id), "%s", it_header(&r, "x-request-id") ?: "");
	/* Without the new parameters the answer is today's: no release in it. */
	CU_ASSERT_PTR_NULL(js_get(r.json, "release"));
	it_response_free(&r);
	settle();

	list = releases("hist");
	CU_ASSERT_EQUAL_FATAL(js_len(list), 1);
	json_object *rel = js_at(list, 0);
	CU_ASSERT_EQUAL(num(rel, "id"), 1);
	CU_ASSERT_EQUAL(num(rel, "previous"), 0);
	CU_ASSERT_STRING_EQUAL(js_str(rel, "app"), "hist");
	CU_ASSERT_STRING_EQUAL(js_str(rel, "op"), "deploy");
	CU_ASSERT_STRING_EQUAL(js_str(rel, "state"), "succeeded");
	CU_ASSERT_STRING_EQUAL(js_str(rel, "user"), "unknown");
	CU_ASSERT_STRING_EQUAL(js_str(rel, "request_id"), request_id);
	CU_ASSERT_STRING_EQUAL(js_str(rel, "meta_version"), V(2));
	CU_ASSERT_STRING_EQUAL(js_str(rel, "error"), "");
	CU_ASSERT_EQUAL(strlen(js_str(rel, "created")), 20);
	CU_ASSERT(js_str(rel, "created")[19] == 'Z');
	CU_ASSERT(strstr(proc_str(rel, "web", "image"), "/hist:release-" V(2)) != NULL);
	CU_ASSERT(json_object_is_type(js_get(js_get(js_get(rel, "procs"), "web"), "config_image"),
				      json_type_null));
	CU_ASSERT_EQUAL(proc_num(rel, "web", "num_instances"), 1);
	CU_ASSERT_EQUAL(proc_num(rel, "web", "cpu"), 0);
	CU_ASSERT_EQUAL(proc_num(rel, "web", "memory"), 64 << 20);
	CU_ASSERT_EQUAL(proc_num(rel, "bg", "memory"), 32 << 20);
	json_object_put(list);
	assert_one_txn("hist", 1);

	/* One release: GET .../releases/1/; unknown ones. */
	CU_ASSERT_EQUAL(it_req("GET", "/api/v1/apps/hist/releases/1/", NULL, &r), 200);
	CU_ASSERT_EQUAL(num(it_payload(&r, "release"), "id"), 1);
	CU_ASSERT_STRING_EQUAL(it_field(&r, "url"), "/v1/apps/hist/releases/1/");
	it_response_free(&r);
	CU_ASSERT_EQUAL(it_req("GET", "/api/v1/apps/hist/releases/9/", NULL, &r), 404);
	CU_ASSERT_STRING_EQUAL(it_field(&r, "msg"), "release 9 of app hist does not exist");
	it_response_free(&r);
	CU_ASSERT_EQUAL(it_req("GET", "/api/v1/apps/hist/releases/x/", NULL, &r), 400);
	it_response_free(&r);

	/* deploy -v: an update to V1. */
	CU_ASSERT_EQUAL(it_call("PUT", "/api/v1/apps/hist/", "{\"meta_version\":\"" V(1) "\"}", 202),
			202);
	settle();
	assert_one_txn("hist", 2);
	/* Scale: instances, then cpu and memory. */
	CU_ASSERT_EQUAL(it_call("PATCH", "/api/v1/apps/hist/procs/web/", "{\"num_instances\":3}",
				202),
			202);
	settle();
	assert_one_txn("hist", 3);
	CU_ASSERT_EQUAL(it_call("PATCH", "/api/v1/apps/hist/procs/bg/",
				"{\"cpu\":2,\"memory\":\"128m\"}", 202),
			202);
	settle();
	assert_one_txn("hist", 4);
	/* Proc removal and proc deploy. */
	CU_ASSERT_EQUAL(it_call("DELETE", "/api/v1/apps/hist/procs/bg/", NULL, 202), 202);
	settle();
	assert_one_txn("hist", 5);
	CU_ASSERT_EQUAL(it_call("POST", "/api/v1/apps/hist/procs/", "{\"procname\":\"bg\"}", 201),
			201);
	settle();
	assert_one_txn("hist", 6);

	list = releases("hist");
	CU_ASSERT_EQUAL_FATAL(js_len(list), 6);
	const char *ops[] = { "proc_deploy", "proc_remove", "scale", "scale", "update", "deploy" };
	for (size_t i = 0; i < 6; i++) {
		json_object *x = js_at(list, i);
		CU_ASSERT_STRING_EQUAL(js_str(x, "op"), ops[i]);
		CU_ASSERT_EQUAL(num(x, "id"), (int64_t)(6 - i));
		CU_ASSERT_EQUAL(num(x, "previous"), (int64_t)(5 - i));
		CU_ASSERT_STRING_EQUAL(js_str(x, "state"), "succeeded");
		CU_ASSERT_STRING_EQUAL(js_str(x, "meta_version"), i < 5 ? V(1) : V(2));
	}
	json_object *update = js_at(list, 4), *scale_n = js_at(list, 3), *scale_c = js_at(list, 2);
	CU_ASSERT(strstr(proc_str(update, "web", "image"), "/hist:release-" V(1)) != NULL);
	CU_ASSERT_EQUAL(proc_num(update, "web", "memory"), 64 << 20);
	CU_ASSERT_EQUAL(proc_num(scale_n, "web", "num_instances"), 3);
	CU_ASSERT_EQUAL(proc_num(scale_n, "bg", "num_instances"), 1);
	CU_ASSERT_EQUAL(proc_num(scale_c, "web", "num_instances"), 3);
	CU_ASSERT_EQUAL(proc_num(scale_c, "bg", "cpu"), 2);
	CU_ASSERT_EQUAL(proc_num(scale_c, "bg", "memory"), 128 << 20);
	CU_ASSERT_PTR_NULL(js_get(js_get(js_at(list, 1), "procs"), "bg"));
	CU_ASSERT_EQUAL(proc_num(js_at(list, 1), "web", "num_instances"), 3);
	CU_ASSERT_EQUAL(proc_num(js_at(list, 0), "bg", "num_instances"), 1);
	json_object_put(list);
}

/* An update deployd refuses half-way: a failed release with the report. */
static void test_failed_release(void)
{
	it_response_t r;
	CU_ASSERT_EQUAL(denv_reposit(NULL, "histfail"), 201);
	CU_ASSERT_EQUAL(denv_deploy(NULL, "histfail", 202), 202);
	settle();
	denv_fake("POST", "/__fake/fail",
		  "{\"mode\":\"error500\",\"match\":\"/api/podgroups\",\"method\":\"PATCH\",\"count\":-1}",
		  NULL);
	CU_ASSERT_EQUAL(it_req("PUT", "/api/v1/apps/histfail/", "{\"meta_version\":\"" V(1) "\"}", &r),
			406);
	it_response_free(&r);
	denv_fake("POST", "/__fake/fail", "{\"mode\":\"none\"}", NULL);
	json_object *list = releases("histfail");
	CU_ASSERT_EQUAL_FATAL(js_len(list), 2);
	json_object *rel = js_at(list, 0);
	CU_ASSERT_STRING_EQUAL(js_str(rel, "op"), "update");
	CU_ASSERT_STRING_EQUAL(js_str(rel, "state"), "failed");
	CU_ASSERT_STRING_EQUAL(js_str(rel, "meta_version"), V(1));
	CU_ASSERT_PREFIX(js_str(rel, "error"), "request of update app histfail is not acceptable");
	json_object_put(list);
	assert_one_txn("histfail", 2);
	/* The app keeps what ran: the record still says V2. */
	CU_ASSERT_EQUAL(it_req("GET", "/api/v1/apps/histfail/", NULL, &r), 200);
	CU_ASSERT_STRING_EQUAL(js_str(it_payload(&r, "app"), "metaversion"), V(2));
	it_response_free(&r);
}

/* The newest RELEASES_KEEP (100) are kept; an undeploy keeps them; a new
 * deploy goes on after them. */
static void test_bounded_and_kept(void)
{
	it_response_t r;
	CU_ASSERT_EQUAL(denv_reposit(NULL, "histmany"), 201);
	/* 100 old releases, as if written before. */
	for (int i = 1; i <= 100; i++) {
		char key[128], value[256];
		snprintf(key, sizeof(key), "/lain/console/releases/histmany/%010d", i);
		snprintf(value, sizeof(value),
			 "{\"id\": %d, \"app\": \"histmany\", \"op\": \"update\", \"state\": "
			 "\"succeeded\", \"meta_version\": \"%s\", \"procs\": {}, \"previous\": %d}",
			 i, V(1), i - 1);
		CU_ASSERT_EQUAL_FATAL(it_etcd_put(key, value), 0);
	}
	CU_ASSERT_EQUAL(denv_deploy(NULL, "histmany", 202), 202);
	settle();
	CU_ASSERT_EQUAL(it_etcd_count("/lain/console/releases/histmany/"), 100);
	json_object *list = releases("histmany");
	CU_ASSERT_EQUAL_FATAL(js_len(list), 100);
	CU_ASSERT_EQUAL(num(js_at(list, 0), "id"), 101);
	CU_ASSERT_EQUAL(num(js_at(list, 0), "previous"), 100);
	CU_ASSERT_EQUAL(num(js_at(list, 99), "id"), 2);
	json_object_put(list);

	CU_ASSERT_EQUAL(it_req("DELETE", "/api/v1/apps/histmany/", NULL, &r), 202);
	it_response_free(&r);
	settle();
	list = releases("histmany");
	CU_ASSERT_EQUAL(js_len(list), 100);
	json_object_put(list);
	CU_ASSERT_EQUAL(denv_deploy(NULL, "histmany", 202), 202);
	settle();
	list = releases("histmany");
	CU_ASSERT_EQUAL(num(js_at(list, 0), "id"), 102);
	CU_ASSERT_STRING_EQUAL(js_str(js_at(list, 0), "op"), "deploy");
	json_object_put(list);
}

static CU_TestInfo history_tests[] = {
	{ "every kind of change writes a release", test_history },
	{ "a failed update: a failed release", test_failed_release },
	{ "bounded, kept over an undeploy", test_bounded_and_kept },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "history", NULL, NULL, NULL, NULL, history_tests },
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	const denv_image_t images[] = {
		{ "hist", V(1), YAML("hist", "64m"), NULL },
		{ "hist", V(2), YAML("hist", "64m"), NULL },
		{ "histfail", V(1), YAML("histfail", "64m"), NULL },
		{ "histfail", V(2), YAML("histfail", "64m"), NULL },
		{ "histmany", V(1), YAML("histmany", "64m"), NULL },
	};
	const denv_suite_t suite = { .name = "it_releases", .images = images,
				     .nimages = ARRAY_SIZE(images), .stack_args = "--workers 2",
				     .suites = suites };
	return denv_main(&suite);
}
