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


int64_t oplog_now(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

/* The value of a row (the E24 fields, and reads when > 0), in arena. */
static const char *row_value(arena_t *arena, const char *op, const char *user, const char *app,
			     const char *app_version, const char *when, const char *message,
			     int64_t reads)
{
	json_object *v = json_object_new_object();
	json_object_object_add(v, "user", json_object_new_string(user ? user : "unknown"));
	json_object_object_add(v, "op", json_object_new_string(op ? op : ""));
	json_object_object_add(v, "app", json_object_new_string(app));
	json_object_object_add(v, "app_version", json_object_new_string(app_version ? app_version : ""));
	json_object_object_add(v, "time", json_object_new_string(when));
	json_object_object_add(v, "message", json_object_new_string(message ? message : ""));
	if (reads > 0)
		json_object_object_add(v, "reads", json_object_new_int64(reads));
	const char *text = arena_strdup(arena, json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
	json_object_put(v);
	return text;
}

static const char *row_prefix(arena_t *arena, const char *app)
{
	return arena_printf(arena, OPLOG_PREFIX "%s/", app);
}

/* A new row's key: its time, then the writer's pid and a counter. */
static const char *row_key(arena_t *arena, const char *app, int64_t usec)
{
	static unsigned seq;
	return arena_printf(arena, OPLOG_PREFIX "%s/%016" PRId64 "-%ld-%u", app, usec,
			    (long)getpid(), seq++);
}

void oplog_trim(ctx_t *ctx, const char *app)
{
	err_t err = ERR_INIT;
	char *prefix = xasprintf(OPLOG_PREFIX "%s/", app);
	etcd_trim_prefix(ctx->etcd, prefix, OPLOG_KEEP, &err);
	free(prefix);
}

int oplog_append(ctx_t *ctx, const char *op, const char *user, const char *app,
		 const char *app_version, const char *message, err_t *err)
{
	int64_t usec = oplog_now();
	char when[32];
	oplog_format_time(usec, when);
	arena_t *a = arena_new();
	const char *text = row_value(a, op, user, app, app_version, when, message, 0);
	int rc = etcd_put(ctx->etcd, row_key(a, app, usec), text, strlen(text), 0, err);
	if (!rc)
		oplog_trim(ctx, app); /* the row is written; a failed trim only delays the bound */
	else
		err_wrap(err, "cannot write the oplog of '%s'", app);
	arena_free(a);
	return rc;
}

/* ---- reads by deploy tokens, coalesced (oplog.h) */

etcd_op_t oplog_last_range(arena_t *arena, const char *app)
{
	return (etcd_op_t){ .type = ETCD_OP_RANGE, .key = row_prefix(arena, app), .prefix = true,
			    .limit = 1, .descend = true };
}

static const char *field(json_object *o, const char *k);

bool oplog_last_take(arena_t *arena, const char *app, const etcd_kv_t *kv, oplog_last_t *last)
{
	const char *prefix = row_prefix(arena, app);
	if (kv->key_len <= strlen(prefix) || memcmp(kv->key, prefix, strlen(prefix)))
		return false;
	json_object *v = json_tokener_parse(kv->value), *reads;
	if (v && !json_object_is_type(v, json_type_object)) {
		json_object_put(v);
		v = NULL;
	}
	arena_json(arena, v);
	*last = (oplog_last_t){ .key = arena_strndup(arena, kv->key, kv->key_len),
				.mod_revision = kv->mod_revision, .user = v ? field(v, "user") : "",
				.op = v ? field(v, "op") : "", .time = v ? field(v, "time") : "" };
	if (v && json_object_object_get_ex(v, "reads", &reads))
		last->reads = json_object_get_int64(reads);
	return true;
}

/* The time in a row's key (its first 16 digits after the prefix). */
static int64_t key_usec(const char *key, size_t prefix_len)
{
	return strlen(key) > prefix_len ? strtoll(key + prefix_len, NULL, 10) : 0;
}

size_t oplog_read_write(arena_t *arena, const char *app, const oplog_last_t *last,
			const char *user, const char *what, int64_t usec,
			etcd_cmp_t cmp[OPLOG_READ_CMPS], etcd_op_t *put, bool *fresh)
{
	const char *prefix = row_prefix(arena, app);
	buf_t end = BUF_INIT;
	etcd_prefix_end(prefix, strlen(prefix), &end);
	const char *range_end = arena_strdup(arena, end.data);
	buf_release(&end);
	*fresh = !last->key || strcmp(last->op, OPLOG_OP_READ) || strcmp(last->user, user) ||
		 last->reads < 1;
	int64_t reads = *fresh ? 1 : last->reads + 1;
	char when[32], first[32];
	oplog_format_time(usec - usec % 1000000, when);
	/* Nothing after the newest row as read (every key after it, none
	 * there: each would have a create_revision above 0). A key that
	 * follows the last one sorts after last->key + "\x01" (keys hold no
	 * NUL). */
	size_t n = 0;
	cmp[n++] = (etcd_cmp_t){ .key = last->key ? arena_printf(arena, "%s\x01", last->key) : prefix,
				 .range_end = range_end, .target = ETCD_CMP_CREATE,
				 .result = ETCD_EQUAL, .revision = 0 };
	const char *message = arena_printf(arena, "%" PRId64 " read%s, the last %s at %s", reads,
					   reads == 1 ? "" : "s", what, when);
	if (*fresh) {
		/* After the newest row even when this host's clock is behind
		 * the writer's of that row. */
		int64_t after = last->key ? key_usec(last->key, strlen(prefix)) + 1 : 0;
		usec = usec > after ? usec : after;
		oplog_format_time(usec, first);
		*put = (etcd_op_t){ .type = ETCD_OP_PUT, .key = row_key(arena, app, usec) };
	} else {
		cmp[n++] = (etcd_cmp_t){ .key = last->key, .target = ETCD_CMP_MOD,
					 .result = ETCD_EQUAL, .revision = last->mod_revision };
		snprintf(first, sizeof(first), "%s", last->time);
		*put = (etcd_op_t){ .type = ETCD_OP_PUT, .key = last->key };
	}
	put->value = row_value(arena, OPLOG_OP_READ, user, app, "", first, message, reads);
	put->value_len = strlen(put->value);
	return n;
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
