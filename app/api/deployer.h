/*
 * deployer — the deploy steps of deploy.c that other handlers of app/api
 * reuse (procs.c: `lain deploy -p`). Internal to app/api.
 */
#ifndef CONSOLE_API_DEPLOYER_H
#define CONSOLE_API_DEPLOYER_H

#include "console/buf.h"
#include "console/cluster.h"
#include "console/http.h"
#include "console/lainyaml.h"
#include "console/store.h"

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

#endif
