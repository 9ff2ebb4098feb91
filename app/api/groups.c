/* The SSO group of an app; see groups.h. */
#include <string.h>

#include <json-c/json.h>

#include "console/log.h"
#include "console/permission.h"
#include "console/sso.h"
#include "console/store.h"
#include "groups.h"
#include "peers.h"
#include "console/banned.h"

const char *groups_name(request_t *req, const cluster_t *cl, const char *name)
{
	buf_t g = BUF_INIT;
	cluster_app_group(cl, name, &g);
	const char *s = arena_strdup(req->arena, g.data);
	buf_release(&g);
	return s;
}

struct collision {
	request_t *req;
	const cluster_t *cluster;
	const char *group;
	const char *name;
	const char *other;
};

static int find_collision(const app_record_t *app, void *data)
{
	struct collision *c = data;
	if (strcmp(app->appname, c->name) &&
	    !strcmp(groups_name(c->req, c->cluster, app->appname), c->group))
		c->other = app->appname;
	return 0;
}

int groups_collision(request_t *req, const cluster_t *cl, const char *name, const char **other,
		     err_t *err)
{
	struct collision c = { req, cl, groups_name(req, cl, name), name, NULL };
	int rc = store_app_each(req->ctx, req->arena, find_collision, &c, err);
	*other = c.other;
	return rc;
}

/* The names in list (SSO's [{"name": ...}]) other than skip, appended to
 * out as ", <prefix><name>". */
static void others_in(json_object *list, const char *skip, const char *prefix, buf_t *out)
{
	for (size_t i = 0; json_object_is_type(list, json_type_array) &&
			   i < json_object_array_length(list); i++) {
		json_object *v;
		const char *n = json_object_object_get_ex(json_object_array_get_idx(list, i), "name", &v)
					? json_object_get_string(v)
					: NULL;
		if (n && strcmp(n, skip))
			buf_addf(out, "%s%s%s", out->len ? ", " : "", prefix, n);
	}
}

/* A group that exists already is taken over only when it is the caller's
 * own leftover: the caller its admin, nobody else in it but the LAIN admin
 * group. Anyone else in it made it in advance to become a silent member
 * of the app (issue 14 #1): -ERR_CONFLICT naming them. */
static int adoptable(request_t *req, const char *group, err_t *err)
{
	sso_t *sso = peers_sso(req->ctx);
	const char *me = req_user(req)->name;
	json_object *g = NULL, *members = NULL, *nested = NULL;
	int rc = sso_group_get(sso, req->arena, group, &g, err);
	if (rc)
		return rc;
	json_object_object_get_ex(g, "members", &members);
	json_object_object_get_ex(g, "group_members", &nested);
	buf_t others = BUF_INIT;
	others_in(members, me, "", &others);
	others_in(nested, req->ctx->cfg->lain_admin_name, "group ", &others);
	if (others.len)
		rc = err_set(err, -ERR_CONFLICT,
			     "sso group '%s' exists already and has members other than %s (%s): "
			     "someone else made it; remove them or the group at SSO, then register "
			     "again",
			     group, me, others.data);
	buf_release(&others);
	if (rc)
		return rc;
	const char *role = NULL;
	err_t e2 = ERR_INIT;
	if (sso_member_role(sso, req->arena, group, me, &role, &e2) || strcmp(role, "admin"))
		return err_set(err, -ERR_CONFLICT, "sso group '%s' exists already and %s is not its admin",
			       group, me);
	return 0;
}

int groups_create(request_t *req, const cluster_t *cl, const char *name, bool *created,
		  err_t *err)
{
	ctx_t *ctx = req->ctx;
	const char *group = groups_name(req, cl, name);
	const char *full = arena_printf(req->arena, "%s%s", cl->sso_fullname_prefix, name);
	*created = false;
	sso_t *sso = peers_sso(ctx);
	int rc = sso_group_create(sso, req->access_token, group, full, err);
	if (rc == -ERR_CONFLICT) {
		if ((rc = adoptable(req, group, err)))
			return rc;
	} else if (rc) {
		return rc;
	} else {
		*created = true;
	}
	return sso_group_nest(sso, req->access_token, group, ctx->cfg->lain_admin_name,
			      ctx->cfg->lain_admin_role, err);
}

int groups_copy_members(request_t *req, const cluster_t *cl, const char *from, const char *to,
			err_t *err)
{
	json_object *g = NULL, *members;
	int rc = sso_group_get(peers_sso(req->ctx), req->arena, groups_name(req, cl, from), &g, err);
	if (rc)
		return rc;
	if (!json_object_object_get_ex(g, "members", &members) ||
	    !json_object_is_type(members, json_type_array))
		return 0;
	const char *group = groups_name(req, cl, to);
	for (size_t i = 0; i < json_object_array_length(members) && !rc; i++) {
		json_object *m = json_object_array_get_idx(members, i), *v;
		const char *user = json_object_object_get_ex(m, "name", &v) ? json_object_get_string(v)
									  : NULL;
		const char *role = json_object_object_get_ex(m, "role", &v) ? json_object_get_string(v)
									  : NULL;
		if (!user || !*user || !strcmp(user, req_user(req)->name))
			continue;
		rc = sso_member_put(peers_sso(req->ctx), req->access_token, group, user,
				    role && !strcmp(role, "admin") ? "admin" : "normal", err);
	}
	return rc;
}

void groups_undo(request_t *req, const cluster_t *cl, const char *name, bool created)
{
	err_t undo = ERR_INIT;
	const char *group = groups_name(req, cl, name);
	if (created && sso_group_delete(peers_sso(req->ctx), req->access_token, group, &undo))
		http_log(req, LOG_WARN, "the sso group '%s' of '%s' could not be removed: %s", group,
			 name, undo.msg);
}

void groups_changed(request_t *req, const char *name)
{
	err_t e = ERR_INIT;
	if (store_members_changed(req->ctx, &e))
		http_log(req, LOG_WARN, "the members of '%s' changed, but other workers may list it "
			 "from their caches for CONSOLE_SSO_CACHE_SECONDS: %s", name, e.msg);
}
