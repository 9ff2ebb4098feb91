/*
 * webhooks — what the image-push webhooks (E23) keep in etcd beyond their
 * URLs (issue 18): each one's secret, the queue of deliveries still to be
 * tried, and the log of the tries. Under /lain/console/webhooks/:
 *
 *   hooks/<id>                 {"url", "secret", "created", "creator"}: the
 *                              secret its deliveries are signed with; a
 *                              webhook registered before has none
 *   queue/<due ms>-<delivery>  a delivery to try at <due> (Unix ms, 13
 *                              digits: key order is due order); a worker
 *                              that tries one first moves it to
 *                              <now + claim>-<delivery> with its name in
 *                              claimed_by, by a txn on the key's
 *                              mod_revision (one worker wins), so a
 *                              delivery whose worker died is due again when
 *                              the claim runs out
 *   log/<id>/<time>-<pid>-<n>  one try: time, delivery, try, status,
 *                              latency, error, result; the newest
 *                              WEBHOOKS_LOG_KEEP per webhook are kept
 *
 * <id> is a webhook's id: the first 16 hex digits of the SHA-256 of its
 * URL (the URL is what E23 names a webhook by). Records returned live in
 * the caller's arena.
 */
#ifndef CONSOLE_WEBHOOKS_H
#define CONSOLE_WEBHOOKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "console/arena.h"
#include "console/ctx.h"
#include "console/err.h"
#include "console/etcd.h"

#define WEBHOOKS_PREFIX "/lain/console/webhooks/"
#define WEBHOOKS_LOG_KEEP 50
#define WEBHOOK_ID_LEN 16
/* What a webhook's secret starts with (secret.h makes the rest). */
#define WEBHOOK_SECRET_PREFIX "lcw_"

/* The id of the webhook at url. */
void webhook_id(const char *url, char out[WEBHOOK_ID_LEN + 1]);

typedef struct webhook {
	const char *url;
	const char *id;
	const char *secret;          /* NULL: none (registered before secrets) */
	const char *created;         /* RFC 3339, or NULL */
	const char *creator;
} webhook_t;

/* The etcd operation that stores h (a put), and the ones that remove the
 * webhook id (its record and its log): for store_notify_change's txn. */
etcd_op_t webhook_put_op(arena_t *arena, const webhook_t *h);
size_t webhook_delete_ops(arena_t *arena, const char *id, etcd_op_t ops[2]);

/* Stores h only if its webhook has no record yet: -ERR_CONFLICT if it has. */
int store_webhook_create(ctx_t *ctx, arena_t *arena, const webhook_t *h, err_t *err);

/* The records of ids[0..n) in one round trip: out[i].secret etc. of the
 * ones that have one (out[i].id is set for all; the others' fields NULL). */
int store_webhooks_get(ctx_t *ctx, arena_t *arena, const char *const *ids, size_t n,
		       webhook_t *out, err_t *err);

/* One delivery of an event to one webhook. */
typedef struct delivery {
	const char *id;              /* a UUID: X-Lain-Delivery */
	const char *hook;            /* the webhook's id */
	const char *url;
	const char *event;           /* "image-push": X-Lain-Event */
	const char *body;            /* what is POSTed, the same at every try */
	int64_t created;             /* Unix ms of its first try */
	int tries;                   /* tries started, the one in flight included */
	int lost;                    /* tries whose worker died before it recorded them */
	const char *claimed_by;      /* "host:pid" trying it now, NULL while it waits */
	int64_t due;                 /* Unix ms: next try, or the end of the claim */
	/* As read (or last written) here: */
	const char *key;
	int64_t mod_revision;
} delivery_t;

/* Puts v[0..n) into the queue (each at its due, as its fields say) in
 * txns of at most 100 deliveries and 512 KiB; keys and revisions are
 * filled in. */
int store_deliveries_add(ctx_t *ctx, arena_t *arena, delivery_t *v, size_t n, err_t *err);

/* The deliveries due before now_ms, earliest first, at most limit. */
int store_deliveries_due(ctx_t *ctx, arena_t *arena, int64_t now_ms, size_t limit,
			 delivery_t **v, size_t *n, err_t *err);

/* Every queued delivery (the deliveries endpoint). */
int store_deliveries_all(ctx_t *ctx, arena_t *arena, delivery_t **v, size_t *n, err_t *err);

/* Moves d (as read: d->key at d->mod_revision) to d's new due and fields
 * (d->due, d->claimed_by, d->tries, ...), in one txn: -ERR_CONFLICT when
 * another worker moved or removed it first. d->key and d->mod_revision
 * then name the new key. Also how a delivery is given up (gone: true) or
 * put back for its next try. */
int store_delivery_move(ctx_t *ctx, arena_t *arena, delivery_t *d, bool gone, err_t *err);

/* One try as the log keeps it. */
typedef struct delivery_try {
	int64_t time;                /* Unix ms when it started */
	const char *delivery;
	const char *event;
	int try;                     /* 1 for the first */
	long status;                 /* the HTTP status, 0 when none came */
	long latency_ms;
	const char *error;           /* "" when none */
	const char *result;          /* "delivered", "retrying", "failed" */
} delivery_try_t;

/* Appends t to webhook hook's log (and trims it to WEBHOOKS_LOG_KEEP). */
int store_delivery_log(ctx_t *ctx, arena_t *arena, const char *hook, const delivery_try_t *t,
		       err_t *err);

/* The newest tries of webhook hook, newest first, at most
 * WEBHOOKS_LOG_KEEP. */
int store_delivery_log_read(ctx_t *ctx, arena_t *arena, const char *hook, delivery_try_t **v,
			    size_t *n, err_t *err);

#endif
