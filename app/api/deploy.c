/*
 * E7 POST /v1/apps/ — the first deploy of a registered app (spec §4.1).
 *
 * Order: the body's appname (400 before anything, spec §1.1), maintain on
 * it, the deployd gate (503), the app's deploy lock (409 while another
 * deploy/update/undeploy of it runs), then the record read again under the
 * lock: "deployed" (or a legacy record without state) is 409.
 *
 * A failed deploy (§9.3 #15) saves its report as last_error (shown as
 * deployerror) and leaves the record "deploying": GET /apps/<a>/ shows it
 * and the next POST deploys again (podgroups already there get their spec
 * PATCHed instead of created). Only a complete deploy marks it "deployed".
 *
 * The meta is stored as the registry's lain.yaml text (lainyaml reads it
 * back); the bound giturl lives in the record's "giturl" (§4.4.3).
 *
 * E8 DELETE (undeploy) and E8 PUT (update, §4.2) are here too; the steps
 * procs.c reuses are in deployer.h.
 *
 * Resource instances (instances.h) deploy before the client's own procs
 * and are removed with it. Docker networks and calico profiles (§4.7,
 * networks.h) are made ready before any proc is deployed; a proc with
 * secret files runs its config image (§4.6, secrets.h). Used services'
 * portals are resolved on the provider.
 */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "console/api.h"
#include "answer.h"
#include "console/cluster.h"
#include "console/deployd.h"
#include "console/docker.h"
#include "console/lainyaml.h"
#include "console/locks.h"
#include "console/log.h"
#include "console/oplog.h"
#include "console/permission.h"
#include "console/registry.h"
#include "console/spec.h"
#include "console/store.h"
#include "console/strx.h"
#include "console/tmpl.h"
#include "console/version.h"
#include "console/xalloc.h"
#include "deployer.h"
#include "instances.h"
#include "networks.h"
#include "secrets.h"
#include "render.h"
#include "console/banned.h"

void deployer_set(json_object *rec, const char *key, const char *value)
{
	json_object_object_add(rec, key, json_object_new_string(value ? value : ""));
}

int deployer_save(request_t *req, const char *name, json_object *rec, app_record_t **app,
		  err_t *err)
{
	int rc = store_app_save(req->ctx, name, rec, (*app)->mod_revision, err);
	if (!rc)
		rc = store_app_get(req->ctx, req->arena, name, app, err);
	return rc;
}

/* Whether the running Pod's Annotation (a JSON string) has srcport in its
 * stream "ports". */
static bool running_port(json_object *status, long srcport)
{
	json_object *spec, *pod, *ann;
	if (!json_object_object_get_ex(status, "Spec", &spec) ||
	    !json_object_object_get_ex(spec, "Pod", &pod) ||
	    !json_object_object_get_ex(pod, "Annotation", &ann) ||
	    !json_object_is_type(ann, json_type_string))
		return false;
	json_object *a = json_tokener_parse(json_object_get_string(ann)), *ports;
	bool found = false;
	if (a && json_object_object_get_ex(a, "ports", &ports) &&
	    json_object_is_type(ports, json_type_array))
		for (size_t i = 0; i < json_object_array_length(ports) && !found; i++) {
			json_object *sp;
			if (json_object_object_get_ex(json_object_array_get_idx(ports, i), "srcport",
						      &sp))
				found = json_object_get_int64(sp) == srcport;
		}
	json_object_put(a);
	return found;
}

/* Stream ports of a proc that must be free (§4.5.3, §9.3 #17): all of them
 * for a new podgroup, those its running Pod does not have yet for an
 * existing one (running: its status, else NULL). */
static int validate_ports(ctx_t *ctx, const lain_proc_t *p, json_object *running, buf_t *report,
			  err_t *err)
{
	long ports[64];
	size_t n = 0;
	for (size_t i = 0; i < p->n_stream_ports && n < 64; i++)
		if (!running || !running_port(running, p->stream_ports[i].srcport))
			ports[n++] = p->stream_ports[i].srcport;
	if (!n)
		return 0;
	deployd_result_t r = DEPLOYD_RESULT_INIT;
	int rc = deployd_ports_validate(ctx, ports, n, &r, err);
	if (rc)
		buf_addf(report, "    %s:\n        status_code: %ld\n        message: %s\n", p->name,
			 r.status, err->msg);
	deployd_result_release(&r);
	return rc;
}

