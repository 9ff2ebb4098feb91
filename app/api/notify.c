/*
 * E23 /v1/notify/<type>/ — the webhooks told about pushed images — and E20
 * POST /v1/repos/<app>/push/, which tells them (spec §7.1).
 *
 * Fixed against the original (§9.3 #7): reading and changing the webhooks
 * takes a LAIN admin (the routes' PERM_ADMIN: their URLs may hold secrets
 * of the receivers), a URL added must pass urlpolicy_webhook (http(s), no
 * credentials, no CR/LF, no loopback, link-local or private host unless
 * the settings allow them; issue 14 #3), a URL is registered once, and the
 * list changes by compare-and-swap (no lost update). The webhooks of one
 * push are called together, each with the HTTP timeout, each connection's
 * address checked as a URL's host is; their failures are logged, never
 * the pusher's problem.
 *
 * A push whose body lacks authors or commits gets them from GitLab when
 * one is configured and the app's giturl is on it (commits.h); otherwise,
 * or when the lookup fails, it answers 400 "Fetch commmits information
 * failed" as the original did (with the reason after a colon when a
 * lookup was made).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>
#include <openssl/crypto.h>

#include "console/api.h"
#include "console/array.h"
#include "console/cluster.h"
#include "console/lainyaml.h"
#include "console/log.h"
#include "console/permission.h"
#include "console/registry.h"
#include "console/secret.h"
#include "console/store.h"
#include "console/token_policy.h"
#include "console/urlpolicy.h"
#include "console/version.h"
#include "console/webhooks.h"
#include "answer.h"
#include "appconf.h"
#include "commits.h"
#include "deliveries.h"
#include "peers.h"
#include "console/banned.h"

/* Notify types of the URL and where each keeps its webhooks. */
static const struct notify_type {
	const char *name;
	const char *store_key;
} types[] = {
	{ "imagepush", "image_push" },
};

static const char *notify_url(request_t *req)
{
	return arena_printf(req->arena, "/v1/notify/%s/", http_param(req, "type"));
}

/* The store key of the route's type (*key), else 400 answered. */
static int type_key(request_t *req, response_t *res, const char **key)
{
	const char *type = http_param(req, "type");
	for (size_t i = 0; i < ARRAY_SIZE(types); i++)
		if (!strcmp(types[i].name, type)) {
			*key = types[i].store_key;
			return 0;
		}
	return api_fail(req, res, -ERR_INVALID, NULL, notify_url(req),
			"unknown notify type '%s': imagepush is the only one", type);
}

/* The registered URLs, else an answer (*urls NULL). */
static int registered_urls(request_t *req, response_t *res, json_object **urls, err_t *err)
{
	const char *key = NULL;
	*urls = NULL;
	int rc = type_key(req, res, &key);
	return rc ? rc : store_notify_list(req->ctx, req->arena, key, urls, err);
}

/* "notify" stays the list of URLs that archon reads; "webhooks" says more
 * of each (issue 18): {"url", "id", "signed", "created", "creator"}. */
int api_notify_list(request_t *req, response_t *res, err_t *err)
{
	json_object *urls = NULL;
	int rc = registered_urls(req, res, &urls, err);
	if (rc)
		return rc;
	size_t n = json_object_array_length(urls);
	const char **ids = arena_alloc(req->arena, (n ? n : 1) * sizeof(*ids));
	webhook_t *hooks = arena_alloc(req->arena, (n ? n : 1) * sizeof(*hooks));
	for (size_t i = 0; i < n; i++) {
		char id[WEBHOOK_ID_LEN + 1];
		webhook_id(json_object_get_string(json_object_array_get_idx(urls, i)), id);
		ids[i] = arena_strdup(req->arena, id);
	}
	if ((rc = store_webhooks_get(req->ctx, req->arena, ids, n, hooks, err)))
		return rc;
	json_object *list = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "url", json_object_get(json_object_array_get_idx(urls, i)));
		json_object_object_add(o, "id", json_object_new_string(ids[i]));
		json_object_object_add(o, "signed", json_object_new_boolean(hooks[i].secret != NULL));
		json_object_object_add(o, "created", hooks[i].created
			? json_object_new_string(hooks[i].created) : NULL);
		json_object_object_add(o, "creator", hooks[i].creator
			? json_object_new_string(hooks[i].creator) : NULL);
		json_object_array_add(list, o);
	}
	return api_answer_more(req, res, 200, NULL, json_object_get(urls), "webhooks", list,
			       notify_url(req), "");
}

