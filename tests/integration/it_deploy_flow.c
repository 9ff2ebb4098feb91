/* The first deploy and the status views through the real stack (nginx ->
 * lain-console -> etcd, the deployd stand-in, docker-registry): E7 POST,
 * E8 GET, the App/Proc/Pod objects of §1.4 in E7 GET, and the deploy's
 * failure modes (deployd stopped, no release image, already deployed,
 * deployd failing in the middle), and E8 DELETE. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

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
	"  memory: 64m\nworker.bg:\n  cmd: /bg\n  num_instances: 2\n"
#define SERVICE_YAML                                                                          \
	"appname: broken\nbuild:\n  base: redis\nservice.redis:\n  cmd: redis-server\n"        \
	"  port: 6379\n  portal:\n    allow_clients: \"**\"\n    cmd: ./portal\n    port: 6379\n"

#define CLIENT_YAML                                                                           \
	"appname: client\nbuild:\n  base: golang\nuse_services:\n  broken:\n    - redis\n"   \
	"web:\n  cmd: /client\n  port: 80\n"

/* Exactly these keys, in any order. */
static void assert_keys(json_object *o, const char *const *keys)
{
	CU_ASSERT_FATAL(json_object_is_type(o, json_type_object));
	size_t n = 0;
	for (; keys[n]; n++)
		if (!json_object_object_get_ex(o, keys[n], NULL)) {
			fprintf(stderr, "missing key %s in %s\n", keys[n], json_object_to_json_string(o));
			CU_FAIL("key missing");
		}
	CU_ASSERT_EQUAL(json_object_object_length(o), (int)n);
}

static const char *const app_keys[] = { "appname", "apptype", "metaversion", "updatetime",
	"deployerror", "canaries", "procs", "portals", "useservices", "useresources", "url", NULL };
static const char *const proc_keys[] = { "procname", "proctype", "image", "numinstances", "cpu",
	"memory", "persistentdirs", "dnssearchs", "ports", "mountpoints", "httpsonly", "user",
	"workingdir", "entrypoint", "cmd", "envs", "pods", "depends", "logs", "lasterror", "url",
	NULL };
static const char *const pod_keys[] = { "containerid", "containername", "containerip",
	"containerport", "nodeip", "status", "uptime", "envs", NULL };

