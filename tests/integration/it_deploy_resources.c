/* Resources and resource instances (console-api.md §3.6, §4.1-4.3, E8,
 * E21, with §9.3 #19 fixed) through the real stack (nginx -> lain-console
 * -> etcd, the deployd stand-in, docker-registry, the SSO stand-in): a
 * client deployed before its resource is refused; the resource app is only
 * stored; the client's deploy creates and deploys the instance
 * resource.<res>.<client> from the rendered template; the views
 * (App.useresources, resourceinstances, E21, the apptype filter, oplog); an
 * explicit instance update uses the requested version's template; client
 * updates leave an unchanged instance alone, redeploy a changed context,
 * remove a dropped resource and bring it back; an instance failure stops the
 * client; delete; per-app system volumes; with auth on, the instance's SSO
 * group copies the resource's members, and an SSO failure leaves nothing.
 *
 * The tests run in order and build on each other's state. */
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

#define V(n) "172445598" #n "-b478328a58bc9725c19030e7663e2ee3fa87b02" #n
#define NO_SUCH_V "1999999999-0000000000000000000000000000000000000000"

/* A resource app: every templated value of its one service. */
#define RES_YAML(app, cmd)                                                                    \
	"appname: " app "\napptype: resource\nbuild:\n  base: redis\nservice." app ":\n"       \
	"  cmd: " cmd "\n  port: 6379\n"                                                       \
	"  num_instances: \"{{ num_instances|default(1)|int(1) }}\"\n"                         \
	"  memory: \"{{ memory|default('64M') }}\"\n"                                          \
	"  env:\n    - \"MAXMEM={{ maxmemory|default('1gb') }}\"\n"                            \
	"  portal:\n    allow_clients: \"**\"\n    cmd: ./portal\n    port: 6379\n"
/* A client of resource res with the context num_instances 2, memory 128M. */
#define CLIENT_YAML(app, res, maxmem)                                                         \
	"appname: " app "\nbuild:\n  base: golang\nuse_resources:\n  " res ":\n"               \
	"    services:\n      - " res "\n    num_instances: 2\n    memory: 128M\n"             \
	"    maxmemory: " maxmem "\nweb:\n  cmd: /web\n  port: 80\n"
#define PLAIN_YAML(app) "appname: " app "\nbuild:\n  base: golang\nweb:\n  cmd: /web\n  port: 80\n"

#define INST "resource.rdb.webc"
#define INST_PG INST ".worker.rdb"
#define INST_PORTAL INST ".portal.portal-rdb"

/* cluster_app_group on the default domain "example.lain.com" (as it_auth.c). */
#define GROUP(app) "lainapp-example-lain-com-" app

#define SEED                                                                                  \
	"{\"users\": ["                                                                        \
	"{\"name\": \"admin\", \"password\": \"admin\", \"email\": \"admin@lain.local\"},"     \
	"{\"name\": \"alice\", \"password\": \"alice\", \"email\": \"alice@lain.local\"},"     \
	"{\"name\": \"bob\", \"password\": \"bob\", \"email\": \"bob@lain.local\"},"           \
	"{\"name\": \"carol\", \"password\": \"carol\", \"email\": \"carol@lain.local\"}],"    \
	"\"groups\": ["                                                                        \
	"{\"name\": \"admins\", \"members\": [{\"name\": \"admin\", \"role\": \"admin\"}]},"   \
	"{\"name\": \"lain\", \"members\": [{\"name\": \"admin\", \"role\": \"admin\"}]}],"    \
	"\"clients\": [{\"id\": \"lain-console\", \"secret\": \"lain-console-secret\","        \
	" \"redirect_uri\": \"*\"}]}"

static char sso[256];
static char seed_file[64];

/* ---- small helpers: every one is NULL-safe, the server may not answer yet */

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && !strcmp(s + n - k, suffix);
}

/* ---- the deployd stand-in */

static json_object *fake_json(const char *path)
{
	char *body = NULL;
	long st = denv_fake("GET", path, NULL, &body);
	json_object *j = st == 200 && body ? json_tokener_parse(body) : NULL;
	free(body);
	return j;
}

/* deployd's podgroup (the fake's answer), or NULL when it has none. */
static json_object *fake_pg(const char *name)
{
	char path[256];
	snprintf(path, sizeof(path), "/api/podgroups?name=%s", name);
	return fake_json(path);
}

