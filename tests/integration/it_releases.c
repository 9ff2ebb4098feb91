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
	json_object *list = denv_releases("hist");
	CU_ASSERT_EQUAL(js_len(list), 0);
	json_object_put(list);

	CU_ASSERT_EQUAL(it_req("POST", "/api/v1/apps/", "{\"appname\":\"hist\"}", &r), 202);
	char request_id[128];
	snprintf(request_id, sizeof(request_id), "%s", it_header(&r, "x-request-id") ?: "");
	/* Without the new parameters the answer is today's: no release in it. */
	CU_ASSERT_PTR_NULL(js_get(r.json, "release"));
	it_response_free(&r);
	settle();

	list = denv_releases("hist");
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

	list = denv_releases("hist");
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
	json_object *list = denv_releases("histfail");
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
	json_object *list = denv_releases("histmany");
	CU_ASSERT_EQUAL_FATAL(js_len(list), 100);
	CU_ASSERT_EQUAL(num(js_at(list, 0), "id"), 101);
	CU_ASSERT_EQUAL(num(js_at(list, 0), "previous"), 100);
	CU_ASSERT_EQUAL(num(js_at(list, 99), "id"), 2);
	json_object_put(list);

	CU_ASSERT_EQUAL(it_req("DELETE", "/api/v1/apps/histmany/", NULL, &r), 202);
	it_response_free(&r);
	settle();
	list = denv_releases("histmany");
	CU_ASSERT_EQUAL(js_len(list), 100);
	json_object_put(list);
	CU_ASSERT_EQUAL(denv_deploy(NULL, "histmany", 202), 202);
	settle();
	list = denv_releases("histmany");
	CU_ASSERT_EQUAL(num(js_at(list, 0), "id"), 102);
	CU_ASSERT_STRING_EQUAL(js_str(js_at(list, 0), "op"), "deploy");
	json_object_put(list);
}

/* ---- rollback */

#define ROLL_YAML(extra)                                                                      \
	"appname: roll\nbuild:\n  base: golang\nweb:\n  cmd: /hello\n  port: 80\n"            \
	"  secret_files:\n    - app.conf\nworker.bg:\n  cmd: /bg\n" extra
#define TS1 "1522058200"
#define TS2 "1522059999"

static char lvault[256];
static char reg_host[128];

static long lvault_call(const char *method, const char *path, const char *body, char **out)
{
	char url[512];
	snprintf(url, sizeof(url), "%s%s", lvault, path);
	return denv_call(method, url, body, NULL, out);
}

static void lvault_seed(const char *content, const char *ts)
{
	char body[1024];
	snprintf(body, sizeof(body),
		 "{\"app\": \"roll\", \"proc\": \"roll.web.web\", \"secrets\": [{\"path\": "
		 "\"roll/roll.web.web/lain/app/app.conf\", \"content\": \"%s\", \"mode\": \"400\", "
		 "\"owner\": \"root\", \"group\": \"root\", \"timestamp\": %s}]}",
		 content, ts);
	CU_ASSERT_EQUAL(lvault_call("PUT", "/__fake/secrets", body, NULL), 200);
}

static int lvault_ncalls(void)
{
	char *body = NULL;
	lvault_call("GET", "/__fake/calls", NULL, &body);
	json_object *j = body ? json_tokener_parse(body) : NULL;
	int n = (int)js_len(js_get(j, "calls"));
	json_object_put(j);
	free(body);
	return n;
}

/* POST /apps/<app>/rollback/ with body; the answer in *r. */
static long rollback(const char *app, const char *body, it_response_t *r)
{
	char path[256];
	snprintf(path, sizeof(path), "/api/v1/apps/%s/rollback/", app);
	return it_req("POST", path, body, r);
}

