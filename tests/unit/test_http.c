/* app/http: request parsing, router, envelope, serialisation. */
#include <string.h>

#include <CUnit/CUnit.h>
#include <json-c/json.h>

#include "console/http.h"
#include "console/router.h"
#include "testlib.h"

static arena_t *arena;

static int setup(void)
{
	arena = arena_new();
	return 0;
}

static int teardown(void)
{
	arena_free(arena);
	return 0;
}

/* A request built from a NULL-terminated name, value, ... list: turned
 * into the "NAME=value" strings FastCGI hands over. */
static void make_request(request_t *req, const char *const *kv)
{
	size_t n = 0;
	while (kv[2 * n])
		n++;
	const char **env = arena_alloc(arena, (n + 1) * sizeof(*env));
	for (size_t i = 0; i < n; i++)
		env[i] = arena_printf(arena, "%s=%s", kv[2 * i], kv[2 * i + 1]);
	env[n] = NULL;
	http_request_init(req, arena, NULL, env);
}

static void test_request_init(void)
{
	request_t req;
	const char *kv[] = { "REQUEST_METHOD", "POST", "DOCUMENT_URI", "/api/v1/repos/",
			     "QUERY_STRING", "apptype=service&x=a%20b+c&flag&h=%4a%4B%zz%4&x=2",
			     "CONTENT_LENGTH", "17",
			     "HTTP_ACCESS_TOKEN", "tok", "REMOTE_ADDR", "127.0.0.1",
			     "REQUEST_ID", "0123abcd", NULL };
	make_request(&req, kv);
	CU_ASSERT_STRING_EQUAL(req.method, "POST");
	CU_ASSERT_EQUAL(req.method_id, HTTP_POST);
	CU_ASSERT_STRING_EQUAL(req.uri, "/api/v1/repos/");
	CU_ASSERT_STRING_EQUAL(req.path, "/v1/repos/");
	CU_ASSERT_EQUAL(req.content_length, 17);
	CU_ASSERT_STRING_EQUAL(req.access_token, "tok");
	CU_ASSERT_PTR_NULL(req.authorization);
	CU_ASSERT_STRING_EQUAL(req.request_id, "0123abcd");
	CU_ASSERT_STRING_EQUAL(http_query(&req, "apptype"), "service");
	CU_ASSERT_STRING_EQUAL(http_query(&req, "x"), "a b c");
	CU_ASSERT_STRING_EQUAL(http_query(&req, "flag"), "");
	CU_ASSERT_PTR_NULL(http_query(&req, "app"));
	/* Hex digits of either case; anything else is left as it came. */
	CU_ASSERT_STRING_EQUAL(http_query(&req, "h"), "JK%zz%4");
}

static void test_request_fallbacks(void)
{
	request_t req;
	/* No DOCUMENT_URI: the raw URI without its query; a request id that is
	 * not plain hex is not echoed into a header. */
	const char *kv[] = { "REQUEST_METHOD", "BREW", "REQUEST_URI", "/v1/repos/?a=b",
			     "CONTENT_LENGTH", "x", "REQUEST_ID", "a\r\nSet-Cookie: x", NULL };
	make_request(&req, kv);
	CU_ASSERT_EQUAL(req.method_id, HTTP_OTHER);
	CU_ASSERT_STRING_EQUAL(req.path, "/v1/repos/");
	CU_ASSERT_EQUAL(req.content_length, -1);
	CU_ASSERT_PTR_NULL(req.request_id);
	const char *kv2[] = { "DOCUMENT_URI", "/api", NULL };
	make_request(&req, kv2);
	CU_ASSERT_STRING_EQUAL(req.path, "/");
	const char *kv3[] = { "DOCUMENT_URI", "/apix/v1", NULL };
	make_request(&req, kv3);
	CU_ASSERT_STRING_EQUAL(req.path, "/apix/v1");
}

/* The parameters as libfcgi hands them over, read in one pass: only a whole
 * name matches (not one that starts with it), the first of a repeated
 * name counts, order does not matter, an empty value is a value. */
