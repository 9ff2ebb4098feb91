/*
 * gate — what the changing endpoints of issue 13 take besides their own
 * body (POST /apps/, PUT /apps/<a>/, PATCH .../procs/<p>/, POST
 * .../rollback/), and the health gate of a change that waits. Internal to
 * app/api.
 *
 *   ?dry_run=1                    only the plan: nothing is written or sent
 *   "wait": "healthy"             (body, or ?wait=healthy) answer when the
 *                                 changed procs are healthy, or failed
 *   "timeout": 1..600             (body, or ?timeout=) seconds; default 120
 *   "on_failure": "rollback"|"keep"  (body, or ?on_failure=) default rollback
 *
 * The body's value wins over the query's. Without them a call answers
 * exactly as before (lain-cli, archon).
 *
 * The wait (gate_wait): deployd's podgroups of the changed procs are read
 * at a bounded rate (every GATE_POLL_MS at most, once they stay
 * unchanged), the app's lock is kept alive meanwhile; a proc is healthy
 * when deployd_health() says so (every pod of the new version running with
 * status "True", as many as num_instances, none restarted, exited or
 * unhealthy). Portals are not waited for (deployd runs their pods per
 * client, not per num_instances).
 */
#ifndef CONSOLE_API_GATE_H
#define CONSOLE_API_GATE_H

#include <stdbool.h>

#include "console/http.h"
#include "deployer.h"

#define GATE_TIMEOUT_DEFAULT 120
#define GATE_TIMEOUT_MAX 600
#define GATE_POLL_MS 1000

typedef struct change_opts {
	bool dry_run;
	bool wait;                /* wait: healthy */
	long timeout;             /* seconds */
	bool keep;                /* on_failure: keep (else rollback) */
} change_opts_t;

/* The options of req into *o, else 400 answered ("invalid wait ..."). */
int gate_parse(request_t *req, response_t *res, change_opts_t *o);

/*
 * After run recorded its release pending (run->release, run->changed,
 * run->seen): waits up to o->timeout seconds for the changed procs. 0 in
 * every outcome the caller answers: healthy -> the release "succeeded";
 * else run->failure is "<proc>: <why>" and, with on_failure keep, the
 * release is "failed"; with rollback, the newest succeeded release before
 * it is restored (a rollback run under the same lock, waited for likewise)
 * and the release is "rolled_back" (its message says "; rolled back to
 * release <id>"), or "failed" when there is none or the rollback failed
 * too. Other failures (the lock lost, etcd) are returned.
 */
int gate_wait(deploy_run_t *run, const change_opts_t *o, err_t *err);

/* The answer of a change (run) that waited, or that answers with its
 * release (a rollback): 200/202 (status) with {"<route key>": payload,
 * "release": run->release, "msg": msg} when it succeeded, else 406 with
 * the payload null and run->failure. */
int gate_answer(deploy_run_t *run, response_t *res, int status, struct json_object *payload,
		const char *msg);

/* The answer of a dry run: 200 {"plan": run->plan, "msg": "", "url"}. */
int gate_answer_plan(deploy_run_t *run, response_t *res);

#endif
