/*
 * instances — resource instances (spec §3.6): the app resource.<R>.<C>
 * that runs resource R's lain.yaml rendered with client C's context
 * (use_resources.<R> minus services), for C alone. Internal to app/api.
 *
 * An instance's record is an ordinary app record: app_type
 * "resource-instance", meta its rendered lain.yaml, meta_version the
 * version of R it runs, default_image <registry>/<R>:release-<version>.
 * It is registered the first time C deploys with R (with auth on, its own
 * SSO group: created by the deploying user, who becomes its admin, with R's
 * members and their roles copied in), deployed before C's own procs (C's
 * pods depend on its portals), and reset to registered when C stops using
 * R or is undeployed. Each instance deploy takes the instance's own deploy
 * lock and writes its own oplog row.
 *
 * Fixed against the original (§9.3 #19): an instance updated to version V
 * runs V's template (read from R's meta image), not R's current one; and a
 * client update redeploys an instance whose rendering changed (the
 * client's context), not only instances of newly used resources.
 */
#ifndef CONSOLE_API_INSTANCES_H
#define CONSOLE_API_INSTANCES_H

#include "console/buf.h"
#include "console/http.h"
#include "console/lainyaml.h"
#include "deployer.h"

/*
 * Before the client conf's own procs are deployed (§4.1 steps 9-11.1, §4.2
 * step 5): every resource conf uses must be a deployed resource app;
 * instances without a record are registered; then instances are deployed —
 * on a first deploy (prev NULL) all of them at their resource's current
 * version, on an update (prev: the client's previous lain.yaml) those of
 * newly used resources at the resource's version and the others only when
 * their rendering changed (at the version they run). Stops at the first
 * failure, named in report.
 */
int instances_deploy(deploy_run_t *run, const lain_conf_t *conf, const lain_conf_t *prev,
		     buf_t *report, err_t *err);

/*
 * A dry run's part of it (run->conf, run->prev): the plan of every
 * instance instances_deploy would deploy, into run->plan's
 * "resource_instances" (registering nothing, locking nothing; an instance
 * without a record is planned as a first deploy).
 */
int instances_plan(deploy_run_t *run, err_t *err);

/*
 * The instances of the resources prev uses and conf does not (conf NULL:
 * all of prev's, an undeploy): their procs removed at deployd (404 is
 * gone already), their records reset to registered. Goes through all of
 * them; failures are added to report, the first one returned.
 */
int instances_remove(deploy_run_t *run, const lain_conf_t *prev, const lain_conf_t *conf,
		     buf_t *report, err_t *err);

/*
 * E8 PUT of an instance (run->name; §4.2, third flow): the body's
 * meta_version (400 answered unless it is one of R's meta versions) or R's
 * current one, the client's current context (400 without one), the
 * instance's lock (409), then its deploy. 0 when it ran: run->failure set
 * (the previous version stays recorded) or run->app the deployed record;
 * the caller answers 406 or 202. deployd's gate and the "not deployed" 404
 * are the caller's.
 */
int instances_update(deploy_run_t *run, response_t *res, err_t *err);

/* The run of an app (deploy.c, rollback.c; §4.1 steps 4-13, §4.2 steps
 * 3-6): its meta image (deployer_source_meta), the instances of the
 * resources it uses deployed before its procs, those it no longer uses
 * removed after them (failures only logged), their plans in a dry run. */
extern const deploy_kind_t instances_app_kind;

#endif
