/* Rollback in one call (issue 13); see rollback.h. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "console/api.h"
#include "console/cluster.h"
#include "console/permission.h"
#include "answer.h"
#include "appconf.h"
#include "appview.h"
#include "gate.h"
#include "history.h"
#include "instances.h"
#include "rollback.h"
#include "console/banned.h"

/* run restores target. */
static void prepare(deploy_run_t *run, const release_t *target)
{
	json_object *mv = NULL, *procs = NULL;
	json_object_object_get_ex(target->obj, "meta_version", &mv);
	json_object_object_get_ex(target->obj, "procs", &procs);
	run->version = mv ? json_object_get_string(mv) : "";
	run->pins = json_object_is_type(procs, json_type_object) ? procs
								 : arena_json(run->req->arena,
									      json_object_new_object());
	run->rollback_of = target->id;
	run->op = "ROLLBACK";
	run->op_msg = arena_printf(run->req->arena, "rollback to release %" PRId64, target->id);
	run->release_op = "rollback";
	run->what = "rollback app";
	run->results = "Rollback app";
	run->on_failure = DEPLOY_FAIL_RESTORE;
	run->kind = &instances_app_kind;
}

int rollback_after(deploy_run_t *run, const release_t *target, const char *why,
		   deploy_run_t **out, err_t *err)
{
	deploy_run_t *back = deployer_new(run->req, run->cl, run->name);
	back->locks[1] = run->locks[0] ? run->locks[0] : run->locks[1];
	back->app = run->app;
	back->prev = run->conf;
	back->wait = true;
	run->release->state = RELEASE_ROLLED_BACK;
	json_object_object_add(run->release->obj, "error", json_object_new_string(why));
	back->also = run->release;
	prepare(back, target);
	*out = back;
	return deployer_run(back, err);
}

/* The release asked for ("release": an id), or 0 for the newest succeeded
 * one before the current one; else 400 answered. */
static int wanted(request_t *req, response_t *res, int64_t *id)
{
	json_object *v;
	*id = 0;
	if (!req->json || !json_object_is_type(req->json, json_type_object) ||
	    !json_object_object_get_ex(req->json, "release", &v))
		return 0;
	if (json_object_is_type(v, json_type_int) && json_object_get_int64(v) >= 1) {
		*id = json_object_get_int64(v);
		return 0;
	}
	return api_fail(req, res, -ERR_INVALID, NULL, NULL,
			"invalid release %s: should be the id of one of the app's releases",
			json_object_to_json_string(v));
}

/* The release to restore (*target), else 400 answered. */
static int find_target(request_t *req, response_t *res, const char *app, int64_t id,
		       release_t **target, err_t *err)
{
	int rc;
	if (id) {
		rc = store_release_get(req->ctx, req->arena, app, id, target, err);
		if (rc == -ERR_NOT_FOUND)
			return api_fail(req, res, -ERR_INVALID, NULL, NULL, "%s", err->msg);
		if (rc || (*target)->state == RELEASE_SUCCEEDED)
			return rc;
		return api_fail(req, res, -ERR_INVALID, NULL, NULL,
				"release %" PRId64 " of app %s %s: only a succeeded release can be "
				"rolled back to",
				id, app,
				(*target)->state == RELEASE_PENDING ? "is pending"
				: (*target)->state == RELEASE_FAILED ? "failed"
								     : "was rolled back");
	}
	release_t *last = NULL;
	if ((rc = store_release_latest(req->ctx, req->arena, app, &last, err)))
		return rc;
	if (last && (rc = history_last_good(req, app, last->id, target, err)))
		return rc;
	if (!last || !*target)
		return api_fail(req, res, -ERR_INVALID, NULL, NULL,
				"app %s has no succeeded release before its current one to roll "
				"back to",
				app);
	return 0;
}

int api_app_rollback(request_t *req, response_t *res, err_t *err)
{
	const app_record_t *app = req_app(req);
	const cluster_t *cl;
	change_opts_t o;
	int64_t id = 0;
	release_t *target = NULL;
	if (!app_deployed(app))
		return api_fail(req, res, -ERR_NOT_FOUND, NULL, NULL,
				"app with appname %s has not been deployd\n", app->appname);
	if (lain_is_instance(app->appname))
		return api_fail(req, res, -ERR_INVALID, NULL, NULL,
				"%s is a resource instance: it is deployed with its client app, not "
				"rolled back by itself",
				app->appname);
	int rc = gate_parse(req, res, &o);
	if (rc || (rc = wanted(req, res, &id)) || (rc = cluster_get(req->ctx, &cl, err)))
		return rc;
	deploy_run_t *run = deployer_new(req, cl, app->appname);
	run->app = req_app(req);
	if (!o.dry_run && (rc = deployer_lock_and_read(run, res, err)))
		goto out;
	if ((rc = find_target(req, res, app->appname, id, &target, err)))
		goto out;
	err_t perr = ERR_INIT;
	if (appconf_stored(req->arena, cl, run->app, &run->prev, &perr))
		run->prev = NULL;
	prepare(run, target);
	run->wait = o.wait;
	run->dry_run = o.dry_run;
	if ((rc = deployer_run(run, err)))
		goto out;
	if (o.dry_run) {
		rc = gate_answer_plan(run, res);
		goto out;
	}
	if (!run->failure && o.wait && (rc = gate_wait(run, &o, err)))
		goto out;
	deployer_unlock(run);
	return gate_answer(run, res, o.wait ? 200 : 202,
			   run->failure ? NULL : appview_app(req, run->app, err),
			   arena_printf(req->arena,
					"rollback request of app %s to release %" PRId64
					" has been accepted.",
					app->appname, target->id));
out:
	deployer_unlock(run);
	return rc;
}
