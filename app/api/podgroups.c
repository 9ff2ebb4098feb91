/* One proc put at deployd, or planned; see podgroups.h. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "console/plandiff.h"
#include "podgroups.h"
#include "console/xalloc.h"
#include "console/banned.h"

/* deployd's operation lock (423) after a first call to a podgroup: tried
 * again this often, at most this many times. */
#define LOCKED_RETRY_MS 250
#define LOCKED_TRIES 240

void podgroups_report(buf_t *report, const char *proc, long status, const err_t *err)
{
	buf_addf(report, "    %s:\n        status_code: %ld\n        message: %s\n", proc, status,
		 err->msg);
}

static json_object *get(json_object *o, const char *k)
{
	json_object *v = NULL;
	if (!json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, k, &v))
		return NULL;
	return v;
}

/* Whether the running Pod's Annotation (a JSON string) has srcport in its
 * stream "ports". */
static bool running_port(json_object *status, long srcport)
{
	json_object *ann = get(get(get(status, "Spec"), "Pod"), "Annotation");
	if (!json_object_is_type(ann, json_type_string))
		return false;
	json_object *a = json_tokener_parse(json_object_get_string(ann)), *ports;
	bool found = false;
	if (a && json_object_object_get_ex(a, "ports", &ports) &&
	    json_object_is_type(ports, json_type_array))
		for (size_t i = 0; i < json_object_array_length(ports) && !found; i++) {
			json_object *sp;
			if (json_object_object_get_ex(json_object_array_get_idx(ports, i), "srcport",
						      &sp))
				found = json_object_get_int64(sp) == srcport;
		}
	json_object_put(a);
	return found;
}

/* Stream ports of a proc that must be free (§4.5.3, §9.3 #17): all of them
 * for a new podgroup, those its running Pod does not have yet for an
 * existing one (running: its status, else NULL). Every one is checked, as
 * many as lain.yaml gave (issue 14 #16: a fixed array once dropped all past
 * the 64th). */
static int validate_ports(deployd_t *dd, const lain_proc_t *p, json_object *running, buf_t *report,
			  err_t *err)
{
	if (!p->n_stream_ports)
		return 0;
	long *ports = xcalloc(p->n_stream_ports, sizeof(*ports));
	size_t n = 0;
	int rc = 0;
	for (size_t i = 0; i < p->n_stream_ports; i++)
		if (!running || !running_port(running, p->stream_ports[i].srcport))
			ports[n++] = p->stream_ports[i].srcport;
	if (n) {
		deployd_result_t r = DEPLOYD_RESULT_INIT;
		rc = deployd_ports_validate(dd, ports, n, &r, err);
		if (rc)
			podgroups_report(report, p->name, r.status, err);
		deployd_result_release(&r);
	}
	free(ports);
	return rc;
}

/* What an existing podgroup keeps over a new Pod (§3.7, §4.5.3): the
 * running container's CpuLimit/MemoryLimit (scaling is sticky), its Labels
 * (lain.yaml's own labels win) and its HealthConfig unless lain.yaml gives
 * one. NumInstances is not in a Pod: cmd=spec never touches it. */
static void keep_running(json_object *pod, json_object *status)
{
	json_object *run = get(get(status, "Spec"), "Pod");
	if (!run)
		return;
	json_object *rc = json_object_array_get_idx(get(run, "Containers"), 0);
	json_object *nc = get(pod, "Containers");
	for (size_t i = 0; rc && nc && i < json_object_array_length(nc); i++) {
		json_object *c = json_object_array_get_idx(nc, i), *v;
		if ((v = get(rc, "CpuLimit")))
			json_object_object_add(c, "CpuLimit", json_object_get(v));
		if ((v = get(rc, "MemoryLimit")))
			json_object_object_add(c, "MemoryLimit", json_object_get(v));
	}
	json_object *old_labels = get(run, "Labels"), *labels = get(pod, "Labels");
	if (json_object_is_type(old_labels, json_type_object) &&
	    json_object_is_type(labels, json_type_object)) {
		json_object *merged = json_object_new_object();
		json_object_object_foreach(old_labels, k1, v1)
			json_object_object_add(merged, k1, json_object_get(v1));
		json_object_object_foreach(labels, k2, v2)
			json_object_object_add(merged, k2, json_object_get(v2));
		json_object_object_add(pod, "Labels", merged);
	}
	json_object *old_hc = get(run, "HealthConfig"), *hc = get(pod, "HealthConfig");
	if (old_hc && (!hc || (json_object_is_type(hc, json_type_object) &&
			       !json_object_object_length(hc))))
		json_object_object_add(pod, "HealthConfig", json_object_get(old_hc));
}

/* A release's cpu and memory on every container of pod. */
static void pin_limits(json_object *pod, json_object *pin)
{
	json_object *cs = get(pod, "Containers"), *cpu = get(pin, "cpu"), *mem = get(pin, "memory");
	for (size_t i = 0; cs && i < json_object_array_length(cs); i++) {
		json_object *c = json_object_array_get_idx(cs, i);
		if (cpu)
			json_object_object_add(c, "CpuLimit", json_object_get(cpu));
		if (mem)
			json_object_object_add(c, "MemoryLimit", json_object_get(mem));
	}
}

static void outcome(proc_put_t *pp, json_object *pod, long n)
{
	json_object *c = json_object_array_get_idx(get(pod, "Containers"), 0);
	pp->num_instances = n;
	pp->cpu = (long)json_object_get_int64(get(c, "CpuLimit"));
	pp->memory = json_object_get_int64(get(c, "MemoryLimit"));
}

