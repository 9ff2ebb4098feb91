/*
 * http — one request and its answer, as a handler sees them.
 *
 * A request is filled from the FastCGI parameters; every string in it
 * lives in the request's arena and dies with it. A handler fills the
 * response once — status, content type, body — and the server sends it
 * after the handler returned (so a late failure can still become a proper
 * error answer).
 *
 * Every answer carries the headers of spec §1.1/§9.5: CORS
 * (Access-Control-Allow-Origin: *), X-Frame-Options: SAMEORIGIN, and
 * X-Request-Id.
 */
#ifndef CONSOLE_HTTP_H
#define CONSOLE_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "console/arena.h"
#include "console/buf.h"
#include "console/err.h"
#include "console/log.h"

struct json_object;
struct ctx;
struct route;

enum http_method {
	HTTP_GET = 1 << 0,
	HTTP_POST = 1 << 1,
	HTTP_PUT = 1 << 2,
	HTTP_PATCH = 1 << 3,
	HTTP_DELETE = 1 << 4,
	HTTP_OPTIONS = 1 << 5,
	HTTP_HEAD = 1 << 6,
	HTTP_OTHER = 1 << 7,
};

/*
 * What a handler, or a helper of one, returns when it has filled the
 * response itself. Together with 0 ("nothing answered, go on") and a
 * negative -ERR_* code ("failed, err says why; the router answers") it is
 * the only way a handler's code tells its caller what happened — never
 * res->status. (redis's getLongFromObjectOrReply is the model.)
 */
#define HTTP_ANSWERED 1

#define HTTP_MAX_PARAMS 4
#define HTTP_MAX_HEADERS 8

typedef struct request {
	arena_t *arena;
	struct ctx *ctx;             /* the worker's, handed through to handlers; opaque here */

	const char *method;          /* as sent: "GET" */
	unsigned method_id;          /* enum http_method */
	const char *uri;             /* the decoded path as nginx saw it */
	const char *path;            /* uri without the optional "/api" prefix */
	const char *query;           /* "" when none */
	const char *content_type;    /* "" when none */
	long content_length;         /* -1 when not given */
	const char *access_token;    /* NULL when the header is absent */
	const char *authorization;   /* NULL when absent */
	const char *remote_addr;
	const char *request_id;
	const char *cookie;          /* the Cookie header, NULL when absent */
	bool url_nul;                /* the URL (path or query) holds %00: a C string
	                                would be cut there, so the router refuses it */

	const char *body;            /* NUL-terminated; "" when none */
	size_t body_len;
	struct json_object *json;    /* body as JSON when the route asks; NULL if not JSON */

	const struct route *route;   /* set by the router */
	const char *param_names[HTTP_MAX_PARAMS];
	const char *params[HTTP_MAX_PARAMS];
	size_t nparams;
	/* What the application's route check learnt about the request (app/api:
	 * the caller and the app of the path, permission.h); opaque here. */
	void *app_state;
} request_t;

typedef struct response {
	int status;                  /* 0 until the handler answered */
	const char *content_type;
	const char *header_names[HTTP_MAX_HEADERS];
	const char *header_values[HTTP_MAX_HEADERS];
	size_t nheaders;
	buf_t body;
} response_t;

/* Fills req (body not read) from the request's parameters: "NAME=value"
 * strings up to a NULL, as libfcgi hands them over (FCGX_Request.envp; a
 * test builds its own). Read in one pass; a name given twice counts once,
 * the first time. */
void http_request_init(request_t *req, arena_t *arena, struct ctx *ctx, const char *const *env);

/* The value of path parameter name (":app" in the route), or NULL. */
const char *http_param(const request_t *req, const char *name);

/* The value of query parameter name, decoded, or NULL. */
const char *http_query(const request_t *req, const char *name);

/* Calls fn(value, data) for every query parameter called name, in order,
 * with its decoded value (in the request's arena; "" for "name" without
 * '='). Stops at, and returns, the first non-zero result of fn; else 0.
 * For repeated parameters such as the registry's `scope`. */
typedef int (*http_query_fn)(const char *value, void *data);
int http_query_each(const request_t *req, const char *name, http_query_fn fn, void *data);

/*
 * Typed fields of the JSON body (ROUTE_JSON_BODY routes; STYLE §8:
 * validate once, fail with a ready answer). Each gives 0 with *out set —
 * NULL (*present false) when the body is no JSON at all, has no such field,
 * or has it as null: the caller's default — or -ERR_INVALID with err naming
 * the field and what it must be ("invalid request: meta_version must be a
 * string, not a number"), which the router answers as 400: a wrong type
 * is the client's mistake, never read as "not given" (only a body that is
 * no JSON counts as {} — spec E8). A body that is JSON but no object fails
 * the same way. *out points into req->json (the request's).
 */
int http_body_string(const request_t *req, const char *key, const char **out, err_t *err);
/* A JSON array (its elements unchecked). */
int http_body_array(const request_t *req, const char *key, struct json_object **out, err_t *err);
/* A JSON integer (not true, not 2.0) in min..max. */
int http_body_int(const request_t *req, const char *key, long min, long max, bool *present,
		  long *out, err_t *err);

/* A log line about req: log_msg's, ending with " id=<request id>" as its
 * access-log line does, so the lines of one request are found together
 * (STYLE §16). The one way handlers log. */
void http_log(const request_t *req, enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The value of cookie name, or NULL. */
const char *http_cookie(const request_t *req, const char *name);

void http_response_init(response_t *res);
void http_response_release(response_t *res);

/* Adds a header; name and value must outlive the response (arena or static). */
void http_header(response_t *res, const char *name, const char *value);

/*
 * The envelope every JSON endpoint answers with (spec §1.1):
 * {"<key>": payload, "msg": msg, "url": url}. Takes ownership of payload
 * (NULL renders as null).
 */
void http_envelope(response_t *res, int status, const char *key, struct json_object *payload,
		   const char *msg, const char *url);

/* A JSON body without the envelope (takes ownership of obj). */
void http_json(response_t *res, int status, struct json_object *obj);
/* The json-c flags of http_json's text (a part rendered ahead must use
 * them): JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE. */
#define HTTP_JSON_FLAGS (0 | (1 << 4))

/* Plain text. */
void http_text(response_t *res, int status, const char *text);

/* The envelope for a failure: status from the code's table, msg from err. */
void http_error(const request_t *req, response_t *res, const char *key, const err_t *err,
		const char *url);

/* The request path without "/api", with the trailing slash: the `url` that
 * the original reports for most answers ("/v1/repos/"). */
const char *http_self_url(const request_t *req);

/* "Status: ..." and headers, then the body: what goes to the FastCGI stream. */
void http_response_serialize(const request_t *req, const response_t *res, buf_t *out);

/* "OK", "Not Found", ... ("Unknown" for codes not in the table). */
const char *http_reason(int status);

/* Method name -> enum http_method (HTTP_OTHER when unknown). */
unsigned http_method_id(const char *method);

#endif
