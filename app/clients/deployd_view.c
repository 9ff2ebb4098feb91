/* The pure half of deployd.h: deployd's runtime JSON -> spec §1.4 values. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "console/deployd.h"
#include "console/banned.h"

/* obj.k1.k2... (NULL-terminated path) or NULL. */
static json_object *dig(json_object *obj, ...)
{
	va_list ap;
	va_start(ap, obj);
	const char *k;
	while (obj && (k = va_arg(ap, const char *))) {
		if (!json_object_is_type(obj, json_type_object) ||
		    !json_object_object_get_ex(obj, k, &obj))
			obj = NULL;
	}
	va_end(ap);
	return obj;
}

static const char *str_or(json_object *v, const char *dflt)
{
	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : dflt;
}

static int two(const char *s, int *out)
{
	if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
		return -1;
	*out = (s[0] - '0') * 10 + (s[1] - '0');
	return 0;
}

int deployd_uptime(const char *s, char out[20])
{
	struct tm tm = { 0 };
	int year = 0, mon, day, hh, mm, ss, y1, y2;
	out[0] = '\0';
	if (!s || strlen(s) < 20 || two(s, &y1) || two(s + 2, &y2) || s[4] != '-' ||
	    two(s + 5, &mon) || s[7] != '-' || two(s + 8, &day) || s[10] != 'T' ||
	    two(s + 11, &hh) || s[13] != ':' || two(s + 14, &mm) || s[16] != ':' ||
	    two(s + 17, &ss))
		return -ERR_INVALID;
	year = y1 * 100 + y2;
	const char *p = s + 19;
	if (*p == '.') {
		p++;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	long offset = 0;
	if (*p == 'Z' && !p[1]) {
		offset = 0;
	} else if ((*p == '+' || *p == '-') && strlen(p) == 6 && p[3] == ':') {
		int oh, om;
		if (two(p + 1, &oh) || two(p + 4, &om))
			return -ERR_INVALID;
		offset = (oh * 3600L + om * 60L) * (*p == '-' ? -1 : 1);
	} else {
		return -ERR_INVALID;
	}
	if (mon < 1 || mon > 12 || day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60)
		return -ERR_INVALID;
	/* Docker's "never started": 0001-01-01T00:00:00Z. */
	if (year < 1970)
		return -ERR_INVALID;
	tm.tm_year = year - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = day;
	tm.tm_hour = hh;
	tm.tm_min = mm;
	tm.tm_sec = ss;
	time_t t = timegm(&tm) - offset + 8 * 3600; /* Asia/Shanghai: UTC+8, no DST */
	struct tm local;
	if (!gmtime_r(&t, &local))
		return -ERR_INVALID;
	strftime(out, 20, "%Y-%m-%d %H:%M:%S", &local);
	return 0;
}

json_object *deployd_render_pod(json_object *pod)
{
	json_object *o = json_object_new_object();
	json_object *cs = dig(pod, "Containers", NULL);
	json_object *c = cs && json_object_is_type(cs, json_type_array) &&
				 json_object_array_length(cs) > 0
			 ? json_object_array_get_idx(cs, 0)
			 : NULL;
	json_object *rt = dig(c, "Runtime", NULL);

	json_object_object_add(o, "containerid", json_object_new_string(str_or(dig(c, "Id", NULL), "")));
	json_object_object_add(o, "containername",
			       json_object_new_string(str_or(dig(rt, "Name", NULL), "")));
	json_object_object_add(o, "containerip",
			       json_object_new_string(str_or(dig(c, "ContainerIp", NULL), "")));
	json_object *port = dig(c, "ContainerPort", NULL);
	json_object_object_add(o, "containerport",
			       json_object_new_int64(port ? json_object_get_int64(port) : 0));
	json_object_object_add(o, "nodeip", json_object_new_string(str_or(dig(c, "NodeIp", NULL), "")));
	json_object *running = dig(rt, "State", "Running", NULL);
	/* Python's str(bool): lain-cli compares with "True". */
	json_object_object_add(o, "status", json_object_new_string(
		running && json_object_get_boolean(running) ? "True" : "False"));
	char up[20];
	deployd_uptime(str_or(dig(rt, "State", "StartedAt", NULL), NULL), up);
	json_object_object_add(o, "uptime", json_object_new_string(up));
	json_object *env = dig(rt, "Config", "Env", NULL);
	json_object_object_add(o, "envs", env && json_object_is_type(env, json_type_array)
						  ? json_object_get(env)
						  : json_object_new_array());
	return o;
}

static void add_pods(json_object *list, json_object *pods, deployd_view_t *out)
{
	if (!pods || !json_object_is_type(pods, json_type_array))
		return;
	for (size_t i = 0; i < json_object_array_length(pods); i++) {
		json_object *p = json_object_array_get_idx(pods, i);
		json_object_array_add(list, deployd_render_pod(p));
		out->last_error = str_or(dig(p, "LastError", NULL), out->last_error);
	}
}

void deployd_view(json_object *status, enum deployd_kind kind, const char *client_ns,
		  deployd_view_t *out)
{
	memset(out, 0, sizeof(*out));
	out->pods = json_object_new_array();
	out->last_error = "";
	out->image = "";
	json_object *pods = dig(status, "Pods", NULL);
	if (kind == DEPLOYD_DEPENDS) {
		if (pods && json_object_is_type(pods, json_type_object)) {
			json_object_object_foreach(pods, ns, list) {
				if (!client_ns || !strcmp(ns, client_ns))
					add_pods(out->pods, list, out);
			}
		}
		return;
	}
	add_pods(out->pods, pods, out);
	out->last_error = str_or(dig(status, "LastError", NULL), "");
	json_object *spec = dig(status, "Spec", NULL);
	json_object *n = dig(spec, "NumInstances", NULL);
	if (!spec || !n)
		return;
	out->has_spec = true;
	out->num_instances = (long)json_object_get_int64(n);
	json_object *cs = dig(spec, "Pod", "Containers", NULL);
	json_object *c0 = cs && json_object_is_type(cs, json_type_array) &&
				  json_object_array_length(cs) > 0
			  ? json_object_array_get_idx(cs, 0)
			  : NULL;
	json_object *cpu = dig(c0, "CpuLimit", NULL), *mem = dig(c0, "MemoryLimit", NULL);
	out->cpu = cpu ? (long)json_object_get_int64(cpu) : 0;
	out->memory = mem ? json_object_get_int64(mem) : 0;
	out->image = str_or(dig(c0, "Image", NULL), "");
}
