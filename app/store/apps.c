#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "console/array.h"
#include "console/etcd.h"
#include "console/locks.h"
#include "console/snapshot.h"
#include "console/store.h"
#include "console/xalloc.h"
#include "console/banned.h"

static const char *app_key(ctx_t *ctx, arena_t *arena, const char *name)
{
	return arena_printf(arena, "%s/%s", ctx->cfg->apps_prefix, name);
}

/* The one table of running_state strings. */
static const char *const state_names[] = {
	[APP_STATE_OTHER] = "",
	[APP_REPOSITED] = "reposited",
	[APP_DEPLOYING] = "deploying",
	[APP_DEPLOYED] = "deployed",
};

const char *app_state_name(enum app_state state)
{
	return state_names[state];
}

static enum app_state state_of(const char *name)
{
	for (size_t i = 1; i < ARRAY_SIZE(state_names); i++)
		if (!strcmp(name, state_names[i]))
			return (enum app_state)i;
	return APP_STATE_OTHER;
}

/* Strings point into the record's JSON object, which lives as long as the
 * record (the arena holds a reference). */
static const char *str_field(json_object *obj, const char *key)
{
	json_object *v;
	if (!json_object_object_get_ex(obj, key, &v) || json_object_is_type(v, json_type_null))
		return "";
	return json_object_get_string(v);
}