static void test_rollback_restores(void)
{
	it_response_t r;
	char want[512];
	lvault_seed("password=1", TS1);
	CU_ASSERT_EQUAL(denv_reposit(NULL, "roll"), 201);
	CU_ASSERT_EQUAL(denv_deploy(NULL, "roll", 202), 202);                          /* 1: V2 */
	settle();
	CU_ASSERT_EQUAL(it_call("PUT", "/api/v1/apps/roll/", "{\"meta_version\":\"" V(1) "\"}", 202),
			202);                                                          /* 2: V1 */
	settle();
	CU_ASSERT_EQUAL(it_call("PATCH", "/api/v1/apps/roll/procs/web/", "{\"num_instances\":2}",
				202),
			202);                                                          /* 3 */
	settle();
	json_object *list = denv_releases("roll");
	CU_ASSERT_EQUAL_FATAL(js_len(list), 3);
	json_object *three = json_object_get(js_get(js_at(list, 0), "procs"));
	json_object_put(list);
	snprintf(want, sizeof(want), "%s/roll:release-%s-web-config-%s", reg_host, V(1), TS1);
	CU_ASSERT_STRING_EQUAL(js_str(js_get(three, "web"), "config_image"), want);

	/* Then: new secrets, V2 again (its config image from the new ones),
	 * bg removed, web scaled and bg's limits changed before that. */
	CU_ASSERT_EQUAL(it_call("PATCH", "/api/v1/apps/roll/procs/bg/",
				"{\"cpu\":2,\"memory\":\"128m\"}", 202),
			202);                                                          /* 4 */
	settle();
	lvault_seed("password=2", TS2);
	CU_ASSERT_EQUAL(it_call("PUT", "/api/v1/apps/roll/", "{\"meta_version\":\"" V(2) "\"}", 202),
			202);                                                          /* 5 */
	settle();
	CU_ASSERT_EQUAL(it_call("DELETE", "/api/v1/apps/roll/procs/bg/", NULL, 202), 202); /* 6 */
	settle();
	CU_ASSERT_EQUAL(it_call("PATCH", "/api/v1/apps/roll/procs/web/", "{\"num_instances\":3}",
				202),
			202);                                                          /* 7 */
	settle();
	CU_ASSERT_EQUAL(denv_count("roll.worker.extra"), 1);
	CU_ASSERT_EQUAL(denv_count("roll.worker.bg"), 0);

	/* Back to 3, in one call. */
	lvault_call("DELETE", "/__fake/calls", NULL, NULL);
	CU_ASSERT_EQUAL(rollback("roll", "{\"release\": 3}", &r), 202);
	CU_ASSERT_STRING_EQUAL(it_msg(&r), "rollback request of app roll to release 3 has been accepted.");
	CU_ASSERT_STRING_EQUAL(js_str(it_payload(&r, "app"), "metaversion"), V(1));
	json_object *rel = it_payload(&r, "release");
	CU_ASSERT_EQUAL(num(rel, "id"), 8);
	CU_ASSERT_EQUAL(num(rel, "rollback_of"), 3);
	CU_ASSERT_EQUAL(num(rel, "previous"), 7);
	CU_ASSERT_STRING_EQUAL(js_str(rel, "op"), "rollback");
	CU_ASSERT_STRING_EQUAL(js_str(rel, "state"), "succeeded");
	CU_ASSERT_STRING_EQUAL(js_str(rel, "meta_version"), V(1));
	CU_ASSERT(json_object_equal(js_get(rel, "procs"), three));
	it_response_free(&r);
	settle();
	/* The config image as recorded: lvault was not asked. */
	CU_ASSERT_EQUAL(lvault_ncalls(), 0);
	json_object *web = denv_pg_spec("roll.web.web"), *bg = denv_pg_spec("roll.worker.bg");
	CU_ASSERT_STRING_EQUAL(js_str(denv_container0(web), "Image"), want);
	CU_ASSERT_EQUAL(num(web, "NumInstances"), 2);
	/* bg was missing: created with release 3's values. */
	CU_ASSERT_PTR_NOT_NULL(bg);
	CU_ASSERT_EQUAL(num(bg, "NumInstances"), 1);
	CU_ASSERT_EQUAL(num(denv_container0(bg), "CpuLimit"), 0);
	CU_ASSERT_EQUAL(num(denv_container0(bg), "MemoryLimit"), 32 << 20);
	json_object_put(web);
	json_object_put(bg);
	/* extra is not in release 3: removed. */
	CU_ASSERT_EQUAL(denv_count("roll.worker.extra"), 0);
	CU_ASSERT_FATAL(denv_wait_healthy("roll", &r));
	it_response_free(&r);
	CU_ASSERT_EQUAL(it_req("GET", "/api/v1/oplogs/roll/", NULL, &r), 200);
	CU_ASSERT(strstr(json_object_get_string(it_payload(&r, "oplog")),
			 "\"ROLLBACK\", \"app\": \"roll\", \"app_version\": \"" V(1)
			 "\", \"time\"") != NULL);
	it_response_free(&r);

	/* {}: the newest succeeded release before the current one (7). */
	CU_ASSERT_EQUAL(rollback("roll", "{}", &r), 202);
	rel = it_payload(&r, "release");
	CU_ASSERT_EQUAL(num(rel, "id"), 9);
	CU_ASSERT_EQUAL(num(rel, "rollback_of"), 7);
	CU_ASSERT_STRING_EQUAL(js_str(rel, "meta_version"), V(2));
	it_response_free(&r);
	settle();
	web = denv_pg_spec("roll.web.web");
	snprintf(want, sizeof(want), "%s/roll:release-%s-web-config-%s", reg_host, V(2), TS2);
	CU_ASSERT_STRING_EQUAL(js_str(denv_container0(web), "Image"), want);
	CU_ASSERT_EQUAL(num(web, "NumInstances"), 3);
	json_object_put(web);
	CU_ASSERT_EQUAL(denv_count("roll.worker.bg"), 0);
	CU_ASSERT_EQUAL(denv_count("roll.worker.extra"), 1);
	json_object_put(three);
}

