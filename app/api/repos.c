#include <string.h>

#include <json-c/json.h>

#include "console/api.h"
#include "console/appname.h"
#include "console/store.h"
#include "console/banned.h"

static json_object *repo_object(const char *name)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "appname", json_object_new_string(name));
	char url[256];
	snprintf(url, sizeof(url), "/v1/repos/%s/", name);
	json_object_object_add(o, "url", json_object_new_string(url));
	return o;
}

static int add_repo(const app_record_t *app, void *data)
{
	json_object_array_add(data, repo_object(app->appname));
	return 0;
}

int api_repos_list(request_t *req, response_t *res, err_t *err)
{
	json_object *list = arena_json(req->arena, json_object_new_array());
	int rc = store_app_each(req->ctx, req->arena, add_repo, list, err);
	if (rc)
		return rc;
	http_envelope(res, 200, "repos", json_object_get(list), "", "/v1/repos/");
	return 0;
}

int api_repos_create(request_t *req, response_t *res, err_t *err)
{
	json_object *v;
	if (!req->json || !json_object_object_get_ex(req->json, "appname", &v) ||
	    !json_object_is_type(v, json_type_string)) {
		http_envelope(res, 400, "repo", NULL,
			      "invalid request: should be json body with appname(string)", "/v1/repos/");
		return 0;
	}
	const char *name = json_object_get_string(v);
	if (appname_check(name, err)) {
		http_envelope(res, 400, "repos", NULL, err->msg, "/v1/repos/");
		return 0;
	}
	const char *url = arena_printf(req->arena, "/v1/repos/%s/", name);
	int rc = store_app_create(req->ctx, name, err);
	if (rc == -ERR_CONFLICT) {
		http_envelope(res, 409, "repos", NULL, err->msg, url);
		return 0;
	}
	if (rc)
		return rc;
	http_envelope(res, 201, "repos", repo_object(name),
		      "don't need sso auth, no need for create group", url);
	return 0;
}

int api_repos_get(request_t *req, response_t *res, err_t *err)
{
	const char *name = req->app->appname;
	http_envelope(res, 200, "repo", repo_object(name), "",
		      arena_printf(req->arena, "/v1/repos/%s/", name));
	return 0;
}