static json_object *pod_spec(json_object *pg)
{
	return js_get(js_get(pg, "Spec"), "Pod");
}

static json_object *container0(json_object *pg)
{
	return js_at(js_get(pod_spec(pg), "Containers"), 0);
}

static bool fake_has_pg(const char *name)
{
	json_object *pg = fake_pg(name);
	json_object_put(pg);
	return pg != NULL;
}

static bool fake_has_depends(const char *name)
{
	char path[256];
	snprintf(path, sizeof(path), "/api/depends?name=%s", name);
	return denv_fake("GET", path, NULL, NULL) == 200;
}

/* Whether pod spec of podgroup pg depends on portal (Policy 0). */
static bool depends_on(const char *pg_name, const char *portal)
{
	json_object *pg = fake_pg(pg_name);
	json_object *deps = js_get(pod_spec(pg), "Dependencies");
	json_object *d = js_find(deps, "PodName", portal);
	bool yes = d && json_object_get_int(js_get(d, "Policy")) == 0;
	json_object_put(pg);
	return yes;
}

/* The seq of the fake's newest logged call (0 when none). */
static long fake_last_seq(void)
{
	json_object *j = fake_json("/__fake/calls");
	json_object *calls = js_get(j, "calls");
	long seq = js_len(calls) ? (long)json_object_get_int64(js_get(js_at(calls, js_len(calls) - 1), "seq")) : 0;
	json_object_put(j);
	return seq;
}

/* POST/PUT/PATCH/DELETE calls after since on names starting with prefix. */
static int fake_mutations(long since, const char *prefix)
{
	char path[64];
	snprintf(path, sizeof(path), "/__fake/calls?since=%ld", since);
	json_object *j = fake_json(path);
	json_object *calls = js_get(j, "calls");
	int n = 0;
	for (size_t i = 0; i < js_len(calls); i++) {
		json_object *c = js_at(calls, i);
		const char *m = js_str(c, "method");
		if (!strcmp(m, "GET") || !strcmp(m, "HEAD"))
			continue;
		const char *name = js_get(js_get(c, "params"), "name") ? js_str(js_get(c, "params"), "name")
								    : js_str(js_get(c, "body"), "Name");
		if (!strncmp(name, prefix, strlen(prefix))) {
			fprintf(stderr, "\n  deployd call %s %s?%s on %s\n", m, js_str(c, "path"),
				js_str(c, "query"), name);
			n++;
		}
	}
	json_object_put(j);
	return n;
}

static void fake_rules_off(void)
{
	denv_fake("POST", "/__fake/fail", "{\"mode\":\"none\"}", NULL);
}

/* ---- App objects */

static const char *const app_keys[] = { "appname", "apptype", "metaversion", "updatetime",
	"deployerror", "canaries", "procs", "portals", "useservices", "useresources", "url", NULL };

/* Exactly these keys plus extra (may be NULL), in any order. */
static void assert_keys(json_object *o, const char *const *keys, const char *extra)
{
	CU_ASSERT_FATAL(json_object_is_type(o, json_type_object));
	size_t n = 0;
	for (; keys[n]; n++)
		if (!json_object_object_get_ex(o, keys[n], NULL)) {
			fprintf(stderr, "\n  missing key %s in %s\n", keys[n], json_object_to_json_string(o));
			CU_FAIL("key missing");
		}
	if (extra) {
		n++;
		if (!json_object_object_get_ex(o, extra, NULL)) {
			fprintf(stderr, "\n  missing key %s\n", extra);
			CU_FAIL("key missing");
		}
	}
	CU_ASSERT_EQUAL(json_object_object_length(o), (int)n);
}

/* Whether GET /apps/?query lists app. */
static bool listed(const char *query, const char *app)
{
	char path[128];
	it_response_t r;
	snprintf(path, sizeof(path), "/api/v1/apps/?%s", query);
	bool yes = it_req("GET", path, NULL, &r) == 200 && js_find(it_payload(&r, "apps"), "appname", app);
	it_response_free(&r);
	return yes;
}

/* The instance's podgroup at deployd: Env has env and LAIN_APPNAME, the
 * image is rdb's release of version, Command is cmd (JSON) unless NULL. */
