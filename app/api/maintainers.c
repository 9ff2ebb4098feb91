/* E14, E15 maintainers and E16, E17 roles (spec §1.3, §9.5). */
#include <string.h>

#include <json-c/json.h>

#include "console/api.h"
#include "console/cluster.h"
#include "console/permission.h"
#include "console/sso.h"
#include "console/store.h"
#include "console/pyjson.h"
#include "answer.h"
#include "groups.h"
#include "peers.h"
#include "console/banned.h"

static const char *app_group(request_t *req, err_t *err)
{
	const cluster_t *cl;
	if (cluster_get(req->ctx, &cl, err))
		return NULL;
	buf_t g = BUF_INIT;
	cluster_app_group(cl, req_app(req)->appname, &g);
	const char *out = arena_strdup(req->arena, g.data);
	buf_release(&g);
	return out;
}

static json_object *maintainer(const char *app, const char *user, const char *role)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "appname", json_object_new_string(app));
	json_object_object_add(o, "username", json_object_new_string(user));
	json_object_object_add(o, "role", json_object_new_string(*role ? role : "normal"));
	char url[300];
	snprintf(url, sizeof(url), "/v1/repos/%s/maintainers/", app);
	json_object_object_add(o, "url", json_object_new_string(url));
	return o;
}

static const char *maintainers_url(request_t *req)
{
	return arena_printf(req->arena, "/v1/repos/%s/maintainers/", req_app(req)->appname);
}

/* A failed SSO call: 503 when SSO cannot be reached, else the spec's 500. */
static int sso_failure(request_t *req, response_t *res, const char *doing, const err_t *err)
{
	return api_fail(req, res, err->code == -ERR_UNAVAILABLE ? err->code : -ERR_INTERNAL, NULL,
			maintainers_url(req), "error %s maintainer of app %s : \n%s\n", doing,
			req_app(req)->appname, err->msg);
}

/* SSO refused a change of user in the group (E14 POST, E15 DELETE): the
 * original's 500 (spec §9.5), quoting SSO's answer (its JSON with a 2-space
 * indent, as it is when no JSON); 503 when SSO could not be reached. */
static int sso_refusal(request_t *req, response_t *res, const char *doing, const char *what,
		       const char *user, const err_t *err)
{
	if (err->code == -ERR_UNAVAILABLE)
		return sso_failure(req, res, doing, err);
	const char *body = sso_last_body(peers_sso(req->ctx));
	json_object *j = json_tokener_parse(body);
	buf_t quoted = BUF_INIT;
	if (j)
		pyjson_dump_indent2(&quoted, j);
	else
		buf_addstr(&quoted, body);
	json_object_put(j);
	const char *a = req_app(req)->appname;
	int rc = api_fail(req, res, -ERR_INTERNAL, NULL, API_DOCS_URL,
			  "error %s maintainer of app %s : \nfail %s group member %s %s app %s : %s\n\n",
			  doing, a, what, user, !strcmp(what, "add") ? "to" : "from", a, quoted.data);
	buf_release(&quoted);
	return rc;
}

/* The direct members of the app's group (*m), or the SSO failure answered. */
static int members(request_t *req, response_t *res, json_object **m, err_t *err)
{
	const char *group = app_group(req, err);
	json_object *g;
	if (!group)
		return err->code;
	if (sso_group_get(peers_sso(req->ctx), req->arena, group, &g, err))
		return sso_failure(req, res, "getting", err);
	if (!json_object_object_get_ex(g, "members", m) || !json_object_is_type(*m, json_type_array))
		*m = arena_json(req->arena, json_object_new_array());
	return 0;
}

static const char *field(json_object *o, const char *key)
{
	json_object *v;
	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
		       ? json_object_get_string(v)
		       : "";
}

int api_maintainers_list(request_t *req, response_t *res, err_t *err)
{
	json_object *m = NULL;
	int rc = members(req, res, &m, err);
	if (rc)
		return rc;
	json_object *list = json_object_new_array();
	for (size_t i = 0; i < json_object_array_length(m); i++) {
		json_object *e = json_object_array_get_idx(m, i);
		json_object_array_add(list, maintainer(req_app(req)->appname, field(e, "name"),
						       field(e, "role")));
	}
	return api_answer(req, res, 200, list, maintainers_url(req), "");
}

