/*
 * deployer — one deploy of one app, as a sequence of steps over a
 * deploy_run (spec §4.1, §4.2, §3.6). The first deploy and the update of an
 * app (deploy.c) and the deploy of a resource instance (instances.c) are
 * the same run with other steps in a few places; procs.c deploys one proc
 * with deployer_proc. Internal to app/api.
 *
 * A run, as deployer_run() drives it:
 *
 *   source   what is deployed: run->conf and the record's new meta fields
 *            (in run->rec, not written yet) — from the meta image of an app
 *            (deployer_source_meta) or from a resource's template (an
 *            instance); run->kind->source
 *   mountpoints  none on another app's host or a host of the cluster's
 *            services, unless a LAIN admin deploys (mountpolicy.h).
 *            Nothing is written before this point: a dry run
 *            (run->dry_run) plans here instead of going on (run->plan:
 *            every proc's spec compared with deployd's, podgroups.h;
 *            run->kind->plan_before for the instances).
 *   start    the record "deploying" with the new meta and its error
 *            cleared (the first write), then the oplog row
 *   ...      run->kind->before_procs (an app: the instances of the
 *            resources it uses, instances.h)
 *   procs    podgroups in spec order, then portals, each with its config
 *            image, the networks made ready first; the locks kept alive
 *   cleanup  the procs the previous lain.yaml had and this one has not
 *            (removal failures are only reported in run->removed), then
 *            run->kind->after_cleanup
 *   finish   the record "deployed", with the run's release (history.h) in
 *            the same txn: "succeeded", or "pending" when the caller waits
 *            for health (gate.h)
 *
 * Every write of the record is one save() of run->rec (store_app_save: a
 * compare-and-swap that can carry more keys in its txn). One table in
 * deployer.c lists the steps: a new one (waiting for health, a dry run's
 * stop before start) is a row there. A step flagged as the deploy's own
 * fails the deploy (§9.3 #15): run->failure is set to
 * the report (the 406's message), which is also saved as the record's
 * last_error, with the record restored as run->on_failure says; deployer_run
 * then returns 0 and the caller answers (the record keeps the first 64 KiB
 * of the message); when procs were sent, a "failed" release goes with that
 * save. Other failures (etcd while writing the record) are returned as they
 * are; when the record says "deploying" by then, their message goes into its
 * last_error too (best effort), so that no record is left "deploying"
 * without a recorded error (lain-cli would read it as healthy). A source
 * whose record would not fit one etcd request (deployer_set_source) fails as
 * the deploy's, before the first write.
 *
 * A rollback (rollback.h) is an app's run with run->pins: a release's procs
 * whose images, config images, instances, cpu and memory win over
 * lain.yaml's, procs it lacks removed, podgroups that would not change left
 * alone.
 */
#ifndef CONSOLE_API_DEPLOYER_H
#define CONSOLE_API_DEPLOYER_H

#include <stdbool.h>

#include "console/buf.h"
#include "console/cluster.h"
#include "console/http.h"
#include "console/lainyaml.h"
#include "console/locks.h"
#include "console/releases.h"
#include "console/store.h"

struct json_object;

/* What a failed deploy leaves in the record besides its last_error. */
enum deploy_on_failure {
	/* What the run wrote: a first deploy stays "deploying" (the next POST
	 * deploys again), an instance never deployed only gets the error. */
	DEPLOY_FAIL_KEEP,
	/* An update, a deployed instance: the previous meta, meta_version,
	 * default_image and app_type stay recorded, "deployed" (or
	 * "deploying" when it was that). */
	DEPLOY_FAIL_RESTORE,
};

typedef struct deploy_run deploy_run_t;

/* What differs between a run of an app and of a resource instance: where
 * the lain.yaml comes from, and what is done around the procs. */
typedef struct deploy_kind {
	/* The source step: run->conf and the record's meta fields (run->rec). */
	int (*source)(deploy_run_t *run, err_t *err);
	/* Before the procs (an app: the instances of the resources it uses);
	 * its failure fails the deploy. NULL: nothing. */
	int (*before_procs)(deploy_run_t *run, err_t *err);
	/* After the cleanup (an app: the instances of the resources it no
	 * longer uses); never fails the deploy. NULL: nothing. */
	int (*after_cleanup)(deploy_run_t *run, err_t *err);
	/* A dry run's plan of before_procs (an app: its resource instances'
	 * plans into run->plan's "resource_instances"). NULL: nothing. */
	int (*plan_before)(deploy_run_t *run, err_t *err);
} deploy_kind_t;

struct deploy_run {
	request_t *req;            /* gone when the arena frees the run: */
	struct ctx *ctx;           /* req->ctx, for what the run releases then */
	const cluster_t *cl;
	lock_t *locks[2];          /* the app's; while a client deploys one of its
	                              resource instances, the client's too */

