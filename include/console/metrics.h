/*
 * metrics — what the whole process counts (the master and every worker),
 * rendered in the Prometheus text exposition format 0.0.4 for GET /metrics.
 *
 * The counters live in one block of memory that the master maps
 * (MAP_SHARED | MAP_ANONYMOUS) before it forks its first worker, so every
 * worker (and every worker respawned or started by a reload) adds to the
 * same numbers and one scrape of any worker sees the whole process. Only a
 * restart of the master starts from zero. Writes are C11 atomic additions
 * (relaxed: each counter is exact, a scrape is not a snapshot across
 * counters); nothing takes a lock, so a worker killed in the middle of an
 * update leaves nothing held.
 *
 * The tables are fixed when the block is made: one row per route pattern
 * of the table main hands over (rows with the same pattern and other
 * methods share it; plus one, "(none)", for what reached no handler: 404,
 * 405, a 413 before routing, the CORS preflight), a fixed list of
 * dependencies, fixed histogram buckets. Before metrics_open() (unit tests,
 * `lain-console render`) every function here is a no-op and the rendering
 * is empty.
 *
 * Families (all prefixed lain_console_):
 *   http_requests_total{route,method,code}           counter, code "2xx".."5xx"
 *   http_request_duration_seconds{route,method}      histogram
 *   http_requests_in_flight                          gauge
 *   workers                                          gauge, alive now
 *   worker_respawns_total{reason}                    counter, "exit_2", "signal_SIGKILL"
 *   dependency_requests_total{dependency}            counter, every outbound call
 *   dependency_errors_total{dependency,kind}         counter, kind "transport" (no answer:
 *                                                    refused, timeout, too large) or "5xx"
 *   dependency_request_duration_seconds{dependency}  histogram
 *   deploy_lock_conflicts_total                      counter
 *   deploys_total{outcome}                           counter: succeeded, failed (the
 *                                                    deploy's own failure, 406), error
 *                                                    (etcd/… while recording it)
 *   rollbacks_total{outcome}                         counter: succeeded, failed
 *   registry_tokens_total{grant}                     counter: whitelisted, admin, user,
 *                                                    anonymous, internal
 */
#ifndef CONSOLE_METRICS_H
#define CONSOLE_METRICS_H

#include <stddef.h>

#include "console/buf.h"
#include "console/err.h"

/* The dependencies an outbound client may be counted as (httpc's dep name,
 * metrics_dep_of). */
enum metrics_dep {
	METRICS_DEP_ETCD,
	METRICS_DEP_DEPLOYD,
	METRICS_DEP_SSO,
	METRICS_DEP_REGISTRY,
	METRICS_DEP_LVAULT,
	METRICS_DEP_DOCKER,
	METRICS_DEP_WEBHOOKS,
	METRICS_DEP_OTHER,
	METRICS_DEP_COUNT
};

enum metrics_outcome { METRICS_SUCCEEDED, METRICS_FAILED, METRICS_ERROR, METRICS_OUTCOME_COUNT };

enum metrics_grant {
	METRICS_GRANT_WHITELISTED,   /* REMOTE_ADDR in the whitelist or node network */
	METRICS_GRANT_ADMIN,         /* a user found in the admin group */
	METRICS_GRANT_USER,          /* any other user with valid credentials (no admin
	                                group lookup is made for a token without scopes) */
	METRICS_GRANT_ANONYMOUS,     /* no credentials (CONSOLE_REGISTRY_ANONYMOUS_PULL) */
	METRICS_GRANT_INTERNAL,      /* lain-console's own (registry_token_internal) */
	METRICS_GRANT_ROBOT,         /* a deploy token (user robot:<app>:<name>) */
	METRICS_GRANT_COUNT
};

/* Worker slots the block keeps an in-flight flag for (main.c's MAX_WORKERS). */
#define METRICS_MAX_WORKERS 1024

/*
 * In the master, before the first fork: maps the block, with one row per
 * distinct pattern of routes[0..n) (row i of the route table has pattern
 * routes[i]; the strings are borrowed: the table's static patterns, the
 * same in every worker). Once per process; -ERR_INTERNAL when mmap fails.
 */
int metrics_open(const char *const *routes, size_t nroutes, err_t *err);
void metrics_close(void);

/* In a worker: the slot (0..METRICS_MAX_WORKERS) whose in-flight flag is
 * its own. */
void metrics_worker_slot(int slot);

/* Around every request a worker serves: begin sets its in-flight flag; end
 * clears it and counts the request under the pattern of route (its row in
 * the table given to metrics_open, -1 for "(none)"), method ("GET", ...; anything
 * unknown is "OTHER"), status and duration. */
void metrics_request_begin(void);
void metrics_request_end(long route, const char *method, int status, long duration_us);

/* In the master: how many workers are alive; a worker of slot has died
 * (its in-flight flag is cleared: a request it was serving is not in flight
 * any more); respawned: it died unasked and is replaced, wait_status as
 * waitpid() gave it is the reason. */
void metrics_workers_alive(long n);
void metrics_worker_gone(int slot, int wait_status, int respawned);

/* The dependency an httpc client of that dep name is counted as
 * ("notify webhook" is webhooks; unknown names are "other"). */
enum metrics_dep metrics_dep_of(const char *dep);
/* One finished outbound call: status 0 when no HTTP answer came (refused,
 * timed out, answer too large). */
void metrics_dep_call(enum metrics_dep dep, long status, long duration_us);

void metrics_lock_conflict(void);
void metrics_deploy(enum metrics_outcome outcome);
/* Rollbacks by outcome, asked for (POST .../rollback/) or a health gate's
 * own: counted where deploys are (deployer_run), dry runs not. */
void metrics_rollback(enum metrics_outcome outcome);
void metrics_token(enum metrics_grant grant);

/* The exposition (text format 0.0.4), appended to out. */
void metrics_render(buf_t *out);

/* Its Content-Type. */
#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

#endif
