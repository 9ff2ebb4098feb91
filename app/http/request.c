#include <ctype.h>
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

/* The parameters a request is built from, by their place in want[]. */
enum want {
	W_METHOD, W_DOCUMENT_URI, W_REQUEST_URI, W_QUERY, W_CONTENT_TYPE, W_CONTENT_LENGTH,
	W_ACCESS_TOKEN, W_COOKIE, W_AUTHORIZATION, W_REMOTE_ADDR, W_REQUEST_ID, W_COUNT
};

static const struct {
	const char *name;
	size_t len;
} want[W_COUNT] = {
#define W(slot, name) [slot] = { name, sizeof(name) - 1 }
	W(W_METHOD, "REQUEST_METHOD"),       W(W_DOCUMENT_URI, "DOCUMENT_URI"),
	W(W_REQUEST_URI, "REQUEST_URI"),     W(W_QUERY, "QUERY_STRING"),
	W(W_CONTENT_TYPE, "CONTENT_TYPE"),   W(W_CONTENT_LENGTH, "CONTENT_LENGTH"),
	W(W_ACCESS_TOKEN, "HTTP_ACCESS_TOKEN"), W(W_COOKIE, "HTTP_COOKIE"),
	W(W_AUTHORIZATION, "HTTP_AUTHORIZATION"), W(W_REMOTE_ADDR, "REMOTE_ADDR"),
	W(W_REQUEST_ID, "REQUEST_ID"),
#undef W
};

/* One pass over the environment: v[slot] = the value of want[slot], NULL
 * when absent (the first one when a name repeats, as FCGX_GetParam). nginx
 * sends some 25 parameters; a lookup per name walked them all each time. */
static void scan_env(const char *const *env, const char *v[W_COUNT])
{
	/* bit (c & 31): some wanted name starts with the letter c; the others
	 * (SERVER_*, PATH_INFO, ...) are passed over at one test each. Made
	 * from want[] by the first request of the process. */
	static unsigned firsts;
	if (!firsts)
		for (size_t i = 0; i < W_COUNT; i++)
			firsts |= 1u << (want[i].name[0] & 31);
	for (size_t i = 0; i < W_COUNT; i++)
		v[i] = NULL;
	for (; env && *env; env++) {
		const char *e = *env;
		if (!(firsts >> (e[0] & 31) & 1))
			continue;
		const char *eq = strchr(e, '=');
		if (!eq)
			continue;
		size_t n = (size_t)(eq - e);
		for (size_t i = 0; i < W_COUNT; i++)
			if (want[i].len == n && !v[i] && !memcmp(e, want[i].name, n)) {
				v[i] = eq + 1;
				break;
			}
	}
}

/* Whether s is 1..64 characters of hex digits and '-'. */
static bool plain_id(const char *s)
{
	size_t n = 0;
	for (; s[n]; n++)
		if (n == 64 || !(isxdigit((unsigned char)s[n]) || s[n] == '-'))
			return false;
	return n > 0;
}

static const char *or(const char *v, const char *def)
{
	return v ? v : def;
}

void http_request_init(request_t *req, arena_t *arena, struct ctx *ctx, const char *const *env)
{
	const char *v[W_COUNT];
	scan_env(env, v);
	memset(req, 0, sizeof(*req));
	req->arena = arena;
	req->ctx = ctx;
	req->method = arena_strdup(arena, or(v[W_METHOD], "GET"));
	req->method_id = http_method_id(req->method);

	/* DOCUMENT_URI is the decoded, normalised path; fall back to the raw
	 * REQUEST_URI without its query. */
	const char *uri = v[W_DOCUMENT_URI];
	if (!uri || !*uri) {
		const char *raw = or(v[W_REQUEST_URI], "/");
		uri = arena_strndup(arena, raw, strcspn(raw, "?"));
	}
	req->uri = arena_strdup(arena, *uri ? uri : "/");
	req->path = strip_api(req->uri);
	req->query = arena_strdup(arena, or(v[W_QUERY], ""));
	/* nginx decodes the path (DOCUMENT_URI) and this file the query: a %00
	 * in either would end the string early ("a%00b" read as "a"). */
	req->url_nul = has_nul_escape(or(v[W_REQUEST_URI], "")) || has_nul_escape(req->query);
	req->content_type = arena_strdup(arena, or(v[W_CONTENT_TYPE], ""));
	long len;
	const char *cl = v[W_CONTENT_LENGTH];
	req->content_length = cl && *cl && !strx_to_long(cl, 0, 1L << 40, &len) ? len : -1;
	const char *tok = v[W_ACCESS_TOKEN];
	req->access_token = tok ? arena_strdup(arena, tok) : NULL;
	const char *cookie = v[W_COOKIE];
	req->cookie = cookie ? arena_strdup(arena, cookie) : NULL;
	const char *auth = v[W_AUTHORIZATION];
	req->authorization = auth ? arena_strdup(arena, auth) : NULL;
	req->remote_addr = arena_strdup(arena, or(v[W_REMOTE_ADDR], ""));
	/* nginx's $request_id is 32 hex digits; anything else is not echoed
	 * into a header. */
	const char *rid = v[W_REQUEST_ID];
	if (rid && plain_id(rid))
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