static json_object *parse_json(const char *value, size_t len)
{
	json_tokener *tok = json_tokener_new();
	json_object *obj = json_tokener_parse_ex(tok, value, (int)len);
	bool ok = json_tokener_get_error(tok) == json_tokener_success;
	json_tokener_free(tok);
	if (!ok || !obj || !json_object_is_type(obj, json_type_object)) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

/* Fills r with the record view of obj (its strings point into obj); false
 * when it is not a usable record. */
static bool record_fill(app_record_t *r, json_object *obj, int64_t mod_revision)
{
	r->appname = str_field(obj, "appname");
	if (!*r->appname)
		return false;
	r->giturl = str_field(obj, "giturl");
	r->meta_version = str_field(obj, "meta_version");
	r->meta = str_field(obj, "meta");
	r->default_image = str_field(obj, "default_image");
	r->state = state_of(str_field(obj, "running_state"));
	r->app_type = str_field(obj, "app_type");
	r->last_update = str_field(obj, "last_update");
	r->last_error = str_field(obj, "last_error");
	json_object *c;
	r->canaries = json_object_object_get_ex(obj, "canaries", &c) &&
				      json_object_is_type(c, json_type_object)
			      ? c
			      : NULL;
	r->raw = obj;
	r->mod_revision = mod_revision;
	return true;
}

/* The record view of a parsed object (one reference of obj is handed to the
 * arena); NULL when it is not a usable record. */
static app_record_t *record_of(arena_t *arena, json_object *obj, int64_t mod_revision)
{
	arena_json(arena, obj);
	app_record_t *r = arena_alloc(arena, sizeof(*r));
	return record_fill(r, obj, mod_revision) ? r : NULL;
}

int store_app_get(ctx_t *ctx, arena_t *arena, const char *name, app_record_t **out, err_t *err)
{
	buf_t value = BUF_INIT;
	etcd_kv_t kv;
	int rc = etcd_get(ctx->etcd, app_key(ctx, arena, name), &value, &kv, err);
	if (!rc) {
		json_object *obj = parse_json(value.data, value.len);
		*out = obj ? record_of(arena, obj, kv.mod_revision) : NULL;
		if (!*out)
			rc = err_set(err, -ERR_NOT_FOUND, "app '%s' has an unreadable record", name);
	}
	buf_release(&value);
	return rc;
}

/* The app record and other ranges, read together. */
struct with_more {
	const char *key;            /* the record's */
	buf_t value;
	int64_t mod_revision;
	bool found;
	etcd_kv_fn fn;              /* the other ranges' kvs */
	void *data;
};

static int on_record_or_more(const etcd_kv_t *kv, void *p)
{
	struct with_more *w = p;
	if (kv->key_len != strlen(w->key) || memcmp(kv->key, w->key, kv->key_len))
		return w->fn ? w->fn(kv, w->data) : 0;
	w->found = true;
	w->mod_revision = kv->mod_revision;
	return buf_add(&w->value, kv->value, kv->value_len);
}

/* The end of a read of a record through on_record_or_more: rc of the read,
 * then the record parsed into *out. */
static int record_done(arena_t *arena, const char *name, struct with_more *w, int rc,
		       app_record_t **out, err_t *err)
{
	if (!rc && !w->found)
		rc = err_set(err, -ERR_NOT_FOUND, "key '%s' not found", w->key);
	if (!rc) {
		json_object *obj = parse_json(w->value.data, w->value.len);
		*out = obj ? record_of(arena, obj, w->mod_revision) : NULL;
		if (!*out)
			rc = err_set(err, -ERR_NOT_FOUND, "app '%s' has an unreadable record", name);
	}
	buf_release(&w->value);
	return rc;
}

int store_app_get_with(ctx_t *ctx, arena_t *arena, const char *name, const etcd_op_t *more,
		       size_t nmore, etcd_kv_fn fn, void *data, app_record_t **out, err_t *err)
{
	struct with_more w = { .key = app_key(ctx, arena, name), .value = BUF_INIT, .fn = fn,
			       .data = data };
	etcd_op_t *ops = xcalloc(nmore + 1, sizeof(*ops));
	ops[0] = (etcd_op_t){ .type = ETCD_OP_RANGE, .key = w.key };
	for (size_t i = 0; i < nmore; i++)
		ops[i + 1] = more[i];
	int rc = etcd_read(ctx->etcd, ops, nmore + 1, on_record_or_more, &w, err);
	free(ops);
	return record_done(arena, name, &w, rc, out, err);
}

static int on_members(const etcd_kv_t *kv, void *p)
{
	*(int64_t *)p = kv->mod_revision;
	return 0;
}

/* From the host's snapshot while it is current (snapshot.h), else in one
 * read from etcd. */
int store_app_get_members(ctx_t *ctx, arena_t *arena, const char *name, app_record_t **out,
			  int64_t *members_rev, err_t *err)
{
	*members_rev = 0;
	const char *keys[] = { app_key(ctx, arena, name), ctx->cfg->apps_prefix };
	struct with_more w = { .key = keys[0], .value = BUF_INIT, .fn = on_members,
			       .data = members_rev };
	int rc = snapshot_get_many(ctx, keys, 2, on_record_or_more, &w);
	if (rc != 1)
		return record_done(arena, name, &w, rc, out, err);
	buf_release(&w.value);
	etcd_op_t members = { .type = ETCD_OP_RANGE, .key = ctx->cfg->apps_prefix };
	return store_app_get_with(ctx, arena, name, &members, 1, on_members, members_rev, out, err);
}

/* The record and the lock key of an app, read together. */
struct with_lock {
	const char *lock_key;
	bool locked, deploying;
};

static int on_record_or_lock(const etcd_kv_t *kv, void *p)
{
	struct with_lock *w = p;
	if (kv->key_len == strlen(w->lock_key) && !memcmp(kv->key, w->lock_key, kv->key_len)) {
		w->locked = true;
		return 0;
	}
	json_object *obj = parse_json(kv->value, kv->value_len);
	w->deploying = obj && !strcmp(str_field(obj, "running_state"),
				      app_state_name(APP_DEPLOYING)) &&
		       !*str_field(obj, "last_error");
	json_object_put(obj);
	return 0;
}

int store_app_interrupted(ctx_t *ctx, arena_t *arena, const char *name, bool *out, err_t *err)
{
	struct with_lock w = { .lock_key = arena_printf(arena, LOCK_PREFIX "%s", name) };
	const char *keys[] = { app_key(ctx, arena, name), w.lock_key };
	int rc = etcd_get_many(ctx->etcd, keys, 2, on_record_or_lock, &w, err);
	*out = !rc && w.deploying && !w.locked;
	return rc;
}

/*
 * Listing. Every list is exact — read from etcd, linearizably, at the time
 * of the request — but a worker keeps the records it parsed, by key and
 * mod_revision: a listing first asks etcd for the keys and revisions only
 * (no values), and fetches values only for the records it does not hold at
 * that revision (one by one when few changed, by a full range when many).
 */
#define FETCH_ONE_BY_ONE 8

/*
 * A cached record is its view and nothing else: the strings in one block
 * with it (a parsed json-c tree costs some 1.5 KB per record of 250 bytes,
 * and a worker holds every record of a listing), the canaries only when
 * there are some. A listed record thus has no raw (store_app_save refuses
 * it: a change reads its record with store_app_get). A record replaced in
 * the cache may still be in use by the request at hand (a second listing
 * in the same request): it is retired, and freed when the request ends.
 */
struct rec {
	struct rec *retired;        /* the next one retired with it */
	app_record_t view;
	char text[];
};

struct cached {
	char *key;
	size_t key_len;
	int64_t mod_revision;
	struct rec *rec;            /* NULL when the value is unusable */
};

struct app_cache {
	size_t *slots;              /* by key hash, open addressing: index into items + 1 (0: empty) */
	size_t nslots;              /* a power of two, at least twice n */
	struct cached *items;
	size_t n, cap;
	size_t *order, norder;      /* the last full listing's entries, in order */
	struct rec *retired;        /* replaced during the request at hand */
};

static void rec_free(struct rec *r)
{
	if (r) {
		json_object_put(r->view.canaries);
		free(r);
	}
}

/* The request has ended: nothing points at the records it replaced. */
static void retired_free(void *p)
{
	struct app_cache *c = p;
	while (c->retired) {
		struct rec *r = c->retired;
		c->retired = r->retired;
		rec_free(r);
	}
}

/* Copies s to *w and returns the copy (in r's block). */
static const char *rec_str(char **w, const char *s)
{
	size_t n = strlen(s) + 1;
	char *at = memcpy(*w, s, n);
	*w += n;
	return at;
}

/* The compact record of value; NULL when it is not a usable record. */
static struct rec *rec_of(const char *value, size_t len, int64_t mod_revision)
{
	json_object *obj = parse_json(value, len);
	app_record_t v;
	if (!obj || !record_fill(&v, obj, mod_revision)) {
		json_object_put(obj);
		return NULL;
	}
	const char **fields[] = { &v.appname, &v.giturl, &v.meta_version, &v.meta,
				  &v.default_image, &v.app_type, &v.last_update, &v.last_error };
	size_t size = 0;
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
		size += strlen(*fields[i]) + 1;
	struct rec *r = xmalloc(sizeof(*r) + size);
	char *w = r->text;
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
		*fields[i] = rec_str(&w, *fields[i]);
	/* Kept apart from the tree (json-c counts its objects), and only when
	 * there are some: every record has "canaries": {}. */
	if (v.canaries && json_object_object_length(v.canaries))
		json_object_get(v.canaries);
	else
		v.canaries = NULL;
	v.raw = NULL;
	r->view = v;
	r->retired = NULL;
	json_object_put(obj);
	return r;
}

static void cache_destroy(void *p)
{
	struct app_cache *c = p;
	retired_free(c);
	for (size_t i = 0; i < c->n; i++) {
		rec_free(c->items[i].rec);
		free(c->items[i].key);
	}
	free(c->items);
	free(c->order);
	free(c->slots);
	free(c);
}

/* FNV-1a: the keys share a long prefix, so every byte counts. */
static size_t key_hash(const char *key)
{
	uint64_t h = 14695981039346656037u;
	for (const unsigned char *p = (const unsigned char *)key; *p; p++)
		h = (h ^ *p) * 1099511628211u;
	return (size_t)h;
}

static struct cached *cache_find(struct app_cache *c, const char *key)
{
	size_t mask = c->nslots - 1;
	for (size_t i = c->nslots ? key_hash(key) & mask : 0; c->nslots && c->slots[i];
	     i = (i + 1) & mask)
		if (!strcmp(c->items[c->slots[i] - 1].key, key))
			return &c->items[c->slots[i] - 1];
	return NULL;
}

static void slot_put(struct app_cache *c, size_t idx)
{
	size_t mask = c->nslots - 1, i = key_hash(c->items[idx].key) & mask;
	while (c->slots[i])
		i = (i + 1) & mask;
	c->slots[i] = idx + 1;
}

/* Room in the index for one more item: at most half full. */
static void index_room(struct app_cache *c)
{
	if (2 * (c->n + 1) <= c->nslots)
		return;
	free(c->slots);
	c->nslots = c->nslots ? 2 * c->nslots : 128;
	c->slots = xcalloc(c->nslots, sizeof(*c->slots));
	for (size_t i = 0; i < c->n; i++)
		slot_put(c, i);
}

static struct cached *cache_store(struct app_cache *c, arena_t *arena, const char *key,
				  const char *value, size_t len, int64_t mod_revision)
{
	struct cached *e = cache_find(c, key);
	if (!e) {
		if (c->n == c->cap) {
			c->cap = c->cap ? 2 * c->cap : 64;
			c->items = xrealloc(c->items, c->cap * sizeof(*c->items));
		}
		index_room(c);
		e = &c->items[c->n];
		e->rec = NULL;
		e->key = xstrdup(key);
		e->key_len = strlen(key);
		slot_put(c, c->n++);
	}
	if (e->rec) {
		if (!c->retired)
			arena_on_free(arena, retired_free, c);
		e->rec->retired = c->retired;
		c->retired = e->rec;
	}
	e->rec = rec_of(value, len, mod_revision);
	e->mod_revision = mod_revision;
	return e;
}

/* One key of the listing. */
struct listed {
	const char *key;
	int64_t mod_revision;
	size_t idx;                 /* its cache entry once known (SIZE_MAX: look it up) */
};

struct listing {
	arena_t *arena;
	struct app_cache *cache;
	const char *prefix;         /* CONSOLE_APPS_ETCD_PREFIX: the members key */
	size_t prefix_len;
	int64_t members_rev;        /* the members key's mod_revision (0: none) */
	struct listed *keys;
	size_t n, cap;
	size_t missing;
};

/* Sorts a key of the range out: an app's record (true), the members key
 * (noted), or a neighbour of the prefix that is neither ("<prefix>.old/"). */
static bool is_record(struct listing *l, const etcd_kv_t *kv)
{
	if (kv->key_len == l->prefix_len && !memcmp(kv->key, l->prefix, l->prefix_len)) {
		l->members_rev = kv->mod_revision;
		return false;
	}
	return kv->key_len > l->prefix_len + 1 && !memcmp(kv->key, l->prefix, l->prefix_len) &&
	       kv->key[l->prefix_len] == '/';
}

static void listed_add(struct listing *l, const etcd_kv_t *kv)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 256;
		struct listed *k = arena_alloc(l->arena, cap * sizeof(*k));
		if (l->n)
			memcpy(k, l->keys, l->n * sizeof(*k));
		l->keys = k;
		l->cap = cap;
	}
	l->keys[l->n].key = arena_strndup(l->arena, kv->key, kv->key_len);
	l->keys[l->n].mod_revision = kv->mod_revision;
	l->keys[l->n].idx = SIZE_MAX;
	l->n++;
}