static void assert_instance_pg(const char *env, const char *version, const char *cmd)
{
	json_object *pg = fake_pg(INST_PG);
	CU_ASSERT_PTR_NOT_NULL_FATAL(pg);
	json_object *c = container0(pg);
	char image[128];
	snprintf(image, sizeof(image), "/rdb:release-%s", version);
	if (!ends_with(js_str(c, "Image"), image))
		fprintf(stderr, "\n  Image %s, want ...%s\n", js_str(c, "Image"), image);
	CU_ASSERT(ends_with(js_str(c, "Image"), image));
	if (!js_has(js_get(c, "Env"), env))
		fprintf(stderr, "\n  Env %s, want %s\n", json_object_to_json_string(js_get(c, "Env")), env);
	CU_ASSERT(js_has(js_get(c, "Env"), env));
	CU_ASSERT(js_has(js_get(c, "Env"), "LAIN_APPNAME=" INST));
	if (cmd) {
		const char *got = json_object_to_json_string_ext(js_get(c, "Command"), JSON_C_TO_STRING_PLAIN);
		if (strcmp(got, cmd))
			fprintf(stderr, "\n  Command %s, want %s\n", got, cmd);
		CU_ASSERT_STRING_EQUAL(got, cmd);
	}
	json_object_put(pg);
}

/* ---- the tests, in order */

/* 1: the resource is registered but not deployed: the client is refused,
 * nothing of it or of the instance reaches deployd, no instance record. */
static void test_resource_not_deployed(void)
{
	it_response_t r;
	CU_ASSERT_EQUAL(denv_reposit(NULL, "rdb"), 201);
	CU_ASSERT_EQUAL(denv_reposit(NULL, "webc"), 201);
	/* For part 11: read when webc is deployed. */
	CU_ASSERT_EQUAL(it_etcd_put("/lain/config/system_volumes/webc", "/data/a:/a:ro;/data/b:/b"), 0);

	CU_ASSERT_EQUAL(it_req("POST", "/api/v1/apps/", "{\"appname\":\"webc\"}", &r), 406);
	CU_ASSERT_PREFIX(it_msg(&r), "request of deploy app webc is not acceptable");
	it_response_free(&r);
	CU_ASSERT_EQUAL(it_req("GET", "/api/v1/apps/webc/", NULL, &r), 200);
	const char *err = js_str(it_payload(&r, "app"), "deployerror");
	fprintf(stderr, "\n  deployerror: %s\n", err);
	CU_ASSERT(strcmp(err, "") && strcmp(err, "(absent)"));
	CU_ASSERT(strstr(err, "rdb") != NULL);
	it_response_free(&r);
	denv_settle();
	CU_ASSERT_EQUAL(denv_count("resource.rdb.webc."), 0);
	CU_ASSERT_EQUAL(denv_count("webc.web.web"), 0);
	CU_ASSERT_EQUAL(it_call("GET", "/api/v1/repos/" INST "/", NULL, 404), 404);
}

/* 2: a resource app is only stored; its App lists instances; never deleted. */
static void test_resource_deploy(void)
{
	it_response_t r;
	CU_ASSERT_EQUAL(it_req("POST", "/api/v1/apps/", "{\"appname\":\"rdb\"}", &r), 202);
	it_response_free(&r);
	CU_ASSERT_EQUAL(it_req("GET", "/api/v1/apps/rdb/", NULL, &r), 200);
	json_object *app = it_payload(&r, "app");
	CU_ASSERT_STRING_EQUAL(js_str(app, "apptype"), "resource");
	CU_ASSERT_STRING_EQUAL(js_str(app, "metaversion"), V(1));
	assert_keys(app, app_keys, "resourceinstances");
	CU_ASSERT(json_object_is_type(js_get(app, "resourceinstances"), json_type_array));
	CU_ASSERT_EQUAL(js_len(js_get(app, "resourceinstances")), 0);
	it_response_free(&r);
	denv_settle();
	CU_ASSERT_EQUAL(denv_count("rdb."), 0);

	CU_ASSERT_EQUAL(it_req("DELETE", "/api/v1/apps/rdb/", NULL, &r), 403);
	CU_ASSERT_STRING_EQUAL(it_msg(&r), "Not allow to delete resource app.");
	it_response_free(&r);
	CU_ASSERT_EQUAL(it_call("GET", "/api/v1/apps/rdb/", NULL, 200), 200);
}

