/* Canaries through the real stack (spec §7.3 with its defects of §9.3 #22
 * fixed; issue 13): PATCH .../procs/<p>/ with canary_proc (deploy,
 * undeploy, the new promote) and canary_policy_group (deploy, undeploy)
 * against the deployd stand-in and the webrouter (ABTestingGateway)
 * stand-in. Checked on what the stand-ins hold and recorded. */
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
#define YAML(app)                                                                             \
	"appname: " app "\nbuild:\n  base: golang\nweb:\n  cmd: /hello\n  port: 80\n"          \
	"  num_instances: 2\n  mountpoint:\n    - " app ".example.com/api\n"                     \
	"worker.bg:\n  cmd: /bg\n"
#define RULES "{\"1\": {\"divtype\": \"uidsuffix\", \"divdata\": [{\"suffix\": 1, \"upstream\": \"beta\"}]}}"

static char webrouter[256];

static long wr_call(const char *method, const char *path, const char *body, char **out)
{
	char url[512];
	snprintf(url, sizeof(url), "%s%s", webrouter, path);
	return denv_call(method, url, body, NULL, out);
}

/* webrouter's state (a new reference). */
static json_object *wr_state(void)
{
	char *body = NULL;
	wr_call("GET", "/__fake/state", NULL, &body);
	json_object *j = json_tokener_parse(body ? body : "{}");
	free(body);
	return j;
}

static long patch(const char *app, const char *proc, const char *body, it_response_t *r)
{
	char path[256];
	snprintf(path, sizeof(path), "/api/v1/apps/%s/procs/%s/", app, proc);
	CU_ASSERT_EQUAL(denv_settle(), 0);
	return it_req("PATCH", path, body, r);
}

/* The app's record's canaries, as its App object shows them (a new reference). */
static json_object *canaries(const char *app)
{
	char path[256];
	snprintf(path, sizeof(path), "/api/v1/apps/%s/", app);
	it_response_t r;
	it_req("GET", path, NULL, &r);
	json_object *c = json_object_get(js_get(it_payload(&r, "app"), "canaries"));
	it_response_free(&r);
	return c;
}

static json_object *newest_release(const char *app)
{
	char path[256];
	snprintf(path, sizeof(path), "/api/v1/apps/%s/releases/", app);
	it_response_t r;
	it_req("GET", path, NULL, &r);
	json_object *rel = json_object_get(js_at(it_payload(&r, "releases"), 0));
	it_response_free(&r);
	return rel;
}

static int oplog_rows(const char *app, const char *op)
{
	char path[256], needle[64];
	snprintf(path, sizeof(path), "/api/v1/oplogs/%s/", app);
	snprintf(needle, sizeof(needle), "\"op\": \"%s\"", op);
	it_response_t r;
	it_req("GET", path, NULL, &r);
	const char *log = json_object_get_string(it_payload(&r, "oplog"));
	int n = 0;
	for (const char *s = log; s && (s = strstr(s, needle)); s++)
		n++;
	it_response_free(&r);
	return n;
}

