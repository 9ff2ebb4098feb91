/*
 * answer — how a handler of app/api answers, in one shape: the envelope
 * {"<route key>": payload, "msg": msg, "url": url} (spec §1.1), the key
 * being the matched route's. Internal to app/api.
 *
 * Every function here fills the response and returns HTTP_ANSWERED, so a
 * handler or helper ends with `return api_answer(...)` / `return
 * api_fail(...)` and its caller only looks at the code it got back (http.h).
 * A failure names its -ERR_* code, never an HTTP status: err.h's table maps
 * the code. A failure that needs no payload and no particular url is simply
 * returned as -ERR_* with err set; the router answers it.
 *
 * url NULL: the route's url (route_t.url), else the request's own path. The
 * message is a printf format. payload: taken over (NULL is null).
 */
#ifndef CONSOLE_API_ANSWER_H
#define CONSOLE_API_ANSWER_H

#include "console/http.h"

struct json_object;

/* The url of the original's answers that are about no resource: refused
 * bodies, the permission checks, 405 (spec §1.1, §9.5). */
#define API_DOCS_URL "/v1/docs/"

/* A success: status 200, 201, 202 ... */
int api_answer(request_t *req, response_t *res, int status, struct json_object *payload,
	       const char *url, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* A failure with code (-ERR_*): the status is the code's. */
int api_fail(request_t *req, response_t *res, int code, struct json_object *payload,
	     const char *url, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* As api_fail under another envelope key than the route's: the answers the
 * original gave with a fixed key whatever the endpoint (permission.h). */
int api_fail_key(request_t *req, response_t *res, const char *key, int code, const char *url,
		 const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* An answer of the new endpoints (issue 13) whose envelope has another key
 * besides the payload's: {"<key>": payload, "<more_key>": more, "msg",
 * "url"} (key NULL: the route's; both values taken over). status: a
 * success's, or err_http_status() of a failure's code. */
int api_answer_more(request_t *req, response_t *res, int status, const char *key,
		    struct json_object *payload, const char *more_key, struct json_object *more,
		    const char *url, const char *fmt, ...) __attribute__((format(printf, 9, 10)));

/*
 * Answers rendered ahead. A part of an answer that stays the same over many
 * requests (a steady app's App object, a listing of unchanged records) is
 * rendered by json-c once (HTTP_JSON_FLAGS: the flags of http_json), kept
 * as text, and written out as it is where its value stands: an api_text_t,
 * counted references, shared by a cache and the answers being sent.
 */
typedef struct api_text {
	int refs;
	size_t len;
	char s[];
} api_text_t;

/* The text of o (o stays the caller's), one reference. */
api_text_t *api_text_of(struct json_object *o);
/* Drops a reference (NULL: nothing). */
void api_text_put(api_text_t *t);
/* A json-c value that http_json writes out as t's text; it holds a
 * reference of t. Only for answers: it has no members to look into. */
struct json_object *api_text_value(api_text_t *t);

#endif
