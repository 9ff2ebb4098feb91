/*
 * E7 POST /v1/apps/ — the first deploy of a registered app (spec §4.1) —
 * and E8 PUT (update, §4.2) and DELETE (undeploy, §4.3) of /v1/apps/<app>/.
 * The steps are deployer.h's; these handlers check what must hold before
 * the first of them and answer.
 *
 * The route row has done the body's appname (400 before anything, spec
 * §1.1), maintain on it and deployd's gate (503). Then: the app's deploy
 * lock (409 while another deploy/update/undeploy of it runs), and the
 * record read again under the lock.
 *
 * A failed deploy (§9.3 #15) saves its report as last_error (shown as
 * deployerror): a first deploy leaves the record "deploying" (GET
 * /apps/<a>/ shows it; the next POST deploys again, podgroups already there
 * get their spec PATCHed instead of created), an update keeps the previous
 * meta recorded. Only a complete deploy marks it "deployed".
 *
 * The meta is stored as the registry's lain.yaml text (lainyaml reads it
 * back); the bound giturl lives in the record's "giturl" (§4.4.3).
 */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "console/api.h"
#include "console/array.h"
#include "console/cluster.h"
#include "console/log.h"
#include "console/oplogs.h"
#include "console/permission.h"
#include "console/registry.h"
#include "console/store.h"
#include "console/version.h"
#include "answer.h"
#include "appconf.h"
#include "appview.h"
#include "canary.h"
#include "deployer.h"
#include "gate.h"
#include "instances.h"
#include "console/banned.h"

/* The generic deploy behind E7 POST and E8 PUT: run, prepared by the entry
 * point, as an app's. */
static int deploy_app(deploy_run_t *run, err_t *err)
{
	run->kind = &instances_app_kind;
	return deployer_run(run, err);
}

/* The 406 of a failed run, with the report (§9.3 #15). */
static int answer_failure(request_t *req, response_t *res, const deploy_run_t *run)
{
	return api_fail(req, res, -ERR_NOT_ACCEPTABLE, NULL, NULL, "%s", run->failure);
}

/* A run on the app of the path (*run), which must be deployed: changes
 * need a deployed app (404 answered for one only registered). */
static int run_on_deployed(request_t *req, response_t *res, deploy_run_t **run, err_t *err)
{
	const app_record_t *app = req_app(req);
	const cluster_t *cl;
	if (!app_deployed(app))
		return api_fail(req, res, -ERR_NOT_FOUND, NULL, NULL,
				"app with appname %s has not been deployd\n", app->appname);
	int rc = cluster_get(req->ctx, &cl, err);
	if (!rc)
		*run = deployer_new(req, cl, app->appname);
	return rc;
}

/* The newest of tags with both its meta and its release image (*version,
 * the arena's), else 400 answered with msg. */
static int latest_usable(request_t *req, response_t *res, char **tags, size_t ntags,
			 const char **version, const char *msg)
{
	*version = tags ? arena_own(req->arena,
				    version_latest_usable((const char *const *)tags, ntags), free)
			: NULL;
	return *version ? 0 : api_fail(req, res, -ERR_INVALID, NULL, NULL, "%s", msg);
}

/* The newest meta version of name that has its release image (*version,
 * in the arena), else the spec's 500 or 400 answered. */
static int first_version(request_t *req, response_t *res, const cluster_t *cl, const char *name,
			 const char **version, err_t *err)
{
	char **tags = NULL;
	size_t ntags = 0;
	int rc = appconf_tags(req->ctx, req->arena, cl, name, &tags, &ntags, err);
	if (rc == -ERR_NOT_FOUND)
		return api_fail(req, res, -ERR_INTERNAL, NULL, NULL,
				"error in getting images: no images here: http://%s/v2/%s/tags/list\n"
				"%s\nplease contact with admin of lain\n",
				cl->registry, name, err->msg);
	if (rc)
		return rc;
	return latest_usable(req, res, tags, ntags, version,
			     "not found both meta and release images,\nplease check your App "
			     "images then try to update your App\n");
}

