/* Dry runs, waits and the health gate of a change; see gate.h. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "console/clock.h"
#include "console/deployd.h"
#include "console/log.h"
#include "console/strx.h"
#include "console/xalloc.h"
#include "answer.h"
#include "gate.h"
#include "history.h"
#include "peers.h"
#include "rollback.h"
#include "console/banned.h"

/* The first reads come sooner (a deploy to the stand-in is up in a quarter
 * of a second), then every GATE_POLL_MS. */
#define FIRST_POLL_MS 250
/* Healthy must hold this long (a container that dies right after it
 * started is caught). */
#define STABLE_MS 2000

/* ---- the options */

/* The body's key, else the query's (*v; NULL: neither). -1 when the body's
 * is there but not of type. */
static int option(request_t *req, const char *key, json_type type, json_object **jv,
		  const char **qv)
{
	*jv = NULL;
	*qv = NULL;
	if (req->json && json_object_is_type(req->json, json_type_object) &&
	    json_object_object_get_ex(req->json, key, jv))
		return json_object_is_type(*jv, type) ? 0 : -1;
	*qv = http_query(req, key);
	return 0;
}

static int bad(request_t *req, response_t *res, const char *fmt, const char *v)
{
	return api_fail(req, res, -ERR_INVALID, NULL, NULL, fmt, v ? v : "");
}

int gate_parse(request_t *req, response_t *res, change_opts_t *o)
{
	*o = (change_opts_t){ .timeout = GATE_TIMEOUT_DEFAULT };
	const char *dry = http_query(req, "dry_run"), *qv;
	json_object *jv;
	if (dry && !strcmp(dry, "1"))
		o->dry_run = true;
	else if (dry && strcmp(dry, "0"))
		return bad(req, res, "invalid dry_run %s: should be 1 or 0", dry);

	if (option(req, "wait", json_type_string, &jv, &qv))
		return bad(req, res, "invalid wait %s: should be \"healthy\"",
			   json_object_to_json_string(jv));
	const char *wait = jv ? json_object_get_string(jv) : qv;
	if (wait && strcmp(wait, "healthy"))
		return bad(req, res, "invalid wait %s: should be \"healthy\"", wait);
	o->wait = wait != NULL;

	if (option(req, "timeout", json_type_int, &jv, &qv))
		return bad(req, res, "invalid timeout %s: should be an integer of seconds, 1 to 600",
			   json_object_to_json_string(jv));
	bool extra = jv || qv;
	if (jv) {
		o->timeout = (long)json_object_get_int64(jv);
		if (o->timeout < 1 || o->timeout > GATE_TIMEOUT_MAX)
			return bad(req, res,
				   "invalid timeout %s: should be an integer of seconds, 1 to 600",
				   json_object_to_json_string(jv));
	} else if (qv && strx_to_long(qv, 1, GATE_TIMEOUT_MAX, &o->timeout)) {
		return bad(req, res, "invalid timeout %s: should be an integer of seconds, 1 to 600",
			   qv);
	}

	if (option(req, "on_failure", json_type_string, &jv, &qv))
		return bad(req, res, "invalid on_failure %s: should be \"rollback\" or \"keep\"",
			   json_object_to_json_string(jv));
	const char *of = jv ? json_object_get_string(jv) : qv;
	if (of && strcmp(of, "rollback") && strcmp(of, "keep"))
		return bad(req, res, "invalid on_failure %s: should be \"rollback\" or \"keep\"", of);
	o->keep = of && !strcmp(of, "keep");
	if (!o->wait && (extra || of))
		return bad(req, res, "timeout and on_failure go with \"wait\": \"healthy\"%s", "");
	if (o->wait && o->dry_run)
		return bad(req, res, "a dry run does not wait: dry_run and wait go apart%s", "");
	return 0;
}

/* ---- the wait */