static void test_canary_deploy(void)
{
	it_response_t r;
	CU_ASSERT_EQUAL(denv_reposit(NULL, "can"), 201);
	CU_ASSERT_EQUAL(it_call("PUT", "/api/v1/apps/can/", NULL, 404), 404);
	CU_ASSERT_EQUAL(denv_deploy(NULL, "can", 202), 202);
	CU_ASSERT_EQUAL(denv_settle(), 0);
	CU_ASSERT_EQUAL(it_call("PUT", "/api/v1/apps/can/", "{\"meta_version\": \"" V(1) "\"}", 202),
			202);
	CU_ASSERT_EQUAL(patch("can", "web",
			      "{\"canary_proc\": {\"action\": \"deploy\", \"image_version\": \"" V(2)
			      "\", \"secret_files\": []}}",
			      &r),
			202);
	CU_ASSERT_PREFIX(it_msg(&r), "canary of proc web deployed: ");
	it_response_free(&r);
	CU_ASSERT_EQUAL(denv_settle(), 0);
	json_object *spec = denv_pg_spec("can.web.web_canary");
	CU_ASSERT_PTR_NOT_NULL_FATAL(spec);
	CU_ASSERT_EQUAL(json_object_get_int(js_get(spec, "NumInstances")), 1);
	CU_ASSERT(strstr(js_str(denv_container0(spec), "Image"), "/can:release-" V(2)) != NULL);
	json_object *ann = json_tokener_parse(js_str(js_get(spec, "Pod"), "Annotation"));
	CU_ASSERT_EQUAL(js_len(js_get(ann, "mountpoint")), 0);
	json_object_put(ann);
	json_object_put(spec);
	/* The proc itself untouched: V1, 2 instances. */
	spec = denv_pg_spec("can.web.web");
	CU_ASSERT(strstr(js_str(denv_container0(spec), "Image"), "/can:release-" V(1)) != NULL);
	json_object_put(spec);
	json_object *c = canaries("can");
	json_object *cp = js_get(js_get(c, "web"), "canary_proc");
	CU_ASSERT_STRING_EQUAL(js_str(cp, "image_version"), V(2));
	CU_ASSERT_EQUAL(js_len(js_get(cp, "secret_files")), 0);
	CU_ASSERT(strstr(js_str(cp, "image"), "/can:release-" V(2)) != NULL);
	json_object_put(c);
	json_object *rel = newest_release("can");
	CU_ASSERT_STRING_EQUAL(js_str(rel, "op"), "canary_deploy");
	CU_ASSERT_STRING_EQUAL(js_str(rel, "state"), "succeeded");
	CU_ASSERT_PTR_NOT_NULL(js_get(js_get(rel, "canaries"), "web"));
	json_object_put(rel);
	CU_ASSERT_EQUAL(oplog_rows("can", "CANARY"), 1);
}

static void test_canary_refused(void)
{
	it_response_t r;
	const struct {
		const char *body, *msg;
	} cases[] = {
		{ "{\"canary_proc\": {\"action\": \"grow\"}}", "invalid action: grow" },
		{ "{\"canary_proc\": {\"action\": \"deploy\", \"image_version\": \"latest\"}}",
		  "invalid image_version: latest" },
		{ "{\"canary_proc\": {\"action\": \"deploy\", \"image_version\": \"" V(2)
		  "\", \"secret_files\": \"a\"}}",
		  "invalid secret_files: a" },
		{ "{\"canary_policy_group\": {\"action\": \"deploy\", \"mountpoints\": \"x\", "
		  "\"rules\": {}}}",
		  "invalid mountpoints: x" },
		{ "{\"canary_proc\": {\"action\": \"deploy\", \"image_version\": \"" V(9) "\"}}",
		  NULL /* no such image */ },
		{ "{\"canary_proc\": {\"action\": \"promote\"}}", NULL /* bg has none */ },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		CU_ASSERT_EQUAL(patch("can", "bg", cases[i].body, &r), 400);
		if (cases[i].msg)
			CU_ASSERT_STRING_EQUAL(it_msg(&r), cases[i].msg);
		it_response_free(&r);
	}
	CU_ASSERT_EQUAL(denv_count("can.worker.bg_canary"), 0);
}

/* An app update never turns the canary into a full-traffic proc. */
static void test_update_keeps_canary(void)
{
	CU_ASSERT_EQUAL(denv_settle(), 0);
	denv_fake("DELETE", "/__fake/calls", NULL, NULL);
	CU_ASSERT_EQUAL(it_call("PUT", "/api/v1/apps/can/", "{\"meta_version\": \"" V(3) "\"}", 202),
			202);
	CU_ASSERT_EQUAL(denv_settle(), 0);
	char *body = NULL;
	denv_fake("GET", "/__fake/calls", NULL, &body);
	CU_ASSERT(body && !strstr(body, "web_canary"));
	free(body);
	json_object *spec = denv_pg_spec("can.web.web_canary");
	CU_ASSERT_EQUAL(json_object_get_int(js_get(spec, "NumInstances")), 1);
	CU_ASSERT(strstr(js_str(denv_container0(spec), "Image"), "/can:release-" V(2)) != NULL);
	json_object_put(spec);
}

