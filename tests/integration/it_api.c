/* The API through the real stack: nginx (TLS) -> FastCGI -> lain-console -> etcd. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>
#include <json-c/json.h>

#include "harness.h"
#include "testlib.h"

static int suite_up(void)
{
	return stack_up("--workers 4") ? -1 : 0;
}

static int suite_down(void)
{
	stack_down();
	return 0;
}

/* A header's value, "(absent)" when missing (never NULL, for the asserts). */
static const char *hdr(const it_response_t *r, const char *name)
{
	const char *v = it_header(r, name);
	return v ? v : "(absent)";
}

static void assert_envelope(const it_response_t *r, const char *key)
{
	CU_ASSERT_PTR_NOT_NULL_FATAL(r->json);
	CU_ASSERT_EQUAL(json_object_object_length(r->json), 3);
	CU_ASSERT_PTR_NOT_NULL(it_field(r, key));
	CU_ASSERT_PTR_NOT_NULL(it_field(r, "msg"));
	CU_ASSERT_PTR_NOT_NULL(it_field(r, "url"));
	CU_ASSERT_STRING_EQUAL(hdr(r, "content-type"), "application/json");
	CU_ASSERT_STRING_EQUAL(hdr(r, "access-control-allow-origin"), "*");
	CU_ASSERT_STRING_EQUAL(hdr(r, "x-frame-options"), "SAMEORIGIN");
	CU_ASSERT_PTR_NOT_NULL(it_header(r, "x-request-id"));
}

static int repo_count(void)
{
	it_response_t r;
	it_request("GET", "/api/v1/repos/", NULL, NULL, &r);
	json_object *list;
	int n = -1;
	if (r.json && json_object_object_get_ex(r.json, "repos", &list))
		n = (int)json_object_array_length(list);
	it_response_free(&r);
	return n;
}

static void test_repos_flow(void)
{
	it_response_t r;
	CU_ASSERT_EQUAL(it_request("GET", "/api/v1/repos/", NULL, NULL, &r), 0);
	CU_ASSERT_EQUAL(r.status, 200);
	assert_envelope(&r, "repos");
	CU_ASSERT_STRING_EQUAL(it_field(&r, "url"), "/v1/repos/");
	it_response_free(&r);
	int before = repo_count();

	it_request("POST", "/api/v1/repos/", "{\"appname\": \"hello\"}", NULL, &r);
	CU_ASSERT_EQUAL(r.status, 201);
	assert_envelope(&r, "repos");
	CU_ASSERT_STRING_EQUAL(it_field(&r, "msg"), "don't need sso auth, no need for create group");
	CU_ASSERT_STRING_EQUAL(it_field(&r, "url"), "/v1/repos/hello/");
	CU_ASSERT_STRING_EQUAL(json_object_to_json_string_ext(r.json, JSON_C_TO_STRING_PLAIN |
								      JSON_C_TO_STRING_NOSLASHESCAPE),
			       "{\"repos\":{\"appname\":\"hello\",\"url\":\"/v1/repos/hello/\"},"
			       "\"msg\":\"don't need sso auth, no need for create group\","
			       "\"url\":\"/v1/repos/hello/\"}");
	it_response_free(&r);
	CU_ASSERT_EQUAL(repo_count(), before + 1);

	it_request("POST", "/api/v1/repos/", "{\"appname\": \"hello\"}", NULL, &r);
	CU_ASSERT_EQUAL(r.status, 409);
	assert_envelope(&r, "repos");
	CU_ASSERT_STRING_EQUAL(it_field(&r, "repos"), "(null)");
	CU_ASSERT_STRING_EQUAL(it_field(&r, "msg"), "app with appname hello has already been reposited\n");
	CU_ASSERT_STRING_EQUAL(it_field(&r, "url"), "/v1/repos/hello/");
	it_response_free(&r);

	/* The registration is listed, and readable by name. */
	it_request("GET", "/v1/repos", NULL, NULL, &r);
	CU_ASSERT_EQUAL(r.status, 200);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "{\"appname\":\"hello\",\"url\":\"/v1/repos/hello/\"}"));
	it_response_free(&r);
	it_request("GET", "/api/v1/repos/hello/", NULL, NULL, &r);
	CU_ASSERT_EQUAL(r.status, 200);
	assert_envelope(&r, "repo");
	CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"repo\":{\"appname\":\"hello\",\"url\":\"/v1/repos/hello/\"}"));
	it_response_free(&r);
	it_request("GET", "/api/v1/repos/nosuch/", NULL, NULL, &r);
	CU_ASSERT_EQUAL(r.status, 404);
	assert_envelope(&r, "app");
	CU_ASSERT_STRING_EQUAL(it_field(&r, "msg"),
			       "app with appname nosuch not exist, has not been reposited yet");
	CU_ASSERT_STRING_EQUAL(it_field(&r, "url"), "/v1/repos/");
	it_response_free(&r);
}

