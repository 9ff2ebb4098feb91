/* Pod status shared across viewers (issue 17): concurrent GET /apps/ of
 * one host ask deployd once per podgroup, and a change of an app through
 * the console makes its next read fresh. Checked on what the deployd
 * stand-in logged (its call log), never on durations. */
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

#define V1 "1524455981-f478328a58bc9725c19030e7663e2ee3fa87b021"
#define YAML(app)                                                                             \
	"appname: " app "\nbuild:\n  base: golang\nweb:\n  cmd: /hello\n  port: 80\n"          \
	"worker.bg:\n  cmd: /bg\n"

#define VIEWERS 8

/* GETs of podgroup pg in the stand-in's call log (since it was cleared);
 * the seq of the last one in *last (0: none). */
static int pg_gets(const char *pg, long *last)
{
	char *body = NULL;
	int n = 0;
	*last = 0;
	if (denv_fake("GET", "/__fake/calls", NULL, &body) != 200) {
		free(body);
		return -1;
	}
	json_object *doc = json_tokener_parse(body);
	json_object *calls = js_get(doc, "calls");
	char want[300];
	snprintf(want, sizeof(want), "name=%s&", pg);
	for (size_t i = 0; i < js_len(calls); i++) {
		json_object *c = js_at(calls, i);
		if (!strcmp(js_str(c, "method"), "GET") &&
		    !strcmp(js_str(c, "path"), "/api/podgroups") &&
		    strstr(js_str(c, "query"), want)) {
			n++;
			*last = (long)json_object_get_int64(js_get(c, "seq"));
		}
	}
	json_object_put(doc);
	free(body);
	return n;
}

/* The seq of the last call of method whose path starts with path (0: none). */
static long last_call(const char *method, const char *path)
{
	char *body = NULL;
	long seq = 0;
	denv_fake("GET", "/__fake/calls", NULL, &body);
	json_object *doc = json_tokener_parse(body ? body : "{}");
	json_object *calls = js_get(doc, "calls");
	for (size_t i = 0; i < js_len(calls); i++) {
		json_object *c = js_at(calls, i);
		if (!strcmp(js_str(c, "method"), method) && !strncmp(js_str(c, "path"), path, strlen(path)))
			seq = (long)json_object_get_int64(js_get(c, "seq"));
	}
	json_object_put(doc);
	free(body);
	return seq;
}

/* numinstances of proc in the App object app (-1 when absent). */
static long numinstances(json_object *app, const char *proc)
{
	json_object *procs = js_get(app, "procs");
	for (size_t i = 0; i < js_len(procs); i++)
		if (!strcmp(js_str(js_at(procs, i), "procname"), proc))
			return (long)json_object_get_int64(js_get(js_at(procs, i), "numinstances"));
	return -1;
}

static void test_setup(void)
{
	const char *apps[] = { "viewed", "looked" };
	for (size_t i = 0; i < ARRAY_SIZE(apps); i++) {
		CU_ASSERT_EQUAL(denv_reposit(NULL, apps[i]), 201);
		CU_ASSERT_EQUAL(denv_deploy(NULL, apps[i], 202), 202);
		it_response_t r;
		CU_ASSERT(denv_wait_healthy(apps[i], &r));
		it_response_free(&r);
	}
}

/* One viewer: GET /api/v1/apps/, 0 when it answered 200 with both apps
 * healthy (their pods came from the one shared fetch). */
static int viewer(void)
{
	it_response_t r;
	long st = it_req("GET", "/api/v1/apps/", NULL, &r);
	int healthy = 0;
	json_object *list = it_payload(&r, "apps");
	for (size_t i = 0; i < js_len(list); i++)
		healthy += denv_healthy(js_at(list, i));
	it_response_free(&r);
	return st == 200 && healthy == 2 ? 0 : 1;
}

/* VIEWERS processes running one (0: it saw what it wanted) at once while
 * deployd answers podgroup reads slowly, with the stand-in's call log
 * cleared first: they all come while the first fetch is in flight and wait
 * for it. How many of them saw what they wanted. */
static int viewers(int (*one)(void))
{
	CU_ASSERT_EQUAL(denv_fake("POST", "/__fake/fail",
				  "{\"mode\": \"slow\", \"match\": \"/api/podgroups\", \"method\": "
				  "\"GET\", \"count\": -1, \"delay\": 1.5}",
				  NULL),
			200);
	denv_fake("DELETE", "/__fake/calls", NULL, NULL);
	pid_t kids[VIEWERS];
	for (int i = 0; i < VIEWERS; i++) {
		kids[i] = fork();
		if (kids[i] == 0)
			_exit(one());
	}
	int ok = 0;
	for (int i = 0; i < VIEWERS; i++) {
		int status;
		waitpid(kids[i], &status, 0);
		ok += WIFEXITED(status) && WEXITSTATUS(status) == 0;
	}
	denv_fake("POST", "/__fake/fail", "{\"mode\": \"none\"}", NULL);
	return ok;
}

