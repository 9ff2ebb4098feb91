/*
 * E9 /v1/apps/<app>/procs/, E10 /v1/apps/<app>/procs/<proc>/ and E11
 * .../instance/<n>/histories/ (console-api.md §1.3, §3.7, §9.3 #12 #13 #16
 * #23 #29).
 *
 * A proc is "deployed" when deployd knows its podgroup (GET < 400). Proc
 * objects are the ones of the App object (appview.h), so they show the same
 * status the app does. Portals are never podgroups: the mutating calls
 * answer them "exists but not deployed" (deployd has no operation API for
 * dependency pods). A schedule's canary keys are canary.h's, its
 * num_instances/cpu/memory scale.h's; every change records a release
 * (history.h) and may wait for health or be planned (gate.h).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "console/api.h"
#include "console/cluster.h"
#include "console/deployd.h"
#include "console/lainyaml.h"
#include "console/locks.h"
#include "console/log.h"
#include "console/oplogs.h"
#include "console/permission.h"
#include "console/size.h"
#include "console/spec.h"
#include "console/strx.h"
#include "answer.h"
#include "appconf.h"
#include "appview.h"
#include "canary.h"
#include "deployer.h"
#include "gate.h"
#include "history.h"
#include "peers.h"
#include "scale.h"
#include "console/banned.h"


#define PATCH_INVALID                                                                         \
	"invalid request: should be json body with num_instances(integer) or cpu(integer) or "  \
	"memory(str)"

static const char *proc_url(request_t *req, const char *proc)
{
	return proc ? arena_printf(req->arena, "/v1/apps/%s/procs/%s/", req_app(req)->appname, proc)
		    : arena_printf(req->arena, "/v1/apps/%s/procs/", req_app(req)->appname);
}

/* The url of the proc the path names, else of the app's procs. */
static const char *here(request_t *req)
{
	return proc_url(req, http_param(req, "proc"));
}

/* The stored lain.yaml of a deployed app, else 404 answered (under "proc",
 * the list's too: the original's key). */
static int load(request_t *req, response_t *res, const cluster_t **cl, lain_conf_t **conf,
		err_t *err)
{
	*conf = NULL;
	int rc = cluster_get(req->ctx, cl, err);
	if (rc)
		return rc;
	if (!app_deployed(req_app(req)) || !*req_app(req)->meta)
		return api_fail_key(req, res, "proc", -ERR_NOT_FOUND, here(req),
				    "app with appname %s has not been deployd\n", req_app(req)->appname);
	return appconf_stored(req->arena, *cl, req_app(req), conf, err);
}

static const lain_proc_t *find_proc(const lain_conf_t *conf, const char *name)
{
	for (size_t i = 0; i < conf->n_procs; i++)
		if (!strcmp(conf->procs[i].name, name))
			return &conf->procs[i];
	return NULL;
}

/* load() (*conf) and the proc named in the path (*p), else 404 answered. */
static int load_proc(request_t *req, response_t *res, const cluster_t **cl, lain_conf_t **conf,
		     const lain_proc_t **p, err_t *err)
{
	int rc = load(req, res, cl, conf, err);
	if (rc)
		return rc;
	const char *name = http_param(req, "proc");
	if ((*p = find_proc(*conf, name)))
		return 0;
	return api_fail(req, res, -ERR_NOT_FOUND, NULL, here(req), "no such proc %s in app %s", name,
			req_app(req)->appname);
}


static void result_free(void *r)
{
	deployd_result_release(r);
}

/* A deployd result the request's arena releases. */
static deployd_result_t *result_of(request_t *req)
{
	return arena_own(req->arena, arena_alloc(req->arena, sizeof(deployd_result_t)),
			 result_free);
}

/* What deployd has of p: its podgroup, or a portal's depends (0, or
 * -ERR_NOT_FOUND and the other failures of deployd.h). */
static int proc_status(request_t *req, const cluster_t *cl, const lain_proc_t *p,
		       deployd_result_t *r, err_t *err)
{
	deployd_t *dd = peers_deployd(req->ctx, cl);
	return p->type == LAIN_PORTAL ? deployd_depends_get(dd, p->podname, r, err)
				      : deployd_podgroup_get(dd, p->podname, r, err);
}

/* GET of p's podgroup: 0 deployed (status in r), -ERR_NOT_FOUND not, other
 * failures as deployd.h. Portals count as not deployed. */
