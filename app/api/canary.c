/* Canaries and their policy groups (spec §7.3, §9.3 #22); see canary.h. */
#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "console/deployd.h"
#include "console/log.h"
#include "console/oplogs.h"
#include "console/permission.h"
#include "console/registry.h"
#include "console/webrouter.h"
#include "answer.h"
#include "appview.h"
#include "canary.h"
#include "history.h"
#include "peers.h"
#include "podgroups.h"
#include "console/banned.h"

static json_object *get(json_object *o, const char *k)
{
	json_object *v = NULL;
	if (!json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, k, &v))
		return NULL;
	return v;
}

static const char *text(json_object *v)
{
	return json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
}

/* ^\d{10}-\w{40}$ (spec §3.3). */
static bool valid_version(const char *v)
{
	if (strlen(v) != 51 || v[10] != '-')
		return false;
	for (size_t i = 0; i < 51; i++)
		if (i != 10 && !(i < 10 ? isdigit((unsigned char)v[i])
					: isalnum((unsigned char)v[i]) || v[i] == '_'))
			return false;
	return true;
}

/* A list of non-empty strings. */
static bool strings(json_object *a)
{
	if (!json_object_is_type(a, json_type_array))
		return false;
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		json_object *s = json_object_array_get_idx(a, i);
		if (!json_object_is_type(s, json_type_string) || !*json_object_get_string(s))
			return false;
	}
	return true;
}

static int bad(request_t *req, response_t *res, const char *what, json_object *v)
{
	return api_fail(req, res, -ERR_INVALID, NULL, NULL, "invalid %s: %s", what,
			json_object_is_type(v, json_type_string) ? json_object_get_string(v)
								  : text(v));
}

int canary_parse(request_t *req, response_t *res, json_object *body, const change_opts_t *o,
		 canary_ask_t *a)
{
	json_object *c = get(body, "canary_proc");
	bool policy = !c;
	if (policy)
		c = get(body, "canary_policy_group");
	memset(a, 0, sizeof(*a));
	if (!json_object_is_type(c, json_type_object))
		return bad(req, res, policy ? "canary_policy_group" : "canary_proc", c);
	json_object *act = get(c, "action");
	const char *action = json_object_is_type(act, json_type_string) ? json_object_get_string(act)
									  : "";
	if (!strcmp(action, "deploy"))
		a->action = policy ? POLICY_DEPLOY : CANARY_DEPLOY;
	else if (!strcmp(action, "undeploy"))
		a->action = policy ? POLICY_UNDEPLOY : CANARY_UNDEPLOY;
	else if (!strcmp(action, "promote") && !policy)
		a->action = CANARY_PROMOTE;
	else
		return bad(req, res, "action", act);
	if (a->action == CANARY_DEPLOY) {
		json_object *v = get(c, "image_version");
		if (!json_object_is_type(v, json_type_string) ||
		    !valid_version(json_object_get_string(v)))
			return bad(req, res, "image_version", v);
		a->image_version = json_object_get_string(v);
		a->secret_files = get(c, "secret_files");
		if (a->secret_files && !strings(a->secret_files))
			return bad(req, res, "secret_files", a->secret_files);
	}
	if (a->action == POLICY_DEPLOY) {
		a->mountpoints = get(c, "mountpoints");
		a->rules = get(c, "rules");
		if (!strings(a->mountpoints) || !json_object_array_length(a->mountpoints))
			return bad(req, res, "mountpoints", a->mountpoints);
		if (!json_object_is_type(a->rules, json_type_object))
			return bad(req, res, "rules", a->rules);
	}
	if (o->wait && a->action != CANARY_PROMOTE)
		return api_fail(req, res, -ERR_INVALID, NULL, NULL,
				"wait is for a canary's promote (a rolling update of the proc), not "
				"for this canary action");
	if (o->dry_run && policy)
		return api_fail(req, res, -ERR_INVALID, NULL, NULL,
				"a dry run plans what deployd runs: not a canary policy group");
	return 0;
}

