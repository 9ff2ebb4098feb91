/* Resource instances (spec §3.6, §4.1-4.3); see instances.h. */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "console/log.h"
#include "console/oplog.h"
#include "console/registry.h"
#include "console/tmpl.h"
#include "console/version.h"
#include "console/xalloc.h"
#include "answer.h"
#include "groups.h"
#include "instances.h"
#include "render.h"
#include "console/banned.h"

static const char *instance_name(request_t *req, const char *resource, const char *client)
{
	return arena_printf(req->arena, "resource.%s.%s", resource, client);
}

static bool is_deployed(const app_record_t *a)
{
	return strcmp(a->running_state, "reposited") && strcmp(a->running_state, "deploying") &&
	       *a->meta && *a->meta_version;
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
	if (req->auth_on) {
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
	if (rc || !req->auth_on)
		return rc;
	bool created = false;
	rc = groups_create(req, cl, name, &created, err);
	if (!rc)
		rc = groups_copy_members(req, cl, resource, name, err);
	if (rc) {
		err_t undo = ERR_INIT;
		groups_undo(req, cl, name, created);
		if (store_app_delete(req->ctx, name, &undo))
			log_error("resource instance %s: its record could not be removed after its "
				  "registration failed: %s",
				  name, undo.msg);
		return err_wrap(err, "cannot create the SSO group of resource instance %s", name);
	}
	log_info("REPOSIT: resource instance %s registered by %s", name, req->operator_name);
	err_t oplog_err = ERR_INIT;
	if (oplog_append(req->ctx, "REPOSIT", req->operator_name, name, "", "", &oplog_err))
		log_warn("oplog REPOSIT of %s not written: %s", name, oplog_err.msg);
	return 0;
}

/* One instance deploy: what it runs and how it reports. */
struct instance_job {
	const cluster_t *cl;
	const app_record_t *resource;
	const char *name;                   /* resource.<R>.<C> */
	const char *version;                /* of R */
	const struct json_object *context;  /* the client's */
	bool only_if_changed;               /* skip when the rendering is what runs */
	const char *what, *results;         /* "deploy app", "Deploy app" ... */
};

/* The instance's lain.yaml: R's lain.yaml of the job's version (the stored
 * one when R runs that version, else its meta image's) rendered with the
 * context. *text lives in the arena; *conf is parsed from it. */
static int render_instance(request_t *req, const struct instance_job *job, const char **text,
			   const char **image, lain_conf_t **conf, err_t *err)
{
	const app_record_t *r = job->resource;
	buf_t tmpl = BUF_INIT;
	char *out = NULL;
	int rc = 0;
	if (!strcmp(r->meta_version, job->version))
		buf_add(&tmpl, r->meta, strlen(r->meta));
	else if ((rc = registry_read_lainyaml(req->ctx, r->appname, job->version, &tmpl, err)))
		goto out;
	if ((rc = tmpl_render_instance(tmpl.data, tmpl.len, job->context, job->name, &out, err))) {
		err_wrap(err, "rendering %s:meta-%s for %s", r->appname, job->version, job->name);
		goto out;
	}
	*text = arena_strdup(req->arena, out);
	*image = arena_printf(req->arena, "%s/%s:release-%s", job->cl->registry, r->appname,
			      job->version);
	lain_parse_opts_t po = cluster_parse_opts(job->cl, job->version, *image);
	if ((rc = lain_conf_parse(*text, strlen(*text), &po, conf, err)))
		err_wrap(err, "lain.yaml of %s rendered from %s:meta-%s", job->name, r->appname,
			 job->version);
out:
	free(out);
	buf_release(&tmpl);
	return rc;
}

/*
 * Deploys the instance of job (its lock held by run): rendered, recorded as
 * deploying, its procs deployed, the procs it no longer has removed, then
 * recorded deployed. A failed deploy records its report as the instance's
 * last_error (the version it ran before stays recorded) and returns that
 * text in *failure; the report gets it under the instance's name.
 */
static int deploy_instance(deploy_run_t *run, const struct instance_job *job, buf_t *report,
			   buf_t *removed, const char **failure, err_t *err)
{
	request_t *req = run->req;
	app_record_t *inst = NULL;
	lain_conf_t *conf = NULL, *prev = NULL;
	json_object *rec = NULL;
	buf_t inner = BUF_INIT;
	const char *text = NULL, *image = NULL;
	*failure = NULL;
	int rc = store_app_get(req->ctx, req->arena, job->name, &inst, err);
	if (rc)
		goto out;
	bool was_deployed = is_deployed(inst);
	/* What a failure restores (inst is read again after every save). */
	const char *old_meta = inst->meta, *old_version = inst->meta_version;
	const char *old_image = inst->default_image;
	if ((rc = render_instance(req, job, &text, &image, &conf, err)))
		goto fail_early;
	if (job->only_if_changed && was_deployed && !strcmp(inst->meta, text) &&
	    !strcmp(inst->meta_version, job->version))
		goto out;
	err_t perr = ERR_INIT;
	if (deployer_load_conf(run->cl, inst, &prev, &perr))
		prev = NULL;

	if (json_object_deep_copy(inst->raw, &rec, NULL)) {
		rc = err_set(err, -ERR_INTERNAL, "cannot copy the record of '%s'", job->name);
		goto out;
	}
	deployer_set(rec, "last_error", "");
	deployer_set(rec, "running_state", "deploying");
	deployer_set(rec, "meta", text);
	deployer_set(rec, "meta_version", job->version);
	deployer_set(rec, "default_image", image);
	deployer_set(rec, "app_type", "resource-instance");
	if ((rc = deployer_save(req, job->name, rec, &inst, err)))
		goto out;
	err_t oplog_err = ERR_INIT;
	if (oplog_append(req->ctx, was_deployed ? "UPDATE" : "DEPLOY", req->operator_name,
			 job->name, job->version, "", &oplog_err))
		log_warn("oplog of %s not written: %s", job->name, oplog_err.msg);

	if ((rc = deployer_procs(run, conf, job->version, &inner, err)))
		goto fail;
	deployer_remove_useless(req->ctx, prev, conf, removed);
	deployer_set(rec, "running_state", "deployed");
	rc = deployer_save(req, job->name, rec, &inst, err);
	goto out;

fail_early:
	/* Nothing changed yet: only the error is recorded. */
	if (json_object_deep_copy(inst->raw, &rec, NULL)) {
		rc = err_set(err, -ERR_INTERNAL, "cannot copy the record of '%s'", job->name);
		goto out;
	}
fail:
	*failure = deployer_failure_msg(req, job->what, job->results, job->name, &inner, err);
	if (was_deployed) {
		deployer_set(rec, "meta", old_meta);
		deployer_set(rec, "meta_version", old_version);
		deployer_set(rec, "default_image", old_image);
		deployer_set(rec, "running_state", "deployed");
	}
	deployer_set(rec, "last_error", *failure);
	err_t serr = ERR_INIT;
	if (deployer_save(req, job->name, rec, &inst, &serr))
		log_error("deploy of %s failed and its record was not saved: %s", job->name, serr.msg);
	buf_addf(report, "    resource instance %s:\n%s", job->name, inner.data);
out:
	json_object_put(rec);
	lain_conf_free(conf);
	lain_conf_free(prev);
	buf_release(&inner);
	return rc;
}

/* job under the instance's own lock, the client's kept alive too. */
static int deploy_locked(deploy_run_t *client, const struct instance_job *job, buf_t *report,
			 err_t *err)
{
	lock_t *lock = NULL;
	int rc = lock_acquire(client->req->ctx, job->name, LOCK_TTL, client->req->operator_name,
			      &lock, err);
	if (rc) {
		buf_addf(report, "    resource instance %s:\n        %s\n", job->name, err->msg);
		return rc;
	}
	deploy_run_t run = { client->req, client->cl, { lock, client->locks[0] } };
	buf_t removed = BUF_INIT;
	const char *failure = NULL;
	rc = deploy_instance(&run, job, report, &removed, &failure, err);
	if (!rc && removed.len)
		log_warn("deploy of %s: removing procs failed:\n%s", job->name, removed.data);
	buf_release(&removed);
	lock_release(client->req->ctx, lock);
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
		struct instance_job job = {
			.cl = run->cl,
			.resource = resources[i],
			.name = instance_name(req, u->resource, conf->appname),
			.version = resources[i]->meta_version,
			.context = u->context,
			.what = "deploy app",
			.results = "Deploy app",
		};
		/* Used before: refreshed at the version it runs, if its rendering changed. */
		app_record_t *inst = NULL;
		if (prev && uses(prev, u->resource) &&
		    !store_app_get(req->ctx, req->arena, job.name, &inst, err) && is_deployed(inst)) {
			job.version = inst->meta_version;
			job.only_if_changed = true;
			job.what = "update app";
			job.results = "Updating app";
		}
		if ((rc = deployer_keepalive(run, err)))
			break;
		rc = deploy_locked(run, &job, report, err);
	}
	return rc;
}

