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
#include "console/mountpolicy.h"
#include "console/oplogs.h"
#include "console/permission.h"
#include "console/spec.h"
#include "console/strx.h"
#include "console/xalloc.h"
#include "answer.h"
#include "appconf.h"
#include "deployer.h"
#include "canary.h"
#include "history.h"
#include "networks.h"
#include "podgroups.h"
#include "peers.h"
#include "secrets.h"
#include "console/banned.h"

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

static json_object *field(json_object *o, const char *k)
{
	json_object *v = NULL;
	return o && json_object_object_get_ex(o, k, &v) ? v : NULL;
}

static const char *str_field(json_object *o, const char *k)
{
	json_object *v = field(o, k);
	return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

/* The plan's list name (step_plan made the plan). */
static json_object *plan_list(deploy_run_t *run, const char *name)
{
	return field(run->plan, name);
}

static int keep(void *run, err_t *err)
{
	return deployer_keepalive(run, err);
}

/* The image p runs in this run (se->so.proc_image; NULL: its own, *image
 * the entry's image): a release's (pinned, as recorded: no lvault read),
 * else its config image when it has secret files (§4.6; a dry run only
 * looks for it). */
static int proc_image(deploy_run_t *run, const lain_proc_t *p, json_object *pin,
		      struct spec_env *se, const char **image, err_t *err)
{
	*image = p->image;
	if (pin) {
		const char *recorded = str_field(pin, "config_image");
		*image = str_field(pin, "image") ? str_field(pin, "image") : p->image;
		se->so.proc_image = recorded ? recorded : strcmp(*image, p->image) ? *image : NULL;
		return 0;
	}
	if (!run->dry_run)
		return secrets_image(run->req, run->cl, run->conf, p, &se->so.proc_image, err);
	bool exists = true;
	int rc = secrets_plan(run->req, run->cl, run->conf, p, &se->so.proc_image, &exists, err);
	if (!rc && se->so.proc_image) {
		const char *tag = strrchr(se->so.proc_image, ':');
		json_object *c = json_object_new_object();
		json_object_object_add(c, "proc", json_object_new_string(p->name));
		json_object_object_add(c, "tag", json_object_new_string(tag ? tag + 1 : ""));
		json_object_object_add(c, "exists", json_object_new_boolean(exists));
		json_object_array_add(plan_list(run, "config_images"), c);
	}
	return rc;
}

/* One proc of run->conf (podgroups.h): its image, its spec, put (or
 * planned); what it was given into run->procs, a podgroup changed into
 * run->changed. */
static int deploy_one(deploy_run_t *run, const lain_proc_t *p, struct spec_env *se, err_t *err)
{
	json_object *pin = field(run->pins, p->name), *spec = NULL;
	const char *image = NULL;
	bool portal = p->type == LAIN_PORTAL;
	int rc = proc_image(run, p, pin, se, &image, err);
	if (rc) {
		buf_addf(&run->report, "    %s:\n        %s\n", p->name, err->msg);
		return rc;
	}
	rc = portal ? spec_build_portal(run->conf, p, &se->so, &spec, err)
		    : spec_build_podgroup(run->conf, p, &se->so, &spec, err);
	proc_put_t pp = { .p = p, .spec = spec, .pin = pin, .dry_run = run->dry_run,
			  .skip_unchanged = run->pins != NULL, .seen = run->seen,
			  .keepalive = keep, .keepalive_data = run };
	if (rc)
		podgroups_report(&run->report, p->name, 0, err);
	else
		rc = podgroups_put(peers_deployd(run->req->ctx, run->cl), &pp, &run->report, err);
	if (!rc && run->dry_run) {
		json_object_array_add(plan_list(run, "procs"), pp.plan);
	} else if (!rc) {
		json_object_object_add(run->procs, p->name,
				       history_proc(image, se->so.proc_image, pp.num_instances, pp.cpu,
						    pp.memory));
		if (pp.changed) {
			json_object *c = json_object_new_object();
			json_object_object_add(c, "proc", json_object_new_string(p->name));
			json_object_object_add(c, "podgroup", json_object_new_string(p->podname));
			json_object_array_add(run->changed, c);
		}
	}
	se->so.proc_image = NULL;
	json_object_put(spec);
	return rc;
}

int deployer_proc(deploy_run_t *run, const lain_proc_t *p, err_t *err)
{
	struct spec_env se;
	int rc = spec_env_init(&se, run->req, run->cl, run->conf->appname, run->version, err);
	if (!rc && !run->dry_run)
		rc = prepare_networks(run->req, &se, run->conf, err);
	if (rc)
		return rc;
	return deploy_one(run, p, &se, err);
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
		podgroups_report(report, p->name, r.status, err);
	deployd_result_release(&r);
	return rc;
}

/* ---- the record */

/* The one write of the record of a run: run->rec over the record read as
 * run->app (compare-and-swap on its mod_revision), then read back into
 * run->app and run->rec (the next save's revision). */
static int save(deploy_run_t *run, release_t *rel, err_t *err)
{
	int rc = history_save(run->req, &run->rec, rel, rel ? run->also : NULL, err);
	if (!rc)
		rc = store_app_get(run->req->ctx, run->req->arena, run->name, &run->app, err);
	if (!rc) {
		/* What this run set stays set; the revision and raw are the new ones. */
		run->rec.raw = run->app->raw;
		run->rec.mod_revision = run->app->mod_revision;
		/* Written by the same txn: the release's revision is the record's. */
		if (rel)
			rel->mod_revision = run->app->mod_revision;
	}
	return rc;
}

int deployer_reset(request_t *req, const app_record_t *app, err_t *err)
{
	app_record_t rec = *app;
	rec.giturl = rec.meta = rec.meta_version = rec.app_type = rec.last_error = "";
	rec.state = APP_REPOSITED;
	/* Its canaries went with its procs (§9.3 #22). */
	if (rec.canaries)
		rec.canaries = arena_json(req->arena, json_object_new_object());
	return store_app_save(req->ctx, &rec, NULL, 0, err);
}

/* ---- the lock */

int deployer_lock(deploy_run_t *run, response_t *res, err_t *err)
{
	request_t *req = run->req;
	int rc = lock_acquire(req->ctx, run->name, req->ctx->cfg->lock_ttl, req_operator(req),
			      &run->locks[0], err);
	if (rc == -ERR_CONFLICT)
		return api_fail(req, res, rc, NULL, run->url, "%s", err->msg);
	return rc ? rc : history_reap(req, run->name, err);
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
	run->procs = arena_json(req->arena, json_object_new_object());
	run->changed = arena_json(req->arena, json_object_new_array());
	run->seen = arena_json(req->arena, json_object_new_object());
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
	app_record_t next = run->rec;
	next.giturl = *bound ? bound : arena_strdup(run->req->arena, giturl);
	free(giturl);
	next.meta = run->yaml;
	next.meta_version = run->version;
	next.app_type = app_type_of(run->name, conf);
	return deployer_set_source(run, &next, err);
}

int deployer_set_source(deploy_run_t *run, const app_record_t *next, err_t *err)
{
	err_t big = ERR_INIT;
	int rc = store_app_fits(next, &big);
	if (rc)
		return err_set(err, rc, "lain.yaml of %s (meta version %s): %s", run->name,
			       next->meta_version, big.msg);
	run->rec = *next;
	return 0;
}

static void set_deploying(deploy_run_t *run)
{
	run->rec.last_error = "";
	run->rec.state = APP_DEPLOYING;
}

static void log_attempt(deploy_run_t *run)
{
	oplogs_write(run->req, run->op, run->name, run->version, run->op_msg);
}

int deployer_source_meta(deploy_run_t *run, err_t *err)
{
	int rc = read_meta(run, err);
	/* A meta that cannot be used still counts as an attempt: its oplog row
	 * and the "deploying" mark go into the failure's record, as when they
	 * were written before the meta was read (the original's order). A dry
	 * run writes nothing. */
	if (rc && !run->dry_run) {
		set_deploying(run);
		log_attempt(run);
	}
	return rc;
}

static int step_start(deploy_run_t *run, err_t *err)
{
	set_deploying(run);
	int rc = save(run, NULL, err);
	if (!rc)
		log_attempt(run);
	return rc;
}

/* Whether the run deploys p: every proc, or a rollback's pinned ones. */
static bool deploys(const deploy_run_t *run, const lain_proc_t *p)
{
	return !run->pins || field(run->pins, p->name);
}

/* The procs of the run in their order (podgroups, then portals), each
 * deployed or planned; a proc a rollback does not restore is skipped. */
static int each_proc(deploy_run_t *run, err_t *err)
{
	const lain_conf_t *conf = run->conf;
	struct spec_env se;
	int rc = spec_env_init(&se, run->req, run->cl, conf->appname, run->version, err);
	if (!rc && !run->dry_run)
		rc = prepare_networks(run->req, &se, conf, err);
	for (int portals = 0; portals < 2 && !rc; portals++)
		for (size_t i = 0; i < conf->n_procs && !rc; i++) {
			const lain_proc_t *p = &conf->procs[i];
			if ((p->type == LAIN_PORTAL) != portals || !deploys(run, p))
				continue;
			if ((rc = deployer_keepalive(run, err)))
				break;
			rc = deploy_one(run, p, &se, err);
		}
	return rc;
}

static int step_procs(deploy_run_t *run, err_t *err)
{
	if (!strcmp(run->conf->apptype, "resource"))
		return 0;
	run->sent = true;
	return each_proc(run, err);
}

static bool has_proc(const lain_conf_t *conf, const char *podname)
{
	for (size_t i = 0; conf && i < conf->n_procs; i++)
		if (!strcmp(conf->procs[i].podname, podname))
			return true;
	return false;
}

/* The procs the run takes away: the previous lain.yaml's that this one has
 * not, and those of this one a rollback's release lacks. fn(run, p). */
static void each_gone(deploy_run_t *run, void (*fn)(deploy_run_t *, const lain_proc_t *))
{
	const lain_conf_t *prev = run->prev, *conf = run->conf;
	for (size_t i = 0; prev && i < prev->n_procs; i++)
		if (!has_proc(conf, prev->procs[i].podname))
			fn(run, &prev->procs[i]);
	for (size_t i = 0; conf && i < conf->n_procs; i++)
		if (!deploys(run, &conf->procs[i]))
			fn(run, &conf->procs[i]);
}

static void remove_gone(deploy_run_t *run, const lain_proc_t *p)
{
	/* Its canary goes with it (§9.3 #22). */
	canary_drop(run, p);
	err_t rerr = ERR_INIT;
	if (deployer_remove_proc(run, p, &run->removed, &rerr))
		http_log(run->req, LOG_WARN, "update of %s: removing %s failed: %s", run->name,
			 p->podname, rerr.msg);
}

static int step_cleanup(deploy_run_t *run, err_t *err)
{
	(void)err;
	if (strcmp(run->conf->apptype, "resource"))
		each_gone(run, remove_gone);
	return 0;
}

/* The release of the run (run->release_op), in state. */
static release_t *release_of(deploy_run_t *run, enum release_state state)
{
	if (!run->release_op)
		return NULL;
	release_t *rel = history_new(run->req, run->name, run->release_op, run->version,
				     json_object_get(run->procs), state);
	if (run->rollback_of)
		json_object_object_add(rel->obj, "rollback_of",
				       json_object_new_int64(run->rollback_of));
	return rel;
}

static int step_finish(deploy_run_t *run, err_t *err)
{
	run->rec.state = APP_DEPLOYED;
	release_t *rel = release_of(run, run->wait ? RELEASE_PENDING : RELEASE_SUCCEEDED);
	int rc = save(run, rel, err);
	if (!rc)
		run->release = rel;
	return rc;
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

/* The most of a failure message a record keeps (a report of thousands of
 * procs could pass STORE_APP_RECORD_MAX, and then nothing would be
 * recorded); the answer has all of it. */
#define MAX_RECORDED_ERROR (64u << 10)

static const char *recorded_error(deploy_run_t *run, const char *msg)
{
	if (strlen(msg) <= MAX_RECORDED_ERROR)
		return msg;
	return arena_printf(run->req->arena, "%.*s\n... (cut at %u bytes)\n",
			    (int)MAX_RECORDED_ERROR, msg, MAX_RECORDED_ERROR);
}

/* A failed deploy: its message recorded as last_error, with the record as
 * run->on_failure restores it; a failed release when deployd was sent
 * anything. */
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
	run->rec.last_error = recorded_error(run, run->failure);
	release_t *rel = run->sent ? release_of(run, RELEASE_FAILED) : NULL;
	if (rel)
		json_object_object_add(rel->obj, "error",
				       json_object_new_string(run->rec.last_error));
	err_t serr = ERR_INIT;
	/* The release replaced stays as it was: the caller says what it became. */
	run->also = NULL;
	if (save(run, rel, &serr))
		http_log(run->req, LOG_ERROR, "%s %s failed and its record was not saved: %s",
			 run->what, run->name, serr.msg);
	else
		run->release = rel;
}

/* A step after start failed in a way that is answered as it is (etcd while
 * the record was written at the finish): the record says "deploying" since
 * start, so the error goes into its last_error too — a "deploying" without
 * one is what lain-cli reads as healthy (issue 14 #11). Best effort: etcd
 * may be what failed. */
static void record_interrupted(deploy_run_t *run, const err_t *err)
{
	run->rec.last_error = recorded_error(
		run, arena_printf(run->req->arena, "%s %s was interrupted: %s", run->what,
				  run->name, err->msg));
	err_t serr = ERR_INIT;
	if (save(run, NULL, &serr))
		http_log(run->req, LOG_ERROR, "%s %s was interrupted and its record was not saved: %s",
			 run->what, run->name, serr.msg);
}

static int step_source(deploy_run_t *run, err_t *err)
{
	return run->kind->source(run, err);
}

/* The host[:port] of a URL ("http://h:1/x" -> "h:1"), in the arena. */
static const char *url_host(request_t *req, const char *url)
{
	const char *s = strstr(url, "://");
	s = s ? s + 3 : url;
	return arena_strndup(req->arena, s, strcspn(s, "/?#"));
}

/* Mountpoints on other apps' hosts or the cluster's own: a LAIN admin's
 * deploy only (mountpolicy.h; issue 14 #4). Auth off, everyone is. */
static int step_mountpoints(deploy_run_t *run, err_t *err)
{
	request_t *req = run->req;
	const cluster_t *cl = run->cl;
	const char *hosts[] = { cl->server_name, url_host(req, cl->registry),
				url_host(req, cl->apiserver), url_host(req, cl->lvault_url),
				url_host(req, sso_base(peers_sso(req->ctx))) };
	mountpolicy_t p = {
		.appname = run->name,
		.domain = cl->domain,
		.extra_domains = cl->extra_domains,
		.n_extra_domains = cl->nextra,
		.service_hosts = hosts,
		.n_service_hosts = ARRAY_SIZE(hosts),
		.cluster_admin = !req_auth_on(req) ||
				 (req_user(req) && sso_user_in(req_user(req), req->ctx->cfg->lain_admin_name)),
	};
	return mountpolicy_check(run->conf, &p, err);
}

static int step_before_procs(deploy_run_t *run, err_t *err)
{
	return run->kind->before_procs ? run->kind->before_procs(run, err) : 0;
}

static int step_after_cleanup(deploy_run_t *run, err_t *err)
{
	return run->kind->after_cleanup ? run->kind->after_cleanup(run, err) : 0;
}

/* ---- the plan of a dry run (issue 13) */

static void plan_removal(deploy_run_t *run, const lain_proc_t *p)
{
	json_object *o = podgroups_plan(p->name, NULL, NULL, true);
	json_object_object_add(o, "action", json_object_new_string("remove"));
	json_object_array_add(plan_list(run, "procs"), o);
}

/* After the source: what the run would do, run->plan, and nothing else. */
static int step_plan(deploy_run_t *run, err_t *err)
{
	run->plan = arena_json(run->req->arena,
			       podgroups_plan_new(run->name, run->before->meta_version, run->version));
	int rc = run->kind->plan_before ? run->kind->plan_before(run, err) : 0;
	if (rc || !strcmp(run->conf->apptype, "resource"))
		return rc;
	if (!(rc = each_proc(run, err)))
		each_gone(run, plan_removal);
	return rc;
}

/* Every run, in order (deployer.h). fails_deploy: a failure of the step is
 * the deploy's (recorded, 406), not one to answer as it is. */
static const struct step {
	const char *name;
	int (*fn)(deploy_run_t *run, err_t *err);
	bool fails_deploy;
} steps[] = {
	{ "source", step_source, true },
	{ "mountpoints", step_mountpoints, true },
	/* Nothing is written before this point: a dry run stops here (step_plan). */
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
	bool started = false;
	for (size_t i = 0; i < ARRAY_SIZE(steps) && !run->done; i++) {
		if (run->dry_run && steps[i].fn == step_start)
			return step_plan(run, err);
		int rc = steps[i].fn(run, err);
		if (!rc) {
			started |= steps[i].fn == step_start;
			continue;
		}
		if (run->dry_run)
			return rc;
		if (steps[i].fails_deploy) {
			record_failure(run, err);
			return 0;
		}
		if (started)
			record_interrupted(run, err);
		return rc;
	}
	return 0;
}

int deployer_run(deploy_run_t *run, err_t *err)
{
	int rc = run_steps(run, err);
	if (run->dry_run)
		return rc;
	/* The one point every deploy passes (deploy.c, instances.c, procs.c,
	 * rollback.c: asked for, or a health gate's own). */
	enum metrics_outcome o = rc ? METRICS_ERROR : run->failure ? METRICS_FAILED
								   : METRICS_SUCCEEDED;
	metrics_deploy(o);
	if (run->release_op && !strcmp(run->release_op, "rollback"))
		metrics_rollback(o);
	return rc;
}
