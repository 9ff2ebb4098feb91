/*
 * deployd — the client of LAIN's orchestrator (lain-ecosystem.md §1), the
 * calls of console-api.md §4.5.4, plus the pure mapping of its runtime JSON
 * into the Pod/Proc values of spec §1.4.
 *
 * A client (deployd_new) is given deployd's base URL (the cluster's
 * CONSOLE_APISERVER) and its timeouts, which every call has; it keeps its
 * connections alive between calls. Bodies are deployd's PascalCase JSON
 * (json-c objects, the caller's: they are only read here).
 *
 * Results: every call fills a deployd_result_t with what deployd answered
 * and returns
 *   0                  status < 400;
 *   -ERR_UNAVAILABLE   deployd could not be reached ("deployd unavailable: ...");
 *   -ERR_NOT_FOUND     404;  -ERR_INVALID 400;  -ERR_CONFLICT 405, 409, 423;
 *   -ERR_BAD_GATEWAY   any other status >= 400;
 * with a message naming deployd and quoting its own ("deployd refused to
 * create podgroup 'hello.web.web' (405): PodGroup has already existed").
 * The result is filled in every case where deployd answered, so a caller
 * that treats 404 as "already gone" checks res->status.
 */
#ifndef CONSOLE_DEPLOYD_H
#define CONSOLE_DEPLOYD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "console/err.h"
#include "console/httpc.h"

struct json_object;

/* A deployd client is an HTTP client at deployd's base URL (its batches
 * go out through httpm). */
typedef httpc_t deployd_t;

/* A client of the deployd at base_url ("http://deploy.<domain>"; a
 * trailing slash is dropped); timeouts in milliseconds. Never NULL. */
deployd_t *deployd_new(const char *base_url, long timeout_ms, long connect_timeout_ms);
void deployd_free(deployd_t *d);

typedef struct deployd_result {
	long status;                /* HTTP status; 0 when deployd did not answer */
	struct json_object *json;   /* the body parsed (owned), NULL when not JSON or "null" */
	char *message;              /* deployd's "message", else the body text; never NULL after a call */
} deployd_result_t;

#define DEPLOYD_RESULT_INIT { 0, NULL, NULL }

void deployd_result_release(deployd_result_t *res);

/* ---- The gate (spec §1.1). */

/* GET /api/status: *started = the answer was 200 {"status":"started"}.
 * -ERR_UNAVAILABLE when deployd cannot be reached. */
int deployd_status(deployd_t *d, bool *started, err_t *err);

/* The deployd gate of mutating endpoints: 0 when started; -ERR_UNAVAILABLE
 * with "deployd is now in maintain state, please wait for a while" when
 * stopped (or its status answer is not 200), or "deployd unavailable: ..."
 * when it cannot be reached. */
int deployd_gate(deployd_t *d, err_t *err);

/* ---- Podgroups. */

/* POST /api/podgroups with a PodGroupSpec. */
int deployd_podgroup_create(deployd_t *d, struct json_object *spec, deployd_result_t *res,
			    err_t *err);
/* GET /api/podgroups?name=N&force_update=false. */
int deployd_podgroup_get(deployd_t *d, const char *name, deployd_result_t *res, err_t *err);
/* DELETE /api/podgroups?name=N. */
int deployd_podgroup_delete(deployd_t *d, const char *name, deployd_result_t *res, err_t *err);
/* PATCH cmd=replica&num_instances=K (K >= 0, else -ERR_INVALID without a call). */
int deployd_podgroup_replica(deployd_t *d, const char *name, long num_instances,
			     deployd_result_t *res, err_t *err);
/* PATCH cmd=spec with a PodSpec (the group's "Pod", not the group). */
int deployd_podgroup_spec(deployd_t *d, const char *name, struct json_object *pod_spec,
			  deployd_result_t *res, err_t *err);
/* PATCH cmd=operation&optype=start|stop|restart&instance=I (I >= 0; 0 = the
 * whole group). Another optype: -ERR_INVALID without a call (§9.3 #29). */
int deployd_podgroup_operate(deployd_t *d, const char *name, const char *optype, long instance,
			     deployd_result_t *res, err_t *err);

/* ---- Portals (depends): PodSpec bodies. */

int deployd_depends_create(deployd_t *d, struct json_object *pod_spec, deployd_result_t *res,
			   err_t *err);
int deployd_depends_get(deployd_t *d, const char *name, deployd_result_t *res, err_t *err);
int deployd_depends_update(deployd_t *d, struct json_object *pod_spec, deployd_result_t *res,
			   err_t *err);
/* DELETE /api/depends?name=N[&force=true]. */
int deployd_depends_delete(deployd_t *d, const char *name, bool force, deployd_result_t *res,
			   err_t *err);

/* ---- Stream ports and histories. */

/* GET /api/ports. res->json is always an array afterwards when deployd
 * answered 200 (its "null", a Go nil slice, becomes []). */
int deployd_ports_list(deployd_t *d, deployd_result_t *res, err_t *err);
/* POST /api/ports?cmd=validate {"Ports": [...]}: 0 when all are free;
 * -ERR_INVALID with deployd's "Conflicted ports: [...]" otherwise. */
