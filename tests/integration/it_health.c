/* Health-gated changes through the real stack (issue 13): "wait": "healthy"
 * on POST /apps/, PUT /apps/<a>/, PATCH .../procs/<p>/ and POST
 * .../rollback/. The deployd stand-in is told that pods of a version never
 * start, exit, keep restarting or fail their health check (its pod fates);
 * the console rolls back to the release before (or, with on_failure keep,
 * leaves the failed one), and a worker killed while it waits leaves the
 * release pending until the next change marks it failed. Everything is
 * checked on what the stand-ins and etcd recorded, never on durations. */
#include <inttypes.h>
#include <signal.h>
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
	"worker.bg:\n  cmd: /bg\n"

/* release id of app's field key, as a string (static buffer). */
static const char *release_str(const char *app, int64_t id, const char *key)
{
	static char out[1024];
	json_object *list = denv_releases(app);
	snprintf(out, sizeof(out), "(no release %" PRId64 ")", id);
	for (size_t i = 0; i < js_len(list); i++)
		if (json_object_get_int64(js_get(js_at(list, i), "id")) == id)
			snprintf(out, sizeof(out), "%s", js_str(js_at(list, i), key));
	json_object_put(list);
	return out;
}

static void fate(const char *image, const char *what, const char *after)
{
	char body[256];
	snprintf(body, sizeof(body), "{\"image\": \"%s\", \"fate\": \"%s\"%s%s}", image, what,
		 after ? ", \"after\": " : "", after ? after : "");
	CU_ASSERT_EQUAL(denv_fake("POST", "/__fake/pods", body, NULL), 200);
}

/* The image deployd's spec of podgroup pg runs (static buffer). */
static const char *pg_image(const char *pg)
{
	static char out[512];
	json_object *spec = denv_pg_spec(pg);
	snprintf(out, sizeof(out), "%s", js_str(denv_container0(spec), "Image"));
	json_object_put(spec);
	return out;
}

static void test_healthy(void)
{
	it_response_t r;
	CU_ASSERT_EQUAL(denv_reposit(NULL, "gate"), 201);
	CU_ASSERT_EQUAL(it_req("POST", "/api/v1/apps/",
			       "{\"appname\": \"gate\", \"wait\": \"healthy\", \"timeout\": 60}", &r),
			200);
	CU_ASSERT_STRING_EQUAL(it_msg(&r), "deploy request of app gate has been accepted.");
	json_object *rel = it_payload(&r, "release");
	CU_ASSERT_STRING_EQUAL(js_str(rel, "state"), "succeeded");
	CU_ASSERT_STRING_EQUAL(js_str(rel, "op"), "deploy");
	/* Answered healthy: the App it carries is so, by lain-cli's rule. */
	CU_ASSERT(denv_healthy(it_payload(&r, "app")));
	it_response_free(&r);
	CU_ASSERT_STRING_EQUAL(release_str("gate", 1, "state"), "succeeded");

	/* The query's form; a schedule that waits. */
	CU_ASSERT_EQUAL(it_req("PATCH", "/api/v1/apps/gate/procs/web/?wait=healthy&timeout=60",
			       "{\"num_instances\": 2}", &r),
			200);
	CU_ASSERT_STRING_EQUAL(js_str(it_payload(&r, "release"), "op"), "scale");
	CU_ASSERT_STRING_EQUAL(js_str(it_payload(&r, "release"), "state"), "succeeded");
	CU_ASSERT_EQUAL(js_len(js_get(it_payload(&r, "proc"), "pods")), 2);
	it_response_free(&r);
}

/* V2's pods never start: rolled back to release 2 (the scale of the first
 * deploy, which took the newest version, V3) and waited for. */