/* What an existing podgroup keeps over a new Pod (§3.7, §4.5.3): the
 * running container's CpuLimit/MemoryLimit (scaling is sticky), its Labels
 * (lain.yaml's own labels win) and its HealthConfig unless lain.yaml gives
 * one. NumInstances is not in a Pod: cmd=spec never touches it. */
static void keep_running(json_object *pod, json_object *status)
{
	json_object *spec, *run;
	if (!json_object_object_get_ex(status, "Spec", &spec) ||
	    !json_object_object_get_ex(spec, "Pod", &run))
		return;
	json_object *rc = json_object_array_get_idx(json_object_object_get(run, "Containers"), 0);
	json_object *nc = json_object_object_get(pod, "Containers");
	for (size_t i = 0; rc && nc && i < json_object_array_length(nc); i++) {
		json_object *c = json_object_array_get_idx(nc, i), *v;
		if (json_object_object_get_ex(rc, "CpuLimit", &v))
			json_object_object_add(c, "CpuLimit", json_object_get(v));
		if (json_object_object_get_ex(rc, "MemoryLimit", &v))
			json_object_object_add(c, "MemoryLimit", json_object_get(v));
	}
	json_object *old_labels = json_object_object_get(run, "Labels");
	json_object *labels = json_object_object_get(pod, "Labels");
	if (json_object_is_type(old_labels, json_type_object) &&
	    json_object_is_type(labels, json_type_object)) {
		json_object *merged = json_object_new_object();
		json_object_object_foreach(old_labels, k1, v1)
			json_object_object_add(merged, k1, json_object_get(v1));
		json_object_object_foreach(labels, k2, v2)
			json_object_object_add(merged, k2, json_object_get(v2));
		json_object_object_add(pod, "Labels", merged);
	}
	json_object *old_hc = json_object_object_get(run, "HealthConfig");
	json_object *hc = json_object_object_get(pod, "HealthConfig");
	if (old_hc && (!hc || (json_object_is_type(hc, json_type_object) &&
			       !json_object_object_length(hc))))
		json_object_object_add(pod, "HealthConfig", json_object_get(old_hc));
}

/* One podgroup: created (its stream ports checked first), or its Pod
 * PATCHed when it exists (an update, a retried deploy; its new stream
 * ports checked first). */
static int deploy_podgroup(ctx_t *ctx, const lain_conf_t *conf, const lain_proc_t *p,
			   const spec_opts_t *so, buf_t *report, err_t *err)
{
	json_object *spec = NULL;
	deployd_result_t r = DEPLOYD_RESULT_INIT;
	int rc = spec_build_podgroup(conf, p, so, &spec, err);
	if (rc)
		goto out;
	rc = deployd_podgroup_get(ctx, p->podname, &r, err);
	if (!rc) {
		json_object *pod = json_object_object_get(spec, "Pod");
		keep_running(pod, r.json);
		rc = validate_ports(ctx, p, r.json, report, err);
		deployd_result_release(&r);
		if (rc)
			goto out_quiet;
		rc = deployd_podgroup_spec(ctx, p->podname, pod, &r, err);
	} else if (rc == -ERR_NOT_FOUND) {
		deployd_result_release(&r);
		if ((rc = validate_ports(ctx, p, NULL, report, err)))
			goto out_quiet;
		rc = deployd_podgroup_create(ctx, spec, &r, err);
	}
out:
	if (rc)
		buf_addf(report, "    %s:\n        status_code: %ld\n        message: %s\n", p->name,
			 r.status, err->msg);
out_quiet:
	deployd_result_release(&r);
	json_object_put(spec);
	return rc;
}

/* One portal: GET /api/depends, then PUT or POST. */
static int deploy_portal(ctx_t *ctx, const lain_conf_t *conf, const lain_proc_t *p,
			 const spec_opts_t *so, buf_t *report, err_t *err)
{
	json_object *spec = NULL;
	deployd_result_t r = DEPLOYD_RESULT_INIT;
	int rc = spec_build_portal(conf, p, so, &spec, err);
	if (rc)
		goto out;
	const char *name = json_object_get_string(json_object_object_get(spec, "Name"));
	rc = deployd_depends_get(ctx, name, &r, err);
	deployd_result_release(&r);
	if (!rc)
		rc = deployd_depends_update(ctx, spec, &r, err);
	else if (rc == -ERR_NOT_FOUND)
		rc = deployd_depends_create(ctx, spec, &r, err);
out:
	if (rc)
		buf_addf(report, "    %s:\n        status_code: %ld\n        message: %s\n", p->name,
			 r.status, err->msg);
	deployd_result_release(&r);
	json_object_put(spec);
	return rc;
}

