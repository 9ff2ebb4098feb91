/* Resource instances (spec §3.6, §4.1-4.3); see instances.h. */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "console/array.h"
#include "console/log.h"
#include "console/oplogs.h"
#include "console/permission.h"
#include "console/registry.h"
#include "console/tmpl.h"
#include "console/version.h"
#include "console/xalloc.h"
#include "answer.h"
#include "appconf.h"
#include "appview.h"
#include "groups.h"
#include "instances.h"
#include "peers.h"
#include "podgroups.h"
#include "console/banned.h"

static const char *instance_name(request_t *req, const char *resource, const char *client)
{
	return arena_printf(req->arena, LAIN_INSTANCE_PREFIX "%s.%s", resource, client);
}

static bool is_deployed(const app_record_t *a)
{
	return a->state != APP_REPOSITED && a->state != APP_DEPLOYING && *a->meta &&
	       *a->meta_version;
}

static bool uses(const lain_conf_t *conf, const char *resource)
{
	for (size_t i = 0; conf && i < conf->n_use_resources; i++)
		if (!strcmp(conf->use_resources[i].resource, resource))
			return true;
	return false;
}

/* The resource app name, deployed (its meta stored). */
static int resource_get(request_t *req, const char *name, app_record_t **out, err_t *err)
{
	int rc = store_app_get(req->ctx, req->arena, name, out, err);
	if (rc == -ERR_NOT_FOUND || (!rc && !is_deployed(*out)))
		return err_set(err, -ERR_INVALID,
			       "Error: Resource %s DoesNotExist: register and deploy the resource app %s "
			       "first",
			       name, name);
	if (rc)
		return rc;
	if (strcmp((*out)->app_type, "resource"))
		return err_set(err, -ERR_INVALID,
			       "app %s is not a resource (its lain.yaml has no apptype: resource)", name);
	return 0;
}

/* Registers instance name of resource if it has no record yet: the record,
 * then with auth on its SSO group with the resource's members. A failure
 * leaves neither behind. */
static int register_instance(request_t *req, const cluster_t *cl, const char *resource,
			     const char *name, err_t *err)
{
	app_record_t *a = NULL;
	int rc = store_app_get(req->ctx, req->arena, name, &a, err);
	if (rc != -ERR_NOT_FOUND)
		return rc;
	/* Its SSO group is made with the caller's SSO token. */
	if (req_robot(req))
		return err_set(err, -ERR_FORBIDDEN,
			       "resource instance %s is new and needs an SSO group, which a deploy "
			       "token (%s) cannot make: deploy it once with a person's SSO token",
			       name, req_operator(req));
	if (req_auth_on(req)) {
		const char *other = NULL;
		if ((rc = groups_collision(req, cl, name, &other, err)))
			return rc;
		if (other)
			return err_set(err, -ERR_CONFLICT,
				       "resource instance %s cannot get its SSO group '%s': it is the "
				       "one of app '%s'",
				       name, groups_name(req, cl, name), other);
	}
	rc = store_app_create(req->ctx, name, err);
	if (rc == -ERR_CONFLICT)
		return 0;  /* a concurrent deploy registered it */
	if (rc || !req_auth_on(req))
		return rc;
	bool created = false;
	rc = groups_create(req, cl, name, &created, err);
	if (!rc)
		rc = groups_copy_members(req, cl, resource, name, err);
	if (rc) {
		err_t undo = ERR_INIT;
		groups_undo(req, cl, name, created);
		if (store_app_delete(req->ctx, name, &undo))
			http_log(req, LOG_ERROR,
				 "resource instance %s: its record could not be removed after its "
				  "registration failed: %s",
				  name, undo.msg);
		return err_wrap(err, "cannot create the SSO group of resource instance %s", name);
	}
	groups_changed(req, name);
	http_log(req, LOG_INFO, "REPOSIT: resource instance %s registered by %s", name,
		 req_operator(req));
	oplogs_write(req, "REPOSIT", name, "", "");
	return 0;
}

