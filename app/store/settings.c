/* The cluster settings under /lain/config/ that the deploys read; see
 * store.h. The keys are named here and nowhere above store. */
#include <string.h>

#include <json-c/json.h>

#include "console/store.h"
#include "console/strx.h"
#include "console/banned.h"

#define CALICO_NETWORK_KEY "/lain/config/calico_network"
#define CALICO_DEFAULT_RULE_KEY "/lain/config/calico_default_rule"
#define REGISTRY_WHITELIST_KEY "/lain/config/registry_ip_whitelist"
#define NODE_NETWORK_KEY "/lain/config/node_network"

int store_system_volumes(ctx_t *ctx, arena_t *arena, const char *app, const char **vols,
			 size_t max, size_t *n, err_t *err)
{
	const char *key = arena_printf(arena, "%s/%s", ctx->cfg->system_volumes_prefix, app);
	const char *value = NULL;
	*n = 0;
	if (store_config_get(ctx, arena, key, &value, err))
		return err_wrap(err, "cannot read the system volumes of %s", app);
	if (!value)
		return 0;
	char **fields = arena_alloc(arena, (max + 1) * sizeof(*fields));
	size_t count = strx_split(arena_strdup(arena, value), ';', fields, max + 1);
	if (count > max)
		return err_set(err, -ERR_INVALID, "%s: more than %zu system volumes", key, max);
	for (size_t i = 0; i < count; i++)
		vols[i] = fields[i];
	*n = count;
	return 0;
}

int store_app_protected(ctx_t *ctx, arena_t *arena, const char *app, bool *yes, err_t *err)
{
	const char *value = NULL;
	*yes = false;
	int rc = store_config_get(ctx, arena, ctx->cfg->protected_apps_key, &value, err);
	if (rc || !value)
		return rc;
	json_object *list = arena_json(arena, json_tokener_parse(value));
	if (!list || !json_object_is_type(list, json_type_array))
		return 0;
	for (size_t i = 0; i < json_object_array_length(list) && !*yes; i++) {
		const char *s = json_object_get_string(json_object_array_get_idx(list, i));
		*yes = s && !strcmp(s, app);
	}
	return 0;
}

int store_calico_network(ctx_t *ctx, arena_t *arena, const char **subnet, err_t *err)
{
	int rc = store_config_get(ctx, arena, CALICO_NETWORK_KEY, subnet, err);
	if (!rc && (!*subnet || !**subnet))
		rc = err_set(err, -ERR_INVALID,
			     "%s is not set: docker networks need the cluster's calico subnet",
			     CALICO_NETWORK_KEY);
	return rc;
}

int store_calico_default_rule(ctx_t *ctx, arena_t *arena, bool *set, json_object **inbound,
			      json_object **outbound, err_t *err)
{
	const char *text = NULL;
	*set = false;
	*inbound = *outbound = NULL;
	int rc = store_config_get(ctx, arena, CALICO_DEFAULT_RULE_KEY, &text, err);
	if (rc || !text || !*text)
		return rc;
	*set = true;
	json_object *rules = arena_json(arena, json_tokener_parse(text)), *in, *out;
	if (!json_object_is_type(rules, json_type_object))
		return err_set(err, -ERR_INVALID, "%s is not a JSON object", CALICO_DEFAULT_RULE_KEY);
	if (json_object_object_get_ex(rules, "inbound_rules", &in) &&
	    json_object_is_type(in, json_type_array))
		*inbound = in;
	if (json_object_object_get_ex(rules, "outbound_rules", &out) &&
	    json_object_is_type(out, json_type_array))
		*outbound = out;
	return 0;
}

int store_registry_allowed(ctx_t *ctx, arena_t *arena, const char **whitelist,
			   const char **nodes, err_t *err)
{
	int rc = store_config_get(ctx, arena, REGISTRY_WHITELIST_KEY, whitelist, err);
	return rc ? rc : store_config_get(ctx, arena, NODE_NETWORK_KEY, nodes, err);
}