static void test_first_deploy(void)
{
	it_response_t r;
	CU_ASSERT_EQUAL(denv_reposit(NULL, "flow"), 201);
	/* Registered only: lain-cli's "POST, not PUT" answer. */
	CU_ASSERT_EQUAL(it_req("GET", "/api/v1/apps/flow/", NULL, &r), 404);
	CU_ASSERT_STRING_EQUAL(it_field(&r, "msg"), "app with appname flow has not been deployd\n");
	CU_ASSERT_STRING_EQUAL(it_field(&r, "url"), "/v1/apps/");
	it_response_free(&r);

	CU_ASSERT_EQUAL(it_req("POST", "/api/v1/apps/", "{\"appname\":\"flow\"}", &r), 202);
	CU_ASSERT_STRING_EQUAL(it_field(&r, "msg"), "deploy request of app flow has been accepted.");
	assert_keys(it_payload(&r, "app"), app_keys);
	CU_ASSERT_STRING_EQUAL(js_str(it_payload(&r, "app"), "metaversion"), V(2));
	it_response_free(&r);

	CU_ASSERT_FATAL(denv_wait_healthy("flow", &r));
	json_object *app = it_payload(&r, "app");
	assert_keys(app, app_keys);
	CU_ASSERT_STRING_EQUAL(js_str(app, "appname"), "flow");
	CU_ASSERT_STRING_EQUAL(js_str(app, "apptype"), "app");
	CU_ASSERT_STRING_EQUAL(js_str(app, "metaversion"), V(2));
	CU_ASSERT_STRING_EQUAL(js_str(app, "deployerror"), "");
	CU_ASSERT_STRING_EQUAL(js_str(app, "url"), "/v1/apps/flow/");
	CU_ASSERT_EQUAL(strlen(js_str(app, "updatetime")), 19);
	CU_ASSERT_EQUAL(json_object_array_length(json_object_object_get(app, "portals")), 0);
	json_object *procs = json_object_object_get(app, "procs");
	CU_ASSERT_EQUAL_FATAL(json_object_array_length(procs), 2);
	json_object *web = json_object_array_get_idx(procs, 0);
	json_object *bg = json_object_array_get_idx(procs, 1);
	assert_keys(web, proc_keys);
	assert_keys(bg, proc_keys);
	CU_ASSERT_STRING_EQUAL(js_str(web, "procname"), "web");
	CU_ASSERT_STRING_EQUAL(js_str(web, "proctype"), "web");
	CU_ASSERT_STRING_EQUAL(js_str(web, "memory"), "64 MB");
	CU_ASSERT_STRING_EQUAL(js_str(web, "url"), "/v1/apps/flow/procs/web/");
	CU_ASSERT(strstr(js_str(web, "image"), "/flow:release-" V(2)) != NULL);
	CU_ASSERT_STRING_EQUAL(js_str(bg, "procname"), "bg");
	CU_ASSERT_STRING_EQUAL(js_str(bg, "proctype"), "worker");
	CU_ASSERT_EQUAL(json_object_get_int(json_object_object_get(bg, "numinstances")), 2);
	CU_ASSERT_STRING_EQUAL(js_str(bg, "memory"), "32 MB");
	json_object *pods = json_object_object_get(bg, "pods");
	CU_ASSERT_EQUAL_FATAL(json_object_array_length(pods), 2);
	json_object *pod = json_object_array_get_idx(pods, 0);
	assert_keys(pod, pod_keys);
	CU_ASSERT_STRING_EQUAL(js_str(pod, "status"), "True");
	CU_ASSERT_EQUAL(strlen(js_str(pod, "uptime")), 19);
	CU_ASSERT_PREFIX(js_str(pod, "containername"), "/flow.worker.bg.");
	it_response_free(&r);

	/* The oplog has the DEPLOY row with its version. */
	CU_ASSERT_EQUAL(it_req("GET", "/api/v1/oplogs/flow/", NULL, &r), 200);
	const char *log = json_object_get_string(it_payload(&r, "oplog"));
	CU_ASSERT(log && strstr(log, "\"DEPLOY\"") && strstr(log, V(2)));
	it_response_free(&r);

	/* Deployed already: 409 with the App. */
	CU_ASSERT_EQUAL(it_req("POST", "/api/v1/apps/", "{\"appname\":\"flow\"}", &r), 409);
	CU_ASSERT_STRING_EQUAL(it_field(&r, "msg"), "app with appname flow already exists\n");
	assert_keys(it_payload(&r, "app"), app_keys);
	it_response_free(&r);

	/* The body before anything else; then maintain's 404. */
	CU_ASSERT_EQUAL(it_req("POST", "/api/v1/apps/", "nope", &r), 400);
	CU_ASSERT_STRING_EQUAL(it_field(&r, "msg"),
			       "invalid request: should be json body with appname(string)");
	it_response_free(&r);
	CU_ASSERT_EQUAL(it_req("POST", "/api/v1/apps/", "{\"appname\":\"nothere\"}", &r), 404);
	CU_ASSERT_STRING_EQUAL(it_field(&r, "msg"),
			       "app with appname nothere not exist, has not been reposited yet");
	it_response_free(&r);
}

/* Two deployed apps, 2 procs each: the list's 4 statuses go out together. */
static void test_list_parallel(void)
{
	it_response_t r;
	CU_ASSERT_EQUAL(denv_reposit(NULL, "flow2"), 201);
	CU_ASSERT_EQUAL(it_req("POST", "/api/v1/apps/", "{\"appname\":\"flow2\"}", &r), 202);
	it_response_free(&r);
	CU_ASSERT_FATAL(denv_wait_healthy("flow2", &r));
	it_response_free(&r);

	denv_fake("DELETE", "/__fake/calls", NULL, NULL);
	denv_fake("POST", "/__fake/fail",
		  "{\"mode\":\"slow\",\"match\":\"/api/podgroups\",\"method\":\"GET\",\"count\":-1,"
		  "\"delay\":1}",
		  NULL);
	CU_ASSERT_EQUAL(it_req("GET", "/api/v1/apps/", NULL, &r), 200);
	denv_fake("POST", "/__fake/fail", "{\"mode\":\"none\"}", NULL);
	json_object *apps = it_payload(&r, "apps");
	CU_ASSERT_EQUAL_FATAL(json_object_array_length(apps), 2);
	for (size_t i = 0; i < 2; i++) {
		json_object *a = json_object_array_get_idx(apps, i);
		assert_keys(a, app_keys);
		CU_ASSERT(denv_healthy(a));
	}
	it_response_free(&r);

	/* Each status took 1 s at the fake: all four were in flight together. */
	int calls = 0;
	CU_ASSERT_EQUAL(denv_fake_peak(&calls), 4);
	CU_ASSERT_EQUAL(calls, 4);
}

