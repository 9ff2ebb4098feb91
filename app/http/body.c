/* Typed fields of a request's JSON body; see http.h. */
#include <json-c/json.h>

#include "console/http.h"
#include "console/banned.h"

/* What a JSON value is, in JSON's words (json-c says "int", "double"). */
static const char *json_kind(json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_null:
		return "null";
	case json_type_boolean:
		return "a boolean";
	case json_type_double:
	case json_type_int:
		return "a number";
	case json_type_object:
		return "an object";
	case json_type_array:
		return "an array";
	case json_type_string:
		return "a string";
	}
	return "a value";
}

/* body[key] into *v: 0 (NULL when the body is no JSON, or has no such field
 * or a null one), or -ERR_INVALID when the body is JSON but no object. */
static int field(const request_t *req, const char *key, json_object **v, err_t *err)
{
	*v = NULL;
	if (!req->json)
		return 0;
	if (!json_object_is_type(req->json, json_type_object))
		return err_set(err, -ERR_INVALID,
			       "invalid request: the body must be a JSON object, not %s",
			       json_kind(req->json));
	if (json_object_object_get_ex(req->json, key, v) && json_object_is_type(*v, json_type_null))
		*v = NULL;
	return 0;
}

static int wrong_type(err_t *err, const char *key, const char *want, json_object *v)
{
	return err_set(err, -ERR_INVALID, "invalid request: %s must be %s, not %s", key, want,
		       json_kind(v));
}

int http_body_string(const request_t *req, const char *key, const char **out, err_t *err)
{
	json_object *v;
	int rc = field(req, key, &v, err);
	*out = NULL;
	if (rc || !v)
		return rc;
	if (!json_object_is_type(v, json_type_string))
		return wrong_type(err, key, "a string", v);
	*out = json_object_get_string(v);
	return 0;
}

int http_body_array(const request_t *req, const char *key, json_object **out, err_t *err)
{
	json_object *v;
	int rc = field(req, key, &v, err);
	*out = NULL;
	if (rc || !v)
		return rc;
	if (!json_object_is_type(v, json_type_array))
		return wrong_type(err, key, "an array", v);
	*out = v;
	return 0;
}

int http_body_int(const request_t *req, const char *key, long min, long max, bool *present,
		  long *out, err_t *err)
{
	json_object *v;
	int rc = field(req, key, &v, err);
	*present = false;
	if (rc || !v)
		return rc;
	/* true is no 1 (spec §9.3 #29), 2.0 no 2. */
	if (!json_object_is_type(v, json_type_int))
		return wrong_type(err, key, "an integer", v);
	int64_t n = json_object_get_int64(v);
	if (n < min || n > max)
		return err_set(err, -ERR_INVALID,
			       "invalid request: %s must be an integer in %ld..%ld, not %lld", key,
			       min, max, (long long)n);
	*present = true;
	*out = (long)n;
	return 0;
}