static void test_policy_group(void)
{
	it_response_t r;
	/* Rules webrouter refuses: 400, nothing set there or stored. */
	CU_ASSERT_EQUAL(patch("can", "web",
			      "{\"canary_policy_group\": {\"action\": \"deploy\", \"mountpoints\": "
			      "[\"can.example.com/api\"], \"rules\": {\"1\": {\"divtype\": \"moon\", "
			      "\"divdata\": []}}}}",
			      &r),
			400);
	CU_ASSERT_PREFIX(it_msg(&r), "invalid rules: ");
	it_response_free(&r);
	json_object *st = wr_state();
	CU_ASSERT_EQUAL(json_object_object_length(js_get(st, "groups")), 0);
	json_object_put(st);

	/* runtime_set failing: undone, not stored (§9.3 #22). */
	CU_ASSERT_EQUAL(wr_call("POST", "/__fake/fail",
				"{\"action\": \"runtime_set\", \"code\": 40101, \"count\": 1}", NULL),
			200);
	CU_ASSERT_EQUAL(patch("can", "web",
			      "{\"canary_policy_group\": {\"action\": \"deploy\", \"mountpoints\": "
			      "[\"can.example.com/api\"], \"rules\": " RULES "}}",
			      &r),
			500);
	CU_ASSERT(strstr(it_msg(&r), "40101") != NULL);
	it_response_free(&r);
	st = wr_state();
	CU_ASSERT_EQUAL(json_object_object_length(js_get(st, "groups")), 0);
	CU_ASSERT_EQUAL(json_object_object_length(js_get(st, "runtime")), 0);
	json_object_put(st);
	json_object *c = canaries("can");
	CU_ASSERT_PTR_NULL(js_get(js_get(c, "web"), "policy_group"));
	json_object_put(c);

	/* Accepted: set, bound, stored. */
	CU_ASSERT_EQUAL(patch("can", "web",
			      "{\"canary_policy_group\": {\"action\": \"deploy\", \"mountpoints\": "
			      "[\"can.example.com/api\", \"beta.example.com/\"], \"rules\": " RULES "}}",
			      &r),
			202);
	it_response_free(&r);
	st = wr_state();
	json_object *rt = js_get(st, "runtime");
	CU_ASSERT_PTR_NOT_NULL(js_get(rt, "can.example.com.api"));
	CU_ASSERT_PTR_NOT_NULL(js_get(rt, "beta.example.com"));
	CU_ASSERT_EQUAL(json_object_object_length(js_get(st, "groups")), 1);
	json_object_put(st);
	c = canaries("can");
	json_object *pg = js_get(js_get(c, "web"), "policy_group");
	CU_ASSERT_EQUAL(js_len(js_get(pg, "mountpoints")), 2);
	CU_ASSERT_PTR_NOT_NULL(js_get(pg, "id"));
	CU_ASSERT_PTR_NOT_NULL(js_get(js_get(pg, "rules"), "1"));
	json_object_put(c);

	/* Someone binds beta.example.com to a group of their own meanwhile. */
	char *body = NULL;
	CU_ASSERT_EQUAL(wr_call("POST", "/ab_admin?action=policygroup_set", RULES, &body), 200);
	json_object *j = json_tokener_parse(body ? body : "{}");
	char other[128];
	snprintf(other, sizeof(other),
		 "/ab_admin?action=runtime_set&policygroupid=%d&hostname=beta.example.com",
		 json_object_get_int(js_get(js_get(j, "data"), "groupid")));
	json_object_put(j);
	free(body);
	CU_ASSERT_EQUAL(wr_call("POST", other, NULL, NULL), 200);

	/* Undeployed: unbound, deleted, forgotten; the other binding left
	 * alone (the original's "is active" test was always true). */
	CU_ASSERT_EQUAL(patch("can", "web",
			      "{\"canary_policy_group\": {\"action\": \"undeploy\"}}", &r),
			202);
	it_response_free(&r);
	st = wr_state();
	CU_ASSERT_EQUAL(json_object_object_length(js_get(st, "runtime")), 1);
	CU_ASSERT_PTR_NOT_NULL(js_get(js_get(st, "runtime"), "beta.example.com"));
	CU_ASSERT_EQUAL(json_object_object_length(js_get(st, "groups")), 1);
	json_object_put(st);
	wr_call("POST", "/__fake/reset", NULL, NULL);
	c = canaries("can");
	CU_ASSERT_PTR_NULL(js_get(js_get(c, "web"), "policy_group"));
	CU_ASSERT_PTR_NOT_NULL(js_get(js_get(c, "web"), "canary_proc"));
	json_object_put(c);
	/* Nothing to undeploy: fine too. */
	CU_ASSERT_EQUAL(patch("can", "web",
			      "{\"canary_policy_group\": {\"action\": \"undeploy\"}}", &r),
			202);
	it_response_free(&r);
}