/* spec_opts.resolve_portal: the portal proc serving service on provider
 * (§3.5), read from the provider's stored lain.yaml; NULL (the default
 * portal-<service>) when the provider is missing, not deployed or has none. */
struct resolver {
	request_t *req;
	const cluster_t *cl;
};

static const char *resolve_portal(void *data, const char *provider, const char *service)
{
	struct resolver *rs = data;
	app_record_t *pa = NULL;
	err_t e = ERR_INIT;
	if (store_app_get(rs->req->ctx, rs->req->arena, provider, &pa, &e) ||
	    !strcmp(pa->running_state, "reposited"))
		return NULL;
	lain_conf_t *conf = NULL;
	const char *found = NULL;
	if (!deployer_load_conf(rs->cl, pa, &conf, &e))
		for (size_t i = 0; i < conf->n_procs && !found; i++)
			if (conf->procs[i].type == LAIN_PORTAL && conf->procs[i].service_name &&
			    !strcmp(conf->procs[i].service_name, service))
				found = arena_strdup(rs->req->arena, conf->procs[i].name);
	lain_conf_free(conf);
	return found;
}

/* What the specs of a deploy of app at version need (spec_opts_t): the
 * deploy-time env, used portals resolved on their providers, and the app's
 * extra system volumes: <CONSOLE_SYSTEM_VOLUMES_ETCD_PREFIX>/<app>, entries
 * "host:ctr[:mode]" joined by ';' (spec §2.2). */
#define MAX_SYSTEM_VOLUMES 32

struct spec_env {
	struct resolver rs;
	spec_opts_t so;
	const char *vols[MAX_SYSTEM_VOLUMES];
};

static int spec_env_init(struct spec_env *se, request_t *req, const cluster_t *cl,
			 const char *app, const char *version, err_t *err)
{
	memset(se, 0, sizeof(*se));
	se->rs = (struct resolver){ req, cl };
	se->so = (spec_opts_t){
		.deploy_env = true,
		.main_domain = cl->main_domain,
		.meta_version = version,
		.system_volumes = se->vols,
		.resolve_portal = resolve_portal,
		.resolve_data = &se->rs,
	};
	const char *key = arena_printf(req->arena, "%s/%s", req->ctx->cfg->system_volumes_prefix, app);
	const char *value = NULL;
	int rc = store_config_get(req->ctx, req->arena, key, &value, err);
	if (rc)
		return err_wrap(err, "cannot read the system volumes of %s", app);
	if (!value)
		return 0;
	char *fields[MAX_SYSTEM_VOLUMES + 1];
	size_t n = strx_split(arena_strdup(req->arena, value), ';', fields, MAX_SYSTEM_VOLUMES + 1);
	if (n > MAX_SYSTEM_VOLUMES)
		return err_set(err, -ERR_INVALID, "%s: more than %d system volumes", key,
			       MAX_SYSTEM_VOLUMES);
	for (size_t i = 0; i < n; i++)
		se->vols[i] = fields[i];
	se->so.n_system_volumes = n;
	return 0;
}

int deployer_keepalive(deploy_run_t *run, err_t *err)
{
	for (size_t i = 0; i < sizeof(run->locks) / sizeof(run->locks[0]); i++)
		if (run->locks[i]) {
			int rc = lock_keepalive(run->req->ctx, run->locks[i], err);
			if (rc)
				return rc;
		}
	return 0;
}

/* The networks conf's pods run in (§4.7): its own, and per portal it uses
 * (services, resource instances) the provider's and the client's
 * instance's. Nothing without a Docker API. */
static int prepare_networks(request_t *req, const struct spec_env *se, const lain_conf_t *conf,
			    err_t *err)
{
	if (!docker_enabled(req->ctx))
		return 0;
	int rc = networks_app(req, conf->appname, err);
	for (size_t u = 0; u < conf->n_use_services + conf->n_use_resources && !rc; u++) {
		bool svc = u < conf->n_use_services;
		const lain_strs_t *services = svc ? &conf->use_services[u].services
						  : &conf->use_resources[u - conf->n_use_services].services;
		const char *provider = svc ? conf->use_services[u].app
					   : arena_printf(req->arena, "resource.%s.%s",
							  conf->use_resources[u - conf->n_use_services]
								  .resource,
							  conf->appname);
		for (size_t k = 0; k < services->n && !rc; k++) {
			const char *portal =
				se->so.resolve_portal(se->so.resolve_data, provider, services->v[k]);
			if (!portal)
				portal = arena_printf(req->arena, "portal-%s", services->v[k]);
			rc = networks_portal(req, provider,
					     arena_printf(req->arena, "%s.portal.%s", provider, portal),
					     conf->appname, err);
		}
	}
	return rc;
}

