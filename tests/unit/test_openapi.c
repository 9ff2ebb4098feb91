/*
 * The OpenAPI document (app/api/openapi.json) against the route table
 * (app/api/routes.c): every row's pattern and methods are in the document,
 * every path and method of the document is a row, as the router matches it;
 * and GET /api/v1/openapi.json serves exactly that document.
 */
#include <stdio.h>
#include <string.h>

#include <CUnit/CUnit.h>
#include <json-c/json.h>

#include "console/api.h"
#include "console/http.h"
#include "console/router.h"
#include "testlib.h"

static arena_t *arena;
static json_object *doc;     /* app/api/openapi.json, parsed */
static bool quiet;           /* the checks' own test: no report of what it finds */

#define REPORT(...) (quiet ? (void)0 : (void)printf(__VA_ARGS__))

static const struct {
	unsigned bit;
	const char *name;        /* as OpenAPI writes it */
} methods[] = {
	{ HTTP_GET, "get" },     { HTTP_POST, "post" },       { HTTP_PUT, "put" },
	{ HTTP_PATCH, "patch" }, { HTTP_DELETE, "delete" },   { HTTP_OPTIONS, "options" },
	{ HTTP_HEAD, "head" },
	/* HTTP_OTHER (methods without a name of their own) cannot be written in
	 * OpenAPI: the registry's row has it, its description says so. */
};

static int setup(void)
{
	arena = arena_new();
	doc = json_object_from_file(test_path("../app/api/openapi.json"));
	return doc ? 0 : 1;
}

static int teardown(void)
{
	json_object_put(doc);
	arena_free(arena);
	return 0;
}

/*
 * A path as the router compares it: without the "/api" prefix (the
 * document's paths have it), "{name}" as ":name", without a final "*" (the
 * router's "any suffix") and without the trailing slash it treats as
 * optional. "/" stays "/".
 */
static void normalize(const char *in, char *out, size_t size)
{
	size_t n = 0;
	if (!strncmp(in, "/api", 4) && (in[4] == '/' || !in[4]))
		in += 4;
	for (; *in && n + 1 < size; in++) {
		if (*in == '{')
			out[n++] = ':';
		else if (*in != '}')
			out[n++] = *in;
	}
	out[n] = '\0';
	if (n && out[n - 1] == '*')
		out[--n] = '\0';
	while (n > 1 && out[n - 1] == '/')
		out[--n] = '\0';
	if (!n)
		snprintf(out, size, "/");
}

static bool same_path(const char *doc_path, const char *pattern)
{
	char a[256], b[256];
	normalize(doc_path, a, sizeof(a));
	normalize(pattern, b, sizeof(b));
	return !strcmp(a, b);
}

/* Rows of routes[] whose method is missing from the document; each named. */
static int rows_missing(const route_t *routes, size_t n)
{
	json_object *paths = json_object_object_get(doc, "paths");
	int missing = 0;
	for (size_t i = 0; i < n; i++) {
		for (size_t m = 0; m < sizeof(methods) / sizeof(methods[0]); m++) {
			if (!(routes[i].methods & methods[m].bit))
				continue;
			bool found = false;
			json_object_object_foreach(paths, path, item)
			{
				if (same_path(path, routes[i].pattern) &&
				    json_object_object_get_ex(item, methods[m].name, NULL))
					found = true;
			}
			if (!found) {
				REPORT("\n  route %s %s is not in app/api/openapi.json", methods[m].name,
				       routes[i].pattern);
				missing++;
			}
		}
	}
	return missing;
}

/* The request the router would see for method and path. */
/* The document's path with a value in every "{name}" ("1": "{n}" is a number). */
static void concrete(const char *path, char *out, size_t size)
{
	size_t n = 0;
	for (; *path && n + 2 < size; path++) {
		if (*path == '{') {
			out[n++] = '1';
			path = strchr(path, '}');
			if (!path)
				break;
		} else {
			out[n++] = *path;
		}
	}
	out[n] = '\0';
}

/* Paths and methods of the document that are no row of routes[], found
 * through router_match as a request would be; each named. */
static int operations_unrouted(const route_t *routes, size_t nroutes)
{
	json_object *paths = json_object_object_get(doc, "paths");
	int unrouted = 0;
	json_object_object_foreach(paths, path, item)
	{
		/* /v1/ routes as clients call them; "/" and "/metrics" are no
		 * /v1/ routes and are called as they are. */
		if (!strncmp(path, "/v1/", 4) ||
		    (strncmp(path, "/api/v1/", 8) && strcmp(path, "/") && strcmp(path, "/metrics"))) {
			REPORT("\n  %s: a path is written as clients call it, /api/v1/...", path);
			unrouted++;
		}
		json_object_object_foreach(item, key, op)
		{
			(void)op;
			char upper[16] = "";
			for (size_t m = 0; m < sizeof(methods) / sizeof(methods[0]); m++)
				if (!strcmp(key, methods[m].name))
					for (size_t k = 0; key[k] && k < sizeof(upper) - 1; k++)
						upper[k] = (char)(key[k] - 'a' + 'A');
			if (!*upper) {
				if (strcmp(key, "parameters") && strcmp(key, "summary") &&
				    strcmp(key, "description")) {
					REPORT("\n  %s: '%s' is no method a route can have", path, key);
					unrouted++;
				}
				continue;
			}
			char uri[256];
			concrete(path, uri, sizeof(uri));
			const char *env[] = { arena_printf(arena, "REQUEST_METHOD=%s", upper),
					      arena_printf(arena, "DOCUMENT_URI=%s", uri), NULL };
			request_t req;
			http_request_init(&req, arena, NULL, env);
			int status = 0;
			const char *rkey = NULL;
			const route_t *r = router_match(routes, nroutes, &req, &status, &rkey);
			if (!r || !same_path(path, r->pattern)) {
				REPORT("\n  %s %s (%s) is no route (router: %s)", key, path, uri,
				       r ? r->pattern : status == 405 ? "405" : "404");
				unrouted++;
			}
		}
	}
	return unrouted;
}

