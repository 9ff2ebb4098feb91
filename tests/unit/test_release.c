/* Issue 13's pure parts: the field-level diff of a plan (plandiff) and the
 * health gate's judgement of a podgroup status (deployd_health). */
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "console/deployd.h"
#include "console/plandiff.h"
#include "testlib.h"

static json_object *parse(const char *text)
{
	json_object *o = json_tokener_parse(text);
	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	return o;
}

/* ---- plandiff */

static void test_diff_nothing(void)
{
	json_object *from = parse("{\"Name\": \"a.web.web\", \"Version\": 3, \"NumInstances\": 2,"
				  " \"Pod\": {\"Containers\": [{\"Image\": \"r/a:1\", \"Name\": \"x\","
				  " \"Env\": [\"A=1\"]}], \"CreateAt\": \"t\"}}");
	json_object *to = parse("{\"Name\": \"a.web.web\", \"NumInstances\": 2, \"Pod\":"
				" {\"Containers\": [{\"Image\": \"r/a:1\", \"Env\": [\"A=1\"]}]}}");
	json_object *d = plandiff(from, to);
	/* deployd's own keys (Version, CreateAt, a container's Name) are not differences. */
	CU_ASSERT_EQUAL(json_object_array_length(d), 0);
	json_object_put(d);
	json_object_put(from);
	json_object_put(to);
}

static void test_diff_paths(void)
{
	json_object *from = parse("{\"NumInstances\": 1, \"Pod\": {\"Containers\": [{\"Image\": "
				  "\"r/a:1\", \"Env\": [\"A=1\", \"B=2\"], \"MemoryLimit\": 33554432}],"
				  " \"Annotation\": \"{}\"}}");
	json_object *to = parse("{\"NumInstances\": 3, \"Pod\": {\"Containers\": [{\"Image\": "
				"\"r/a:2\", \"Env\": [\"A=1\"], \"MemoryLimit\": 33554432, \"Command\":"
				" [\"/x\"]}], \"Annotation\": \"{}\"}}");
	json_object *d = plandiff(from, to);
	CU_ASSERT_EQUAL_FATAL(json_object_array_length(d), 4);
	const char *paths[] = { "NumInstances", "Pod.Containers[0].Image", "Pod.Containers[0].Env",
				"Pod.Containers[0].Command" };
	for (size_t i = 0; i < 4; i++) {
		json_object *c = json_object_array_get_idx(d, i), *p;
		CU_ASSERT(json_object_object_get_ex(c, "path", &p));
		CU_ASSERT_STRING_EQUAL(json_object_get_string(p), paths[i]);
	}
	json_object *c = json_object_array_get_idx(d, 1), *f, *t;
	json_object_object_get_ex(c, "from", &f);
	json_object_object_get_ex(c, "to", &t);
	CU_ASSERT_STRING_EQUAL(json_object_get_string(f), "r/a:1");
	CU_ASSERT_STRING_EQUAL(json_object_get_string(t), "r/a:2");
	/* An array of strings is one value; a key deployd lacks is from null. */
	json_object_object_get_ex(json_object_array_get_idx(d, 3), "from", &f);
	CU_ASSERT_PTR_NULL(f);
	json_object_put(d);
	json_object_put(from);
	json_object_put(to);
}

static void test_diff_create_and_zero(void)
{
	json_object *to = parse("{\"Name\": \"a.web.web\", \"Pod\": {\"LogConfig\": null, \"X\": 1}}");
	json_object *d = plandiff(NULL, to);
	/* Nothing runs: every value of to, from null (LogConfig null = null). */
	CU_ASSERT_EQUAL(json_object_array_length(d), 2);
	json_object_put(d);
	/* null sent, Go's zero struct given back: no change. */
	json_object *from = parse("{\"Name\": \"a.web.web\", \"Pod\": {\"LogConfig\": {\"Type\": \"\","
				  " \"Config\": null}, \"X\": 1}}");
	d = plandiff(from, to);
	CU_ASSERT_EQUAL(json_object_array_length(d), 0);
	json_object_put(d);
	json_object_put(from);
	from = parse("{\"Name\": \"a.web.web\", \"Pod\": {\"LogConfig\": {\"Type\": \"json-file\"}, "
		     "\"X\": 1}}");
	d = plandiff(from, to);
	CU_ASSERT_EQUAL(json_object_array_length(d), 1);
	json_object_put(d);
	json_object_put(from);
	json_object_put(to);
}

/* ---- deployd_health */

/* A pod of instance i: version v, running or not, extra fields. */
static void pod(char *out, size_t len, int i, int v, bool running, const char *id,
		const char *extra)
{
	snprintf(out, len,
		 "{\"InstanceNo\": %d, \"Healthst\": 0, \"State\": 2, \"TargetState\": 0, "
		 "\"RestartCount\": 0, \"Containers\": [{\"Id\": \"%s\", \"Runtime\": {\"State\": "
		 "{\"Running\": %s, \"Status\": \"%s\", \"ExitCode\": 0}, \"Config\": {\"Image\": "
		 "\"r/a:1\", \"Labels\": {\"cc.bdp.lain.deployd.version\": \"%d\"}}}}]%s}",
		 i, id, running ? "true" : "false", running ? "running" : "", v, extra ? extra : "");
}