static int on_key(const etcd_kv_t *kv, void *p)
{
	struct listing *l = p;
	if (!is_record(l, kv))
		return 0;
	listed_add(l, kv);
	struct cached *e = cache_find(l->cache, l->keys[l->n - 1].key);
	if (!e || e->mod_revision != kv->mod_revision)
		l->missing++;
	return 0;
}

/* A full range (or the host's snapshot) refills the cache and is the
 * listing itself (it may be a little newer than the keys-only answer); a
 * record the cache holds at its revision is not parsed again. */
static int on_full(const etcd_kv_t *kv, void *p)
{
	struct listing *l = p;
	if (!is_record(l, kv))
		return 0;
	/* The listing before had this key at this place, most of the time:
	 * no lookup by name then. */
	struct app_cache *c = l->cache;
	size_t at = l->n;
	struct cached *e = at < c->norder ? &c->items[c->order[at]] : NULL;
	if (e && (e->key_len != kv->key_len || memcmp(e->key, kv->key, kv->key_len)))
		e = NULL;
	if (e) {
		arena_push(l->arena, &l->keys, &l->n, &l->cap, sizeof(*l->keys));
		l->keys[at].key = e->key;
	} else {
		listed_add(l, kv);
		e = cache_find(c, l->keys[at].key);
	}
	if (!e || e->mod_revision != kv->mod_revision)
		e = cache_store(c, l->arena, l->keys[at].key, kv->value, kv->value_len,
				kv->mod_revision);
	l->keys[at].mod_revision = kv->mod_revision;
	l->keys[at].idx = (size_t)(e - c->items);
	return 0;
}