/* ---- the record */

/* A copy of the record's canaries to change (the arena's). */
static json_object *canaries_copy(const deploy_run_t *run)
{
	json_object *c = NULL;
	if (run->app->canaries)
		json_object_deep_copy(run->app->canaries, &c, NULL);
	return arena_json(run->req->arena, c ? c : json_object_new_object());
}

/* canaries[proc] without key (and without proc when nothing is left). */
static void forget(json_object *canaries, const char *proc, const char *key)
{
	json_object *e = get(canaries, proc);
	if (!e)
		return;
	if (key)
		json_object_object_del(e, key);
	if (!key || !json_object_object_length(e))
		json_object_object_del(canaries, proc);
}

static void remember(json_object *canaries, const char *proc, const char *key, json_object *v)
{
	json_object *e = get(canaries, proc);
	if (!json_object_is_type(e, json_type_object)) {
		e = json_object_new_object();
		json_object_object_add(canaries, proc, e);
	}
	json_object_object_add(e, key, v);
}

/* The oplog row and the release of an action on p, the record saved with
 * canaries; failed with error when it is not NULL. */
static void record(deploy_run_t *run, json_object *canaries, const char *op, json_object *procs,
		   const char *error, const char *msg)
{
	oplogs_write(run->req, "CANARY", run->name, run->app->meta_version,
		     arena_printf(run->req->arena, "%s%s%s", msg, error ? ": failed: " : "",
				  error ? error : ""));
	app_record_t rec = *run->app;
	rec.canaries = canaries;
	history_change(run, &rec, op, json_object_get(procs), error, canaries);
}

/* ---- podgroups */

/* p's image with the tag release-<v> (spec §7.3). */
static const char *canary_image(request_t *req, const lain_proc_t *p, const char *v)
{
	const char *img = p->image, *slash = strrchr(img, '/'), *colon = strrchr(img, ':');
	size_t base = colon && (!slash || colon > slash) ? (size_t)(colon - img) : strlen(img);
	return arena_printf(req->arena, "%.*s:release-%s", (int)base, img, v);
}

/* The proc a canary of p at image runs: p with 1 instance, no mountpoints,
 * its own name and the secret files asked for. */
static lain_proc_t canary_proc(request_t *req, const lain_proc_t *p, const char *image,
			       json_object *secret_files)
{
	lain_proc_t c = *p;
	c.name = arena_printf(req->arena, "%s_canary", p->name);
	c.podname = arena_printf(req->arena, "%s_canary", p->podname);
	c.image = image;
	c.num_instances = 1;
	c.mountpoints = (lain_strs_t){ 0, NULL };
	size_t n = secret_files ? json_object_array_length(secret_files) : 0;
	c.secret_files = (lain_strs_t){ 0, arena_alloc(req->arena, (n ? n : 1) * sizeof(char *)) };
	for (size_t i = 0; i < n; i++) {
		const char *f = lain_secret_path(
			req->arena, json_object_get_string(json_object_array_get_idx(secret_files, i)));
		if (f)
			c.secret_files.v[c.secret_files.n++] = f;
	}
	return c;
}

/* The canary's image is in the registry (when it is the cluster's), else
 * 400 answered. */
static int image_exists(deploy_run_t *run, response_t *res, const char *image, err_t *err)
{
	const char *reg = run->cl->registry, *colon = strrchr(image, ':');
	size_t rl = strlen(reg);
	if (strncmp(image, reg, rl) || image[rl] != '/' || !colon)
		return 0;
	const char *repo = arena_strndup(run->req->arena, image + rl + 1,
					 (size_t)(colon - image - rl - 1));
	json_object *m = NULL;
	int rc = registry_manifest(peers_registry(run->req->ctx, run->cl), repo, colon + 1, &m, err);
	json_object_put(m);
	if (rc == -ERR_NOT_FOUND)
		return api_fail(run->req, res, -ERR_INVALID, NULL, NULL,
				"no such image %s: push its release image first", image);
	return rc;
}