/* 3: the client's deploy creates and deploys the instance first. */
static void test_client_deploy(void)
{
	it_response_t r;
	/* The failed first deploy left webc "deploying": POST again. */
	CU_ASSERT_EQUAL(denv_deploy(NULL, "webc", 202), 202);
	denv_settle();

	json_object *pg = fake_pg(INST_PG);
	CU_ASSERT_PTR_NOT_NULL(pg);
	CU_ASSERT_EQUAL(json_object_get_int(js_get(js_get(pg, "Spec"), "NumInstances")), 2);
	CU_ASSERT_EQUAL(json_object_get_int64(js_get(container0(pg), "MemoryLimit")), 134217728);
	json_object_put(pg);
	assert_instance_pg("MAXMEM=2gb", V(1), NULL);
	CU_ASSERT(fake_has_depends(INST_PORTAL));
	CU_ASSERT(depends_on("webc.web.web", INST_PORTAL));
	CU_ASSERT_EQUAL(denv_count("resource.rdb.webc."), 2);

	/* The instance is an app of its own. */
	CU_ASSERT_EQUAL(it_req("GET", "/api/v1/apps/" INST "/", NULL, &r), 200);
	json_object *inst = it_payload(&r, "app");
	CU_ASSERT_STRING_EQUAL(js_str(inst, "appname"), INST);
	CU_ASSERT_STRING_EQUAL(js_str(inst, "apptype"), "resource-instance");
	CU_ASSERT_STRING_EQUAL(js_str(inst, "metaversion"), V(1));
	json_object *proc = js_find(js_get(inst, "procs"), "procname", "rdb");
	CU_ASSERT_PTR_NOT_NULL(proc);
	CU_ASSERT_STRING_EQUAL(js_str(proc, "proctype"), "worker");
	CU_ASSERT_PTR_NOT_NULL(js_find(js_get(inst, "portals"), "procname", "portal-rdb"));
	it_response_free(&r);

	/* The client, as lain-cli waits for it. */
	CU_ASSERT_FATAL(denv_wait_healthy("webc", &r));
	json_object *uses = js_get(it_payload(&r, "app"), "useresources");
	CU_ASSERT_EQUAL_FATAL(js_len(uses), 1);
	json_object *u = js_at(uses, 0);
	CU_ASSERT_EQUAL(json_object_object_length(u), 3);
	CU_ASSERT_STRING_EQUAL(js_str(u, "resourcename"), "rdb");
	json_object *rp = js_get(u, "resourceprocs");
	CU_ASSERT_EQUAL(js_len(rp), 1);
	CU_ASSERT(js_has(rp, "portal-rdb"));
	json_object *ri = js_get(u, "resourceinstance");
	assert_keys(ri, app_keys, NULL);
	CU_ASSERT_STRING_EQUAL(js_str(ri, "appname"), INST);
	CU_ASSERT_EQUAL(js_len(js_get(ri, "portals")), 1);
	CU_ASSERT_STRING_EQUAL(js_str(js_at(js_get(ri, "portals"), 0), "procname"), "portal-rdb");
	CU_ASSERT(json_object_is_type(js_get(ri, "useservices"), json_type_array));
	CU_ASSERT(json_object_is_type(js_get(ri, "useresources"), json_type_array));
	CU_ASSERT_EQUAL(js_len(js_get(ri, "useservices")), 0);
	CU_ASSERT_EQUAL(js_len(js_get(ri, "useresources")), 0);
	it_response_free(&r);

	/* The resource lists it; so does E21. */
	CU_ASSERT_EQUAL(it_req("GET", "/api/v1/apps/rdb/", NULL, &r), 200);
	json_object *ris = js_get(it_payload(&r, "app"), "resourceinstances");
	CU_ASSERT_EQUAL(js_len(ris), 1);
	CU_ASSERT_STRING_EQUAL(js_str(js_at(ris, 0), "appname"), INST);
	it_response_free(&r);
	CU_ASSERT_EQUAL(it_req("GET", "/api/v1/resources/rdb/instances/", NULL, &r), 200);
	json_object *list = it_payload(&r, "instances");
	CU_ASSERT(json_object_is_type(list, json_type_array));
	CU_ASSERT_EQUAL(js_len(list), 1);
	CU_ASSERT_STRING_EQUAL(js_str(js_at(list, 0), "appname"), INST);
	it_response_free(&r);
	CU_ASSERT_EQUAL(it_call("GET", "/api/v1/resources/nosuch/instances/", NULL, 404), 404);

	/* The apptype filter. */
	CU_ASSERT(listed("apptype=resource-instance", INST));
	CU_ASSERT(!listed("apptype=resource-instance", "webc"));
	CU_ASSERT(listed("apptype=resource", "rdb"));
	CU_ASSERT(!listed("apptype=resource", INST));

	CU_ASSERT_EQUAL(it_req("GET", "/api/v1/oplogs/" INST "/", NULL, &r), 200);
	const char *log = json_object_get_string(it_payload(&r, "oplog"));
	CU_ASSERT(log && strstr(log, "\"DEPLOY\""));
	it_response_free(&r);
}