static void test_viewers_share_one_fetch(void)
{
	/* What the deploys' polls fetched is out of the window by now (a
	 * second and more of the monotonic clock). */
	it_sleep_ms(1100);
	CU_ASSERT_EQUAL(viewers(viewer), VIEWERS);
	const char *pgs[] = { "viewed.web.web", "viewed.worker.bg", "looked.web.web",
			      "looked.worker.bg" };
	for (size_t i = 0; i < ARRAY_SIZE(pgs); i++) {
		long last;
		int n = pg_gets(pgs[i], &last);
		fprintf(stderr, "%d viewers: %d GETs of %s at deployd\n", VIEWERS, n, pgs[i]);
		CU_ASSERT_EQUAL(n, 1);
	}
}

static void test_write_then_fresh_read(void)
{
	it_response_t r;
	CU_ASSERT_EQUAL(it_req("GET", "/api/v1/apps/viewed/", NULL, &r), 200);
	CU_ASSERT_EQUAL(numinstances(it_payload(&r, "app"), "web"), 1);
	it_response_free(&r);
	/* A change through the console: deployd's spec says 2 at once (the
	 * stand-in sets NumInstances when it accepts the call). */
	CU_ASSERT_EQUAL(it_call("PATCH", "/api/v1/apps/viewed/procs/web/", "{\"num_instances\": 2}",
				202),
			202);
	long patched = last_call("PATCH", "/api/podgroups");
	CU_ASSERT(patched > 0);
	/* The next read, on whichever worker, asks deployd again and shows it. */
	CU_ASSERT_EQUAL(it_req("GET", "/api/v1/apps/viewed/", NULL, &r), 200);
	CU_ASSERT_EQUAL(numinstances(it_payload(&r, "app"), "web"), 2);
	it_response_free(&r);
	long last;
	CU_ASSERT(pg_gets("viewed.web.web", &last) >= 1);
	CU_ASSERT(last > patched);
	/* The listing too, for every one of several reads in a row. */
	for (int i = 0; i < 4; i++) {
		CU_ASSERT_EQUAL(it_req("GET", "/api/v1/apps/", NULL, &r), 200);
		json_object *list = it_payload(&r, "apps");
		for (size_t k = 0; k < js_len(list); k++)
			if (!strcmp(js_str(js_at(list, k), "appname"), "viewed"))
				CU_ASSERT_EQUAL(numinstances(js_at(list, k), "web"), 2);
		it_response_free(&r);
	}
}

/* One viewer of app viewed while it converges: 0 when it answered 200
 * showing web's 3 instances. */
static int converging_viewer(void)
{
	it_response_t r;
	long st = it_req("GET", "/api/v1/apps/viewed/", NULL, &r);
	long n = st == 200 ? numinstances(it_payload(&r, "app"), "web") : -1;
	it_response_free(&r);
	return n == 3 ? 0 : 1;
}

static void test_converging_not_kept(void)
{
	it_response_t r;
	CU_ASSERT(denv_wait_healthy("viewed", &r));
	it_response_free(&r);
	/* The stand-in schedules nothing: the pod a scale adds stays pending,
	 * deployd's spec wants 3 where 2 run. */
	CU_ASSERT_EQUAL(denv_fake("POST", "/__fake/config", "{\"paused\": true}", NULL), 200);
	CU_ASSERT_EQUAL(it_call("PATCH", "/api/v1/apps/viewed/procs/web/", "{\"num_instances\": 3}",
				202),
			202);
	/* A client polling until every pod is "True" (lain-cli after a
	 * change): every poll asks deployd, none gets an answer kept from
	 * an earlier one. */
	denv_fake("DELETE", "/__fake/calls", NULL, NULL);
	for (int i = 0; i < 3; i++) {
		CU_ASSERT_EQUAL(it_req("GET", "/api/v1/apps/viewed/", NULL, &r), 200);
		json_object *app = it_payload(&r, "app");
		CU_ASSERT_EQUAL(numinstances(app, "web"), 3);
		CU_ASSERT_FALSE(denv_healthy(app));
		it_response_free(&r);
	}
	long last;
	CU_ASSERT_EQUAL(pg_gets("viewed.web.web", &last), 3);
	/* Concurrent viewers still share the fetch in flight. */
	CU_ASSERT_EQUAL(viewers(converging_viewer), VIEWERS);
	int n = pg_gets("viewed.web.web", &last);
	fprintf(stderr, "%d viewers of a converging app: %d GETs of viewed.web.web\n", VIEWERS, n);
	CU_ASSERT_EQUAL(n, 1);
	/* Scheduled again: it settles, and the polls see it. */
	CU_ASSERT_EQUAL(denv_fake("POST", "/__fake/config", "{\"paused\": false}", NULL), 200);
	CU_ASSERT(denv_wait_healthy("viewed", &r));
	CU_ASSERT_EQUAL(numinstances(it_payload(&r, "app"), "web"), 3);
	it_response_free(&r);
}

