#include "console/permission.h"
#include "console/store.h"
#include "console/banned.h"

int permission_check(request_t *req, response_t *res, enum route_perm perm, err_t *err)
{
	if (perm == PERM_NONE)
		return 0;
	req->operator_name = "unknown";
	if (perm == PERM_READ)
		return 0;

	const char *name = http_param(req, "app");
	if (!name)
		return err_set(err, -ERR_INTERNAL, "route '%s' needs :app for maintain permission",
			       req->route->pattern);
	int rc = store_app_get(req->ctx, req->arena, name, &req->app, err);
	if (rc == -ERR_NOT_FOUND) {
		http_envelope(res, 404, "app", NULL,
			      arena_printf(req->arena,
					   "app with appname %s not exist, has not been reposited yet",
					   name),
			      "/v1/repos/");
	}
	return rc;
}