/* 11: /lain/config/system_volumes/webc (written in part 1) on webc's container. */
static void test_system_volumes(void)
{
	json_object *pg = fake_pg("webc.web.web");
	CU_ASSERT_PTR_NOT_NULL_FATAL(pg);
	const char *got = json_object_to_json_string_ext(js_get(container0(pg), "SystemVolumes"),
							 JSON_C_TO_STRING_PLAIN |
								 JSON_C_TO_STRING_NOSLASHESCAPE);
	CU_ASSERT_STRING_EQUAL(got, "[\"/data/lain/entrypoint:/lain/entrypoint:ro\","
				    "\"/etc/localtime:/etc/localtime:ro\",\"/data/a:/a:ro\",\"/data/b:/b\"]");
	json_object_put(pg);
}

/* 4: PUT on the instance: the requested version's own template, the
 * client's context; an unknown version 400; no body: the resource's version. */
static void test_instance_update(void)
{
	it_response_t r;
	CU_ASSERT_EQUAL_FATAL(denv_push("rdb", V(2), RES_YAML("rdb", "redis-server --v2"), NULL), 0);
	denv_settle();
	CU_ASSERT_EQUAL(it_req("PUT", "/api/v1/apps/" INST "/", "{\"meta_version\":\"" V(2) "\"}", &r),
			202);
	if (r.status != 202)
		fprintf(stderr, "\n  PUT %s: %s\n", INST, it_msg(&r));
	it_response_free(&r);
	denv_settle();
	CU_ASSERT_EQUAL(it_req("GET", "/api/v1/apps/" INST "/", NULL, &r), 200);
	CU_ASSERT_STRING_EQUAL(js_str(it_payload(&r, "app"), "metaversion"), V(2));
	it_response_free(&r);
	assert_instance_pg("MAXMEM=2gb", V(2), "[\"redis-server\",\"--v2\"]");
	/* The resource itself was not updated. */
	CU_ASSERT_EQUAL(it_req("GET", "/api/v1/apps/rdb/", NULL, &r), 200);
	CU_ASSERT_STRING_EQUAL(js_str(it_payload(&r, "app"), "metaversion"), V(1));
	it_response_free(&r);

	CU_ASSERT_EQUAL(it_req("PUT", "/api/v1/apps/" INST "/", "{\"meta_version\":\"" NO_SUCH_V "\"}",
				&r), 400);
	CU_ASSERT(strstr(it_msg(&r), "no such meta_version") != NULL);
	it_response_free(&r);

	denv_settle();
	CU_ASSERT_EQUAL(it_call("PUT", "/api/v1/apps/" INST "/", NULL, 202), 202);
	denv_settle();
	CU_ASSERT_EQUAL(it_req("GET", "/api/v1/apps/" INST "/", NULL, &r), 200);
	CU_ASSERT_STRING_EQUAL(js_str(it_payload(&r, "app"), "metaversion"), V(1));
	it_response_free(&r);
	assert_instance_pg("MAXMEM=2gb", V(1), "[\"redis-server\"]");
	CU_ASSERT(denv_wait_healthy("webc", &r));
	it_response_free(&r);
}

/* 5: a client update with the same context does not touch the instance. */
static void test_client_update_same_context(void)
{
	CU_ASSERT_EQUAL_FATAL(denv_push("webc", V(2), CLIENT_YAML("webc", "rdb", "2gb"), NULL), 0);
	denv_settle();
	long since = fake_last_seq();
	CU_ASSERT_EQUAL(it_call("PUT", "/api/v1/apps/webc/", NULL, 202), 202);
	denv_settle();
	CU_ASSERT_EQUAL(fake_mutations(since, "resource.rdb.webc"), 0);
	/* The client itself was updated. */
	json_object *pg = fake_pg("webc.web.web");
	CU_ASSERT(ends_with(js_str(container0(pg), "Image"), "/webc:release-" V(2)));
	json_object_put(pg);
	CU_ASSERT(depends_on("webc.web.web", INST_PORTAL));
}

