/*
 * history — the releases the changes of app/api record (issue 13; the
 * store is releases.h), and E-new GET /v1/apps/<app>/releases/[<id>/]
 * (api.h). Internal to app/api.
 *
 * Every change of what runs records a release: deploy, update (also
 * `deploy -v`), a resource instance's deploy, proc deploy and removal,
 * scale (instances, cpu, memory), rollback, canary actions. Its "procs"
 * hold, per proc as the API names it, what deployd was given:
 *
 *     {"web": {"image": "<registry>/hello:release-<v>",
 *              "config_image": "<the image with the secret files>" | null,
 *              "num_instances": 2, "cpu": 0, "memory": 33554432}}
 *
 * (memory in bytes, as deployd's MemoryLimit). A release is written in the
 * same txn as the app record (history_save), so they never disagree.
 */
#ifndef CONSOLE_API_HISTORY_H
#define CONSOLE_API_HISTORY_H

#include <stdint.h>

#include "console/cluster.h"
#include "console/http.h"
#include "console/lainyaml.h"
#include "console/releases.h"
#include "console/store.h"

struct json_object;
struct deploy_run;

/* A release's entry of one proc (a new object). config_image NULL: null. */
struct json_object *history_proc(const char *image, const char *config_image, long num_instances,
				 long cpu, int64_t memory);

/* A new release of app made by req's caller: op ("deploy", "update",
 * "rollback", "scale", ...), meta_version, procs (taken over; NULL: {}),
 * user, created (RFC 3339 UTC), request_id. */
release_t *history_new(request_t *req, const char *app, const char *op, const char *meta_version,
		       struct json_object *procs, enum release_state state);

/* Saves rec (store_app_save's compare-and-swap) with rel as its app's next
 * release (rel->id set) and, when not NULL, also rewritten (a release a
 * rollback replaced): all in one txn. rel NULL: the record alone. */
int history_save(request_t *req, const app_record_t *rec, release_t *rel, const release_t *also,
		 err_t *err);

/* rel's state set (and its "error" when error is not NULL) and written
 * (store_release_update). */
int history_settle(request_t *req, release_t *rel, enum release_state state, const char *error,
		   err_t *err);

/* Called with the app's deploy lock just taken: a newest release still
 * "pending" has nobody waiting for it any more (the request that did
 * ended without its outcome: a killed worker, an expired lock) and is
 * marked "failed", so that it never looks healthy. */
int history_reap(request_t *req, const char *app, err_t *err);

/*
 * What runs of the app now, as a release's "procs" (a new object in
 * *procs): the newest release's when it succeeded or is pending at the
 * record's meta_version, else what deployd holds for the procs of conf
 * (one parallel fetch; a podgroup it does not know is left out).
 */
int history_current(request_t *req, const cluster_t *cl, const app_record_t *app,
		    const lain_conf_t *conf, struct json_object **procs, err_t *err);

/* What ran of app before a change (history_current; when that cannot be
 * read it is logged and {}): an object of the request's arena. */
struct json_object *history_before(request_t *req, const cluster_t *cl, const app_record_t *app,
				   const lain_conf_t *conf);

/*
 * The release of a change a run made outside a deploy run's steps (a
 * proc's, a canary's): op, procs (taken), the record's meta_version;
 * failed with error when error is not NULL, else pending when run->wait,
 * else succeeded; canaries (NULL: none) is the app's canaries after a
 * canary action ("canaries"). Written with rec (the record run read under its lock,
 * perhaps changed; NULL: run->app as it is), which is read again into
 * run->app; run->release is it. A failure to write it is logged: the
 * change is made.
 */
void history_change(struct deploy_run *run, const app_record_t *rec, const char *op,
		    struct json_object *procs, const char *error, struct json_object *canaries);

/* The newest "succeeded" release of app with an id below `below` (0: any);
 * *out NULL when there is none. */
int history_last_good(request_t *req, const char *app, int64_t below, release_t **out,
		      err_t *err);

#endif
