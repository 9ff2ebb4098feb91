#include <string.h>

#include <json-c/json.h>

#include "console/router.h"
#include "console/banned.h"

/* Matches path against pattern segment by segment; fills req's params.
 * Both may or may not end in '/'. */
static bool match(const char *pattern, const char *path, request_t *req)
{
	size_t nparams = 0;
	const char *p = pattern, *s = path;

	for (;;) {
		if (*p == '*')
			break;
		while (*p == '/' && *s == '/') {
			p++;
			s++;
		}
		if (*p == '*')
			break;
		if (!*p || !*s) {
			/* Only an optional trailing slash may be left over. */
			if ((!*p && (!*s || !strcmp(s, "/"))) || (!*s && (!*p || !strcmp(p, "/"))))
				break;
			return false;
		}
		size_t plen = strcspn(p, "/");
		size_t slen = strcspn(s, "/");
		if (!plen || !slen)
			return false;
		if (p[plen - 1] == '*') {
			/* "name*": anything that starts with name, to the end. */
			if (strncmp(p, s, plen - 1))
				return false;
			break;
		}
		if (*p == ':') {
			if (nparams == HTTP_MAX_PARAMS)
				return false;
			req->param_names[nparams] = arena_strndup(req->arena, p + 1, plen - 1);
			req->params[nparams] = arena_strndup(req->arena, s, slen);
			nparams++;
		} else if (plen != slen || memcmp(p, s, plen)) {
			return false;
		}
		p += plen;
		s += slen;
		if ((*p == '/') != (*s == '/') && *p && *s)
			return false;
	}
	req->nparams = nparams;
	return true;
}

const route_t *router_match(const route_t *routes, size_t n, request_t *req, int *status,
			    const char **key)
{
	const route_t *path_match = NULL;
	for (size_t i = 0; i < n; i++) {
		if (!match(routes[i].pattern, req->path, req))
			continue;
		if (routes[i].methods & req->method_id)
			return &routes[i];
		if (!path_match)
			path_match = &routes[i];
	}
	req->nparams = 0;
	*status = path_match ? 405 : 404;
	*key = path_match ? path_match->key : "app";
	return NULL;
}

/* Whether JSON text s[0..n) holds a NUL character: a raw one, or the
 * escape \u0000 (json-c keeps it inside a string, where every C string
 * function then stops: "a\u0000b" would be read as "a"). Any backslash of
 * valid JSON is inside a string, so escapes can be walked from the start. */
static bool json_text_has_nul(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!s[i])
			return true;
		if (s[i] == '\\' && i + 1 < n) {
			if (s[i + 1] == 'u' && i + 5 < n && !memcmp(s + i + 2, "0000", 4))
				return true;
			i++; /* the escaped character: "\\" is one */
		}
	}
	return false;
}

static void answer_options(response_t *res)
{
	http_text(res, 200, "");
	http_header(res, "Access-Control-Allow-Methods", "DELETE, GET, PATCH, POST, PUT");
	http_header(res, "Access-Control-Allow-Headers", "access-token, content-type");
	http_header(res, "Access-Control-Max-Age", "86400");
}

void router_dispatch(const router_t *router, request_t *req, response_t *res)
{
	err_t err = ERR_INIT;
	int status;
	const char *key;

	if (req->method_id == HTTP_OPTIONS) {
		answer_options(res);
		return;
	}
	if (req->url_nul) {
		http_envelope(res, 400, "app", NULL,
			      "invalid request: the URL holds a NUL character (%00)", "/v1/docs/");
		return;
	}
	const route_t *r = router_match(router->routes, router->n, req, &status, &key);
	if (!r) {
		const char *msg = status == 404
			? arena_printf(req->arena, "no such endpoint: %s", req->uri)
			: arena_printf(req->arena, "invalid http method %s", req->method);
		http_envelope(res, status, key, NULL, msg, "/v1/docs/");
		return;
	}
	req->route = r;
	if ((r->flags & ROUTE_JSON_BODY) && json_text_has_nul(req->body, req->body_len)) {
		http_envelope(res, 400, r->key, NULL,
			      "invalid request: a string of the body holds a NUL character (\\u0000)",
			      http_self_url(req));
		return;
	}
	if ((r->flags & ROUTE_JSON_BODY) && req->body_len) {
		json_tokener *tok = json_tokener_new();
		json_object *obj = json_tokener_parse_ex(tok, req->body, (int)req->body_len);
		size_t end = json_tokener_get_parse_end(tok);
		while (end < req->body_len && strchr(" \t\r\n", req->body[end]))
			end++;
		if (obj && json_tokener_get_error(tok) == json_tokener_success &&
		    end == req->body_len)
			req->json = arena_json(req->arena, obj);
		else
			json_object_put(obj);
		json_tokener_free(tok);
	}
	int rc = router->check ? router->check(req, res, r, &err) : 0;
	if (!rc)
		rc = r->handler(req, res, &err);
	if (router->done)
		router->done(req, res, r);
	if (rc < 0)
		http_error(req, res, r->key, &err, NULL);
	if (!res->status)
		http_envelope(res, 500, r->key, NULL, "handler gave no answer", http_self_url(req));
}