/* The answer of a run that went through (no failure, no plan): a waited
 * one's (gate.h: 200 and its release, or 406), else 202 and msg. */
static int answer_run(deploy_run_t *run, response_t *res, const change_opts_t *o,
		      const char *msg, err_t *err)
{
	request_t *req = run->req;
	json_object *app = run->failure ? NULL : appview_app(req, run->app, err);
	if (o->wait)
		return gate_answer(run, res, 200, app, msg);
	if (run->removed.len)
		return api_answer(req, res, 202, app, NULL, "%s\nremove failed results:\n%s", msg,
				  run->removed.data);
	return api_answer(req, res, 202, app, NULL, "%s", msg);
}

/* After a run: the plan of a dry one, the 406 of a failed one (with its
 * release when it waited), the gate of a waiting one, then answer_run. */
static int finish(deploy_run_t *run, response_t *res, const change_opts_t *o, const char *msg,
		  err_t *err)
{
	int rc = 0;
	if (run->dry_run)
		rc = gate_answer_plan(run, res);
	else if (run->failure && !o->wait)
		rc = answer_failure(run->req, res, run);
	else if (!run->failure && o->wait)
		rc = gate_wait(run, o, err);
	deployer_unlock(run);
	if (rc || run->dry_run || (run->failure && !o->wait))
		return rc;
	return answer_run(run, res, o, msg, err);
}

int api_apps_deploy(request_t *req, response_t *res, err_t *err)
{
	const char *name = http_param(req, "app");
	const cluster_t *cl;
	change_opts_t o;
	int rc = gate_parse(req, res, &o);
	if (rc || (rc = cluster_get(req->ctx, &cl, err)))
		return rc;
	deploy_run_t *run = deployer_new(req, cl, name);
	if ((!o.dry_run && (rc = deployer_lock(run, res, err))) ||
	    (rc = store_app_get(req->ctx, req->arena, name, &run->app, err)))
		goto out;
	if (run->app->state != APP_REPOSITED && run->app->state != APP_DEPLOYING) {
		rc = api_fail(req, res, -ERR_CONFLICT, appview_app(req, run->app, err), NULL,
			      "app with appname %s already exists\n", name);
		goto out;
	}
	if ((rc = first_version(req, res, cl, name, &run->version, err)))
		goto out;
	run->op = "DEPLOY";
	run->release_op = "deploy";
	run->what = "deploy app";
	run->results = "Deploy app";
	run->on_failure = DEPLOY_FAIL_KEEP;
	run->dry_run = o.dry_run;
	run->wait = o.wait;
	if ((rc = deploy_app(run, err)))
		goto out;
	return finish(run, res, &o,
		      arena_printf(req->arena, "deploy request of app %s has been accepted.", name),
		      err);
out:
	deployer_unlock(run);
	return rc;
}

int api_app_undeploy(request_t *req, response_t *res, err_t *err)
{
	deploy_run_t *run;
	int rc = run_on_deployed(req, res, &run, err);
	if (rc)
		return rc;
	const char *name = run->name;
	if ((rc = deployer_lock_and_read(run, res, err)))
		goto out;
	if (!strcmp(run->app->app_type, "resource")) {
		rc = api_fail(req, res, -ERR_FORBIDDEN, appview_app(req, run->app, err), NULL,
			      "Not allow to delete resource app.");
		goto out;
	}
	bool prot = false;
	if ((rc = store_app_protected(req->ctx, req->arena, name, &prot, err)))
		goto out;
	if (prot) {
		rc = api_fail(req, res, -ERR_FORBIDDEN, appview_app(req, run->app, err), NULL,
			      "Not allow to delete protected app.");
		goto out;
	}
	oplogs_write(req, "DELETE", name, "", "");

	/* §4.3 step 2: the app's procs, then the instances of its resources. */
	if (*run->app->meta && *run->app->meta_version) {
		if ((rc = appconf_stored(req->arena, run->cl, run->app, &run->conf, err)))
			goto out;
		bool failed = false;
		for (size_t i = 0; i < run->conf->n_procs; i++) {
			if ((rc = deployer_keepalive(run, err)))
				goto out;
			failed |= deployer_remove_proc(run, &run->conf->procs[i], &run->report, err) != 0;
		}
		/* Its canaries and their policy groups go with it (§9.3 #22). */
		if (!failed)
			failed = canary_remove_all(run, &run->report, err) != 0;
		if (!failed)
			failed = instances_remove(run, run->conf, NULL, &run->report, err) != 0;
		if (failed) {
			rc = api_fail(req, res, -ERR_INTERNAL, NULL, NULL, "remove failed results:\n%s",
				      run->report.data);
			goto out;
		}
	}
	/* §4.3 step 3: back to registered. */
	if ((rc = deployer_reset(req, run->app, err)))
		goto out;
	json_object *o = json_object_new_object();
	json_object_object_add(o, "appname", json_object_new_string(name));
	json_object_object_add(o, "url",
			       json_object_new_string(arena_printf(req->arena, "/v1/repos/%s/", name)));
	deployer_unlock(run);
	return api_answer(req, res, 202, o, NULL, "delete app successfully.");
out:
	deployer_unlock(run);
	return rc;
}

