/* Releases of the changes of app/api, and their GET endpoints; see history.h. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <json-c/json.h>

#include "console/api.h"
#include "console/deployd.h"
#include "console/log.h"
#include "console/permission.h"
#include "console/strx.h"
#include "console/xalloc.h"
#include "answer.h"
#include "deployer.h"
#include "history.h"
#include "peers.h"
#include "console/banned.h"

json_object *history_proc(const char *image, const char *config_image, long num_instances,
			  long cpu, int64_t memory)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "image", json_object_new_string(image ? image : ""));
	json_object_object_add(o, "config_image",
			       config_image ? json_object_new_string(config_image) : NULL);
	json_object_object_add(o, "num_instances", json_object_new_int64(num_instances));
	json_object_object_add(o, "cpu", json_object_new_int64(cpu));
	json_object_object_add(o, "memory", json_object_new_int64(memory));
	return o;
}

/* Now as RFC 3339 UTC, seconds: "2026-12-07T10:31:02Z". */
static void rfc3339_now(char out[32])
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

release_t *history_new(request_t *req, const char *app, const char *op, const char *meta_version,
		       json_object *procs, enum release_state state)
{
	char now[32];
	rfc3339_now(now);
	release_t *r = store_release_new(req->arena, app, state);
	json_object *o = r->obj;
	json_object_object_add(o, "op", json_object_new_string(op));
	json_object_object_add(o, "user", json_object_new_string(req_operator(req)));
	json_object_object_add(o, "created", json_object_new_string(now));
	json_object_object_add(o, "request_id",
			       json_object_new_string(req->request_id ? req->request_id : ""));
	json_object_object_add(o, "meta_version", json_object_new_string(meta_version ? meta_version : ""));
	json_object_object_add(o, "procs", procs ? procs : json_object_new_object());
	json_object_object_add(o, "error", json_object_new_string(""));
	return r;
}

int history_save(request_t *req, const app_record_t *rec, release_t *rel, const release_t *also,
		 err_t *err)
{
	release_batch_t b = RELEASE_BATCH_INIT;
	int rc = 0;
	if (rel)
		rc = store_release_stage_new(req->ctx, req->arena, rel, &b, err);
	if (!rc && also)
		rc = store_release_stage_update(req->arena, also, &b, err);
	if (!rc)
		rc = store_app_save_if(req->ctx, rec, b.cmps, b.ncmps, b.ops, b.nops, err);
	return rc;
}

int history_settle(request_t *req, release_t *rel, enum release_state state, const char *error,
		   err_t *err)
{
	rel->state = state;
	if (error)
		json_object_object_add(rel->obj, "error", json_object_new_string(error));
	return store_release_update(req->ctx, req->arena, rel, err);
}

int history_reap(request_t *req, const char *app, err_t *err)
{
	release_t *last = NULL;
	int rc = store_release_latest(req->ctx, req->arena, app, &last, err);
	if (rc || !last || last->state != RELEASE_PENDING)
		return rc;
	http_log(req, LOG_WARN, "release %" PRId64 " of %s was left pending: marked failed", last->id,
		 app);
	return history_settle(req, last, RELEASE_FAILED,
			      "the request waiting for this release ended before its outcome (its "
			      "worker was stopped or lost the app's lock); marked failed by the next "
			      "change of the app",
			      err);
}

int history_last_good(request_t *req, const char *app, int64_t below, release_t **out,
		      err_t *err)
{
	release_t *list = NULL;
	size_t n = 0;
	*out = NULL;
	int rc = store_release_list(req->ctx, req->arena, app, &list, &n, err);
	for (size_t i = 0; !rc && i < n && !*out; i++)
		if ((!below || list[i].id < below) && list[i].state == RELEASE_SUCCEEDED)
			*out = &list[i];
	return rc;
}

/* ---- what runs now */

static json_object *dig(json_object *o, const char *k1, const char *k2)
{
	json_object *v = NULL;
	if (!json_object_object_get_ex(o, k1, &v))
		return NULL;
	if (k2 && !json_object_object_get_ex(v, k2, &v))
		return NULL;
	return v;
}

/* The entry of p from deployd's Spec of it (a podgroup's PodGroupSpec, a
 * portal's PodSpec): the running image splits into p's own image and the
 * config image made from it ("<image>-<proc>-config-<ts>"). */
static json_object *entry_of(const lain_proc_t *p, json_object *spec, bool portal)
{
	json_object *pod = portal ? spec : dig(spec, "Pod", NULL);
	json_object *c = json_object_array_get_idx(dig(pod, "Containers", NULL), 0);
	const char *running = json_object_get_string(dig(c, "Image", NULL));
	if (!running)
		running = "";
	const char *image = running, *config = NULL;
	size_t il = strlen(p->image);
	if (!strncmp(running, p->image, il) && running[il] == '-') {
		image = p->image;
		config = running;
	}
	long n = portal ? p->num_instances : (long)json_object_get_int64(dig(spec, "NumInstances", NULL));
	return history_proc(image, config, n, (long)json_object_get_int64(dig(c, "CpuLimit", NULL)),
			    json_object_get_int64(dig(c, "MemoryLimit", NULL)));
}

