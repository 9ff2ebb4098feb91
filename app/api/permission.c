#include "console/auth.h"
#include "console/cluster.h"
#include "console/permission.h"
#include "console/sso.h"
#include "console/store.h"
#include "console/banned.h"

static int check_read(request_t *req, response_t *res, err_t *err)
{
	const auth_switch_t *sw;
	int rc = auth_get(req->ctx, &sw, err);
	if (rc)
		return rc;
	req->auth_on = sw->on;
	req->operator_name = "unknown";
	if (!sw->on)
		return 0;
	rc = sso_me(req->ctx, req->arena, req->access_token, false, &req->user, err);
	if (rc == -ERR_UNAUTHORIZED) {
		http_envelope(res, 401, "app", NULL,
			      "unauthorized : don't have the access to the operation", "/v1/docs/");
		return rc;
	}
	if (rc)
		return rc;
	req->operator_name = req->user->name;
	return 0;
}

bool permission_sees_app(const request_t *req, const char *name)
{
	if (!req->auth_on)
		return true;
	if (!req->user)
		return false;
	const cluster_t *cl;
	err_t err = ERR_INIT;
	if (cluster_get(req->ctx, &cl, &err))
		return false;
	buf_t group = BUF_INIT;
	cluster_app_group(cl, name, &group);
	bool in = sso_user_in(req->user, group.data);
	buf_release(&group);
	return in;
}

int permission_check(request_t *req, response_t *res, enum route_perm perm, err_t *err)
{
	if (perm == PERM_NONE)
		return 0;
	int rc = check_read(req, res, err);
	if (rc)
		return rc;
	/* Before anything about the app (spec E14: checked first). */
	if ((req->route->flags & ROUTE_AUTH_ONLY) && !req->auth_on) {
		http_envelope(res, 403, "maintainer", NULL,
			      "maintainer service not provided, try to open console auth first",
			      "/v1/docs/");
		return -ERR_FORBIDDEN;
	}
	if (perm == PERM_READ)
		return 0;
	if (perm == PERM_ADMIN) {
		if (req->auth_on && !sso_user_in(req->user, req->ctx->cfg->lain_admin_name)) {
			http_envelope(res, 403, req->route->key, NULL,
				      "forbidden : only lain admins may do this", "/v1/docs/");
			return -ERR_FORBIDDEN;
		}
		return 0;
	}

	const char *name = http_param(req, "app");
	if (!name)
		return err_set(err, -ERR_INTERNAL, "route '%s' needs :app for maintain permission",
			       req->route->pattern);
	rc = store_app_get(req->ctx, req->arena, name, &req->app, err);
	if (rc == -ERR_NOT_FOUND) {
		http_envelope(res, 404, "app", NULL,
			      arena_printf(req->arena,
					   "app with appname %s not exist, has not been reposited yet",
					   name),
			      "/v1/repos/");
		return rc;
	}
	if (rc)
		return rc;
	if (req->auth_on) {
		/* A cached group list may predate the caller's membership (they
		 * registered the app a moment ago): ask SSO once more before
		 * refusing. */
		if (!permission_sees_app(req, name) &&
		    !(rc = sso_me(req->ctx, req->arena, req->access_token, true, &req->user, err)) &&
		    !permission_sees_app(req, name)) {
			http_envelope(res, 403, "maintainer", NULL,
				      arena_printf(req->arena,
						   "forbidden : don't have the access to app %s", name),
				      "/v1/docs/");
			return -ERR_FORBIDDEN;
		}
		if (rc == -ERR_UNAUTHORIZED)
			http_envelope(res, 401, "app", NULL,
				      "unauthorized : don't have the access to the operation", "/v1/docs/");
		if (rc)
			return rc;
	}
	return 0;
}
