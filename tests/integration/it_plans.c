/* Dry-run plans through the real stack (issue 13): ?dry_run=1 on POST
 * /apps/, PUT /apps/<a>/, PATCH .../procs/<p>/ and POST .../rollback/
 * answers the field-level difference between what deployd runs and what
 * the call would send — and writes nothing anywhere: etcd's revision
 * unchanged (no record, no release, no oplog row, no lock), no mutating
 * call at deployd, no image pushed to the registry. */
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
#define YAML1                                                                                 \
	"appname: plan\nbuild:\n  base: golang\nweb:\n  cmd: /hello\n  port: 80\n"              \
	"  memory: 64m\nworker.bg:\n  cmd: /bg\n  num_instances: 2\n"
#define YAML2                                                                                 \
	"appname: plan\nbuild:\n  base: golang\nweb:\n  cmd: /hello\n  port: 80\n"              \
	"  memory: 96m\nworker.extra:\n  cmd: /extra\n"
#define SEC_YAML                                                                              \
	"appname: sec\nbuild:\n  base: golang\nweb:\n  cmd: /hello\n  port: 80\n"               \
	"  secret_files:\n    - app.conf\n"
#define RES_YAML                                                                              \
	"appname: pres\napptype: resource\nbuild:\n  base: redis\nservice.pres:\n"            \
	"  cmd: redis-server\n  port: 6379\n"                                                  \
	"  num_instances: \"{{ num_instances|default(1)|int(1) }}\"\n"                         \
	"  portal:\n    allow_clients: \"**\"\n    cmd: ./portal\n    port: 6379\n"
#define CLIENT_YAML                                                                           \
	"appname: pcli\nbuild:\n  base: golang\nuse_resources:\n  pres:\n    services:\n"      \
	"      - pres\n    num_instances: 2\nweb:\n  cmd: /web\n  port: 80\n"
#define TS "1522058200"

static char lvault[256];

static long long etcd_revision(void)
{
	long long rev = 0;
	CU_ASSERT_EQUAL(it_etcd_get("/lain/config/domain", NULL, NULL, &rev), 0);
	return rev;
}

/* What a dry run must leave: etcd at rev, deployd asked nothing but GETs
 * since its log was cleared. */
static void assert_nothing_written(long long rev)
{
	CU_ASSERT_EQUAL(etcd_revision(), rev);
	char *body = NULL;
	denv_fake("GET", "/__fake/calls", NULL, &body);
	json_object *j = json_tokener_parse(body ? body : "{}");
	json_object *calls = js_get(j, "calls");
	size_t gets = 0;
	for (size_t i = 0; i < js_len(calls); i++) {
		const char *m = js_str(js_at(calls, i), "method");
		if (!strcmp(m, "GET")) {
			gets++;
			continue;
		}
		fprintf(stderr, "\n  a dry run sent deployd %s %s?%s\n", m,
			js_str(js_at(calls, i), "path"), js_str(js_at(calls, i), "query"));
		CU_FAIL("a dry run changed something at deployd");
	}
	CU_ASSERT(gets > 0); /* it did look */
	json_object_put(j);
	free(body);
}

/* A dry run of method path body: 200 and its plan (a new reference). */
static json_object *dry(const char *method, const char *path, const char *body, long long *rev)
{
	it_response_t r;
	CU_ASSERT_EQUAL(denv_settle(), 0);
	denv_fake("DELETE", "/__fake/calls", NULL, NULL);
	*rev = etcd_revision();
	long st = it_req(method, path, body, &r);
	if (st != 200)
		fprintf(stderr, "\n  %s %s: %ld %s\n", method, path, st, r.body);
	CU_ASSERT_EQUAL(st, 200);
	json_object *plan = json_object_get(it_payload(&r, "plan"));
	CU_ASSERT_STRING_EQUAL(it_msg(&r), "");
	it_response_free(&r);
	assert_nothing_written(*rev);
	return plan;
}

static json_object *proc_plan(json_object *plan, const char *name)
{
	return js_find(js_get(plan, "procs"), "name", name);
}

/* The change of path in a proc's plan, or NULL. */
static json_object *change(json_object *pp, const char *path)
{
	return js_find(js_get(pp, "changes"), "path", path);
}