static void test_prefix_and_slash(void)
{
	static const char *const paths[] = { "/api/v1/repos/", "/api/v1/repos", "/v1/repos/",
					     "/v1/repos" };
	it_response_t first;
	it_request("GET", paths[0], NULL, NULL, &first);
	for (size_t i = 1; i < 4; i++) {
		it_response_t r;
		it_request("GET", paths[i], NULL, NULL, &r);
		CU_ASSERT_EQUAL(r.status, 200);
		CU_ASSERT_STRING_EQUAL(r.body, first.body);
		it_response_free(&r);
	}
	it_response_free(&first);
	/* POST without the prefix and without the slash works too. */
	it_response_t r;
	it_request("POST", "/v1/repos", "{\"appname\": \"noprefix\"}", NULL, &r);
	CU_ASSERT_EQUAL(r.status, 201);
	it_response_free(&r);
}

static void test_bad_input(void)
{
	static const struct {
		const char *body;
		int status;
		const char *key, *msg;
	} rows[] = {
		{ "not json", 400, "repo", "invalid request: should be json body with appname(string)" },
		{ "{\"appname\": 3}", 400, "repo", "invalid request: should be json body with appname(string)" },
		{ "[]", 400, "repo", "invalid request: should be json body with appname(string)" },
		{ "{\"name\": \"x\"}", 400, "repo", "invalid request: should be json body with appname(string)" },
		{ "{\"appname\": \"Hello\"}", 400, "repos", NULL },
		{ "{\"appname\": \"a.b\"}", 400, "repos", NULL },
		{ "{\"appname\": \"resource.redis.x\"}", 400, "repos", NULL },
		{ "{\"appname\": \"a--b\"}", 400, "repos", NULL },
		{ "{\"appname\": \"-a\"}", 400, "repos", NULL },
		{ "{\"appname\": \"portal\"}", 400, "repos", NULL },
		{ "{\"appname\": \"\"}", 400, "repos", NULL },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		it_response_t r;
		it_request("POST", "/api/v1/repos/", rows[i].body, NULL, &r);
		CU_ASSERT_EQUAL(r.status, rows[i].status);
		assert_envelope(&r, rows[i].key);
		CU_ASSERT_STRING_EQUAL(it_field(&r, rows[i].key), "(null)");
		if (rows[i].msg) {
			CU_ASSERT_STRING_EQUAL(it_field(&r, "msg"), rows[i].msg);
		} else {
			CU_ASSERT_PTR_NOT_NULL(strstr(it_field(&r, "msg"), "invalid appname"));
		}
		it_response_free(&r);
	}
	/* With a Content-Type it is the same. */
	it_response_t r;
	it_request("POST", "/api/v1/repos/", "{\"appname\": \"typed\"}",
		   "Content-Type: application/json", &r);
	CU_ASSERT_EQUAL(r.status, 201);
	it_response_free(&r);
}

static void test_errors_are_json(void)
{
	it_response_t r;
	it_request("GET", "/api/v1/no/such/endpoint/", NULL, NULL, &r);
	CU_ASSERT_EQUAL(r.status, 404);
	assert_envelope(&r, "app");
	it_response_free(&r);

	it_request("DELETE", "/api/v1/repos/", NULL, NULL, &r);
	CU_ASSERT_EQUAL(r.status, 405);
	assert_envelope(&r, "repos");
	CU_ASSERT_STRING_EQUAL(it_field(&r, "msg"), "invalid http method DELETE");
	it_response_free(&r);

	it_request("PUT", "/v1/authorize/status/", NULL, NULL, &r);
	CU_ASSERT_EQUAL(r.status, 405);
	assert_envelope(&r, "auth");
	it_response_free(&r);

	/* Larger than the body limit (1 MiB default, below nginx's cap): 413 JSON. */
	size_t big = (1 << 20) + 100;
	char *body = malloc(big + 1);
	memset(body, ' ', big);
	body[big] = '\0';
	body[0] = '{';
	body[big - 1] = '}';
	it_request("POST", "/api/v1/repos/", body, NULL, &r);
	free(body);
	CU_ASSERT_EQUAL(r.status, 413);
	assert_envelope(&r, "app");
	CU_ASSERT_PTR_NOT_NULL(strstr(it_field(&r, "msg"), "larger than 1048576"));
	it_response_free(&r);

	/* Past nginx's own cap nginx answers, in the same envelope. */
	big = 3 << 20;
	body = malloc(big + 1);
	memset(body, 'x', big);
	body[big] = '\0';
	it_request("POST", "/api/v1/repos/", body, NULL, &r);
	free(body);
	CU_ASSERT_EQUAL(r.status, 413);
	assert_envelope(&r, "app");
	it_response_free(&r);
}