static int podgroup_of(request_t *req, const cluster_t *cl, const lain_proc_t *p,
		       deployd_result_t *r, err_t *err)
{
	if (p->type == LAIN_PORTAL)
		return err_set(err, -ERR_NOT_FOUND, "portal %s is not a podgroup", p->name);
	return deployd_podgroup_get(peers_deployd(req->ctx, cl), p->podname, r, err);
}

static int not_deployed(request_t *req, response_t *res, const lain_proc_t *p)
{
	return api_fail(req, res, -ERR_INVALID, NULL, here(req),
			"proc %s exists but not deployed\nplease deploy it first\n", p->name);
}

static void oplog(request_t *req, const char *op, const char *msg)
{
	oplogs_write(req, op, req_app(req)->appname, "", msg);
}

/* 202 with the Proc when deployd accepted (o, or the fresh one when NULL),
 * else 500; the msg quotes deployd. */
static int answer_deployd(request_t *req, response_t *res, const lain_proc_t *p, json_object *o,
			  int rc, const deployd_result_t *r, const err_t *err)
{
	const char *m = r->message && r->status ? r->message : err->msg;
	if (!o)
		o = appview_proc(req, p);
	if (rc)
		return api_fail(req, res, -ERR_INTERNAL, o, here(req),
				"    status_code: %ld\n    message: %s", r->status, m);
	return api_answer(req, res, 202, o, here(req), "    status_code: %ld\n    message: %s",
			  r->status, m);
}

/* ---- E9 */

/* A change of a proc takes the app's deploy lock, as deploy, update and
 * undeploy do: one change of an app at a time (409 while another runs).
 * *run holds it, with the record read again under it (run->app). */
static int lock_run(request_t *req, response_t *res, const cluster_t *cl, const char *proc,
		    deploy_run_t **run, err_t *err)
{
	*run = deployer_new(req, cl, req_app(req)->appname);
	(*run)->url = proc_url(req, proc);
	(*run)->version = req_app(req)->meta_version;
	return deployer_lock_and_read(*run, res, err);
}




int api_procs_list(request_t *req, response_t *res, err_t *err)
{
	const cluster_t *cl;
	lain_conf_t *conf = NULL;
	int rc = load(req, res, &cl, &conf, err);
	if (rc)
		goto out;
	json_object *app = appview_app(req, req_app(req), err);
	if (!app) {
		rc = -ERR_INTERNAL;
		goto out;
	}
	json_object *procs = json_object_get(json_object_object_get(app, "procs"));
	json_object_put(app);
	rc = api_answer(req, res, 200, procs, proc_url(req, NULL), "");
out:
	return rc;
}

int api_procs_deploy(request_t *req, response_t *res, err_t *err)
{
	const char *name = NULL;
	bool object = req->json && json_object_is_type(req->json, json_type_object);
	if (object && http_body_string(req, "procname", &name, err))
		return api_fail(req, res, -ERR_INVALID, NULL, proc_url(req, NULL), "%s", err->msg);
	if (!name || !*name)
		return api_fail(req, res, -ERR_INVALID, NULL, proc_url(req, NULL),
				"invalid request: should be json body with procname(string)");
	const cluster_t *cl;
	lain_conf_t *conf = NULL;
	deployd_result_t *r = result_of(req);
	deploy_run_t *run = NULL;
	int rc = load(req, res, &cl, &conf, err);
	if (rc)
		goto out;
	const lain_proc_t *p = find_proc(conf, name);
	if (!p) {
		rc = api_fail(req, res, -ERR_INVALID, NULL, proc_url(req, NULL),
			      "no such proc %s in app %s", name, req_app(req)->appname);
		goto out;
	}
	rc = proc_status(req, cl, p, r, err);
	if (!rc) {
		rc = api_fail(req, res, -ERR_CONFLICT, appview_proc(req, p), proc_url(req, name),
			      "proc with procname %s already exists\n", name);
		goto out;
	}
	if (rc != -ERR_NOT_FOUND || (rc = lock_run(req, res, cl, name, &run, err)))
		goto out;
	json_object *procs = history_before(req, cl, req_app(req), conf);
	oplog(req, "DEPLOY", arena_printf(req->arena, "proc %s deployed", name));
	run->conf = conf;
	rc = deployer_proc(run, p, err);
	json_object *entry = NULL;
	if (!rc && json_object_object_get_ex(run->procs, p->name, &entry))
		json_object_object_add(procs, p->name, json_object_get(entry));
	if (!run->report.len && rc)
		buf_addf(&run->report, "    %s\n", err->msg);
	history_change(run, NULL, "proc_deploy", json_object_get(procs), rc ? run->report.data : NULL, NULL);
	if (rc) {
		rc = api_fail(req, res, -ERR_INTERNAL, NULL, proc_url(req, name),
			      "proc deploy result:\nfailed:\n%s", run->report.data);
		goto out;
	}
	rc = api_answer(req, res, 201, appview_proc(req, p), proc_url(req, name),
			"proc deploy result:\n    %s: deploy request accepted\n", name);
out:
	if (run)
		deployer_unlock(run);
	return rc;
}

