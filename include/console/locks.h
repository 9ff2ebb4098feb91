/*
 * locks — the per-app deploy lock (DESIGN.md "Storage"; spec §9.3 #11).
 *
 * A deploy, update or undeploy of an app holds the key
 * /lain/console/locks/<app>, created only if absent and attached to an etcd
 * lease of ttl seconds (CONSOLE_LOCK_TTL); its value says who holds it:
 * {"holder": "<operator>", "since": "<UTC time>", "host": "<hostname>",
 * "pid": <worker>}. The holder keeps the lease alive between the steps
 * of a long deploy (lock_keepalive) and releases the lock by revoking the
 * lease, which deletes the key. A worker that dies holding it stops keeping
 * it alive, so its lock expires with the lease after at most ttl seconds.
 *
 *     lock_t *l;
 *     if ((rc = lock_acquire(ctx, app, LOCK_TTL, user, &l, err)))
 *         return rc;                        // -ERR_CONFLICT: 409
 *     ... step ...; if ((rc = lock_keepalive(ctx, l, err))) goto out;
 *     ... step ...
 *   out:
 *     lock_release(ctx, l);
 */
#ifndef CONSOLE_LOCKS_H
#define CONSOLE_LOCKS_H

#include <stdint.h>

#include "console/ctx.h"
#include "console/err.h"

#define LOCK_TTL 60               /* seconds: CONSOLE_LOCK_TTL's default */
#define LOCK_PREFIX "/lain/console/locks/"

typedef struct lock {
	char *app;
	char *key;
	int64_t lease;
	long ttl;
	int64_t renewed_ms;       /* monotonic time of the last grant/keepalive */
} lock_t;

/*
 * Takes the lock of app for holder (the operator's name, shown to whoever
 * finds the lock taken). -ERR_CONFLICT when another request holds it:
 * "app 'hello' is being changed by another request (alice, since
 * 2026-11-25 14:03:07 UTC); try again when it is done". -ERR_UNAVAILABLE
 * when etcd cannot be reached.
 */
int lock_acquire(ctx_t *ctx, const char *app, long ttl, const char *holder, lock_t **out,
		 err_t *err);

/*
 * Keeps the lock's lease alive; a no-op when it was renewed less than a
 * third of its ttl ago, so it can be called after every step. -ERR_CONFLICT
 * when the lease had already expired (the lock is lost: another request may
 * hold it now), -ERR_UNAVAILABLE when etcd cannot be reached.
 */
int lock_keepalive(ctx_t *ctx, lock_t *l, err_t *err);

/* Releases the lock (revokes the lease) and frees l; NULL is fine. A failed
 * revoke (etcd unreachable at that moment) is logged and kept: the worker's
 * next lock_acquire revokes it first, so the lock does not stay held until
 * its lease runs out (another lock of the same app by this worker would
 * otherwise be refused by its own finished request). */
void lock_release(ctx_t *ctx, lock_t *l);

#endif