int history_current(request_t *req, const cluster_t *cl, const app_record_t *app,
		    const lain_conf_t *conf, json_object **procs, err_t *err)
{
	release_t *last = NULL;
	int rc = store_release_latest(req->ctx, req->arena, app->appname, &last, err);
	if (rc)
		return rc;
	json_object *mv = last ? dig(last->obj, "meta_version", NULL) : NULL;
	if (last && (last->state == RELEASE_SUCCEEDED || last->state == RELEASE_PENDING) &&
	    mv && !strcmp(json_object_get_string(mv), app->meta_version) &&
	    json_object_deep_copy(dig(last->obj, "procs", NULL), procs, NULL) == 0 && *procs)
		return 0;
	*procs = json_object_new_object();
	if (!conf || !conf->n_procs || !strcmp(conf->apptype, "resource"))
		return 0;
	deployd_fetch_t *items = xcalloc(conf->n_procs, sizeof(*items));
	for (size_t i = 0; i < conf->n_procs; i++) {
		items[i].kind = conf->procs[i].type == LAIN_PORTAL ? DEPLOYD_DEPENDS : DEPLOYD_PODGROUP;
		items[i].name = conf->procs[i].podname;
	}
	rc = deployd_fetch_many(peers_deployd(req->ctx, cl), items, conf->n_procs, err);
	for (size_t i = 0; !rc && i < conf->n_procs; i++) {
		json_object *spec = dig(items[i].res.json, "Spec", NULL);
		if (!items[i].rc && spec)
			json_object_object_add(*procs, conf->procs[i].name,
					       entry_of(&conf->procs[i], spec,
							items[i].kind == DEPLOYD_DEPENDS));
	}
	deployd_fetch_release(items, conf->n_procs);
	free(items);
	return rc;
}

json_object *history_before(request_t *req, const cluster_t *cl, const app_record_t *app,
			    const lain_conf_t *conf)
{
	json_object *procs = NULL;
	err_t e = ERR_INIT;
	if (history_current(req, cl, app, conf, &procs, &e)) {
		http_log(req, LOG_WARN, "what %s runs could not be read for its release: %s",
			 app->appname, e.msg);
		procs = json_object_new_object();
	}
	return arena_json(req->arena, procs);
}

void history_change(deploy_run_t *run, const app_record_t *rec, const char *op,
		    json_object *procs, const char *error, json_object *canaries)
{
	enum release_state state = error       ? RELEASE_FAILED
				   : run->wait ? RELEASE_PENDING
					       : RELEASE_SUCCEEDED;
	release_t *rel = history_new(run->req, run->name, op, run->app->meta_version, procs, state);
	if (error)
		json_object_object_add(rel->obj, "error", json_object_new_string(error));
	if (canaries)
		json_object_object_add(rel->obj, "canaries", json_object_get(canaries));
	err_t e = ERR_INIT;
	if (history_save(run->req, rec ? rec : run->app, rel, NULL, &e) ||
	    store_app_get(run->req->ctx, run->req->arena, run->name, &run->app, &e)) {
		http_log(run->req, LOG_ERROR, "the release of %s (%s) was not written: %s", run->name,
			 op, e.msg);
		return;
	}
	/* Written by the same txn: the release's revision is the record's. */
	rel->mod_revision = run->app->mod_revision;
	run->release = rel;
}

/* ---- GET /v1/apps/<app>/releases/[<id>/] */

static const char *list_url(request_t *req)
{
	return arena_printf(req->arena, "/v1/apps/%s/releases/", req_app(req)->appname);
}

int api_releases_list(request_t *req, response_t *res, err_t *err)
{
	release_t *list = NULL;
	size_t n = 0;
	int rc = store_release_list(req->ctx, req->arena, req_app(req)->appname, &list, &n, err);
	if (rc)
		return rc;
	json_object *a = json_object_new_array();
	for (size_t i = 0; i < n; i++)
		json_object_array_add(a, json_object_get(list[i].obj));
	return api_answer(req, res, 200, a, list_url(req), "");
}

int api_release_get(request_t *req, response_t *res, err_t *err)
{
	const char *app = req_app(req)->appname, *ids = http_param(req, "id");
	long id;
	if (!ids || strx_to_long(ids, 1, INT32_MAX, &id))
		return api_fail(req, res, -ERR_INVALID, NULL, list_url(req),
				"invalid release id %s: should be an integer >= 1", ids ? ids : "");
	release_t *r = NULL;
	int rc = store_release_get(req->ctx, req->arena, app, id, &r, err);
	if (rc == -ERR_NOT_FOUND)
		return api_fail(req, res, rc, NULL, list_url(req), "%s", err->msg);
	if (rc)
		return rc;
	return api_answer(req, res, 200, json_object_get(r->obj),
			  arena_printf(req->arena, "/v1/apps/%s/releases/%ld/", app, id), "");
}