static void sleep_ms(long long ms)
{
	if (ms <= 0)
		return;
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* One look at every changed podgroup: DEPLOYD_HEALTHY when all are,
 * DEPLOYD_FAILED when one failed, else DEPLOYD_STARTING; why names the
 * proc ("web: 1 of 2 pods running"). */
static enum deployd_health look(deploy_run_t *run, deployd_fetch_t *items, size_t n, char *why,
				size_t len)
{
	err_t ferr = ERR_INIT;
	deployd_fetch_release(items, n);
	for (size_t i = 0; i < n; i++)
		items[i].kind = DEPLOYD_PODGROUP;
	if (deployd_fetch_many(peers_deployd(run->req->ctx, run->cl), items, n, &ferr)) {
		snprintf(why, len, "%s", ferr.msg);
		return DEPLOYD_STARTING;
	}
	enum deployd_health all = DEPLOYD_HEALTHY;
	for (size_t i = 0; i < n; i++) {
		const char *proc = json_object_get_string(
			json_object_object_get(json_object_array_get_idx(run->changed, i), "proc"));
		char w[200] = "";
		enum deployd_health h;
		if (items[i].rc) {
			snprintf(w, sizeof(w), "%s", items[i].err.msg);
			h = DEPLOYD_STARTING;
		} else {
			h = deployd_health(items[i].res.json, run->seen, w, sizeof(w));
		}
		if (h == DEPLOYD_HEALTHY)
			continue;
		/* The first proc that is not healthy is named, a failed one always. */
		if (h == DEPLOYD_FAILED || all == DEPLOYD_HEALTHY)
			snprintf(why, len, "%s: %s", proc, w);
		if (h == DEPLOYD_FAILED)
			return h;
		all = DEPLOYD_STARTING;
	}
	return all;
}

/* 0 when run's changed procs became healthy (and stayed so STABLE_MS)
 * within timeout seconds, 1 when not (why), else a failure (the lock). */
static int wait_healthy(deploy_run_t *run, long timeout, char *why, size_t len, err_t *err)
{
	size_t n = json_object_array_length(run->changed);
	if (!n)
		return 0;
	deployd_fetch_t *items = xcalloc(n, sizeof(*items));
	for (size_t i = 0; i < n; i++)
		items[i].name = json_object_get_string(
			json_object_object_get(json_object_array_get_idx(run->changed, i), "podgroup"));
	long long start = clock_mono_ms(), deadline = start + timeout * 1000LL, healthy_since = 0;
	long long interval = FIRST_POLL_MS;
	int rc;
	for (;;) {
		if ((rc = deployer_keepalive(run, err)))
			break;
		enum deployd_health h = look(run, items, n, why, len);
		long long now = clock_mono_ms();
		if (h == DEPLOYD_FAILED) {
			rc = 1;
			break;
		}
		if (h == DEPLOYD_HEALTHY) {
			if (!healthy_since)
				healthy_since = now;
			if (now - healthy_since >= STABLE_MS || now >= deadline) {
				rc = 0;
				break;
			}
		} else {
			healthy_since = 0;
		}
		if (now >= deadline) {
			size_t l = strlen(why);
			snprintf(why + l, len - l, " after %ld s", timeout);
			rc = 1;
			break;
		}
		long long next = healthy_since ? healthy_since + STABLE_MS : now + interval;
		sleep_ms((next < deadline ? next : deadline) - now);
		interval = interval * 2 < GATE_POLL_MS ? interval * 2 : GATE_POLL_MS;
	}
	deployd_fetch_release(items, n);
	free(items);
	return rc;
}

/* The release settled; a failure to write it is logged (the outcome is
 * answered all the same). */
static void settle(deploy_run_t *run, release_t *rel, enum release_state state,
		   const char *error)
{
	err_t e = ERR_INIT;
	if (rel && history_settle(run->req, rel, state, error, &e))
		http_log(run->req, LOG_ERROR, "release %" PRId64 " of %s stays %s: %s", rel->id,
			 run->name, release_state_name(rel->state), e.msg);
}

int gate_wait(deploy_run_t *run, const change_opts_t *o, err_t *err)
{
	request_t *req = run->req;
	char why[512] = "";
	if (!run->release)
		return 0; /* not recorded (logged): nothing to settle or roll back */
	int rc = wait_healthy(run, o->timeout, why, sizeof(why), err);
	if (rc < 0)
		return rc;
	if (!rc) {
		settle(run, run->release, RELEASE_SUCCEEDED, NULL);
		return 0;
	}
	http_log(req, LOG_WARN, "%s is not healthy: %s", run->name, why);
	release_t *target = NULL;
	if (!o->keep && (rc = history_last_good(req, run->name, run->release->id, &target, err)))
		return rc;
	if (o->keep || !target) {
		run->failure = arena_printf(req->arena, "%s%s", why,
					    o->keep ? "" : "; no earlier release to roll back to");
		settle(run, run->release, RELEASE_FAILED, run->failure);
		return 0;
	}
	deploy_run_t *back = NULL;
	if ((rc = rollback_after(run, target, why, &back, err)))
		return rc;
	if (back->failure) {
		run->failure = arena_printf(req->arena, "%s; rollback to release %" PRId64
					    " failed:\n%s", why, target->id, back->failure);
		settle(run, run->release, RELEASE_FAILED, run->failure);
		return 0;
	}
	/* run->release is rolled_back (written with the rollback's release). */
	char why2[512] = "";
	rc = wait_healthy(back, o->timeout, why2, sizeof(why2), err);
	if (rc < 0)
		return rc;
	settle(back, back->release, rc ? RELEASE_FAILED : RELEASE_SUCCEEDED, rc ? why2 : NULL);
	run->failure = arena_printf(req->arena, "%s; rolled back to release %" PRId64 "%s%s", why,
				    target->id, rc ? "; the rollback is not healthy either: " : "",
				    rc ? why2 : "");
	run->app = back->app;
	return 0;
}

int gate_answer(deploy_run_t *run, response_t *res, int status, json_object *payload,
		const char *msg)
{
	json_object *rel = run->release ? json_object_get(run->release->obj) : NULL;
	if (run->failure) {
		json_object_put(payload);
		return api_answer_more(run->req, res, err_http_status(-ERR_NOT_ACCEPTABLE), NULL,
				       NULL, "release", rel, NULL, "%s", run->failure);
	}
	return api_answer_more(run->req, res, status, NULL, payload, "release", rel, NULL, "%s",
			       msg);
}

int gate_answer_plan(deploy_run_t *run, response_t *res)
{
	return api_answer_more(run->req, res, 200, "plan", json_object_get(run->plan), NULL, NULL,
			       NULL, "");
}