static void test_request_env(void)
{
	request_t req;
	const char *env[] = { "HTTP_COOKIE_X=no", "REQUEST_URIX=/no", "QUERY_STRING=a=1",
			      "REMOTE_ADDR=", "SERVER_NAME=x", "HTTP_ACCESS_TOKEN=t1",
			      "DOCUMENT_URI=/api/v1/apps/", "HTTP_ACCESS_TOKEN=t2",
			      "REQUEST_METHOD=DELETE", "HTTP_AUTHORIZATION=Basic eA==",
			      "CONTENT_TYPE=application/json", "CONTENT_LENGTH=2",
			      "REQUEST_ID=00ff", "REQUEST_URI=/api/v1/apps/?a=1", NULL };
	http_request_init(&req, arena, NULL, env);
	CU_ASSERT_EQUAL(req.method_id, HTTP_DELETE);
	CU_ASSERT_STRING_EQUAL(req.path, "/v1/apps/");
	CU_ASSERT_STRING_EQUAL(req.query, "a=1");
	CU_ASSERT_STRING_EQUAL(req.remote_addr, "");
	CU_ASSERT_STRING_EQUAL(req.access_token, "t1");
	CU_ASSERT_STRING_EQUAL(req.authorization, "Basic eA==");
	CU_ASSERT_STRING_EQUAL(req.content_type, "application/json");
	CU_ASSERT_EQUAL(req.content_length, 2);
	CU_ASSERT_STRING_EQUAL(req.request_id, "00ff");
	CU_ASSERT_PTR_NULL(req.cookie);
	CU_ASSERT_FALSE(req.url_nul);
	/* No parameters at all: the defaults. */
	http_request_init(&req, arena, NULL, NULL);
	CU_ASSERT_STRING_EQUAL(req.method, "GET");
	CU_ASSERT_STRING_EQUAL(req.path, "/");
	CU_ASSERT_EQUAL(req.content_length, -1);
	CU_ASSERT_PTR_NULL(req.access_token);
}

static void test_cookies(void)
{
	request_t req;
	const char *kv[] = { "HTTP_COOKIE", "a=1; console_oauth_state=abc123;b=; other_state=x", NULL };
	make_request(&req, kv);
	CU_ASSERT_STRING_EQUAL(http_cookie(&req, "console_oauth_state"), "abc123");
	CU_ASSERT_STRING_EQUAL(http_cookie(&req, "a"), "1");
	CU_ASSERT_STRING_EQUAL(http_cookie(&req, "b"), "");
	CU_ASSERT_PTR_NULL(http_cookie(&req, "state"));
	CU_ASSERT_PTR_NULL(http_cookie(&req, "c"));
	const char *none[] = { NULL };
	make_request(&req, none);
	CU_ASSERT_PTR_NULL(http_cookie(&req, "a"));
}

static int last_handler;

static int h_list(request_t *req, response_t *res, err_t *err)
{
	last_handler = 1;
	http_envelope(res, 200, "repos", json_object_new_array(), "", "/v1/repos/");
	return 0;
}

static int h_create(request_t *req, response_t *res, err_t *err)
{
	last_handler = 2;
	json_object *v;
	if (!req->json || !json_object_object_get_ex(req->json, "appname", &v))
		return err_set(err, -ERR_INVALID, "no appname");
	http_envelope(res, 201, "repos", json_object_get(v), "", "/v1/repos/");
	return 0;
}

static int h_app(request_t *req, response_t *res, err_t *err)
{
	last_handler = 3;
	return err_set(err, -ERR_UNAVAILABLE, "etcd unavailable: test");
}

static int h_ports(request_t *req, response_t *res, err_t *err)
{
	last_handler = 4;
	http_text(res, 200, "ports");
	return 0;
}

static int h_silent(request_t *req, response_t *res, err_t *err)
{
	last_handler = 5;
	return 0;
}

static const route_t routes[] = {
	{ .methods = HTTP_GET, .pattern = "/v1/repos/", .handler = h_list, .key = "repos" },
	{ .methods = HTTP_POST, .pattern = "/v1/repos/", .handler = h_create,
	  .flags = ROUTE_JSON_BODY, .key = "repos" },
	{ .methods = HTTP_GET | HTTP_PUT, .pattern = "/v1/apps/:app/procs/:proc/", .handler = h_app,
	  .key = "proc" },
	{ .methods = HTTP_GET, .pattern = "/v1/usedstreamrouterports*", .handler = h_ports,
	  .key = "streamrouter" },
	{ .methods = HTTP_GET, .pattern = "/v1/silent", .handler = h_silent, .key = "x" },
};
#define NROUTES (sizeof(routes) / sizeof(routes[0]))

