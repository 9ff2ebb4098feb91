#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "console/array.h"
#include "console/http.h"
#include "console/strx.h"
#include "console/banned.h"

static const struct {
	const char *name;
	unsigned id;
} methods[] = {
	{ "GET", HTTP_GET },         { "POST", HTTP_POST },     { "PUT", HTTP_PUT },
	{ "PATCH", HTTP_PATCH },     { "DELETE", HTTP_DELETE }, { "OPTIONS", HTTP_OPTIONS },
	{ "HEAD", HTTP_HEAD },
};

unsigned http_method_id(const char *method)
{
	for (size_t i = 0; i < ARRAY_SIZE(methods); i++)
		if (!strcmp(methods[i].name, method))
			return methods[i].id;
	return HTTP_OTHER;
}

static const char *param_or(http_param_fn get, void *data, const char *name, const char *def)
{
	const char *v = get(name, data);
	return v ? v : def;
}

/* "/api/v1/x" -> "/v1/x"; "/api" -> "/". Anything else unchanged. */
static const char *strip_api(const char *uri)
{
	if (!strncmp(uri, "/api", 4)) {
		if (uri[4] == '/')
			return uri + 4;
		if (uri[4] == '\0')
			return "/";
	}
	return uri;
}

/* Whether s holds "%00". */
static bool has_nul_escape(const char *s)
{
	return strstr(s, "%00") != NULL;
}

void http_request_init(request_t *req, arena_t *arena, struct ctx *ctx, http_param_fn get,
		       void *data)
{
	memset(req, 0, sizeof(*req));
	req->arena = arena;
	req->ctx = ctx;
	req->method = arena_strdup(arena, param_or(get, data, "REQUEST_METHOD", "GET"));
	req->method_id = http_method_id(req->method);

	/* DOCUMENT_URI is the decoded, normalised path; fall back to the raw
	 * REQUEST_URI without its query. */
	const char *uri = get("DOCUMENT_URI", data);
	if (!uri || !*uri) {
		const char *raw = param_or(get, data, "REQUEST_URI", "/");
		uri = arena_strndup(arena, raw, strcspn(raw, "?"));
	}
	req->uri = arena_strdup(arena, *uri ? uri : "/");
	req->path = strip_api(req->uri);
	req->query = arena_strdup(arena, param_or(get, data, "QUERY_STRING", ""));
	/* nginx decodes the path (DOCUMENT_URI) and this file the query: a %00
	 * in either would end the string early ("a%00b" read as "a"). */
	req->url_nul = has_nul_escape(param_or(get, data, "REQUEST_URI", "")) ||
		       has_nul_escape(req->query);
	req->content_type = arena_strdup(arena, param_or(get, data, "CONTENT_TYPE", ""));
	long len;
	const char *cl = get("CONTENT_LENGTH", data);
	req->content_length = cl && *cl && !strx_to_long(cl, 0, 1L << 40, &len) ? len : -1;
	const char *tok = get("HTTP_ACCESS_TOKEN", data);
	req->access_token = tok ? arena_strdup(arena, tok) : NULL;
	const char *cookie = get("HTTP_COOKIE", data);
	req->cookie = cookie ? arena_strdup(arena, cookie) : NULL;
	const char *auth = get("HTTP_AUTHORIZATION", data);
	req->authorization = auth ? arena_strdup(arena, auth) : NULL;
	req->remote_addr = arena_strdup(arena, param_or(get, data, "REMOTE_ADDR", ""));
	/* nginx's $request_id is 32 hex digits; anything else is not echoed
	 * into a header. */
	const char *rid = get("REQUEST_ID", data);
	if (rid && *rid && strlen(rid) <= 64 && strspn(rid, "0123456789abcdefABCDEF-") == strlen(rid))
		req->request_id = arena_strdup(arena, rid);
	req->body = "";
}

const char *http_param(const request_t *req, const char *name)
{
	for (size_t i = 0; i < req->nparams; i++)
		if (!strcmp(req->param_names[i], name))
			return req->params[i];
	return NULL;
}

/* The value of hex digit c, or -1. */
static int hexval(char c)
{
	static const char hex[] = "0123456789abcdefABCDEF";
	const char *d = c ? strchr(hex, c) : NULL;
	if (!d)
		return -1;
	return d - hex < 16 ? (int)(d - hex) : (int)(d - hex) - 6;
}

/* Decodes %XX and '+' (form encoding) of s[0..n) into the arena. */
static char *url_decode(arena_t *a, const char *s, size_t n)
{
	char *out = arena_alloc(a, n + 1);
	size_t j = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '+') {
			out[j++] = ' ';
		} else if (s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
			out[j++] = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
			i += 2;
		} else {
			out[j++] = s[i];
		}
	}
	out[j] = '\0';
	return out;
}

/* http_query's callback: the first value is the one. */
static int first_value(const char *value, void *data)
{
	*(const char **)data = value;
	return 1;
}

const char *http_query(const request_t *req, const char *name)
{
	const char *value = NULL;
	http_query_each(req, name, first_value, &value);
	return value;
}

const char *http_cookie(const request_t *req, const char *name)
{
	size_t nlen = strlen(name);
	for (const char *p = req->cookie; p && *p;) {
		while (*p == ' ' || *p == ';')
			p++;
		size_t len = strcspn(p, ";");
		if (len > nlen && !strncmp(p, name, nlen) && p[nlen] == '=')
			return arena_strndup(req->arena, p + nlen + 1, len - nlen - 1);
		p += len;
	}
	return NULL;
}

int http_query_each(const request_t *req, const char *name, http_query_fn fn, void *data)
{
	size_t nlen = strlen(name);
	const char *p = req->query;
	while (p && *p) {
		size_t flen = strcspn(p, "&");
		size_t klen = strcspn(p, "=&");
		const char *key = url_decode(req->arena, p, klen);
		if (strlen(key) == nlen && !memcmp(key, name, nlen)) {
			const char *value = klen < flen
						    ? url_decode(req->arena, p + klen + 1, flen - klen - 1)
						    : "";
			int rc = fn(value, data);
			if (rc)
				return rc;
		}
		p += flen;
		if (*p == '&')
			p++;
	}
	return 0;
}

void http_log(const request_t *req, enum log_level level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_vmsg_id(level, req->request_id, fmt, ap);
	va_end(ap);
}