/* What the source step of an instance's run renders (run->source). */
struct instance_job {
	const app_record_t *resource;
	const struct json_object *context;  /* the client's */
	bool only_if_changed;               /* nothing to do when the rendering is what runs */
};

/* The instance's lain.yaml: R's lain.yaml of the run's version (the stored
 * one when R runs that version, else its meta image's) rendered with the
 * context. *text lives in the arena; *conf is parsed from it. */
static int render_instance(const deploy_run_t *run, const struct instance_job *job,
			   const char **text, const char **image, lain_conf_t **conf, err_t *err)
{
	request_t *req = run->req;
	const app_record_t *r = job->resource;
	const char *version = run->version;
	buf_t tmpl = BUF_INIT;
	char *out = NULL;
	int rc = 0;
	if (!strcmp(r->meta_version, version))
		buf_add(&tmpl, r->meta, strlen(r->meta));
	else if ((rc = registry_read_lainyaml(peers_registry(req->ctx, run->cl), r->appname,
						 version, &tmpl, err)))
		goto out;
	if ((rc = tmpl_render_instance(tmpl.data, tmpl.len, job->context, run->name, &out, err))) {
		err_wrap(err, "rendering %s:meta-%s for %s", r->appname, version, run->name);
		goto out;
	}
	*text = arena_strdup(req->arena, out);
	*image = arena_printf(req->arena, "%s/%s:release-%s", run->cl->registry, r->appname,
			      version);
	lain_parse_opts_t po = appconf_parse_opts(run->cl, version, *image);
	if ((rc = lain_conf_parse(*text, strlen(*text), &po, conf, err)))
		err_wrap(err, "lain.yaml of %s rendered from %s:meta-%s", run->name, r->appname,
			 version);
out:
	free(out);
	buf_release(&tmpl);
	return rc;
}

/* The source of an instance's run: its rendered lain.yaml, with the
 * record's meta, meta_version, default_image and app_type. Nothing to do
 * (run->done) when only a change counts and the rendering is what runs. */
static int step_render(deploy_run_t *run, err_t *err)
{
	const struct instance_job *job = run->source;
	const app_record_t *inst = run->before;
	const char *text = NULL, *image = NULL;
	int rc = render_instance(run, job, &text, &image, &run->conf, err);
	appconf_own(run->req->arena, run->conf);
	if (rc)
		return rc;
	if (job->only_if_changed && is_deployed(inst) && !strcmp(inst->meta, text) &&
	    !strcmp(inst->meta_version, run->version)) {
		run->done = true;
		return 0;
	}
	err_t perr = ERR_INIT;
	if (appconf_stored(run->req->arena, run->cl, inst, &run->prev, &perr))
		run->prev = NULL;
	app_record_t next = run->rec;
	next.meta = text;
	next.meta_version = run->version;
	next.default_image = image;
	next.app_type = "resource-instance";
	return deployer_set_source(run, &next, err);
}

/* An instance's deploy: rendered, recorded as deploying, its procs
 * deployed, the procs it no longer has removed, recorded deployed. */
static const deploy_kind_t instance_kind = { step_render, NULL, NULL, NULL };

/* run (its lock held, run->app read under it) for job. A failed deploy
 * records its report as the instance's last_error, with the version it
 * ran before kept recorded (run->failure). */
static int run_instance(deploy_run_t *run, const struct instance_job *job, err_t *err)
{
	bool deployed = is_deployed(run->app);
	run->op = deployed ? "UPDATE" : "DEPLOY";
	run->release_op = deployed ? "update" : "deploy";
	run->on_failure = deployed ? DEPLOY_FAIL_RESTORE : DEPLOY_FAIL_KEEP;
	run->kind = &instance_kind;
	run->source = job;
	int rc = deployer_run(run, err);
	run->source = NULL;
	return rc;
}

