/*
 * sso — the client of LAIN SSO (lain-ecosystem.md §3, console-api.md §5.4).
 *
 * The SSO base URL is the one of the auth switch (/lain/config/auth/console
 * "url"), or SSO_SERVER_NAME when the switch carries none. Paths are called
 * without a trailing slash (SSO redirects those). Every call has the
 * configured timeouts; SSO unreachable -> -ERR_UNAVAILABLE with
 * "sso unavailable: <reason>", an unexpected answer -> -ERR_BAD_GATEWAY.
 * Results live in the caller's arena.
 *
 * Caches, per worker: /api/me answers per token for CONSOLE_SSO_CACHE_SECONDS
 * (default 5, at most 10), password checks per hash of user and password for
 * the same time; failures are never cached.
 */
#ifndef CONSOLE_SSO_H
#define CONSOLE_SSO_H

#include <stdbool.h>
#include <stddef.h>

#include "console/arena.h"
#include "console/ctx.h"
#include "console/err.h"

struct json_object;

typedef struct sso_user {
	const char *name;
	const char *const *groups;    /* recursive: nested memberships included */
	size_t ngroups;
} sso_user_t;

/* Whether user is in group (exact name). */
bool sso_user_in(const sso_user_t *user, const char *group);

/* GET /api/me with the caller's token. -ERR_UNAUTHORIZED when SSO refuses it
 * (the token is never sent when NULL or empty). fresh skips the cache (and
 * refills it): for a decision a cached group list may be too old for, such
 * as right after the caller registered an app. */
int sso_me(ctx_t *ctx, arena_t *arena, const char *token, bool fresh, sso_user_t **out,
	   err_t *err);

/* The password check of §5.4 (form login at /oauth2/auth, no redirect
 * followed; valid iff the Location carries a code). 0 valid,
 * -ERR_UNAUTHORIZED invalid. */
int sso_check_password(ctx_t *ctx, const char *user, const char *password, err_t *err);

/* GET /api/users/<user>: the user's (recursive) groups. -ERR_NOT_FOUND. */
int sso_user_get(ctx_t *ctx, arena_t *arena, const char *user, sso_user_t **out, err_t *err);

/* GET /api/groups/<group>/members/<user>: "admin" or "normal".
 * -ERR_NOT_FOUND when user is not a member (or no such group/user). */
int sso_member_role(ctx_t *ctx, arena_t *arena, const char *group, const char *user,
		    const char **role, err_t *err);

/* GET /api/groups/<group>: {name, fullname, members: [{name, role}], group_members}.
 * The object is owned by the arena. -ERR_NOT_FOUND. */
int sso_group_get(ctx_t *ctx, arena_t *arena, const char *group, struct json_object **out,
		  err_t *err);

/* Group changes, with the caller's token (SSO decides who may). A refusal
 * comes back as -ERR_FORBIDDEN / -ERR_NOT_FOUND / -ERR_CONFLICT / -ERR_INVALID
 * with SSO's reason in the message. */
int sso_group_create(ctx_t *ctx, const char *token, const char *group, const char *fullname,
		     err_t *err);
int sso_group_delete(ctx_t *ctx, const char *token, const char *group, err_t *err);
int sso_group_nest(ctx_t *ctx, const char *token, const char *group, const char *member_group,
		   const char *role, err_t *err);
int sso_member_put(ctx_t *ctx, const char *token, const char *group, const char *user,
		   const char *role, err_t *err);
int sso_member_delete(ctx_t *ctx, const char *token, const char *group, const char *user,
		      err_t *err);

/* The authorization-code exchange (POST /oauth2/token with the client's
 * credentials in the form). -ERR_UNAUTHORIZED when SSO gives no token. */
int sso_exchange_code(ctx_t *ctx, arena_t *arena, const char *code, const char **access_token,
		      long *expires_in, err_t *err);

/* The SSO base URL in use ("" when none is known). */
const char *sso_base_url(ctx_t *ctx);

#endif