/* One proc, with its config image when it has secret files (§4.6). */
static int deploy_one(request_t *req, const cluster_t *cl, const lain_conf_t *conf,
		      const lain_proc_t *p, struct spec_env *se, buf_t *report, err_t *err)
{
	int rc = secrets_image(req, cl, conf, p, &se->so.proc_image, err);
	if (rc) {
		buf_addf(report, "    %s:\n        %s\n", p->name, err->msg);
		return rc;
	}
	rc = p->type == LAIN_PORTAL ? deploy_portal(req->ctx, conf, p, &se->so, report, err)
				    : deploy_podgroup(req->ctx, conf, p, &se->so, report, err);
	se->so.proc_image = NULL;
	return rc;
}

int deployer_procs(deploy_run_t *run, const lain_conf_t *conf, const char *version,
		   buf_t *report, err_t *err)
{
	if (!strcmp(conf->apptype, "resource"))
		return 0;
	struct spec_env se;
	int rc = spec_env_init(&se, run->req, run->cl, conf->appname, version, err);
	if (!rc)
		rc = prepare_networks(run->req, &se, conf, err);
	for (int portals = 0; portals < 2 && !rc; portals++)
		for (size_t i = 0; i < conf->n_procs && !rc; i++) {
			const lain_proc_t *p = &conf->procs[i];
			if ((p->type == LAIN_PORTAL) != portals)
				continue;
			if ((rc = deployer_keepalive(run, err)))
				break;
			rc = deploy_one(run->req, run->cl, conf, p, &se, report, err);
		}
	return rc;
}

static const char *app_type_of(const char *name, const lain_conf_t *conf)
{
	if (!strncmp(name, "resource.", 9))
		return "resource-instance";
	if (!strcmp(conf->apptype, "app") && lain_conf_has_portal(conf))
		return "service";
	return conf->apptype;
}

/* The app's deploy lock; when another request holds it, 409 is answered. */
static int take_lock(request_t *req, response_t *res, const char *name, lock_t **lock, err_t *err)
{
	int rc = lock_acquire(req->ctx, name, LOCK_TTL, req->operator_name, lock, err);
	if (rc == -ERR_CONFLICT)
		return api_fail(req, res, rc, NULL, NULL, "%s", err->msg);
	return rc;
}

/* 404 for an app that is only registered (changes need a deployed one). */
static int refuse_reposited(request_t *req, response_t *res, const app_record_t *app)
{
	if (strcmp(app->running_state, "reposited"))
		return 0;
	return api_fail(req, res, -ERR_NOT_FOUND, NULL, NULL,
			"app with appname %s has not been deployd\n", app->appname);
}

int deployer_lock_and_read(request_t *req, response_t *res, const char *name, lock_t **lock,
			 app_record_t **app, err_t *err)
{
	int rc = take_lock(req, res, name, lock, err);
	if (!rc)
		rc = store_app_get(req->ctx, req->arena, name, app, err);
	return rc ? rc : refuse_reposited(req, res, *app);
}

const char *deployer_failure_msg(request_t *req, const char *what, const char *results,
				 const char *name, buf_t *report, const err_t *err)
{
	if (!report->len)
		buf_addf(report, "    %s\n", err->msg);
	return arena_printf(req->arena,
			    "request of %s %s is not acceptable with error:\n"
			    "%s %s results: procs in below are failed:\n%s",
			    what, name, results, name, report->data);
}

int deployer_answer_updated(request_t *req, response_t *res, const app_record_t *app,
			    const buf_t *removed, err_t *err)
{
	json_object *o = render_app(req, app, err);
	if (removed->len)
		return api_answer(req, res, 202, o, NULL,
				  "update request of app %s has been accepted.\n"
				  "remove failed results:\n%s",
				  app->appname, removed->data);
	return api_answer(req, res, 202, o, NULL, "update request of app %s has been accepted.",
			  app->appname);
}

/* A failed deploy or update (§9.3 #15): the report (or the error alone)
 * becomes the 406 answer and the record's last_error, saved with whatever
 * else the caller set in rec. */