/* Removes one instance's procs and resets its record, under its lock. */
static int remove_instance(deploy_run_t *client, const char *name, buf_t *report, err_t *err)
{
	request_t *req = client->req;
	lock_t *lock = NULL;
	lain_conf_t *conf = NULL;
	app_record_t *inst = NULL;
	int rc = lock_acquire(req->ctx, name, LOCK_TTL, req->operator_name, &lock, err);
	if (rc) {
		buf_addf(report, "    resource instance %s:\n        %s\n", name, err->msg);
		return rc;
	}
	rc = store_app_get(req->ctx, req->arena, name, &inst, err);
	if (rc == -ERR_NOT_FOUND || (!rc && !strcmp(inst->running_state, "reposited"))) {
		rc = 0;
		goto out;
	}
	if (rc)
		goto out;
	err_t oplog_err = ERR_INIT;
	if (oplog_append(req->ctx, "DELETE", req->operator_name, name, "", "", &oplog_err))
		log_warn("oplog DELETE of %s not written: %s", name, oplog_err.msg);
	if (*inst->meta && *inst->meta_version) {
		if ((rc = deployer_load_conf(client->cl, inst, &conf, err)))
			goto out;
		deploy_run_t run = { req, client->cl, { lock, client->locks[0] } };
		buf_t inner = BUF_INIT;
		for (size_t i = 0; i < conf->n_procs; i++) {
			if ((rc = deployer_keepalive(&run, err)))
				break;
			err_t perr = ERR_INIT;
			int prc = deployer_remove_proc(req->ctx, &conf->procs[i], &inner, &perr);
			if (prc && !rc) {
				rc = prc;
				*err = perr;
			}
		}
		if (inner.len)
			buf_addf(report, "    resource instance %s:\n%s", name, inner.data);
		buf_release(&inner);
		if (rc)
			goto out;
	}
	rc = deployer_reset(req, inst, err);
out:
	lain_conf_free(conf);
	lock_release(req->ctx, lock);
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
static int wanted_version(request_t *req, response_t *res, const app_record_t *resource,
			  const char **version, err_t *err)
{
	json_object *jv;
	*version = resource->meta_version;
	if (!req->json || !json_object_is_type(req->json, json_type_object) ||
	    !json_object_object_get_ex(req->json, "meta_version", &jv) ||
	    !json_object_is_type(jv, json_type_string) || !*json_object_get_string(jv))
		return 0;
	const char *wanted = json_object_get_string(jv);
	char **metas = NULL;
	int rc = registry_meta_versions(req->ctx, resource->appname, &metas, err);
	if (rc && rc != -ERR_NOT_FOUND)
		return rc;
	*version = NULL;
	char *v = version_normalize(wanted);
	for (size_t i = 0; metas && metas[i] && !*version; i++)
		if (!strcmp(metas[i], v))
			*version = arena_strdup(req->arena, v);
	free(v);
	version_list_free(metas);
	if (*version)
		return 0;
	return api_fail(req, res, -ERR_INVALID, render_app(req, req->app, err), NULL,
			"no such meta_version %s for app %s\nplease check your images\n", wanted,
			req->app->appname);
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
	    !deployer_load_conf(cl, c, conf, &e))
		for (size_t i = 0; i < (*conf)->n_use_resources; i++)
			if (!strcmp((*conf)->use_resources[i].resource, resource)) {
				*context = (*conf)->use_resources[i].context;
				return 0;
			}
	return api_fail(req, res, -ERR_INVALID, NULL, NULL,
			"app %s is not deployed with resource %s: its instance %s has no context "
			"to be rendered with\n",
			client, resource, req->app->appname);
}