static void test_first_deploy_plan(void)
{
	long long rev;
	it_response_t r;
	CU_ASSERT_EQUAL(denv_reposit(NULL, "plan"), 201);
	json_object *plan = dry("POST", "/api/v1/apps/?dry_run=1", "{\"appname\": \"plan\"}", &rev);
	CU_ASSERT_STRING_EQUAL(js_str(plan, "app"), "plan");
	CU_ASSERT_STRING_EQUAL(js_str(plan, "from_version"), "");
	CU_ASSERT_STRING_EQUAL(js_str(plan, "to_version"), V(2));
	CU_ASSERT_EQUAL(js_len(js_get(plan, "procs")), 2);
	json_object *web = proc_plan(plan, "web");
	CU_ASSERT_STRING_EQUAL(js_str(web, "action"), "create");
	json_object *img = change(web, "Pod.Containers[0].Image");
	CU_ASSERT(json_object_is_type(js_get(img, "from"), json_type_null));
	CU_ASSERT(strstr(js_str(img, "to"), "/plan:release-" V(2)) != NULL);
	CU_ASSERT_EQUAL(json_object_get_int(js_get(change(web, "NumInstances"), "to")), 1);
	CU_ASSERT_STRING_EQUAL(js_str(proc_plan(plan, "extra"), "action"), "create");
	CU_ASSERT_EQUAL(js_len(js_get(plan, "resource_instances")), 0);
	CU_ASSERT_EQUAL(js_len(js_get(plan, "config_images")), 0);
	json_object_put(plan);
	/* Still registered only. */
	CU_ASSERT_EQUAL(it_req("GET", "/api/v1/apps/plan/", NULL, &r), 404);
	it_response_free(&r);

	CU_ASSERT_EQUAL(denv_deploy(NULL, "plan", 202), 202);
	CU_ASSERT_EQUAL(denv_settle(), 0);
	/* A plan of what runs: unchanged. */
	plan = dry("PUT", "/api/v1/apps/plan/?dry_run=1", NULL, &rev);
	CU_ASSERT_STRING_EQUAL(js_str(plan, "from_version"), V(2));
	CU_ASSERT_STRING_EQUAL(js_str(plan, "to_version"), V(2));
	CU_ASSERT_STRING_EQUAL(js_str(proc_plan(plan, "web"), "action"), "unchanged");
	CU_ASSERT_EQUAL(js_len(js_get(proc_plan(plan, "web"), "changes")), 0);
	CU_ASSERT_STRING_EQUAL(js_str(proc_plan(plan, "extra"), "action"), "unchanged");
	json_object_put(plan);
}

static void test_update_plan(void)
{
	long long rev;
	json_object *plan = dry("PUT", "/api/v1/apps/plan/?dry_run=1",
				"{\"meta_version\": \"" V(1) "\"}", &rev);
	CU_ASSERT_STRING_EQUAL(js_str(plan, "from_version"), V(2));
	CU_ASSERT_STRING_EQUAL(js_str(plan, "to_version"), V(1));
	json_object *web = proc_plan(plan, "web");
	CU_ASSERT_STRING_EQUAL(js_str(web, "action"), "update");
	json_object *img = change(web, "Pod.Containers[0].Image");
	CU_ASSERT(strstr(js_str(img, "from"), "/plan:release-" V(2)) != NULL);
	CU_ASSERT(strstr(js_str(img, "to"), "/plan:release-" V(1)) != NULL);
	CU_ASSERT_PTR_NOT_NULL(change(web, "Pod.Containers[0].Env"));
	/* The running limits are kept by an update (scaling is sticky): no change. */
	CU_ASSERT_PTR_NULL(change(web, "Pod.Containers[0].MemoryLimit"));
	CU_ASSERT_PTR_NULL(change(web, "NumInstances"));
	CU_ASSERT_STRING_EQUAL(js_str(proc_plan(plan, "bg"), "action"), "create");
	CU_ASSERT_STRING_EQUAL(js_str(proc_plan(plan, "extra"), "action"), "remove");
	json_object_put(plan);
}

