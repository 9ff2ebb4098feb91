/* The deploy lifecycle's read endpoints through the real stack (nginx ->
 * lain-console -> etcd, the deployd stand-in, docker-registry): E18, E19,
 * E22, E24, and the REPOSIT row of E12. */
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
#include "testlib.h"

#define V(n) "152445598" #n "-f478328a58bc9725c19030e7663e2ee3fa87b02" #n
#define YAML "appname: hello\nbuild:\n  base: golang\nweb:\n  cmd: /hello\n"

static void assert_envelope(const it_response_t *r, const char *key, const char *url)
{
	CU_ASSERT_PTR_NOT_NULL_FATAL(r->json);
	CU_ASSERT_EQUAL(json_object_object_length(r->json), 3);
	CU_ASSERT_PTR_NOT_NULL(it_field(r, key));
	CU_ASSERT_PTR_NOT_NULL(it_field(r, "msg"));
	const char *u = it_field(r, "url");
	CU_ASSERT_PTR_NOT_NULL_FATAL(u);
	CU_ASSERT_STRING_EQUAL(u, url);
}

static void test_reposit_oplog(void)
{
	it_response_t r;
	CU_ASSERT_EQUAL(it_req("POST", "/api/v1/repos/", "{\"appname\":\"hello\"}", &r), 201);
	it_response_free(&r);

	CU_ASSERT_EQUAL(it_req("GET", "/api/v1/oplogs/hello/", NULL, &r), 200);
	assert_envelope(&r, "oplog", "/v1/oplogs/hello/");
	json_object *o = it_payload(&r, "oplog");
	/* archon: JSON.parse(data.oplog), then l.fields.* */
	CU_ASSERT_FATAL(json_object_is_type(o, json_type_string));
	json_object *rows = json_tokener_parse(json_object_get_string(o));
	CU_ASSERT_FATAL(json_object_is_type(rows, json_type_array));
	CU_ASSERT_EQUAL_FATAL(json_object_array_length(rows), 1);
	json_object *row = json_object_array_get_idx(rows, 0), *f, *x;
	CU_ASSERT(json_object_object_get_ex(row, "model", &x));
	CU_ASSERT_STRING_EQUAL(json_object_get_string(x), "oplog.oplog");
	CU_ASSERT(json_object_object_get_ex(row, "pk", &x) && json_object_is_type(x, json_type_int));
	CU_ASSERT_FATAL(json_object_object_get_ex(row, "fields", &f));
	CU_ASSERT(json_object_object_get_ex(f, "op", &x));
	CU_ASSERT_STRING_EQUAL(json_object_get_string(x), "REPOSIT");
	CU_ASSERT(json_object_object_get_ex(f, "user", &x));
	CU_ASSERT_STRING_EQUAL(json_object_get_string(x), "unknown");
	CU_ASSERT(json_object_object_get_ex(f, "app", &x));
	CU_ASSERT_STRING_EQUAL(json_object_get_string(x), "hello");
	CU_ASSERT(json_object_object_get_ex(f, "app_version", &x));
	CU_ASSERT_STRING_EQUAL(json_object_get_string(x), "");
	CU_ASSERT(json_object_object_get_ex(f, "time", &x));
	CU_ASSERT(strlen(json_object_get_string(x)) >= 20);
	json_object_put(rows);
	it_response_free(&r);

	/* Without the /api prefix too; unknown apps get the spec's 404. */
	CU_ASSERT_EQUAL(it_req("GET", "/v1/oplogs/hello/", NULL, &r), 200);
	it_response_free(&r);
	CU_ASSERT_EQUAL(it_req("GET", "/api/v1/oplogs/nothere/", NULL, &r), 404);
	CU_ASSERT_STRING_EQUAL(it_field(&r, "msg"),
			       "app with appname nothere not exist, has not been reposited yet");
	it_response_free(&r);
	CU_ASSERT_EQUAL(it_req("POST", "/api/v1/oplogs/hello/", "{}", &r), 405);
	it_response_free(&r);
}

static void test_versions_details(void)
{
	it_response_t r;
	CU_ASSERT_EQUAL(it_req("GET", "/api/v1/repos/hello/versions/", NULL, &r), 200);
	assert_envelope(&r, "version", "/v1/repos/hello/versions/");
	json_object *v = it_payload(&r, "version"), *x;
	CU_ASSERT(json_object_object_get_ex(v, "appname", &x));
	CU_ASSERT_STRING_EQUAL(json_object_get_string(x), "hello");
	CU_ASSERT(json_object_object_get_ex(v, "url", &x));
	CU_ASSERT_STRING_EQUAL(json_object_get_string(x), "/v1/repos/hello/versions/");
	CU_ASSERT_FATAL(json_object_object_get_ex(v, "tags", &x));
	CU_ASSERT_EQUAL_FATAL(json_object_array_length(x), 3);
	CU_ASSERT_STRING_EQUAL(json_object_get_string(json_object_array_get_idx(x, 0)), V(3));
	CU_ASSERT_STRING_EQUAL(json_object_get_string(json_object_array_get_idx(x, 1)), V(2));
	CU_ASSERT_STRING_EQUAL(json_object_get_string(json_object_array_get_idx(x, 2)), V(1));
	it_response_free(&r);

	/* Registered, but nothing pushed. */
	CU_ASSERT_EQUAL(it_req("POST", "/api/v1/repos/", "{\"appname\":\"empty\"}", &r), 201);
	it_response_free(&r);
	CU_ASSERT_EQUAL(it_req("GET", "/api/v1/repos/empty/versions/", NULL, &r), 404);
	CU_ASSERT_STRING_EQUAL(it_field(&r, "msg"),
			       "no avaible images for app empty:\nregistry has no images of "
			       "'empty'\nplease push images first.");
	CU_ASSERT_STRING_EQUAL(it_field(&r, "version"), "(null)");
	it_response_free(&r);
	CU_ASSERT_EQUAL(it_req("GET", "/api/v1/repos/nothere/versions/", NULL, &r), 404);
	it_response_free(&r);

	CU_ASSERT_EQUAL(it_req("GET", "/api/v1/repos/hello/details/", NULL, &r), 200);
	assert_envelope(&r, "detail", "/v1/repos/hello/details/");
	CU_ASSERT_STRING_EQUAL(json_object_to_json_string_ext(it_payload(&r, "detail"),
							       JSON_C_TO_STRING_PLAIN |
								       JSON_C_TO_STRING_NOSLASHESCAPE),
			       "{\"appname\":\"hello\",\"giturl\":\"\",\"meta_version\":\"\","
			       "\"url\":\"/v1/repos/hello/details/\"}");
	it_response_free(&r);
}