/* A rollback to what runs sends nothing: podgroups that would not change
 * are left alone. */
static void test_rollback_unchanged(void)
{
	it_response_t r;
	json_object *list = denv_releases("roll");
	int64_t last = num(js_at(list, 0), "id");
	json_object_put(list);
	denv_fake("DELETE", "/__fake/calls", NULL, NULL);
	char body[64];
	snprintf(body, sizeof(body), "{\"release\": %" PRId64 "}", last);
	CU_ASSERT_EQUAL(rollback("roll", body, &r), 202);
	it_response_free(&r);
	char *calls = NULL;
	denv_fake("GET", "/__fake/calls", NULL, &calls);
	json_object *j = json_tokener_parse(calls ? calls : "{}");
	json_object *cs = js_get(j, "calls");
	for (size_t i = 0; i < js_len(cs); i++) {
		const char *m = js_str(js_at(cs, i), "method");
		const char *path = js_str(js_at(cs, i), "path");
		/* Reads, and removals of what is gone already (404). */
		if (strcmp(m, "GET") && num(js_at(cs, i), "status") != 404) {
			fprintf(stderr, "\n  unexpected deployd call %s %s?%s\n", m, path,
				js_str(js_at(cs, i), "query"));
			CU_FAIL("a rollback to what runs changed something");
		}
	}
	json_object_put(j);
	free(calls);
}