int api_maintainers_add(request_t *req, response_t *res, err_t *err)
{
	const char *a = req_app(req)->appname;
	const char *user = NULL, *role = NULL;
	err_t e = ERR_INIT;
	/* The original's message for any unusable field: it names both and
	 * their type. */
	if (http_body_string(req, "username", &user, &e) || !user || !*user ||
	    http_body_string(req, "role", &role, &e))
		role = NULL;
	if (!role || (*role && strcmp(role, "admin") && strcmp(role, "normal")))
		/* "maintainers", not the route's "maintainer": the original's key. */
		return api_fail_key(req, res, "maintainers", -ERR_INVALID, API_DOCS_URL,
				    "invalid request: should be json body with username(string) and "
				    "role(string)");
	if (!*role)
		role = "normal"; /* SSO knows admin and normal; "" meant normal */
	const char *group = app_group(req, err);
	if (!group)
		return err->code;
	if (sso_member_put(peers_sso(req->ctx), req->access_token, group, user, role, err))
		return sso_refusal(req, res, "adding", "add", user, err);
	groups_changed(req, a);
	return api_answer(req, res, 200, maintainer(a, user, role), maintainers_url(req), "");
}

int api_maintainer_get(request_t *req, response_t *res, err_t *err)
{
	const char *a = req_app(req)->appname, *user = http_param(req, "user");
	const char *url = arena_printf(req->arena, "/v1/repos/%s/maintainers/%s/", a, user);
	json_object *m = NULL;
	int rc = members(req, res, &m, err);
	if (rc)
		return rc;
	for (size_t i = 0; i < json_object_array_length(m); i++) {
		json_object *e = json_object_array_get_idx(m, i);
		if (!strcmp(field(e, "name"), user))
			return api_answer(req, res, 200, maintainer(a, user, field(e, "role")), url,
					  "");
	}
	/* The collection's url, not the item's (spec §9.5). */
	return api_fail(req, res, -ERR_NOT_FOUND, NULL, maintainers_url(req),
			"user %s does not exist in the app %s\n", user, a);
}

int api_maintainer_delete(request_t *req, response_t *res, err_t *err)
{
	const char *group = app_group(req, err);
	if (!group)
		return err->code;
	const char *user = http_param(req, "user");
	if (sso_member_delete(peers_sso(req->ctx), req->access_token, group, user, err))
		return sso_refusal(req, res, "deleting", "delete", user, err);
	groups_changed(req, req_app(req)->appname);
	/* 204 without a body (the original wrote one, §1.3 E15). */
	http_text(res, 204, "");
	res->content_type = NULL;
	return HTTP_ANSWERED;
}

/* E16/E17: {"role": {"role": ...}} — lvault and lain-cli read this shape;
 * url: the answer's (E17's is the item, spec §9.5). */
static int answer_role(request_t *req, response_t *res, const char *user, const char *url,
		       err_t *err)
{
	const char *a = req_app(req)->appname;
	const char *role = "admin";
	if (req_auth_on(req)) {
		const char *group = app_group(req, err);
		if (!group)
			return err->code;
		int rc = sso_member_role(peers_sso(req->ctx), req->arena, group, user, &role, err);
		if (rc == -ERR_NOT_FOUND)
			return api_fail(req, res, rc, NULL, maintainers_url(req),
					"user %s does not exist in the maintainer list of app %s\n",
					user, a);
		if (rc)
			return rc;
	}
	json_object *inner = json_object_new_object();
	json_object_object_add(inner, "role", json_object_new_string(role));
	return api_answer(req, res, 200, inner, url, "");
}

int api_role_self(request_t *req, response_t *res, err_t *err)
{
	return answer_role(req, res, req_auth_on(req) ? req_user(req)->name : "unknown",
			   arena_printf(req->arena, "/v1/repos/%s/roles/", req_app(req)->appname), err);
}

int api_role_user(request_t *req, response_t *res, err_t *err)
{
	const char *user = http_param(req, "user");
	return answer_role(req, res, user,
			   arena_printf(req->arena, "/v1/repos/%s/roles/%s/", req_app(req)->appname,
					user),
			   err);
}