	/* Set by the entry point. */
	const deploy_kind_t *kind;
	const char *name;          /* the app deployed */
	const char *version;       /* its meta version (arena) */
	const char *op;            /* the oplog row: "DEPLOY", "UPDATE" */
	const char *op_msg;        /* its message (NULL: "") */
	const char *what;          /* the failure message's words: "deploy app" */
	const char *results;       /* ... and "Deploy app" */
	const char *url;           /* the url of the lock's 409; NULL: the route's */
	enum deploy_on_failure on_failure;
	app_record_t *app;         /* the record read under the lock; read again
	                              after every save */
	lain_conf_t *prev;         /* the lain.yaml it runs now (NULL: none; the arena's) */
	const void *source;        /* what the caller's source step reads */

	/* Filled by the steps. */
	const app_record_t *before; /* the record as it was: what a failure restores */
	app_record_t rec;          /* the record as it is being written: the one place
	                              a run changes it (saved by the steps) */
	lain_conf_t *conf;         /* what is deployed (the arena's) */
	const char *yaml;          /* its lain.yaml text, when read from an image */
	bool done;                 /* a step found nothing to do: the run stops, 0 */
	buf_t report;              /* per proc failures: "    <proc>:\n..." */
	buf_t removed;             /* the cleanup's failed removals */
	const char *failure;       /* the deploy failed: its message (arena) */

	/* Releases (history.h), set by the entry point. */
	const char *release_op;    /* the release the run records ("deploy", "update",
	                              "rollback"); NULL: none */
	bool wait;                 /* it is recorded "pending" (the caller waits for health) */
	bool dry_run;              /* the run only plans: nothing is written or sent, the
	                              source step is followed by the plan (run->plan) */
	struct json_object *pins;  /* the procs of a release the run restores (a rollback):
	                              their images, config images (no lvault read),
	                              instances, cpu and memory win over lain.yaml's; the procs
	                              they lack are removed. NULL: lain.yaml's */
	int64_t rollback_of;       /* the release restored: its "rollback_of" */
	release_t *also;           /* a release rewritten with the run's own (one it replaces) */
	/* Filled by the steps. */
	struct json_object *procs; /* the release's "procs": what each proc was given */
	struct json_object *changed; /* [{"proc", "podgroup"}]: the podgroups sent a change (what
	                              a wait for health watches) */
	struct json_object *seen;  /* their containers' restart counts before the change */
	bool sent;                 /* the procs step began: a failure records a failed release */
	release_t *release;        /* the release written (finish, or the failure's) */
	struct json_object *plan;  /* a dry run's plan (issue 13) */
};

/* A new run for a deploy of name, owned by the request's arena (with
 * everything the steps make); the entry point sets the rest. */
deploy_run_t *deployer_new(request_t *req, const cluster_t *cl, const char *name);

/* Releases run->locks[0], the run's own lock (locks[1] is borrowed), when
 * it holds it: the one cleanup an entry point does, before it answers. The
 * arena releases a lock still held too, but only after the answer. */
void deployer_unlock(deploy_run_t *run);

/* Runs the steps of the top, run->kind's in their places. 0 when the run
 * completed, stopped with nothing to do, or failed as a deploy
 * (run->failure); else a failure to answer. */
int deployer_run(deploy_run_t *run, err_t *err);

/* The source step of an app: its meta image of run->version, its appname
 * and bound giturl checked, giturl/meta/meta_version/app_type set in
 * run->rec. One that fails still marks the attempt (oplog row,
 * "deploying"), as the original did, which read the meta after writing
 * those. */
int deployer_source_meta(deploy_run_t *run, err_t *err);

/* What a source step ends with: run->rec = *next (the record with its new
 * meta fields) when that record fits etcd (store_app_fits); else
 * -ERR_TOO_BIG naming the limit, run->rec untouched — the deploy fails
 * before anything is written (a lain.yaml too big to store, issue 14 #11). */
int deployer_set_source(deploy_run_t *run, const app_record_t *next, err_t *err);

/* The deploy lock of run->name into run->locks[0]; HTTP_ANSWERED with 409
 * when another request holds it. A release left pending by a request that
 * is gone is marked failed then (history_reap). */
int deployer_lock(deploy_run_t *run, response_t *res, err_t *err);

/* deployer_lock, then the record read again under it into run->app (what
 * is changed is what is stored now); HTTP_ANSWERED with 404 when the app is
 * only registered by then. */
int deployer_lock_and_read(deploy_run_t *run, response_t *res, err_t *err);

/* lock_keepalive() of every lock of run. */
int deployer_keepalive(deploy_run_t *run, err_t *err);

/* Deploys one proc of run->conf at run->version (§4.5.3; podgroups.h),
 * its networks made ready first, what it was given added to run->procs
 * (and run->changed). On failure run->report gets "    <proc>:\n
 * status_code: <c>\n        message: <m>\n" and err the reason. */
int deployer_proc(deploy_run_t *run, const lain_proc_t *p, err_t *err);

/* Removes one proc from deployd (a podgroup, or a portal's depends); 404
 * counts as already gone. A failure is added to report. */
int deployer_remove_proc(deploy_run_t *run, const lain_proc_t *p, buf_t *report, err_t *err);

/* The record of an app back to registered (§3.1): meta, meta_version,
 * giturl, app_type and last_error emptied, APP_REPOSITED, no canaries
 * (§9.3 #22); default_image kept. */
int deployer_reset(request_t *req, const app_record_t *app, err_t *err);

#endif
