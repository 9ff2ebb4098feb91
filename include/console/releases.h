/*
 * releases — the release history of every app, in etcd (DESIGN.md
 * "Releases and deploy safety"; issue 13).
 *
 * One key per release, /lain/console/releases/<app>/<id as 10 digits> (key
 * order is id order), whose value is the release as the API shows it:
 *
 *   {"id": 7, "app": "hello", "op": "update", "user": "alice",
 *    "created": "2026-12-07T10:31:02Z", "request_id": "...",
 *    "meta_version": "<ts>-<sha>", "procs": {"web": {"image",
 *    "config_image", "num_instances", "cpu", "memory"}, ...},
 *    "previous": 6, "state": "succeeded", "error": ""}
 *
 * plus what some kinds carry ("rollback_of": the release restored,
 * "canaries": the canary procs running). Ids are per app and increase from
 * 1; they come from the keys themselves, so an undeploy keeps the history
 * and a new registration of the same name goes on after it. Each app keeps
 * its newest RELEASES_KEEP: writing one past that deletes the oldest in the
 * same txn.
 *
 * A new release is never written alone: it goes into the txn that saves
 * the app record, so the two never disagree:
 *
 *     release_batch_t b = RELEASE_BATCH_INIT;
 *     if (!(rc = store_release_stage_new(ctx, arena, rel, &b, err)))
 *         rc = store_app_save_if(ctx, &rec, b.cmps, b.ncmps, b.ops, b.nops, err);
 *
 * Everything returned lives in the caller's arena.
 */
#ifndef CONSOLE_RELEASES_H
#define CONSOLE_RELEASES_H

#include <stddef.h>
#include <stdint.h>

#include "console/arena.h"
#include "console/ctx.h"
#include "console/err.h"
#include "console/etcd.h"

struct json_object;

#define RELEASES_KEEP 100            /* releases kept per app */
#define RELEASES_TRIM_MAX 16         /* the most one write deletes (the rest: the next one) */
#define RELEASES_PREFIX "/lain/console/releases/"

/* A change made without waiting is succeeded once deployd accepted all of
 * it, failed when it did not; with a wait it is pending until the outcome. */
enum release_state {
	RELEASE_PENDING,
	RELEASE_SUCCEEDED,
	RELEASE_FAILED,
	RELEASE_ROLLED_BACK,
};

/* "pending", "succeeded", "failed", "rolled_back". */
const char *release_state_name(enum release_state state);

typedef struct release {
	int64_t id;                  /* 0 until staged */
	const char *app;
	enum release_state state;    /* written over obj's "state" when staged */
	struct json_object *obj;     /* the record (the arena's) */
	int64_t mod_revision;        /* the key's when read; 0 when new */
} release_t;

/* The keys a txn writes besides an app record: compares that must hold
 * and the operations (their strings in the arena given when staged). */
#define RELEASE_BATCH_CMPS 4
#define RELEASE_BATCH_OPS (4 + RELEASES_TRIM_MAX)
typedef struct release_batch {
	etcd_cmp_t cmps[RELEASE_BATCH_CMPS];
	size_t ncmps;
	etcd_op_t ops[RELEASE_BATCH_OPS];
	size_t nops;
} release_batch_t;

#define RELEASE_BATCH_INIT { .ncmps = 0, .nops = 0 }

/* Every release of app, newest first (*n of them; none: 0). */
int store_release_list(ctx_t *ctx, arena_t *arena, const char *app, release_t **out, size_t *n,
		       err_t *err);

/* Release id of app; -ERR_NOT_FOUND "release <id> of app <a> does not exist". */
int store_release_get(ctx_t *ctx, arena_t *arena, const char *app, int64_t id, release_t **out,
		      err_t *err);

/* The newest release of app (*out NULL when it has none). */
int store_release_latest(ctx_t *ctx, arena_t *arena, const char *app, release_t **out,
			 err_t *err);

/* A new release of app: state, and an object holding "app" and "state"
 * already; the caller adds the rest. */
release_t *store_release_new(arena_t *arena, const char *app, enum release_state state);

/*
 * Adds to b the write of rel as its app's next release: rel->id (and its
 * "id") = the newest id + 1, "previous" = the newest's id (0: none); the
 * key must not exist yet when the txn runs (else it does nothing and the
 * save answers -ERR_CONFLICT); the oldest releases beyond RELEASES_KEEP
 * deleted with it. -ERR_TOO_BIG when b is full.
 */
int store_release_stage_new(ctx_t *ctx, arena_t *arena, release_t *rel, release_batch_t *b,
			    err_t *err);

/* Adds to b the rewrite of rel (read at rel->mod_revision, which must
 * still be its key's). -ERR_TOO_BIG when b is full. */
int store_release_stage_update(arena_t *arena, const release_t *rel, release_batch_t *b,
			       err_t *err);

/* Rewrites rel alone (its state, its error), only if its key is still at
 * rel->mod_revision: -ERR_CONFLICT "release <id> of app <a> was changed by
 * another request" otherwise; rel->mod_revision is not updated. */
int store_release_update(ctx_t *ctx, arena_t *arena, const release_t *rel, err_t *err);

#endif