static void test_patch_plans(void)
{
	long long rev;
	it_response_t r;
	json_object *plan = dry("PATCH", "/api/v1/apps/plan/procs/web/?dry_run=1",
				"{\"num_instances\": 3}", &rev);
	CU_ASSERT_EQUAL_FATAL(js_len(js_get(plan, "procs")), 1);
	json_object *web = proc_plan(plan, "web");
	CU_ASSERT_STRING_EQUAL(js_str(web, "action"), "update");
	CU_ASSERT_EQUAL(js_len(js_get(web, "changes")), 1);
	json_object *n = change(web, "NumInstances");
	CU_ASSERT_EQUAL(json_object_get_int(js_get(n, "from")), 1);
	CU_ASSERT_EQUAL(json_object_get_int(js_get(n, "to")), 3);
	json_object_put(plan);

	plan = dry("PATCH", "/api/v1/apps/plan/procs/web/?dry_run=1", "{\"memory\": \"256m\"}", &rev);
	json_object *m = change(proc_plan(plan, "web"), "Pod.Containers[0].MemoryLimit");
	CU_ASSERT_EQUAL(json_object_get_int64(js_get(m, "from")), 96 << 20);
	CU_ASSERT_EQUAL(json_object_get_int64(js_get(m, "to")), 256 << 20);
	CU_ASSERT_EQUAL(js_len(js_get(proc_plan(plan, "web"), "changes")), 1);
	json_object_put(plan);

	/* Bad values and operations that are no change of what runs. */
	CU_ASSERT_EQUAL(it_req("PATCH", "/api/v1/apps/plan/procs/web/?dry_run=2",
			       "{\"num_instances\": 3}", &r),
			400);
	CU_ASSERT_STRING_EQUAL(it_msg(&r), "invalid dry_run 2: should be 1 or 0");
	it_response_free(&r);
	CU_ASSERT_EQUAL(it_req("PATCH", "/api/v1/apps/plan/procs/web/?dry_run=1",
			       "{\"operation\": \"restart\"}", &r),
			400);
	it_response_free(&r);
}

static void test_rollback_plan(void)
{
	long long rev;
	CU_ASSERT_EQUAL(it_call("PUT", "/api/v1/apps/plan/", "{\"meta_version\": \"" V(1) "\"}", 202),
			202);
	json_object *plan = dry("POST", "/api/v1/apps/plan/rollback/?dry_run=1", "{\"release\": 1}",
				&rev);
	CU_ASSERT_STRING_EQUAL(js_str(plan, "from_version"), V(1));
	CU_ASSERT_STRING_EQUAL(js_str(plan, "to_version"), V(2));
	CU_ASSERT_STRING_EQUAL(js_str(proc_plan(plan, "web"), "action"), "update");
	CU_ASSERT_STRING_EQUAL(js_str(proc_plan(plan, "extra"), "action"), "create");
	CU_ASSERT_STRING_EQUAL(js_str(proc_plan(plan, "bg"), "action"), "remove");
	json_object_put(plan);
	/* {}: the same target (release 1, the one before the current). */
	plan = dry("POST", "/api/v1/apps/plan/rollback/?dry_run=1", "{}", &rev);
	CU_ASSERT_STRING_EQUAL(js_str(plan, "to_version"), V(2));
	json_object_put(plan);
}

/* The config image a deploy would build: named, not pushed. */
static bool registry_has_tag(const char *repo, const char *tag)
{
	char url[512], *body = NULL;
	snprintf(url, sizeof(url), "%s/v2/%s/tags/list", denv_registry(), repo);
	denv_call("GET", url, NULL, NULL, &body);
	json_object *j = json_tokener_parse(body ? body : "{}");
	bool has = js_has(js_get(j, "tags"), tag);
	json_object_put(j);
	free(body);
	return has;
}

