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
 *
 * Reads by a deploy token (op OPLOG_OP_READ) are rows too, coalesced so
 * that a token polling GETs does not push the real operations out: while
 * the newest row of the app is a read row of the same user, a read updates
 * that row in place (its "reads" count, an extra field of the value that
 * E24 does not show, and its message "<n> reads, the last GET <path> at
 * <time>"; its "time" stays the first read's); otherwise it appends a new
 * row. The write compares the row's mod_revision and that no row came
 * after it, so concurrent readers neither lose a count nor write two rows
 * (oplog_read_write builds it; tokens.h's store_token_read runs it).
 */
#ifndef CONSOLE_OPLOG_H
#define CONSOLE_OPLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "console/arena.h"
#include "console/ctx.h"
#include "console/err.h"
#include "console/etcd.h"

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

#define OPLOG_OP_READ "READ"

/* The newest row of an app's oplog as a read saw it: what a read row is
 * coalesced with. */
typedef struct oplog_last {
	const char *key;         /* NULL: the app's oplog is empty */
	int64_t mod_revision;
	const char *user, *op, *time;
	int64_t reads;           /* of a READ row; 0 otherwise */
} oplog_last_t;

/* The RANGE operation (in arena) that reads the newest row of app, to join
 * a read-only txn (etcd_read) or a txn's otherwise branch. */
etcd_op_t oplog_last_range(arena_t *arena, const char *app);

/* Whether kv (found by that range) is a row of app's oplog: then *last is
 * it (strings in arena; an unreadable value is a row of no user). */
bool oplog_last_take(arena_t *arena, const char *app, const etcd_kv_t *kv, oplog_last_t *last);

/* Most compares oplog_read_write fills. */
#define OPLOG_READ_CMPS 2

/*
 * The write (in arena) that records one read by user of app at usec (what:
 * "GET /v1/apps/hello/"), given the newest row as read (last): the compares
 * cmp[0..return value) and the put *put of one txn. When the txn fails,
 * something came in between: read the newest row again (oplog_last_range,
 * in the same txn's otherwise branch) and build it again. *fresh: it
 * appends a row (then oplog_trim once it is written); else it updates
 * last's.
 */
size_t oplog_read_write(arena_t *arena, const char *app, const oplog_last_t *last,
			const char *user, const char *what, int64_t usec,
			etcd_cmp_t cmp[OPLOG_READ_CMPS], etcd_op_t *put, bool *fresh);

/* Deletes app's rows beyond OPLOG_KEEP (failures only delay it). */
void oplog_trim(ctx_t *ctx, const char *app);

/* Now, in microseconds since the epoch. */
int64_t oplog_now(void);

/* A time in microseconds since the epoch as Django's JSON encoder wrote a
 * UTC datetime, the "time" of a row: milliseconds only when the
 * microseconds are not zero ("...:45.123Z", "...:45Z"). Pure (unit-tested). */
void oplog_format_time(int64_t usec, char out[32]);

#endif