/* GET /v1/notify/<type>/deliveries/: every webhook's pending deliveries
 * and its last tries (deliveries.h). */
int api_notify_deliveries(request_t *req, response_t *res, err_t *err)
{
	json_object *urls = NULL, *view = NULL;
	int rc = registered_urls(req, res, &urls, err);
	if (rc || (rc = deliveries_view(req, urls, &view, err)))
		return rc;
	return api_answer(req, res, 200, view,
			  arena_printf(req->arena, "/v1/notify/%s/deliveries/", http_param(req, "type")),
			  "");
}

/* Where webhooks may point, by the settings. */
static urlpolicy_t webhook_policy(const request_t *req)
{
	return (urlpolicy_t){ .allow_private = req->ctx->cfg->notify_allow_private,
			      .allow_loopback = req->ctx->cfg->notify_allow_loopback };
}

/* POST adds the body's notify_url, DELETE removes it. */
int api_notify_change(request_t *req, response_t *res, err_t *err)
{
	json_object *v;
	if (!req->json || !json_object_is_type(req->json, json_type_object) ||
	    !json_object_object_get_ex(req->json, "notify_url", &v) ||
	    !json_object_is_type(v, json_type_string))
		return api_fail(req, res, -ERR_INVALID, NULL, notify_url(req),
				"invalid request: should be json body with notify_url(array string)");
	const char *key = NULL;
	int rc = type_key(req, res, &key);
	if (rc)
		return rc;
	const char *url = json_object_get_string(v);
	bool add = req->method_id == HTTP_POST;
	/* Only what is added is checked: a URL stored before it was refused
	 * can still be removed. */
	urlpolicy_t policy = webhook_policy(req);
	if (add && urlpolicy_webhook(&policy, url, err))
		return api_fail(req, res, -ERR_INVALID, NULL, notify_url(req), "%s", err->msg);
	/* A new webhook gets its secret in the txn that lists it; a removed
	 * one loses its secret and its log with it. */
	char id[WEBHOOK_ID_LEN + 1], created[32];
	webhook_id(url, id);
	token_time_rfc3339((int64_t)time(NULL), created);
	buf_t secret = BUF_INIT;
	webhook_t h = { .url = url, .id = id, .created = created, .creator = req_operator(req) };
	etcd_op_t ops[2];
	size_t nops = 0;
	bool changed = false;
	if (add && !(rc = secret_new(&secret, WEBHOOK_SECRET_PREFIX, err))) {
		h.secret = secret.data;
		ops[nops++] = webhook_put_op(req->arena, &h);
	} else if (!add) {
		nops = webhook_delete_ops(req->arena, id, ops);
	}
	if (!rc)
		rc = store_notify_change(req->ctx, req->arena, key, url, add, ops, nops, &changed, err);
	/* Listed before secrets existed: it gets one now (the first POST
	 * again), or keeps the one it has. */
	if (!rc && add && !changed && store_webhook_create(req->ctx, req->arena, &h, err)) {
		rc = err->code == -ERR_CONFLICT ? 0 : err->code;
		h.secret = NULL;
	}
	if (rc == -ERR_NOT_FOUND)
		rc = api_fail(req, res, -ERR_INVALID, NULL, notify_url(req), "%s", err->msg);
	if (rc)
		goto out;
	http_log(req, LOG_INFO, "NOTIFY: %s %s %s by %s%s", add ? "added" : "removed",
		 http_param(req, "type"), url, req_operator(req),
		 h.secret ? " (a new secret given)" : "");
	rc = api_answer_more(req, res, 200, NULL, json_object_new_string(url),
			     h.secret ? "secret" : NULL,
			     h.secret ? json_object_new_string(h.secret) : NULL, notify_url(req), "%s", h.secret ? "the secret that signs its deliveries is shown "
					      "this once: keep it now" : "");
	if (h.secret)
		http_header(res, "Cache-Control", "no-store");
out:
	OPENSSL_cleanse(secret.data, secret.len);
	buf_release(&secret);
	return rc;
}

