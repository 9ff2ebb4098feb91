/* lain-cli's flow after the first deploy, as it sends it (lain-ecosystem.md
 * §5.2), through the real stack (nginx -> lain-console -> etcd, the deployd
 * stand-in, docker-registry): E8 PUT (a newer version, an explicit older
 * one, a deployd failure in the middle), E9 (ps, deploy -p), E10 (scale
 * instances, scale cpu/memory keeping Labels and HealthConfig, start/stop/
 * restart an instance, delete a proc), E11 histories, 405 on the proc
 * paths, and stream ports across a redeploy. */
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

#define V(n) "162445598" #n "-a478328a58bc9725c19030e7663e2ee3fa87b02" #n
#define BASE(app)                                                                             \
	"appname: " app "\nbuild:\n  base: golang\nweb:\n  cmd: /hello\n  port: 80\n"          \
	"  memory: 64m\nworker.bg:\n  cmd: /bg\n"
#define WITH_EXTRA(app) BASE(app) "worker.extra:\n  cmd: /extra\n"
#define SERVICE_YAML                                                                          \
	"appname: svc\nbuild:\n  base: redis\nservice.redis:\n  cmd: redis-server\n"           \
	"  port: 6379\n  portal:\n    allow_clients: \"**\"\n    cmd: ./portal\n    port: 6379\n"
#define STREAM(app)                                                                           \
	"appname: " app "\nbuild:\n  base: golang\nworker.tcp:\n  cmd: /s\n"                  \
	"  ports: '9601:8000'\n"

/* deployd's own podgroup (the fake's answer), or NULL when it has none. */
static json_object *fake_pg(const char *name)
{
	char path[256], *body = NULL;
	snprintf(path, sizeof(path), "/api/podgroups?name=%s", name);
	long st = denv_fake("GET", path, NULL, &body);
	json_object *j = st == 200 ? json_tokener_parse(body) : NULL;
	free(body);
	return j;
}

/* Spec.Pod.Containers[0] of a fake podgroup answer. */
static json_object *container0(json_object *pg)
{
	json_object *pod = json_object_object_get(json_object_object_get(pg, "Spec"), "Pod");
	return json_object_array_get_idx(json_object_object_get(pod, "Containers"), 0);
}

static json_object *pod_spec(json_object *pg)
{
	return json_object_object_get(json_object_object_get(pg, "Spec"), "Pod");
}

static void test_deploy(void)
{
	it_response_t r;
	CU_ASSERT_EQUAL(it_call("POST", "/api/v1/repos/", "{\"appname\":\"procs\"}", 201), 201);
	CU_ASSERT_EQUAL(it_call("GET", "/api/v1/apps/procs/", NULL, 404), 404);
	CU_ASSERT_EQUAL(it_call("PUT", "/api/v1/apps/procs/", NULL, 404), 404);
	CU_ASSERT_EQUAL(it_call("POST", "/api/v1/apps/", "{\"appname\":\"procs\"}", 202), 202);
	CU_ASSERT_FATAL(denv_wait_healthy("procs", &r));
	CU_ASSERT_STRING_EQUAL(js_str(it_payload(&r, "app"), "metaversion"), V(2));
	CU_ASSERT_EQUAL(json_object_array_length(json_object_object_get(it_payload(&r, "app"), "procs")), 3);
	it_response_free(&r);

	/* lain ps through E9. */
	CU_ASSERT_EQUAL(it_req("GET", "/api/v1/apps/procs/procs/", NULL, &r), 200);
	json_object *procs = it_payload(&r, "procs");
	CU_ASSERT_EQUAL_FATAL(json_object_array_length(procs), 3);
	CU_ASSERT_STRING_EQUAL(js_str(json_object_array_get_idx(procs, 0), "procname"), "web");
	it_response_free(&r);
	denv_settle();
}

