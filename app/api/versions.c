/* E18 and E19: what the registry holds of an app, and what it was bound to. */
#include <string.h>

#include <json-c/json.h>

#include "console/api.h"
#include "console/permission.h"
#include "console/registry.h"
#include "console/store.h"
#include "console/version.h"
#include "answer.h"
#include "appconf.h"
#include "peers.h"
#include "console/banned.h"

int api_repos_versions(request_t *req, response_t *res, err_t *err)
{
	const char *name = req_app(req)->appname;
	/* resource.<resource>.<client> lists its resource's repository. */
	const char *repo = name;
	size_t len = 0;
	const char *r = lain_instance_resource(name, &len);
	if (r)
		repo = arena_strndup(req->arena, r, len);
	const char *url = arena_printf(req->arena, "/v1/repos/%s/versions/", name);
	char **versions = NULL;
	const cluster_t *cl;
	int rc = cluster_get(req->ctx, &cl, err);
	if (rc)
		return rc;
	rc = appconf_meta_versions(req->ctx, req->arena, cl, repo, &versions, err);
	if (rc == -ERR_NOT_FOUND)
		/* The original's words (and spelling), which lain-cli shows. */
		return api_fail(req, res, rc, NULL, url,
				"no avaible images for app %s:\n%s\nplease push images first.", name,
				err->msg);
	if (rc)
		return rc;
	json_object *o = json_object_new_object(), *tags = json_object_new_array();
	for (char **v = versions; *v; v++)
		json_object_array_add(tags, json_object_new_string(*v));
	json_object_object_add(o, "appname", json_object_new_string(name));
	json_object_object_add(o, "tags", tags);
	json_object_object_add(o, "url", json_object_new_string(url));
	return api_answer(req, res, 200, o, url, "");
}

int api_repos_details(request_t *req, response_t *res, err_t *err)
{
	const app_record_t *app = req_app(req);
	const char *url = arena_printf(req->arena, "/v1/repos/%s/details/", app->appname);
	json_object *o = json_object_new_object();
	json_object_object_add(o, "appname", json_object_new_string(app->appname));
	json_object_object_add(o, "giturl", json_object_new_string(app->giturl));
	json_object_object_add(o, "meta_version", json_object_new_string(app->meta_version));
	json_object_object_add(o, "url", json_object_new_string(url));
	return api_answer(req, res, 200, o, url, "");
}