static void test_never_healthy_rolled_back(void)
{
	it_response_t r;
	CU_ASSERT_EQUAL(denv_settle(), 0);
	fate("release-" V(2), "pending", NULL);
	denv_fake("DELETE", "/__fake/calls", NULL, NULL);
	CU_ASSERT_EQUAL(it_req("PUT", "/api/v1/apps/gate/",
			       "{\"meta_version\": \"" V(2) "\", \"wait\": \"healthy\", \"timeout\": 3}",
			       &r),
			406);
	CU_ASSERT_STRING_EQUAL(it_msg(&r),
			       "web: 0 of 2 pods running after 3 s; rolled back to release 2");
	json_object *rel = it_payload(&r, "release");
	CU_ASSERT_EQUAL(json_object_get_int64(js_get(rel, "id")), 3);
	CU_ASSERT_STRING_EQUAL(js_str(rel, "state"), "rolled_back");
	CU_ASSERT_STRING_EQUAL(js_str(rel, "error"), "web: 0 of 2 pods running after 3 s");
	CU_ASSERT(json_object_is_type(js_get(r.json, "app"), json_type_null));
	it_response_free(&r);
	/* What is recorded: 3 rolled back, 4 the rollback to 2, healthy. */
	CU_ASSERT_STRING_EQUAL(release_str("gate", 3, "state"), "rolled_back");
	CU_ASSERT_STRING_EQUAL(release_str("gate", 4, "op"), "rollback");
	CU_ASSERT_STRING_EQUAL(release_str("gate", 4, "rollback_of"), "2");
	CU_ASSERT_STRING_EQUAL(release_str("gate", 4, "state"), "succeeded");
	CU_ASSERT(strstr(pg_image("gate.web.web"), "release-" V(3)) != NULL);
	CU_ASSERT_EQUAL(it_req("GET", "/api/v1/apps/gate/", NULL, &r), 200);
	CU_ASSERT_STRING_EQUAL(js_str(it_payload(&r, "app"), "metaversion"), V(3));
	CU_ASSERT(denv_healthy(it_payload(&r, "app")));
	it_response_free(&r);
	/* deployd was sent V2, then V3 again (a cmd=spec each way for web). */
	char *body = NULL;
	denv_fake("GET", "/__fake/calls", NULL, &body);
	json_object *j = json_tokener_parse(body ? body : "{}");
	int to_v2 = 0, back = 0;
	for (size_t i = 0; i < js_len(js_get(j, "calls")); i++) {
		json_object *c = js_at(js_get(j, "calls"), i);
		if (strcmp(js_str(c, "method"), "PATCH") || !strstr(js_str(c, "query"), "name=gate.web.web&cmd=spec"))
			continue;
		const char *img = js_str(js_at(js_get(js_get(c, "body"), "Containers"), 0), "Image");
		to_v2 += strstr(img, V(2)) != NULL;
		back += to_v2 && strstr(img, V(3)) != NULL;
	}
	CU_ASSERT_EQUAL(to_v2, 1);
	CU_ASSERT_EQUAL(back, 1);
	json_object_put(j);
	free(body);
}

/* on_failure keep: the failed release is left running, failed. */
static void test_keep(void)
{
	it_response_t r;
	CU_ASSERT_EQUAL(denv_settle(), 0);
	fate("release-" V(1), "exit", "0.5");
	CU_ASSERT_EQUAL(it_req("PUT", "/api/v1/apps/gate/?wait=healthy&on_failure=keep&timeout=30",
			       "{\"meta_version\": \"" V(1) "\"}", &r),
			406);
	CU_ASSERT_PREFIX(it_msg(&r), "web: pod ");
	CU_ASSERT(strstr(it_msg(&r), " exited with code 1") != NULL);
	CU_ASSERT(strstr(it_msg(&r), "rolled back") == NULL);
	CU_ASSERT_STRING_EQUAL(js_str(it_payload(&r, "release"), "state"), "failed");
	CU_ASSERT_EQUAL(json_object_get_int64(js_get(it_payload(&r, "release"), "id")), 5);
	it_response_free(&r);
	CU_ASSERT(strstr(pg_image("gate.web.web"), "release-" V(1)) != NULL);
	CU_ASSERT_EQUAL(it_req("GET", "/api/v1/apps/gate/", NULL, &r), 200);
	CU_ASSERT_STRING_EQUAL(js_str(it_payload(&r, "app"), "metaversion"), V(1));
	it_response_free(&r);
}