/* 6: a changed context redeploys the instance (§9.3 #19). */
static void test_client_update_new_context(void)
{
	it_response_t r;
	CU_ASSERT_EQUAL_FATAL(denv_push("webc", V(3), CLIENT_YAML("webc", "rdb", "4gb"), NULL), 0);
	denv_settle();
	long since = fake_last_seq();
	CU_ASSERT_EQUAL(it_call("PUT", "/api/v1/apps/webc/", NULL, 202), 202);
	denv_settle();
	CU_ASSERT(fake_mutations(since, INST_PG) > 0);
	assert_instance_pg("MAXMEM=4gb", V(1), NULL);
	CU_ASSERT(denv_wait_healthy("webc", &r));
	it_response_free(&r);
}

/* 7: the client stops using the resource: the instance is removed, the
 * record stays registered. */
static void test_client_drops_resource(void)
{
	CU_ASSERT_EQUAL_FATAL(denv_push("webc", V(4), PLAIN_YAML("webc"), NULL), 0);
	denv_settle();
	CU_ASSERT_EQUAL(it_call("PUT", "/api/v1/apps/webc/", NULL, 202), 202);
	denv_settle();
	CU_ASSERT_EQUAL(denv_count("resource.rdb.webc."), 0);
	CU_ASSERT(fake_has_pg("webc.web.web"));
	CU_ASSERT(!depends_on("webc.web.web", INST_PORTAL));
	CU_ASSERT_EQUAL(it_call("GET", "/api/v1/apps/" INST "/", NULL, 404), 404);
	CU_ASSERT_EQUAL(it_call("GET", "/api/v1/repos/" INST "/", NULL, 200), 200);
	it_response_t r;
	CU_ASSERT(denv_wait_healthy("webc", &r));
	CU_ASSERT_EQUAL(js_len(js_get(it_payload(&r, "app"), "useresources")), 0);
	it_response_free(&r);
	/* No longer an instance of the resource. */
	CU_ASSERT_EQUAL(it_req("GET", "/api/v1/resources/rdb/instances/", NULL, &r), 200);
	CU_ASSERT_PTR_NULL(js_find(it_payload(&r, "instances"), "appname", INST));
	it_response_free(&r);
}

/* 8: ... and uses it again: deployed again. */
static void test_client_uses_again(void)
{
	it_response_t r;
	CU_ASSERT_EQUAL_FATAL(denv_push("webc", V(5), CLIENT_YAML("webc", "rdb", "4gb"), NULL), 0);
	denv_settle();
	CU_ASSERT_EQUAL(it_call("PUT", "/api/v1/apps/webc/", NULL, 202), 202);
	denv_settle();
	assert_instance_pg("MAXMEM=4gb", V(1), NULL);
	CU_ASSERT(fake_has_depends(INST_PORTAL));
	CU_ASSERT(depends_on("webc.web.web", INST_PORTAL));
	CU_ASSERT_EQUAL(it_call("GET", "/api/v1/apps/" INST "/", NULL, 200), 200);
	CU_ASSERT(denv_wait_healthy("webc", &r));
	CU_ASSERT_EQUAL(js_len(js_get(it_payload(&r, "app"), "useresources")), 1);
	it_response_free(&r);
}

/* 9: the instance fails at deployd: the client's own procs are not deployed. */
static void test_instance_failure(void)
{
	it_response_t r;
	CU_ASSERT_EQUAL(denv_reposit(NULL, "webd"), 201);
	denv_settle();
	long since = fake_last_seq();
	denv_fake("POST", "/__fake/fail",
		  "{\"mode\":\"error500\",\"match\":\"/api/podgroups\",\"method\":\"POST\",\"count\":1}",
		  NULL);
	CU_ASSERT_EQUAL(it_req("POST", "/api/v1/apps/", "{\"appname\":\"webd\"}", &r), 406);
	fprintf(stderr, "\n  webd: %s\n", it_msg(&r));
	it_response_free(&r);
	fake_rules_off();
	denv_settle();
	/* The failure was the instance's, and webd's own procs were not tried. */
	CU_ASSERT(fake_mutations(since, "resource.rdb.webd.") > 0);
	CU_ASSERT_EQUAL(fake_mutations(since, "webd."), 0);
	CU_ASSERT_EQUAL(denv_count("webd."), 0);
	CU_ASSERT_EQUAL(denv_count("resource.rdb.webd.worker."), 0);
	CU_ASSERT_EQUAL(it_req("GET", "/api/v1/apps/webd/", NULL, &r), 200);
	const char *err = js_str(it_payload(&r, "app"), "deployerror");
	CU_ASSERT(strcmp(err, "") && strcmp(err, "(absent)"));
	it_response_free(&r);
}