static void test_every_route_is_described(void)
{
	CU_ASSERT_EQUAL(rows_missing(api_routes, api_routes_count), 0);
}

static void test_every_operation_is_routed(void)
{
	CU_ASSERT_EQUAL(operations_unrouted(api_routes, api_routes_count), 0);
}

static int noop(request_t *req, response_t *res, err_t *err)
{
	return 0;
}

/* The two checks see a difference: a row the document lacks, a document
 * path that no row serves, a method only one side has. */
static void test_checks_find_differences(void)
{
	quiet = true;
	const route_t extra[] = {
		{ .methods = HTTP_GET, .pattern = "/v1/healthz", .handler = noop },
		{ .methods = HTTP_GET | HTTP_PUT, .pattern = "/v1/nothing/:app/", .handler = noop },
		{ .methods = HTTP_POST, .pattern = "/v1/healthz", .handler = noop },
	};
	CU_ASSERT_EQUAL(rows_missing(extra, 3), 3);
	/* every operation of the document but healthz lacks its row */
	json_object *paths = json_object_object_get(doc, "paths");
	int ops = 0;
	json_object_object_foreach(paths, path, item)
	{
		(void)path;
		json_object_object_foreach(item, key, op)
		{
			(void)op;
			ops += strcmp(key, "parameters") != 0;
		}
	}
	CU_ASSERT_EQUAL(operations_unrouted(extra, 1), ops - 1);
	/* a row matched by a pattern other than the document's path */
	const route_t shadow[] = { { .methods = HTTP_GET, .pattern = "/v1/*", .handler = noop } };
	CU_ASSERT(operations_unrouted(shadow, 1) > 0);
	quiet = false;
}

static void test_normalize(void)
{
	CU_ASSERT(same_path("/api/v1/repos/{app}/", "/v1/repos/:app/"));
	CU_ASSERT(same_path("/api/v1/repos/{app}", "/v1/repos/:app/"));
	CU_ASSERT(same_path("/api/v1/usedstreamrouterports", "/v1/usedstreamrouterports*"));
	CU_ASSERT(same_path("/", "/"));
	CU_ASSERT(same_path("/api", "/"));
	CU_ASSERT(!same_path("/api/v1/repos/{user}/", "/v1/repos/:app/"));
	CU_ASSERT(!same_path("/api/v1/repos/", "/v1/repos/:app/"));
	CU_ASSERT(!same_path("/apix/v1/repos/", "/v1/repos/"));
}

/* What GET /api/v1/openapi.json (and /v1/openapi.json) answers. */
static void test_served_document(void)
{
	const char *uris[] = { "DOCUMENT_URI=/api/v1/openapi.json", "DOCUMENT_URI=/v1/openapi.json" };
	for (size_t i = 0; i < 2; i++) {
		const char *env[] = { "REQUEST_METHOD=GET", uris[i], NULL };
		request_t req;
		http_request_init(&req, arena, NULL, env);
		response_t res;
		http_response_init(&res);
		/* the row needs no permission: no check */
		const router_t router = { api_routes, api_routes_count, NULL, NULL };
		router_dispatch(&router, &req, &res);
		CU_ASSERT_EQUAL(res.status, 200);
		CU_ASSERT_STRING_EQUAL(res.content_type, "application/json");
		json_object *served = json_tokener_parse(res.body.data);
		CU_ASSERT_PTR_NOT_NULL(served);
		/* the build embedded the source as it is now */
		CU_ASSERT(json_object_equal(served, doc));
		json_object_put(served);
		http_response_release(&res);
	}
	const char *version = json_object_get_string(json_object_object_get(doc, "openapi"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(version);
	CU_ASSERT(!strncmp(version, "3.", 2));
}

static CU_TestInfo openapi_tests[] = {
	{ "paths compared as the router does", test_normalize },
	{ "every route row is in the document", test_every_route_is_described },
	{ "every documented operation is a route", test_every_operation_is_routed },
	{ "the comparison sees differences", test_checks_find_differences },
	{ "GET /api/v1/openapi.json serves the document", test_served_document },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "openapi", setup, teardown, NULL, NULL, openapi_tests },
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return test_main(suites);
}