/* Removes podgroup pg (404: gone already). */
static int remove_podgroup(deploy_run_t *run, const char *pg, err_t *err)
{
	deployd_result_t r = DEPLOYD_RESULT_INIT;
	int rc = deployd_podgroup_delete(peers_deployd(run->req->ctx, run->cl), pg, &r, err);
	deployd_result_release(&r);
	return rc == -ERR_NOT_FOUND ? 0 : rc;
}

/* ---- policy groups at webrouter */

/* A mountpoint as the gateway's hostname: trailing '/' dropped, '/' as '.'. */
static const char *hostname_of(request_t *req, const char *mountpoint)
{
	char *h = arena_strdup(req->arena, mountpoint);
	size_t n = strlen(h);
	while (n && h[n - 1] == '/')
		h[--n] = '\0';
	for (char *c = h; *c; c++)
		if (*c == '/')
			*c = '.';
	return h;
}

/* Whether hostname is bound to policies of group id (members): what the
 * original's "is active" test meant to ask (§9.3 #22). */
static bool bound_to(webrouter_t *w, const char *host, json_object *members)
{
	const char *params[] = { "hostname", host, NULL };
	json_object *data = NULL;
	err_t e = ERR_INIT;
	if (webrouter_call(w, "runtime_get", params, NULL, &data, NULL, &e))
		return true; /* cannot tell: unbind (the group goes anyway) */
	json_object *rg = get(data, "runtimegroup");
	bool any = false, all = true;
	if (json_object_is_type(rg, json_type_object)) {
		json_object_object_foreach(rg, k, step) {
			(void)k;
			const char *key = json_object_get_string(get(step, "divDataKey"));
			long pid = -1;
			if (key && !strncmp(key, "ab:policies:", 12))
				pid = strtol(key + 12, NULL, 10);
			bool member = false;
			for (size_t i = 0; members && i < json_object_array_length(members); i++)
				member |= json_object_get_int64(json_object_array_get_idx(members, i)) ==
					  pid;
			any = true;
			all &= member;
		}
	}
	json_object_put(data);
	return any && all;
}

/* Every mountpoint of group still bound to it unbound, then the group
 * deleted. */
static int policy_remove(deploy_run_t *run, json_object *group, err_t *err)
{
	request_t *req = run->req;
	webrouter_t *w = peers_webrouter(req->ctx, run->cl);
	const char *id = arena_printf(req->arena, "%" PRId64, json_object_get_int64(get(group, "id")));
	const char *gp[] = { "policygroupid", id, NULL };
	json_object *g = NULL, *mps = get(group, "mountpoints");
	err_t e = ERR_INIT;
	webrouter_call(w, "policygroup_get", gp, NULL, &g, NULL, &e);
	int rc = 0;
	for (size_t i = 0; !rc && json_object_is_type(mps, json_type_array) &&
			   i < json_object_array_length(mps); i++) {
		const char *host = hostname_of(
			req, json_object_get_string(json_object_array_get_idx(mps, i)));
		const char *hp[] = { "hostname", host, NULL };
		if (bound_to(w, host, get(g, "group")))
			rc = webrouter_call(w, "runtime_del", hp, NULL, NULL, NULL, err);
	}
	json_object_put(g);
	return rc ? rc : webrouter_call(w, "policygroup_del", gp, NULL, NULL, NULL, err);
}

/* ---- the actions */

static json_object *before(deploy_run_t *run)
{
	return history_before(run->req, run->cl, run->app, run->conf);
}

static int answer(deploy_run_t *run, response_t *res, const lain_proc_t *p, const char *msg)
{
	return api_answer(run->req, res, 202, appview_proc(run->req, p), NULL, "%s", msg);
}

