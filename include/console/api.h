/*
 * api — the endpoint handlers, one file per resource under app/api/. Each is
 * a route_handler_fn: parse what the router left in req, call the store and
 * clients, render the answer. Routes (and so permissions and envelope keys)
 * are in app/api/routes.c.
 */
#ifndef CONSOLE_API_H
#define CONSOLE_API_H

#include "console/ctx.h"
#include "console/router.h"

/* The table of the service (app/api/routes.c); main hands it to the
 * router with api_route_check (below). */
extern const route_t api_routes[];
extern const size_t api_routes_count;

/* deliveries.c — what the host's webhook deliverer (a process of its own,
 * lc-deliveries, beside the workers) does every API_IDLE_MS and up to a
 * second more: the webhook deliveries that are due. */
#define API_IDLE_MS 2000
void api_idle(ctx_t *ctx, arena_t *arena);

/* podstatus.c — what main gives the router with the table: the check
 * before every handler (permission_check, then the mark of a change of
 * the app it names, podcache.h) and the hook after it (the mark's end). */
int api_route_check(request_t *req, response_t *res, const route_t *r, err_t *err);
void api_route_done(request_t *req, response_t *res, const route_t *r);

/* repos.c — E12, E13 */
int api_repos_list(request_t *req, response_t *res, err_t *err);
int api_repos_create(request_t *req, response_t *res, err_t *err);
int api_repos_get(request_t *req, response_t *res, err_t *err);

/* authorize.c — E4, E5, browser login */
int api_authorize_status(request_t *req, response_t *res, err_t *err);
int api_authorize_login(request_t *req, response_t *res, err_t *err);
int api_authorize_callback(request_t *req, response_t *res, err_t *err);

/* maintainers.c — E14, E15, E16, E17 */
int api_maintainers_list(request_t *req, response_t *res, err_t *err);
int api_maintainers_add(request_t *req, response_t *res, err_t *err);
int api_maintainer_get(request_t *req, response_t *res, err_t *err);
int api_maintainer_delete(request_t *req, response_t *res, err_t *err);
int api_role_self(request_t *req, response_t *res, err_t *err);
int api_role_user(request_t *req, response_t *res, err_t *err);

/* apps.c — E7 GET (list) and E8 GET: App objects (spec §1.4, appview.h);
 * E8 GET answers 404 "app with appname <a> has not been deployd\n" for a
 * record that is only reposited. */
int api_apps_list(request_t *req, response_t *res, err_t *err);
int api_app_get(request_t *req, response_t *res, err_t *err);
/* apps.c — E21 GET /v1/resources/<resource>/instances/ (maintain on the
 * resource): {"instances": [App...]}, the deployed instances of it. */
int api_resource_instances(request_t *req, response_t *res, err_t *err);

/* deploy.c — E7 POST (first deploy, spec §4.1). The body's appname is
 * checked before the permission (spec §1.1), then maintain on it, the
 * deployd gate, the app's deploy lock (locks.h). */
int api_apps_deploy(request_t *req, response_t *res, err_t *err);
/* deploy.c — E8 DELETE (undeploy, spec §4.3): the deployd gate, 404 when
 * only reposited, 403 for resource and protected apps, the app's podgroups
 * and portals removed (404 = gone already; another failure: 500 with the
 * report), then the instances of the resources it uses, the record back to
 * reposited, 202. */
int api_app_undeploy(request_t *req, response_t *res, err_t *err);
/* deploy.c — E8 PUT (update / redeploy of a normal app, spec §4.2): the
 * deployd gate, 404 when only reposited, the body's meta_version (must be
 * one of the registry's, else 400 with the App) or the newest usable one
 * (none: 400), then under the app lock the new meta, the instances of
 * resources it starts using (or whose context changed), podgroups PATCHed
 * or created, portals, procs no longer in lain.yaml and instances of
 * resources no longer used removed; a failure: 406 with the report, the
 * previous meta/meta_version kept and the error in last_error; UPDATE
 * oplog row; 202 with the App. A resource instance (resource.<r>.<app>)
 * is updated by instances.h instead. */
int api_app_update(request_t *req, response_t *res, err_t *err);

/* procs.c — E9 GET (the non-portal Procs) and POST (deploy one proc not
 * yet deployed: 201 with the Proc, 409 when deployd has it, 400 no such
 * proc); E10 GET, PATCH (schedule: num_instances -> cmd=replica, cpu/memory
 * -> cmd=spec on deployd's own Pod; start/stop/restart with instance;
 * 202 with the Proc and deployd's status/message) and DELETE; POST,
 * PATCH and DELETE hold the app's deploy lock (409 while another change of
 * the app runs); E11 the
 * status histories of one instance (podgroup matched on its last name
 * segment, entries without "from" skipped). */