static int answer_failure(request_t *req, response_t *res, const char *name, const char *what,
			  const char *results, buf_t *report, json_object *rec,
			  app_record_t **app, const err_t *err)
{
	const char *msg = deployer_failure_msg(req, what, results, name, report, err);
	deployer_set(rec, "last_error", msg);
	err_t serr = ERR_INIT;
	if (deployer_save(req, name, rec, app, &serr))
		log_msg(LOG_ERROR, "%s %s failed and its record was not saved: %s", what, name,
			serr.msg);
	return api_fail(req, res, -ERR_NOT_ACCEPTABLE, NULL, NULL, "%s", msg);
}

/* §4.1 steps 4-5 (and §4.2's): a copy of the record, marked deploying with
 * its error cleared, saved; then the oplog row op. */
static int start_deploy(request_t *req, const char *name, const char *op, const char *version,
			app_record_t **app, json_object **rec, err_t *err)
{
	if (json_object_deep_copy((*app)->raw, rec, NULL))
		return err_set(err, -ERR_INTERNAL, "cannot copy the record of '%s'", name);
	deployer_set(*rec, "last_error", "");
	deployer_set(*rec, "running_state", "deploying");
	int rc = deployer_save(req, name, *rec, app, err);
	if (rc)
		return rc;
	err_t oplog_err = ERR_INIT;
	if (oplog_append(req->ctx, op, req->operator_name, name, version, "", &oplog_err))
		log_msg(LOG_WARN, "oplog %s of %s not written: %s", op, name, oplog_err.msg);
	return 0;
}

/* The meta of version: its lain.yaml read and loaded as a deploy does, its
 * appname and giturl checked, and the record's meta fields set and saved. */
static int load_meta(request_t *req, const cluster_t *cl, const char *name, const char *version,
		     json_object *rec, app_record_t **app, buf_t *yaml, lain_conf_t **conf,
		     err_t *err)
{
	int rc = registry_read_lainyaml(req->ctx, name, version, yaml, err);
	if (rc)
		return rc;
	lain_parse_opts_t po = cluster_parse_opts(cl, version, NULL);
	if ((rc = tmpl_load_conf(yaml->data, yaml->len, &po, NULL, NULL, conf, err)))
		return rc;
	if (strcmp((*conf)->appname, name))
		return err_set(err, -ERR_INVALID, "lain.yaml of %s:meta-%s names app '%s', not '%s'",
			       name, version, (*conf)->appname, name);
	char *giturl = lain_giturl_normalize((*conf)->giturl);
	if (*(*app)->giturl && strcmp((*app)->giturl, giturl)) {
		rc = err_set(err, -ERR_INVALID, "app giturl '%s' doesn't match with bound url '%s'",
			     giturl, (*app)->giturl);
		free(giturl);
		return rc;
	}
	deployer_set(rec, "giturl", *(*app)->giturl ? (*app)->giturl : giturl);
	free(giturl);
	deployer_set(rec, "meta", yaml->data);
	deployer_set(rec, "meta_version", version);
	deployer_set(rec, "app_type", app_type_of(name, *conf));
	return deployer_save(req, name, rec, app, err);
}