static int failed(deploy_run_t *run, response_t *res, const char *what)
{
	return api_fail(run->req, res, -ERR_INTERNAL, NULL, NULL, "%s result:\nfailed:\n%s", what,
			run->report.data);
}

static int deploy_canary(deploy_run_t *run, response_t *res, const lain_proc_t *p,
			 const canary_ask_t *a, err_t *err)
{
	request_t *req = run->req;
	const char *image = canary_image(req, p, a->image_version);
	int rc = image_exists(run, res, image, err);
	if (rc)
		return rc;
	lain_proc_t c = canary_proc(req, p, image, a->secret_files);
	if (run->dry_run)
		return deployer_proc(run, &c, err);
	json_object *procs = before(run);
	const char *msg = arena_printf(req->arena, "deploy canary of proc %s: version %s", p->name,
				       a->image_version);
	rc = deployer_proc(run, &c, err);
	json_object *canaries = canaries_copy(run);
	if (rc) {
		if (!run->report.len)
			podgroups_report(&run->report, c.name, 0, err);
		record(run, canaries, "canary_deploy", procs, run->report.data, msg);
		return failed(run, res, "canary deploy");
	}
	json_object *cp = json_object_new_object();
	json_object_object_add(cp, "image_version", json_object_new_string(a->image_version));
	json_object_object_add(cp, "secret_files", a->secret_files ? json_object_get(a->secret_files)
								   : json_object_new_array());
	json_object_object_add(cp, "image", json_object_new_string(image));
	remember(canaries, p->name, "canary_proc", cp);
	record(run, canaries, "canary_deploy", procs, NULL, msg);
	return answer(run, res, p, arena_printf(req->arena, "canary of proc %s deployed: %s", p->name,
						image));
}

static void plan_removal(deploy_run_t *run, const char *name)
{
	json_object *o = podgroups_plan(name, NULL, NULL, true);
	json_object_object_add(o, "action", json_object_new_string("remove"));
	json_object_array_add(json_object_object_get(run->plan, "procs"), o);
}

static int undeploy_canary(deploy_run_t *run, response_t *res, const lain_proc_t *p, err_t *err)
{
	request_t *req = run->req;
	const char *pg = arena_printf(req->arena, "%s_canary", p->podname);
	const char *name = arena_printf(req->arena, "%s_canary", p->name);
	if (run->dry_run) {
		plan_removal(run, name);
		return 0;
	}
	json_object *procs = before(run), *canaries = canaries_copy(run);
	const char *msg = arena_printf(req->arena, "undeploy canary of proc %s", p->name);
	int rc = remove_podgroup(run, pg, err);
	if (rc) {
		podgroups_report(&run->report, name, 0, err);
		record(run, canaries, "canary_undeploy", procs, run->report.data, msg);
		return failed(run, res, "canary undeploy");
	}
	forget(canaries, p->name, "canary_proc");
	record(run, canaries, "canary_undeploy", procs, NULL, msg);
	return answer(run, res, p, arena_printf(req->arena, "canary of proc %s undeployed", p->name));
}

