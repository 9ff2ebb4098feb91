/* E7 GET /v1/apps/: the deployed apps the caller may see. lain-cli detects
 * whether auth is on by calling it without a token (401 vs 200).
 *
 * Rendering here is the record part of the App object (spec §1.4); the
 * deployd status of procs and portals is added with the deploy lifecycle
 * (issue 5), and until then "procs"/"portals" are empty. */
#include <string.h>

#include <json-c/json.h>

#include "console/api.h"
#include "console/permission.h"
#include "console/store.h"
#include "console/banned.h"

static const char *const apptypes[] = { "app", "service", "resource", "resource-instance" };

struct filter {
	request_t *req;
	const char *type;           /* NULL: any */
	json_object *list;
};

static json_object *app_object(const app_record_t *a)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "appname", json_object_new_string(a->appname));
	json_object_object_add(o, "apptype", json_object_new_string(a->app_type));
	json_object_object_add(o, "metaversion", json_object_new_string(a->meta_version));
	json_object_object_add(o, "updatetime", json_object_new_string(a->last_update));
	json_object_object_add(o, "deployerror", json_object_new_string(a->last_error));
	json_object_object_add(o, "canaries",
			       a->canaries ? json_object_get(a->canaries) : json_object_new_object());
	json_object_object_add(o, "procs", json_object_new_array());
	json_object_object_add(o, "portals", json_object_new_array());
	json_object_object_add(o, "useservices", json_object_new_array());
	json_object_object_add(o, "useresources", json_object_new_array());
	char url[300];
	snprintf(url, sizeof(url), "/v1/apps/%s/", a->appname);
	json_object_object_add(o, "url", json_object_new_string(url));
	return o;
}

static int add_app(const app_record_t *a, void *data)
{
	struct filter *f = data;
	if (!strcmp(a->running_state, "reposited"))
		return 0;
	if (f->type && strcmp(a->app_type, f->type))
		return 0;
	if (permission_sees_app(f->req, a->appname))
		json_object_array_add(f->list, app_object(a));
	return 0;
}

int api_apps_list(request_t *req, response_t *res, err_t *err)
{
	/* The original's quirk: any query without apptype filters on "app". */
	const char *type = http_query(req, "apptype");
	if (!type && *req->query)
		type = "app";
	if (type) {
		bool known = false;
		for (size_t i = 0; i < sizeof(apptypes) / sizeof(apptypes[0]); i++)
			known |= !strcmp(type, apptypes[i]);
		if (!known) {
			http_envelope(res, 400, "apps", NULL,
				      arena_printf(req->arena,
						   "invalid apptype '%s': one of app, service, resource, "
						   "resource-instance",
						   type),
				      "/v1/apps/");
			return 0;
		}
	}
	struct filter f = { req, type, arena_json(req->arena, json_object_new_array()) };
	int rc = store_app_each(req->ctx, req->arena, add_app, &f, err);
	if (rc)
		return rc;
	http_envelope(res, 200, "apps", json_object_get(f.list), "", "/v1/apps/");
	return 0;
}
