/* Calico v1 profiles in etcd v2; see calico.h. */
#include <string.h>

#include <json-c/json.h>

#include "console/buf.h"
#include "console/calico.h"
#include "console/etcd.h"
#include "console/banned.h"

#define PROFILE_PREFIX "/calico/v1/policy/profile/"
#define CALICO_TRIES 16

static const char *dump(json_object *o)
{
	return json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							 JSON_C_TO_STRING_NOSLASHESCAPE);
}

/* pycalico's new profile: its tags, labels and default rules. A key that
 * exists already is left as it is. */
static int create_profile(ctx_t *ctx, const char *profile, err_t *err)
{
	buf_t key = BUF_INIT;
	json_object *tags = json_object_new_array();
	json_object_array_add(tags, json_object_new_string(profile));
	json_object *rules = json_object_new_object(), *in = json_object_new_array(),
		    *out = json_object_new_array(), *r = json_object_new_object();
	json_object_object_add(r, "action", json_object_new_string("allow"));
	json_object_object_add(r, "src_tag", json_object_new_string(profile));
	json_object_array_add(in, r);
	r = json_object_new_object();
	json_object_object_add(r, "action", json_object_new_string("allow"));
	json_object_array_add(out, r);
	json_object_object_add(rules, "inbound_rules", in);
	json_object_object_add(rules, "outbound_rules", out);
	const char *parts[][2] = { { "tags", dump(tags) }, { "labels", "{}" }, { "rules", dump(rules) } };
	int rc = 0;
	for (size_t i = 0; i < 3 && (!rc || rc == -ERR_CONFLICT); i++) {
		buf_reset(&key);
		buf_addf(&key, "%s%s/%s", PROFILE_PREFIX, profile, parts[i][0]);
		rc = etcd_v2_update(ctx->etcd, key.data, parts[i][1], 0, err);
	}
	if (rc == -ERR_CONFLICT)
		rc = 0;
	json_object_put(tags);
	json_object_put(rules);
	buf_release(&key);
	return rc;
}

/* list with add's entries in front, in add's order. */
static void prepend(json_object *rules, const char *name, json_object *add)
{
	json_object *old = json_object_object_get(rules, name);
	json_object *list = json_object_new_array();
	for (size_t i = 0; add && i < json_object_array_length(add); i++)
		json_object_array_add(list, json_object_get(json_object_array_get_idx(add, i)));
	for (size_t i = 0; json_object_is_type(old, json_type_array) &&
			   i < json_object_array_length(old); i++)
		json_object_array_add(list, json_object_get(json_object_array_get_idx(old, i)));
	json_object_object_add(rules, name, list);
}

int calico_profile_prepend(ctx_t *ctx, const char *profile, json_object *inbound,
			   json_object *outbound, err_t *err)
{
	buf_t key = BUF_INIT, value = BUF_INIT;
	buf_addf(&key, "%s%s/rules", PROFILE_PREFIX, profile);
	int rc = -ERR_CONFLICT;
	for (int tries = 0; tries < CALICO_TRIES && rc == -ERR_CONFLICT; tries++) {
		uint64_t index = 0;
		buf_reset(&value);
		rc = etcd_v2_get_index(ctx->etcd, key.data, &value, &index, err);
		if (rc == -ERR_NOT_FOUND) {
			rc = create_profile(ctx, profile, err);
			if (!rc)
				rc = -ERR_CONFLICT;  /* read it again */
			continue;
		}
		if (rc)
			break;
		json_object *rules = json_tokener_parse(value.data);
		if (!json_object_is_type(rules, json_type_object)) {
			json_object_put(rules);
			rc = err_set(err, -ERR_BAD_GATEWAY, "%s is not a JSON object", key.data);
			break;
		}
		prepend(rules, "inbound_rules", inbound);
		prepend(rules, "outbound_rules", outbound);
		rc = etcd_v2_update(ctx->etcd, key.data, dump(rules), index, err);
		json_object_put(rules);
	}
	if (rc == -ERR_CONFLICT)
		err_set(err, rc, "calico profile %s keeps being changed by others; try again", profile);
	buf_release(&key);
	buf_release(&value);
	return rc;
}