int store_app_list(ctx_t *ctx, arena_t *arena, const app_record_t ***apps, size_t *n,
		   int64_t *members_rev, err_t *err)
{
	struct listing l = { .arena = arena };
	*apps = NULL;
	*n = 0;
	l.cache = ctx_slot(ctx, CTX_SLOT_APPS, sizeof(*l.cache), cache_destroy);
	/* The prefix without its '/': the range holds the members key (the
	 * prefix itself) as well, so one read tells both. */
	const char *prefix = ctx->cfg->apps_prefix;
	l.prefix = prefix;
	l.prefix_len = strlen(prefix);
	/* The host's snapshot when it may answer: no etcd round trip. */
	int rc = snapshot_range(ctx, prefix, on_full, &l);
	if (rc != 1)
		goto listed;
	rc = etcd_range_prefix_keys(ctx->etcd, prefix, 0, on_key, &l, err);
	if (rc)
		return rc;
	if (l.missing > FETCH_ONE_BY_ONE) {
		l.n = 0;
		if ((rc = etcd_range_prefix(ctx->etcd, prefix, 0, on_full, &l, err)))
			return rc;
	} else if (l.missing) {
		buf_t value = BUF_INIT;
		for (size_t i = 0; i < l.n; i++) {
			struct cached *e = cache_find(l.cache, l.keys[i].key);
			if (e && e->mod_revision == l.keys[i].mod_revision)
				continue;
			etcd_kv_t kv;
			buf_reset(&value);
			rc = etcd_get(ctx->etcd, l.keys[i].key, &value, &kv, err);
			if (rc == -ERR_NOT_FOUND) {
				l.keys[i].key = NULL; /* deleted in between */
				continue;
			}
			if (rc)
				break;
			cache_store(l.cache, arena, l.keys[i].key, value.data, value.len,
				    kv.mod_revision);
			l.keys[i].mod_revision = kv.mod_revision;
		}
		buf_release(&value);
		if (rc && rc != -ERR_NOT_FOUND)
			return rc;
	}
listed:
	if (rc)
		return rc;
	const app_record_t **out = arena_alloc(arena, (l.n ? l.n : 1) * sizeof(*out));
	for (size_t i = 0; i < l.n; i++) {
		const struct listed *k = &l.keys[i];
		struct cached *e = !k->key ? NULL
				   : k->idx != SIZE_MAX ? &l.cache->items[k->idx]
				   : cache_find(l.cache, k->key);
		if (!e || !e->rec)
			continue;
		out[(*n)++] = &e->rec->view;
	}
	*apps = out;
	/* A whole listing's order: the hints of the next one (on_full). */
	bool whole = l.n > 0;
	for (size_t i = 0; i < l.n && whole; i++)
		whole = l.keys[i].key && l.keys[i].idx != SIZE_MAX;
	if (whole) {
		l.cache->order = xrealloc(l.cache->order, l.n * sizeof(*l.cache->order));
		for (size_t i = 0; i < l.n; i++)
			l.cache->order[i] = l.keys[i].idx;
		l.cache->norder = l.n;
	}
	if (members_rev)
		*members_rev = l.members_rev;
	return 0;
}