/* 10: deleting the client removes its instance. */
static void test_client_delete(void)
{
	it_response_t r;
	denv_settle();
	CU_ASSERT_EQUAL(denv_count("resource.rdb.webc."), 2);
	CU_ASSERT_EQUAL(it_call("DELETE", "/api/v1/apps/webc/", NULL, 202), 202);
	denv_settle();
	CU_ASSERT_EQUAL(denv_count("resource.rdb.webc."), 0);
	CU_ASSERT_EQUAL(denv_count("webc."), 0);
	CU_ASSERT_EQUAL(it_call("GET", "/api/v1/apps/" INST "/", NULL, 404), 404);
	CU_ASSERT_EQUAL(it_req("GET", "/api/v1/apps/rdb/", NULL, &r), 200);
	CU_ASSERT_PTR_NULL(js_find(js_get(it_payload(&r, "app"), "resourceinstances"), "appname", INST));
	it_response_free(&r);
	CU_ASSERT(!listed("apptype=resource-instance", INST));
}

/* ---- 12: auth on */

static char *token_for(const char *user)
{
	return it_sso_token(sso, user);
}

static void sso_fail(const char *body)
{
	char url[300];
	snprintf(url, sizeof(url), "%s/__fake/fail", sso);
	CU_ASSERT_EQUAL(denv_call("POST", url, body, NULL, NULL), 200);
}

/* How many requests the SSO fake's failure rule has failed. */
static int sso_fail_hits(void)
{
	char url[300], *body = NULL;
	snprintf(url, sizeof(url), "%s/__fake/state", sso);
	denv_call("GET", url, NULL, NULL, &body);
	json_object *st = body ? json_tokener_parse(body) : NULL;
	int hits = json_object_get_int(js_get(js_get(st, "fail"), "hits"));
	json_object_put(st);
	free(body);
	return hits;
}

/* The role of user in SSO group g ("admin", "" for normal), or NULL when
 * not a direct member / no such group. */
static char *sso_role(const char *group, const char *user)
{
	char url[300], *body = NULL, *role = NULL;
	snprintf(url, sizeof(url), "%s/api/groups/%s", sso, group);
	if (denv_call("GET", url, NULL, NULL, &body) == 200) {
		json_object *g = json_tokener_parse(body);
		json_object *m = js_find(js_get(g, "members"), "name", user);
		if (m)
			role = strdup(js_str(m, "role"));
		json_object_put(g);
	}
	free(body);
	return role;
}

static void test_auth_instance_group(void)
{
	CU_ASSERT_EQUAL_FATAL(it_auth_on(sso), 0);
	char *alice = token_for("alice"), *carol = token_for("carol");
	CU_ASSERT_EQUAL(denv_reposit(alice, "rauth"), 201);
	CU_ASSERT_EQUAL(denv_deploy(alice, "rauth", 202), 202);
	CU_ASSERT_EQUAL(it_call_as(alice, "POST", "/api/v1/repos/rauth/maintainers/",
				"{\"username\":\"bob\",\"role\":\"normal\"}", 200), 200);

	CU_ASSERT_EQUAL(denv_reposit(carol, "webe"), 201);
	CU_ASSERT_EQUAL(denv_deploy(carol, "webe", 202), 202);
	denv_settle();
	CU_ASSERT(fake_has_pg("resource.rauth.webe.worker.rauth"));

	const char *g = GROUP("resource-rauth-webe");
	char *rc = sso_role(g, "carol"), *rb = sso_role(g, "bob"), *ra = sso_role(g, "alice");
	fprintf(stderr, "\n  %s: carol %s, bob %s, alice %s\n", g, rc ? rc : "-", rb ? rb : "-",
		ra ? ra : "-");
	CU_ASSERT(rc && !strcmp(rc, "admin"));
	CU_ASSERT(rb && (!strcmp(rb, "") || !strcmp(rb, "normal")));
	CU_ASSERT(ra && !strcmp(ra, "admin"));
	free(rc);
	free(rb);
	free(ra);
	/* carol may see the instance she caused. */
	CU_ASSERT_EQUAL(it_call_as(carol, "GET", "/api/v1/apps/resource.rauth.webe/", NULL, 200), 200);
	free(alice);
	free(carol);
}

