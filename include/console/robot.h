/*
 * robot — per-app deploy tokens (issue 18): who a token acts as, what its
 * scopes allow, and the checks of what is asked when one is made. Pure:
 * no I/O (the records live in app/store/tokens.c, the secrets are made and
 * hashed by secret.h, the checks before a route run in app/api).
 *
 * A token belongs to one app and has a name: it acts as the robot
 * "robot:<app>:<name>" (the oplog's user, the registry token's sub), and
 * its secret is "lc_" + 52 base32 characters (secret.h). Scopes:
 *
 *   pull     registry: pull the app's repository
 *   push     registry: pull and push it (a push checks which layers the
 *            repository has, which is a pull); E20 (the image-push notice
 *            lain-cli sends after a push)
 *   read     API: the GETs of the app (E8 GET, E9-E11 GETs, E18, E19,
 *            E12 GET, E21, E24)
 *   deploy   API: E7 POST, E8 PUT, E9-E11 (and the GETs of read: a deploy
 *            is followed by reading the app's state)
 *
 * Never anything else: no other app, no list of apps, no maintainers or
 * roles (lvault and entry trust the roles endpoint), no undeploy (E8
 * DELETE), no admin routes, no new tokens.
 */
#ifndef CONSOLE_ROBOT_H
#define CONSOLE_ROBOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "console/arena.h"
#include "console/err.h"

struct json_object;

enum robot_scope {
	ROBOT_PULL = 1 << 0,
	ROBOT_PUSH = 1 << 1,
	ROBOT_READ = 1 << 2,
	ROBOT_DEPLOY = 1 << 3,
};
#define ROBOT_SCOPES_ALL (ROBOT_PULL | ROBOT_PUSH | ROBOT_READ | ROBOT_DEPLOY)

/* The prefix of every token's secret. */
#define ROBOT_SECRET_PREFIX "lc_"
/* The prefix of a robot's user name ("robot:<app>:<name>"). */
#define ROBOT_USER_PREFIX "robot:"
/* Longest token name. */
#define ROBOT_NAME_MAX 40
/* Tokens one app may have. */
#define ROBOT_TOKENS_MAX 50

/* The bit of scope name ("pull", ...), or 0 when it is none. */
unsigned robot_scope_bit(const char *name);

/* The names of the bits in scopes, in the order above, as a new JSON array. */
struct json_object *robot_scopes_json(unsigned scopes);

/* The bits of a JSON array of scope names: 0 with -ERR_INVALID naming the
 * first bad entry ("scopes must be a non-empty list of pull, push, deploy,
 * read"). */
int robot_scopes_parse(struct json_object *list, unsigned *scopes, err_t *err);

/* Whether name may name a token: 1 to ROBOT_NAME_MAX of [a-z0-9_-],
 * starting with a letter or a digit. -ERR_INVALID saying so otherwise. */
int robot_name_check(const char *name, err_t *err);

/* "robot:<app>:<name>" in arena. */
const char *robot_user(arena_t *arena, const char *app, const char *name);

/* Splits a user name of the form "robot:<app>:<name>" (in arena): true
 * when user has that form (app and name non-empty, no further ':'). */
bool robot_user_parse(arena_t *arena, const char *user, const char **app, const char **name);

/* Whether secret has the form of a token's ("lc_" + base32): what tells a
 * token from an SSO access token before anything is asked of SSO. */
bool robot_secret_form(const char *secret);

/*
 * The expiry of a token made at now (Unix seconds) that asks to live
 * expires_in seconds (<= 0: the longest allowed), where max_days is the
 * longest lifetime allowed (CONSOLE_DEPLOY_TOKEN_MAX_DAYS). -ERR_INVALID
 * "expires_in must be at most <n> seconds (<d> days, ...)" beyond it.
 */
int robot_expiry(int64_t now, int64_t expires_in, long max_days, int64_t *expires, err_t *err);

/* What a route's row names (route_t.scopes): the GETs of an app let read
 * and deploy tokens in, the routes that change what runs deploy tokens. */
#define ROBOT_ROUTE_READ (ROBOT_READ | ROBOT_DEPLOY)
#define ROBOT_ROUTE_DEPLOY ROBOT_DEPLOY
#define ROBOT_ROUTE_PUSH ROBOT_PUSH

/* Whether a token with scopes may use a route that lets robots in with
 * route_scopes (a route's ROBOT_* bits; 0: no robot). */
static inline bool robot_may(unsigned route_scopes, unsigned scopes)
{
	return (route_scopes & scopes) != 0;
}

#endif
