/*
 * fields — reading and writing the JSON records the stores keep in etcd
 * (tokens.c, webhooks.c). Internal to app/store.
 */
#ifndef CONSOLE_STORE_FIELDS_H
#define CONSOLE_STORE_FIELDS_H

#include <stdint.h>

#include <json-c/json.h>

#include "console/arena.h"
#include "console/etcd.h"

/* The string at key k of o, NULL when absent or not a string. */
static inline const char *field_str(json_object *o, const char *k)
{
	json_object *v;
	return json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_string)
		       ? json_object_get_string(v)
		       : NULL;
}

/* The integer at key k of o, 0 when absent. */
static inline int64_t field_i64(json_object *o, const char *k)
{
	json_object *v;
	return json_object_object_get_ex(o, k, &v) ? json_object_get_int64(v) : 0;
}

/* The JSON object a stored value holds, owned by arena; NULL when it is
 * none (not JSON, not an object). */
static inline json_object *field_record(arena_t *arena, const etcd_kv_t *kv)
{
	json_object *o = json_tokener_parse(kv->value);
	if (!o || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return NULL;
	}
	return arena_json(arena, o);
}

/* o as compact text in arena; o is put. */
static inline const char *field_text(arena_t *arena, json_object *o)
{
	const char *s = arena_strdup(arena, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return s;
}

#endif
