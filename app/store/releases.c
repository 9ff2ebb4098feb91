/* The release history of apps in etcd; see releases.h. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "console/array.h"
#include "console/etcd.h"
#include "console/releases.h"
#include "console/xalloc.h"
#include "console/banned.h"

/* The one table of state strings. */
static const char *const state_names[] = {
	[RELEASE_PENDING] = "pending",
	[RELEASE_SUCCEEDED] = "succeeded",
	[RELEASE_FAILED] = "failed",
	[RELEASE_ROLLED_BACK] = "rolled_back",
};

const char *release_state_name(enum release_state state)
{
	return state_names[state];
}

static enum release_state state_of(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(state_names); i++)
		if (!strcmp(name, state_names[i]))
			return (enum release_state)i;
	return RELEASE_FAILED; /* unknown: never counts as running well */
}

static const char *prefix_of(arena_t *arena, const char *app)
{
	return arena_printf(arena, RELEASES_PREFIX "%s/", app);
}

static const char *key_of(arena_t *arena, const char *app, int64_t id)
{
	return arena_printf(arena, RELEASES_PREFIX "%s/%010" PRId64, app, id);
}

/* The id of a key: its digits after the last '/'; 0 when it has none. */
static int64_t id_of(const char *key, size_t len)
{
	size_t i = len;
	while (i && key[i - 1] != '/')
		i--;
	int64_t id = 0;
	for (; i < len; i++) {
		if (key[i] < '0' || key[i] > '9' || id > INT64_MAX / 10 - 9)
			return 0;
		id = id * 10 + (key[i] - '0');
	}
	return id;
}

struct collected {
	arena_t *arena;
	const char *app;
	release_t *v;
	size_t n, cap;
	int64_t count;
};

/* One kv into the list; values that are not a JSON object are skipped. */
static int collect(const etcd_kv_t *kv, void *p)
{
	struct collected *c = p;
	json_object *o = json_tokener_parse(kv->value);
	int64_t id = id_of(kv->key, kv->key_len);
	if (!o || !json_object_is_type(o, json_type_object) || !id) {
		json_object_put(o);
		return 0;
	}
	arena_json(c->arena, o);
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 16;
		release_t *v = arena_alloc(c->arena, cap * sizeof(*v));
		if (c->n)
			memcpy(v, c->v, c->n * sizeof(*v));
		c->v = v;
		c->cap = cap;
	}
	json_object *st;
	c->v[c->n++] = (release_t){
		.id = id,
		.app = c->app,
		.state = json_object_object_get_ex(o, "state", &st) ? state_of(json_object_get_string(st))
								     : RELEASE_FAILED,
		.obj = o,
		.mod_revision = kv->mod_revision,
	};
	return 0;
}

int store_release_list(ctx_t *ctx, arena_t *arena, const char *app, release_t **out, size_t *n,
		       err_t *err)
{
	struct collected c = { .arena = arena, .app = app };
	int rc = etcd_range_prefix(ctx->etcd, prefix_of(arena, app), 0, collect, &c, err);
	*out = NULL;
	*n = 0;
	if (rc)
		return err_wrap(err, "cannot read the releases of '%s'", app);
	/* Key order is oldest first: turn it round. */
	for (size_t i = 0; i < c.n / 2; i++) {
		release_t t = c.v[i];
		c.v[i] = c.v[c.n - 1 - i];
		c.v[c.n - 1 - i] = t;
	}
	*out = c.v;
	*n = c.n;
	return 0;
}

int store_release_get(ctx_t *ctx, arena_t *arena, const char *app, int64_t id, release_t **out,
		      err_t *err)
{
	buf_t value = BUF_INIT;
	etcd_kv_t kv;
	const char *key = key_of(arena, app, id);
	int rc = id > 0 ? etcd_get(ctx->etcd, key, &value, &kv, err) : -ERR_NOT_FOUND;
	struct collected c = { .arena = arena, .app = app };
	if (!rc) {
		kv.key = key;
		kv.key_len = strlen(key);
		kv.value = value.data;
		kv.value_len = value.len;
		collect(&kv, &c);
	}
	buf_release(&value);
	if (rc == -ERR_NOT_FOUND || (!rc && !c.n))
		return err_set(err, -ERR_NOT_FOUND, "release %" PRId64 " of app %s does not exist", id,
			       app);
	if (rc)
		return err_wrap(err, "cannot read release %" PRId64 " of '%s'", id, app);
	*out = &c.v[0];
	return 0;
}

/* The newest release (c->n 0 or 1) and the number of keys (c->count). */
static int latest(ctx_t *ctx, struct collected *c, err_t *err)
{
	int rc = etcd_range_last(ctx->etcd, prefix_of(c->arena, c->app), collect, c, &c->count, err);
	return rc ? err_wrap(err, "cannot read the releases of '%s'", c->app) : 0;
}

