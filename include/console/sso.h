/*
 * sso — the client of LAIN SSO (lain-ecosystem.md §3, console-api.md §5.4).
 *
 * A client (sso_new) is given its timeouts, its cache time and the OAuth2
 * client lain-console is at SSO; the base URL of its calls is set apart
 * (sso_set_base: the auth switch's "url" can change while the client
 * lives). Paths are called without a trailing slash (SSO redirects those).
 * SSO unreachable -> -ERR_UNAVAILABLE with "sso unavailable: <reason>", an
 * unexpected answer -> -ERR_BAD_GATEWAY. Results live in the caller's arena.
 *
 * Caches, per client: /api/me answers per token for cache_seconds, password
 * checks per hash of user and password for the same time; failures are
 * never cached.
 */
#ifndef CONSOLE_SSO_H
#define CONSOLE_SSO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "console/arena.h"
#include "console/err.h"

struct json_object;

typedef struct sso sso_t;

typedef struct sso_opts {
	long timeout_ms, connect_timeout_ms;
	long cache_seconds;               /* 0: no cache */
	const char *client_id;            /* the OAuth2 client (copied) */
	const char *client_secret;
} sso_opts_t;

/* A client; never NULL. */
sso_t *sso_new(const sso_opts_t *opts);
void sso_free(sso_t *s);

/* The SSO base URL of the calls that follow ("https://sso.<domain>"; a
 * trailing slash is dropped). Without one ("" or NULL) calls fail with
 * "sso unavailable: no SSO URL ...". */
void sso_set_base(sso_t *s, const char *url);

/* The SSO base URL in use ("" when none). */
const char *sso_base(const sso_t *s);

typedef struct sso_user {
	const char *name;
	const char *const *groups;    /* recursive: nested memberships included */
	size_t ngroups;
	int64_t stamp;                /* sso_me's stamp when this answer came from SSO */
} sso_user_t;

/* Whether user is in group (exact name). */
bool sso_user_in(const sso_user_t *user, const char *group);

/* GET /api/me with the caller's token. -ERR_UNAUTHORIZED when SSO refuses it
 * (the token is never sent when NULL or empty). fresh skips the cache (and
 * refills it): for a decision a cached group list may be too old for, such
 * as right after the caller registered an app. stamp is kept with an answer
 * that comes from SSO and handed back in (*out)->stamp, also when the
 * answer comes from the cache later: how old the answer is, in the
 * caller's terms (lain-console: the etcd revision seen before the call). */
int sso_me(sso_t *s, arena_t *arena, const char *token, bool fresh, int64_t stamp,
	   sso_user_t **out, err_t *err);

/* The password check of §5.4 (form login at /oauth2/auth for the client
 * with redirect_uri, no redirect followed; valid iff the Location carries a
 * code). 0 valid, -ERR_UNAUTHORIZED invalid. SSO takes a user's e-mail
 * address as the login too: *out is the user who logged in as SSO names
 * them (the code exchanged for a token, /api/me with it: the canonical
 * name and the groups), never the login as given. Cached with the answer
 * (cache_seconds, per user and password). */
int sso_check_password(sso_t *s, arena_t *arena, const char *redirect_uri, const char *user,
		       const char *password, sso_user_t **out, err_t *err);

/* GET /api/users/<user>: the user's (recursive) groups. -ERR_NOT_FOUND. */
int sso_user_get(sso_t *s, arena_t *arena, const char *user, sso_user_t **out, err_t *err);

/* GET /api/groups/<group>/members/<user>: "admin" or "normal".
 * -ERR_NOT_FOUND when user is not a member (or no such group/user). */
int sso_member_role(sso_t *s, arena_t *arena, const char *group, const char *user,
		    const char **role, err_t *err);

/* GET /api/groups/<group>: {name, fullname, members: [{name, role}], group_members}.
 * The object is owned by the arena. -ERR_NOT_FOUND. */
int sso_group_get(sso_t *s, arena_t *arena, const char *group, struct json_object **out,
		  err_t *err);

/* Group changes, with the caller's token (SSO decides who may). A refusal
 * comes back as -ERR_FORBIDDEN / -ERR_NOT_FOUND / -ERR_CONFLICT / -ERR_INVALID
 * with SSO's reason in the message. */
int sso_group_create(sso_t *s, const char *token, const char *group, const char *fullname,
		     err_t *err);
int sso_group_delete(sso_t *s, const char *token, const char *group, err_t *err);
int sso_group_nest(sso_t *s, const char *token, const char *group, const char *member_group,
		   const char *role, err_t *err);
/* The body of the last answer SSO gave s, as it was sent ("" when there
 * was none); valid until its next call. For messages that quote SSO (the
 * original console showed SSO's refusals of maintainer changes). */
const char *sso_last_body(const sso_t *s);

int sso_member_put(sso_t *s, const char *token, const char *group, const char *user,
		   const char *role, err_t *err);
int sso_member_delete(sso_t *s, const char *token, const char *group, const char *user,
		      err_t *err);

/* The authorization-code exchange (POST /oauth2/token with the client's
 * credentials and redirect_uri in the form). -ERR_UNAUTHORIZED when SSO
 * gives no token. */
int sso_exchange_code(sso_t *s, const char *redirect_uri, arena_t *arena, const char *code,
		      const char **access_token, long *expires_in, err_t *err);

#endif
