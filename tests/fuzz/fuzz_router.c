/*
 * libFuzzer target: a request's FastCGI parameters through http_request_init
 * and the router with the real route table (app/api/routes.c): matching,
 * path parameters, 404/405, OPTIONS, the NUL checks, query and cookie
 * lookups, the envelope of the answer. The input is the parameters,
 * newline-separated: method, DOCUMENT_URI, REQUEST_URI, QUERY_STRING, Cookie,
 * then the body. The route check refuses everything (the handlers talk to
 * etcd and the neighbours), so every request ends in an answer of the
 * router's: it must be one JSON object of three keys in valid UTF-8, or
 * OPTIONS' empty text. Anything else aborts, as does any crash, leak or
 * sanitizer report.
 *
 *     make fuzz FUZZ_SECONDS=60
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "console/api.h"
#include "console/arena.h"
#include "console/http.h"
#include "console/router.h"
#include "console/strx.h"

static int refuse(request_t *req, response_t *res, const route_t *r, err_t *err)
{
	/* Every parameter the route names is there, inside the path. */
	for (size_t i = 0; i < req->nparams; i++)
		if (!req->params[i] || !*req->params[i] || strchr(req->params[i], '/'))
			abort();
	return err_set(err, -ERR_FORBIDDEN, "refused by the fuzzer for %s", req->path);
}

static int count(const char *value, void *data)
{
	if (!value)
		abort();
	(*(size_t *)data)++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > (64u << 10))
		return 0;
	arena_t *a = arena_new();
	char *in = arena_alloc(a, size + 1);
	memcpy(in, data, size);
	in[size] = '\0';
	/* Up to five fields split on '\n'; the rest is the body. */
	const char *f[5] = { "GET", "/", "", "", NULL };
	char *p = in;
	size_t nf = 0;
	for (; nf < 5; nf++) {
		char *nl = memchr(p, '\n', size - (size_t)(p - in));
		if (!nl)
			break;
		*nl = '\0';
		f[nf] = p;
		p = nl + 1;
	}
	const char *body = p;
	size_t body_len = size - (size_t)(p - in);
	const char *env[] = { arena_printf(a, "REQUEST_METHOD=%s", f[0]),
			      arena_printf(a, "DOCUMENT_URI=%s", f[1]),
			      arena_printf(a, "REQUEST_URI=%s", f[2]),
			      arena_printf(a, "QUERY_STRING=%s", f[3]),
			      f[4] ? arena_printf(a, "HTTP_COOKIE=%s", f[4]) : NULL, NULL };
	request_t req;
	http_request_init(&req, a, NULL, env);
	req.body = body;
	req.body_len = body_len;
	size_t n = 0;
	http_query_each(&req, "scope", count, &n);
	(void)http_query(&req, "apptype");
	(void)http_cookie(&req, "console_oauth_state");
	if (!http_self_url(&req))
		abort();

	response_t res;
	http_response_init(&res);
	const router_t router = { api_routes, api_routes_count, refuse, NULL };
	router_dispatch(&router, &req, &res);
	if (!strx_utf8_valid(res.body.data, res.body.len))
		abort();
	if (req.method_id == HTTP_OPTIONS) {
		if (res.status != 200 || res.body.len)
			abort();
	} else {
		json_object *o = json_tokener_parse(res.body.data);
		if (!o || !json_object_is_type(o, json_type_object) ||
		    json_object_object_length(o) != 3 || res.status < 400)
			abort();
		json_object_put(o);
	}
	buf_t out = BUF_INIT;
	http_response_serialize(&req, &res, &out);
	buf_release(&out);
	http_response_release(&res);
	arena_free(a);
	return 0;
}