int store_release_latest(ctx_t *ctx, arena_t *arena, const char *app, release_t **out,
			 err_t *err)
{
	struct collected c = { .arena = arena, .app = app };
	int rc = latest(ctx, &c, err);
	*out = !rc && c.n ? &c.v[0] : NULL;
	return rc;
}

release_t *store_release_new(arena_t *arena, const char *app, enum release_state state)
{
	release_t *r = arena_alloc(arena, sizeof(*r));
	*r = (release_t){ .app = app, .state = state, .obj = json_object_new_object() };
	arena_json(arena, r->obj);
	json_object_object_add(r->obj, "app", json_object_new_string(app));
	json_object_object_add(r->obj, "state", json_object_new_string(release_state_name(state)));
	return r;
}

/* The put of rel's record (its state written over "state") into b. */
static int add_put(arena_t *arena, const release_t *rel, release_batch_t *b, err_t *err)
{
	if (b->nops == RELEASE_BATCH_OPS)
		return err_set(err, -ERR_TOO_BIG, "too many keys in one write of app %s", rel->app);
	json_object_object_add(rel->obj, "state",
			       json_object_new_string(release_state_name(rel->state)));
	size_t len;
	const char *text = json_object_to_json_string_length(
		rel->obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	b->ops[b->nops++] = (etcd_op_t){ .type = ETCD_OP_PUT,
					 .key = key_of(arena, rel->app, rel->id),
					 .value = arena_strndup(arena, text, len),
					 .value_len = len };
	return 0;
}

static int add_cmp(const release_t *rel, const char *key, int64_t mod_revision, release_batch_t *b,
		   err_t *err)
{
	if (b->ncmps == RELEASE_BATCH_CMPS)
		return err_set(err, -ERR_TOO_BIG, "too many conditions in one write of app %s",
			       rel->app);
	b->cmps[b->ncmps++] = (etcd_cmp_t){ .key = key, .target = ETCD_CMP_MOD,
					    .result = ETCD_EQUAL, .revision = mod_revision };
	return 0;
}

struct oldest {
	arena_t *arena;
	size_t want, n;
	const char *keys[RELEASES_TRIM_MAX];
};

static int collect_oldest(const etcd_kv_t *kv, void *p)
{
	struct oldest *o = p;
	if (o->n >= o->want)
		return 1; /* enough: stops the walk */
	o->keys[o->n++] = arena_strndup(o->arena, kv->key, kv->key_len);
	return 0;
}

int store_release_stage_new(ctx_t *ctx, arena_t *arena, release_t *rel, release_batch_t *b,
			    err_t *err)
{
	struct collected c = { .arena = arena, .app = rel->app };
	int rc = latest(ctx, &c, err);
	if (rc)
		return rc;
	int64_t previous = c.n ? c.v[0].id : 0;
	rel->id = previous + 1;
	json_object_object_add(rel->obj, "id", json_object_new_int64(rel->id));
	json_object_object_add(rel->obj, "previous", json_object_new_int64(previous));
	const char *key = key_of(arena, rel->app, rel->id);
	/* mod_revision 0: the key does not exist. */
	if ((rc = add_cmp(rel, key, 0, b, err)) || (rc = add_put(arena, rel, b, err)))
		return rc;
	if (c.count + 1 <= RELEASES_KEEP)
		return 0;
	int64_t excess = c.count + 1 - RELEASES_KEEP;
	struct oldest o = { .arena = arena,
			    .want = excess < RELEASES_TRIM_MAX ? (size_t)excess : RELEASES_TRIM_MAX };
	rc = etcd_range_prefix_keys(ctx->etcd, prefix_of(arena, rel->app), o.want, collect_oldest,
				    &o, err);
	if (rc < 0)
		return err_wrap(err, "cannot read the releases of '%s'", rel->app);
	/* Room is left for a rewrite staged after this (a release rolled back). */
	for (size_t i = 0; i < o.n && b->nops + 2 < RELEASE_BATCH_OPS; i++)
		b->ops[b->nops++] = (etcd_op_t){ .type = ETCD_OP_DELETE, .key = o.keys[i] };
	return 0;
}

int store_release_stage_update(arena_t *arena, const release_t *rel, release_batch_t *b,
			       err_t *err)
{
	int rc = add_cmp(rel, key_of(arena, rel->app, rel->id), rel->mod_revision, b, err);
	return rc ? rc : add_put(arena, rel, b, err);
}

int store_release_update(ctx_t *ctx, arena_t *arena, const release_t *rel, err_t *err)
{
	release_batch_t b = RELEASE_BATCH_INIT;
	int rc = store_release_stage_update(arena, rel, &b, err);
	bool ok = false;
	if (!rc)
		rc = etcd_txn(ctx->etcd, b.cmps, b.ncmps, b.ops, b.nops, NULL, 0, &ok, err);
	if (rc)
		return err_wrap(err, "cannot write release %" PRId64 " of '%s'", rel->id, rel->app);
	if (!ok)
		return err_set(err, -ERR_CONFLICT,
			       "release %" PRId64 " of app %s was changed by another request", rel->id,
			       rel->app);
	return 0;
}
