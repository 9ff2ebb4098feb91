/*
 * store — the typed records lain-console keeps in etcd. No handler builds an
 * etcd key: they all go through here (DESIGN.md), so a watch-fed cache can
 * later slot in behind these calls.
 *
 * App records live at <CONSOLE_APPS_ETCD_PREFIX>/<appname> as the JSON of
 * spec §2.3. Records returned are allocated in the caller's arena and die
 * with it.
 */
#ifndef CONSOLE_STORE_H
#define CONSOLE_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "console/arena.h"
#include "console/ctx.h"
#include "console/err.h"
#include "console/etcd.h"

struct json_object;

/* A record's running_state (spec §2.3): registered only, during a deploy or
 * an update, deployed. */
enum app_state {
	APP_STATE_OTHER,    /* absent, null or unknown (a legacy record): counts as deployed,
	                       and a save leaves the field as it was */
	APP_REPOSITED,
	APP_DEPLOYING,
	APP_DEPLOYED,
};

/* The running_state string of state ("reposited", ...; "" for OTHER). */
const char *app_state_name(enum app_state state);

typedef struct app_record {
	const char *appname;
	const char *giturl;
	const char *meta_version;
	const char *meta;
	const char *default_image;
	enum app_state state;        /* running_state */
	const char *app_type;
	const char *last_update;
	const char *last_error;
	struct json_object *canaries; /* spec §7.3: {"<proc>": {"canary_proc", "policy_group"}}; NULL
	                                 when the record has none. A save writes it: a change is a
	                                 new object (raw's stays as read) */
	struct json_object *raw;     /* the record as read, unknown fields included; NULL in
	                                a listed record (store_app_list), which cannot be saved */
	int64_t mod_revision;
} app_record_t;

/* Whether the app runs (or ran) at deployd: not only registered. */
static inline bool app_deployed(const app_record_t *app)
{
	return app->state != APP_REPOSITED;
}

/* Loads app name. -ERR_NOT_FOUND when there is no (valid) record. */
int store_app_get(ctx_t *ctx, arena_t *arena, const char *name, app_record_t **out, err_t *err);

/* store_app_get, and in *members_rev the revision of the last
 * store_members_changed (0: none), read in the same round trip (one
 * read-only txn): what a permission check needs. */
int store_app_get_members(ctx_t *ctx, arena_t *arena, const char *name, app_record_t **out,
			  int64_t *members_rev, err_t *err);

/* store_app_get, with more[0..nmore) (ETCD_OP_RANGE: keys or prefixes)
 * read in the same read-only txn; each of their kvs goes to fn(kv, data)
 * (valid during the call). What a check that needs the record and some
 * other keys of the app reads in one round trip. */
int store_app_get_with(ctx_t *ctx, arena_t *arena, const char *name, const etcd_op_t *more,
		       size_t nmore, etcd_kv_fn fn, void *data, app_record_t **out, err_t *err);

/* Whether a deploy of app name stopped halfway: its record still says
 * "deploying" with no error while nobody holds its deploy lock — the
 * request serving it ended (a killed worker) and the lock's lease ran out.
 * The record and the lock are read in one read-only txn (one revision), so
 * a deploy that finishes meanwhile is not taken for one. */
int store_app_interrupted(ctx_t *ctx, arena_t *arena, const char *name, bool *out, err_t *err);

/* Calls fn for every valid record in name order; records that are not JSON
 * or have no appname are skipped (spec §2.3). The list is exact at the time
 * of the call (a linearizable read of the keys and their revisions); values
 * come from a per-worker cache when their revision has not changed. The
 * records are read-only (their raw object is shared with that cache) and
 * live as long as arena. */
typedef int (*store_app_fn)(const app_record_t *app, void *data);
int store_app_each(ctx_t *ctx, arena_t *arena, store_app_fn fn, void *data, err_t *err);

/* The records store_app_each walks, as an array *apps[0..*n) in arena, and
 * in *members_rev (may be NULL) the revision of the last
 * store_members_changed (0: none), read in the same range as the records:
 * the list and the news of a membership change come in one round trip. */
int store_app_list(ctx_t *ctx, arena_t *arena, const app_record_t ***apps, size_t *n,
		   int64_t *members_rev, err_t *err);

/*
 * Who may see apps changed through this console (issue 14 #15). Workers
 * keep users' SSO group lists for a few seconds; a change of an app's
 * members made here (a registration, a maintainer added or removed, a
 * resource instance's group) is followed by this call, which puts the
 * members key — the key <CONSOLE_APPS_ETCD_PREFIX> itself, next to the
 * records, so store_app_list reads its mod_revision with them. A worker
 * whose cached group list was read at a revision below it reads the list
 * again (permission_since). Call it after the change at SSO has succeeded.
 */
int store_members_changed(ctx_t *ctx, err_t *err);

/* The highest etcd revision this worker has seen (etcd_revision_seen):
 * every membership change marked at or below it was made at SSO before
 * the read that returned it. */
int64_t store_revision_seen(ctx_t *ctx);

/* Registers name: a new record, APP_REPOSITED, created only if no record of
 * that name exists (-ERR_CONFLICT otherwise). */
int store_app_create(ctx_t *ctx, const char *name, err_t *err);

