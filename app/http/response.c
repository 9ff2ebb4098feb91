#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "console/array.h"
#include "console/http.h"
#include "console/strx.h"
#include "console/banned.h"

static const struct {
	int status;
	const char *reason;
} reasons[] = {
	{ 200, "OK" },
	{ 201, "Created" },
	{ 202, "Accepted" },
	{ 204, "No Content" },
	{ 301, "Moved Permanently" },
	{ 302, "Found" },
	{ 308, "Permanent Redirect" },
	{ 400, "Bad Request" },
	{ 401, "Unauthorized" },
	{ 403, "Forbidden" },
	{ 404, "Not Found" },
	{ 405, "Method Not Allowed" },
	{ 406, "Not Acceptable" },
	{ 409, "Conflict" },
	{ 413, "Payload Too Large" },
	{ 423, "Locked" },
	{ 500, "Internal Server Error" },
	{ 502, "Bad Gateway" },
	{ 503, "Service Unavailable" },
	{ 504, "Gateway Timeout" },
};

const char *http_reason(int status)
{
	for (size_t i = 0; i < ARRAY_SIZE(reasons); i++)
		if (reasons[i].status == status)
			return reasons[i].reason;
	return "Unknown";
}

void http_response_init(response_t *res)
{
	memset(res, 0, sizeof(*res));
	buf_init(&res->body, 0);
}

void http_response_release(response_t *res)
{
	buf_release(&res->body);
	memset(res, 0, sizeof(*res));
}

void http_header(response_t *res, const char *name, const char *value)
{
	if (res->nheaders < HTTP_MAX_HEADERS) {
		res->header_names[res->nheaders] = name;
		res->header_values[res->nheaders] = value;
		res->nheaders++;
	}
}

/* JSON through json-c only (escaping at output, STYLE #12); "/" stays "/". */
#define JSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)
_Static_assert(JSON_FLAGS == HTTP_JSON_FLAGS, "http.h says the flags");

/*
 * s[0..len) onto out, every byte that starts no well-formed UTF-8 sequence
 * replaced by repl. Every answer is built here (http_json, http_text), so
 * whatever a request or a neighbour put into a message — a path with %ff
 * echoed in a 404, a body's invalid name in a 400 — leaves as UTF-8.
 */
static void add_utf8(buf_t *out, const char *s, size_t len, const char *repl)
{
	size_t start = 0;
	buf_grow(out, len);
	for (size_t i = 0; i < len;) {
		/* ASCII, the bulk of an answer, eight bytes at a time. */
		uint64_t w;
		if (len - i >= sizeof(w)) {
			memcpy(&w, s + i, sizeof(w));
			if (!(w & 0x8080808080808080ULL)) {
				i += sizeof(w);
				continue;
			}
		}
		size_t k = strx_utf8_len(s + i, len - i);
		if (k) {
			i += k;
			continue;
		}
		buf_add(out, s + start, i - start);
		buf_addstr(out, repl);
		start = ++i;
	}
	buf_add(out, s + start, len - start);
}

void http_json(response_t *res, int status, json_object *obj)
{
	size_t len;
	const char *s = json_object_to_json_string_length(obj, JSON_FLAGS, &len);
	res->status = status;
	res->content_type = "application/json";
	buf_reset(&res->body);
	/* json-c escapes control characters, quotes and backslashes but copies
	 * other bytes as they are: a byte >= 0x80 only ever stands inside a
	 * string, where the escape \ufffd (U+FFFD, the replacement character)
	 * is valid JSON. */
	add_utf8(&res->body, s, len, "\\ufffd");
	json_object_put(obj);
}

void http_envelope(response_t *res, int status, const char *key, json_object *payload,
		   const char *msg, const char *url)
{
	json_object *env = json_object_new_object();
	json_object_object_add(env, key, payload);
	json_object_object_add(env, "msg", json_object_new_string(msg ? msg : ""));
	json_object_object_add(env, "url", json_object_new_string(url ? url : ""));
	http_json(res, status, env);
}

void http_text(response_t *res, int status, const char *text)
{
	res->status = status;
	res->content_type = "text/plain";
	buf_reset(&res->body);
	add_utf8(&res->body, text, strlen(text), "\xef\xbf\xbd"); /* U+FFFD */
}

const char *http_self_url(const request_t *req)
{
	size_t len = strlen(req->path);
	if (len && req->path[len - 1] == '/')
		return req->path;
	return arena_printf(req->arena, "%s/", req->path);
}

void http_error(const request_t *req, response_t *res, const char *key, const err_t *err,
		const char *url)
{
	int code = err && err->code ? err->code : -ERR_INTERNAL;
	const char *msg = err && err->msg[0] ? err->msg : "internal error";
	http_envelope(res, err_http_status(code), key ? key : "app", NULL, msg,
		      url ? url : http_self_url(req));
}

/* "Name: value\r\n" */
static void add_header(buf_t *out, const char *name, const char *value)
{
	buf_addstr(out, name);
	buf_add(out, ": ", 2);
	buf_addstr(out, value);
	buf_add(out, "\r\n", 2);
}

/* Pieces, not a printf per line: every answer goes through here, and the
 * format passes cost more than the rest of a store-free request. */
void http_response_serialize(const request_t *req, const response_t *res, buf_t *out)
{
	int status = res->status ? res->status : 500;
	char num[STRX_UTOA_MAX];
	buf_add(out, "Status: ", 8);
	buf_add(out, num, strx_utoa((unsigned)status, num));
	buf_addch(out, ' ');
	buf_addstr(out, http_reason(status));
	buf_add(out, "\r\n", 2);
	if (res->content_type)
		add_header(out, "Content-Type", res->content_type);
	strx_utoa(res->body.len, num);
	add_header(out, "Content-Length", num);
	buf_addstr(out, "Access-Control-Allow-Origin: *\r\n"
			"X-Frame-Options: SAMEORIGIN\r\n");
	if (req && req->request_id)
		add_header(out, "X-Request-Id", req->request_id);
	for (size_t i = 0; i < res->nheaders; i++)
		add_header(out, res->header_names[i], res->header_values[i]);
	buf_add(out, "\r\n", 2);
	buf_add(out, res->body.data, res->body.len);
}
