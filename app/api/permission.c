/* The checks a route's row asks for before its handler; see permission.h. */
#include <string.h>

#include <json-c/json.h>

#include "console/auth.h"
#include "console/cluster.h"
#include "console/deployd.h"
#include "console/permission.h"
#include "console/robot.h"
#include "console/sso.h"
#include "console/store.h"
#include "answer.h"
#include "peers.h"
#include "robots.h"
#include "console/banned.h"

#define DOCS_URL API_DOCS_URL
#define UNAUTHORIZED_MSG PERM_UNAUTHORIZED_MSG

/* The caller's SSO user (fresh: not from the cache), or 401 answered. */
static int who(request_t *req, response_t *res, bool fresh, err_t *err)
{
	caller_t *c = req_caller(req);
	/* The revision seen before asking: a membership change marked above
	 * it (store_members_changed) may be newer than the answer. */
	int rc = sso_me(peers_sso(req->ctx), req->arena, req->access_token, fresh,
			store_revision_seen(req->ctx), &c->user, err);
	if (rc == -ERR_UNAUTHORIZED)
		return api_fail_key(req, res, "app", rc, DOCS_URL, UNAUTHORIZED_MSG);
	if (!rc)
		c->name = c->user->name;
	return rc;
}

static int check_read(request_t *req, response_t *res, err_t *err)
{
	caller_t *c = req_caller(req);
	const auth_switch_t *sw;
	int rc = auth_get(req->ctx, &sw, err);
	if (rc)
		return rc;
	c->auth_on = sw->on;
	if (sw->on && robot_secret_form(req->access_token))
		return robots_check(req, res, err);
	return sw->on ? who(req, res, false, err) : 0;
}

int permission_since(request_t *req, response_t *res, int64_t members_rev, err_t *err)
{
	caller_t *c = req_caller(req);
	if (!c->auth_on || !c->user || members_rev <= c->user->stamp)
		return 0;
	return who(req, res, true, err);
}

bool permission_sees_app(const request_t *req, const char *name)
{
	const caller_t *c = req_caller(req);
	if (!c->auth_on)
		return true;
	if (c->robot)
		return !strcmp(c->robot->app, name);
	if (!c->user)
		return false;
	/* The admin group is nested into every app group; its members see
	 * every app without counting on that (a group made or changed a
	 * moment ago, a record without one). */
	if (sso_user_in(c->user, req->ctx->cfg->lain_admin_name))
		return true;
	const cluster_t *cl;
	err_t err = ERR_INIT;
	if (cluster_get(req->ctx, &cl, &err))
		return false;
	buf_t group = BUF_INIT;
	cluster_app_group(cl, name, &group);
	bool in = sso_user_in(c->user, group.data);
	buf_release(&group);
	return in;
}

/* Maintain: the app of ":app" exists (loaded into the caller) and, auth on,
 * the caller is in its group. */
static int check_maintain(request_t *req, response_t *res, err_t *err)
{
	caller_t *c = req_caller(req);
	const char *name = http_param(req, "app");
	if (!name)
		return err_set(err, -ERR_INTERNAL, "route '%s' needs :app for maintain permission",
			       req->route->pattern);
	int64_t members_rev = 0;
	int rc = store_app_get_members(req->ctx, req->arena, name, &c->app, &members_rev, err);
	if (rc == -ERR_NOT_FOUND)
		return api_fail_key(req, res, "app", rc, "/v1/repos/",
				    "app with appname %s not exist, has not been reposited yet", name);
	if (rc || !c->auth_on)
		return rc;
	/* A cached group list that holds the app counts unless a membership
	 * changed through the console since it was read (a maintainer
	 * removed: store_members_changed). One that lacks it may predate the
	 * caller's membership (they registered the app a moment ago): ask SSO
	 * once more before refusing. */
	if (permission_sees_app(req, name) && members_rev <= c->user->stamp)
		return 0;
	if ((rc = who(req, res, true, err)))
		return rc;
	if (!permission_sees_app(req, name))
		return api_fail_key(req, res, "maintainer", -ERR_FORBIDDEN, DOCS_URL,
				    "forbidden : don't have the access to app %s", name);
	return 0;
}

/* ROUTE_APP_IN_BODY: the body's appname becomes the ":app" parameter. */
static int app_from_body(request_t *req, response_t *res)
{
	const char *name;
	err_t e = ERR_INIT;
	/* The original's message for any unusable appname: it names the field
	 * and its type already. */
	if (http_body_string(req, "appname", &name, &e) || !name || !*name)
		return api_fail(req, res, -ERR_INVALID, NULL, DOCS_URL,
				"invalid request: should be json body with appname(string)");
	if (req->nparams < HTTP_MAX_PARAMS) {
		req->param_names[req->nparams] = "app";
		req->params[req->nparams++] = arena_strdup(req->arena, name);
	}
	return 0;
}

static int check_perm(request_t *req, response_t *res, enum route_perm perm, err_t *err)
{
	if (perm == PERM_NONE)
		return 0;
	int rc = check_read(req, res, err);
	if (rc || req_robot(req))
		return rc;  /* a robot: robots_check did the rest */
	/* Before anything about the app (spec E14: checked first). */
	if ((req->route->flags & ROUTE_AUTH_ONLY) && !req_auth_on(req))
		return api_fail_key(req, res, "maintainer", -ERR_FORBIDDEN, DOCS_URL,
				    "maintainer service not provided, try to open console auth first");
	if (perm == PERM_ADMIN && req_auth_on(req) &&
	    !sso_user_in(req_user(req), req->ctx->cfg->lain_admin_name))
		return api_fail(req, res, -ERR_FORBIDDEN, NULL, DOCS_URL,
				"forbidden : only lain admins may do this");
	return perm == PERM_MAINTAIN ? check_maintain(req, res, err) : 0;
}

int permission_check(request_t *req, response_t *res, const route_t *r, err_t *err)
{
	caller_t *c = arena_alloc(req->arena, sizeof(*c));
	c->name = "unknown";
	req->app_state = c;
	int rc = 0;
	if (r->flags & ROUTE_APP_IN_BODY)
		rc = app_from_body(req, res);
	if (!rc)
		rc = check_perm(req, res, r->perm, err);
	/* deployd's gate (spec §1.1): after the permission, before the body. */
	const cluster_t *cl;
	if (!rc && (r->flags & ROUTE_DEPLOYD_GATE) &&
	    (cluster_get(req->ctx, &cl, err) || deployd_gate(peers_deployd(req->ctx, cl), err)))
		return api_fail(req, res, err->code, NULL, NULL, "%s", err->msg);
	return rc;
}