/*
 * The largest app record written, in bytes of its JSON. etcd refuses a
 * request larger than its --max-request-bytes (1.5 MiB by default), and a
 * record is written in one txn with its compare and the keys that go with
 * it (an oplog row, a lock): 1 MiB leaves that room. lain.yaml is the big
 * field (its text, JSON-escaped: quotes and newlines count twice); a record
 * past this is refused here, naming the limit, before etcd is asked.
 */
#define STORE_APP_RECORD_MAX (1u << 20)

/* 0 when app, as store_app_save would write it, is at most
 * STORE_APP_RECORD_MAX bytes; else -ERR_TOO_BIG with err naming both. */
int store_app_fits(const app_record_t *app, err_t *err);

/*
 * Writes app as the record of app->appname, only if the stored record is
 * still at app->mod_revision (the one it was read at): -ERR_CONFLICT "app
 * '<a>' was changed by another request ..." otherwise. The typed fields go
 * over app->raw (unknown fields kept; a field whose value raw already has
 * is left as raw wrote it); "last_update" is set to now. more[0..nmore):
 * other keys written in the same etcd txn, all or none with the record
 * (NULL, 0: none). A record past STORE_APP_RECORD_MAX: -ERR_TOO_BIG
 * (store_app_fits), etcd not asked.
 */
int store_app_save(ctx_t *ctx, const app_record_t *app, const etcd_op_t *more, size_t nmore,
		   err_t *err);

/* store_app_save with more compares (cmps[0..ncmps)) that must hold too,
 * e.g. a key written with the record must not exist yet; when one does not
 * hold nothing is written and -ERR_CONFLICT names the app. */
int store_app_save_if(ctx_t *ctx, const app_record_t *app, const etcd_cmp_t *cmps, size_t ncmps,
		      const etcd_op_t *more, size_t nmore, err_t *err);

/* Removes the record of name (no error when it is gone already). */
int store_app_delete(ctx_t *ctx, const char *name, err_t *err);

/* Number of app records (valid or not). */
int store_app_count(ctx_t *ctx, int64_t *count, err_t *err);

/* Reads a shared cluster setting under /lain/config/ through the API
 * CONSOLE_ETCD_CONFIG_API names (v3, or v2 for an existing LAIN cluster).
 * *value is NULL when the key does not exist. */
int store_config_get(ctx_t *ctx, arena_t *arena, const char *key, const char **value,
		     err_t *err);

/* ---- The cluster settings the deploys read (store_config_get's API). */

/* The extra system volumes of app: <CONSOLE_SYSTEM_VOLUMES_ETCD_PREFIX>/<app>,
 * "host:ctr[:mode]" entries joined by ';' (spec §2.2), into vols[0..*n) (in
 * arena); none when the key is absent. -ERR_INVALID "<key>: more than <max>
 * system volumes" beyond max; a failed read is "cannot read the system
 * volumes of <app>: ...". */
int store_system_volumes(ctx_t *ctx, arena_t *arena, const char *app, const char **vols,
			 size_t max, size_t *n, err_t *err);

/* Whether app is one of the cluster's protected apps (PROTECTED_APPS_ETCD_PREFIX:
 * a JSON array of names; absent or not a list: none is). */
int store_app_protected(ctx_t *ctx, arena_t *arena, const char *app, bool *yes, err_t *err);

/* The calico subnet new docker networks get (/lain/config/calico_network, a
 * plain string). -ERR_INVALID "<key> is not set: ..." when it is unset. */
int store_calico_network(ctx_t *ctx, arena_t *arena, const char **subnet, err_t *err);

/* The rules put in front of a new network's profile
 * (/lain/config/calico_default_rule: {"inbound_rules": [...],
 * "outbound_rules": [...]}): *set when the key holds any, each list NULL
 * when absent (in arena). -ERR_INVALID "<key> is not a JSON object". */
int store_calico_default_rule(ctx_t *ctx, arena_t *arena, bool *set,
			      struct json_object **inbound, struct json_object **outbound,
			      err_t *err);

/* The addresses the registry token server lets in without credentials:
 * /lain/config/registry_ip_whitelist and /lain/config/node_network (texts
 * for ipset.h, NULL when unset; in arena). */
int store_registry_allowed(ctx_t *ctx, arena_t *arena, const char **whitelist,
			   const char **nodes, err_t *err);

/* The webhook URLs registered for a notify type (spec §7.1): a JSON array
 * of URL strings at <CONSOLE_NOTIFIES_PREFIX>/<type_key> (type_key
 * "image_push"). *urls is [] when the key is absent; it lives in arena. */
int store_notify_list(ctx_t *ctx, arena_t *arena, const char *type_key,
		      struct json_object **urls, err_t *err);

/* Adds url once (add) or removes it (!add; -ERR_NOT_FOUND when it is not
 * there), by compare-and-swap on the key's revision, read again and retried
 * when another request changed the list in between: no update is lost.
 * more[0..nmore): other writes made in the same txn as the list's, all or
 * none (a webhook's secret: webhooks.h). *changed: whether the list was
 * written (false: url was there already; more not written either). */
int store_notify_change(ctx_t *ctx, arena_t *arena, const char *type_key, const char *url,
			bool add, const etcd_op_t *more, size_t nmore, bool *changed, err_t *err);

/* Current UTC time as the records store it: "YYYY-MM-DD HH:MM:SS". */
void store_now(char out[20]);

#endif
