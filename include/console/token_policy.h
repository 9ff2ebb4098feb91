/*
 * token_policy — who gets what from the registry token server (issue 6,
 * console-api.md §6 and the fixes of §9.3 #1-#5). Pure: no I/O. The handler
 * (app/api/registry_auth.c) asks SSO and etcd, then lets these functions
 * parse, decide and build the claims.
 *
 * Scopes. A request carries any number of `scope` parameters, each holding
 * one or more space-separated entries `<type>:<name>:<actions>`:
 *   - type is [A-Za-z0-9_-]+, optionally with a class: "repository(plugin)";
 *   - the first ':' ends the type, the last ':' starts the actions, so the
 *     name is what lies between; a name holding a ':' itself is malformed
 *     (registry names cannot carry one: a host:port belongs to the client);
 *   - for the type "repository" the name must follow the registry's grammar
 *     (lower-case components [a-z0-9]+ joined by '.', '_', '__' or dashes,
 *     separated by '/', at most 255 characters); other types need a
 *     non-empty printable name;
 *   - actions are a comma-separated list of non-empty [A-Za-z0-9_*-]+ words.
 * Anything else is malformed (-ERR_INVALID: the handler answers 400). An
 * empty parameter is no scope at all.
 *
 * Grant. Only scopes of the exact type "repository" can be granted, and of
 * their actions only "pull" and "push"; every other type ("registry:catalog",
 * "repository(plugin)") and action ("*", "delete") is parsed, then left out of
 * the grant ("*" is not expanded). Scopes naming the same repository are
 * merged. Per repository, with want = the requested subset of {pull, push}:
 *
 *   caller                                   granted
 *   whitelisted address (no credentials)     want
 *   user in the admin group (lain)           want, on every repository
 *   user in the app's SSO group              want, when the repository is
 *                                            an app's: its name is an app
 *                                            name (appname.h: no '/', no '.')
 *   deploy token of app a (robot.h)          on repository a only: pull
 *                                            with scope pull or push, push
 *                                            with scope push
 *   anyone, CONSOLE_REGISTRY_ANONYMOUS_PULL  want & pull
 *   anyone else                              nothing
 *
 * A repository whose name has a '/' (or a '.') belongs to no app, so only
 * admins and whitelisted callers get it: app groups are named after app
 * names, and mapping "a/b" or "a.b" onto a group would let one app's members
 * reach another's images (the '.'-to-'-' collision of §9.3 #9).
 */
#ifndef CONSOLE_TOKEN_POLICY_H
#define CONSOLE_TOKEN_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "console/arena.h"
#include "console/err.h"

struct json_object;

/* Distinct repositories one request may name; more -> -ERR_INVALID. */
#define TOKEN_REPOS_MAX 16
/* Longest repository name the registry accepts. */
#define TOKEN_NAME_MAX 255

enum token_action {
	TOKEN_PULL = 1 << 0,
	TOKEN_PUSH = 1 << 1,
};

/* One repository a request asks for: name and the wanted TOKEN_* bits (0
 * when only other actions were asked, e.g. "*"). */
typedef struct token_want {
	const char *name;      /* in the arena given to token_scopes_add */
	unsigned want;
} token_want_t;

typedef struct token_request {
	token_want_t repos[TOKEN_REPOS_MAX];
	size_t nrepos;
	size_t nscopes;        /* scope entries seen, of every type */
	size_t ndropped;       /* entries of other types (not granted) */
} token_request_t;

#define TOKEN_REQUEST_INIT { .nrepos = 0 }

/* Parses the value of one `scope` parameter (one or more space-separated
 * entries) and merges its repository scopes into req. Strings are copied
 * into a. 0, or -ERR_INVALID with a message quoting the bad entry (req may
 * then hold the entries before it). */
int token_scopes_add(token_request_t *req, arena_t *a, const char *scope, err_t *err);

/* Whether name is a registry repository name (the grammar above). */
bool token_repo_name_valid(const char *name);

/* Whether name can be an app's repository, so that app group membership
 * means anything for it (an app name: no '/', no '.'). */
bool token_policy_app_repo(const char *name);

enum token_caller_kind {
	TOKEN_CALLER_ANONYMOUS,    /* no credentials */
	TOKEN_CALLER_USER,         /* credentials checked at SSO */
	TOKEN_CALLER_WHITELISTED,  /* REMOTE_ADDR in the whitelist or node network */
	TOKEN_CALLER_ROBOT,        /* a deploy token, checked against its stored hash */
};

typedef struct token_caller {
	enum token_caller_kind kind;
	bool admin;                /* USER: member of CONSOLE_LAIN_ADMIN_NAME */
	bool anonymous_pull;       /* CONSOLE_REGISTRY_ANONYMOUS_PULL */
	const char *robot_app;     /* ROBOT: the token's app */
	unsigned robot_scopes;     /* ROBOT: its ROBOT_* scopes (robot.h) */
} token_caller_t;

/* The TOKEN_* bits granted to caller on repository name, of those wanted;
 * member tells whether the (USER) caller is in the app group of name (only
 * looked at when token_policy_app_repo(name)). */
unsigned token_policy_grant(const token_caller_t *caller, const char *name, unsigned want,
			    bool member);

/* The claims of one token, built per request. */
typedef struct token_claims {
	const char *iss;
	const char *sub;           /* the authenticated user, "" when none */
	const char *aud;           /* the service asked for */
	int64_t iat;               /* issued at, Unix seconds */
	long ttl;                  /* exp = iat + ttl; nbf = iat - 1 */
	const char *jti;           /* random, unique */
	const token_want_t *grants;/* name + granted bits; entries with 0 are left out */
	size_t ngrants;
} token_claims_t;

/* {"iss","sub","aud","exp","nbf","iat","jti","access":[{"type":"repository",
 * "name","actions":["pull","push"]}, ...]}: a new object (the caller puts
 * it); "access" is [] when nothing is granted. */
struct json_object *token_claims_json(const token_claims_t *c);

/* t as RFC 3339 UTC, "2026-11-25T14:50:00Z". */
void token_time_rfc3339(int64_t t, char out[32]);

#endif
