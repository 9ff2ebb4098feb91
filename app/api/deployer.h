/*
 * deployer — the deploy steps of deploy.c that the other handlers of
 * app/api reuse: procs.c (`lain deploy -p`) and instances.c (resource
 * instances, spec §3.6). Internal to app/api.
 */
#ifndef CONSOLE_API_DEPLOYER_H
#define CONSOLE_API_DEPLOYER_H

#include "console/buf.h"
#include "console/cluster.h"
#include "console/http.h"
#include "console/lainyaml.h"
#include "console/locks.h"
#include "console/store.h"

struct json_object;

/* One deploy in progress: the request, the cluster facts and the deploy
 * locks kept alive between its steps — the app's, and while a client
 * deploys one of its resource instances, the client's too. */
typedef struct deploy_run {
	request_t *req;
	const cluster_t *cl;
	lock_t *locks[2];
} deploy_run_t;

/* The app's deploy lock, then its record read again under it (what is
 * changed is what is stored now). HTTP_ANSWERED: 409 when another request
 * holds the lock, 404 when the app is only registered by then. */
int deployer_lock_and_read(request_t *req, response_t *res, const char *name, lock_t **lock,
			   app_record_t **app, err_t *err);

/* lock_keepalive() of every lock of run. */
int deployer_keepalive(deploy_run_t *run, err_t *err);

/* The lain.yaml stored in app's record, parsed (lain_conf_free() it).
 * -ERR_NOT_FOUND when the record has no meta. */
int deployer_load_conf(const cluster_t *cl, const app_record_t *app, lain_conf_t **out,
		       err_t *err);

/* Deploys one proc of conf at meta version `version` (§4.5.3): a podgroup
 * is created (stream ports checked) or its Pod PATCHed keeping the running
 * limits, Labels and HealthConfig; a portal is PUT or POSTed to
 * /api/depends. On failure the report gets "    <proc>:\n        status_code:
 * <c>\n        message: <m>\n" and err the reason. */
int deployer_proc(request_t *req, const cluster_t *cl, const lain_conf_t *conf,
		  const lain_proc_t *p, const char *version, buf_t *report, err_t *err);

/* Basic deploy (§4.1 step 11.2) of conf at version: its podgroups in spec
 * order, then its portals; stops at the first failure (named in report).
 * A resource app (never run) deploys nothing. */
int deployer_procs(deploy_run_t *run, const lain_conf_t *conf, const char *version,
		   buf_t *report, err_t *err);

/* Removes one proc from deployd (a podgroup, or a portal's depends); 404
 * counts as already gone. A failure is added to report. */
int deployer_remove_proc(ctx_t *ctx, const lain_proc_t *p, buf_t *report, err_t *err);

/* Removes the procs of prev that conf does not have (an update's "useless"
 * procs, §4.2 step 5.4); failures are only reported in removed. */
void deployer_remove_useless(ctx_t *ctx, const lain_conf_t *prev, const lain_conf_t *conf,
			     buf_t *removed);

/* The answer to a failed deploy or update (§4.1 step 13, §9.3 #15),
 * what its record keeps as last_error: "request of <what> <name> is not
 * acceptable with error:\n<results> <name> results: procs in below are
 * failed:\n<report>"; an empty report gets err's message first. */
const char *deployer_failure_msg(request_t *req, const char *what, const char *results,
				 const char *name, buf_t *report, const err_t *err);

/* The 202 of an update: the App, "update request of app <a> has been
 * accepted." and the removals that failed, if any. HTTP_ANSWERED. */
int deployer_answer_updated(request_t *req, response_t *res, const app_record_t *app,
			    const buf_t *removed, err_t *err);

/* rec[key] = value ("" for NULL). */
void deployer_set(struct json_object *rec, const char *key, const char *value);

/* Saves rec over the record read as *app (compare-and-swap on its
 * mod_revision), then reads it back into *app (the next save's revision). */
int deployer_save(request_t *req, const char *name, struct json_object *rec,
		  app_record_t **app, err_t *err);

/* The record of an app back to registered (§3.1): meta, meta_version,
 * giturl, app_type and last_error emptied, running_state "reposited";
 * default_image and canaries kept. */
int deployer_reset(request_t *req, const app_record_t *app, err_t *err);

#endif