static void test_deployd_stopped(void)
{
	it_response_t r;
	CU_ASSERT_EQUAL(denv_reposit(NULL, "later"), 201);
	denv_fake("PATCH", "/api/status", "{\"status\":\"stop\"}", NULL);
	CU_ASSERT_EQUAL(it_req("POST", "/api/v1/apps/", "{\"appname\":\"later\"}", &r), 503);
	CU_ASSERT_STRING_EQUAL(it_field(&r, "msg"),
			       "deployd is now in maintain state, please wait for a while");
	it_response_free(&r);
	denv_fake("PATCH", "/api/status", "{\"status\":\"start\"}", NULL);
	/* Still registered only: nothing happened. */
	CU_ASSERT_EQUAL(it_req("GET", "/api/v1/apps/later/", NULL, &r), 404);
	it_response_free(&r);

	/* deployd not answering at all: 503 naming it, nothing recorded. */
	denv_fake("POST", "/__fake/fail", "{\"mode\":\"down\",\"count\":-1}", NULL);
	CU_ASSERT_EQUAL(it_req("POST", "/api/v1/apps/", "{\"appname\":\"later\"}", &r), 503);
	CU_ASSERT_PREFIX(it_field(&r, "msg"), "deployd unavailable");
	it_response_free(&r);
	denv_fake("POST", "/__fake/fail", "{\"mode\":\"none\"}", NULL);
	CU_ASSERT_EQUAL(it_req("GET", "/api/v1/apps/later/", NULL, &r), 404);
	it_response_free(&r);
}

static void test_no_release(void)
{
	it_response_t r;
	CU_ASSERT_EQUAL(denv_reposit(NULL, "norel"), 201);
	CU_ASSERT_EQUAL(it_req("POST", "/api/v1/apps/", "{\"appname\":\"norel\"}", &r), 400);
	CU_ASSERT_STRING_EQUAL(it_field(&r, "msg"),
			       "not found both meta and release images,\nplease check your App images "
			       "then try to update your App\n");
	it_response_free(&r);
	CU_ASSERT_EQUAL(it_req("GET", "/api/v1/apps/norel/", NULL, &r), 404);
	it_response_free(&r);
}

/* The podgroup is created, the portal fails: 406, deployerror shown, and
 * the next POST acts (deploys again) instead of answering 409. */
static void test_failure_in_the_middle(void)
{
	it_response_t r;
	CU_ASSERT_EQUAL(denv_reposit(NULL, "broken"), 201);
	denv_fake("POST", "/__fake/fail",
		  "{\"mode\":\"error500\",\"match\":\"/api/depends\",\"method\":\"POST\",\"count\":-1}",
		  NULL);
	CU_ASSERT_EQUAL(it_req("POST", "/api/v1/apps/", "{\"appname\":\"broken\"}", &r), 406);
	const char *msg = it_field(&r, "msg");
	CU_ASSERT_FATAL(msg != NULL);
	CU_ASSERT_PREFIX(msg, "request of deploy app broken is not acceptable with error:\n");
	CU_ASSERT(strstr(msg, "portal-redis") != NULL);
	char *saved = strdup(msg);
	it_response_free(&r);
	denv_fake("POST", "/__fake/fail", "{\"mode\":\"none\"}", NULL);

	CU_ASSERT_EQUAL(it_req("GET", "/api/v1/apps/broken/", NULL, &r), 200);
	json_object *app = it_payload(&r, "app");
	CU_ASSERT_STRING_EQUAL(js_str(app, "deployerror"), saved);
	CU_ASSERT_STRING_EQUAL(js_str(app, "apptype"), "service");
	it_response_free(&r);
	free(saved);

	/* The user tries again once deployd is done with the podgroup. */
	denv_settle();
	CU_ASSERT_EQUAL(it_req("POST", "/api/v1/apps/", "{\"appname\":\"broken\"}", &r), 202);
	if (r.status != 202)
		fprintf(stderr, "retry: %s\n", it_field(&r, "msg"));
	it_response_free(&r);
	CU_ASSERT(denv_wait_healthy("broken", &r));
	app = it_payload(&r, "app");
	CU_ASSERT_STRING_EQUAL(js_str(app, "deployerror"), "");
	json_object *portals = json_object_object_get(app, "portals");
	CU_ASSERT_EQUAL_FATAL(json_object_array_length(portals), 1);
	assert_keys(json_object_array_get_idx(portals, 0), proc_keys);
	CU_ASSERT_STRING_EQUAL(js_str(json_object_array_get_idx(portals, 0), "procname"),
			       "portal-redis");
	it_response_free(&r);
}

