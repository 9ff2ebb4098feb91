/*
 * canary — grey releases (spec §7.3), its defects fixed (§9.3 #22): E10
 * PATCH .../procs/<p>/ with {"canary_proc": {...}} or
 * {"canary_policy_group": {...}}. Internal to app/api.
 *
 * canary_proc:
 *   deploy    {"image_version": "<ts>-<sha>", "secret_files": [...]}: the
 *             podgroup <pg>_canary, proc <p>_canary: p's lain.yaml proc with
 *             the image <registry>/<repo>:release-<v>, 1 instance and no
 *             mountpoints (webrouter sends it no normal traffic), its config
 *             image from the listed secret files (lvault proc <pg>_canary);
 *             created, or PATCHed when it runs already
 *   undeploy  the podgroup removed
 *   promote   (new) the canary's version becomes the proc's release: a
 *             normal rolling update of p (cmd=spec, its own instances,
 *             mountpoints and secret files) to the canary's image, then the
 *             canary and its policy group removed
 * canary_policy_group (webrouter's ABTestingGateway, webrouter.h):
 *   deploy    {"mountpoints": [...], "rules": {"1": {"divtype", "divdata"}}}:
 *             the rules checked (400 "invalid rules: ..."), the previous
 *             group undeployed, a new group set and every mountpoint bound to
 *             it; stored only when all of that succeeded (a failure undoes
 *             what was done: 500 with webrouter's desc)
 *   undeploy  every mountpoint still bound to the group unbound, the group
 *             deleted (nothing stored: nothing to do)
 *
 * Stored in the app record, canaries = {"<p>": {"canary_proc":
 * {"image_version", "secret_files", "image"}, "policy_group":
 * {"mountpoints", "id", "rules"}}}. Every action writes an oplog row
 * ("CANARY") and a release ("canary_deploy", "canary_undeploy",
 * "canary_promote", "canary_policy", with the app's canaries after it).
 * An app update never touches a canary (it keeps its version, 1 instance,
 * no mountpoints: redeployed with a new version only when asked); a proc an
 * update removes takes its canary with it; undeploying the app removes its
 * canaries and policy groups.
 */
#ifndef CONSOLE_API_CANARY_H
#define CONSOLE_API_CANARY_H

#include "console/buf.h"
#include "console/http.h"
#include "console/lainyaml.h"
#include "deployer.h"
#include "gate.h"

struct json_object;

/* What a PATCH asks of a canary, validated (canary_parse). */
typedef struct canary_ask {
	enum { CANARY_DEPLOY, CANARY_UNDEPLOY, CANARY_PROMOTE, POLICY_DEPLOY,
	       POLICY_UNDEPLOY } action;
	const char *image_version;          /* deploy */
	struct json_object *secret_files;   /* deploy: a list of strings (may be empty) */
	struct json_object *mountpoints;    /* policy deploy: a list of strings */
	struct json_object *rules;          /* policy deploy */
} canary_ask_t;

/* The canary keys of body into *a (canary_proc first, spec §1.3 E10's
 * precedence), else 400 answered: "invalid action: <a>", "invalid
 * image_version: <v>", "invalid secret_files: <v>", "invalid mountpoints:
 * <v>". o: dry_run plans canary_proc actions; wait is for promote. */
int canary_parse(request_t *req, response_t *res, struct json_object *body,
		 const change_opts_t *o, canary_ask_t *a);

/* Does a (run: the app's lock held, run->app read under it, run->conf its
 * lain.yaml; p deployed) and answers: 202 with the Proc, 400, 500. A dry
 * run (run->dry_run) answers the plan; a promote that waits goes through
 * the gate. */
int canary_patch(deploy_run_t *run, response_t *res, const change_opts_t *o,
		 const lain_proc_t *p, const canary_ask_t *a, err_t *err);

/* An undeploy of run's app (run->conf its lain.yaml): every canary
 * podgroup and policy group removed; failures added to report, the first
 * returned. The record's canaries are emptied by deployer_reset. */
int canary_remove_all(deploy_run_t *run, buf_t *report, err_t *err);

/* A proc an update takes away (deployer's cleanup): its canary podgroup
 * and policy group removed (failures logged) and its entry out of
 * run->rec.canaries (saved by the run's finish). */
void canary_drop(deploy_run_t *run, const lain_proc_t *p);

#endif