static void test_auth_group_failure(void)
{
	char *carol = token_for("carol");
	CU_ASSERT_EQUAL(denv_reposit(carol, "webf"), 201);
	denv_settle();
	sso_fail("{\"mode\": \"error500\", \"path\": \"/api/groups\", \"count\": -1}");
	it_response_t r;
	CU_ASSERT_EQUAL(it_req_as(carol, "POST", "/api/v1/apps/", "{\"appname\":\"webf\"}", &r), 406);
	fprintf(stderr, "\n  webf: %ld %s\n", r.status, it_msg(&r));
	it_response_free(&r);
	CU_ASSERT(sso_fail_hits() > 0);
	sso_fail("{\"mode\": \"none\"}");
	CU_ASSERT_EQUAL(it_call_as(carol, "GET", "/api/v1/repos/resource.rauth.webf/", NULL, 404), 404);
	denv_settle();
	CU_ASSERT_EQUAL(denv_count("resource.rauth.webf."), 0);
	CU_ASSERT_EQUAL(denv_count("webf."), 0);

	/* SSO back: the same deploy goes through. */
	CU_ASSERT_EQUAL(denv_deploy(carol, "webf", 202), 202);
	CU_ASSERT_EQUAL(it_call_as(carol, "GET", "/api/v1/repos/resource.rauth.webf/", NULL, 200), 200);
	char *role = sso_role(GROUP("resource-rauth-webf"), "carol");
	CU_ASSERT(role && !strcmp(role, "admin"));
	free(role);
	free(carol);
}

static CU_TestInfo tests[] = {
	{ "1 client before its resource is deployed: 406", test_resource_not_deployed },
	{ "2 resource app: stored only, not deletable", test_resource_deploy },
	{ "3 client deploy creates the instance; views", test_client_deploy },
	{ "11 per-app system volumes", test_system_volumes },
	{ "4 instance PUT: version's template, 400, default", test_instance_update },
	{ "5 client update, same context: instance untouched", test_client_update_same_context },
	{ "6 client update, new context: instance redeployed", test_client_update_new_context },
	{ "7 client drops the resource: instance removed", test_client_drops_resource },
	{ "8 client uses it again: instance back", test_client_uses_again },
	{ "9 instance failure stops the client", test_instance_failure },
	{ "10 client delete removes the instance", test_client_delete },
	{ "12 auth: the instance's group copies members", test_auth_instance_group },
	{ "12 auth: SSO refusing the group leaves nothing", test_auth_group_failure },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "resources", NULL, NULL, NULL, NULL, tests },
	CU_SUITE_INFO_NULL,
};

static int sso_up(void)
{
	snprintf(seed_file, sizeof(seed_file), "/tmp/it-res-seed-XXXXXX");
	int fd = mkstemp(seed_file);
	if (fd < 0)
		return -1;
	FILE *f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		return -1;
	}
	fputs(SEED, f);
	fclose(f);
	return it_sso_up(seed_file, sso, sizeof(sso));
}

static void unlink_seed(void)
{
	if (seed_file[0])
		unlink(seed_file);
}

int main(void)
{
	const denv_image_t images[] = {
		{ "rdb", V(1), RES_YAML("rdb", "redis-server"), NULL },
		{ "webc", V(1), CLIENT_YAML("webc", "rdb", "2gb"), NULL },
		{ "webd", V(1), CLIENT_YAML("webd", "rdb", "2gb"), NULL },
		{ "rauth", V(1), RES_YAML("rauth", "redis-server"), NULL },
		{ "webe", V(1), CLIENT_YAML("webe", "rauth", "2gb"), NULL },
		{ "webf", V(1), CLIENT_YAML("webf", "rauth", "2gb"), NULL },
	};
	const denv_suite_t suite = { .name = "it_deploy_resources", .images = images,
				     .nimages = ARRAY_SIZE(images), .stack_args = "--workers 2",
				     .before = sso_up, .cleanup = unlink_seed, .suites = suites };
	return denv_main(&suite);
}