static void test_rollback_refused(void)
{
	it_response_t r;
	/* Not deployed (registered only). */
	CU_ASSERT_EQUAL(denv_reposit(NULL, "rollnew"), 201);
	CU_ASSERT_EQUAL(rollback("rollnew", "{}", &r), 404);
	CU_ASSERT_STRING_EQUAL(it_msg(&r), "app with appname rollnew has not been deployd\n");
	it_response_free(&r);
	/* One release only: nothing to roll back to. */
	CU_ASSERT_EQUAL(denv_deploy(NULL, "rollnew", 202), 202);
	settle();
	CU_ASSERT_EQUAL(rollback("rollnew", "{}", &r), 400);
	CU_ASSERT_STRING_EQUAL(it_msg(&r), "app rollnew has no succeeded release before its "
					   "current one to roll back to");
	it_response_free(&r);
	CU_ASSERT_EQUAL(rollback("rollnew", "{\"release\": 42}", &r), 400);
	CU_ASSERT_STRING_EQUAL(it_msg(&r), "release 42 of app rollnew does not exist");
	it_response_free(&r);
	CU_ASSERT_EQUAL(rollback("rollnew", "{\"release\": \"1\"}", &r), 400);
	it_response_free(&r);
	/* A failed release is no target. */
	CU_ASSERT_EQUAL(rollback("histfail", "{\"release\": 2}", &r), 400);
	CU_ASSERT_STRING_EQUAL(it_msg(&r), "release 2 of app histfail failed: only a succeeded "
					   "release can be rolled back to");
	it_response_free(&r);

	/* 409 while another change holds the app. */
	CU_ASSERT_EQUAL(it_etcd_put("/lain/console/locks/histfail",
				    "{\"holder\": \"bob\", \"since\": \"2026-12-07 10:00:00\"}"),
			0);
	CU_ASSERT_EQUAL(rollback("histfail", "{\"release\": 1}", &r), 409);
	CU_ASSERT_PREFIX(it_msg(&r), "app 'histfail' is being changed by another request (bob");
	it_response_free(&r);
	CU_ASSERT_EQUAL(it_etcd_delete("/lain/console/locks/histfail"), 0);

	/* deployd failing: 406 with the report, the app keeps what ran. */
	denv_fake("POST", "/__fake/fail",
		  "{\"mode\":\"error500\",\"match\":\"/api/podgroups\",\"method\":\"PATCH\",\"count\":-1}",
		  NULL);
	CU_ASSERT_EQUAL(rollback("hist", "{\"release\": 1}", &r), 406);
	denv_fake("POST", "/__fake/fail", "{\"mode\":\"none\"}", NULL);
	CU_ASSERT_PREFIX(it_msg(&r), "request of rollback app hist is not acceptable with error:");
	CU_ASSERT_STRING_EQUAL(js_str(it_payload(&r, "release"), "state"), "failed");
	CU_ASSERT_EQUAL(num(it_payload(&r, "release"), "rollback_of"), 1);
	CU_ASSERT(json_object_is_type(js_get(r.json, "app"), json_type_null));
	it_response_free(&r);
	CU_ASSERT_EQUAL(it_req("GET", "/api/v1/apps/hist/", NULL, &r), 200);
	CU_ASSERT_STRING_EQUAL(js_str(it_payload(&r, "app"), "metaversion"), V(1));
	it_response_free(&r);
}

static CU_TestInfo rollback_tests[] = {
	{ "rollback restores version, config image, scale, procs", test_rollback_restores },
	{ "rollback to what runs changes nothing", test_rollback_unchanged },
	{ "rollback refused: 404, 400, 409, 406", test_rollback_refused },
	CU_TEST_INFO_NULL,
};

static CU_TestInfo history_tests[] = {
	{ "every kind of change writes a release", test_history },
	{ "a failed update: a failed release", test_failed_release },
	{ "bounded, kept over an undeploy", test_bounded_and_kept },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "history", NULL, NULL, NULL, NULL, history_tests },
	{ "rollback", NULL, NULL, NULL, NULL, rollback_tests },
	CU_SUITE_INFO_NULL,
};

/* The lvault stand-in, and the registry's host as images name it. */
static int neighbours_up(void)
{
	snprintf(reg_host, sizeof(reg_host), "%s", denv_registry() + strlen("http://"));
	return denv_lvault_up(lvault, sizeof(lvault));
}

int main(void)
{
	const denv_image_t images[] = {
		{ "hist", V(1), YAML("hist", "64m"), NULL },
		{ "hist", V(2), YAML("hist", "64m"), NULL },
		{ "histfail", V(1), YAML("histfail", "64m"), NULL },
		{ "histfail", V(2), YAML("histfail", "64m"), NULL },
		{ "histmany", V(1), YAML("histmany", "64m"), NULL },
		{ "roll", V(1), ROLL_YAML(""), NULL },
		{ "roll", V(2), ROLL_YAML("worker.extra:\n  cmd: /extra\n"), NULL },
		{ "rollnew", V(1), YAML("rollnew", "64m"), NULL },
	};
	const denv_suite_t suite = { .name = "it_releases", .images = images,
				     .nimages = ARRAY_SIZE(images), .stack_args = "--workers 2",
				     .before = neighbours_up, .suites = suites };
	return denv_main(&suite);
}
