#include <stdio.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "console/etcd.h"
#include "console/store.h"
#include "console/banned.h"

static const char *app_key(ctx_t *ctx, arena_t *arena, const char *name)
{
	return arena_printf(arena, "%s/%s", ctx->cfg->apps_prefix, name);
}

static const char *str_field(arena_t *arena, json_object *obj, const char *key)
{
	json_object *v;
	if (!json_object_object_get_ex(obj, key, &v) || json_object_is_type(v, json_type_null))
		return "";
	return arena_strdup(arena, json_object_get_string(v));
}

/* Parses a stored record; NULL when it is not a usable record. */
static app_record_t *parse_record(arena_t *arena, const char *value, size_t len,
				  int64_t mod_revision)
{
	json_tokener *tok = json_tokener_new();
	json_object *obj = json_tokener_parse_ex(tok, value, (int)len);
	bool ok = json_tokener_get_error(tok) == json_tokener_success;
	json_tokener_free(tok);
	if (!ok || !obj || !json_object_is_type(obj, json_type_object)) {
		json_object_put(obj);
		return NULL;
	}
	arena_json(arena, obj);
	app_record_t *r = arena_alloc(arena, sizeof(*r));
	r->appname = str_field(arena, obj, "appname");
	if (!*r->appname)
		return NULL;
	r->giturl = str_field(arena, obj, "giturl");
	r->meta_version = str_field(arena, obj, "meta_version");
	r->meta = str_field(arena, obj, "meta");
	r->default_image = str_field(arena, obj, "default_image");
	r->running_state = str_field(arena, obj, "running_state");
	r->app_type = str_field(arena, obj, "app_type");
	r->last_update = str_field(arena, obj, "last_update");
	r->last_error = str_field(arena, obj, "last_error");
	json_object *c;
	r->canaries = json_object_object_get_ex(obj, "canaries", &c) &&
				      json_object_is_type(c, json_type_object)
			      ? c
			      : NULL;
	r->raw = obj;
	r->mod_revision = mod_revision;
	return r;
}

int store_app_get(ctx_t *ctx, arena_t *arena, const char *name, app_record_t **out, err_t *err)
{
	buf_t value = BUF_INIT;
	etcd_kv_t kv;
	int rc = etcd_get(ctx->etcd, app_key(ctx, arena, name), &value, &kv, err);
	if (!rc) {
		*out = parse_record(arena, value.data, value.len, kv.mod_revision);
		if (!*out)
			rc = err_set(err, -ERR_NOT_FOUND, "app '%s' has an unreadable record", name);
	}
	buf_release(&value);
	return rc;
}

struct each {
	arena_t *arena;
	store_app_fn fn;
	void *data;
};

static int on_kv(const etcd_kv_t *kv, void *p)
{
	struct each *e = p;
	app_record_t *r = parse_record(e->arena, kv->value, kv->value_len, kv->mod_revision);
	return r ? e->fn(r, e->data) : 0;
}

int store_app_each(ctx_t *ctx, arena_t *arena, store_app_fn fn, void *data, err_t *err)
{
	struct each e = { arena, fn, data };
	const char *prefix = arena_printf(arena, "%s/", ctx->cfg->apps_prefix);
	return etcd_range_prefix(ctx->etcd, prefix, 0, on_kv, &e, err);
}

int store_app_delete(ctx_t *ctx, const char *name, err_t *err)
{
	char key[1024];
	snprintf(key, sizeof(key), "%s/%s", ctx->cfg->apps_prefix, name);
	return etcd_delete(ctx->etcd, key, false, NULL, err);
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
	json_object_object_add(rec, "running_state", json_object_new_string("reposited"));
	json_object_object_add(rec, "app_type", json_object_new_string(""));
	json_object_object_add(rec, "canaries", json_object_new_object());
	json_object_object_add(rec, "last_update", json_object_new_string(now));
	json_object_object_add(rec, "last_error", json_object_new_string(""));
	size_t len;
	const char *value = json_object_to_json_string_length(
		rec, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	char key[1024];
	snprintf(key, sizeof(key), "%s/%s", ctx->cfg->apps_prefix, name);
	int rc = etcd_create(ctx->etcd, key, value, len, 0, err);
	json_object_put(rec);
	if (rc == -ERR_CONFLICT)
		err_set(err, rc, "app with appname %s has already been reposited\n", name);
	return rc;
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