/* Restarting and unhealthy pods are failures too; a rollback that waits. */
static void test_other_fates(void)
{
	it_response_t r;
	CU_ASSERT_EQUAL(denv_settle(), 0);
	denv_fake("DELETE", "/__fake/pods", NULL, NULL);
	fate("release-" V(2), "restarting", "0.3");
	CU_ASSERT_EQUAL(it_req("PUT", "/api/v1/apps/gate/",
			       "{\"meta_version\": \"" V(2) "\", \"wait\": \"healthy\"}", &r),
			406);
	CU_ASSERT(strstr(it_msg(&r), " restarted ") != NULL);
	/* The newest succeeded release before it (6): 4, the rollback to 2 (5 failed). */
	CU_ASSERT(strstr(it_msg(&r), "; rolled back to release 4") != NULL);
	it_response_free(&r);
	CU_ASSERT_EQUAL(denv_settle(), 0);
	denv_fake("DELETE", "/__fake/pods", NULL, NULL);
	fate("release-" V(1), "unhealthy", NULL);
	CU_ASSERT_EQUAL(it_req("PUT", "/api/v1/apps/gate/",
			       "{\"meta_version\": \"" V(1) "\", \"wait\": \"healthy\"}", &r),
			406);
	CU_ASSERT_STRING_EQUAL(it_msg(&r), "web: pod 1 is unhealthy; rolled back to release 7");
	it_response_free(&r);
	CU_ASSERT_EQUAL(denv_settle(), 0);
	/* A rollback that waits: to release 1 (V3, 1 instance), healthy. */
	CU_ASSERT_EQUAL(it_req("POST", "/api/v1/apps/gate/rollback/",
			       "{\"release\": 1, \"wait\": \"healthy\"}", &r),
			200);
	CU_ASSERT_STRING_EQUAL(js_str(it_payload(&r, "release"), "state"), "succeeded");
	CU_ASSERT(denv_healthy(it_payload(&r, "app")));
	it_response_free(&r);
	denv_fake("DELETE", "/__fake/pods", NULL, NULL);
}

/* A first deploy has nothing to roll back to. */
static void test_first_deploy_unhealthy(void)
{
	it_response_t r;
	CU_ASSERT_EQUAL(denv_reposit(NULL, "gatefirst"), 201);
	fate("gatefirst:release-" V(1), "pending", NULL);
	CU_ASSERT_EQUAL(it_req("POST", "/api/v1/apps/",
			       "{\"appname\": \"gatefirst\", \"wait\": \"healthy\", \"timeout\": 2}",
			       &r),
			406);
	CU_ASSERT_STRING_EQUAL(it_msg(&r), "web: 0 of 1 pods running after 2 s; no earlier release "
					   "to roll back to");
	CU_ASSERT_STRING_EQUAL(js_str(it_payload(&r, "release"), "state"), "failed");
	it_response_free(&r);
	denv_fake("DELETE", "/__fake/pods", NULL, NULL);
}

static void test_bad_options(void)
{
	it_response_t r;
	const char *bodies[] = {
		"{\"wait\": \"yes\"}", "{\"wait\": true}", "{\"wait\": \"healthy\", \"timeout\": 0}",
		"{\"wait\": \"healthy\", \"timeout\": 601}", "{\"wait\": \"healthy\", \"timeout\": \"9\"}",
		"{\"wait\": \"healthy\", \"on_failure\": \"maybe\"}", "{\"timeout\": 9}",
		"{\"on_failure\": \"keep\"}",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bodies); i++) {
		CU_ASSERT_EQUAL(it_req("PUT", "/api/v1/apps/gate/", bodies[i], &r), 400);
		it_response_free(&r);
	}
	CU_ASSERT_EQUAL(it_req("PUT", "/api/v1/apps/gate/?wait=healthy&timeout=x", NULL, &r), 400);
	CU_ASSERT_STRING_EQUAL(it_msg(&r),
			       "invalid timeout x: should be an integer of seconds, 1 to 600");
	it_response_free(&r);
	CU_ASSERT_EQUAL(it_req("PUT", "/api/v1/apps/gate/?wait=healthy&dry_run=1", NULL, &r), 400);
	it_response_free(&r);
	/* Nothing of those was recorded. */
	json_object *list = denv_releases("gate");
	CU_ASSERT_STRING_EQUAL(js_str(js_at(list, 0), "op"), "rollback");
	json_object_put(list);
}

/* The pid of the worker holding app's deploy lock (0: none). */
static pid_t lock_holder(const char *app)
{
	char key[128], *value = NULL;
	snprintf(key, sizeof(key), "/lain/console/locks/%s", app);
	it_etcd_get(key, &value, NULL, NULL);
	json_object *j = value ? json_tokener_parse(value) : NULL;
	pid_t pid = (pid_t)json_object_get_int(js_get(j, "pid"));
	json_object_put(j);
	free(value);
	return pid;
}

/* The worker waiting for a release killed: the release stays pending, the
 * lock expires with its lease, the next change marks it failed. */