static int promote(deploy_run_t *run, response_t *res, const change_opts_t *o,
		   const lain_proc_t *p, err_t *err)
{
	request_t *req = run->req;
	json_object *entry = get(run->app->canaries, p->name), *cp = get(entry, "canary_proc");
	const char *image = json_object_get_string(get(cp, "image"));
	if (!image || !*image)
		return api_fail(req, res, -ERR_INVALID, NULL, NULL, "proc %s has no canary to promote",
				p->name);
	lain_proc_t np = *p;
	np.image = image;
	if (run->dry_run) {
		int rc = deployer_proc(run, &np, err);
		if (!rc)
			plan_removal(run, arena_printf(req->arena, "%s_canary", p->name));
		return rc;
	}
	json_object *procs = before(run), *canaries = canaries_copy(run), *e;
	const char *msg = arena_printf(req->arena, "promote canary of proc %s: %s", p->name, image);
	run->wait = o->wait;
	int rc = deployer_proc(run, &np, err);
	if (rc) {
		run->wait = false;
		record(run, canaries, "canary_promote", procs, run->report.data, msg);
		return failed(run, res, "canary promote");
	}
	err_t e2 = ERR_INIT;
	if (remove_podgroup(run, arena_printf(req->arena, "%s_canary", p->podname), &e2) ||
	    (get(entry, "policy_group") && policy_remove(run, get(entry, "policy_group"), &e2)))
		http_log(req, LOG_WARN, "promote of %s's canary: removing it failed: %s", p->name,
			 e2.msg);
	forget(canaries, p->name, NULL);
	if (json_object_object_get_ex(run->procs, p->name, &e))
		json_object_object_add(procs, p->name, json_object_get(e));
	record(run, canaries, "canary_promote", procs, NULL, msg);
	const char *done = arena_printf(req->arena, "canary of proc %s promoted: %s", p->name, image);
	if (!o->wait || !run->release)
		return answer(run, res, p, done);
	if ((rc = gate_wait(run, o, err)))
		return rc;
	return gate_answer(run, res, 200, run->failure ? NULL : appview_proc(req, p), done);
}

static int deploy_policy(deploy_run_t *run, response_t *res, const lain_proc_t *p,
			 const canary_ask_t *a, err_t *err)
{
	request_t *req = run->req;
	webrouter_t *w = peers_webrouter(req->ctx, run->cl);
	const char *rules = text(a->rules);
	int rc = webrouter_call(w, "policygroup_check", NULL, rules, NULL, NULL, err);
	if (rc == -ERR_INVALID)
		return api_fail(req, res, rc, NULL, NULL, "invalid rules: %s", rules);
	if (rc)
		return rc;
	json_object *procs = before(run), *canaries = canaries_copy(run), *data = NULL;
	json_object *old = get(get(run->app->canaries, p->name), "policy_group");
	const char *msg = arena_printf(req->arena, "deploy canary policy group of proc %s", p->name);
	if (old && (rc = policy_remove(run, old, err)))
		goto failed;
	forget(canaries, p->name, "policy_group");
	if ((rc = webrouter_call(w, "policygroup_set", NULL, rules, &data, NULL, err)))
		goto failed;
	int64_t id = json_object_get_int64(get(data, "groupid"));
	json_object_put(data);
	const char *sid = arena_printf(req->arena, "%" PRId64, id);
	size_t bound = 0, n = json_object_array_length(a->mountpoints);
	for (; bound < n; bound++) {
		const char *host = hostname_of(
			req, json_object_get_string(json_object_array_get_idx(a->mountpoints, bound)));
		const char *params[] = { "policygroupid", sid, "hostname", host, NULL };
		if ((rc = webrouter_call(w, "runtime_set", params, NULL, NULL, NULL, err)))
			break;
	}
	if (rc) {
		/* Undone: nothing of it stays bound or stored. */
		for (size_t i = 0; i < bound; i++) {
			const char *hp[] = { "hostname",
					     hostname_of(req, json_object_get_string(
								      json_object_array_get_idx(
									      a->mountpoints, i))),
					     NULL };
			webrouter_call(w, "runtime_del", hp, NULL, NULL, NULL, NULL);
		}
		const char *gp[] = { "policygroupid", sid, NULL };
		webrouter_call(w, "policygroup_del", gp, NULL, NULL, NULL, NULL);
		goto failed;
	}
	json_object *pg = json_object_new_object();
	json_object_object_add(pg, "mountpoints", json_object_get(a->mountpoints));
	json_object_object_add(pg, "id", json_object_new_int64(id));
	json_object_object_add(pg, "rules", json_object_get(a->rules));
	remember(canaries, p->name, "policy_group", pg);
	record(run, canaries, "canary_policy", procs, NULL, msg);
	return answer(run, res, p,
		      arena_printf(req->arena, "canary policy group %" PRId64 " of proc %s deployed",
				   id, p->name));
failed:
	record(run, canaries, "canary_policy", procs, err->msg, msg);
	return api_fail(req, res, rc == -ERR_UNAVAILABLE ? rc : -ERR_INTERNAL, NULL, NULL, "%s",
			err->msg);
}