int instances_update(request_t *req, response_t *res, const cluster_t *cl, err_t *err)
{
	const char *name = req->app->appname;
	char *rname = NULL, *client = NULL;
	lain_conf_t *cconf = NULL;
	lock_t *lock = NULL;
	app_record_t *resource = NULL, *inst = NULL;
	buf_t report = BUF_INIT, removed = BUF_INIT;
	const char *version = NULL;
	const json_object *context = NULL;
	int rc = 0;
	if (tmpl_instance_split(name, &rname, &client)) {
		rc = api_fail(req, res, -ERR_INVALID, NULL, NULL,
			      "%s is not a resource instance (resource.<resource>.<app>)\n", name);
		goto out;
	}
	if ((rc = resource_get(req, rname, &resource, err))) {
		if (rc == -ERR_INVALID)
			rc = api_fail(req, res, rc, NULL, NULL, "%s\n", err->msg);
		goto out;
	}
	if ((rc = wanted_version(req, res, resource, &version, err)) ||
	    (rc = client_context(req, res, cl, client, rname, &cconf, &context)) ||
	    (rc = deployer_lock_and_read(req, res, name, &lock, &inst, err)))
		goto out;
	deploy_run_t run = { req, cl, { lock, NULL } };
	struct instance_job job = {
		.cl = cl,
		.resource = resource,
		.name = name,
		.version = version,
		.context = context,
		.what = "update app",
		.results = "Updating app",
	};
	const char *failure = NULL;
	rc = deploy_instance(&run, &job, &report, &removed, &failure, err);
	if (failure) {
		rc = api_fail(req, res, -ERR_NOT_ACCEPTABLE, NULL, NULL, "%s", failure);
		goto out;
	}
	if (rc || (rc = store_app_get(req->ctx, req->arena, name, &inst, err)))
		goto out;
	rc = deployer_answer_updated(req, res, inst, &removed, err);
out:
	lock_release(req->ctx, lock);
	lain_conf_free(cconf);
	free(rname);
	free(client);
	buf_release(&report);
	buf_release(&removed);
	return rc;
}