int store_app_each(ctx_t *ctx, arena_t *arena, store_app_fn fn, void *data, err_t *err)
{
	const app_record_t **apps;
	size_t n;
	int rc = store_app_list(ctx, arena, &apps, &n, NULL, err);
	for (size_t i = 0; i < n && !rc; i++)
		rc = fn(apps[i], data);
	return rc;
}

/* After a write under the prefix: the snapshot of the host must reach it
 * before it answers a read (its revision is the last one this client saw). */
static int wrote(ctx_t *ctx, int rc)
{
	if (!rc)
		snapshot_wrote(etcd_revision_seen(ctx->etcd));
	return rc;
}

int store_members_changed(ctx_t *ctx, err_t *err)
{
	char now[20], value[64];
	store_now(now);
	int len = snprintf(value, sizeof(value), "{\"members_changed\": \"%s\"}", now);
	return wrote(ctx, etcd_put(ctx->etcd, ctx->cfg->apps_prefix, value, (size_t)len, 0, err));
}

int64_t store_revision_seen(ctx_t *ctx)
{
	int64_t e = etcd_revision_seen(ctx->etcd), s = snapshot_revision_seen();
	return e > s ? e : s;
}


int store_app_delete(ctx_t *ctx, const char *name, err_t *err)
{
	char key[1024];
	snprintf(key, sizeof(key), "%s/%s", ctx->cfg->apps_prefix, name);
	return wrote(ctx, etcd_delete(ctx->etcd, key, false, NULL, err));
}

