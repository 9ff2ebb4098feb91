#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "console/api.h"
#include "console/appname.h"
#include "console/cluster.h"
#include "console/log.h"
#include "console/oplogs.h"
#include "console/permission.h"
#include "console/sso.h"
#include "console/store.h"
#include "console/xalloc.h"
#include "answer.h"
#include "groups.h"
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

/* The worker's last listing: the names it showed, in order, and its text.
 * A listing of the same names is the same text, so while no app comes or
 * goes it is not rendered again. */
struct last_list {
	size_t n;
	char **names;
	api_text_t *text;
};

static void last_clear(struct last_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->names[i]);
	free(l->names);
	api_text_put(l->text);
	memset(l, 0, sizeof(*l));
}

static void last_destroy(void *p)
{
	last_clear(p);
	free(p);
}

static bool last_is(const struct last_list *l, const app_record_t *const *shown, size_t n)
{
	if (!l->text || l->n != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (strcmp(l->names[i], shown[i]->appname))
			return false;
	return true;
}

int api_repos_list(request_t *req, response_t *res, err_t *err)
{
	const app_record_t **apps;
	size_t n, shown = 0;
	int64_t members_rev;
	int rc = store_app_list(req->ctx, req->arena, &apps, &n, &members_rev, err);
	if (rc || (rc = permission_since(req, res, members_rev, err)))
		return rc;
	/* apps is the request's: what the caller sees, in place */
	for (size_t i = 0; i < n; i++)
		if (permission_sees_app(req, apps[i]->appname))
			apps[shown++] = apps[i];
	struct last_list *last = ctx_slot(req->ctx, CTX_SLOT_REPOS, sizeof(*last), last_destroy);
	if (!last_is(last, apps, shown)) {
		json_object *list = json_object_new_array();
		for (size_t i = 0; i < shown; i++)
			json_object_array_add(list, repo_object(apps[i]->appname));
		last_clear(last);
		last->text = api_text_of(list);
		json_object_put(list);
		last->names = xcalloc(shown ? shown : 1, sizeof(*last->names));
		for (size_t i = 0; i < shown; i++) {
			last->names[i] = xstrdup(apps[i]->appname);
		}
		last->n = shown;
	}
	return api_answer(req, res, 200, api_text_value(last->text), "/v1/repos/", "");
}

int api_repos_create(request_t *req, response_t *res, err_t *err)
{
	ctx_t *ctx = req->ctx;
	const char *name;
	err_t e = ERR_INIT;
	if (http_body_string(req, "appname", &name, &e) || !name)
		/* "repo", not the route's "repos": the original's key and message
		 * (which names the field and its type). */
		return api_fail_key(req, res, "repo", -ERR_INVALID, API_DOCS_URL,
				    "invalid request: should be json body with appname(string)");
	if (appname_check(name, err))
		return api_fail(req, res, -ERR_INVALID, NULL, "/v1/repos/", "%s", err->msg);
	const cluster_t *cl;
	int rc = cluster_get(ctx, &cl, err);
	if (rc)
		return rc;
	/* Two names with one SSO group would share their maintainers (§9.3 #9). */
	const char *other = NULL;
	if ((rc = groups_collision(req, cl, name, &other, err)))
		return rc;
	if (other)
		return api_fail(req, res, -ERR_INVALID, NULL, "/v1/repos/",
				"invalid appname '%s': its SSO group '%s' is the one of app '%s'",
				name, groups_name(req, cl, name), other);

	const char *url = arena_printf(req->arena, "/v1/repos/%s/", name);
	/* The record first: its create-if-absent is what makes two concurrent
	 * registrations of one name give one 201 and one 409. */
	rc = store_app_create(ctx, name, err);
	if (rc == -ERR_CONFLICT)
		return api_fail(req, res, rc, NULL, url, "%s", err->msg);
	if (rc)
		return rc;
	const char *msg = "don't need sso auth, no need for create group";
	if (req_auth_on(req)) {
		bool created = false;
		rc = groups_create(req, cl, name, &created, err);
		if (rc) {
			/* Nothing is left behind: the group we made and the record go. */
			err_t undo = ERR_INIT;
			groups_undo(req, cl, name, created);
			if (store_app_delete(ctx, name, &undo))
				http_log(req, LOG_ERROR,
					 "registration of '%s' failed and its record could not be "
					  "removed: %s", name, undo.msg);
			/* A group someone else holds is a conflict, not our failure. */
			return api_fail(req, res,
					rc == -ERR_UNAVAILABLE || rc == -ERR_CONFLICT ? rc : -ERR_INTERNAL,
					NULL, url, "error reposing app %s : \n%s\n", name, err->msg);
		}
		groups_changed(req, name);
		msg = arena_printf(req->arena, "create group for app %s successfully", name);
	}
	http_log(req, LOG_INFO, "REPOSIT: app %s reposited by %s", name, req_operator(req));
	/* The registration stands even when its oplog row cannot be written. */
	oplogs_write(req, "REPOSIT", name, "", "");
	return api_answer(req, res, 201, repo_object(name), url, "%s", msg);
}

int api_repos_get(request_t *req, response_t *res, err_t *err)
{
	const char *name = req_app(req)->appname;
	return api_answer(req, res, 200, repo_object(name),
			  arena_printf(req->arena, "/v1/repos/%s/", name), "");
}
