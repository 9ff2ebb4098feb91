#include <string.h>

#include <json-c/json.h>

#include "itjson.h"

json_object *js_get(json_object *o, const char *key)
{
	json_object *v = NULL;
	if (o)
		json_object_object_get_ex(o, key, &v);
	return v;
}

const char *js_str(json_object *o, const char *key)
{
	json_object *v = js_get(o, key);
	const char *s = v ? json_object_get_string(v) : NULL;
	return s ? s : "(absent)";
}

size_t js_len(json_object *a)
{
	return json_object_is_type(a, json_type_array) ? json_object_array_length(a) : 0;
}

json_object *js_at(json_object *a, size_t i)
{
	return i < js_len(a) ? json_object_array_get_idx(a, i) : NULL;
}

json_object *js_find(json_object *a, const char *key, const char *value)
{
	for (size_t i = 0; i < js_len(a); i++)
		if (!strcmp(js_str(js_at(a, i), key), value))
			return js_at(a, i);
	return NULL;
}

bool js_has(json_object *a, const char *s)
{
	for (size_t i = 0; i < js_len(a); i++) {
		json_object *e = js_at(a, i);
		if (json_object_is_type(e, json_type_string) && !strcmp(json_object_get_string(e), s))
			return true;
	}
	return false;
}