static void test_options_cors(void)
{
	static const char *const paths[] = { "/api/v1/repos/", "/v1/apps/x/procs/", "/whatever" };
	for (size_t i = 0; i < 3; i++) {
		it_response_t r;
		it_request("OPTIONS", paths[i], NULL, NULL, &r);
		CU_ASSERT_EQUAL(r.status, 200);
		CU_ASSERT_STRING_EQUAL(r.body, "");
		CU_ASSERT_PREFIX(hdr(&r, "content-type"), "text/plain");
		CU_ASSERT_STRING_EQUAL(hdr(&r, "access-control-allow-origin"), "*");
		CU_ASSERT_STRING_EQUAL(hdr(&r, "access-control-allow-methods"),
				       "DELETE, GET, PATCH, POST, PUT");
		CU_ASSERT_STRING_EQUAL(hdr(&r, "access-control-allow-headers"),
				       "access-token, content-type");
		CU_ASSERT_STRING_EQUAL(hdr(&r, "access-control-max-age"), "86400");
		it_response_free(&r);
	}
}

static void test_health_and_auth_status(void)
{
	it_response_t r;
	it_request("GET", "/api/v1/healthz", NULL, NULL, &r);
	CU_ASSERT_EQUAL(r.status, 200);
	assert_envelope(&r, "health");
	CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"status\":\"ok\""));
	it_response_free(&r);

	it_request("GET", "/api/v1/authorize/status/", NULL, NULL, &r);
	CU_ASSERT_EQUAL(r.status, 200);
	CU_ASSERT_STRING_EQUAL(r.body, "{\"auth\":{\"status\":\"closed\"},\"msg\":\"get auth status "
				       "success\",\"url\":\"/v1/authorize/status/\"}");
	it_response_free(&r);

	/* lainctl auth open writes the flag: the status follows it. */
	char cmd[1024];
	snprintf(cmd, sizeof(cmd),
		 "curl -sf -o /dev/null %s/v3/kv/put -d '{\"key\":\"%s\",\"value\":\"%s\"}'",
		 stack_get("ETCD_URL"), "L2xhaW4vY29uZmlnL2F1dGgvY29uc29sZQ==",
		 /* {"type": "lain-sso", "url": "https://sso.lain.local"} */
		 "eyJ0eXBlIjogImxhaW4tc3NvIiwgInVybCI6ICJodHRwczovL3Nzby5sYWluLmxvY2FsIn0=");
	CU_ASSERT_EQUAL_FATAL(system(cmd), 0);
	it_sleep_ms(2100); /* a worker rereads the switch every 2 s */
	it_request("GET", "/v1/authorize/status", NULL, NULL, &r);
	CU_ASSERT_STRING_EQUAL(it_field(&r, "auth"), "{ \"status\": \"opened\" }");
	it_response_free(&r);
	snprintf(cmd, sizeof(cmd), "curl -sf -o /dev/null %s/v3/kv/deleterange -d '{\"key\":\"%s\"}'",
		 stack_get("ETCD_URL"), "L2xhaW4vY29uZmlnL2F1dGgvY29uc29sZQ==");
	CU_ASSERT_EQUAL(system(cmd), 0);
	it_sleep_ms(2100);
}

static void test_http_redirects_with_308(void)
{
	/* lain-cli speaks plain HTTP and POSTs: the redirect must keep the
	 * method and body. */
	it_response_t r;
	char url[512];
	snprintf(url, sizeof(url), "%s/api/v1/repos/", stack_get("CONSOLE_HTTP_URL"));
	it_request("POST", url, "{\"appname\":\"viahttp\"}", "Host: console.lain.local", &r);
	CU_ASSERT_EQUAL(r.status, 308);
	const char *loc = it_header(&r, "location");
	CU_ASSERT_PTR_NOT_NULL_FATAL(loc);
	CU_ASSERT_PREFIX(loc, "https://");
	CU_ASSERT_PTR_NOT_NULL(strstr(loc, "/api/v1/repos/"));
	it_response_free(&r);
}

