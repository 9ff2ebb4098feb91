/*
 * permission — the checks a route's permission level asks for (spec §1.1).
 *
 *   PERM_NONE      nothing
 *   PERM_READ      auth on: the access-token is verified at SSO (401
 *                  "unauthorized : don't have the access to the operation"
 *                  otherwise; SSO unreachable is 503, never 401)
 *   PERM_MAINTAIN  PERM_READ, then the app named by the route's ":app" exists
 *                  (404 "app with appname <a> not exist, has not been
 *                  reposited yet"), then, auth on, the caller's SSO groups
 *                  hold the app's group (403 "forbidden : don't have the
 *                  access to app <a>"); groups from the cache are read
 *                  from SSO again when they lack the app, or when a
 *                  membership changed through the console since
 *                  (store_app_get_members)
 *   PERM_ADMIN     PERM_READ, then, auth on, the caller is in the LAIN admin
 *                  group (CONSOLE_LAIN_ADMIN_NAME; 403 "forbidden : only
 *                  lain admins may do this")
 *
 * A deploy token (robot.h: an access-token "lc_..."; auth on) is told
 * from an SSO token by its form and never sent to SSO. It is checked
 * against the stored hashes of the tokens of the route's app, read with
 * the app's record in one etcd round trip (store_app_get_tokens): none
 * matches -> 401 (403 "forbidden : deploy token robot:<a>:<n> may only act
 * on app <a>" when it is a token of another app), expired -> 401, a route
 * whose row lets no robot in or none with the token's scopes (route_t
 * .scopes) -> 403 naming what it needs. It then acts as robot:<app>:<name>
 * (req_operator) with req_user() NULL and req_robot() its record.
 *
 * Routes flagged ROUTE_AUTH_ONLY answer 403 "maintainer service not
 * provided, try to open console auth first" when auth is off, before the app
 * is looked at.
 *
 * What the checks learn lives in the request (req->app_state: a caller_t,
 * read through req_app() and its siblings), never in a global. A missing
 * access-token is never sent to SSO.
 */
#ifndef CONSOLE_PERMISSION_H
#define CONSOLE_PERMISSION_H

#include <stdbool.h>

#include "console/router.h"
#include "console/sso.h"
#include "console/store.h"

/* The original's 401 message of these checks, whatever the endpoint
 * (spec §1.1); their url is API_DOCS_URL. */
#define PERM_UNAUTHORIZED_MSG "unauthorized : don't have the access to the operation"

/* Who asks, and about which app. */
typedef struct caller {
	bool auth_on;                /* the auth switch, as the check saw it */
	sso_user_t *user;            /* the caller when auth is on and checked */
	const char *name;            /* who acts: the SSO user, or "unknown" */
	app_record_t *app;           /* the app of ":app", loaded by the maintain check */
	const struct token_record *robot; /* the deploy token the caller used, or NULL */
	unsigned robot_scopes;       /* its ROBOT_* scopes */
} caller_t;

/* The request's caller, as permission_check left it (every route's handler
 * runs after it). */
static inline caller_t *req_caller(const request_t *req)
{
	return req->app_state;
}

static inline app_record_t *req_app(const request_t *req)
{
	return req_caller(req)->app;
}

static inline bool req_auth_on(const request_t *req)
{
	return req_caller(req)->auth_on;
}

static inline sso_user_t *req_user(const request_t *req)
{
	return req_caller(req)->user;
}

/* The deploy token of the request (tokens.h), NULL for a person. */
static inline const struct token_record *req_robot(const request_t *req)
{
	return req_caller(req)->robot;
}

static inline const char *req_operator(const request_t *req)
{
	return req_caller(req)->name;
}

/* The router's check (route_check_fn): what route r's row asks for before
 * its handler — the app named in the body (ROUTE_APP_IN_BODY), the
 * permission, deployd's gate (ROUTE_DEPLOYD_GATE: 503 with the route's key
 * at its url) — after making req's caller (name "unknown"). 0 to go on,
 * HTTP_ANSWERED when it answered, or -ERR_* with err set. */
int permission_check(request_t *req, response_t *res, const route_t *r, err_t *err);

/* Whether the caller may see app name (auth off, a LAIN admin: always). */
bool permission_sees_app(const request_t *req, const char *name);

/* Before a list filtered by permission_sees_app: when the caller's group
 * list (maybe from a worker's cache) is older than members_rev, the
 * revision of the last membership change made through this console
 * (store_app_list), it is read from SSO again. 0, HTTP_ANSWERED (401 when
 * SSO refuses the token by then), or -ERR_* (SSO unreachable). */
int permission_since(request_t *req, response_t *res, int64_t members_rev, err_t *err);

#endif