/* Deploys instance name for the client's run, under the instance's own
 * lock with the client's kept alive. A failure goes to report under the
 * instance's name and is returned. */
static int deploy_locked(deploy_run_t *client, const char *name, const char *version,
			 const struct instance_job *job, buf_t *report, err_t *err)
{
	request_t *req = client->req;
	deploy_run_t *run = deployer_new(req, client->cl, name);
	run->version = version;
	run->what = job->only_if_changed ? "update app" : "deploy app";
	run->results = job->only_if_changed ? "Updating app" : "Deploy app";
	run->locks[1] = client->locks[0];
	int rc = lock_acquire(req->ctx, name, req->ctx->cfg->lock_ttl, req_operator(req), &run->locks[0], err);
	if (rc) {
		buf_addf(report, "    resource instance %s:\n        %s\n", name, err->msg);
		return rc;
	}
	if (!(rc = store_app_get(req->ctx, req->arena, name, &run->app, err)) &&
	    !(rc = run_instance(run, job, err))) {
		if (run->failure) {
			buf_addf(report, "    resource instance %s:\n%s", name, run->report.data);
			rc = err->code ? err->code : -ERR_INTERNAL;
		} else if (run->removed.len) {
			http_log(req, LOG_WARN, "deploy of %s: removing procs failed:\n%s", name,
				 run->removed.data);
		}
	}
	deployer_unlock(run);
	return rc;
}

int instances_deploy(deploy_run_t *run, const lain_conf_t *conf, const lain_conf_t *prev,
		     buf_t *report, err_t *err)
{
	request_t *req = run->req;
	if (!strcmp(conf->apptype, "resource") || !conf->n_use_resources)
		return 0;
	size_t n = conf->n_use_resources;
	app_record_t **resources = arena_alloc(req->arena, n * sizeof(*resources));
	int rc = 0;
	/* Every resource first: nothing is registered for a client that cannot run. */
	for (size_t i = 0; i < n && !rc; i++)
		rc = resource_get(req, conf->use_resources[i].resource, &resources[i], err);
	for (size_t i = 0; i < n && !rc; i++)
		rc = register_instance(req, run->cl, resources[i]->appname,
				       instance_name(req, resources[i]->appname, conf->appname), err);
	for (size_t i = 0; i < n && !rc; i++) {
		const lain_use_resource_t *u = &conf->use_resources[i];
		const char *name = instance_name(req, u->resource, conf->appname);
		const char *version = resources[i]->meta_version;
		struct instance_job job = { .resource = resources[i], .context = u->context };
		/* Used before: refreshed at the version it runs, if its rendering changed. */
		app_record_t *inst = NULL;
		if (prev && uses(prev, u->resource) &&
		    !store_app_get(req->ctx, req->arena, name, &inst, err) && is_deployed(inst)) {
			version = inst->meta_version;
			job.only_if_changed = true;
		}
		if ((rc = deployer_keepalive(run, err)))
			break;
		rc = deploy_locked(run, name, version, &job, report, err);
	}
	return rc;
}

/* The record of instance name, or a blank registered one when it has
 * none yet (what a dry run plans against). */
static int record_or_blank(request_t *req, const char *name, app_record_t **out, err_t *err)
{
	int rc = store_app_get(req->ctx, req->arena, name, out, err);
	if (rc != -ERR_NOT_FOUND)
		return rc;
	app_record_t *a = arena_alloc(req->arena, sizeof(*a));
	memset(a, 0, sizeof(*a));
	a->appname = name;
	a->giturl = a->meta_version = a->meta = a->default_image = a->app_type = "";
	a->last_update = a->last_error = "";
	a->state = APP_REPOSITED;
	a->raw = arena_json(req->arena, json_object_new_object());
	*out = a;
	return 0;
}