json_object *podgroups_plan(const char *name, json_object *from, json_object *to, bool exists)
{
	json_object *changes = plandiff(from, to), *plan = json_object_new_object();
	json_object_object_add(plan, "name", json_object_new_string(name));
	json_object_object_add(plan, "action",
			       json_object_new_string(!exists ? "create"
						      : json_object_array_length(changes) ? "update"
											  : "unchanged"));
	json_object_object_add(plan, "changes", changes);
	return plan;
}

json_object *podgroups_plan_new(const char *app, const char *from_version,
				const char *to_version)
{
	json_object *plan = json_object_new_object();
	json_object_object_add(plan, "app", json_object_new_string(app));
	json_object_object_add(plan, "from_version", json_object_new_string(from_version));
	json_object_object_add(plan, "to_version", json_object_new_string(to_version));
	json_object_object_add(plan, "procs", json_object_new_array());
	json_object_object_add(plan, "resource_instances", json_object_new_array());
	json_object_object_add(plan, "config_images", json_object_new_array());
	return plan;
}

static void plan_of(proc_put_t *pp, json_object *from, json_object *to, bool exists)
{
	pp->plan = podgroups_plan(pp->p->name, from, to, exists);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* cmd=replica, tried again while deployd still holds the podgroup for the
 * call before (423): it answers as soon as that one is done. */
static int replica(deployd_t *dd, proc_put_t *pp, long n, deployd_result_t *r, err_t *err)
{
	for (int i = 0;; i++) {
		deployd_result_release(r);
		int rc = deployd_podgroup_replica(dd, pp->p->podname, n, r, err);
		if (rc != -ERR_CONFLICT || r->status != 423 || i == LOCKED_TRIES)
			return rc;
		if (pp->keepalive && (rc = pp->keepalive(pp->keepalive_data, err)))
			return rc;
		sleep_ms(LOCKED_RETRY_MS);
	}
}

/* A podgroup: created, or its Pod PATCHed (and its instances set, pinned). */
static int put_podgroup(deployd_t *dd, proc_put_t *pp, deployd_result_t *r, buf_t *report,
			bool *reported, err_t *err)
{
	const lain_proc_t *p = pp->p;
	json_object *spec = pp->spec, *pod = get(spec, "Pod"), *pin_n = get(pp->pin, "num_instances");
	int rc = deployd_podgroup_get(dd, p->podname, r, err);
	if (rc && rc != -ERR_NOT_FOUND)
		return rc;
	bool exists = !rc;
	json_object *running = exists ? json_object_get(r->json) : NULL;
	json_object *run_spec = get(running, "Spec");
	deployd_result_release(r);
	if (exists)
		keep_running(pod, running);
	if (pp->pin)
		pin_limits(pod, pp->pin);
	long run_n = (long)json_object_get_int64(get(run_spec, "NumInstances"));
	long want_n = pin_n ? (long)json_object_get_int64(pin_n)
			    : exists ? run_n : (long)json_object_get_int64(get(spec, "NumInstances"));
	json_object_object_add(spec, "NumInstances", json_object_new_int64(want_n));
	outcome(pp, pod, want_n);
	json_object *pod_changes = exists ? plandiff(get(run_spec, "Pod"), pod) : NULL;
	bool pod_same = exists && !json_object_array_length(pod_changes);
	json_object_put(pod_changes);
	if (pp->dry_run) {
		plan_of(pp, run_spec, spec, exists);
		json_object_put(running);
		return 0;
	}
	if (pp->seen && running)
		deployd_health_seen(running, pp->seen);
	rc = validate_ports(dd, p, running, report, err);
	json_object_put(running);
	if ((*reported = rc != 0))
		return rc;
	if (!exists) {
		pp->changed = true;
		return deployd_podgroup_create(dd, spec, r, err);
	}
	if (!pod_same || !pp->skip_unchanged) {
		pp->changed = true;
		if ((rc = deployd_podgroup_spec(dd, p->podname, pod, r, err)))
			return rc;
	}
	if (want_n == run_n)
		return 0;
	pp->changed = true;
	return replica(dd, pp, want_n, r, err);
}

/* A portal: PUT to /api/depends when it exists, else POST. */
static int put_portal(deployd_t *dd, proc_put_t *pp, deployd_result_t *r, err_t *err)
{
	json_object *spec = pp->spec;
	const char *name = json_object_get_string(get(spec, "Name"));
	int rc = deployd_depends_get(dd, name, r, err);
	outcome(pp, spec, pp->p->num_instances);
	if (pp->dry_run) {
		if (rc && rc != -ERR_NOT_FOUND)
			return rc;
		json_object *from = json_object_new_object(), *to = json_object_new_object();
		json_object_object_add(from, "Pod", rc ? NULL : json_object_get(get(r->json, "Spec")));
		json_object_object_add(to, "Pod", json_object_get(spec));
		plan_of(pp, rc ? NULL : from, to, !rc);
		json_object_put(from);
		json_object_put(to);
		deployd_result_release(r);
		return 0;
	}
	deployd_result_release(r);
	if (!rc)
		return deployd_depends_update(dd, spec, r, err);
	return rc == -ERR_NOT_FOUND ? deployd_depends_create(dd, spec, r, err) : rc;
}

int podgroups_put(deployd_t *dd, proc_put_t *pp, buf_t *report, err_t *err)
{
	deployd_result_t r = DEPLOYD_RESULT_INIT;
	bool reported = false;
	int rc = pp->p->type == LAIN_PORTAL ? put_portal(dd, pp, &r, err)
					    : put_podgroup(dd, pp, &r, report, &reported, err);
	if (rc && !reported)
		podgroups_report(report, pp->p->name, r.status, err);
	deployd_result_release(&r);
	return rc;
}
