/* The webhook URLs of a notify type (spec §7.1); see store.h. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "console/etcd.h"
#include "console/store.h"
#include "console/xalloc.h"
#include "console/banned.h"

/* Compare-and-swap rounds before giving up on a key others keep changing. */
#define NOTIFY_TRIES 16

static const char *notify_key(ctx_t *ctx, arena_t *arena, const char *type_key)
{
	return arena_printf(arena, "%s/%s", ctx->cfg->notifies_prefix, type_key);
}

/* The list stored at key (a new reference; [] when absent or not a list of
 * strings) and its mod_revision (0 when absent). */
static int read_list(ctx_t *ctx, const char *key, json_object **list, int64_t *rev, err_t *err)
{
	buf_t v = BUF_INIT;
	etcd_kv_t kv = { 0 };
	int rc = etcd_get(ctx->etcd, key, &v, &kv, err);
	*rev = 0;
	*list = NULL;
	if (rc == -ERR_NOT_FOUND)
		rc = 0;
	else if (!rc) {
		*rev = kv.mod_revision;
		*list = json_tokener_parse(v.data ? v.data : "");
	}
	buf_release(&v);
	if (rc)
		return rc;
	if (!*list || !json_object_is_type(*list, json_type_array)) {
		json_object_put(*list);
		*list = json_object_new_array();
	}
	/* Only URLs count (the original appended anything it was given). */
	json_object *clean = json_object_new_array();
	for (size_t i = 0; i < json_object_array_length(*list); i++) {
		json_object *u = json_object_array_get_idx(*list, i);
		if (json_object_is_type(u, json_type_string))
			json_object_array_add(clean, json_object_get(u));
	}
	json_object_put(*list);
	*list = clean;
	return 0;
}

static long find(json_object *list, const char *url)
{
	for (size_t i = 0; i < json_object_array_length(list); i++)
		if (!strcmp(json_object_get_string(json_object_array_get_idx(list, i)), url))
			return (long)i;
	return -1;
}

int store_notify_list(ctx_t *ctx, arena_t *arena, const char *type_key, json_object **urls,
		      err_t *err)
{
	int64_t rev;
	int rc = read_list(ctx, notify_key(ctx, arena, type_key), urls, &rev, err);
	if (!rc)
		arena_json(arena, *urls);
	return rc;
}

int store_notify_change(ctx_t *ctx, arena_t *arena, const char *type_key, const char *url,
			bool add, const etcd_op_t *more, size_t nmore, bool *changed, err_t *err)
{
	const char *key = notify_key(ctx, arena, type_key);
	*changed = false;
	for (int tries = 0; tries < NOTIFY_TRIES; tries++) {
		json_object *list = NULL;
		int64_t rev = 0;
		int rc = read_list(ctx, key, &list, &rev, err);
		if (rc)
			return rc;
		long at = find(list, url);
		if ((add && at >= 0) || (!add && at < 0)) {
			json_object_put(list);
			return add ? 0 : err_set(err, -ERR_NOT_FOUND, "notify url %s is not registered",
						 url);
		}
		if (add)
			json_object_array_add(list, json_object_new_string(url));
		else
			json_object_array_del_idx(list, (size_t)at, 1);
		const char *text = json_object_to_json_string_ext(list, JSON_C_TO_STRING_PLAIN);
		/* The list only if it is still as read (absent: mod_revision 0),
		 * and the caller's keys with it. */
		etcd_cmp_t cmp = { .key = key, .target = ETCD_CMP_MOD, .result = ETCD_EQUAL,
				   .revision = rev };
		etcd_op_t *ops = xcalloc(nmore + 1, sizeof(*ops));
		ops[0] = (etcd_op_t){ .type = ETCD_OP_PUT, .key = key, .value = text,
				      .value_len = strlen(text) };
		for (size_t i = 0; i < nmore; i++)
			ops[i + 1] = more[i];
		bool ok = false;
		rc = etcd_txn(ctx->etcd, &cmp, 1, ops, nmore + 1, NULL, 0, &ok, err);
		free(ops);
		json_object_put(list);
		if (rc)
			return rc;
		if (ok) {
			*changed = true;
			return 0;
		}
	}
	return err_set(err, -ERR_CONFLICT,
		       "the notify list %s keeps being changed by other requests; try again", key);
}