static void test_config_image_plan(void)
{
	long long rev;
	char url[512], body[1024];
	snprintf(url, sizeof(url), "%s/__fake/secrets", lvault);
	snprintf(body, sizeof(body),
		 "{\"app\": \"sec\", \"proc\": \"sec.web.web\", \"secrets\": [{\"path\": "
		 "\"sec/sec.web.web/lain/app/app.conf\", \"content\": \"x=1\", \"mode\": \"400\", "
		 "\"owner\": \"root\", \"group\": \"root\", \"timestamp\": " TS "}]}");
	CU_ASSERT_EQUAL(denv_call("PUT", url, body, NULL, NULL), 200);
	CU_ASSERT_EQUAL(denv_reposit(NULL, "sec"), 201);
	const char *tag = "release-" V(1) "-web-config-" TS;
	json_object *plan = dry("POST", "/api/v1/apps/?dry_run=1", "{\"appname\": \"sec\"}", &rev);
	json_object *ci = js_at(js_get(plan, "config_images"), 0);
	CU_ASSERT_STRING_EQUAL(js_str(ci, "proc"), "web");
	CU_ASSERT_STRING_EQUAL(js_str(ci, "tag"), tag);
	CU_ASSERT(json_object_is_type(js_get(ci, "exists"), json_type_boolean) &&
		  !json_object_get_boolean(js_get(ci, "exists")));
	json_object *img = change(proc_plan(plan, "web"), "Pod.Containers[0].Image");
	CU_ASSERT(strstr(js_str(img, "to"), tag) != NULL);
	json_object_put(plan);
	CU_ASSERT(!registry_has_tag("sec", tag));

	CU_ASSERT_EQUAL(denv_deploy(NULL, "sec", 202), 202);
	CU_ASSERT(registry_has_tag("sec", tag));
	plan = dry("PUT", "/api/v1/apps/sec/?dry_run=1", NULL, &rev);
	ci = js_at(js_get(plan, "config_images"), 0);
	CU_ASSERT(json_object_get_boolean(js_get(ci, "exists")));
	CU_ASSERT_STRING_EQUAL(js_str(proc_plan(plan, "web"), "action"), "unchanged");
	json_object_put(plan);
}

static void test_resource_instance_plan(void)
{
	long long rev;
	it_response_t r;
	CU_ASSERT_EQUAL(denv_reposit(NULL, "pres"), 201);
	CU_ASSERT_EQUAL(denv_deploy(NULL, "pres", 202), 202);
	CU_ASSERT_EQUAL(denv_reposit(NULL, "pcli"), 201);
	json_object *plan = dry("POST", "/api/v1/apps/?dry_run=1", "{\"appname\": \"pcli\"}", &rev);
	CU_ASSERT_EQUAL_FATAL(js_len(js_get(plan, "resource_instances")), 1);
	json_object *inst = js_at(js_get(plan, "resource_instances"), 0);
	CU_ASSERT_STRING_EQUAL(js_str(inst, "app"), "resource.pres.pcli");
	CU_ASSERT_STRING_EQUAL(js_str(inst, "from_version"), "");
	CU_ASSERT_STRING_EQUAL(js_str(inst, "to_version"), V(1));
	json_object *p = proc_plan(inst, "pres");
	CU_ASSERT_STRING_EQUAL(js_str(p, "action"), "create");
	/* The client's context: 2 instances. */
	CU_ASSERT_EQUAL(json_object_get_int(js_get(change(p, "NumInstances"), "to")), 2);
	CU_ASSERT_STRING_EQUAL(js_str(proc_plan(inst, "portal-pres"), "action"), "create");
	CU_ASSERT_STRING_EQUAL(js_str(proc_plan(plan, "web"), "action"), "create");
	json_object_put(plan);
	/* The instance was not registered. */
	CU_ASSERT_EQUAL(it_req("GET", "/api/v1/repos/resource.pres.pcli/", NULL, &r), 404);
	it_response_free(&r);
}

static CU_TestInfo tests[] = {
	{ "first deploy, and of what runs", test_first_deploy_plan },
	{ "update (deploy -v): update, create, remove", test_update_plan },
	{ "PATCH: instances, memory; bad values", test_patch_plans },
	{ "rollback", test_rollback_plan },
	{ "config images named, not pushed", test_config_image_plan },
	{ "resource instances planned, not registered", test_resource_instance_plan },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "dry runs", NULL, NULL, NULL, NULL, tests },
	CU_SUITE_INFO_NULL,
};

static int neighbours_up(void)
{
	return denv_lvault_up(lvault, sizeof(lvault));
}

int main(void)
{
	const denv_image_t images[] = {
		{ "plan", V(1), YAML1, NULL },
		{ "plan", V(2), YAML2, NULL },
		{ "sec", V(1), SEC_YAML, NULL },
		{ "pres", V(1), RES_YAML, NULL },
		{ "pcli", V(1), CLIENT_YAML, NULL },
	};
	const denv_suite_t suite = { .name = "it_plans", .images = images,
				     .nimages = ARRAY_SIZE(images), .stack_args = "--workers 2",
				     .before = neighbours_up, .suites = suites };
	return denv_main(&suite);
}
