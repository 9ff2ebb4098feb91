/*
 * podgroups — one proc's spec put at deployd (spec §4.5.3), as a deploy run
 * (deployer.h) sends it, or only compared with what deployd runs (a dry
 * run's plan, issue 13). Internal to app/api.
 *
 * A podgroup is created (all its stream ports checked first) or, when it
 * exists, its Pod PATCHed (cmd=spec) keeping the running CpuLimit,
 * MemoryLimit, Labels and HealthConfig (its new stream ports checked
 * first); a portal is PUT or POSTed to /api/depends. A release's entry
 * (pin) makes its image, instances, cpu and memory win: a rollback.
 */
#ifndef CONSOLE_API_PODGROUPS_H
#define CONSOLE_API_PODGROUPS_H

#include <stdbool.h>
#include <stdint.h>

#include "console/buf.h"
#include "console/deployd.h"
#include "console/lainyaml.h"

struct json_object;

typedef struct proc_put {
	/* In. */
	const lain_proc_t *p;
	struct json_object *spec;   /* built for p (spec.h): a PodGroupSpec, a portal's PodSpec;
	                               borrowed, and changed (the running limits) */
	struct json_object *pin;    /* a release's entry of p: its num_instances, cpu and memory
	                               win (its image is in spec already); NULL: lain.yaml's */
	bool dry_run;               /* nothing is sent: plan is filled */
	bool skip_unchanged;        /* an existing podgroup whose Pod would not change gets no
	                               cmd=spec (a rollback restores; it does not restart) */
	struct json_object *seen;   /* the running containers' restart counts go here before a
	                               change (deployd_health_seen); may be NULL */
	/* Between two calls to one podgroup (deployd's 423 while the first is
	 * in progress): keeps the caller's locks alive. May be NULL. */
	int (*keepalive)(void *data, err_t *err);
	void *keepalive_data;

	/* Out. */
	bool changed;               /* a podgroup got create, cmd=spec or cmd=replica */
	long num_instances;         /* what it runs afterwards (a portal: lain.yaml's) */
	long cpu;
	int64_t memory;
	struct json_object *plan;   /* dry run: {"name", "action": "create" | "update" |
	                               "unchanged", "changes": plandiff.h's} (the caller's) */
} proc_put_t;

/* Puts (or plans) pp->p. A failure is added to report as "    <proc>:\n
 * status_code: <c>\n        message: <m>\n" (podgroups_report) and
 * returned with err. */
int podgroups_put(deployd_t *dd, proc_put_t *pp, buf_t *report, err_t *err);

/* A plan's entry of proc name: {"name", "action": "create" (!exists) |
 * "update" | "unchanged", "changes": plandiff(from, to)} (a new object). */
struct json_object *podgroups_plan(const char *name, struct json_object *from,
				   struct json_object *to, bool exists);

/* A new plan (issue 13's dry runs): {"app", "from_version", "to_version",
 * "procs": [], "resource_instances": [], "config_images": []}. */
struct json_object *podgroups_plan_new(const char *app, const char *from_version,
				       const char *to_version);

/* A proc's failure in a deploy report. */
void podgroups_report(buf_t *report, const char *proc, long status, const err_t *err);

#endif