static void test_streamrouter_ports(void)
{
	it_response_t r;
	const char *url = "/v1/usedstreamrouterports";
	denv_fake("POST", "/__fake/reset", "{}", NULL);
	/* deployd's null (no ports yet) is an empty list (§9.5: not a 400). */
	CU_ASSERT_EQUAL(it_req("GET", "/api/v1/usedstreamrouterports", NULL, &r), 200);
	assert_envelope(&r, "streamrouter", url);
	json_object *p = it_payload(&r, "streamrouter");
	CU_ASSERT(json_object_is_type(p, json_type_array) && json_object_array_length(p) == 0);
	it_response_free(&r);

	const char *pg =
		"{\"Name\":\"hello.web.web\",\"Namespace\":\"hello\",\"NumInstances\":1,\"Pod\":"
		"{\"Name\":\"hello.web.web\",\"Namespace\":\"hello\",\"Containers\":[{\"Image\":"
		"\"r/hello:release-1\",\"Expose\":80}],\"Annotation\":\"{\\\"ports\\\":[{\\\"srcport\\\":"
		"9501,\\\"dstport\\\":80,\\\"proto\\\":\\\"tcp\\\"}]}\"}}";
	CU_ASSERT_EQUAL(denv_fake("POST", "/api/podgroups", pg, NULL), 202);
	denv_settle();
	/* Any suffix matches, as in the original. */
	CU_ASSERT_EQUAL(it_req("GET", "/api/v1/usedstreamrouterports/", NULL, &r), 200);
	p = it_payload(&r, "streamrouter");
	CU_ASSERT_EQUAL_FATAL(json_object_array_length(p), 1);
	json_object *x;
	CU_ASSERT(json_object_object_get_ex(json_object_array_get_idx(p, 0), "srcport", &x));
	CU_ASSERT_EQUAL(json_object_get_int(x), 9501);
	CU_ASSERT(json_object_object_get_ex(json_object_array_get_idx(p, 0), "NameSpace", &x));
	CU_ASSERT_STRING_EQUAL(json_object_get_string(x), "hello");
	it_response_free(&r);

	/* deployd failing: the original's 400 with a null payload. */
	denv_fake("POST", "/__fake/fail", "{\"mode\":\"error500\",\"match\":\"/api/ports\",\"count\":-1}",
		  NULL);
	CU_ASSERT_EQUAL(it_req("GET", "/api/v1/usedstreamrouterports", NULL, &r), 400);
	assert_envelope(&r, "streamrouter", url);
	CU_ASSERT_STRING_EQUAL(it_field(&r, "streamrouter"), "(null)");
	CU_ASSERT_STRING_EQUAL(it_field(&r, "msg"), "");
	it_response_free(&r);

	/* deployd down: 503 naming it (the original crashed with 500). */
	denv_fake("POST", "/__fake/fail", "{\"mode\":\"none\"}", NULL);
	denv_fake("POST", "/__fake/fail", "{\"mode\":\"down\",\"count\":-1}", NULL);
	CU_ASSERT_EQUAL(it_req("GET", "/api/v1/usedstreamrouterports", NULL, &r), 503);
	CU_ASSERT_PREFIX(it_field(&r, "msg"), "deployd unavailable");
	it_response_free(&r);
	denv_fake("POST", "/__fake/fail", "{\"mode\":\"none\"}", NULL);

	CU_ASSERT_EQUAL(it_req("POST", "/api/v1/usedstreamrouterports", "{}", &r), 405);
	it_response_free(&r);
}

/* Last: it stops the registry. */
static void test_registry_down(void)
{
	it_response_t r;
	denv_registry_stop();
	CU_ASSERT_EQUAL(it_req("GET", "/api/v1/repos/hello/versions/", NULL, &r), 503);
	CU_ASSERT_STRING_EQUAL(it_field(&r, "version"), "(null)");
	CU_ASSERT_PREFIX(it_field(&r, "msg"), "registry unavailable: ");
	it_response_free(&r);
}

static CU_TestInfo tests[] = {
	{ "REPOSIT in the oplog, E24 shape", test_reposit_oplog },
	{ "E18 versions, E19 details", test_versions_details },
	{ "E22 stream ports", test_streamrouter_ports },
	{ "E18 with the registry down", test_registry_down },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "deploy read endpoints", NULL, NULL, NULL, NULL, tests },
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	const denv_image_t images[] = {
		{ "hello", V(1), YAML, NULL },
		{ "hello", V(2), YAML, NULL },
		{ "hello", V(3), YAML, "--no-release" },
	};
	const denv_suite_t suite = { .name = "it_deploy_api", .images = images,
				     .nimages = ARRAY_SIZE(images), .stack_args = "--workers 2",
				     .suites = suites };
	return denv_main(&suite);
}