int api_procs_list(request_t *req, response_t *res, err_t *err);
int api_procs_deploy(request_t *req, response_t *res, err_t *err);
int api_proc_get(request_t *req, response_t *res, err_t *err);
int api_proc_patch(request_t *req, response_t *res, err_t *err);
int api_proc_delete(request_t *req, response_t *res, err_t *err);
int api_proc_histories(request_t *req, response_t *res, err_t *err);

/* Releases (issue 13; app/api/history.c): GET /v1/apps/<app>/releases/ ->
 * {"releases": [...newest first...]}; GET .../releases/<id>/ -> {"release":
 * {...}} (404 unknown id). Maintain on the app; the history outlives an
 * undeploy. */
int api_releases_list(request_t *req, response_t *res, err_t *err);
int api_release_get(request_t *req, response_t *res, err_t *err);
/* POST /v1/apps/<app>/rollback/ {} | {"release": <id>} (app/api/rollback.c):
 * restores a release whole -> 202 {"app": App, "release": the new release};
 * 400 nothing to roll back to / unknown id, 406 deployd failed, 409 locked.
 * With ?dry_run=1 / "wait": gate.h. */
int api_app_rollback(request_t *req, response_t *res, err_t *err);

/* notify.c — E23 /v1/notify/<type>/ (imagepush only; 400 otherwise): GET
 * the webhook URLs; POST / DELETE {"notify_url": "<http(s) url>"} (LAIN
 * admins) adds it once / removes it. E20 POST /v1/repos/<app>/push/
 * (maintain): the newest meta image's giturl must be the bound one (400
 * "No Giturl bound" / "app giturl ... doesn't match ..."), the body's
 * authors and commits non-empty (400 "Fetch commmits information failed" /
 * "Nothing Changed"); every webhook gets {appname, commits, operator,
 * lastid, nextid, giturl, authors} at once; 200 "ok" whatever they answer;
 * 404 when the registry has no meta image of the app. */
int api_notify_list(request_t *req, response_t *res, err_t *err);
/* notify.c — GET /v1/notify/<type>/deliveries/ (LAIN admins; issue 18):
 * {"deliveries": [{"url", "id", "signed", "pending": [...], "log": [...]}]},
 * each webhook's queued deliveries and its last 50 tries (deliveries.h). */
int api_notify_deliveries(request_t *req, response_t *res, err_t *err);
int api_notify_change(request_t *req, response_t *res, err_t *err);
int api_repos_push(request_t *req, response_t *res, err_t *err);

/* robots.c — deploy tokens of an app (issue 18; robot.h, tokens.h):
 * GET /v1/repos/<app>/tokens/ lists them (no secrets); POST {"name",
 * "scopes": [pull|push|read|deploy...], "expires_in": seconds (optional;
 * at most CONSOLE_DEPLOY_TOKEN_MAX_DAYS, which is also the default)}
 * makes one: 201 with its "secret", the only time it is shown (400 bad
 * body, 409 the name is taken); DELETE /v1/repos/<app>/tokens/<name>/
 * revokes it at once (404 no such token). Maintain on the app; an oplog
 * row "TOKEN" for each change. */
int api_tokens_list(request_t *req, response_t *res, err_t *err);
int api_tokens_create(request_t *req, response_t *res, err_t *err);
int api_token_delete(request_t *req, response_t *res, err_t *err);

/* oplog.c — E24 GET /v1/oplogs/<app>/ (maintain: §9.3 #7): the newest 50
 * rows, newest first, as a JSON string (oplog.h). */
int api_oplog_get(request_t *req, response_t *res, err_t *err);

/* ports.c — E22 GET /v1/usedstreamrouterports (read): deployd's stream
 * ports; its null is []; deployd answering >= 400 -> 400. */
int api_ports_list(request_t *req, response_t *res, err_t *err);

/* versions.c — E18 GET /v1/repos/<app>/versions/ (the registry's meta
 * versions, newest first; a resource instance lists its resource's) and
 * E19 GET /v1/repos/<app>/details/ (giturl and meta_version of the record). */
int api_repos_versions(request_t *req, response_t *res, err_t *err);
int api_repos_details(request_t *req, response_t *res, err_t *err);

/* registry_auth.c — E6, the registry's token server (policy in
 * registry_auth.h and token_policy.h). */
int api_registry_authorize(request_t *req, response_t *res, err_t *err);

/* health.c — GET /v1/healthz */
int api_healthz(request_t *req, response_t *res, err_t *err);

/* openapi.c — GET /v1/openapi.json: the OpenAPI document of every route
 * (app/api/openapi.json, built into the binary). */
int api_openapi(request_t *req, response_t *res, err_t *err);

/* scrape.c — GET /metrics: the Prometheus text exposition of metrics.h,
 * answered only when REMOTE_ADDR is in CONSOLE_METRICS_ALLOW (403
 * otherwise). */
int api_metrics(request_t *req, response_t *res, err_t *err);

/* root: GET / -> the console UI (the original sent it to its swagger docs, E1) */
int api_root(request_t *req, response_t *res, err_t *err);

#endif
