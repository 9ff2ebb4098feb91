/* The changes a call would make to what deployd runs; see plandiff.h. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "console/buf.h"
#include "console/plandiff.h"
#include "console/banned.h"

static void add_change(json_object *out, const buf_t *path, json_object *from, json_object *to)
{
	json_object *c = json_object_new_object();
	json_object_object_add(c, "path", json_object_new_string(path->data ? path->data : ""));
	json_object_object_add(c, "from", json_object_get(from));
	json_object_object_add(c, "to", json_object_get(to));
	json_object_array_add(out, c);
}

static bool is_object(json_object *o)
{
	return json_object_is_type(o, json_type_object);
}

static bool objects_in(json_object *a)
{
	size_t n = json_object_array_length(a);
	for (size_t i = 0; i < n; i++)
		if (!is_object(json_object_array_get_idx(a, i)))
			return false;
	return n > 0;
}

/* Go's zero value of a struct as deployd gives back a null it was sent
 * (LogConfig: {"Type": "", "Config": null}): an object whose every value
 * is null, "", 0, false or such an object. */
static bool zero_struct(json_object *o)
{
	if (!is_object(o))
		return false;
	json_object_object_foreach(o, k, v) {
		(void)k;
		bool zero = !v || (json_object_is_type(v, json_type_string) && !*json_object_get_string(v)) ||
			    (json_object_is_type(v, json_type_int) && !json_object_get_int64(v)) ||
			    (json_object_is_type(v, json_type_boolean) && !json_object_get_boolean(v)) ||
			    zero_struct(v);
		if (!zero)
			return false;
	}
	return true;
}

/* path: the buffer of the path so far; it is restored before returning. */
static void walk(json_object *out, buf_t *path, json_object *from, json_object *to)
{
	size_t mark = path->len;
	if (is_object(to) && (!from || is_object(from))) {
		json_object_object_foreach(to, key, tv) {
			json_object *fv = NULL;
			if (from)
				json_object_object_get_ex(from, key, &fv);
			if (path->len)
				buf_addch(path, '.');
			buf_addstr(path, key);
			walk(out, path, fv, tv);
			buf_truncate(path, mark);
		}
		return;
	}
	if (json_object_is_type(to, json_type_array) && objects_in(to) &&
	    (!from || (json_object_is_type(from, json_type_array) &&
		       json_object_array_length(to) == json_object_array_length(from) &&
		       objects_in(from)))) {
		for (size_t i = 0; i < json_object_array_length(to); i++) {
			buf_addf(path, "[%zu]", i);
			walk(out, path, from ? json_object_array_get_idx(from, i) : NULL,
			     json_object_array_get_idx(to, i));
			buf_truncate(path, mark);
		}
		return;
	}
	if (!json_object_equal(from, to) && !(!to && zero_struct(from)))
		add_change(out, path, from, to);
}

json_object *plandiff(json_object *from, json_object *to)
{
	json_object *out = json_object_new_array();
	buf_t path = BUF_INIT;
	walk(out, &path, from, to);
	buf_release(&path);
	return out;
}
