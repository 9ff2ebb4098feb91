/*
 * libFuzzer target: a JSON request body as the router and handlers take it
 * (issue 14 #8-#10) — the NUL check and json-c's parse of ROUTE_JSON_BODY,
 * the typed getters every handler reads fields with, a handler's answer
 * echoing what it read (as the real ones echo names and values into their
 * messages), the envelope serialised — and SSO's answers re-serialised the
 * way maintainer messages quote them (pyjson.h). Whatever the body, the
 * answer must be one JSON object of three keys in valid UTF-8, a body with
 * a NUL in a string must be refused with 400, and the quote must be ASCII
 * JSON: anything else aborts, as does any crash, leak or sanitizer report.
 *
 *     make fuzz FUZZ_SECONDS=60
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "console/arena.h"
#include "console/http.h"
#include "console/pyjson.h"
#include "console/router.h"
#include "console/strx.h"

/* What the handlers of app/api do with a body: typed fields, a 400 naming
 * a wrong one, else an answer echoing them. */
static int h_fields(request_t *req, response_t *res, err_t *err)
{
	const char *name, *version;
	long n = 0, instance = 0;
	bool has_n, has_instance;
	int rc;
	if ((rc = http_body_string(req, "appname", &name, err)) ||
	    (rc = http_body_string(req, "meta_version", &version, err)) ||
	    (rc = http_body_int(req, "num_instances", 0, 100000, &has_n, &n, err)) ||
	    (rc = http_body_int(req, "instance", 0, 100000, &has_instance, &instance, err)))
		return rc;
	json_object *v = NULL;
	const char *memory = req->json && json_object_is_type(req->json, json_type_object) &&
				     json_object_object_get_ex(req->json, "memory", &v)
			     ? json_object_to_json_string(v)
			     : "";
	json_object *payload = json_object_new_object();
	json_object_object_add(payload, "appname", json_object_new_string(name ? name : ""));
	http_envelope(res, 202, "app", payload,
		      arena_printf(req->arena, "app %s version %s scaled to %ld (instance %ld), "
					       "memory (%s)",
				   name ? name : "-", version ? version : "-", n, instance, memory),
		      http_self_url(req));
	return HTTP_ANSWERED;
}

static const route_t routes[] = {
	{ .methods = HTTP_POST | HTTP_PUT | HTTP_PATCH, .pattern = "/v1/apps/:app/",
	  .handler = h_fields, .flags = ROUTE_JSON_BODY, .key = "app" },
};

static void check_answer(const response_t *res)
{
	if (!strx_utf8_valid(res->body.data, res->body.len))
		abort();
	json_tokener *tok = json_tokener_new();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	json_object *o = json_tokener_parse_ex(tok, res->body.data, (int)res->body.len);
	bool ok = o && json_tokener_get_error(tok) == json_tokener_success &&
		  json_object_is_type(o, json_type_object) && json_object_object_length(o) == 3 &&
		  json_object_is_type(json_object_object_get(o, "msg"), json_type_string);
	json_object_put(o);
	json_tokener_free(tok);
	if (!ok)
		abort();
}

/* SSO's answer as the maintainer messages quote it: ASCII, and JSON again. */
static void check_quote(const uint8_t *data, size_t size)
{
	json_tokener *tok = json_tokener_new();
	json_object *v = json_tokener_parse_ex(tok, (const char *)data, (int)size);
	json_tokener_free(tok);
	if (!v)
		return;
	buf_t out = BUF_INIT;
	pyjson_dump_indent2(&out, v);
	for (size_t i = 0; i < out.len; i++)
		if ((unsigned char)out.data[i] >= 0x80)
			abort();
	json_object *back = json_tokener_parse(out.data);
	/* Numbers json-c cannot write back as JSON (NaN, Infinity) are the
	 * only ones allowed to fail. */
	if (!back && !strstr(out.data, "NaN") && !strstr(out.data, "nfinity"))
		abort();
	json_object_put(back);
	buf_release(&out);
	json_object_put(v);
}

/* Whether a string value of v holds a NUL (json-c keeps "\u0000" in it). */
static bool embedded_nul(json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_string:
		return strlen(json_object_get_string(v)) != (size_t)json_object_get_string_len(v);
	case json_type_array:
		for (size_t i = 0; i < json_object_array_length(v); i++)
			if (embedded_nul(json_object_array_get_idx(v, i)))
				return true;
		return false;
	case json_type_object: {
		json_object_object_foreach(v, key, val) {
			(void)key;
			if (embedded_nul(val))
				return true;
		}
		return false;
	}
	default:
		return false;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > (1u << 20))
		return 0;
	static const char *const methods[] = { "REQUEST_METHOD=POST", "REQUEST_METHOD=PUT",
						"REQUEST_METHOD=PATCH" };
	arena_t *a = arena_new();
	char *body = arena_alloc(a, size + 1);
	memcpy(body, data, size);
	body[size] = '\0';
	const char *env[] = { methods[size % 3], "DOCUMENT_URI=/api/v1/apps/fuzz/",
			      "REQUEST_URI=/api/v1/apps/fuzz/", NULL };
	request_t req;
	http_request_init(&req, a, NULL, env);
	req.body = body;
	req.body_len = size;
	response_t res;
	http_response_init(&res);
	const router_t router = { routes, 1, NULL, NULL };
	router_dispatch(&router, &req, &res);
	check_answer(&res);
	/* A NUL in any string of the body never reaches a handler (#8). */
	json_object *parsed = json_tokener_parse(body);
	if (embedded_nul(parsed) && res.status != 400)
		abort();
	json_object_put(parsed);
	buf_t out = BUF_INIT;
	http_response_serialize(&req, &res, &out);
	buf_release(&out);
	http_response_release(&res);
	arena_free(a);
	check_quote(data, size);
	return 0;
}
