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
 * E24 reads the newest rows back (oplogs.h renders them as the original's
 * Django serializer did); a row's pk is the etcd create_revision of its key
 * (unique, increasing).
 */
#ifndef CONSOLE_OPLOG_H
#define CONSOLE_OPLOG_H

#include <stddef.h>
#include <stdint.h>

#include "console/arena.h"
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

/* The newest `limit` rows of app, newest first: *rows (*n of them, their
 * strings too) live in arena. */
int oplog_read(ctx_t *ctx, arena_t *arena, const char *app, size_t limit, oplog_row_t **rows,
	       size_t *n, err_t *err);

/* A time in microseconds since the epoch as Django's JSON encoder wrote a
 * UTC datetime, the "time" of a row: milliseconds only when the
 * microseconds are not zero ("...:45.123Z", "...:45Z"). Pure (unit-tested). */
void oplog_format_time(int64_t usec, char out[32]);

#endif