static void test_scale_instances(void)
{
	it_response_t r;
	/* lain scale: GET then PATCH. */
	CU_ASSERT_EQUAL(it_req("GET", "/api/v1/apps/procs/procs/web/", NULL, &r), 200);
	CU_ASSERT_STRING_EQUAL(it_field(&r, "msg"), "");
	CU_ASSERT_STRING_EQUAL(js_str(it_payload(&r, "proc"), "procname"), "web");
	it_response_free(&r);
	CU_ASSERT_EQUAL(it_req("GET", "/api/v1/apps/procs/procs/nope/", NULL, &r), 404);
	CU_ASSERT_STRING_EQUAL(it_field(&r, "msg"), "no such proc nope in app procs");
	it_response_free(&r);

	CU_ASSERT_EQUAL(it_req("PATCH", "/api/v1/apps/procs/procs/web/", "{\"num_instances\":2}",
				&r), 202);
	const char *msg = it_field(&r, "msg");
	CU_ASSERT_PREFIX(msg, "    status_code: 202\n    message: ");
	CU_ASSERT_STRING_EQUAL(js_str(it_payload(&r, "proc"), "procname"), "web");
	it_response_free(&r);
	denv_settle();
	json_object *pg = fake_pg("procs.web.web");
	CU_ASSERT_FATAL(pg != NULL);
	CU_ASSERT_EQUAL(json_object_get_int(json_object_object_get(json_object_object_get(pg, "Spec"),
								     "NumInstances")), 2);
	json_object_put(pg);

	/* Validation, exactly as the spec words it. */
	static const struct {
		const char *body, *msg;
	} bad[] = {
		{ "{\"num_instances\":true}",
		  "invalid parameter: num_instances (true) should be integer\n" },
		{ "{\"num_instances\":1,\"cpu\":1}", "scale num_instances should be a separate operation" },
		{ "{}", "missing parameters: num_instances OR cpu OR memory" },
		{ "{\"memory\":\"lots\"}",
		  "invalid parameter: memory (lots) humanfriendly.parse_size(memory) failed\n" },
		{ "{\"cpu\":\"2\"}", "invalid parameter: cpu (\"2\") should be integer\n" },
		{ "not json",
		  "invalid request: should be json body with num_instances(integer) or cpu(integer) "
		  "or memory(str)" },
		{ "{\"operation\":\"dance\"}",
		  "invalid operation dance: should be schedule, start, stop or restart" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CU_ASSERT_EQUAL(it_req("PATCH", "/api/v1/apps/procs/procs/web/", bad[i].body, &r), 400);
		if (!it_field(&r, "msg") || strcmp(it_field(&r, "msg"), bad[i].msg))
			fprintf(stderr, "PATCH %s: %s\n", bad[i].body, it_field(&r, "msg"));
		CU_ASSERT(it_field(&r, "msg") && !strcmp(it_field(&r, "msg"), bad[i].msg));
		it_response_free(&r);
	}
	CU_ASSERT_FATAL(denv_wait_healthy("procs", &r));
	it_response_free(&r);
}

static void test_scale_cpu_memory(void)
{
	/* Labels and a HealthConfig that deployd has (set straight at deployd). */
	json_object *pg = fake_pg("procs.web.web");
	CU_ASSERT_FATAL(pg != NULL);
	json_object *pod = pod_spec(pg);
	json_object *labels = json_object_new_object();
	json_object_object_add(labels, "team", json_object_new_string("blue"));
	json_object_object_add(pod, "Labels", labels);
	json_object *hc = json_object_new_object();
	json_object_object_add(hc, "cmd", json_object_new_string("/healthz"));
	json_object_object_add(pod, "HealthConfig", hc);
	CU_ASSERT_EQUAL(denv_fake("PATCH", "/api/podgroups?name=procs.web.web&cmd=spec",
				  json_object_to_json_string(pod), NULL), 202);
	json_object_put(pg);
	denv_settle();

	it_response_t r;
	CU_ASSERT_EQUAL(it_req("PATCH", "/api/v1/apps/procs/procs/web/",
				"{\"cpu\":2,\"memory\":\"128m\"}", &r), 202);
	it_response_free(&r);
	denv_settle();
	pg = fake_pg("procs.web.web");
	CU_ASSERT_FATAL(pg != NULL);
	json_object *c = container0(pg);
	CU_ASSERT_EQUAL(json_object_get_int64(json_object_object_get(c, "CpuLimit")), 2);
	CU_ASSERT_EQUAL(json_object_get_int64(json_object_object_get(c, "MemoryLimit")), 134217728);
	CU_ASSERT_STRING_EQUAL(js_str(json_object_object_get(pod_spec(pg), "Labels"), "team"), "blue");
	CU_ASSERT_STRING_EQUAL(js_str(json_object_object_get(pod_spec(pg), "HealthConfig"), "cmd"),
			       "/healthz");
	CU_ASSERT_EQUAL(json_object_get_int(json_object_object_get(json_object_object_get(pg, "Spec"),
								     "NumInstances")), 2);
	json_object_put(pg);
	CU_ASSERT_FATAL(denv_wait_healthy("procs", &r));
	json_object *web = json_object_array_get_idx(json_object_object_get(it_payload(&r, "app"), "procs"), 0);
	CU_ASSERT_STRING_EQUAL(js_str(web, "memory"), "128 MB");
	CU_ASSERT_EQUAL(json_object_get_int(json_object_object_get(web, "cpu")), 2);
	it_response_free(&r);
}

/* A newer version (no body, as lain deploy without -v): podgroups PATCHed
 * keeping the scale, Labels and HealthConfig; the proc gone from lain.yaml
 * removed. */
static void test_update_newer(void)
{
	CU_ASSERT_EQUAL_FATAL(denv_push("procs", V(3), BASE("procs"), NULL), 0);
	it_response_t r;
	denv_settle();
	CU_ASSERT_EQUAL(it_req("PUT", "/api/v1/apps/procs/", NULL, &r), 202);
	CU_ASSERT_STRING_EQUAL(it_field(&r, "msg"), "update request of app procs has been accepted.");
	CU_ASSERT_STRING_EQUAL(js_str(it_payload(&r, "app"), "metaversion"), V(3));
	it_response_free(&r);
	denv_settle();
	CU_ASSERT_PTR_NULL(fake_pg("procs.worker.extra"));
	json_object *pg = fake_pg("procs.web.web");
	CU_ASSERT_FATAL(pg != NULL);
	json_object *c = container0(pg);
	CU_ASSERT(strstr(js_str(c, "Image"), "procs:release-" V(3)) != NULL);
	CU_ASSERT_EQUAL(json_object_get_int64(json_object_object_get(c, "CpuLimit")), 2);
	CU_ASSERT_EQUAL(json_object_get_int64(json_object_object_get(c, "MemoryLimit")), 134217728);
	CU_ASSERT_STRING_EQUAL(js_str(json_object_object_get(pod_spec(pg), "Labels"), "team"), "blue");
	CU_ASSERT_STRING_EQUAL(js_str(json_object_object_get(pod_spec(pg), "HealthConfig"), "cmd"),
			       "/healthz");
	CU_ASSERT_EQUAL(json_object_get_int(json_object_object_get(json_object_object_get(pg, "Spec"),
								     "NumInstances")), 2);
	json_object_put(pg);
	CU_ASSERT_FATAL(denv_wait_healthy("procs", &r));
	CU_ASSERT_STRING_EQUAL(js_str(it_payload(&r, "app"), "metaversion"), V(3));
	CU_ASSERT_EQUAL(json_object_array_length(json_object_object_get(it_payload(&r, "app"), "procs")), 2);
	it_response_free(&r);
}

static void test_update_older(void)
{
	it_response_t r;
	CU_ASSERT_EQUAL(it_req("PUT", "/api/v1/apps/procs/", "{\"meta_version\":\"1-nope\"}", &r), 400);
	CU_ASSERT_STRING_EQUAL(it_field(&r, "msg"),
			       "no such meta_version 1-nope for app procs\nplease check your images\n");
	CU_ASSERT_STRING_EQUAL(js_str(it_payload(&r, "app"), "appname"), "procs");
	it_response_free(&r);

	denv_settle();
	CU_ASSERT_EQUAL(it_req("PUT", "/api/v1/apps/procs/", "{\"meta_version\":\"" V(1) "\"}", &r),
			202);
	CU_ASSERT_STRING_EQUAL(js_str(it_payload(&r, "app"), "metaversion"), V(1));
	it_response_free(&r);
	denv_settle();
	json_object *pg = fake_pg("procs.worker.bg");
	CU_ASSERT_FATAL(pg != NULL);
	CU_ASSERT(strstr(js_str(container0(pg), "Image"), "procs:release-" V(1)) != NULL);
	json_object_put(pg);
	CU_ASSERT_FATAL(denv_wait_healthy("procs", &r));
	it_response_free(&r);

	CU_ASSERT_EQUAL(it_req("GET", "/api/v1/oplogs/procs/", NULL, &r), 200);
	const char *log = json_object_get_string(it_payload(&r, "oplog"));
	CU_ASSERT(log && strstr(log, "\"UPDATE\"") && strstr(log, V(1)) && strstr(log, V(3)));
	CU_ASSERT(log && strstr(log, "proc web scaled with instance 2"));
	CU_ASSERT(log && strstr(log, "proc web scaled with memory 134217728, cpu 2"));
	it_response_free(&r);
}

/* lain undeploy -p then lain deploy -p (201, §9.3 #12). */
static void test_proc_deploy(void)
{
	it_response_t r;
	denv_settle();
	CU_ASSERT_EQUAL(it_req("DELETE", "/api/v1/apps/procs/procs/bg/", NULL, &r), 202);
	CU_ASSERT_PREFIX(it_field(&r, "msg"), "    status_code: 202\n");
	it_response_free(&r);
	denv_settle();
	CU_ASSERT_PTR_NULL(fake_pg("procs.worker.bg"));
	CU_ASSERT_EQUAL(it_req("GET", "/api/v1/apps/procs/procs/bg/", NULL, &r), 200);
	CU_ASSERT_STRING_EQUAL(it_field(&r, "msg"), "proc bg exists but not deployed");
	it_response_free(&r);
	CU_ASSERT_EQUAL(it_req("PATCH", "/api/v1/apps/procs/procs/bg/", "{\"num_instances\":1}", &r),
			400);
	CU_ASSERT_STRING_EQUAL(it_field(&r, "msg"),
			       "proc bg exists but not deployed\nplease deploy it first\n");
	it_response_free(&r);

	CU_ASSERT_EQUAL(it_req("POST", "/api/v1/apps/procs/procs/", "{\"procname\":\"bg\"}", &r), 201);
	CU_ASSERT_STRING_EQUAL(js_str(it_payload(&r, "proc"), "procname"), "bg");
	CU_ASSERT(it_field(&r, "msg") != NULL);
	it_response_free(&r);
	denv_settle();
	json_object *pg = fake_pg("procs.worker.bg");
	CU_ASSERT_FATAL(pg != NULL);
	CU_ASSERT(strstr(js_str(container0(pg), "Image"), "procs:release-" V(1)) != NULL);
	json_object_put(pg);

	CU_ASSERT_EQUAL(it_req("POST", "/api/v1/apps/procs/procs/", "{\"procname\":\"bg\"}", &r), 409);
	CU_ASSERT_STRING_EQUAL(it_field(&r, "msg"), "proc with procname bg already exists\n");
	CU_ASSERT_STRING_EQUAL(js_str(it_payload(&r, "proc"), "procname"), "bg");
	it_response_free(&r);
	CU_ASSERT_EQUAL(it_req("POST", "/api/v1/apps/procs/procs/", "{\"procname\":\"zz\"}", &r), 400);
	CU_ASSERT_STRING_EQUAL(it_field(&r, "msg"), "no such proc zz in app procs");
	it_response_free(&r);
	CU_ASSERT_EQUAL(it_req("POST", "/api/v1/apps/procs/procs/", "[]", &r), 400);
	CU_ASSERT_STRING_EQUAL(it_field(&r, "msg"),
			       "invalid request: should be json body with procname(string)");
	it_response_free(&r);
	CU_ASSERT_FATAL(denv_wait_healthy("procs", &r));
	it_response_free(&r);
}

static const char *pod1_status(void)
{
	static char out[8];
	it_response_t r;
	out[0] = '\0';
	if (it_req("GET", "/api/v1/apps/procs/procs/web/", NULL, &r) == 200) {
		json_object *pods = json_object_object_get(it_payload(&r, "proc"), "pods");
		for (size_t i = 0; i < json_object_array_length(pods); i++) {
			json_object *p = json_object_array_get_idx(pods, i);
			const char *n = js_str(p, "containername");
			if (n && strstr(n, "-i1-"))
				snprintf(out, sizeof(out), "%s", js_str(p, "status"));
		}
	}
	it_response_free(&r);
	return out;
}

static void test_operations(void)
{
	it_response_t r;
	denv_settle();
	CU_ASSERT_EQUAL(it_req("PATCH", "/api/v1/apps/procs/procs/web/",
				"{\"operation\":\"stop\",\"instance\":1}", &r), 202);
	CU_ASSERT_PREFIX(it_field(&r, "msg"), "    status_code: 202\n");
	it_response_free(&r);
	denv_settle();
	CU_ASSERT_STRING_EQUAL(pod1_status(), "False");
	CU_ASSERT_EQUAL(it_call("PATCH", "/api/v1/apps/procs/procs/web/",
			     "{\"operation\":\"start\",\"instance\":1}", 202), 202);
	denv_settle();
	CU_ASSERT_STRING_EQUAL(pod1_status(), "True");
	CU_ASSERT_EQUAL(it_call("PATCH", "/api/v1/apps/procs/procs/web/",
			     "{\"operation\":\"restart\",\"instance\":1}", 202), 202);
	denv_settle();
	CU_ASSERT_STRING_EQUAL(pod1_status(), "True");
	CU_ASSERT_EQUAL(it_req("PATCH", "/api/v1/apps/procs/procs/web/",
				"{\"operation\":\"stop\",\"instance\":9}", &r), 404);
	CU_ASSERT_STRING_EQUAL(it_field(&r, "msg"), "no such proc web instance 9, in app procs");
	it_response_free(&r);
	CU_ASSERT_EQUAL(it_req("GET", "/api/v1/oplogs/procs/", NULL, &r), 200);
	const char *log = json_object_get_string(it_payload(&r, "oplog"));
	CU_ASSERT(log && strstr(log, "\"STOP\"") && strstr(log, "\"START\"") &&
		  strstr(log, "\"RESTART\"") && strstr(log, "stop container /procs.web.web"));
	CU_ASSERT(log && strstr(log, "proc bg deployed") && strstr(log, "delete proc bg"));
	it_response_free(&r);
}

/* While a deploy of the app holds its lock, proc changes wait their turn:
 * 409 with the holder named, nothing sent to deployd. */
static void test_changes_take_the_lock(void)
{
	it_response_t r;
	denv_settle();
	CU_ASSERT_EQUAL_FATAL(it_etcd_put("/lain/console/locks/procs",
					  "{\"holder\":\"mallory\",\"since\":\"2026-11-25 10:00:00\"}"),
			      0);
	CU_ASSERT_EQUAL(it_req("PATCH", "/api/v1/apps/procs/procs/web/", "{\"num_instances\":3}",
				&r), 409);
	CU_ASSERT(it_field(&r, "msg") && strstr(it_field(&r, "msg"), "mallory"));
	it_response_free(&r);
	CU_ASSERT_EQUAL(it_call("PATCH", "/api/v1/apps/procs/procs/web/",
			     "{\"operation\":\"restart\"}", 409), 409);
	CU_ASSERT_EQUAL(it_call("DELETE", "/api/v1/apps/procs/procs/web/", NULL, 409), 409);
	json_object *pg = fake_pg("procs.web.web");
	CU_ASSERT_PTR_NOT_NULL(pg);
	json_object_put(pg);
	CU_ASSERT_EQUAL(it_etcd_delete("/lain/console/locks/procs"), 0);
	/* Released: the same change goes through (back to what it was). */
	CU_ASSERT_EQUAL(it_req("GET", "/api/v1/apps/procs/procs/web/", NULL, &r), 200);
	char body[64];
	snprintf(body, sizeof(body), "{\"num_instances\":%d}",
		 json_object_get_int(json_object_object_get(it_payload(&r, "proc"), "numinstances")));
	it_response_free(&r);
	CU_ASSERT_EQUAL(it_call("PATCH", "/api/v1/apps/procs/procs/web/", body, 202), 202);
	denv_settle();
}

static void test_histories(void)
{
	it_response_t r;
	CU_ASSERT_EQUAL(it_req("GET", "/api/v1/apps/procs/procs/web/instance/1/histories/", NULL, &r),
			200);
	json_object *p = it_payload(&r, "proc");
	CU_ASSERT_STRING_EQUAL(js_str(p, "Name"), "procs.web.web");
	CU_ASSERT_STRING_EQUAL(js_str(p, "Instance"), "1");
	json_object *h = json_object_object_get(p, "StatusHistory");
	CU_ASSERT_FATAL(json_object_array_length(h) >= 4);
	json_object *e = json_object_array_get_idx(h, 0);
	/* Newest first: the restart's last row. */
	CU_ASSERT_STRING_EQUAL(js_str(e, "action"), "restart");
	CU_ASSERT_PREFIX(js_str(e, "image"), "procs:release-");
	CU_ASSERT_STRING_EQUAL(js_str(e, "node"), "node1");
	CU_ASSERT(json_object_object_get_ex(e, "time", NULL) && json_object_object_get_ex(e, "status", NULL));
	CU_ASSERT(!json_object_object_get_ex(e, "from", NULL));
	it_response_free(&r);

	CU_ASSERT_EQUAL(it_req("GET", "/api/v1/apps/procs/procs/zz/instance/1/histories/", NULL, &r),
			200);
	CU_ASSERT_STRING_EQUAL(it_field(&r, "msg"), "proc zz do not exists");
	CU_ASSERT_EQUAL(json_object_array_length(it_payload(&r, "proc")), 0);
	it_response_free(&r);
	CU_ASSERT_EQUAL(it_call("GET", "/api/v1/apps/procs/procs/web/instance/x/histories/", NULL, 400),
			400);

	/* Other methods: 405 with JSON (§9.3 #13). */
	CU_ASSERT_EQUAL(it_req("POST", "/api/v1/apps/procs/procs/web/", "{}", &r), 405);
	CU_ASSERT_PTR_NOT_NULL(r.json);
	it_response_free(&r);
	CU_ASSERT_EQUAL(it_req("PUT", "/api/v1/apps/procs/procs/web/instance/1/histories/", "{}", &r),
			405);
	CU_ASSERT_PTR_NOT_NULL(r.json);
	it_response_free(&r);
}

/* deployd fails while an update PATCHes the podgroups: 406, the previous
 * version stays recorded, the error is the deployerror; then it works. */
static void test_update_failure(void)
{
	it_response_t r;
	CU_ASSERT_EQUAL(it_call("POST", "/api/v1/repos/", "{\"appname\":\"updfail\"}", 201), 201);
	CU_ASSERT_EQUAL(it_call("POST", "/api/v1/apps/", "{\"appname\":\"updfail\"}", 202), 202);
	CU_ASSERT_FATAL(denv_wait_healthy("updfail", &r));
	it_response_free(&r);
	denv_settle();
	denv_fake("POST", "/__fake/fail",
		  "{\"mode\":\"error500\",\"match\":\"/api/podgroups\",\"method\":\"PATCH\",\"count\":-1}",
		  NULL);
	CU_ASSERT_EQUAL(it_req("PUT", "/api/v1/apps/updfail/", "{\"meta_version\":\"" V(1) "\"}", &r),
			406);
	const char *msg = it_field(&r, "msg");
	CU_ASSERT_FATAL(msg != NULL);
	CU_ASSERT_PREFIX(msg, "request of update app updfail is not acceptable with error:\n");
	CU_ASSERT(strstr(msg, "web") != NULL);
	char *saved = strdup(msg);
	it_response_free(&r);
	denv_fake("POST", "/__fake/fail", "{\"mode\":\"none\"}", NULL);

	CU_ASSERT_EQUAL(it_req("GET", "/api/v1/apps/updfail/", NULL, &r), 200);
	CU_ASSERT_STRING_EQUAL(js_str(it_payload(&r, "app"), "metaversion"), V(2));
	CU_ASSERT_STRING_EQUAL(js_str(it_payload(&r, "app"), "deployerror"), saved);
	it_response_free(&r);
	free(saved);
	CU_ASSERT_EQUAL(it_req("GET", "/api/v1/repos/updfail/details/", NULL, &r), 200);
	CU_ASSERT_STRING_EQUAL(js_str(it_payload(&r, "detail"), "meta_version"), V(2));
	it_response_free(&r);

	/* Invalid JSON is {}: the newest version again, and the error cleared. */
	denv_settle();
	CU_ASSERT_EQUAL(it_req("PUT", "/api/v1/apps/updfail/", "nope", &r), 202);
	CU_ASSERT_STRING_EQUAL(js_str(it_payload(&r, "app"), "metaversion"), V(2));
	it_response_free(&r);
	CU_ASSERT(denv_wait_healthy("updfail", &r));
	CU_ASSERT_STRING_EQUAL(js_str(it_payload(&r, "app"), "deployerror"), "");
	it_response_free(&r);
}

/* Stream ports (§4.5.3, §9.3 #17): a redeploy does not find its own ports
 * taken; another app asking for them is refused before deployd sees it. */
static void test_stream_ports(void)
{
	it_response_t r;
	CU_ASSERT_EQUAL(it_call("POST", "/api/v1/repos/", "{\"appname\":\"streamy\"}", 201), 201);
	CU_ASSERT_EQUAL(it_call("POST", "/api/v1/apps/", "{\"appname\":\"streamy\"}", 202), 202);
	CU_ASSERT_FATAL(denv_wait_healthy("streamy", &r));
	it_response_free(&r);
	denv_settle();
	CU_ASSERT_EQUAL(it_call("PUT", "/api/v1/apps/streamy/", NULL, 202), 202);
	denv_settle();
	CU_ASSERT(denv_wait_healthy("streamy", &r));
	it_response_free(&r);

	CU_ASSERT_EQUAL(it_call("POST", "/api/v1/repos/", "{\"appname\":\"streamy2\"}", 201), 201);
	CU_ASSERT_EQUAL(it_req("POST", "/api/v1/apps/", "{\"appname\":\"streamy2\"}", &r), 406);
	CU_ASSERT(it_field(&r, "msg") && strstr(it_field(&r, "msg"), "Conflicted ports") != NULL);
	it_response_free(&r);
	CU_ASSERT_PTR_NULL(fake_pg("streamy2.worker.tcp"));
}

/* A first deploy that failed, then a failed PUT: still a first deploy, so
 * the next POST deploys (not 409). */
static void test_update_of_failed_deploy(void)
{
	it_response_t r;
	CU_ASSERT_EQUAL(it_call("POST", "/api/v1/repos/", "{\"appname\":\"halfway\"}", 201), 201);
	denv_fake("POST", "/__fake/fail",
		  "{\"mode\":\"error500\",\"match\":\"/api/podgroups\",\"method\":\"POST\",\"count\":-1}",
		  NULL);
	CU_ASSERT_EQUAL(it_call("POST", "/api/v1/apps/", "{\"appname\":\"halfway\"}", 406), 406);
	CU_ASSERT_EQUAL(it_req("PUT", "/api/v1/apps/halfway/", NULL, &r), 406);
	CU_ASSERT_PREFIX(it_field(&r, "msg"), "request of update app halfway is not acceptable");
	it_response_free(&r);
	denv_fake("POST", "/__fake/fail", "{\"mode\":\"none\"}", NULL);
	denv_settle();
	CU_ASSERT_EQUAL(it_call("POST", "/api/v1/apps/", "{\"appname\":\"halfway\"}", 202), 202);
	CU_ASSERT(denv_wait_healthy("halfway", &r));
	it_response_free(&r);
}

/* A service: its portal is a Proc of E10 GET but not of E9 GET, deployd
 * has no operations for it (400), and a redeploy updates the portal. */
static void test_service_portal(void)
{
	it_response_t r;
	CU_ASSERT_EQUAL(it_call("POST", "/api/v1/repos/", "{\"appname\":\"svc\"}", 201), 201);
	CU_ASSERT_EQUAL(it_call("POST", "/api/v1/apps/", "{\"appname\":\"svc\"}", 202), 202);
	CU_ASSERT_FATAL(denv_wait_healthy("svc", &r));
	it_response_free(&r);
	denv_settle();
	CU_ASSERT_EQUAL(it_req("GET", "/api/v1/apps/svc/procs/", NULL, &r), 200);
	CU_ASSERT_EQUAL(json_object_array_length(it_payload(&r, "procs")), 1);
	it_response_free(&r);
	CU_ASSERT_EQUAL(it_req("GET", "/api/v1/apps/svc/procs/portal-redis/", NULL, &r), 200);
	CU_ASSERT_STRING_EQUAL(it_field(&r, "msg"), "");
	CU_ASSERT_STRING_EQUAL(js_str(it_payload(&r, "proc"), "procname"), "portal-redis");
	it_response_free(&r);
	CU_ASSERT_EQUAL(it_req("PATCH", "/api/v1/apps/svc/procs/portal-redis/",
				"{\"operation\":\"restart\"}", &r), 400);
	CU_ASSERT_STRING_EQUAL(it_field(&r, "msg"),
			       "proc portal-redis exists but not deployed\nplease deploy it first\n");
	it_response_free(&r);
	CU_ASSERT_EQUAL(it_call("DELETE", "/api/v1/apps/svc/procs/portal-redis/", NULL, 400), 400);
	CU_ASSERT_EQUAL(it_call("PUT", "/api/v1/apps/svc/", "{}", 202), 202);
	denv_settle();
	CU_ASSERT(denv_wait_healthy("svc", &r));
	it_response_free(&r);
}

static CU_TestInfo tests[] = {
	{ "deploy and ps", test_deploy },
	{ "scale instances", test_scale_instances },
	{ "scale cpu/memory keeps Labels and HealthConfig", test_scale_cpu_memory },
	{ "PUT a newer version", test_update_newer },
	{ "PUT an explicit older version", test_update_older },
	{ "undeploy -p, deploy -p: 201", test_proc_deploy },
	{ "start/stop/restart an instance", test_operations },
	{ "proc changes take the app's lock", test_changes_take_the_lock },
	{ "histories, 405", test_histories },
	{ "deployd failing in the middle of an update", test_update_failure },
	{ "stream ports on redeploy and conflict", test_stream_ports },
	{ "a failed PUT of a failed first deploy", test_update_of_failed_deploy },
	{ "a service's portal", test_service_portal },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "procs and updates", NULL, NULL, NULL, NULL, tests },
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	const denv_image_t images[] = {
		{ "procs", V(1), BASE("procs"), NULL },
		{ "procs", V(2), WITH_EXTRA("procs"), NULL },
		{ "updfail", V(1), BASE("updfail"), NULL },
		{ "updfail", V(2), BASE("updfail"), NULL },
		{ "streamy", V(1), STREAM("streamy"), NULL },
		{ "streamy2", V(1), STREAM("streamy2"), NULL },
		{ "halfway", V(1), BASE("halfway"), NULL },
		{ "svc", V(1), SERVICE_YAML, NULL },
	};
	const denv_suite_t suite = { .name = "it_deploy_procs", .images = images,
				     .nimages = ARRAY_SIZE(images), .stack_args = "--workers 2",
				     .suites = suites };
	return denv_main(&suite);
}
