/*
 * The deploy steps (spec §4.1, §4.2, §4.5); see deployer.h. The handlers
 * that start runs are in deploy.c (apps) and instances.c (resource
 * instances).
 *
 * Resource instances (instances.h) deploy before the client's own procs.
 * Docker networks and calico profiles (§4.7, networks.h) are made ready
 * before any proc is deployed; a proc with secret files runs its config
 * image (§4.6, secrets.h). Used services' portals are resolved on the
 * provider.
 */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "console/array.h"
#include "console/deployd.h"
#include "console/docker.h"
#include "console/log.h"
#include "console/metrics.h"
#include "console/oplogs.h"
#include "console/permission.h"
#include "console/spec.h"
#include "console/strx.h"
#include "console/xalloc.h"
#include "answer.h"
#include "appconf.h"
#include "deployer.h"
#include "networks.h"
#include "peers.h"
#include "secrets.h"
#include "console/banned.h"

/* A proc's line in a failure report: "    <proc>:\n        status_code:
 * <deployd's status>\n        message: <err>\n". */
static void report_failure(buf_t *report, const char *proc, long status, const err_t *err)
{
	buf_addf(report, "    %s:\n        status_code: %ld\n        message: %s\n", proc, status,
		 err->msg);
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

/* Stream ports of one proc sent to deployd's check at most (lain.yaml
 * allows 9500..10000; more than this are not checked). */
#define MAX_STREAM_PORTS 64

/* Stream ports of a proc that must be free (§4.5.3, §9.3 #17): all of them
 * for a new podgroup, those its running Pod does not have yet for an
 * existing one (running: its status, else NULL). */
static int validate_ports(deployd_t *dd, const lain_proc_t *p, json_object *running, buf_t *report,
			  err_t *err)
{
	long ports[MAX_STREAM_PORTS];
	size_t n = 0;
	for (size_t i = 0; i < p->n_stream_ports && n < MAX_STREAM_PORTS; i++)
		if (!running || !running_port(running, p->stream_ports[i].srcport))
			ports[n++] = p->stream_ports[i].srcport;
	if (!n)
		return 0;
	deployd_result_t r = DEPLOYD_RESULT_INIT;
	int rc = deployd_ports_validate(dd, ports, n, &r, err);
	if (rc)
		report_failure(report, p->name, r.status, err);
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

/* A podgroup: its Pod PATCHed when it exists (an update, a retried
 * deploy; its new stream ports checked first), else created (all its stream
 * ports checked first). A failed check is in report already (*reported). */
static int put_podgroup(deployd_t *dd, const lain_proc_t *p, json_object *spec,
			deployd_result_t *r, buf_t *report, bool *reported, err_t *err)
{
	int rc = deployd_podgroup_get(dd, p->podname, r, err);
	if (rc && rc != -ERR_NOT_FOUND)
		return rc;
	bool exists = !rc;
	json_object *running = exists ? json_object_get(r->json) : NULL;
	json_object *pod = json_object_object_get(spec, "Pod");
	deployd_result_release(r);
	if (exists)
		keep_running(pod, running);
	rc = validate_ports(dd, p, running, report, err);
	json_object_put(running);
	if ((*reported = rc != 0))
		return rc;
	return exists ? deployd_podgroup_spec(dd, p->podname, pod, r, err)
		      : deployd_podgroup_create(dd, spec, r, err);
}

/* A portal: PUT to /api/depends when it exists, else POST. */
static int put_portal(deployd_t *dd, json_object *spec, deployd_result_t *r, err_t *err)
{
	const char *name = json_object_get_string(json_object_object_get(spec, "Name"));
	int rc = deployd_depends_get(dd, name, r, err);
	deployd_result_release(r);
	if (!rc)
		return deployd_depends_update(dd, spec, r, err);
	return rc == -ERR_NOT_FOUND ? deployd_depends_create(dd, spec, r, err) : rc;
}

/* The spec of proc p built and put at deployd; a failure goes to report. */
static int deploy_spec(deployd_t *dd, const lain_conf_t *conf, const lain_proc_t *p,
		       const spec_opts_t *so, buf_t *report, err_t *err)
{
	json_object *spec = NULL;
	deployd_result_t r = DEPLOYD_RESULT_INIT;
	bool portal = p->type == LAIN_PORTAL, reported = false;
	int rc = portal ? spec_build_portal(conf, p, so, &spec, err)
			: spec_build_podgroup(conf, p, so, &spec, err);
	if (!rc)
		rc = portal ? put_portal(dd, spec, &r, err)
			    : put_podgroup(dd, p, spec, &r, report, &reported, err);
	if (rc && !reported)
		report_failure(report, p->name, r.status, err);
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
	if (store_app_get(rs->req->ctx, rs->req->arena, provider, &pa, &e) || !app_deployed(pa))
		return NULL;
	lain_conf_t *conf = NULL;
	const char *found = NULL;
	if (!appconf_stored(rs->req->arena, rs->cl, pa, &conf, &e))
		for (size_t i = 0; i < conf->n_procs && !found; i++)
			if (conf->procs[i].type == LAIN_PORTAL && conf->procs[i].service_name &&
			    !strcmp(conf->procs[i].service_name, service))
				found = conf->procs[i].name;
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
	return store_system_volumes(req->ctx, req->arena, app, se->vols, MAX_SYSTEM_VOLUMES,
				    &se->so.n_system_volumes, err);
}

int deployer_keepalive(deploy_run_t *run, err_t *err)
{
	for (size_t i = 0; i < ARRAY_SIZE(run->locks); i++)
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
	if (!peers_docker(req->ctx))
		return 0;
	int rc = networks_app(req, conf->appname, err);
	for (size_t u = 0; u < conf->n_use_services + conf->n_use_resources && !rc; u++) {
		bool svc = u < conf->n_use_services;
		const lain_strs_t *services = svc ? &conf->use_services[u].services
						  : &conf->use_resources[u - conf->n_use_services].services;
		const char *provider = svc ? conf->use_services[u].app
					   : arena_printf(req->arena, LAIN_INSTANCE_PREFIX "%s.%s",
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
	rc = deploy_spec(peers_deployd(req->ctx, cl), conf, p, &se->so, report, err);
	se->so.proc_image = NULL;
	return rc;
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

int deployer_remove_proc(deploy_run_t *run, const lain_proc_t *p, buf_t *report, err_t *err)
{
	deployd_result_t r = DEPLOYD_RESULT_INIT;
	deployd_t *dd = peers_deployd(run->req->ctx, run->cl);
	int rc = p->type == LAIN_PORTAL ? deployd_depends_delete(dd, p->podname, false, &r, err)
					: deployd_podgroup_delete(dd, p->podname, &r, err);
	if (rc == -ERR_NOT_FOUND)
		rc = 0;
	else if (rc)
		report_failure(report, p->name, r.status, err);
	deployd_result_release(&r);
	return rc;
}

/* ---- the record */

/* The one write of the record of a run: run->rec over the record read as
 * run->app (compare-and-swap on its mod_revision), then read back into
 * run->app and run->rec (the next save's revision). */
static int save(deploy_run_t *run, err_t *err)
{
	int rc = store_app_save(run->req->ctx, &run->rec, NULL, 0, err);
	if (!rc)
		rc = store_app_get(run->req->ctx, run->req->arena, run->name, &run->app, err);
	if (!rc) {
		/* What this run set stays set; the revision and raw are the new ones. */
		run->rec.raw = run->app->raw;
		run->rec.mod_revision = run->app->mod_revision;
	}
	return rc;
}

int deployer_reset(request_t *req, const app_record_t *app, err_t *err)
{
	app_record_t rec = *app;
	rec.giturl = rec.meta = rec.meta_version = rec.app_type = rec.last_error = "";
	rec.state = APP_REPOSITED;
	return store_app_save(req->ctx, &rec, NULL, 0, err);
}

/* ---- the lock */

int deployer_lock(deploy_run_t *run, response_t *res, err_t *err)
{
	request_t *req = run->req;
	int rc = lock_acquire(req->ctx, run->name, LOCK_TTL, req_operator(req), &run->locks[0],
			      err);
	if (rc == -ERR_CONFLICT)
		return api_fail(req, res, rc, NULL, NULL, "%s", err->msg);
	return rc;
}

int deployer_lock_and_read(deploy_run_t *run, response_t *res, err_t *err)
{
	int rc = deployer_lock(run, res, err);
	if (!rc)
		rc = store_app_get(run->req->ctx, run->req->arena, run->name, &run->app, err);
	if (rc || app_deployed(run->app))
		return rc;
	return api_fail(run->req, res, -ERR_NOT_FOUND, NULL, NULL,
			"app with appname %s has not been deployd\n", run->name);
}

/* ---- the run */

void deployer_unlock(deploy_run_t *run)
{
	lock_release(run->ctx, run->locks[0]);
	run->locks[0] = NULL;
}

/* The arena's hook: what the run holds when the request ends. */
static void run_free(void *p)
{
	deploy_run_t *run = p;
	deployer_unlock(run);
	buf_release(&run->report);
	buf_release(&run->removed);
}

deploy_run_t *deployer_new(request_t *req, const cluster_t *cl, const char *name)
{
	deploy_run_t *run = arena_alloc(req->arena, sizeof(*run));
	run->req = req;
	run->ctx = req->ctx;
	run->cl = cl;
	run->name = name;
	buf_init(&run->report, 0);
	buf_init(&run->removed, 0);
	return arena_own(req->arena, run, run_free);
}

static const char *app_type_of(const char *name, const lain_conf_t *conf)
{
	if (lain_is_instance(name))
		return "resource-instance";
	if (!strcmp(conf->apptype, "app") && lain_conf_has_portal(conf))
		return "service";
	return conf->apptype;
}

/* The app's meta image of run->version, checked; see deployer_step_meta. */
static int read_meta(deploy_run_t *run, err_t *err)
{
	int rc = appconf_image(run->req->ctx, run->req->arena, run->cl, run->name, run->version,
			       &run->yaml, &run->conf, err);
	if (rc)
		return rc;
	const lain_conf_t *conf = run->conf;
	if (strcmp(conf->appname, run->name))
		return err_set(err, -ERR_INVALID, "lain.yaml of %s:meta-%s names app '%s', not '%s'",
			       run->name, run->version, conf->appname, run->name);
	char *giturl = lain_giturl_normalize(conf->giturl);
	const char *bound = run->before->giturl;
	if (*bound && strcmp(bound, giturl)) {
		rc = err_set(err, -ERR_INVALID, "app giturl '%s' doesn't match with bound url '%s'",
			     giturl, bound);
		free(giturl);
		return rc;
	}
	run->rec.giturl = *bound ? bound : arena_strdup(run->req->arena, giturl);
	free(giturl);
	run->rec.meta = run->yaml;
	run->rec.meta_version = run->version;
	run->rec.app_type = app_type_of(run->name, conf);
	return 0;
}

static void set_deploying(deploy_run_t *run)
{
	run->rec.last_error = "";
	run->rec.state = APP_DEPLOYING;
}

static void log_attempt(deploy_run_t *run)
{
	oplogs_write(run->req, run->op, run->name, run->version, "");
}

int deployer_source_meta(deploy_run_t *run, err_t *err)
{
	int rc = read_meta(run, err);
	/* A meta that cannot be used still counts as an attempt: its oplog row
	 * and the "deploying" mark go into the failure's record, as when they
	 * were written before the meta was read (the original's order). */
	if (rc) {
		set_deploying(run);
		log_attempt(run);
	}
	return rc;
}

static int step_start(deploy_run_t *run, err_t *err)
{
	set_deploying(run);
	int rc = save(run, err);
	if (!rc)
		log_attempt(run);
	return rc;
}

static int step_procs(deploy_run_t *run, err_t *err)
{
	const lain_conf_t *conf = run->conf;
	if (!strcmp(conf->apptype, "resource"))
		return 0;
	struct spec_env se;
	int rc = spec_env_init(&se, run->req, run->cl, conf->appname, run->version, err);
	if (!rc)
		rc = prepare_networks(run->req, &se, conf, err);
	for (int portals = 0; portals < 2 && !rc; portals++)
		for (size_t i = 0; i < conf->n_procs && !rc; i++) {
			const lain_proc_t *p = &conf->procs[i];
			if ((p->type == LAIN_PORTAL) != portals)
				continue;
			if ((rc = deployer_keepalive(run, err)))
				break;
			rc = deploy_one(run->req, run->cl, conf, p, &se, &run->report, err);
		}
	return rc;
}

static bool has_proc(const lain_conf_t *conf, const char *podname)
{
	for (size_t i = 0; conf && i < conf->n_procs; i++)
		if (!strcmp(conf->procs[i].podname, podname))
			return true;
	return false;
}

static int step_cleanup(deploy_run_t *run, err_t *err)
{
	const lain_conf_t *prev = run->prev, *conf = run->conf;
	if (!strcmp(conf->apptype, "resource"))
		return 0;
	for (size_t i = 0; prev && i < prev->n_procs; i++) {
		if (has_proc(conf, prev->procs[i].podname))
			continue;
		err_t rerr = ERR_INIT;
		if (deployer_remove_proc(run, &prev->procs[i], &run->removed, &rerr))
			http_log(run->req, LOG_WARN, "update of %s: removing %s failed: %s",
				 conf->appname, prev->procs[i].podname, rerr.msg);
	}
	return 0;
}

static int step_finish(deploy_run_t *run, err_t *err)
{
	run->rec.state = APP_DEPLOYED;
	return save(run, err);
}

/* The message of a failed deploy (§4.1 step 13, §9.3 #15): "request of
 * <what> <name> is not acceptable with error:\n<results> <name> results:
 * procs in below are failed:\n<report>"; an empty report gets err's
 * message first. */
static const char *failure_msg(deploy_run_t *run, const err_t *err)
{
	if (!run->report.len)
		buf_addf(&run->report, "    %s\n", err->msg);
	return arena_printf(run->req->arena,
			    "request of %s %s is not acceptable with error:\n"
			    "%s %s results: procs in below are failed:\n%s",
			    run->what, run->name, run->results, run->name, run->report.data);
}

/* A failed deploy: its message recorded as last_error, with the record as
 * run->on_failure restores it. */
static void record_failure(deploy_run_t *run, const err_t *err)
{
	const app_record_t *b = run->before;
	run->failure = failure_msg(run, err);
	if (run->on_failure == DEPLOY_FAIL_RESTORE) {
		run->rec.meta = b->meta;
		run->rec.meta_version = b->meta_version;
		run->rec.default_image = b->default_image;
		run->rec.app_type = b->app_type;
		run->rec.state = b->state == APP_DEPLOYING ? APP_DEPLOYING : APP_DEPLOYED;
	}
	run->rec.last_error = run->failure;
	err_t serr = ERR_INIT;
	if (save(run, &serr))
		http_log(run->req, LOG_ERROR, "%s %s failed and its record was not saved: %s",
			 run->what, run->name, serr.msg);
}

static int step_source(deploy_run_t *run, err_t *err)
{
	return run->kind->source(run, err);
}

static int step_before_procs(deploy_run_t *run, err_t *err)
{
	return run->kind->before_procs ? run->kind->before_procs(run, err) : 0;
}

static int step_after_cleanup(deploy_run_t *run, err_t *err)
{
	return run->kind->after_cleanup ? run->kind->after_cleanup(run, err) : 0;
}

/* Every run, in order (deployer.h). fails_deploy: a failure of the step is
 * the deploy's (recorded, 406), not one to answer as it is. */
static const struct step {
	const char *name;
	int (*fn)(deploy_run_t *run, err_t *err);
	bool fails_deploy;
} steps[] = {
	{ "source", step_source, true },
	/* Nothing is written before this point: a dry run would stop here. */
	{ "start", step_start, false },
	{ "before procs", step_before_procs, true },
	{ "procs", step_procs, true },
	{ "cleanup", step_cleanup, false },
	{ "after cleanup", step_after_cleanup, false },
	{ "finish", step_finish, false },
};

static int run_steps(deploy_run_t *run, err_t *err)
{
	run->before = run->app;
	run->rec = *run->app;
	for (size_t i = 0; i < ARRAY_SIZE(steps) && !run->done; i++) {
		int rc = steps[i].fn(run, err);
		if (!rc)
			continue;
		if (!steps[i].fails_deploy)
			return rc;
		record_failure(run, err);
		return 0;
	}
	return 0;
}

int deployer_run(deploy_run_t *run, err_t *err)
{
	int rc = run_steps(run, err);
	/* The one point every deploy passes (deploy.c, instances.c). */
	metrics_deploy(rc ? METRICS_ERROR : run->failure ? METRICS_FAILED : METRICS_SUCCEEDED);
	return rc;
}
