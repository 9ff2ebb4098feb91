/*
 * itjson — reading the JSON of answers in the integration suites, without
 * a NULL check at every step: every reader takes NULL (or the wrong type)
 * and gives NULL, 0 or "(absent)", so a missing key fails the assertion
 * that looks at it instead of crashing the suite.
 */
#ifndef CONSOLE_IT_JSON_H
#define CONSOLE_IT_JSON_H

#include <stdbool.h>
#include <stddef.h>

struct json_object;

/* o[key], or NULL. */
struct json_object *js_get(struct json_object *o, const char *key);

/* o[key] as a string; "(absent)" when missing or null. */
const char *js_str(struct json_object *o, const char *key);

/* Length of array a (0 when a is no array); its element i, or NULL. */
size_t js_len(struct json_object *a);
struct json_object *js_at(struct json_object *a, size_t i);

/* The first element of array a whose key is value, or NULL. */
struct json_object *js_find(struct json_object *a, const char *key, const char *value);

/* Whether array a holds the string s. */
bool js_has(struct json_object *a, const char *s);

#endif