static void test_worker_killed(void)
{
	it_response_t r;
	CU_ASSERT_EQUAL(denv_reposit(NULL, "gatekill"), 201);
	CU_ASSERT_EQUAL(denv_deploy(NULL, "gatekill", 202), 202);
	CU_ASSERT_EQUAL(denv_settle(), 0);
	fate("gatekill:release-" V(2), "pending", NULL);
	pid_t child = fork();
	if (child == 0) {
		it_response_t cr;
		it_req("PUT", "/api/v1/apps/gatekill/",
		       "{\"meta_version\": \"" V(2) "\", \"wait\": \"healthy\", \"timeout\": 120}", &cr);
		fprintf(stderr, "\n  the waiting PUT got %ld\n", cr.status);
		_exit(cr.status == 502 ? 0 : 1);
	}
	CU_ASSERT_FATAL(child > 0);
	/* Until it waits: release 2 pending, the lock held by a worker. */
	pid_t holder = 0;
	for (int i = 0; i < 200 && !holder; i++) {
		if (!strcmp(release_str("gatekill", 2, "state"), "pending"))
			holder = lock_holder("gatekill");
		if (!holder)
			it_sleep_ms(50);
	}
	CU_ASSERT_FATAL(holder > 0);
	pid_t workers[64];
	int n = it_children(stack_pid("CONSOLE_PID"), workers, 64);
	bool ours = false;
	for (int i = 0; i < n; i++)
		ours |= workers[i] == holder;
	CU_ASSERT_FATAL(ours);
	CU_ASSERT_EQUAL(kill(holder, SIGKILL), 0);
	int st = 0;
	CU_ASSERT_EQUAL(waitpid(child, &st, 0), child);
	CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0); /* nginx: 502 */

	/* Nobody settled it: still pending, and the app locked until the
	 * lease (CONSOLE_LOCK_TTL 5 s here) expires. */
	CU_ASSERT_STRING_EQUAL(release_str("gatekill", 2, "state"), "pending");
	CU_ASSERT_EQUAL(it_req("PUT", "/api/v1/apps/gatekill/", "{\"meta_version\": \"" V(1) "\"}", &r),
			409);
	it_response_free(&r);
	long status = 409;
	for (int i = 0; i < 300 && status == 409; i++) {
		status = it_req("PUT", "/api/v1/apps/gatekill/", "{\"meta_version\": \"" V(1) "\"}",
				&r);
		it_response_free(&r);
		if (status == 409)
			it_sleep_ms(100);
	}
	CU_ASSERT_EQUAL(status, 202);
	CU_ASSERT_STRING_EQUAL(release_str("gatekill", 2, "state"), "failed");
	CU_ASSERT_PREFIX(release_str("gatekill", 2, "error"),
			 "the request waiting for this release ended before its outcome");
	CU_ASSERT_STRING_EQUAL(release_str("gatekill", 3, "state"), "succeeded");
	denv_fake("DELETE", "/__fake/pods", NULL, NULL);
}

/* running_state of app's record in etcd (static buffer). */
static const char *record_state(const char *app)
{
	static char out[64];
	char key[128], *value = NULL;
	snprintf(key, sizeof(key), "/lain/console/apps/%s", app);
	it_etcd_get(key, &value, NULL, NULL);
	json_object *j = value ? json_tokener_parse(value) : NULL;
	snprintf(out, sizeof(out), "%s", js_str(j, "running_state"));
	json_object_put(j);
	free(value);
	return out;
}

/* A worker killed in the middle of an update (deployd holding its PATCH):
 * the record stays "deploying" without an error, and once the lock is gone
 * the App says the deploy was interrupted, so lain-cli does not read it as
 * healthy (issue 14 #11); the next update clears it. */
