/* E7 GET /v1/apps/, E8 GET /v1/apps/<app>/ and E21 GET
 * /v1/resources/<resource>/instances/: deployed apps as App objects
 * (spec §1.4, appview.h). lain-cli detects whether auth is on by calling the
 * list without a token (401 vs 200). The deployd statuses of one listing
 * go out together (appview_apps). */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "console/api.h"
#include "console/array.h"
#include "console/lainyaml.h"
#include "console/permission.h"
#include "console/store.h"
#include "console/xalloc.h"
#include "answer.h"
#include "appview.h"
#include "console/banned.h"

static const char *const apptypes[] = { "app", "service", "resource", "resource-instance" };

struct filter {
	request_t *req;
	const char *type;           /* NULL: any */
	const char *prefix;         /* NULL: any name */
	const app_record_t **apps;  /* the records shown (they live in the arena) */
	size_t n, cap;
};

static void add_app(const app_record_t *a, struct filter *f)
{
	if (!app_deployed(a))
		return;
	if (f->type && strcmp(a->app_type, f->type))
		return;
	if (f->prefix && strncmp(a->appname, f->prefix, strlen(f->prefix)))
		return;
	if (!permission_sees_app(f->req, a->appname))
		return;
	if (f->n == f->cap) {
		f->cap = f->cap ? 2 * f->cap : 64;
		f->apps = xrealloc(f->apps, f->cap * sizeof(*f->apps));
	}
	f->apps[f->n++] = a;
}

/* The records f keeps, rendered together, as the route's list. */
static int list_apps(request_t *req, response_t *res, struct filter *f, const char *url,
		     err_t *err)
{
	json_object **objs = NULL;
	const app_record_t **all;
	size_t n;
	int64_t members_rev;
	int rc = store_app_list(req->ctx, req->arena, &all, &n, &members_rev, err);
	if (rc || (rc = permission_since(req, res, members_rev, err)))
		goto out;
	for (size_t i = 0; i < n; i++)
		add_app(all[i], f);
	objs = xcalloc(f->n ? f->n : 1, sizeof(*objs));
	if ((rc = appview_apps(req, f->apps, f->n, true, objs, err)))
		goto out;
	json_object *list = json_object_new_array();
	for (size_t i = 0; i < f->n; i++)
		json_object_array_add(list, objs[i]);
	rc = api_answer(req, res, 200, list, url, "");
out:
	free(objs);
	free(f->apps);
	return rc;
}

int api_apps_list(request_t *req, response_t *res, err_t *err)
{
	/* The original's quirk: any query without apptype filters on "app". */
	const char *type = http_query(req, "apptype");
	if (!type && *req->query)
		type = "app";
	if (type) {
		bool known = false;
		for (size_t i = 0; i < ARRAY_SIZE(apptypes); i++)
			known |= !strcmp(type, apptypes[i]);
		if (!known)
			return api_fail(req, res, -ERR_INVALID, NULL, "/v1/apps/",
					"invalid apptype '%s': one of app, service, resource, "
					"resource-instance",
					type);
	}
	struct filter f = { .req = req, .type = type };
	return list_apps(req, res, &f, "/v1/apps/", err);
}

int api_resource_instances(request_t *req, response_t *res, err_t *err)
{
	struct filter f = {
		.req = req,
		.prefix = arena_printf(req->arena, LAIN_INSTANCE_PREFIX "%s.", req_app(req)->appname),
	};
	return list_apps(req, res, &f,
			 arena_printf(req->arena, "/v1/resources/%s/instances/", req_app(req)->appname),
			 err);
}

int api_app_get(request_t *req, response_t *res, err_t *err)
{
	const app_record_t *a = req_app(req);
	if (!app_deployed(a))
		return api_fail(req, res, -ERR_NOT_FOUND, NULL, "/v1/apps/",
				"app with appname %s has not been deployd\n", a->appname);
	json_object *o = NULL;
	if (appview_apps(req, &a, 1, true, &o, err))
		return err->code ? err->code : -ERR_INTERNAL;
	return api_answer(req, res, 200, o, arena_printf(req->arena, "/v1/apps/%s/", a->appname),
			  "");
}