int api_apps_deploy(request_t *req, response_t *res, err_t *err)
{
	/* The body's appname, maintain on it and deployd's gate: the route's. */
	const char *name = http_param(req, "app");
	const cluster_t *cl;
	int rc = cluster_get(req->ctx, &cl, err);
	if (rc)
		return rc;

	lock_t *lock = NULL;
	char **tags = NULL;
	char *version = NULL;
	lain_conf_t *conf = NULL;
	json_object *rec = NULL;
	buf_t yaml = BUF_INIT, report = BUF_INIT;
	app_record_t *app = NULL;

	if ((rc = take_lock(req, res, name, &lock, err)) ||
	    (rc = store_app_get(req->ctx, req->arena, name, &app, err)))
		goto out;
	if (strcmp(app->running_state, "reposited") && strcmp(app->running_state, "deploying")) {
		rc = api_fail(req, res, -ERR_CONFLICT, render_app(req, app, err), NULL,
			      "app with appname %s already exists\n", name);
		goto out;
	}

	/* The newest meta version that has its release image. */
	size_t ntags = 0;
	rc = registry_tags(req->ctx, name, 0, &tags, &ntags, err);
	if (rc == -ERR_NOT_FOUND) {
		rc = api_fail(req, res, -ERR_INTERNAL, NULL, NULL,
			      "error in getting images: no images here: http://%s/v2/%s/tags/list\n"
			      "%s\nplease contact with admin of lain\n",
			      cl->registry, name, err->msg);
		goto out;
	}
	if (rc)
		goto out;
	version = version_latest_usable((const char *const *)tags, ntags);
	if (!version) {
		rc = api_fail(req, res, -ERR_INVALID, NULL, NULL,
			      "not found both meta and release images,\nplease check your App images "
			      "then try to update your App\n");
		goto out;
	}

	/* §4.1 steps 4-5: deploying, error cleared; the oplog row. */
	if ((rc = start_deploy(req, name, "DEPLOY", version, &app, &rec, err)))
		goto out;

	/* Step 6: the meta. From here on a failure is the deploy's (406). */
	if ((rc = load_meta(req, cl, name, version, rec, &app, &yaml, &conf, err)))
		goto fail;

	/* Steps 7-11: a resource app is only stored; the others go to deployd,
	 * the instances of the resources they use first. */
	deploy_run_t run = { req, cl, { lock, NULL } };
	if ((rc = instances_deploy(&run, conf, NULL, &report, err)) ||
	    (rc = deployer_procs(&run, conf, version, &report, err)))
		goto fail;
	deployer_set(rec, "running_state", "deployed");
	if ((rc = deployer_save(req, name, rec, &app, err)))
		goto out;
	rc = api_answer(req, res, 202, render_app(req, app, err), NULL,
			"deploy request of app %s has been accepted.", name);
	goto out;

fail:
	/* The record says why; it stays "deploying" for the next request. */
	rc = answer_failure(req, res, name, "deploy app", "Deploy app", &report, rec, &app, err);
out:
	lock_release(req->ctx, lock);
	json_object_put(rec);
	lain_conf_free(conf);
	free(version);
	version_list_free(tags);
	buf_release(&yaml);
	buf_release(&report);
	return rc;
}

/* Whether name is in the cluster's protected apps (a JSON array of names;
 * unreadable or absent: none). */
static bool is_protected(request_t *req, const char *name, err_t *err, int *rc)
{
	const char *value = NULL;
	*rc = store_config_get(req->ctx, req->arena, req->ctx->cfg->protected_apps_key, &value, err);
	if (*rc || !value)
		return false;
	json_object *list = arena_json(req->arena, json_tokener_parse(value));
	if (!list || !json_object_is_type(list, json_type_array))
		return false;
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		const char *s = json_object_get_string(json_object_array_get_idx(list, i));
		if (s && !strcmp(s, name))
			return true;
	}
	return false;
}

int deployer_remove_proc(ctx_t *ctx, const lain_proc_t *p, buf_t *report, err_t *err)
{
	deployd_result_t r = DEPLOYD_RESULT_INIT;
	int rc = p->type == LAIN_PORTAL ? deployd_depends_delete(ctx, p->podname, false, &r, err)
					: deployd_podgroup_delete(ctx, p->podname, &r, err);
	if (rc == -ERR_NOT_FOUND)
		rc = 0;
	else if (rc)
		buf_addf(report, "    %s:\n        status_code: %ld\n        message: %s\n", p->name,
			 r.status, err->msg);
	deployd_result_release(&r);
	return rc;
}

int deployer_reset(request_t *req, const app_record_t *app, err_t *err)
{
	json_object *rec = NULL;
	if (json_object_deep_copy(app->raw, &rec, NULL))
		return err_set(err, -ERR_INTERNAL, "cannot copy the record of '%s'", app->appname);
	deployer_set(rec, "giturl", "");
	deployer_set(rec, "meta", "");
	deployer_set(rec, "meta_version", "");
	deployer_set(rec, "app_type", "");
	deployer_set(rec, "last_error", "");
	deployer_set(rec, "running_state", "reposited");
	int rc = store_app_save(req->ctx, app->appname, rec, app->mod_revision, err);
	json_object_put(rec);
	return rc;
}