int instances_plan(deploy_run_t *run, err_t *err)
{
	request_t *req = run->req;
	const lain_conf_t *conf = run->conf, *prev = run->prev;
	json_object *list = json_object_object_get(run->plan, "resource_instances");
	if (!strcmp(conf->apptype, "resource"))
		return 0;
	for (size_t i = 0; i < conf->n_use_resources; i++) {
		const lain_use_resource_t *u = &conf->use_resources[i];
		const char *name = instance_name(req, u->resource, conf->appname);
		app_record_t *resource = NULL;
		deploy_run_t *sub = deployer_new(req, run->cl, name);
		int rc = resource_get(req, u->resource, &resource, err);
		if (rc || (rc = record_or_blank(req, name, &sub->app, err)))
			return rc;
		struct instance_job job = { .resource = resource, .context = u->context };
		sub->version = resource->meta_version;
		if (prev && uses(prev, u->resource) && is_deployed(sub->app)) {
			sub->version = sub->app->meta_version;
			job.only_if_changed = true;
		}
		sub->dry_run = true;
		if ((rc = run_instance(sub, &job, err)))
			return rc;
		if (!sub->plan) /* its rendering is what runs: nothing to do */
			sub->plan = arena_json(req->arena,
					       podgroups_plan_new(name, sub->app->meta_version,
								  sub->version));
		json_object_array_add(list, json_object_get(sub->plan));
	}
	return 0;
}

/* Removes one instance's procs and resets its record, under its lock. */
static int remove_instance(deploy_run_t *client, const char *name, buf_t *report, err_t *err)
{
	request_t *req = client->req;
	deploy_run_t *run = deployer_new(req, client->cl, name);
	run->locks[1] = client->locks[0];
	int rc = lock_acquire(req->ctx, name, req->ctx->cfg->lock_ttl, req_operator(req), &run->locks[0], err);
	if (rc) {
		buf_addf(report, "    resource instance %s:\n        %s\n", name, err->msg);
		return rc;
	}
	rc = store_app_get(req->ctx, req->arena, name, &run->app, err);
	if (rc == -ERR_NOT_FOUND || (!rc && !app_deployed(run->app))) {
		rc = 0;
		goto out;
	}
	if (rc)
		goto out;
	oplogs_write(req, "DELETE", name, "", "");
	if (*run->app->meta && *run->app->meta_version) {
		if ((rc = appconf_stored(req->arena, run->cl, run->app, &run->conf, err)))
			goto out;
		for (size_t i = 0; i < run->conf->n_procs; i++) {
			if ((rc = deployer_keepalive(run, err)))
				break;
			err_t perr = ERR_INIT;
			int prc = deployer_remove_proc(run, &run->conf->procs[i], &run->report, &perr);
			if (prc && !rc) {
				rc = prc;
				*err = perr;
			}
		}
		if (run->report.len)
			buf_addf(report, "    resource instance %s:\n%s", name, run->report.data);
		if (rc)
			goto out;
	}
	rc = deployer_reset(req, run->app, err);
out:
	deployer_unlock(run);
	return rc;
}

int instances_remove(deploy_run_t *run, const lain_conf_t *prev, const lain_conf_t *conf,
		     buf_t *report, err_t *err)
{
	int first = 0;
	for (size_t i = 0; prev && i < prev->n_use_resources; i++) {
		const char *resource = prev->use_resources[i].resource;
		if (uses(conf, resource))
			continue;
		err_t e = ERR_INIT;
		int rc = remove_instance(run, instance_name(run->req, resource, prev->appname), report,
					 &e);
		if (rc && !first) {
			first = rc;
			*err = e;
		}
	}
	return first;
}

/* The version an explicit update asks for (*version): the body's
 * meta_version, which must be one of the resource's meta versions (else 400
 * is answered), else the one it runs. */