/* Dispatches a request and returns the parsed JSON body (or NULL). */
static json_object *dispatch(const char *method, const char *uri, const char *body,
			     response_t *res)
{
	request_t req;
	const char *kv[] = { "REQUEST_METHOD", method, "DOCUMENT_URI", uri, NULL };
	make_request(&req, kv);
	if (body) {
		req.body = body;
		req.body_len = strlen(body);
	}
	http_response_init(res);
	last_handler = 0;
	const router_t router = { routes, NROUTES, NULL, NULL };
	router_dispatch(&router, &req, res);
	return arena_json(arena, json_tokener_parse(res->body.data));
}

static const char *field(json_object *o, const char *key)
{
	json_object *v;
	if (!o || !json_object_object_get_ex(o, key, &v))
		return "(absent)";
	return json_object_is_type(v, json_type_null) ? "(null)" : json_object_get_string(v);
}

static void test_router_paths(void)
{
	response_t res;
	static const char *const same[] = { "/v1/repos/", "/v1/repos", "/api/v1/repos/",
					    "/api/v1/repos" };
	for (size_t i = 0; i < 4; i++) {
		dispatch("GET", same[i], NULL, &res);
		CU_ASSERT_EQUAL(res.status, 200);
		CU_ASSERT_EQUAL(last_handler, 1);
		http_response_release(&res);
	}
	static const char *const none[] = { "/v1/repos/x/y", "/v1/repo/", "/v1//repos/",
					    "/api/api/v1/repos/", "/v1/apps/a/procs/", "/" };
	for (size_t i = 0; i < 6; i++) {
		json_object *o = dispatch("GET", none[i], NULL, &res);
		CU_ASSERT_EQUAL(res.status, 404);
		CU_ASSERT_EQUAL(last_handler, 0);
		CU_ASSERT_STRING_EQUAL(field(o, "app"), "(null)");
		CU_ASSERT_STRING_EQUAL(field(o, "url"), "/v1/docs/");
		http_response_release(&res);
	}
	/* Prefix routes take any suffix. */
	dispatch("GET", "/api/v1/usedstreamrouterports/anything", NULL, &res);
	CU_ASSERT_EQUAL(last_handler, 4);
	http_response_release(&res);
}

static void test_router_params(void)
{
	request_t req;
	const char *kv[] = { "REQUEST_METHOD", "PUT", "DOCUMENT_URI",
			     "/api/v1/apps/resource.redis.hello/procs/web", NULL };
	make_request(&req, kv);
	int status = 0;
	const char *key = NULL;
	const route_t *r = router_match(routes, NROUTES, &req, &status, &key);
	CU_ASSERT_PTR_EQUAL(r, &routes[2]);
	CU_ASSERT_STRING_EQUAL(http_param(&req, "app"), "resource.redis.hello");
	CU_ASSERT_STRING_EQUAL(http_param(&req, "proc"), "web");
	CU_ASSERT_PTR_NULL(http_param(&req, "user"));
}

static void test_router_405(void)
{
	response_t res;
	json_object *o = dispatch("DELETE", "/api/v1/repos/", NULL, &res);
	CU_ASSERT_EQUAL(res.status, 405);
	CU_ASSERT_STRING_EQUAL(field(o, "repos"), "(null)");
	CU_ASSERT_STRING_EQUAL(field(o, "msg"), "invalid http method DELETE");
	CU_ASSERT_STRING_EQUAL(field(o, "url"), "/v1/docs/");
	CU_ASSERT_EQUAL(last_handler, 0);
	http_response_release(&res);
	o = dispatch("PATCH", "/v1/apps/a/procs/web/", NULL, &res);
	CU_ASSERT_EQUAL(res.status, 405);
	CU_ASSERT_STRING_EQUAL(field(o, "proc"), "(null)");
	http_response_release(&res);
}

static void test_router_options(void)
{
	response_t res;
	/* Any path, even unknown ones. */
	dispatch("OPTIONS", "/no/such/thing", NULL, &res);
	CU_ASSERT_EQUAL(res.status, 200);
	CU_ASSERT_STRING_EQUAL(res.content_type, "text/plain");
	CU_ASSERT_EQUAL(res.body.len, 0);
	int found = 0;
	for (size_t i = 0; i < res.nheaders; i++) {
		if (!strcmp(res.header_names[i], "Access-Control-Allow-Methods") &&
		    !strcmp(res.header_values[i], "DELETE, GET, PATCH, POST, PUT"))
			found++;
		if (!strcmp(res.header_names[i], "Access-Control-Allow-Headers") &&
		    !strcmp(res.header_values[i], "access-token, content-type"))
			found++;
		if (!strcmp(res.header_names[i], "Access-Control-Max-Age") &&
		    !strcmp(res.header_values[i], "86400"))
			found++;
	}
	CU_ASSERT_EQUAL(found, 3);
	CU_ASSERT_EQUAL(last_handler, 0);
	http_response_release(&res);
}