static void test_worker_killed_mid_deploy(void)
{
	it_response_t r;
	CU_ASSERT_EQUAL(denv_reposit(NULL, "gatecut"), 201);
	CU_ASSERT_EQUAL(denv_deploy(NULL, "gatecut", 202), 202);
	CU_ASSERT_EQUAL(denv_settle(), 0);
	CU_ASSERT_EQUAL(denv_fake("POST", "/__fake/fail",
				  "{\"mode\": \"slow\", \"match\": \"/api/podgroups\", "
				  "\"method\": \"PATCH\", \"delay\": 60, \"count\": 1}",
				  NULL),
			200);
	pid_t child = fork();
	if (child == 0) {
		it_response_t cr;
		it_req("PUT", "/api/v1/apps/gatecut/", "{\"meta_version\": \"" V(2) "\"}", &cr);
		_exit(cr.status == 502 ? 0 : 1);
	}
	CU_ASSERT_FATAL(child > 0);
	/* Until the update is under way: the record "deploying", the lock held. */
	pid_t holder = 0;
	for (int i = 0; i < 200 && !holder; i++) {
		if (!strcmp(record_state("gatecut"), "deploying"))
			holder = lock_holder("gatecut");
		if (!holder)
			it_sleep_ms(50);
	}
	CU_ASSERT_FATAL(holder > 0);
	CU_ASSERT_EQUAL(kill(holder, SIGKILL), 0);
	int st = 0;
	CU_ASSERT_EQUAL(waitpid(child, &st, 0), child);
	CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0); /* nginx: 502 */
	CU_ASSERT_STRING_EQUAL(record_state("gatecut"), "deploying");

	/* Once the lease (5 s here) has taken the lock: the App says so. */
	const char *want = "the deploy of gatecut was interrupted: the request serving it ended";
	bool said = false;
	for (int i = 0; i < 300 && !said; i++) {
		CU_ASSERT_EQUAL(it_req("GET", "/api/v1/apps/gatecut/", NULL, &r), 200);
		said = !strncmp(js_str(it_payload(&r, "app"), "deployerror"), want, strlen(want));
		it_response_free(&r);
		if (!said)
			it_sleep_ms(100);
	}
	CU_ASSERT(said);
	/* ... in the list too */
	CU_ASSERT_EQUAL(it_req("GET", "/api/v1/apps/", NULL, &r), 200);
	json_object *apps = it_payload(&r, "apps");
	bool listed = false;
	for (size_t i = 0; i < json_object_array_length(apps); i++) {
		json_object *a = json_object_array_get_idx(apps, i);
		if (!strcmp(js_str(a, "appname"), "gatecut"))
			listed = !strncmp(js_str(a, "deployerror"), want, strlen(want));
	}
	CU_ASSERT(listed);
	it_response_free(&r);

	/* The next update runs and clears it. */
	denv_fake("POST", "/__fake/fail", "{\"mode\": \"none\"}", NULL);
	CU_ASSERT_EQUAL(it_req("PUT", "/api/v1/apps/gatecut/", "{\"meta_version\": \"" V(2) "\"}",
			       &r),
			202);
	it_response_free(&r);
	CU_ASSERT_EQUAL(it_req("GET", "/api/v1/apps/gatecut/", NULL, &r), 200);
	CU_ASSERT_STRING_EQUAL(js_str(it_payload(&r, "app"), "deployerror"), "");
	it_response_free(&r);
	CU_ASSERT_STRING_EQUAL(record_state("gatecut"), "deployed");
}

static CU_TestInfo tests[] = {
	{ "deploy and scale that wait: healthy, 200", test_healthy },
	{ "never healthy: rolled back, and waited for", test_never_healthy_rolled_back },
	{ "on_failure keep: left failed", test_keep },
	{ "restarting, unhealthy; a rollback that waits", test_other_fates },
	{ "a first deploy has nothing to roll back to", test_first_deploy_unhealthy },
	{ "bad wait, timeout, on_failure: 400", test_bad_options },
	{ "worker killed while waiting", test_worker_killed },
	{ "worker killed mid-deploy: the App says so", test_worker_killed_mid_deploy },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "health gate", NULL, NULL, NULL, NULL, tests },
	CU_SUITE_INFO_NULL,
};

/* A lock that outlives its dead holder 5 s, not 60: the killed worker's test. */
static int short_locks(void)
{
	setenv("CONSOLE_LOCK_TTL", "5", 1);
	return 0;
}

int main(void)
{
	const denv_image_t images[] = {
		{ "gate", V(1), YAML("gate"), NULL },
		{ "gate", V(2), YAML("gate"), NULL },
		{ "gate", V(3), YAML("gate"), NULL },
		{ "gatefirst", V(1), YAML("gatefirst"), NULL },
		{ "gatekill", V(1), YAML("gatekill"), NULL },
		{ "gatekill", V(2), YAML("gatekill"), NULL },
		{ "gatecut", V(1), YAML("gatecut"), NULL },
		{ "gatecut", V(2), YAML("gatecut"), NULL },
	};
	const denv_suite_t suite = { .name = "it_health", .images = images,
				     .nimages = ARRAY_SIZE(images), .stack_args = "--workers 3",
				     .before = short_locks, .suites = suites };
	return denv_main(&suite);
}