static int wanted_version(request_t *req, response_t *res, const cluster_t *cl,
			  const app_record_t *resource, const char **version, err_t *err)
{
	const char *wanted;
	*version = resource->meta_version;
	int rc = http_body_string(req, "meta_version", &wanted, err);
	if (rc || !wanted || !*wanted)
		return rc;
	char **metas = NULL;
	rc = appconf_meta_versions(req->ctx, req->arena, cl, resource->appname, &metas, err);
	if (rc && rc != -ERR_NOT_FOUND)
		return rc;
	*version = NULL;
	const char *v = arena_own(req->arena, version_normalize(wanted), free);
	for (size_t i = 0; metas && metas[i] && !*version; i++)
		if (!strcmp(metas[i], v))
			*version = v;
	if (*version)
		return 0;
	return api_fail(req, res, -ERR_INVALID, appview_app(req, req_app(req), err), NULL,
			"no such meta_version %s for app %s\nplease check your images\n", wanted,
			req_app(req)->appname);
}

/* The context the client gives resource now (its stored lain.yaml's
 * use_resources entry), or 400 answered. */
static int client_context(request_t *req, response_t *res, const cluster_t *cl,
			  const char *client, const char *resource, lain_conf_t **conf,
			  const json_object **context)
{
	app_record_t *c = NULL;
	err_t e = ERR_INIT;
	if (!store_app_get(req->ctx, req->arena, client, &c, &e) && is_deployed(c) &&
	    !appconf_stored(req->arena, cl, c, conf, &e))
		for (size_t i = 0; i < (*conf)->n_use_resources; i++)
			if (!strcmp((*conf)->use_resources[i].resource, resource)) {
				*context = (*conf)->use_resources[i].context;
				return 0;
			}
	return api_fail(req, res, -ERR_INVALID, NULL, NULL,
			"app %s is not deployed with resource %s: its instance %s has no context "
			"to be rendered with\n",
			client, resource, req_app(req)->appname);
}

int instances_update(deploy_run_t *run, response_t *res, err_t *err)
{
	request_t *req = run->req;
	const char *name = run->name;
	char *rname = NULL, *client = NULL;
	lain_conf_t *cconf = NULL;
	app_record_t *resource = NULL;
	const json_object *context = NULL;
	int split = tmpl_instance_split(name, &rname, &client);
	arena_own(req->arena, rname, free);
	arena_own(req->arena, client, free);
	if (split)
		return api_fail(req, res, -ERR_INVALID, NULL, NULL,
				"%s is not a resource instance (resource.<resource>.<app>)\n", name);
	int rc = resource_get(req, rname, &resource, err);
	if (rc == -ERR_INVALID)
		return api_fail(req, res, rc, NULL, NULL, "%s\n", err->msg);
	if (rc || (rc = wanted_version(req, res, run->cl, resource, &run->version, err)) ||
	    (rc = client_context(req, res, run->cl, client, rname, &cconf, &context)))
		return rc;
	if (run->dry_run)
		run->app = req_app(req);
	else if ((rc = deployer_lock_and_read(run, res, err)))
		return rc;
	/* The job lives as long as the run reads it. */
	struct instance_job job = { .resource = resource, .context = context };
	run->what = "update app";
	run->results = "Updating app";
	return run_instance(run, &job, err);
}

/* The instances of the resources an app's lain.yaml uses (instances_deploy). */
static int deploy_instances(deploy_run_t *run, err_t *err)
{
	return instances_deploy(run, run->conf, run->prev, &run->report, err);
}

/* Those of resources it no longer uses: removal failures are only logged. */
static int drop_instances(deploy_run_t *run, err_t *err)
{
	(void)err;
	err_t ierr = ERR_INIT;
	if (strcmp(run->conf->apptype, "resource") &&
	    instances_remove(run, run->prev, run->conf, &run->removed, &ierr))
		http_log(run->req, LOG_WARN, "update of %s: removing resource instances failed: %s",
			 run->name, ierr.msg);
	return 0;
}

const deploy_kind_t instances_app_kind = { deployer_source_meta, deploy_instances, drop_instances,
					   instances_plan };