int store_app_count(ctx_t *ctx, int64_t *count, err_t *err)
{
	char prefix[512];
	snprintf(prefix, sizeof(prefix), "%s/", ctx->cfg->apps_prefix);
	return etcd_count_prefix(ctx->etcd, prefix, count, err);
}

void store_now(char out[20])
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 20, "%Y-%m-%d %H:%M:%S", &tm);
}

int store_app_create(ctx_t *ctx, const char *name, err_t *err)
{
	char now[20];
	store_now(now);
	json_object *rec = json_object_new_object();
	json_object_object_add(rec, "appname", json_object_new_string(name));
	json_object_object_add(rec, "giturl", json_object_new_string(""));
	json_object_object_add(rec, "meta_version", json_object_new_string(""));
	json_object_object_add(rec, "meta", json_object_new_string(""));
	json_object_object_add(rec, "default_image", json_object_new_string(""));
	json_object_object_add(rec, "running_state",
			       json_object_new_string(app_state_name(APP_REPOSITED)));
	json_object_object_add(rec, "app_type", json_object_new_string(""));
	json_object_object_add(rec, "canaries", json_object_new_object());
	json_object_object_add(rec, "last_update", json_object_new_string(now));
	json_object_object_add(rec, "last_error", json_object_new_string(""));
	size_t len;
	const char *value = json_object_to_json_string_length(
		rec, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	char key[1024];
	snprintf(key, sizeof(key), "%s/%s", ctx->cfg->apps_prefix, name);
	int rc = wrote(ctx, etcd_create(ctx->etcd, key, value, len, 0, err));
	json_object_put(rec);
	if (rc == -ERR_CONFLICT)
		err_set(err, rc, "app with appname %s has already been reposited\n", name);
	return rc;
}

/* rec[key] = value, unless rec holds that value already (as read). */
static void put_field(json_object *rec, const char *key, const char *value)
{
	if (strcmp(str_field(rec, key), value))
		json_object_object_add(rec, key, json_object_new_string(value));
}

/* The record app as store_app_save writes it (a new json-c reference), and
 * its text (*value, *len: json-c's, alive as long as the object); NULL
 * with err set when it does not fit STORE_APP_RECORD_MAX. */
static json_object *record_json(const app_record_t *app, const char **value, size_t *len,
				err_t *err)
{
	json_object *rec = NULL;
	if (!app->raw) {
		err_set(err, -ERR_INTERNAL, "the record of '%s' was listed, not read: it cannot be saved",
			app->appname);
		return NULL;
	}
	if (json_object_deep_copy(app->raw, &rec, NULL)) {
		err_set(err, -ERR_INTERNAL, "cannot copy the record of '%s'", app->appname);
		return NULL;
	}
	put_field(rec, "giturl", app->giturl);
	put_field(rec, "meta_version", app->meta_version);
	put_field(rec, "meta", app->meta);
	put_field(rec, "default_image", app->default_image);
	if (app->state != APP_STATE_OTHER)
		put_field(rec, "running_state", app_state_name(app->state));
	put_field(rec, "app_type", app->app_type);
	put_field(rec, "last_error", app->last_error);
	/* The canaries as the caller has them (a new object when it changed
	 * them, else raw's own). */
	if (app->canaries)
		json_object_object_add(rec, "canaries", json_object_get(app->canaries));
	char now[20];
	store_now(now);
	json_object_object_add(rec, "last_update", json_object_new_string(now));
	*value = json_object_to_json_string_length(
		rec, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, len);
	if (*len > STORE_APP_RECORD_MAX) {
		err_set(err, -ERR_TOO_BIG,
			"the record of app %s would be %zu bytes, more than the %u that one etcd "
			"request may carry with it (STORE_APP_RECORD_MAX; etcd's "
			"--max-request-bytes is 1.5 MiB by default)",
			app->appname, *len, STORE_APP_RECORD_MAX);
		json_object_put(rec);
		return NULL;
	}
	return rec;
}

int store_app_fits(const app_record_t *app, err_t *err)
{
	const char *value;
	size_t len;
	json_object *rec = record_json(app, &value, &len, err);
	json_object_put(rec);
	return rec ? 0 : err->code;
}

int store_app_save(ctx_t *ctx, const app_record_t *app, const etcd_op_t *more, size_t nmore,
		   err_t *err)
{
	return store_app_save_if(ctx, app, NULL, 0, more, nmore, err);
}

int store_app_save_if(ctx_t *ctx, const app_record_t *app, const etcd_cmp_t *cmps, size_t ncmps,
		      const etcd_op_t *more, size_t nmore, err_t *err)
{
	const char *value;
	size_t len;
	json_object *rec = record_json(app, &value, &len, err);
	if (!rec)
		return err->code;
	char key[1024];
	snprintf(key, sizeof(key), "%s/%s", ctx->cfg->apps_prefix, app->appname);
	/* The record's compare-and-swap, and the other keys with it. */
	etcd_cmp_t *cmp = xcalloc(ncmps + 1, sizeof(*cmp));
	cmp[0] = (etcd_cmp_t){ .key = key, .target = ETCD_CMP_MOD, .result = ETCD_EQUAL,
			       .revision = app->mod_revision };
	for (size_t i = 0; i < ncmps; i++)
		cmp[i + 1] = cmps[i];
	etcd_op_t *ops = xcalloc(nmore + 1, sizeof(*ops));
	ops[0] = (etcd_op_t){ .type = ETCD_OP_PUT, .key = key, .value = value, .value_len = len };
	for (size_t i = 0; i < nmore; i++)
		ops[i + 1] = more[i];
	bool ok = false;
	int rc = etcd_txn(ctx->etcd, cmp, ncmps + 1, ops, nmore + 1, NULL, 0, &ok, err);
	free(cmp);
	free(ops);
	json_object_put(rec);
	if (!rc && !ok)
		rc = err_set(err, -ERR_CONFLICT, "app '%s' was changed by another request while this "
			     "one ran; read it again and retry", app->appname);
	return wrote(ctx, rc);
}

int store_config_get(ctx_t *ctx, arena_t *arena, const char *key, const char **value,
		     err_t *err)
{
	buf_t v = BUF_INIT;
	int rc = !strcmp(ctx->cfg->etcd_config_api, "v2")
		? etcd_v2_get(ctx->etcd, key, &v, err)
		: etcd_get(ctx->etcd, key, &v, NULL, err);
	*value = NULL;
	if (!rc)
		*value = arena_strndup(arena, v.data, v.len);
	else if (rc == -ERR_NOT_FOUND)
		rc = 0;
	buf_release(&v);
	return rc;
}