int api_app_undeploy(request_t *req, response_t *res, err_t *err)
{
	const char *name = req->app->appname;
	const cluster_t *cl;
	int rc = refuse_reposited(req, res, req->app);
	if (rc || (rc = cluster_get(req->ctx, &cl, err)))
		return rc;

	lock_t *lock = NULL;
	lain_conf_t *conf = NULL;
	buf_t report = BUF_INIT;
	app_record_t *app = NULL;
	if ((rc = deployer_lock_and_read(req, res, name, &lock, &app, err)))
		goto out;
	if (!strcmp(app->app_type, "resource")) {
		rc = api_fail(req, res, -ERR_FORBIDDEN, render_app(req, app, err), NULL,
			      "Not allow to delete resource app.");
		goto out;
	}
	bool prot = is_protected(req, name, err, &rc);
	if (rc)
		goto out;
	if (prot) {
		rc = api_fail(req, res, -ERR_FORBIDDEN, render_app(req, app, err), NULL,
			      "Not allow to delete protected app.");
		goto out;
	}
	err_t oplog_err = ERR_INIT;
	if (oplog_append(req->ctx, "DELETE", req->operator_name, name, "", "", &oplog_err))
		log_msg(LOG_WARN, "oplog DELETE of %s not written: %s", name, oplog_err.msg);

	/* §4.3 step 2: the app's procs, then the instances of its resources. */
	if (*app->meta && *app->meta_version) {
		if ((rc = deployer_load_conf(cl, app, &conf, err)))
			goto out;
		deploy_run_t run = { req, cl, { lock, NULL } };
		bool failed = false;
		for (size_t i = 0; i < conf->n_procs; i++) {
			if ((rc = deployer_keepalive(&run, err)))
				goto out;
			failed |= deployer_remove_proc(req->ctx, &conf->procs[i], &report, err) != 0;
		}
		if (!failed)
			failed = instances_remove(&run, conf, NULL, &report, err) != 0;
		if (failed) {
			rc = api_fail(req, res, -ERR_INTERNAL, NULL, NULL, "remove failed results:\n%s",
				      report.data);
			goto out;
		}
	}
	/* §4.3 step 3: back to registered. */
	if ((rc = deployer_reset(req, app, err)))
		goto out;
	json_object *o = json_object_new_object();
	json_object_object_add(o, "appname", json_object_new_string(name));
	json_object_object_add(o, "url",
			       json_object_new_string(arena_printf(req->arena, "/v1/repos/%s/", name)));
	rc = api_answer(req, res, 202, o, NULL, "delete app successfully.");
out:
	lock_release(req->ctx, lock);
	lain_conf_free(conf);
	buf_release(&report);
	return rc;
}

/* ---- Shared with procs.c and instances.c (deployer.h). */

int deployer_load_conf(const cluster_t *cl, const app_record_t *app, lain_conf_t **out,
		       err_t *err)
{
	*out = NULL;
	if (!*app->meta || !*app->meta_version)
		return err_set(err, -ERR_NOT_FOUND, "app %s has no meta stored", app->appname);
	lain_parse_opts_t po = cluster_parse_opts(cl, app->meta_version, app->default_image);
	return tmpl_load_conf(app->meta, strlen(app->meta), &po, NULL, NULL, out, err);
}

int deployer_proc(request_t *req, const cluster_t *cl, const lain_conf_t *conf,
		  const lain_proc_t *p, const char *version, buf_t *report, err_t *err)
{
	struct spec_env se;
	int rc = spec_env_init(&se, req, cl, conf->appname, version, err);
	if (!rc)
		rc = prepare_networks(req, &se, conf, err);
	if (rc)
		return rc;
	return deploy_one(req, cl, conf, p, &se, report, err);
}

static bool has_proc(const lain_conf_t *conf, const char *podname)
{
	for (size_t i = 0; conf && i < conf->n_procs; i++)
		if (!strcmp(conf->procs[i].podname, podname))
			return true;
	return false;
}

void deployer_remove_useless(ctx_t *ctx, const lain_conf_t *prev, const lain_conf_t *conf,
			     buf_t *removed)
{
	for (size_t i = 0; prev && i < prev->n_procs; i++) {
		if (has_proc(conf, prev->procs[i].podname))
			continue;
		err_t rerr = ERR_INIT;
		if (deployer_remove_proc(ctx, &prev->procs[i], removed, &rerr))
			log_msg(LOG_WARN, "update of %s: removing %s failed: %s", conf->appname,
				prev->procs[i].podname, rerr.msg);
	}
}

/* ---- E8 PUT: update / redeploy (§4.2). */

/* The version the PUT asks for (*version, free() it): the body's
 * meta_version (normalised; it must be one of the registry's meta versions,
 * else 400 is answered), else the newest usable one (none: 400). */
