/* Hostile request input through the real stack (nginx -> lain-console ->
 * etcd, the deployd stand-in, docker-registry), issue 14: strings with a
 * NUL (#8), invalid UTF-8 in the path and the body (#9), valid JSON with
 * the wrong types (#10). Each probe is one the issue found accepted, cut
 * or echoed raw; they stay here as regression tests. */
#include <errno.h>
#include <iconv.h>
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

#define V(n) "172445598" #n "-b478328a58bc9725c19030e7663e2ee3fa87b02" #n
#define YAML                                                                                  \
	"appname: probe\nbuild:\n  base: golang\nweb:\n  cmd: /hello\n  port: 80\n"            \
	"  memory: 64m\n"

/* Whether s is well-formed UTF-8, by glibc's iconv (not by the code under
 * test). */
static bool utf8_valid(const char *s)
{
	iconv_t cd = iconv_open("UTF-8", "UTF-8");
	if (cd == (iconv_t)-1)
		return false;
	size_t inleft = strlen(s), outleft = inleft * 4 + 16;
	char *out = malloc(outleft), *op = out, *ip = (char *)s;
	size_t rc = iconv(cd, &ip, &inleft, &op, &outleft);
	iconv_close(cd);
	free(out);
	return rc != (size_t)-1 && inleft == 0;
}

/* The answer is JSON in UTF-8, a three-key envelope. */
static void assert_clean_envelope(const it_response_t *r)
{
	CU_ASSERT_PTR_NOT_NULL_FATAL(r->body);
	if (!utf8_valid(r->body))
		fprintf(stderr, "\n  not UTF-8: %s\n", r->body);
	CU_ASSERT(utf8_valid(r->body));
	CU_ASSERT_PTR_NOT_NULL_FATAL(r->json);
	CU_ASSERT_EQUAL(json_object_object_length(r->json), 3);
	CU_ASSERT(json_object_is_type(json_object_object_get(r->json, "msg"), json_type_string));
}

/* method path body: the status; the answer checked as above. want: the
 * status expected, its message starting with msg (NULL: any). */
static void probe(const char *method, const char *path, const char *body, long want,
		  const char *msg)
{
	it_response_t r;
	long st = it_req(method, path, body, &r);
	if (st != want)
		fprintf(stderr, "\n  %s %s %s -> %ld %s\n", method, path, body ? body : "", st,
			r.body ? r.body : "");
	CU_ASSERT_EQUAL(st, want);
	assert_clean_envelope(&r);
	if (msg)
		CU_ASSERT_PREFIX(it_msg(&r), msg);
	it_response_free(&r);
}

/* The record of probe as the API shows it: its meta version. */
static const char *deployed_version(void)
{
	static char v[128];
	it_response_t r;
	it_req("GET", "/api/v1/apps/probe/", NULL, &r);
	snprintf(v, sizeof(v), "%s", js_str(it_payload(&r, "app"), "metaversion"));
	it_response_free(&r);
	return v;
}

static void test_setup(void)
{
	it_response_t r;
	CU_ASSERT_EQUAL(it_call("POST", "/api/v1/repos/", "{\"appname\":\"probe\"}", 201), 201);
	CU_ASSERT_EQUAL(it_call("POST", "/api/v1/apps/", "{\"appname\":\"probe\"}", 202), 202);
	CU_ASSERT_FATAL(denv_wait_healthy("probe", &r));
	it_response_free(&r);
	/* An explicit older version, so that "the latest" is told apart. */
	CU_ASSERT_EQUAL(it_call("PUT", "/api/v1/apps/probe/", "{\"meta_version\":\"" V(1) "\"}", 202),
			202);
	CU_ASSERT_FATAL(denv_wait_healthy("probe", &r));
	it_response_free(&r);
	CU_ASSERT_STRING_EQUAL(deployed_version(), V(1));
	denv_settle();
}

/* #8: "a\u0000b" was read as "a" — registered app a, scaled to 64m,
 * deployed V1; a %00 in the query cut the filter. */