/* Two deploys of one app at once: the lock lets one through, the other
 * gets 409 (whether it meets the lock or, later, the deployed app). */
static void test_concurrent_deploys(void)
{
	CU_ASSERT_EQUAL(denv_reposit(NULL, "twice"), 201);
	denv_fake("POST", "/__fake/fail",
		  "{\"mode\":\"slow\",\"match\":\"/api/podgroups\",\"method\":\"POST\",\"count\":-1,"
		  "\"delay\":1}",
		  NULL);
	pid_t kids[2];
	for (int i = 0; i < 2; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			it_response_t r;
			long st = it_req("POST", "/api/v1/apps/", "{\"appname\":\"twice\"}", &r);
			_exit(st == 202 ? 2 : st == 409 ? 4 : 9);
		}
	}
	int got[10] = { 0 };
	for (int i = 0; i < 2; i++) {
		int st = 0;
		CU_ASSERT_FATAL(kids[i] > 0 && waitpid(kids[i], &st, 0) == kids[i] && WIFEXITED(st));
		got[WEXITSTATUS(st) % 10]++;
	}
	denv_fake("POST", "/__fake/fail", "{\"mode\":\"none\"}", NULL);
	CU_ASSERT_EQUAL(got[2], 1);
	CU_ASSERT_EQUAL(got[4], 1);
	it_response_t r;
	CU_ASSERT(denv_wait_healthy("twice", &r));
	it_response_free(&r);
}

/* A consumer of broken's redis: its pods depend on the portal, and its App
 * shows the provider with only that portal and only its own portal pods. */
static void test_service_consumer(void)
{
	it_response_t r;
	CU_ASSERT_EQUAL(denv_reposit(NULL, "client"), 201);
	CU_ASSERT_EQUAL(it_req("POST", "/api/v1/apps/", "{\"appname\":\"client\"}", &r), 202);
	it_response_free(&r);
	char *body = NULL;
	CU_ASSERT_EQUAL(denv_fake("GET", "/api/podgroups?name=client.web.web", NULL, &body), 200);
	CU_ASSERT(body && strstr(body, "broken.portal.portal-redis") != NULL);
	free(body);
	CU_ASSERT_FATAL(denv_wait_healthy("client", &r));
	denv_settle();
	it_response_free(&r);
	CU_ASSERT_EQUAL(it_req("GET", "/api/v1/apps/client/", NULL, &r), 200);
	json_object *uses = json_object_object_get(it_payload(&r, "app"), "useservices");
	CU_ASSERT_EQUAL_FATAL(json_object_array_length(uses), 1);
	json_object *u = json_object_array_get_idx(uses, 0);
	CU_ASSERT_STRING_EQUAL(js_str(u, "servicename"), "broken");
	json_object *sp = json_object_object_get(u, "serviceprocs");
	CU_ASSERT_EQUAL_FATAL(json_object_array_length(sp), 1);
	CU_ASSERT_STRING_EQUAL(json_object_get_string(json_object_array_get_idx(sp, 0)),
			       "portal-redis");
	json_object *svc = json_object_object_get(u, "service");
	assert_keys(svc, app_keys);
	CU_ASSERT_STRING_EQUAL(js_str(svc, "appname"), "broken");
	CU_ASSERT_EQUAL(json_object_array_length(json_object_object_get(svc, "useservices")), 0);
	json_object *portals = json_object_object_get(svc, "portals");
	CU_ASSERT_EQUAL_FATAL(json_object_array_length(portals), 1);
	json_object *pods = json_object_object_get(json_object_array_get_idx(portals, 0), "pods");
	CU_ASSERT_EQUAL(json_object_array_length(pods), 1);
	it_response_free(&r);
}