static int update_version(request_t *req, response_t *res, const char *name, char **version,
			  err_t *err)
{
	const char *wanted = NULL;
	json_object *jv;
	if (req->json && json_object_is_type(req->json, json_type_object) &&
	    json_object_object_get_ex(req->json, "meta_version", &jv) &&
	    json_object_is_type(jv, json_type_string) && *json_object_get_string(jv))
		wanted = json_object_get_string(jv);
	char **tags = NULL;
	size_t ntags = 0;
	*version = NULL;
	int rc = registry_tags(req->ctx, name, 0, &tags, &ntags, err);
	if (rc && rc != -ERR_NOT_FOUND)
		return rc;
	rc = 0;
	if (wanted) {
		char *v = version_normalize(wanted);
		char **metas = version_list_meta((const char *const *)tags, ntags);
		for (size_t i = 0; metas[i] && !*version; i++)
			if (!strcmp(metas[i], v))
				*version = v;
		version_list_free(metas);
		if (!*version) {
			free(v);
			rc = api_fail(req, res, -ERR_INVALID, render_app(req, req->app, err), NULL,
				      "no such meta_version %s for app %s\nplease check your images\n",
				      wanted, name);
		}
	} else {
		*version = tags ? version_latest_usable((const char *const *)tags, ntags) : NULL;
		if (!*version)
			rc = api_fail(req, res, -ERR_INVALID, NULL, NULL,
				      "can not get meta_version/meta\nplease check your App images "
				      "then try to update your App\n");
	}
	version_list_free(tags);
	return rc;
}

int api_app_update(request_t *req, response_t *res, err_t *err)
{
	const char *name = req->app->appname;
	const cluster_t *cl;
	int rc = refuse_reposited(req, res, req->app);
	if (rc || (rc = cluster_get(req->ctx, &cl, err)))
		return rc;
	/* Resource instances (§4.2, third flow). */
	if (strchr(name, '.'))
		return instances_update(req, res, cl, err);

	lock_t *lock = NULL;
	char *version = NULL, *prev_meta = NULL, *prev_version = NULL, *prev_type = NULL;
	bool was_deploying = false;
	lain_conf_t *conf = NULL, *prev = NULL;
	json_object *rec = NULL;
	buf_t yaml = BUF_INIT, report = BUF_INIT, removed = BUF_INIT;
	app_record_t *app = NULL;

	if ((rc = update_version(req, res, name, &version, err)) ||
	    (rc = deployer_lock_and_read(req, res, name, &lock, &app, err)))
		goto out;
	/* Step 2: what a failure restores; the procs that may become useless. */
	prev_meta = xstrdup(app->meta);
	prev_version = xstrdup(app->meta_version);
	prev_type = xstrdup(app->app_type);
	/* A first deploy that never completed stays one (the next POST retries). */
	was_deploying = !strcmp(app->running_state, "deploying");
	err_t perr = ERR_INIT;
	if (deployer_load_conf(cl, app, &prev, &perr))
		prev = NULL;
	if ((rc = start_deploy(req, name, "UPDATE", version, &app, &rec, err)))
		goto out;

	/* Step 4: the meta (as the first deploy). */
	if ((rc = load_meta(req, cl, name, version, rec, &app, &yaml, &conf, err)))
		goto fail;

	/* Step 5: the instances of used resources, then the app's own procs
	 * (each with its config image, networks made ready first). */
	deploy_run_t run = { req, cl, { lock, NULL } };
	if ((rc = instances_deploy(&run, conf, prev, &report, err)) ||
	    (rc = deployer_procs(&run, conf, version, &report, err)))
		goto fail;
	if (strcmp(conf->apptype, "resource")) {
		/* Procs gone from lain.yaml and instances of resources no longer
		 * used: removal failures are only reported. */
		deployer_remove_useless(req->ctx, prev, conf, &removed);
		err_t ierr = ERR_INIT;
		if (instances_remove(&run, prev, conf, &removed, &ierr))
			log_msg(LOG_WARN, "update of %s: removing resource instances failed: %s", name,
				ierr.msg);
	}
	deployer_set(rec, "running_state", "deployed");
	if ((rc = deployer_save(req, name, rec, &app, err)))
		goto out;
	rc = deployer_answer_updated(req, res, app, &removed, err);
	goto out;

fail:
	/* §4.2 step 6: the previous meta is what stays recorded. */
	deployer_set(rec, "meta", prev_meta);
	deployer_set(rec, "meta_version", prev_version);
	deployer_set(rec, "app_type", prev_type);
	deployer_set(rec, "running_state", was_deploying ? "deploying" : "deployed");
	rc = answer_failure(req, res, name, "update app", "Updating app", &report, rec, &app, err);
out:
	lock_release(req->ctx, lock);
	json_object_put(rec);
	lain_conf_free(conf);
	lain_conf_free(prev);
	free(version);
	free(prev_meta);
	free(prev_version);
	free(prev_type);
	buf_release(&yaml);
	buf_release(&report);
	buf_release(&removed);
	return rc;
}