int deployd_ports_validate(deployd_t *d, const long *ports, size_t n, deployd_result_t *res,
			   err_t *err);
/* GET /api/cntstatushistory?name=N&instance=I (a "null" answer becomes []). */
int deployd_history(deployd_t *d, const char *name, long instance, deployd_result_t *res,
		    err_t *err);

/* ---- Many statuses at once (status rendering). */

enum deployd_kind { DEPLOYD_PODGROUP, DEPLOYD_DEPENDS };

typedef struct deployd_fetch {
	enum deployd_kind kind;     /* in */
	const char *name;           /* in: podgroup or portal name */
	bool keep_body;             /* in: keep the answer as received in status/body */
	deployd_result_t res;       /* out */
	int rc;                     /* out: as the single calls */
	err_t err;                  /* out */
	long status;                /* out (keep_body): the answer's HTTP status, 0: none */
	char *body;                 /* out (keep_body): its body (owned, NUL-terminated) */
	size_t body_len;
} deployd_fetch_t;

/*
 * GETs every item's podgroup or depends status concurrently (curl multi;
 * at most 16 connections to deployd at a time, the rest queued), so N
 * statuses take about as long as the slowest one, not their sum. Each item
 * gets its own result. Returns 0 when every item was answered (whatever its
 * status: a 404 is a result), else the first transport failure (also in err),
 * e.g. -ERR_UNAVAILABLE when deployd is down.
 */
int deployd_fetch_many(deployd_t *d, deployd_fetch_t *items, size_t n, err_t *err);
void deployd_fetch_release(deployd_fetch_t *items, size_t n);

/* Fills it (res, rc, err) from an answer of its GET got earlier (status,
 * body[0..len)) exactly as deployd_fetch_many does from the wire: what a
 * shared copy of an answer (podcache.h) is turned back into. */
void deployd_fetch_judge(deployd_fetch_t *it, long status, const char *body, size_t len);

/* ---- Pure mapping of deployd's answers (no I/O; unit-tested). */

/* The result of an answer: status + body -> res (json, message) and the
 * return code/message described at the top. what names the call for the
 * message ("create podgroup 'x'"). */
int deployd_judge(long status, const char *body, size_t len, const char *what,
		  deployd_result_t *res, err_t *err);

/* The Pod object of spec §1.4 from one deployd Pod (its Containers[0]):
 * containerid, containername, containerip, containerport, nodeip,
 * status "True"/"False", uptime (StartedAt in Asia/Shanghai,
 * "YYYY-MM-DD HH:MM:SS", "" when unknown), envs. A new object. */
struct json_object *deployd_render_pod(struct json_object *pod);

/* What a Proc object takes from a podgroup or portal status. */
typedef struct deployd_view {
	struct json_object *pods;   /* new array of Pod objects (the caller's) */
	const char *last_error;     /* borrowed from the status; "" when none */
	bool has_spec;              /* a podgroup with a Spec: the fields below are set */
	long num_instances;
	long cpu;
	int64_t memory;             /* bytes */
	const char *image;          /* borrowed; "" when none */
} deployd_view_t;

/* A podgroup status (GET /api/podgroups): pods, LastError and the spec
 * fields. A portal status (GET /api/depends, Pods a map namespace -> list):
 * pods flattened across namespaces (only client_ns when not NULL),
 * last_error from the last pod seen, has_spec false. */
void deployd_view(struct json_object *status, enum deployd_kind kind, const char *client_ns,
		  deployd_view_t *out);

/* ---- The health gate of a change (issue 13; deployd_health.c, pure). */

enum deployd_health { DEPLOYD_STARTING, DEPLOYD_HEALTHY, DEPLOYD_FAILED };

/*
 * A podgroup status (GET /api/podgroups) judged for a change that waits:
 *   HEALTHY   exactly Spec.NumInstances pods, every one of the spec's
 *             version (its container's cc.bdp.lain.deployd.version label
 *             is Spec.Pod.Version; without labels, its image is the
 *             spec's), running, and not starting or failing a health
 *             check (Healthst 0 or 2);
 *   FAILED    a pod of that version exited (its container stopped while
 *             the pod is meant to run), restarted (its RestartCount is above
 *             the one seen holds for that container: 0 for one not in it),
 *             or is unhealthy (Healthst 3, or State.Health.Status
 *             "unhealthy");
 *   STARTING  anything else (pods not replaced yet, not started, ...).
 * why (len bytes) says it in words: "1 of 2 pods running", "pod 2 exited
 * with code 1", "pod 1 restarted 3 times", "pod 1 is unhealthy".
 */
enum deployd_health deployd_health(struct json_object *status, struct json_object *seen,
				   char *why, size_t len);

/* Adds to seen (an object: container id -> its pod's RestartCount) every
 * started container of status: the counts before a change. */
void deployd_health_seen(struct json_object *status, struct json_object *seen);

/* "2018-04-23T03:12:45.123456789Z" (or with an offset) -> the same moment in
 * Asia/Shanghai (UTC+8, no DST) as "2018-04-23 11:12:45". -ERR_INVALID on
 * anything else. */
int deployd_uptime(const char *rfc3339, char out[20]);

#endif