/* Many clients register the same name at once: exactly one wins. */
static void *register_racer(void *arg)
{
	it_response_t r;
	it_request("POST", "/api/v1/repos/", "{\"appname\":\"racer\"}", NULL, &r);
	long *status = arg;
	*status = r.status;
	it_response_free(&r);
	return NULL;
}

static void test_concurrent_register(void)
{
	enum { N = 12 };
	pthread_t t[N];
	long status[N];
	for (int i = 0; i < N; i++)
		pthread_create(&t[i], NULL, register_racer, &status[i]);
	int created = 0, conflict = 0;
	for (int i = 0; i < N; i++) {
		pthread_join(t[i], NULL);
		created += status[i] == 201;
		conflict += status[i] == 409;
	}
	CU_ASSERT_EQUAL(created, 1);
	CU_ASSERT_EQUAL(conflict, N - 1);
}

static bool listed(const char *path, const char *name)
{
	it_response_t r;
	it_request("GET", path, NULL, NULL, &r);
	char needle[128];
	snprintf(needle, sizeof(needle), "\"appname\":\"%s\"", name);
	bool in = r.status == 200 && strstr(r.body, needle);
	it_response_free(&r);
	return in;
}

/* Workers keep parsed records by revision: every change written straight to
 * etcd shows in the very next listing of every worker. */
static void test_listing_follows_etcd(void)
{
	const char *key = "/lain/console/apps/cached";
	CU_ASSERT_EQUAL_FATAL(it_etcd_put(key, "{\"appname\": \"cached\", \"running_state\": \"deployed\", \"app_type\": \"app\"}"), 0);
	for (int i = 0; i < 8; i++) {
		CU_ASSERT(listed("/api/v1/apps/", "cached"));
		CU_ASSERT(listed("/api/v1/repos/", "cached"));
	}
	CU_ASSERT_EQUAL(it_etcd_put(key, "{\"appname\": \"cached\", \"running_state\": \"reposited\"}"), 0);
	for (int i = 0; i < 8; i++) {
		CU_ASSERT(!listed("/api/v1/apps/", "cached"));
		CU_ASSERT(listed("/api/v1/repos/", "cached"));
	}
	/* An unusable value is skipped, a deleted key is gone. */
	CU_ASSERT_EQUAL(it_etcd_put(key, "not json"), 0);
	for (int i = 0; i < 8; i++)
		CU_ASSERT(!listed("/api/v1/repos/", "cached"));
	CU_ASSERT_EQUAL(it_etcd_put(key, "{\"appname\": \"cached\"}"), 0);
	CU_ASSERT(listed("/api/v1/repos/", "cached"));
	CU_ASSERT_EQUAL(it_etcd_delete(key), 0);
	for (int i = 0; i < 8; i++)
		CU_ASSERT(!listed("/api/v1/repos/", "cached"));
	/* Many changes at once (a full read instead of one by one). */
	char k[64], v[128];
	for (int i = 0; i < 12; i++) {
		snprintf(k, sizeof(k), "/lain/console/apps/bulk%d", i);
		snprintf(v, sizeof(v), "{\"appname\": \"bulk%d\"}", i);
		CU_ASSERT_EQUAL(it_etcd_put(k, v), 0);
	}
	for (int i = 0; i < 8; i++) {
		CU_ASSERT(listed("/api/v1/repos/", "bulk0"));
		CU_ASSERT(listed("/api/v1/repos/", "bulk11"));
	}
}

static CU_TestInfo api_tests[] = {
	{ "listings follow etcd on every worker", test_listing_follows_etcd },
	{ "repos: list, register (201), 409, get, 404", test_repos_flow },
	{ "with and without /api and the trailing slash", test_prefix_and_slash },
	{ "bad bodies and names: 400 envelopes", test_bad_input },
	{ "404, 405, 413 answer JSON", test_errors_are_json },
	{ "OPTIONS anywhere: 200 with CORS", test_options_cors },
	{ "healthz and authorize/status", test_health_and_auth_status },
	{ "plain HTTP redirects with 308", test_http_redirects_with_308 },
	{ "concurrent registrations: one 201, the rest 409", test_concurrent_register },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "api through nginx", suite_up, suite_down, NULL, NULL, api_tests },
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return test_main(suites);
}