static int undeploy_policy(deploy_run_t *run, response_t *res, const lain_proc_t *p, err_t *err)
{
	request_t *req = run->req;
	json_object *procs = before(run), *canaries = canaries_copy(run);
	json_object *old = get(get(run->app->canaries, p->name), "policy_group");
	const char *msg = arena_printf(req->arena, "undeploy canary policy group of proc %s", p->name);
	int rc = old ? policy_remove(run, old, err) : 0;
	if (rc) {
		record(run, canaries, "canary_policy", procs, err->msg, msg);
		return api_fail(req, res, rc == -ERR_UNAVAILABLE ? rc : -ERR_INTERNAL, NULL, NULL,
				"%s", err->msg);
	}
	forget(canaries, p->name, "policy_group");
	record(run, canaries, "canary_policy", procs, NULL, msg);
	return answer(run, res, p,
		      arena_printf(req->arena, old ? "canary policy group of proc %s undeployed"
						   : "proc %s has no canary policy group",
				   p->name));
}

int canary_patch(deploy_run_t *run, response_t *res, const change_opts_t *o,
		 const lain_proc_t *p, const canary_ask_t *a, err_t *err)
{
	const char *v = run->app->meta_version;
	if (run->dry_run)
		run->plan = arena_json(run->req->arena, podgroups_plan_new(run->name, v, v));
	int rc;
	switch (a->action) {
	case CANARY_DEPLOY:
		rc = deploy_canary(run, res, p, a, err);
		break;
	case CANARY_UNDEPLOY:
		rc = undeploy_canary(run, res, p, err);
		break;
	case CANARY_PROMOTE:
		rc = promote(run, res, o, p, err);
		break;
	case POLICY_DEPLOY:
		return deploy_policy(run, res, p, a, err);
	default:
		return undeploy_policy(run, res, p, err);
	}
	if (!rc && run->dry_run)
		return gate_answer_plan(run, res);
	return rc;
}

/* ---- the app's canaries going with it */

/* Removes the canary and policy group of proc p (its entry in canaries). */
static int remove_one(deploy_run_t *run, const lain_proc_t *p, json_object *entry, err_t *err)
{
	int rc = remove_podgroup(run, arena_printf(run->req->arena, "%s_canary", p->podname), err);
	if (!rc && get(entry, "policy_group"))
		rc = policy_remove(run, get(entry, "policy_group"), err);
	return rc;
}

int canary_remove_all(deploy_run_t *run, buf_t *report, err_t *err)
{
	int first = 0;
	if (!run->app->canaries || !run->conf)
		return 0;
	json_object_object_foreach(run->app->canaries, proc, entry) {
		const lain_proc_t *p = lain_conf_proc(run->conf, proc);
		err_t e = ERR_INIT;
		if (!p || !remove_one(run, p, entry, &e))
			continue;
		buf_addf(report, "    %s_canary:\n        %s\n", proc, e.msg);
		if (!first) {
			first = e.code ? e.code : -ERR_INTERNAL;
			*err = e;
		}
	}
	return first;
}

void canary_drop(deploy_run_t *run, const lain_proc_t *p)
{
	json_object *entry = get(run->rec.canaries, p->name);
	if (!entry)
		return;
	err_t e = ERR_INIT;
	if (remove_one(run, p, entry, &e))
		http_log(run->req, LOG_WARN, "the canary of %s (gone from %s) was not removed: %s",
			 p->name, run->name, e.msg);
	json_object *c = NULL;
	json_object_deep_copy(run->rec.canaries, &c, NULL);
	json_object_object_del(c, p->name);
	run->rec.canaries = arena_json(run->req->arena, c);
}
