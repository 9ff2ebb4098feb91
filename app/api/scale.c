/* A proc's schedule: parse, apply, plan; see scale.h. */
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "console/oplogs.h"
#include "console/permission.h"
#include "console/size.h"
#include "console/spec.h"
#include "peers.h"
#include "podgroups.h"
#include "scale.h"
#include "console/banned.h"

/* body[key] when it is there: a JSON integer in 0..max (true is not 1,
 * §9.3 #29) into *out, else the 400's line for it in msg. */
static void int_param(json_object *body, const char *key, long max, bool *has, long *out,
		      buf_t *msg)
{
	json_object *v;
	if (!json_object_object_get_ex(body, key, &v))
		return;
	if (json_object_is_type(v, json_type_int) && json_object_get_int64(v) >= 0 &&
	    json_object_get_int64(v) <= max) {
		*has = true;
		*out = (long)json_object_get_int64(v);
	} else {
		buf_addf(msg, "invalid parameter: %s (%s) should be integer\n", key,
			 json_object_to_json_string(v));
	}
}

const char *scale_parse(request_t *req, json_object *body, schedule_t *s)
{
	buf_t msg = BUF_INIT;
	json_object *v;
	memset(s, 0, sizeof(*s));
	int_param(body, "num_instances", SCALE_MAX_INSTANCES, &s->has_n, &s->n, &msg);
	int_param(body, "cpu", SCALE_MAX_CPU, &s->has_cpu, &s->cpu, &msg);
	if (json_object_object_get_ex(body, "memory", &v)) {
		err_t e = ERR_INIT;
		if (json_object_is_type(v, json_type_string) &&
		    !size_parse(json_object_get_string(v), &s->mem, &e))
			s->has_mem = true;
		else
			buf_addf(&msg,
				 "invalid parameter: memory (%s) humanfriendly.parse_size(memory) "
				 "failed\n",
				 json_object_is_type(v, json_type_string) ? json_object_get_string(v)
									   : json_object_to_json_string(v));
	}
	bool valid = s->has_n || s->has_cpu || s->has_mem;
	bool canary = json_object_object_get_ex(body, "canary_proc", NULL) ||
		      json_object_object_get_ex(body, "canary_policy_group", NULL);
	const char *out = NULL;
	if (msg.len)
		out = arena_strdup(req->arena, msg.data);
	else if (!valid && canary)
		s->canary = true;
	else if (!valid)
		out = "missing parameters: num_instances OR cpu OR memory";
	else if (s->has_n && (s->has_cpu || s->has_mem || canary))
		out = "scale num_instances should be a separate operation";
	buf_release(&msg);
	return out;
}

/* deployd's own Pod of p (Labels, HealthConfig and the rest kept, §9.3
 * #16) with the new limits and the deploy env (§4.5.2) on every container
 * (*pod, a new object). */
static int scale_pod(request_t *req, const cluster_t *cl, const lain_proc_t *p,
		     json_object *status, const schedule_t *s, json_object **out, err_t *err)
{
	json_object *spec, *run, *pod = NULL;
	if (!json_object_object_get_ex(status, "Spec", &spec) ||
	    !json_object_object_get_ex(spec, "Pod", &run) ||
	    json_object_deep_copy(run, &pod, NULL))
		return err_set(err, -ERR_BAD_GATEWAY, "deployd gave no spec for podgroup %s",
			       p->podname);
	json_object *cs = json_object_object_get(pod, "Containers");
	for (size_t i = 0; cs && i < json_object_array_length(cs); i++) {
		json_object *c = json_object_array_get_idx(cs, i), *env;
		if (s->has_cpu)
			json_object_object_add(c, "CpuLimit", json_object_new_int64(s->cpu));
		if (s->has_mem)
			json_object_object_add(c, "MemoryLimit", json_object_new_int64(s->mem));
		if (!json_object_object_get_ex(c, "Env", &env) ||
		    !json_object_is_type(env, json_type_array)) {
			env = json_object_new_array();
			json_object_object_add(c, "Env", env);
		}
		spec_env_set(env, "LAIN_APPNAME", req_app(req)->appname);
		spec_env_set(env, "LAIN_APP_RELEASE_VERSION", req_app(req)->meta_version);
		spec_env_set(env, "LAIN_PROCNAME", p->name);
		spec_env_set(env, "LAIN_DOMAIN", cl->main_domain);
	}
	*out = pod;
	return 0;
}

/* cmd=spec with scale_pod's Pod. */
static int scale_spec(request_t *req, const cluster_t *cl, const lain_proc_t *p,
		      json_object *status, const schedule_t *s, deployd_result_t *r, err_t *err)
{
	json_object *pod = NULL;
	int rc = scale_pod(req, cl, p, status, s, &pod, err);
	if (!rc)
		rc = deployd_podgroup_spec(peers_deployd(req->ctx, cl), p->podname, pod, r, err);
	json_object_put(pod);
	return rc;
}

/* A schedule of p (its status running): cmd=replica, or cmd=spec with new
 * limits; the oplog row says which. deployd's answer in r. */
int scale_apply(request_t *req, const cluster_t *cl, const lain_proc_t *p, const schedule_t *s,
		json_object *running, deployd_result_t *r, err_t *err)
{
	if (s->has_n) {
		oplogs_write(req, "SCALE", req_app(req)->appname, "",
			     arena_printf(req->arena, "proc %s scaled with instance %ld", p->name,
					  s->n));
		return deployd_podgroup_replica(peers_deployd(req->ctx, cl), p->podname, s->n, r, err);
	}
	char mem[32] = "None", cpu[32] = "None";
	if (s->has_mem)
		snprintf(mem, sizeof(mem), "%lld", (long long)s->mem);
	if (s->has_cpu)
		snprintf(cpu, sizeof(cpu), "%ld", s->cpu);
	oplogs_write(req, "SCALE", req_app(req)->appname, "",
		     arena_printf(req->arena, "proc %s scaled with memory %s, cpu %s", p->name, mem,
				  cpu));
	return scale_spec(req, cl, p, running, s, r, err);
}

int scale_plan(request_t *req, const cluster_t *cl, const lain_proc_t *p, const schedule_t *s,
	       json_object *running, json_object **plan, err_t *err)
{
	json_object *spec = json_object_object_get(running, "Spec"), *to = json_object_new_object();
	int rc = 0;
	if (s->has_n) {
		json_object_object_add(to, "NumInstances", json_object_new_int64(s->n));
	} else {
		json_object *pod = NULL;
		if ((rc = scale_pod(req, cl, p, running, s, &pod, err))) {
			json_object_put(to);
			return rc;
		}
		json_object_object_add(to, "Pod", pod);
	}
	const char *v = req_app(req)->meta_version;
	*plan = podgroups_plan_new(req_app(req)->appname, v, v);
	json_object_array_add(json_object_object_get(*plan, "procs"),
			      podgroups_plan(p->name, spec, to, true));
	json_object_put(to);
	return 0;
}

/* procs[proc][key] = v when procs has proc. */
static void entry_set(json_object *procs, const char *proc, const char *key, int64_t v)
{
	json_object *e = NULL;
	if (json_object_object_get_ex(procs, proc, &e) && json_object_is_type(e, json_type_object))
		json_object_object_add(e, key, json_object_new_int64(v));
}

void scale_entry(json_object *procs, const lain_proc_t *p, const schedule_t *s)
{
	if (s->has_n)
		entry_set(procs, p->name, "num_instances", s->n);
	if (s->has_cpu)
		entry_set(procs, p->name, "cpu", s->cpu);
	if (s->has_mem)
		entry_set(procs, p->name, "memory", s->mem);
}
