/*
 * oplog — the operation log of every app, in etcd (DESIGN.md "Storage";
 * console-api.md §2.4, E24).
 *
 * One key per row, /lain/console/oplog/<app>/<id>, where <id> is the time
 * of the row in microseconds (zero-padded, so key order is time order) plus
 * the writer's pid and a counter (two workers never collide). The value is
 * the JSON {"user","op","app","app_version","time","message"}. Each app
 * keeps its newest OPLOG_KEEP rows: an append that takes an app past it
 * deletes the oldest ones right after its own write, in one txn.
 *
 * E24 reads the newest rows back in the shape the original's Django
 * serializer gave (a JSON array that the endpoint embeds as a string):
 *   [{"model": "oplog.oplog", "pk": 7, "fields": {"user": "alice",
 *     "op": "DEPLOY", "app": "hello", "app_version": "...",
 *     "time": "2018-04-23T03:12:45.123Z", "message": ""}}]
 * with Python's json.dumps spacing and ASCII escapes; pk is the etcd
 * create_revision of the row (unique, increasing).
 */
#ifndef CONSOLE_OPLOG_H
#define CONSOLE_OPLOG_H

#include <stddef.h>
#include <stdint.h>

#include "console/buf.h"
#include "console/ctx.h"
#include "console/err.h"

#define OPLOG_KEEP 200       /* rows kept per app */
#define OPLOG_READ 50        /* rows E24 shows */
#define OPLOG_PREFIX "/lain/console/oplog/"

typedef struct oplog_row {
	int64_t pk;
	const char *user;
	const char *op;
	const char *app;
	const char *app_version;
	const char *time;        /* as rendered: "2018-04-23T03:12:45.123Z" */
	const char *message;
} oplog_row_t;

/*
 * Appends a row: op ("DEPLOY", "REPOSIT", ...), user (the operator;
 * "unknown" when auth is off), app, app_version and message (NULL = "").
 * Nothing is truncated (the original lost rows with long names, §9.3 #25).
 * A failed trim is not an error (the next append trims again).
 */
int oplog_append(ctx_t *ctx, const char *op, const char *user, const char *app,
		 const char *app_version, const char *message, err_t *err);

/* The newest `limit` rows of app, newest first, rendered as above (an empty
 * log is "[]"); appended to out. */
int oplog_read(ctx_t *ctx, const char *app, size_t limit, buf_t *out, err_t *err);

/* ---- Pure parts (unit-tested). */

/* Renders rows[0..n) as the Django-serializer array (appended to out). */
void oplog_render(const oplog_row_t *rows, size_t n, buf_t *out);

/* A time in microseconds since the epoch as Django's JSON encoder wrote a
 * UTC datetime: milliseconds only when the microseconds are not zero
 * ("...:45.123Z", "...:45Z"). */
void oplog_format_time(int64_t usec, char out[32]);

/* s as a JSON string the way Python's json.dumps writes it (ASCII only:
 * \uXXXX for everything else, surrogate pairs above U+FFFF; invalid UTF-8
 * bytes become \ufffd); appended to out. */
void oplog_json_string(const char *s, buf_t *out);

#endif