static json_object *status(int version, int n, const char *p1, const char *p2)
{
	char text[4096];
	snprintf(text, sizeof(text),
		 "{\"Spec\": {\"NumInstances\": %d, \"Pod\": {\"Version\": %d, \"Containers\": "
		 "[{\"Image\": \"r/a:1\"}]}}, \"Pods\": [%s%s%s]}",
		 n, version, p1 ? p1 : "", p2 ? "," : "", p2 ? p2 : "");
	return parse(text);
}

static enum deployd_health judge(json_object *st, json_object *seen, char *why)
{
	enum deployd_health h = deployd_health(st, seen, why, 200);
	json_object_put(st);
	return h;
}

static void test_health(void)
{
	char a[1024], b[1024], why[200];
	json_object *seen = json_object_new_object();
	pod(a, sizeof(a), 1, 2, true, "c1", NULL);
	pod(b, sizeof(b), 2, 2, true, "c2", NULL);
	CU_ASSERT_EQUAL(judge(status(2, 2, a, b), seen, why), DEPLOYD_HEALTHY);
	CU_ASSERT_STRING_EQUAL(why, "2 of 2 pods running");
	/* One short, or one of the old version: starting. */
	CU_ASSERT_EQUAL(judge(status(2, 2, a, NULL), seen, why), DEPLOYD_STARTING);
	CU_ASSERT_STRING_EQUAL(why, "1 of 2 pods running");
	pod(b, sizeof(b), 2, 1, true, "old", NULL);
	CU_ASSERT_EQUAL(judge(status(2, 2, a, b), seen, why), DEPLOYD_STARTING);
	/* Not started yet (no container): starting, not failed. */
	pod(b, sizeof(b), 2, 2, false, "", NULL);
	CU_ASSERT_EQUAL(judge(status(2, 2, a, b), seen, why), DEPLOYD_STARTING);
	/* No pods at all yet. */
	CU_ASSERT_EQUAL(judge(parse("{\"Spec\": {\"NumInstances\": 1, \"Pod\": {\"Version\": 0}},"
				    " \"Pods\": null}"),
			      seen, why),
			DEPLOYD_STARTING);
	CU_ASSERT_STRING_EQUAL(why, "0 of 1 pods running");
	json_object_put(seen);
}

static void test_health_failures(void)
{
	char a[1024], b[1024], why[200];
	json_object *seen = json_object_new_object();
	pod(a, sizeof(a), 1, 2, true, "c1", NULL);
	/* Exited while meant to run. */
	pod(b, sizeof(b), 2, 2, false, "c2", ", \"State\": 3");
	CU_ASSERT_EQUAL(judge(status(2, 2, a, b), seen, why), DEPLOYD_FAILED);
	CU_ASSERT_STRING_EQUAL(why, "pod 2 exited with code 0");
	/* Unhealthy. */
	pod(b, sizeof(b), 2, 2, true, "c2", ", \"Healthst\": 3");
	CU_ASSERT_EQUAL(judge(status(2, 2, a, b), seen, why), DEPLOYD_FAILED);
	CU_ASSERT_STRING_EQUAL(why, "pod 2 is unhealthy");
	/* Restarted since the change: above what seen holds. */
	pod(b, sizeof(b), 2, 2, true, "c2", ", \"RestartCount\": 2");
	CU_ASSERT_EQUAL(judge(status(2, 2, a, b), seen, why), DEPLOYD_FAILED);
	CU_ASSERT_STRING_EQUAL(why, "pod 2 restarted 2 times");
	json_object *before = status(2, 2, a, b);
	deployd_health_seen(before, seen);
	json_object_put(before);
	CU_ASSERT_EQUAL(judge(status(2, 2, a, b), seen, why), DEPLOYD_HEALTHY);
	/* A stopped pod of an old version does not count against the new one. */
	pod(b, sizeof(b), 2, 1, false, "c9", ", \"State\": 3");
	CU_ASSERT_EQUAL(judge(status(2, 2, a, b), seen, why), DEPLOYD_STARTING);
	json_object_put(seen);
}

static CU_TestInfo diff_tests[] = {
	{ "deployd's own keys are no change", test_diff_nothing },
	{ "paths, arrays as one value", test_diff_paths },
	{ "create; Go's zero struct for null", test_diff_create_and_zero },
	CU_TEST_INFO_NULL,
};

static CU_TestInfo health_tests[] = {
	{ "healthy and starting", test_health },
	{ "exited, unhealthy, restarted", test_health_failures },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "plandiff", NULL, NULL, NULL, NULL, diff_tests },
	{ "deployd_health", NULL, NULL, NULL, NULL, health_tests },
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return test_main(suites);
}
