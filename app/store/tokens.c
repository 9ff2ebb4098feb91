/* The records of deploy tokens; see tokens.h. */
#include <string.h>

#include <json-c/json.h>

#include "console/etcd.h"
#include "console/tokens.h"
#include "console/xalloc.h"
#include "fields.h"
#include "console/banned.h"

static const char *token_key(arena_t *arena, const char *app, const char *name)
{
	return arena_printf(arena, TOKENS_PREFIX "%s/%s", app, name);
}

/* The record of a stored value (in arena), false when it is not one. */
static bool parse(arena_t *arena, const etcd_kv_t *kv, token_record_t *t)
{
	json_object *o = field_record(arena, kv);
	if (!o)
		return false;
	*t = (token_record_t){ .app = field_str(o, "app"), .name = field_str(o, "name"),
			       .creator = field_str(o, "creator"), .created = field_i64(o, "created"),
			       .expires = field_i64(o, "expires"), .last_used = field_i64(o, "last_used"),
			       .salt = field_str(o, "salt"), .hash = field_str(o, "hash"),
			       .mod_revision = kv->mod_revision };
	if (!json_object_object_get_ex(o, "scopes", &t->scopes) ||
	    !json_object_is_type(t->scopes, json_type_array))
		return false;
	return t->app && t->name && t->salt && t->hash && t->creator;
}

static char *to_json(const token_record_t *t, int64_t last_used)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "app", json_object_new_string(t->app));
	json_object_object_add(o, "name", json_object_new_string(t->name));
	json_object_object_add(o, "scopes", json_object_get(t->scopes));
	json_object_object_add(o, "creator", json_object_new_string(t->creator));
	json_object_object_add(o, "created", json_object_new_int64(t->created));
	json_object_object_add(o, "expires", json_object_new_int64(t->expires));
	json_object_object_add(o, "last_used", json_object_new_int64(last_used));
	json_object_object_add(o, "salt", json_object_new_string(t->salt));
	json_object_object_add(o, "hash", json_object_new_string(t->hash));
	char *s = xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return s;
}

int store_token_create(ctx_t *ctx, const token_record_t *t, err_t *err)
{
	arena_t *a = arena_new();
	char *v = to_json(t, 0);
	int rc = etcd_create(ctx->etcd, token_key(a, t->app, t->name), v, strlen(v), 0, err);
	if (rc == -ERR_CONFLICT)
		err_set(err, rc, "a token named '%s' of app '%s' exists already", t->name, t->app);
	free(v);
	arena_free(a);
	return rc;
}

struct list {
	arena_t *arena;
	token_record_t *v;
	size_t n, cap;
};

static int collect(const etcd_kv_t *kv, void *p)
{
	struct list *l = p;
	token_record_t t;
	if (!parse(l->arena, kv, &t))
		return 0;
	*(token_record_t *)arena_push(l->arena, &l->v, &l->n, &l->cap, sizeof(t)) = t;
	return 0;
}

static int list_under(ctx_t *ctx, arena_t *arena, const char *prefix, token_record_t **v,
		      size_t *n, err_t *err)
{
	struct list l = { .arena = arena };
	int rc = etcd_range_prefix(ctx->etcd, prefix, 0, collect, &l, err);
	*v = l.v;
	*n = rc ? 0 : l.n;
	return rc;
}

int store_token_list(ctx_t *ctx, arena_t *arena, const char *app, token_record_t **v,
		     size_t *n, err_t *err)
{
	return list_under(ctx, arena, arena_printf(arena, TOKENS_PREFIX "%s/", app), v, n, err);
}

int store_token_all(ctx_t *ctx, arena_t *arena, token_record_t **v, size_t *n, err_t *err)
{
	return list_under(ctx, arena, TOKENS_PREFIX, v, n, err);
}

struct one {
	arena_t *arena;
	token_record_t t;
	bool found;
};

static int on_one(const etcd_kv_t *kv, void *p)
{
	struct one *o = p;
	o->found = parse(o->arena, kv, &o->t);
	return 0;
}

int store_token_get(ctx_t *ctx, arena_t *arena, const char *app, const char *name,
		    token_record_t **out, err_t *err)
{
	struct one o = { .arena = arena };
	const char *key = token_key(arena, app, name);
	int rc = etcd_get_many(ctx->etcd, &key, 1, on_one, &o, err);
	if (rc)
		return rc;
	if (!o.found)
		return err_set(err, -ERR_NOT_FOUND, "app '%s' has no token named '%s'", app, name);
	*out = arena_alloc(arena, sizeof(**out));
	**out = o.t;
	return 0;
}

