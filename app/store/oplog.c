#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "console/etcd.h"
#include "console/oplog.h"
#include "console/xalloc.h"
#include "console/banned.h"


void oplog_format_time(int64_t usec, char out[32])
{
	time_t t = (time_t)(usec / 1000000);
	long micro = (long)(usec % 1000000);
	struct tm tm;
	gmtime_r(&t, &tm);
	char base[24];
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	/* Django's encoder: isoformat() cut to milliseconds, and only when the
	 * microseconds are not zero; "+00:00" written as "Z". */
	if (micro)
		snprintf(out, 32, "%s.%03ldZ", base, micro / 1000);
	else
		snprintf(out, 32, "%sZ", base);
}

/* ---- etcd */


int oplog_append(ctx_t *ctx, const char *op, const char *user, const char *app,
		 const char *app_version, const char *message, err_t *err)
{
	static unsigned seq;
	struct timeval tv;
	gettimeofday(&tv, NULL);
	int64_t usec = (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
	char when[32];
	oplog_format_time(usec, when);

	json_object *v = json_object_new_object();
	json_object_object_add(v, "user", json_object_new_string(user ? user : "unknown"));
	json_object_object_add(v, "op", json_object_new_string(op ? op : ""));
	json_object_object_add(v, "app", json_object_new_string(app));
	json_object_object_add(v, "app_version", json_object_new_string(app_version ? app_version : ""));
	json_object_object_add(v, "time", json_object_new_string(when));
	json_object_object_add(v, "message", json_object_new_string(message ? message : ""));
	const char *text = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);

	char *prefix = xasprintf(OPLOG_PREFIX "%s/", app);
	char *key = xasprintf("%s%016" PRId64 "-%ld-%u", prefix, usec, (long)getpid(), seq++);
	int rc = etcd_put(ctx->etcd, key, text, strlen(text), 0, err);
	if (!rc) {
		err_t trim_err = ERR_INIT;
		/* The row is written; a failed trim only delays the bound. */
		etcd_trim_prefix(ctx->etcd, prefix, OPLOG_KEEP, &trim_err);
	} else {
		err_wrap(err, "cannot write the oplog of '%s'", app);
	}
	json_object_put(v);
	free(prefix);
	free(key);
	return rc;
}

struct rows {
	arena_t *arena;
	size_t n, cap;
	oplog_row_t *v;
};

static const char *field(json_object *o, const char *k)
{
	json_object *v;
	if (json_object_object_get_ex(o, k, &v) && !json_object_is_type(v, json_type_null))
		return json_object_get_string(v);
	return "";
}

static int collect_row(const etcd_kv_t *kv, void *p)
{
	struct rows *r = p;
	json_object *v = json_tokener_parse(kv->value);
	if (!v || !json_object_is_type(v, json_type_object)) {
		json_object_put(v);
		return 0; /* not a row: skipped */
	}
	arena_json(r->arena, v);
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 64;
		r->v = xrealloc(r->v, r->cap * sizeof(*r->v));
	}
	r->v[r->n++] = (oplog_row_t){ .pk = kv->create_revision, .user = field(v, "user"),
				      .op = field(v, "op"), .app = field(v, "app"),
				      .app_version = field(v, "app_version"),
				      .time = field(v, "time"), .message = field(v, "message") };
	return 0;
}

int oplog_read(ctx_t *ctx, arena_t *arena, const char *app, size_t limit, oplog_row_t **rows,
	       size_t *n, err_t *err)
{
	struct rows r = { .arena = arena };
	char *prefix = xasprintf(OPLOG_PREFIX "%s/", app);
	/* At most OPLOG_KEEP (plus a few in flight) rows: read them all. */
	int rc = etcd_range_prefix(ctx->etcd, prefix, 0, collect_row, &r, err);
	free(prefix);
	*rows = NULL;
	*n = 0;
	if (rc) {
		free(r.v);
		return err_wrap(err, "cannot read the oplog of '%s'", app);
	}
	*n = r.n < limit ? r.n : limit;
	*rows = arena_alloc(arena, (*n ? *n : 1) * sizeof(**rows));
	for (size_t i = 0; i < *n; i++)
		(*rows)[i] = r.v[r.n - 1 - i];
	free(r.v);
	return 0;
}