static void test_nul(void)
{
	denv_fake("DELETE", "/__fake/calls", NULL, NULL);
	probe("POST", "/api/v1/repos/", "{\"appname\": \"nul\\u0000x\"}", 400,
	      "invalid request: a string of the body holds a NUL character");
	CU_ASSERT_EQUAL(it_call("GET", "/api/v1/repos/nul/", NULL, 404), 404);
	probe("POST", "/api/v1/repos/", "{\"appname\": \"nul2\", \"x\\u0000\": 1}", 400,
	      "invalid request: a string of the body holds a NUL character");
	CU_ASSERT_EQUAL(it_call("GET", "/api/v1/repos/nul2/", NULL, 404), 404);
	probe("PATCH", "/api/v1/apps/probe/procs/web/", "{\"memory\": \"128m\\u0000junk\"}", 400,
	      "invalid request: a string of the body holds a NUL character");
	probe("PUT", "/api/v1/apps/probe/", "{\"meta_version\": \"" V(2) "\\u0000x\"}", 400,
	      "invalid request: a string of the body holds a NUL character");
	probe("POST", "/api/v1/apps/probe/procs/", "{\"procname\": \"web\\u0000\"}", 400, NULL);
	/* An escaped backslash before "u0000" is no NUL. */
	probe("POST", "/api/v1/repos/", "{\"appname\": \"back\\\\u0000\"}", 400, "invalid appname");
	CU_ASSERT_EQUAL(denv_fake_writes(), 0);
	CU_ASSERT_STRING_EQUAL(deployed_version(), V(1));

	/* In the query: the filter would have read "app". */
	probe("GET", "/api/v1/apps/?apptype=app%00x", NULL, 400,
	      "invalid request: the URL holds a NUL character (%00)");
	probe("GET", "/api/v1/apps/?apptype=app", NULL, 200, "");
}

/* #9: invalid UTF-8 was echoed raw into msg. */
static void test_utf8(void)
{
	it_response_t r;
	/* In the path (nginx decodes %ff), echoed by the 404. */
	CU_ASSERT_EQUAL(it_req("GET", "/api/v1/apps/x%ff%c3%28y/", NULL, &r), 404);
	assert_clean_envelope(&r);
	CU_ASSERT_PTR_NOT_NULL(strstr(it_msg(&r), "x\xef\xbf\xbd\xef\xbf\xbd(y"));
	it_response_free(&r);
	probe("GET", "/api/v1/nothing/%ed%a0%80/", NULL, 404, "no such endpoint: /api/v1/nothing/");

	/* In bodies, echoed by 400s. */
	probe("POST", "/api/v1/repos/", "{\"appname\": \"a\xff\xfe\"}", 400, "invalid appname 'a");
	probe("PATCH", "/api/v1/apps/probe/procs/web/", "{\"memory\": \"\xc0\xaf\"}", 400,
	      "invalid parameter: memory (");
	CU_ASSERT_EQUAL(it_req("PUT", "/api/v1/apps/probe/", "{\"meta_version\": \"v\xf4\x90\x80\x80\"}",
			       &r), 400);
	assert_clean_envelope(&r);
	CU_ASSERT_PREFIX(it_msg(&r), "no such meta_version v\xef\xbf\xbd");
	it_response_free(&r);
	probe("POST", "/api/v1/apps/probe/procs/", "{\"procname\": \"w\xe2\x82\"}", 400,
	      "no such proc w");
	probe("PATCH", "/api/v1/apps/probe/procs/web/", "{\"operation\": \"\xff\"}", 400,
	      "invalid operation ");

	/* Well-formed UTF-8 is echoed as it is. */
	CU_ASSERT_EQUAL(it_req("POST", "/api/v1/apps/probe/procs/", "{\"procname\": \"w\xc3\xa9\"}", &r),
			400);
	CU_ASSERT_STRING_EQUAL(it_msg(&r), "no such proc w\xc3\xa9 in app probe");
	it_response_free(&r);
	CU_ASSERT_EQUAL(denv_fake_writes(), 0);
}

/* #10: {"meta_version": 1} redeployed the latest version; other fields of
 * the wrong type were taken for missing or answered without naming them. */