int store_token_delete(ctx_t *ctx, const char *app, const char *name, err_t *err)
{
	arena_t *a = arena_new();
	int64_t deleted = 0;
	int rc = etcd_delete(ctx->etcd, token_key(a, app, name), false, &deleted, err);
	arena_free(a);
	if (!rc && !deleted)
		rc = err_set(err, -ERR_NOT_FOUND, "app '%s' has no token named '%s'", app, name);
	return rc;
}

int store_token_touch(ctx_t *ctx, arena_t *arena, const token_record_t *t, int64_t now,
		      err_t *err)
{
	char *v = to_json(t, now);
	int rc = etcd_update(ctx->etcd, token_key(arena, t->app, t->name), v, strlen(v),
			     t->mod_revision, err);
	free(v);
	return rc;
}

/* The kvs of a token check's read: the tokens, and the oplog's newest row. */
struct with_last {
	struct list l;
	const char *app;
	oplog_last_t *last;
};

static int collect_or_last(const etcd_kv_t *kv, void *p)
{
	struct with_last *w = p;
	if (w->last && oplog_last_take(w->l.arena, w->app, kv, w->last))
		return 0;
	return collect(kv, &w->l);
}

int store_app_get_tokens(ctx_t *ctx, arena_t *arena, const char *name, app_record_t **app,
			 token_record_t **v, size_t *n, oplog_last_t *last, err_t *err)
{
	struct with_last w = { .l = { .arena = arena }, .app = name, .last = last };
	etcd_op_t ranges[] = {
		{ .type = ETCD_OP_RANGE, .prefix = true, .key = arena_printf(arena, TOKENS_PREFIX "%s/", name) },
		last ? oplog_last_range(arena, name) : (etcd_op_t){ 0 },
	};
	if (last)
		*last = (oplog_last_t){ 0 };
	int rc = store_app_get_with(ctx, arena, name, ranges, last ? 2 : 1, collect_or_last, &w,
				    app, err);
	*v = w.l.v;
	*n = rc ? 0 : w.l.n;
	return rc;
}

int store_token_read(ctx_t *ctx, arena_t *arena, const token_record_t *t, const char *user,
		     const char *what, oplog_last_t *last, int64_t touch_after, err_t *err)
{
	token_record_t cur = *t;
	bool gone = false;
	const char *key = token_key(arena, t->app, t->name);
	for (int try = 0; try < TOKENS_READ_TRIES; try++) {
		etcd_cmp_t cmp[OPLOG_READ_CMPS + 1];
		etcd_op_t then[2];
		bool fresh = false, ok = false;
		int64_t now = oplog_now();
		size_t ncmp = oplog_read_write(arena, t->app, last, user, what, now, cmp, &then[0],
					       &fresh);
		size_t nthen = 1;
		char *value = NULL;
		if (!gone && now / 1000000 - cur.last_used >= touch_after) {
			value = to_json(&cur, now / 1000000);
			cmp[ncmp++] = (etcd_cmp_t){ .key = key, .target = ETCD_CMP_MOD,
						    .result = ETCD_EQUAL, .revision = cur.mod_revision };
			then[nthen++] = (etcd_op_t){ .type = ETCD_OP_PUT, .key = key, .value = value,
						     .value_len = strlen(value) };
		}
		/* What the next try needs, when this one loses. */
		etcd_op_t again[] = { oplog_last_range(arena, t->app), { .type = ETCD_OP_RANGE, .key = key } };
		struct with_last w = { .l = { .arena = arena }, .app = t->app, .last = last };
		*last = (oplog_last_t){ 0 };
		int rc = etcd_txn_read(ctx->etcd, cmp, ncmp, then, nthen, again, 2, &ok,
				       collect_or_last, &w, err);
		free(value);
		if (rc)
			return err_wrap(err, "cannot write the oplog of '%s'", t->app);
		if (ok) {
			if (fresh)
				oplog_trim(ctx, t->app);
			return 0;
		}
		if (w.l.n)
			cur = w.l.v[0];
		gone = !w.l.n;
	}
	return err_set(err, -ERR_CONFLICT, "the oplog of '%s' changed %d times in a row", t->app,
		       TOKENS_READ_TRIES);
}