/* ---- E10 */

int api_proc_get(request_t *req, response_t *res, err_t *err)
{
	const cluster_t *cl;
	deployd_result_t *r = result_of(req);
	lain_conf_t *conf = NULL;
	const lain_proc_t *p = NULL;
	int rc = load_proc(req, res, &cl, &conf, &p, err);
	if (rc)
		return rc;
	if (proc_status(req, cl, p, r, err))
		return api_answer(req, res, 200, appview_proc(req, p), here(req),
				  "proc %s exists but not deployed", p->name);
	return api_answer(req, res, 200, appview_proc(req, p), here(req), "");
}

int api_proc_delete(request_t *req, response_t *res, err_t *err)
{
	const cluster_t *cl;
	deployd_result_t *r = result_of(req);
	deploy_run_t *run = NULL;
	lain_conf_t *conf = NULL;
	const lain_proc_t *p = NULL;
	int rc = load_proc(req, res, &cl, &conf, &p, err);
	if (rc || (rc = lock_run(req, res, cl, p->name, &run, err)))
		goto out;
	if (podgroup_of(req, cl, p, r, err)) {
		rc = not_deployed(req, res, p);
		goto out;
	}
	/* The Proc as it was: the answer shows what was removed. */
	json_object *o = appview_proc(req, p);
	json_object *procs = history_before(req, cl, req_app(req), conf);
	oplog(req, "DELETE", arena_printf(req->arena, "delete proc %s", p->name));
	int st = deployd_podgroup_delete(peers_deployd(req->ctx, cl), p->podname, r, err);
	if (!st)
		json_object_object_del(procs, p->name);
	history_change(run, NULL, "proc_remove", json_object_get(procs), st ? err->msg : NULL, NULL);
	rc = answer_deployd(req, res, p, o, st, r, err);
out:
	if (run)
		deployer_unlock(run);
	return rc;
}

/* The pod of instance i (InstanceNo, else the i-th) in a podgroup status. */
static json_object *pod_of(json_object *status, long i, size_t *npods)
{
	json_object *pods = json_object_object_get(status, "Pods");
	*npods = json_object_is_type(pods, json_type_array) ? json_object_array_length(pods) : 0;
	for (size_t k = 0; k < *npods; k++) {
		json_object *pod = json_object_array_get_idx(pods, k), *no;
		if (json_object_object_get_ex(pod, "InstanceNo", &no) && json_object_get_int64(no) == i)
			return pod;
	}
	return i >= 1 && (size_t)i <= *npods ? json_object_array_get_idx(pods, (size_t)i - 1) : NULL;
}

/* What a PATCH asks for. */
struct patch {
	const char *op;            /* "schedule", "start", "stop", "restart" */
	schedule_t s;              /* schedule */
	canary_ask_t canary;       /* a schedule of s.canary */
	long instance;             /* the others: 0 the whole proc */
};

/* The body of a PATCH into *pt, else 400 answered. */
static int patch_parse(request_t *req, response_t *res, const change_opts_t *o, struct patch *pt,
		       err_t *err)
{
	json_object *body = req->json;
	memset(pt, 0, sizeof(*pt));
	if (!body || !json_object_is_type(body, json_type_object))
		return api_fail(req, res, -ERR_INVALID, NULL, here(req), PATCH_INVALID);
	bool has_instance;
	if (http_body_string(req, "operation", &pt->op, err) ||
	    http_body_int(req, "instance", 0, SCALE_MAX_INSTANCES, &has_instance, &pt->instance, err))
		return api_fail(req, res, -ERR_INVALID, NULL, here(req), "%s", err->msg);
	if (!pt->op)
		pt->op = "schedule";
	if (!has_instance)
		pt->instance = 0;
	if (!strcmp(pt->op, "schedule")) {
		const char *bad = scale_parse(req, body, &pt->s);
		if (!bad && pt->s.canary)
			return canary_parse(req, res, body, o, &pt->canary);
		return bad ? api_fail(req, res, -ERR_INVALID, NULL, here(req), "%s", bad) : 0;
	}
	if (strcmp(pt->op, "start") && strcmp(pt->op, "stop") && strcmp(pt->op, "restart"))
		return api_fail(req, res, -ERR_INVALID, NULL, here(req),
				"invalid operation %s: should be schedule, start, stop or restart",
				pt->op);
	return 0;
}