static void test_wrong_types(void)
{
	static const struct {
		const char *method, *path, *body, *msg;
	} cases[] = {
		{ "PUT", "/api/v1/apps/probe/", "{\"meta_version\": 1}",
		  "invalid request: meta_version must be a string, not a number" },
		{ "PUT", "/api/v1/apps/probe/", "{\"meta_version\": [\"a\"]}",
		  "invalid request: meta_version must be a string, not an array" },
		{ "PUT", "/api/v1/apps/probe/", "{\"meta_version\": {}}",
		  "invalid request: meta_version must be a string, not an object" },
		{ "PUT", "/api/v1/apps/probe/", "{\"meta_version\": true}",
		  "invalid request: meta_version must be a string, not a boolean" },
		{ "PUT", "/api/v1/apps/probe/", "[\"" V(2) "\"]",
		  "invalid request: the body must be a JSON object, not an array" },
		{ "POST", "/api/v1/apps/probe/procs/", "[\"web\"]",
		  "invalid request: should be json body with procname(string)" },
		{ "POST", "/api/v1/apps/probe/procs/", "{\"procname\": 1}",
		  "invalid request: procname must be a string, not a number" },
		{ "PATCH", "/api/v1/apps/probe/procs/web/", "{\"operation\": 1}",
		  "invalid request: operation must be a string, not a number" },
		{ "PATCH", "/api/v1/apps/probe/procs/web/", "{\"operation\": \"restart\", \"instance\": \"1\"}",
		  "invalid request: instance must be an integer, not a string" },
		{ "PATCH", "/api/v1/apps/probe/procs/web/", "{\"operation\": \"restart\", \"instance\": 1.0}",
		  "invalid request: instance must be an integer, not a number" },
		{ "PATCH", "/api/v1/apps/probe/procs/web/", "{\"operation\": \"restart\", \"instance\": -1}",
		  "invalid request: instance must be an integer in 0..100000, not -1" },
		{ "PATCH", "/api/v1/apps/probe/procs/web/", "{\"num_instances\": \"2\"}",
		  "invalid parameter: num_instances (\"2\") should be integer" },
		{ "PATCH", "/api/v1/apps/probe/procs/web/", "{\"cpu\": 1.5}",
		  "invalid parameter: cpu (1.5) should be integer" },
		{ "PATCH", "/api/v1/apps/probe/procs/web/", "{\"memory\": 64}",
		  "invalid parameter: memory (64)" },
		/* The original's messages, which name the field and its type. */
		{ "POST", "/api/v1/apps/", "{\"appname\": 1}",
		  "invalid request: should be json body with appname(string)" },
		{ "POST", "/api/v1/repos/", "{\"appname\": [\"x\"]}",
		  "invalid request: should be json body with appname(string)" },
		{ "POST", "/api/v1/notify/imagepush/", "{\"notify_url\": 1}",
		  "invalid request: should be json body with notify_url(array string)" },
	};
	denv_fake("DELETE", "/__fake/calls", NULL, NULL);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		probe(cases[i].method, cases[i].path, cases[i].body, 400, cases[i].msg);
	CU_ASSERT_EQUAL(denv_fake_writes(), 0);
	CU_ASSERT_STRING_EQUAL(deployed_version(), V(1));

	/* null is "not given", as is a body that is no JSON (spec E8): the
	 * latest version. */
	CU_ASSERT_EQUAL(it_call("PUT", "/api/v1/apps/probe/", "{\"meta_version\": null}", 202), 202);
	CU_ASSERT_STRING_EQUAL(deployed_version(), V(2));
	denv_settle();
}

static CU_TestInfo tests[] = {
	{ "register and deploy probe", test_setup },
	{ "#8 NUL in a body string or the URL: 400, nothing cut", test_nul },
	{ "#9 invalid UTF-8 in the path or body: answers stay UTF-8 JSON", test_utf8 },
	{ "#10 wrong JSON types: 400 naming the field, nothing deployed", test_wrong_types },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "hostile request input", NULL, NULL, NULL, NULL, tests },
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	const denv_image_t images[] = {
		{ "probe", V(1), YAML, NULL },
		{ "probe", V(2), YAML, NULL },
	};
	const denv_suite_t suite = { .name = "it_input", .images = images,
				     .nimages = ARRAY_SIZE(images), .stack_args = "--workers 2",
				     .suites = suites };
	return denv_main(&suite);
}
