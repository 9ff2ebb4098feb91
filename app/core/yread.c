/* yread: reading a loaded ynode tree — lookups, Python's str() and
 * truthiness, and the conversion to JSON. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "ynode.h"
#include "console/banned.h"

ynode_t *ynode_get(const ynode_t *m, const char *key)
{
	if (!m || m->type != YN_MAP)
		return NULL;
	for (size_t i = 0; i < m->n; i++) {
		const ynode_t *k = m->pairs[i].key;
		if (k->type != YN_MAP && k->type != YN_SEQ && k->type != YN_NULL &&
		    !strcmp(k->text, key))
			return m->pairs[i].value;
	}
	return NULL;
}

static const char *float_repr(arena_t *a, double f)
{
	if (isnan(f))
		return "nan";
	if (isinf(f))
		return f < 0 ? "-inf" : "inf";
	char tmp[64];
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*g", prec, f);
		if (strtod(tmp, NULL) == f)
			break;
	}
	if (!strpbrk(tmp, ".e"))
		return arena_printf(a, "%s.0", tmp);
	return arena_strdup(a, tmp);
}

const char *ynode_str(arena_t *a, const ynode_t *n)
{
	switch (n->type) {
	case YN_NULL: return "None";
	case YN_BOOL: return n->b ? "True" : "False";
	case YN_INT: return arena_printf(a, "%" PRId64, n->i);
	case YN_FLOAT: return float_repr(a, n->f);
	case YN_STR: return n->text;
	default: return NULL;
	}
}

bool ynode_truthy(const ynode_t *n)
{
	if (!n)
		return false;
	switch (n->type) {
	case YN_NULL: return false;
	case YN_BOOL: return n->b;
	case YN_INT: return n->i != 0;
	case YN_FLOAT: return n->f != 0;
	case YN_STR: return *n->text;
	default: return n->n != 0;
	}
}

/* One conversion: how strings are turned, what is left of the budget. */
struct walk {
	const char *what;          /* "document", "template": in the budget's message */
	ynode_str_fn str;
	void *data;
	size_t budget;
	arena_t *a;
};

static int to_json(const ynode_t *n, json_object **out, struct walk *w, err_t *err)
{
	*out = NULL;
	if (!w->budget)
		return err_set(err, -ERR_TOO_BIG, "%s expands to more than %d nodes (aliases)",
			       w->what, YNODE_MAX_EXPANSION);
	w->budget--;
	switch (n->type) {
	case YN_NULL: return 0;
	case YN_BOOL: *out = json_object_new_boolean(n->b); return 0;
	case YN_INT: *out = json_object_new_int64(n->i); return 0;
	case YN_FLOAT: *out = json_object_new_double(n->f); return 0;
	case YN_STR:
		if (w->str)
			return w->str(n, w->data, out, err);
		*out = json_object_new_string(n->text);
		return 0;
	case YN_SEQ: {
		json_object *arr = json_object_new_array();
		for (size_t i = 0; i < n->n; i++) {
			json_object *v;
			int rc = to_json(n->items[i], &v, w, err);
			if (rc) {
				json_object_put(arr);
				return rc;
			}
			json_object_array_add(arr, v);
		}
		*out = arr;
		return 0;
	}
	case YN_MAP: {
		json_object *obj = json_object_new_object();
		for (size_t i = 0; i < n->n; i++) {
			const char *k = ynode_str(w->a, n->pairs[i].key);
			if (!k) {
				json_object_put(obj);
				return err_set(err, -ERR_INVALID,
					       "a mapping key must be a scalar (line %d)",
					       n->pairs[i].key->line);
			}
			json_object *v;
			int rc = to_json(n->pairs[i].value, &v, w, err);
			if (rc) {
				json_object_put(obj);
				return rc;
			}
			json_object_object_add(obj, k, v);
		}
		*out = obj;
		return 0;
	}
	}
	return err_set(err, -ERR_INTERNAL, "unknown node type");
}

int ynode_to_json_with(const ynode_t *n, const char *what, ynode_str_fn str, void *data,
		       json_object **out, err_t *err)
{
	struct walk w = { what, str, data, YNODE_MAX_EXPANSION, arena_new() };
	int rc = to_json(n, out, &w, err);
	arena_free(w.a);
	return rc;
}

int ynode_to_json(const ynode_t *n, json_object **out, err_t *err)
{
	return ynode_to_json_with(n, "document", NULL, NULL, out, err);
}