static void test_undeploy(void)
{
	it_response_t r;
	/* Protected: 403 with the App, nothing removed. */
	CU_ASSERT_EQUAL(it_etcd_put("/lain/config/protected_apps", "[\"other\", \"flow\"]"), 0);
	CU_ASSERT_EQUAL(it_req("DELETE", "/api/v1/apps/flow/", NULL, &r), 403);
	CU_ASSERT_STRING_EQUAL(it_field(&r, "msg"), "Not allow to delete protected app.");
	assert_keys(it_payload(&r, "app"), app_keys);
	it_response_free(&r);
	it_etcd_delete("/lain/config/protected_apps");

	/* deployd stopped: 503 before anything. */
	denv_fake("PATCH", "/api/status", "{\"status\":\"stop\"}", NULL);
	CU_ASSERT_EQUAL(it_req("DELETE", "/api/v1/apps/flow2/", NULL, &r), 503);
	it_response_free(&r);
	denv_fake("PATCH", "/api/status", "{\"status\":\"start\"}", NULL);

	denv_settle();
	CU_ASSERT_EQUAL(it_req("DELETE", "/api/v1/apps/flow2/", NULL, &r), 202);
	CU_ASSERT_STRING_EQUAL(it_field(&r, "msg"), "delete app successfully.");
	CU_ASSERT_STRING_EQUAL(it_field(&r, "url"), "/v1/apps/");
	CU_ASSERT_STRING_EQUAL(json_object_to_json_string_ext(it_payload(&r, "app"),
							       JSON_C_TO_STRING_PLAIN |
								       JSON_C_TO_STRING_NOSLASHESCAPE),
			       "{\"appname\":\"flow2\",\"url\":\"/v1/repos/flow2/\"}");
	it_response_free(&r);
	CU_ASSERT_EQUAL(it_req("GET", "/api/v1/apps/flow2/", NULL, &r), 404);
	it_response_free(&r);
	CU_ASSERT_EQUAL(it_req("DELETE", "/api/v1/apps/flow2/", NULL, &r), 404);
	CU_ASSERT_STRING_EQUAL(it_field(&r, "msg"), "app with appname flow2 has not been deployd\n");
	it_response_free(&r);
	/* Still registered, gone from deployd, out of the list. */
	CU_ASSERT_EQUAL(it_req("GET", "/api/v1/repos/flow2/", NULL, &r), 200);
	it_response_free(&r);
	denv_settle();
	CU_ASSERT_EQUAL(denv_fake("GET", "/api/podgroups?name=flow2.web.web", NULL, NULL), 404);
	CU_ASSERT_EQUAL(denv_fake("GET", "/api/podgroups?name=flow2.worker.bg", NULL, NULL), 404);
	CU_ASSERT_EQUAL(it_req("GET", "/api/v1/apps/", NULL, &r), 200);
	json_object *apps = it_payload(&r, "apps");
	for (size_t i = 0; i < json_object_array_length(apps); i++)
		CU_ASSERT_STRING_NOT_EQUAL(js_str(json_object_array_get_idx(apps, i), "appname"), "flow2");
	it_response_free(&r);
	CU_ASSERT_EQUAL(it_req("GET", "/api/v1/oplogs/flow2/", NULL, &r), 200);
	CU_ASSERT(strstr(json_object_get_string(it_payload(&r, "oplog")), "\"DELETE\"") != NULL);
	it_response_free(&r);

	/* And it can be deployed again. */
	CU_ASSERT_EQUAL(it_req("POST", "/api/v1/apps/", "{\"appname\":\"flow2\"}", &r), 202);
	it_response_free(&r);
	CU_ASSERT(denv_wait_healthy("flow2", &r));
	it_response_free(&r);
}

static CU_TestInfo tests[] = {
	{ "first deploy, App/Proc/Pod, 409", test_first_deploy },
	{ "E7 GET fetches statuses in parallel", test_list_parallel },
	{ "deployd stopped or down: 503", test_deployd_stopped },
	{ "newest meta without release: 400", test_no_release },
	{ "deployd failing in the middle", test_failure_in_the_middle },
	{ "two deploys at once: one 409", test_concurrent_deploys },
	{ "service consumer: useservices", test_service_consumer },
	{ "E8 DELETE undeploy", test_undeploy },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "first deploy", NULL, NULL, NULL, NULL, tests },
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	const denv_image_t images[] = {
		{ "flow", V(1), YAML("flow"), NULL },
		{ "flow", V(2), YAML("flow"), NULL },
		{ "flow2", V(1), YAML("flow2"), NULL },
		{ "norel", V(1), YAML("norel"), "--no-release" },
		{ "broken", V(1), SERVICE_YAML, NULL },
		{ "client", V(1), CLIENT_YAML, NULL },
		{ "twice", V(1), YAML("twice"), NULL },
	};
	const denv_suite_t suite = { .name = "it_deploy_flow", .images = images,
				     .nimages = ARRAY_SIZE(images), .stack_args = "--workers 2",
				     .suites = suites };
	return denv_main(&suite);
}