static void test_router_json_body(void)
{
	response_t res;
	json_object *o = dispatch("POST", "/v1/repos/", "{\"appname\": \"hello\"}\n", &res);
	CU_ASSERT_EQUAL(res.status, 201);
	CU_ASSERT_STRING_EQUAL(field(o, "repos"), "hello");
	http_response_release(&res);
	/* Not JSON, trailing garbage, empty: the handler sees no JSON. */
	static const char *const bad[] = { "appname=hello", "{\"appname\": \"x\"} junk", "", "{" };
	for (size_t i = 0; i < 4; i++) {
		o = dispatch("POST", "/v1/repos/", bad[i], &res);
		CU_ASSERT_EQUAL(res.status, 400);
		CU_ASSERT_STRING_EQUAL(field(o, "msg"), "no appname");
		CU_ASSERT_STRING_EQUAL(field(o, "url"), "/v1/repos/");
		http_response_release(&res);
	}
}

static void test_router_errors(void)
{
	response_t res;
	/* A handler's error becomes the envelope with the route's key, the
	 * status of its code, and the request's own url. */
	json_object *o = dispatch("GET", "/api/v1/apps/hello/procs/web", NULL, &res);
	CU_ASSERT_EQUAL(res.status, 503);
	CU_ASSERT_STRING_EQUAL(field(o, "proc"), "(null)");
	CU_ASSERT_STRING_EQUAL(field(o, "msg"), "etcd unavailable: test");
	CU_ASSERT_STRING_EQUAL(field(o, "url"), "/v1/apps/hello/procs/web/");
	http_response_release(&res);
	/* A handler that forgot to answer still yields JSON. */
	o = dispatch("GET", "/v1/silent", NULL, &res);
	CU_ASSERT_EQUAL(res.status, 500);
	CU_ASSERT_STRING_EQUAL(field(o, "x"), "(null)");
	http_response_release(&res);
}

