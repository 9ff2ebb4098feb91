/*
 * tokens — the records of the apps' deploy tokens (issue 18; robot.h says
 * what a token is), in etcd at /lain/console/tokens/<app>/<name>:
 *
 *   {"app", "name", "scopes": ["push", "deploy"], "creator", "created",
 *    "expires", "last_used" (Unix seconds; 0: never), "salt", "hash"}
 *
 * salt is 16 random bytes and hash SHA-256(salt || secret), both in hex
 * (secret.h): the secret itself is never stored. A revoked token is a
 * deleted key: every check reads etcd (no worker keeps a token's
 * validity), so a revocation holds on every worker and host at the next
 * request. Records returned live in the caller's arena.
 */
#ifndef CONSOLE_TOKENS_H
#define CONSOLE_TOKENS_H

#include <stddef.h>
#include <stdint.h>

#include "console/arena.h"
#include "console/ctx.h"
#include "console/err.h"
#include "console/oplog.h"
#include "console/store.h"

struct json_object;

#define TOKENS_PREFIX "/lain/console/tokens/"

typedef struct token_record {
	const char *app;
	const char *name;
	struct json_object *scopes; /* the names as stored (robot_scopes_parse), an array */
	const char *creator;
	int64_t created, expires, last_used;
	const char *salt, *hash;    /* hex */
	int64_t mod_revision;
} token_record_t;

/* Stores t, only if app has no token of that name yet: -ERR_CONFLICT
 * "a token named '<name>' of app '<app>' exists already". */
int store_token_create(ctx_t *ctx, const token_record_t *t, err_t *err);

/* The tokens of app (*v[0..*n), name order; unreadable records skipped). */
int store_token_list(ctx_t *ctx, arena_t *arena, const char *app, token_record_t **v,
		     size_t *n, err_t *err);

/* Every app's tokens. */
int store_token_all(ctx_t *ctx, arena_t *arena, token_record_t **v, size_t *n, err_t *err);

/* One token; -ERR_NOT_FOUND when app has none of that name. */
int store_token_get(ctx_t *ctx, arena_t *arena, const char *app, const char *name,
		    token_record_t **out, err_t *err);

/* Deletes it; -ERR_NOT_FOUND when there is none. */
int store_token_delete(ctx_t *ctx, const char *app, const char *name, err_t *err);

/* Writes last_used = now over t, only if the record is still at
 * t->mod_revision: -ERR_CONFLICT when another request touched it (or it
 * was revoked) in between — it is never written back. */
int store_token_touch(ctx_t *ctx, arena_t *arena, const token_record_t *t, int64_t now,
		      err_t *err);

/* The app record of name (store_app_get) and its tokens, and the newest
 * row of its oplog into *last when last is not NULL, in one read-only
 * txn: what the check of a request that carries a token reads. */
int store_app_get_tokens(ctx_t *ctx, arena_t *arena, const char *name, app_record_t **app,
			 token_record_t **v, size_t *n, oplog_last_t *last, err_t *err);

/* Tries of store_token_read before it gives up (each failed one means
 * another writer of the app's oplog or of the token won a round). */
#define TOKENS_READ_TRIES 32

/*
 * Records a read of t's app by t (user: "robot:<app>:<name>", what: "GET
 * <path>") in the app's oplog, coalesced with last (oplog.h; the newest
 * row as read with store_app_get_tokens), and last_used = now when it is
 * touch_after seconds old or more: one txn, whose otherwise branch reads
 * the row and the token again for the next try. A token revoked in between
 * is not written back (the read is recorded all the same). -ERR_CONFLICT
 * after TOKENS_READ_TRIES lost rounds; -ERR_* (etcd).
 */
int store_token_read(ctx_t *ctx, arena_t *arena, const token_record_t *t, const char *user,
		     const char *what, oplog_last_t *last, int64_t touch_after, err_t *err);

#endif