/* The App object of app in a listing (a new reference), NULL if absent. */
static json_object *listed(const char *app)
{
	it_response_t r;
	json_object *found = NULL;
	if (it_req("GET", "/api/v1/apps/", NULL, &r) == 200) {
		json_object *list = it_payload(&r, "apps");
		for (size_t k = 0; k < js_len(list) && !found; k++)
			if (!strcmp(js_str(js_at(list, k), "appname"), app))
				found = json_object_get(js_at(list, k));
	}
	it_response_free(&r);
	return found;
}

/* What a proc object takes from lain.yaml, whatever deployd says. */
static const char *const from_yaml[] = { "procname", "proctype", "persistentdirs", "dnssearchs",
					 "ports", "mountpoints", "httpsonly", "user", "workingdir",
					 "entrypoint", "cmd", "envs", "logs", "url" };

static bool same_yaml_fields(json_object *a, json_object *b)
{
	json_object *pa = js_get(a, "procs"), *pb = js_get(b, "procs");
	if (js_len(pa) != js_len(pb) || js_len(pa) == 0)
		return false;
	for (size_t i = 0; i < js_len(pa); i++)
		for (size_t f = 0; f < ARRAY_SIZE(from_yaml); f++) {
			const char *x = json_object_to_json_string(js_get(js_at(pa, i), from_yaml[f]));
			const char *y = json_object_to_json_string(js_get(js_at(pb, i), from_yaml[f]));
			if (strcmp(x, y)) {
				fprintf(stderr, "\n  %s: %s, then %s", from_yaml[f], x, y);
				return false;
			}
		}
	return true;
}

/* A worker keeps, for an app whose App object it keeps as text, only what
 * a listing reads before rendering (the procs' names and podgroups); when
 * a status changes it renders the app again from its record. Every field
 * that comes from lain.yaml is the same then, on every worker. */
static void test_rendered_again_whole(void)
{
	/* Every worker lists (and keeps) the apps. */
	for (int i = 0; i < 40; i++)
		json_object_put(listed("looked"));
	json_object *before = listed("looked");
	CU_ASSERT_FATAL(before != NULL);
	CU_ASSERT_EQUAL(numinstances(before, "web"), 1);
	/* deployd answers 500 for looked's web from now on: a new status, so
	 * each worker renders the app again once its shared answer expires. */
	CU_ASSERT_EQUAL(denv_fake("POST", "/__fake/fail",
				  "{\"mode\": \"error500\", \"match\": \"/api/podgroups\", "
				  "\"query\": \"name=looked.web.web\", \"count\": -1}",
				  NULL),
			200);
	int changed = 0, whole = 0;
	for (int i = 0; i < 300 && changed < 40; i++) {
		json_object *now = listed("looked");
		json_object *web = NULL, *procs = js_get(now, "procs");
		for (size_t k = 0; k < js_len(procs); k++)
			if (!strcmp(js_str(js_at(procs, k), "procname"), "web"))
				web = js_at(procs, k);
		if (web && js_len(js_get(web, "pods")) == 0) {
			changed++;
			whole += same_yaml_fields(before, now) && numinstances(now, "web") == 1;
		} else {
			it_sleep_ms(20);
		}
		json_object_put(now);
	}
	CU_ASSERT_EQUAL(changed, 40);
	CU_ASSERT_EQUAL(whole, changed);
	CU_ASSERT_EQUAL(denv_fake("POST", "/__fake/fail", "{\"mode\": \"none\"}", NULL), 200);
	json_object_put(before);
}

static CU_TestInfo tests[] = {
	{ "two apps deployed", test_setup },
	{ "concurrent viewers: one deployd call per podgroup", test_viewers_share_one_fetch },
	{ "a write, then a read: fresh status", test_write_then_fresh_read },
	{ "an app converging: every poll asks deployd", test_converging_not_kept },
	{ "a kept app rendered again shows all of its lain.yaml", test_rendered_again_whole },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "pod status shared", NULL, NULL, NULL, NULL, tests },
	CU_SUITE_INFO_NULL,
};

/* The product's default window (the harness turns it off for the other
 * suites). */
static int share(void)
{
	setenv("CONSOLE_PODSTATUS_TTL_MS", "1000", 1);
	return 0;
}

int main(void)
{
	const denv_image_t images[] = {
		{ "viewed", V1, YAML("viewed"), NULL },
		{ "looked", V1, YAML("looked"), NULL },
	};
	const denv_suite_t suite = { .name = "it_podstatus", .images = images,
				     .nimages = ARRAY_SIZE(images), .stack_args = "--workers 10",
				     .before = share, .suites = suites };
	return denv_main(&suite);
}