/* start, stop or restart of p, or of its instance's pod (pod: from its
 * status); the oplog row names the container when there is one. */
static int patch_operate(request_t *req, const cluster_t *cl, const lain_proc_t *p,
			 const struct patch *pt, json_object *pod, deployd_result_t *r, err_t *err)
{
	char upper[16];
	size_t k = 0;
	for (; pt->op[k] && k < sizeof(upper) - 1; k++)
		upper[k] = (char)toupper((unsigned char)pt->op[k]);
	upper[k] = '\0';
	const char *cname = NULL;
	if (pt->instance && pod) {
		json_object *view = deployd_render_pod(pod);
		cname = arena_strdup(req->arena,
				     json_object_get_string(json_object_object_get(view, "containername")));
		json_object_put(view);
	}
	oplog(req, upper,
	      pt->instance ? arena_printf(req->arena, "%s container %s", pt->op,
					  cname && *cname ? cname : p->podname)
			   : arena_printf(req->arena, "%s proc %s", pt->op, p->name));
	return deployd_podgroup_operate(peers_deployd(req->ctx, cl), p->podname, pt->op,
					pt->instance, r, err);
}

/* A schedule of p (running: its status; lock and record in run): a plan,
 * or applied, recorded (pending when it waits) and, waiting, gated. The
 * deployd result in r, its failure in *st. */
static int schedule(deploy_run_t *run, response_t *res, const change_opts_t *o,
		    const lain_conf_t *conf, const lain_proc_t *p, const schedule_t *s,
		    json_object *running, deployd_result_t *r, int *st, err_t *err)
{
	request_t *req = run->req;
	if (o->dry_run) {
		json_object *plan = NULL;
		int rc = scale_plan(req, run->cl, p, s, running, &plan, err);
		if (!rc)
			rc = api_answer_more(req, res, 200, "plan", plan, NULL, NULL, here(req), "");
		return rc;
	}
	json_object *procs = history_before(req, run->cl, req_app(req), conf);
	deployd_health_seen(running, run->seen);
	*st = scale_apply(req, run->cl, p, s, running, r, err);
	scale_entry(procs, p, s);
	run->wait = o->wait && !*st;
	history_change(run, NULL, "scale", json_object_get(procs), *st ? err->msg : NULL, NULL);
	if (!run->wait || !run->release)
		return 0;
	json_object *c = json_object_new_object();
	json_object_object_add(c, "proc", json_object_new_string(p->name));
	json_object_object_add(c, "podgroup", json_object_new_string(p->podname));
	json_object_array_add(run->changed, c);
	run->conf = (lain_conf_t *)conf;
	return gate_wait(run, o, err);
}

