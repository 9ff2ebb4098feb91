/* Whether the pods of a change came up; see deployd.h (the health gate). */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "console/deployd.h"
#include "console/banned.h"

/* deployd's values (lain-ecosystem.md §1.5). */
#define HEALTH_STARTING 1
#define HEALTH_UNHEALTHY 3
#define RUN_EXIT 3
#define TARGET_RUN 0
#define VERSION_LABEL "cc.bdp.lain.deployd.version"

static json_object *get(json_object *o, const char *k)
{
	json_object *v = NULL;
	if (!json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, k, &v))
		return NULL;
	return v;
}

static int64_t num(json_object *o, const char *k)
{
	json_object *v = get(o, k);
	return v ? json_object_get_int64(v) : 0;
}

static const char *str(json_object *o, const char *k)
{
	json_object *v = get(o, k);
	return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "";
}

static void say(char *why, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
}

static json_object *container0(json_object *pod)
{
	json_object *cs = get(pod, "Containers");
	return json_object_is_type(cs, json_type_array) && json_object_array_length(cs)
		       ? json_object_array_get_idx(cs, 0)
		       : NULL;
}

/* Whether the pod runs the spec's version (pod_spec: Spec.Pod). */
static bool current(json_object *pod, json_object *pod_spec)
{
	json_object *rt = get(container0(pod), "Runtime");
	json_object *labels = get(get(rt, "Config"), "Labels");
	json_object *v = get(labels, VERSION_LABEL);
	if (v) {
		char want[24];
		snprintf(want, sizeof(want), "%" PRId64, num(pod_spec, "Version"));
		return !strcmp(json_object_get_string(v), want);
	}
	const char *image = str(get(rt, "Config"), "Image");
	json_object *cs = get(pod_spec, "Containers");
	json_object *c = json_object_is_type(cs, json_type_array) ? json_object_array_get_idx(cs, 0)
								   : NULL;
	return *image && !strcmp(image, str(c, "Image"));
}

enum deployd_health deployd_health(json_object *status, json_object *seen, char *why, size_t len)
{
	json_object *spec = get(status, "Spec"), *pod_spec = get(spec, "Pod");
	json_object *pods = get(status, "Pods");
	int64_t want = num(spec, "NumInstances");
	size_t n = json_object_is_type(pods, json_type_array) ? json_object_array_length(pods) : 0;
	size_t running = 0;
	bool all_current = true;
	for (size_t i = 0; i < n; i++) {
		json_object *pod = json_object_array_get_idx(pods, i);
		json_object *c = container0(pod), *state = get(get(c, "Runtime"), "State");
		int64_t instance = num(pod, "InstanceNo");
		if (!current(pod, pod_spec)) {
			all_current = false;
			continue;
		}
		const char *id = str(c, "Id");
		json_object *before = *id ? get(seen, id) : NULL;
		int64_t restarts = num(pod, "RestartCount") - (before ? json_object_get_int64(before) : 0);
		bool is_running = json_object_get_boolean(get(state, "Running"));
		if (restarts > 0) {
			say(why, len, "pod %" PRId64 " restarted %" PRId64 " time%s", instance, restarts,
			    restarts == 1 ? "" : "s");
			return DEPLOYD_FAILED;
		}
		if (*id && !is_running && num(pod, "TargetState") == TARGET_RUN &&
		    (num(pod, "State") == RUN_EXIT || !strcmp(str(state, "Status"), "exited"))) {
			say(why, len, "pod %" PRId64 " exited with code %" PRId64, instance,
			    num(state, "ExitCode"));
			return DEPLOYD_FAILED;
		}
		if (num(pod, "Healthst") == HEALTH_UNHEALTHY ||
		    !strcmp(str(get(state, "Health"), "Status"), "unhealthy")) {
			say(why, len, "pod %" PRId64 " is unhealthy", instance);
			return DEPLOYD_FAILED;
		}
		if (is_running && num(pod, "Healthst") != HEALTH_STARTING)
			running++;
	}
	if (all_current && (int64_t)n == want && (int64_t)running == want) {
		say(why, len, "%zu of %" PRId64 " pods running", running, want);
		return DEPLOYD_HEALTHY;
	}
	say(why, len, "%zu of %" PRId64 " pods running", running, want);
	return DEPLOYD_STARTING;
}

void deployd_health_seen(json_object *status, json_object *seen)
{
	json_object *pods = get(status, "Pods");
	size_t n = json_object_is_type(pods, json_type_array) ? json_object_array_length(pods) : 0;
	for (size_t i = 0; i < n; i++) {
		json_object *pod = json_object_array_get_idx(pods, i);
		const char *id = str(container0(pod), "Id");
		if (*id)
			json_object_object_add(seen, id, json_object_new_int64(num(pod, "RestartCount")));
	}
}