static void test_envelope_and_serialize(void)
{
	response_t res;
	http_response_init(&res);
	http_envelope(&res, 409, "repos", NULL, "app with appname a/b has already been reposited\n",
		      "/v1/repos/a/");
	/* Key order, null payload, no escaped slashes, escaped newline. */
	CU_ASSERT_STRING_EQUAL(res.body.data,
			       "{\"repos\":null,\"msg\":\"app with appname a/b has already been "
			       "reposited\\n\",\"url\":\"/v1/repos/a/\"}");
	request_t req;
	const char *kv[] = { "REQUEST_ID", "abc", NULL };
	make_request(&req, kv);
	buf_t out = BUF_INIT;
	http_header(&res, "Location", "/x");
	http_response_serialize(&req, &res, &out);
	CU_ASSERT_PREFIX(out.data, "Status: 409 Conflict\r\n");
	CU_ASSERT_PTR_NOT_NULL(strstr(out.data, "\r\nContent-Type: application/json\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out.data, "\r\nAccess-Control-Allow-Origin: *\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out.data, "\r\nX-Frame-Options: SAMEORIGIN\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out.data, "\r\nX-Request-Id: abc\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out.data, "\r\nLocation: /x\r\n"));
	char cl[64];
	snprintf(cl, sizeof(cl), "\r\nContent-Length: %zu\r\n", res.body.len);
	CU_ASSERT_PTR_NOT_NULL(strstr(out.data, cl));
	const char *body = strstr(out.data, "\r\n\r\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(body);
	CU_ASSERT_STRING_EQUAL(body + 4, res.body.data);
	buf_release(&out);
	http_response_release(&res);
	CU_ASSERT_STRING_EQUAL(http_reason(413), "Payload Too Large");
	CU_ASSERT_STRING_EQUAL(http_reason(299), "Unknown");
}

static void test_utf8_and_escaping(void)
{
	response_t res;
	http_response_init(&res);
	http_envelope(&res, 400, "repos", NULL, "bad name '\"<x>\"' \xc3\xa9", "/v1/repos/");
	json_object *o = json_tokener_parse(res.body.data);
	CU_ASSERT_PTR_NOT_NULL(o);
	CU_ASSERT_STRING_EQUAL(field(o, "msg"), "bad name '\"<x>\"' \xc3\xa9");
	json_object_put(o);
	http_response_release(&res);
}

/* Bytes that start no UTF-8 sequence become U+FFFD: escaped in JSON, raw
 * in text; well-formed sequences stay. */
static void test_invalid_utf8_replaced(void)
{
	static const struct {
		const char *in, *json, *text;
	} cases[] = {
		{ "a\xff", "a\\ufffd", "a\xef\xbf\xbd" },
		{ "\xc0\xaf", "\\ufffd\\ufffd", "\xef\xbf\xbd\xef\xbf\xbd" },          /* overlong / */
		{ "\xed\xa0\x80", "\\ufffd\\ufffd\\ufffd", NULL },                        /* surrogate */
		{ "\xf4\x90\x80\x80", "\\ufffd\\ufffd\\ufffd\\ufffd", NULL },          /* > U+10FFFF */
		{ "x\xe2\x82", "x\\ufffd\\ufffd", NULL },                                    /* cut short */
		{ "\xe2\x82\xac\xf0\x9f\x98\x80", "\xe2\x82\xac\xf0\x9f\x98\x80",
		  "\xe2\x82\xac\xf0\x9f\x98\x80" },                                         /* kept */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		response_t res;
		http_response_init(&res);
		http_envelope(&res, 404, "app", NULL, cases[i].in, "/v1/docs/");
		char want[256];
		snprintf(want, sizeof(want), "{\"app\":null,\"msg\":\"%s\",\"url\":\"/v1/docs/\"}",
			 cases[i].json);
		CU_ASSERT_STRING_EQUAL(res.body.data, want);
		json_object *o = json_tokener_parse(res.body.data);
		CU_ASSERT_PTR_NOT_NULL(o);
		json_object_put(o);
		if (cases[i].text) {
			http_text(&res, 401, cases[i].in);
			CU_ASSERT_STRING_EQUAL(res.body.data, cases[i].text);
		}
		http_response_release(&res);
	}
}

/* A NUL in the URL's query or path (encoded) or in a JSON body: 400 before
 * any handler; an escaped backslash before "u0000" is none. */
static void test_router_nul(void)
{
	response_t res;
	static const char *const bodies[] = { "{\"appname\": \"a\\u0000b\"}",
					      "{\"app\\u0000name\": \"a\"}" };
	for (size_t i = 0; i < 2; i++) {
		json_object *o = dispatch("POST", "/v1/repos/", bodies[i], &res);
		CU_ASSERT_EQUAL(res.status, 400);
		CU_ASSERT_PREFIX(field(o, "msg"), "invalid request: a string of the body holds a NUL");
		CU_ASSERT_EQUAL(last_handler, 0);
		http_response_release(&res);
	}
	/* A raw NUL byte, past what strlen sees. */
	request_t req;
	const char *kv[] = { "REQUEST_METHOD", "POST", "DOCUMENT_URI", "/v1/repos/", NULL };
	make_request(&req, kv);
	static const char raw[] = "{\"appname\": \"a\0b\"}";
	req.body = raw;
	req.body_len = sizeof(raw) - 1;
	http_response_init(&res);
	const router_t router = { routes, NROUTES, NULL, NULL };
	router_dispatch(&router, &req, &res);
	CU_ASSERT_EQUAL(res.status, 400);
	http_response_release(&res);

	json_object *o = dispatch("POST", "/v1/repos/", "{\"appname\": \"a\\\\u0000\"}", &res);
	CU_ASSERT_EQUAL(res.status, 201);
	CU_ASSERT_STRING_EQUAL(field(o, "repos"), "a\\u0000");
	http_response_release(&res);

	const char *kv2[] = { "REQUEST_METHOD", "GET", "DOCUMENT_URI", "/v1/repos/",
			      "REQUEST_URI", "/v1/repos/?x=a%00b", "QUERY_STRING", "x=a%00b", NULL };
	make_request(&req, kv2);
	CU_ASSERT(req.url_nul);
	http_response_init(&res);
	router_dispatch(&router, &req, &res);
	CU_ASSERT_EQUAL(res.status, 400);
	CU_ASSERT_PTR_NOT_NULL(strstr(res.body.data, "the URL holds a NUL character (%00)"));
	http_response_release(&res);
	const char *kv3[] = { "DOCUMENT_URI", "/v1/repos/", "QUERY_STRING", "x=a%2500", NULL };
	make_request(&req, kv3);
	CU_ASSERT(!req.url_nul);
}

/* The typed getters of the body (STYLE §8). */
static void test_body_getters(void)
{
	request_t req;
	const char *kv[] = { NULL };
	make_request(&req, kv);
	err_t err = ERR_INIT;
	const char *s = "x";
	long n = 7;
	bool has = true;
	/* No JSON body: nothing given. */
	CU_ASSERT_EQUAL(http_body_string(&req, "k", &s, &err), 0);
	CU_ASSERT_PTR_NULL(s);
	req.json = arena_json(arena, json_tokener_parse(
		"{\"s\": \"v\", \"n\": 3, \"z\": null, \"b\": true, \"d\": 2.0, \"a\": [1], \"big\": 100}"));
	CU_ASSERT_EQUAL(http_body_string(&req, "s", &s, &err), 0);
	CU_ASSERT_STRING_EQUAL(s, "v");
	CU_ASSERT_EQUAL(http_body_string(&req, "z", &s, &err), 0);
	CU_ASSERT_PTR_NULL(s);
	CU_ASSERT_EQUAL(http_body_string(&req, "absent", &s, &err), 0);
	CU_ASSERT_PTR_NULL(s);
	CU_ASSERT_EQUAL(http_body_string(&req, "n", &s, &err), -ERR_INVALID);
	CU_ASSERT_STRING_EQUAL(err.msg, "invalid request: n must be a string, not a number");
	CU_ASSERT_EQUAL(http_body_int(&req, "n", 0, 10, &has, &n, &err), 0);
	CU_ASSERT(has);
	CU_ASSERT_EQUAL(n, 3);
	CU_ASSERT_EQUAL(http_body_int(&req, "z", 0, 10, &has, &n, &err), 0);
	CU_ASSERT(!has);
	CU_ASSERT_EQUAL(http_body_int(&req, "b", 0, 10, &has, &n, &err), -ERR_INVALID);
	CU_ASSERT_STRING_EQUAL(err.msg, "invalid request: b must be an integer, not a boolean");
	CU_ASSERT_EQUAL(http_body_int(&req, "d", 0, 10, &has, &n, &err), -ERR_INVALID);
	CU_ASSERT_EQUAL(http_body_int(&req, "big", 0, 10, &has, &n, &err), -ERR_INVALID);
	CU_ASSERT_STRING_EQUAL(err.msg, "invalid request: big must be an integer in 0..10, not 100");
	CU_ASSERT_EQUAL(http_body_string(&req, "a", &s, &err), -ERR_INVALID);
	CU_ASSERT_STRING_EQUAL(err.msg, "invalid request: a must be a string, not an array");
	req.json = arena_json(arena, json_tokener_parse("[1]"));
	CU_ASSERT_EQUAL(http_body_string(&req, "s", &s, &err), -ERR_INVALID);
	CU_ASSERT_STRING_EQUAL(err.msg, "invalid request: the body must be a JSON object, not an array");
}

static CU_TestInfo http_tests[] = {
	{ "request from FastCGI params", test_request_init },
	{ "request fallbacks and sanitising", test_request_fallbacks },
	{ "request parameters in one pass", test_request_env },
	{ "cookies by name", test_cookies },
	{ "router: /api prefix, trailing slash, 404", test_router_paths },
	{ "router: path parameters", test_router_params },
	{ "router: 405 with the route's key", test_router_405 },
	{ "router: OPTIONS anywhere with CORS", test_router_options },
	{ "router: JSON body whatever its type", test_router_json_body },
	{ "router: handler errors become envelopes", test_router_errors },
	{ "envelope and FastCGI serialisation", test_envelope_and_serialize },
	{ "envelope escaping through json-c", test_utf8_and_escaping },
	{ "answers stay UTF-8: invalid bytes become U+FFFD", test_invalid_utf8_replaced },
	{ "router: NUL in the URL or a JSON body is 400", test_router_nul },
	{ "typed body getters", test_body_getters },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "http", setup, teardown, NULL, NULL, http_tests },
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return test_main(suites);
}