/* ---- E20 */

static const char *last40(const char *v)
{
	size_t n = strlen(v);
	return n > 40 ? v + n - 40 : v;
}

/* The giturl the newest meta image of app names (normalised), in arena. */
static int newest_giturl(request_t *req, const cluster_t *cl, const char *app,
			 const char *version, const char **giturl, err_t *err)
{
	const char *yaml = NULL;
	lain_conf_t *conf = NULL;
	int rc = appconf_image(req->ctx, req->arena, cl, app, version, &yaml, &conf, err);
	if (!rc)
		*giturl = arena_own(req->arena, lain_giturl_normalize(conf->giturl), free);
	return rc;
}

/* A JSON array in the body, or NULL. */
int api_repos_push(request_t *req, response_t *res, err_t *err)
{
	const app_record_t *app = req_app(req);
	const char *url = arena_printf(req->arena, "/v1/repos/%s/push/", app->appname);
	json_object *authors, *commits;
	int rc;
	if ((rc = http_body_array(req, "authors", &authors, err)) ||
	    (rc = http_body_array(req, "commits", &commits, err)))
		return rc;
	const cluster_t *cl;
	if ((rc = cluster_get(req->ctx, &cl, err)))
		return rc;
	char **versions = NULL;
	rc = appconf_meta_versions(req->ctx, req->arena, cl, app->appname, &versions, err);
	if (rc == -ERR_NOT_FOUND || (!rc && !versions[0]))
		return api_fail(req, res, -ERR_NOT_FOUND, NULL, url,
				"no images of app %s in the registry%s%s", app->appname,
				rc ? ": " : "", rc ? err->msg : "");
	if (rc)
		return rc;
	const char *next = versions[0];

	const char *giturl = NULL;
	if ((rc = newest_giturl(req, cl, app->appname, next, &giturl, err)))
		return rc;
	const char *bad = NULL;
	if (!*app->giturl)
		bad = "No Giturl bound";
	else if (strcmp(giturl, app->giturl))
		bad = arena_printf(req->arena, "app giturl '%s' doesn't match with bound url '%s'",
				   giturl, app->giturl);
	if (!bad && (!authors || !commits)) {
		/* From GitLab, when one is configured and the giturl is on it;
		 * else the original's answer to a failed lookup. */
		bool looked = false;
		err_t why = ERR_INIT;
		if (commits_lookup(req, app, next, &looked, &authors, &commits, &why))
			bad = arena_printf(req->arena, "Fetch commmits information failed: %s",
					   why.msg);
		else if (!looked)
			bad = "Fetch commmits information failed";
	}
	if (!bad && (!json_object_array_length(authors) || !json_object_array_length(commits)))
		bad = "Nothing Changed";
	if (bad)
		return api_fail(req, res, -ERR_INVALID, NULL, url, "%s", bad);

	json_object *urls = NULL;
	if ((rc = store_notify_list(req->ctx, req->arena, types[0].store_key, &urls, err)))
		return rc;
	json_object *p = arena_json(req->arena, json_object_new_object());
	json_object_object_add(p, "appname", json_object_new_string(app->appname));
	json_object_object_add(p, "commits", json_object_get(commits));
	json_object_object_add(p, "operator", json_object_new_string(req_operator(req)));
	json_object_object_add(p, "lastid", json_object_new_string(last40(app->meta_version)));
	json_object_object_add(p, "nextid", json_object_new_string(last40(next)));
	json_object_object_add(p, "giturl", json_object_new_string(app->giturl));
	json_object_object_add(p, "authors", json_object_get(authors));
	int flags = JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE;
	if ((rc = deliveries_start(req, urls, "image-push", json_object_to_json_string_ext(p, flags),
				   err)))
		return rc;
	return api_answer(req, res, 200, NULL, url, "ok");
}
