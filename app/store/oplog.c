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

/* The most rows one trim deletes (etcd's default limit of ops per txn is 128). */
#define TRIM_MAX 100

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

/* One UTF-8 sequence at s: its code point and length; -1 when invalid. */
static long utf8_next(const unsigned char *s, int *len)
{
	unsigned char c = s[0];
	int n;
	long cp;
	if (c < 0x80) {
		*len = 1;
		return c;
	} else if ((c & 0xe0) == 0xc0) {
		n = 2;
		cp = c & 0x1f;
	} else if ((c & 0xf0) == 0xe0) {
		n = 3;
		cp = c & 0x0f;
	} else if ((c & 0xf8) == 0xf0) {
		n = 4;
		cp = c & 0x07;
	} else {
		*len = 1;
		return -1;
	}
	for (int i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			*len = 1;
			return -1;
		}
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	*len = n;
	/* Overlong forms, surrogates and values past U+10FFFF are invalid. */
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) {
		*len = 1;
		return -1;
	}
	return cp;
}

void oplog_json_string(const char *str, buf_t *out)
{
	const unsigned char *s = (const unsigned char *)(str ? str : "");
	buf_addch(out, '"');
	while (*s) {
		int len;
		long cp = utf8_next(s, &len);
		s += len;
		switch (cp) {
		case '"': buf_addstr(out, "\\\""); continue;
		case '\\': buf_addstr(out, "\\\\"); continue;
		case '\n': buf_addstr(out, "\\n"); continue;
		case '\r': buf_addstr(out, "\\r"); continue;
		case '\t': buf_addstr(out, "\\t"); continue;
		case '\b': buf_addstr(out, "\\b"); continue;
		case '\f': buf_addstr(out, "\\f"); continue;
		default: break;
		}
		if (cp < 0)
			buf_addstr(out, "\\ufffd");
		else if (cp < 0x20 || (cp >= 0x7f && cp < 0x10000))
			buf_addf(out, "\\u%04lx", cp);
		else if (cp < 0x7f)
			buf_addch(out, (char)cp);
		else {
			long v = cp - 0x10000;
			buf_addf(out, "\\u%04lx\\u%04lx", 0xd800 + (v >> 10), 0xdc00 + (v & 0x3ff));
		}
	}
	buf_addch(out, '"');
}

void oplog_render(const oplog_row_t *rows, size_t n, buf_t *out)
{
	buf_addch(out, '[');
	for (size_t i = 0; i < n; i++) {
		const oplog_row_t *r = &rows[i];
		if (i)
			buf_addstr(out, ", ");
		buf_addf(out, "{\"model\": \"oplog.oplog\", \"pk\": %" PRId64 ", \"fields\": {", r->pk);
		buf_addstr(out, "\"user\": ");
		oplog_json_string(r->user, out);
		buf_addstr(out, ", \"op\": ");
		oplog_json_string(r->op, out);
		buf_addstr(out, ", \"app\": ");
		oplog_json_string(r->app, out);
		buf_addstr(out, ", \"app_version\": ");
		oplog_json_string(r->app_version, out);
		buf_addstr(out, ", \"time\": ");
		oplog_json_string(r->time, out);
		buf_addstr(out, ", \"message\": ");
		oplog_json_string(r->message, out);
		buf_addstr(out, "}}");
	}
	buf_addch(out, ']');
}

/* ---- etcd */

struct oldest {
	int64_t excess;
	size_t n;
	char *keys[TRIM_MAX];
};

static int collect_oldest(const etcd_kv_t *kv, void *p)
{
	struct oldest *o = p;
	if ((int64_t)o->n >= o->excess || o->n >= TRIM_MAX)
		return 1; /* enough: stop the walk */
	o->keys[o->n++] = xstrndup(kv->key, kv->key_len);
	return 0;
}

/* Deletes the oldest rows of app beyond OPLOG_KEEP. */
static int trim(ctx_t *ctx, const char *prefix, err_t *err)
{
	int64_t count = 0;
	int rc = etcd_count_prefix(ctx->etcd, prefix, &count, err);
	if (rc || count <= OPLOG_KEEP)
		return rc;
	struct oldest o = { .excess = count - OPLOG_KEEP };
	rc = etcd_range_prefix(ctx->etcd, prefix, TRIM_MAX, collect_oldest, &o, err);
	if (rc == 1)
		rc = 0;
	if (!rc && o.n) {
		etcd_op_t ops[TRIM_MAX];
		for (size_t i = 0; i < o.n; i++)
			ops[i] = (etcd_op_t){ .type = ETCD_OP_DELETE, .key = o.keys[i] };
		bool ok;
		rc = etcd_txn(ctx->etcd, NULL, 0, ops, o.n, NULL, 0, &ok, err);
	}
	for (size_t i = 0; i < o.n; i++)
		free(o.keys[i]);
	return rc;
}

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
		trim(ctx, prefix, &trim_err);
	} else {
		err_wrap(err, "cannot write the oplog of '%s'", app);
	}
	json_object_put(v);
	free(prefix);
	free(key);
	return rc;
}

struct rows {
	size_t n, cap;
	json_object **vals;
	int64_t *pks;
};

static int collect_row(const etcd_kv_t *kv, void *p)
{
	struct rows *r = p;
	json_object *v = json_tokener_parse(kv->value);
	if (!v || !json_object_is_type(v, json_type_object)) {
		json_object_put(v);
		return 0; /* not a row: skipped */
	}
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 64;
		r->vals = xrealloc(r->vals, r->cap * sizeof(*r->vals));
		r->pks = xrealloc(r->pks, r->cap * sizeof(*r->pks));
	}
	r->vals[r->n] = v;
	r->pks[r->n++] = kv->create_revision;
	return 0;
}

static const char *field(json_object *o, const char *k)
{
	json_object *v;
	if (json_object_object_get_ex(o, k, &v) && !json_object_is_type(v, json_type_null))
		return json_object_get_string(v);
	return "";
}

int oplog_read(ctx_t *ctx, const char *app, size_t limit, buf_t *out, err_t *err)
{
	struct rows r = { 0 };
	char *prefix = xasprintf(OPLOG_PREFIX "%s/", app);
	/* At most OPLOG_KEEP (plus a few in flight) rows: read them all. */
	int rc = etcd_range_prefix(ctx->etcd, prefix, 0, collect_row, &r, err);
	if (rc) {
		err_wrap(err, "cannot read the oplog of '%s'", app);
		goto cleanup;
	}
	size_t n = r.n < limit ? r.n : limit;
	oplog_row_t *rows = xcalloc(n ? n : 1, sizeof(*rows));
	for (size_t i = 0; i < n; i++) {
		json_object *v = r.vals[r.n - 1 - i];
		rows[i] = (oplog_row_t){ .pk = r.pks[r.n - 1 - i], .user = field(v, "user"),
					 .op = field(v, "op"), .app = field(v, "app"),
					 .app_version = field(v, "app_version"),
					 .time = field(v, "time"), .message = field(v, "message") };
	}
	oplog_render(rows, n, out);
	free(rows);
cleanup:
	for (size_t i = 0; i < r.n; i++)
		json_object_put(r.vals[i]);
	free(r.vals);
	free(r.pks);
	free(prefix);
	return rc;
}