/* promote: the canary's version becomes web's (a rolling update: cmd=spec,
 * its 2 instances and mountpoints kept), the canary gone. */
static void test_promote(void)
{
	it_response_t r;
	CU_ASSERT_EQUAL(denv_settle(), 0);
	denv_fake("DELETE", "/__fake/calls", NULL, NULL);
	CU_ASSERT_EQUAL(patch("can", "web", "{\"canary_proc\": {\"action\": \"promote\"}}", &r), 202);
	it_response_free(&r);
	CU_ASSERT_EQUAL(denv_settle(), 0);
	json_object *spec = denv_pg_spec("can.web.web");
	CU_ASSERT(strstr(js_str(denv_container0(spec), "Image"), "/can:release-" V(2)) != NULL);
	CU_ASSERT_EQUAL(json_object_get_int(js_get(spec, "NumInstances")), 2);
	json_object *ann = json_tokener_parse(js_str(js_get(spec, "Pod"), "Annotation"));
	CU_ASSERT(js_has(js_get(ann, "mountpoint"), "can.example.com/api"));
	json_object_put(ann);
	json_object_put(spec);
	CU_ASSERT_EQUAL(denv_count("can.web.web_canary"), 0);
	char *body = NULL;
	denv_fake("GET", "/__fake/calls", NULL, &body);
	CU_ASSERT(body && strstr(body, "name=can.web.web&cmd=spec") != NULL);
	CU_ASSERT(body && !strstr(body, "cmd=replica"));
	free(body);
	json_object *c = canaries("can");
	CU_ASSERT_PTR_NULL(js_get(c, "web"));
	json_object_put(c);
	json_object *rel = newest_release("can");
	CU_ASSERT_STRING_EQUAL(js_str(rel, "op"), "canary_promote");
	CU_ASSERT(strstr(js_str(js_get(js_get(rel, "procs"), "web"), "image"), "release-" V(2)) != NULL);
	json_object_put(rel);
	/* Every canary action so far wrote its row (deploy, 4 policy, promote). */
	CU_ASSERT_EQUAL(oplog_rows("can", "CANARY"), 6);
}

/* A canary of worker bg at V(1) for app, running once deployd settled. */
static void deploy_bg_canary(const char *app)
{
	it_response_t r;
	CU_ASSERT_EQUAL(patch(app, "bg",
			      "{\"canary_proc\": {\"action\": \"deploy\", \"image_version\": \"" V(1)
			      "\"}}",
			      &r),
			202);
	it_response_free(&r);
	CU_ASSERT_EQUAL(denv_settle(), 0);
	char pg[128];
	snprintf(pg, sizeof(pg), "%s.worker.bg_canary", app);
	CU_ASSERT_EQUAL(denv_count(pg), 1);
}

static void test_canary_undeploy_and_dry_run(void)
{
	it_response_t r;
	deploy_bg_canary("can");
	/* A plan of a canary deploy: nothing sent. */
	CU_ASSERT_EQUAL(it_req("PATCH", "/api/v1/apps/can/procs/web/?dry_run=1",
			       "{\"canary_proc\": {\"action\": \"deploy\", \"image_version\": \"" V(1)
			       "\"}}",
			       &r),
			200);
	json_object *pp = js_find(js_get(it_payload(&r, "plan"), "procs"), "name", "web_canary");
	CU_ASSERT_STRING_EQUAL(js_str(pp, "action"), "create");
	it_response_free(&r);
	CU_ASSERT_EQUAL(denv_count("can.web.web_canary"), 0);

	CU_ASSERT_EQUAL(patch("can", "bg", "{\"canary_proc\": {\"action\": \"undeploy\"}}", &r), 202);
	it_response_free(&r);
	CU_ASSERT_EQUAL(denv_settle(), 0);
	CU_ASSERT_EQUAL(denv_count("can.worker.bg_canary"), 0);
	json_object *c = canaries("can");
	CU_ASSERT_PTR_NULL(js_get(c, "bg"));
	json_object_put(c);
	json_object *rel = newest_release("can");
	CU_ASSERT_STRING_EQUAL(js_str(rel, "op"), "canary_undeploy");
	json_object_put(rel);
}