int api_proc_patch(request_t *req, response_t *res, err_t *err)
{
	struct patch pt;
	change_opts_t o;
	const cluster_t *cl;
	deployd_result_t *cur = result_of(req), *r = result_of(req);
	deploy_run_t *run = NULL;
	lain_conf_t *conf = NULL;
	const lain_proc_t *p = NULL;
	int rc = gate_parse(req, res, &o);
	if (rc || (rc = patch_parse(req, res, &o, &pt, err)))
		goto out;
	if ((o.dry_run || o.wait) && strcmp(pt.op, "schedule")) {
		rc = api_fail(req, res, -ERR_INVALID, NULL, here(req),
			      "dry_run and wait are for a schedule (num_instances, cpu, memory, "
			      "canaries), not for %s",
			      pt.op);
		goto out;
	}
	if ((rc = load_proc(req, res, &cl, &conf, &p, err)))
		goto out;
	run = deployer_new(req, cl, req_app(req)->appname);
	run->url = here(req);
	run->app = req_app(req);
	if (!o.dry_run && (rc = deployer_lock_and_read(run, res, err)))
		goto out;
	int st = podgroup_of(req, cl, p, cur, err);
	if (st == -ERR_NOT_FOUND) {
		rc = not_deployed(req, res, p);
		goto out;
	}
	if (st) {
		rc = api_fail(req, res, -ERR_INTERNAL, NULL, here(req), "%s", err->msg);
		goto out;
	}
	if (pt.s.canary) {
		run->conf = conf;
		run->dry_run = o.dry_run;
		rc = canary_patch(run, res, &o, p, &pt.canary, err);
		goto out;
	}
	if (!strcmp(pt.op, "schedule")) {
		if ((rc = schedule(run, res, &o, conf, p, &pt.s, cur->json, r, &st, err)) || o.dry_run)
			goto out;
	} else {
		size_t npods = 0;
		json_object *pod = pod_of(cur->json, pt.instance, &npods);
		if (pt.instance > (long)npods) {
			rc = api_fail(req, res, -ERR_NOT_FOUND, NULL, here(req),
				      "no such proc %s instance %ld, in app %s", p->name, pt.instance,
				      req_app(req)->appname);
			goto out;
		}
		st = patch_operate(req, cl, p, &pt, pod, r, err);
	}
	deployer_unlock(run);
	if (run->wait) {
		const char *m = r->message && r->status ? r->message : err->msg;
		return gate_answer(run, res, 200, run->failure ? NULL : appview_proc(req, p),
				   arena_printf(req->arena, "    status_code: %ld\n    message: %s",
						r->status, m));
	}
	return answer_deployd(req, res, p, NULL, st, r, err);
out:
	if (run)
		deployer_unlock(run);
	return rc;
}

/* ---- E11 */

int api_proc_histories(request_t *req, response_t *res, err_t *err)
{
	long n;
	const char *ns = http_param(req, "n");
	if (!ns || strx_to_long(ns, 0, SCALE_MAX_INSTANCES, &n))
		return api_fail(req, res, -ERR_INVALID, NULL, here(req),
				"invalid instance %s: should be an integer >= 0", ns ? ns : "");
	const cluster_t *cl;
	lain_conf_t *conf = NULL;
	deployd_result_t *r = result_of(req);
	int rc = load(req, res, &cl, &conf, err);
	if (rc)
		goto out;
	/* The podgroup whose LAST name segment is the proc (§9.3 #23). */
	const char *proc = http_param(req, "proc"), *pg = NULL;
	for (size_t i = 0; i < conf->n_procs && !pg; i++) {
		const char *dot = strrchr(conf->procs[i].podname, '.');
		if (conf->procs[i].type != LAIN_PORTAL && dot && !strcmp(dot + 1, proc))
			pg = conf->procs[i].podname;
	}
	err_t herr = ERR_INIT;
	if (!pg || deployd_history(peers_deployd(req->ctx, cl), pg, n, r, &herr) ||
	    !json_object_is_type(r->json, json_type_array)) {
		rc = api_answer(req, res, 200, json_object_new_array(), here(req),
				"proc %s do not exists", proc);
		goto out;
	}
	json_object *list = json_object_new_array();
	for (size_t i = json_object_array_length(r->json); i-- > 0;) {
		json_object *e = json_object_array_get_idx(r->json, i), *from, *x;
		if (!json_object_object_get_ex(e, "from", &from) ||
		    !json_object_is_type(from, json_type_string))
			continue;
		const char *f = json_object_get_string(from);
		const char *node = strstr(f, "node:");
		size_t ilen = node ? (size_t)(node - f) : strlen(f);
		while (ilen && f[ilen - 1] == ' ')
			ilen--;
		const char *slash = memchr(f, '/', ilen);
		const char *img = slash ? slash + 1 : f;
		json_object *o = json_object_new_object();
		const char *keep[] = { "status", "time", "action" };
		for (size_t k = 0; k < 3; k++)
			if (json_object_object_get_ex(e, keep[k], &x))
				json_object_object_add(o, keep[k], json_object_get(x));
		json_object_object_add(o, "image",
				       json_object_new_string_len(img, (int)(ilen - (size_t)(img - f))));
		json_object_object_add(o, "node", json_object_new_string(node ? node + 5 : ""));
		json_object_array_add(list, o);
	}
	json_object *o = json_object_new_object();
	json_object_object_add(o, "Name", json_object_new_string(pg));
	json_object_object_add(o, "Instance", json_object_new_string(arena_printf(req->arena, "%ld", n)));
	json_object_object_add(o, "StatusHistory", list);
	rc = api_answer(req, res, 200, o, here(req), "");
out:
	return rc;
}
