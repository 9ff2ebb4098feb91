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

#include <json-c/json.h>

#include "console/api.h"
#include "console/array.h"
#include "console/cluster.h"
#include "console/httpm.h"
#include "console/lainyaml.h"
#include "console/log.h"
#include "console/permission.h"
#include "console/registry.h"
#include "console/store.h"
#include "console/urlpolicy.h"
#include "console/version.h"
#include "console/xalloc.h"
#include "answer.h"
#include "appconf.h"
#include "commits.h"
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

int api_notify_list(request_t *req, response_t *res, err_t *err)
{
	const char *key = NULL;
	json_object *urls = NULL;
	int rc = type_key(req, res, &key);
	if (rc || (rc = store_notify_list(req->ctx, req->arena, key, &urls, err)))
		return rc;
	return api_answer(req, res, 200, json_object_get(urls), notify_url(req), "");
}

/* Where webhooks may point, by the settings. */
static urlpolicy_t webhook_policy(const request_t *req)
{
	return (urlpolicy_t){ .allow_private = req->ctx->cfg->notify_allow_private,
			      .allow_loopback = req->ctx->cfg->notify_allow_loopback };
}

/* httpc's allow_addr for a webhook: the address of the connection, a name
 * resolved, is checked as a URL's host is (urlpolicy.h). */
static bool webhook_addr(const char *ip, const void *policy)
{
	return urlpolicy_addr_allowed(policy, ip);
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
	rc = store_notify_change(req->ctx, req->arena, key, url, add, err);
	if (rc == -ERR_NOT_FOUND)
		return api_fail(req, res, -ERR_INVALID, NULL, notify_url(req), "%s", err->msg);
	if (rc)
		return rc;
	http_log(req, LOG_INFO, "NOTIFY: %s %s %s by %s", add ? "added" : "removed",
		 http_param(req, "type"), url, req_operator(req));
	return api_answer(req, res, 200, json_object_new_string(url), notify_url(req), "");
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

/* A webhook's answer is awaited this long at most (§7.1), and read up to
 * this size (it is only logged). */
#define WEBHOOK_TIMEOUT_MS 10000
#define WEBHOOK_MAX_ANSWER (64 * 1024)

/* POSTs payload to every url at once; failures are logged. */
static void fan_out(request_t *req, json_object *urls, const char *payload)
{
	size_t n = json_object_array_length(urls);
	if (!n)
		return;
	httpc_t *m = httpc_new("notify webhook", NULL, req->ctx->cfg->http_timeout_ms,
			       req->ctx->cfg->http_connect_timeout_ms);
	if (!m) {
		http_log(req, LOG_ERROR, "image push of %s: no webhook called (no curl handle)",
			 req_app(req)->appname);
		return;
	}
	urlpolicy_t policy = webhook_policy(req);
	httpm_call_t *calls = xcalloc(n, sizeof(*calls));
	for (size_t i = 0; i < n; i++)
		calls[i].req = (httpc_request_t){
			.method = "POST",
			.url = json_object_get_string(json_object_array_get_idx(urls, i)),
			.body = payload,
			.body_len = strlen(payload),
			.timeout_ms = WEBHOOK_TIMEOUT_MS,
			.max_body = WEBHOOK_MAX_ANSWER,
			.allow_addr = webhook_addr,
			.allow_data = &policy,
		};
	httpm_perform(m, calls, n);
	for (size_t i = 0; i < n; i++) {
		if (calls[i].rc)
			http_log(req, LOG_WARN, "image push of %s: webhook %s: %s", req_app(req)->appname,
				 calls[i].req.url, calls[i].err.msg);
		else if (calls[i].resp.status >= 300)
			http_log(req, LOG_WARN, "image push of %s: webhook %s answered %ld", req_app(req)->appname,
				 calls[i].req.url, calls[i].resp.status);
		httpm_call_release(&calls[i]);
	}
	free(calls);
	httpc_free(m);
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
	fan_out(req, urls, json_object_to_json_string_ext(p, flags));
	return api_answer(req, res, 200, NULL, url, "ok");
}