/* Undeploying the app removes its canaries and their policy groups. */
static void test_app_undeploy(void)
{
	it_response_t r;
	CU_ASSERT_EQUAL(patch("can", "web",
			      "{\"canary_proc\": {\"action\": \"deploy\", \"image_version\": \"" V(3)
			      "\"}}",
			      &r),
			202);
	it_response_free(&r);
	CU_ASSERT_EQUAL(patch("can", "web",
			      "{\"canary_policy_group\": {\"action\": \"deploy\", \"mountpoints\": "
			      "[\"can.example.com/api\"], \"rules\": " RULES "}}",
			      &r),
			202);
	it_response_free(&r);
	CU_ASSERT_EQUAL(denv_settle(), 0);
	CU_ASSERT_EQUAL(it_req("DELETE", "/api/v1/apps/can/", NULL, &r), 202);
	it_response_free(&r);
	CU_ASSERT_EQUAL(denv_settle(), 0);
	CU_ASSERT_EQUAL(denv_count("can."), 0);
	json_object *st = wr_state();
	CU_ASSERT_EQUAL(json_object_object_length(js_get(st, "groups")), 0);
	CU_ASSERT_EQUAL(json_object_object_length(js_get(st, "runtime")), 0);
	json_object_put(st);
	/* And the record forgot them: a new deploy starts without. */
	CU_ASSERT_EQUAL(denv_deploy(NULL, "can", 202), 202);
	json_object *c = canaries("can");
	CU_ASSERT_EQUAL(json_object_object_length(c), 0);
	json_object_put(c);
}

/* A proc an update takes away takes its canary with it. */
static void test_proc_gone(void)
{
	CU_ASSERT_EQUAL(denv_reposit(NULL, "candrop"), 201);
	CU_ASSERT_EQUAL(it_call("POST", "/api/v1/apps/", "{\"appname\": \"candrop\"}", 202), 202);
	CU_ASSERT_EQUAL(denv_settle(), 0);
	CU_ASSERT_EQUAL(it_call("PUT", "/api/v1/apps/candrop/", "{\"meta_version\": \"" V(1) "\"}",
				202),
			202);
	deploy_bg_canary("candrop");
	/* V2 has no bg. */
	CU_ASSERT_EQUAL(it_call("PUT", "/api/v1/apps/candrop/", "{\"meta_version\": \"" V(2) "\"}",
				202),
			202);
	CU_ASSERT_EQUAL(denv_settle(), 0);
	CU_ASSERT_EQUAL(denv_count("candrop.worker.bg"), 0);
	json_object *c = canaries("candrop");
	CU_ASSERT_PTR_NULL(js_get(c, "bg"));
	json_object_put(c);
}

static CU_TestInfo tests[] = {
	{ "canary deploy: 1 instance, no mountpoints", test_canary_deploy },
	{ "bad canary bodies: 400", test_canary_refused },
	{ "an app update keeps the canary as it is", test_update_keeps_canary },
	{ "policy group: refused, undone, set, undeployed", test_policy_group },
	{ "promote: a rolling update, the canary gone", test_promote },
	{ "canary undeploy; a dry run of a canary", test_canary_undeploy_and_dry_run },
	{ "app undeploy removes canaries and policy groups", test_app_undeploy },
	{ "a proc gone in an update takes its canary", test_proc_gone },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "canary", NULL, NULL, NULL, NULL, tests },
	CU_SUITE_INFO_NULL,
};

static int neighbours_up(void)
{
	char url[300];
	if (fake_start("webrouter", NULL, webrouter, sizeof(webrouter)) < 0)
		return -1;
	snprintf(url, sizeof(url), "%s/ab_admin", webrouter);
	setenv("CONSOLE_WEBROUTER_URL", url, 1);
	return 0;
}

int main(void)
{
	const denv_image_t images[] = {
		{ "can", V(1), YAML("can"), NULL },
		{ "can", V(2), YAML("can"), NULL },
		{ "can", V(3), YAML("can"), NULL },
		{ "candrop", V(1), YAML("candrop"), NULL },
		{ "candrop", V(2), "appname: candrop\nbuild:\n  base: golang\nweb:\n  cmd: /hello\n"
				   "  port: 80\n", NULL },
	};
	const denv_suite_t suite = { .name = "it_canary", .images = images,
				     .nimages = ARRAY_SIZE(images), .stack_args = "--workers 2",
				     .before = neighbours_up, .suites = suites };
	return denv_main(&suite);
}
