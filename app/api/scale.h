/*
 * scale — the schedule of one proc (E10 PATCH, operation "schedule", spec
 * §1.3, §3.7): num_instances (cmd=replica), or cpu and memory (cmd=spec
 * with deployd's own Pod, its Labels and HealthConfig kept, §9.3 #16), and
 * a dry run's plan of it (issue 13). The canary keys are canary.h's.
 * Internal to app/api.
 */
#ifndef CONSOLE_API_SCALE_H
#define CONSOLE_API_SCALE_H

#include <stdbool.h>
#include <stdint.h>

#include "console/cluster.h"
#include "console/deployd.h"
#include "console/http.h"
#include "console/lainyaml.h"

struct json_object;

/* The largest num_instances and instance number taken (no cluster runs
 * more), and the largest cpu (deployd's CpuLimit in cores). */
#define SCALE_MAX_INSTANCES 100000
#define SCALE_MAX_CPU 1024

/* num_instances / cpu / memory of a schedule PATCH, validated. */
typedef struct schedule {
	bool has_n, has_cpu, has_mem;
	long n, cpu;
	int64_t mem;
	bool canary;               /* none of them, but canary_proc or canary_policy_group */
} schedule_t;

/* body's schedule into *s: NULL when valid, else the 400's message
 * ("invalid parameter: cpu (x) should be integer", "missing parameters:
 * num_instances OR cpu OR memory", "scale num_instances should be a
 * separate operation"). */
const char *scale_parse(request_t *req, struct json_object *body, schedule_t *s);

/* Applies s to p (running: its podgroup status) with its oplog row:
 * cmd=replica, or cmd=spec with the new limits and the deploy env. */
int scale_apply(request_t *req, const cluster_t *cl, const lain_proc_t *p, const schedule_t *s,
		struct json_object *running, deployd_result_t *r, err_t *err);

/* The plan of s (a new object, podgroups.h's shape): nothing sent. */
int scale_plan(request_t *req, const cluster_t *cl, const lain_proc_t *p, const schedule_t *s,
	       struct json_object *running, struct json_object **plan, err_t *err);

/* A release's procs after s: p's entry with its new instances or limits. */
void scale_entry(struct json_object *procs, const lain_proc_t *p, const schedule_t *s);

#endif