/* The version the PUT asks for (*version, in the arena): the body's
 * meta_version (normalised; it must be one of the registry's meta versions,
 * else 400 is answered), else the newest usable one (none: 400). */
static int update_version(request_t *req, response_t *res, const cluster_t *cl,
			  const char *name, const char **version, err_t *err)
{
	/* Unparsable is {} (spec E8); a wrong type is not (issue 14 #10). */
	const char *wanted = NULL;
	int rc = http_body_string(req, "meta_version", &wanted, err);
	if (rc)
		return rc;
	if (wanted && !*wanted)
		wanted = NULL;
	char **tags = NULL;
	size_t ntags = 0;
	rc = appconf_tags(req->ctx, req->arena, cl, name, &tags, &ntags, err);
	if (rc && rc != -ERR_NOT_FOUND)
		return rc;
	*version = NULL;
	if (wanted) {
		const char *v = arena_own(req->arena, version_normalize(wanted), free);
		char **metas = version_list_meta((const char *const *)tags, ntags);
		for (size_t i = 0; metas[i] && !*version; i++)
			if (!strcmp(metas[i], v))
				*version = v;
		version_list_free(metas);
		if (!*version)
			return api_fail(req, res, -ERR_INVALID, appview_app(req, req_app(req), err), NULL,
					"no such meta_version %s for app %s\nplease check your images\n",
					wanted, name);
		return 0;
	}
	return latest_usable(req, res, tags, ntags, version,
			     "can not get meta_version/meta\nplease check your App images then "
			     "try to update your App\n");
}

int api_app_update(request_t *req, response_t *res, err_t *err)
{
	deploy_run_t *run;
	change_opts_t o;
	int rc = gate_parse(req, res, &o);
	if (rc || (rc = run_on_deployed(req, res, &run, err)))
		return rc;
	run->dry_run = o.dry_run;
	run->wait = o.wait;
	/* Resource instances (§4.2, third flow) are rendered, not read. */
	if (strchr(run->name, '.')) {
		rc = instances_update(run, res, err);
	} else if (!(rc = update_version(req, res, run->cl, run->name, &run->version, err))) {
		if (o.dry_run)
			run->app = req_app(req);
		else
			rc = deployer_lock_and_read(run, res, err);
		if (!rc) {
			/* The procs that may become useless. */
			err_t perr = ERR_INIT;
			if (appconf_stored(req->arena, run->cl, run->app, &run->prev, &perr))
				run->prev = NULL;
			run->op = "UPDATE";
			run->release_op = "update";
			run->what = "update app";
			run->results = "Updating app";
			run->on_failure = DEPLOY_FAIL_RESTORE;
			rc = deploy_app(run, err);
		}
	}
	if (rc) {
		deployer_unlock(run);
		return rc;
	}
	return finish(run, res, &o,
		      arena_printf(req->arena, "update request of app %s has been accepted.",
				   run->name),
		      err);
}
