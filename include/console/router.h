/*
 * router — the route table and what it does before a handler runs.
 *
 * A route is one row: method(s), path pattern, handler, permission, flags,
 * the envelope key. Patterns are the spec's paths after the optional "/api"
 * prefix: literal segments and ":name" segments matching [^/]+; the trailing
 * slash is optional on both sides; a pattern ending in "*" matches any
 * suffix. The router then does what the row says, so no handler repeats it:
 *
 *   OPTIONS on any path       -> 200 text/plain with the CORS headers
 *   %00 in the path or query  -> 400 (every string of a request ends at a NUL,
 *                                so "a%00b" would be taken for "a")
 *   no pattern matches        -> 404 envelope
 *   pattern, but not method   -> 405 "invalid http method <M>" (first row's key)
 *   ROUTE_JSON_BODY           -> 400 when the body holds a NUL (a raw byte or
 *                                "\u0000"), else req->json = the body parsed
 *                                (NULL if not JSON)
 *   the router's check        -> what the row's permission and flags ask for
 *                                (app/api: none / read / maintain / admin, spec
 *                                §1.1, permission.h; ROUTE_AUTH_ONLY,
 *                                ROUTE_APP_IN_BODY, ROUTE_DEPLOYD_GATE)
 *   handler                   -> int handler(req, res, err): HTTP_ANSWERED when
 *                                it answered; a negative -ERR_* is answered here
 *                                with http_error(err) at the request's own url
 */
#ifndef CONSOLE_ROUTER_H
#define CONSOLE_ROUTER_H

#include <stddef.h>

#include "console/http.h"

typedef int (*route_handler_fn)(request_t *req, response_t *res, err_t *err);

enum route_perm { PERM_NONE, PERM_READ, PERM_MAINTAIN, PERM_ADMIN };

enum route_flags {
	ROUTE_JSON_BODY = 1 << 0,    /* parse the body as JSON, whatever its Content-Type */
	/* For the check (permission.h): */
	ROUTE_AUTH_ONLY = 1 << 1,    /* exists only with auth on (maintainers): 403 otherwise */
	ROUTE_APP_IN_BODY = 1 << 2,  /* the app is the JSON body's "appname" (E7 POST), checked
	                                before the permission (400 without one) */
	ROUTE_DEPLOYD_GATE = 1 << 3, /* changes what deployd runs: deployd must be started (503
	                                "deployd is now in maintain state, ...") */
};

typedef struct route {
	unsigned methods;            /* enum http_method bits */
	const char *pattern;         /* "/v1/repos/:app/" */
	route_handler_fn handler;
	enum route_perm perm;
	unsigned flags;
	const char *key;             /* envelope key of this route's answers */
	const char *url;             /* url of its answers that name none (the gate's, the
	                                handler's); NULL: the request's own path */
	unsigned scopes;             /* for the check only (opaque here): which scopes of a
	                                deploy token let it in (app/api: ROBOT_ROUTE_*,
	                                robot.h); 0: no token may use the route */
} route_t;

/*
 * What runs before a route's handler, given by whoever owns the table (the
 * api: permission_check): the checks the row asks for. 0 to go on,
 * HTTP_ANSWERED when it answered, or -ERR_* with err set.
 */
typedef int (*route_check_fn)(request_t *req, response_t *res, const route_t *r, err_t *err);

/* What runs after a route's handler (whatever it returned), before the
 * answer leaves the worker: given by the owner of the table with its check
 * (the api: the end of a write's mark, podcache.h). */
typedef void (*route_done_fn)(request_t *req, response_t *res, const route_t *r);

/* A table and its check, as main puts them together. */
typedef struct router {
	const route_t *routes;
	size_t n;
	route_check_fn check;        /* NULL: none */
	route_done_fn done;          /* NULL: none */
} router_t;

/*
 * Finds the route for req->path and method. Returns the matched row (and
 * fills req->params), or NULL with *status = 404 or 405 and *key the
 * envelope key to use for that answer.
 */
const route_t *router_match(const route_t *routes, size_t n, request_t *req, int *status,
			    const char **key);

/* Answers req through the table: everything listed above. */
void router_dispatch(const router_t *router, request_t *req, response_t *res);

#endif
