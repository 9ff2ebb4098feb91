/*
 * ynode — a YAML document as a typed tree (internal to app/core).
 *
 * Loaded with libyaml's event API into an arena: scalars are resolved the way
 * PyYAML's safe loader (YAML 1.1) does it, so `port: 80` is an int and
 * `stateful: yes` a bool, and explicit tags on quoted scalars are applied
 * (`"port": !!int "80"`, the stored-meta style of console-api.md §2.3).
 * Aliases share the anchored node (the tree may be a DAG, never a cycle);
 * `<<` merge keys are applied. Every node carries its 1-based line.
 */
#ifndef CONSOLE_CORE_YNODE_H
#define CONSOLE_CORE_YNODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "console/arena.h"
#include "console/err.h"

#define YNODE_MAX_INPUT (1024 * 1024)   /* bytes */
#define YNODE_MAX_DEPTH 64              /* nested collections */

enum ynode_type { YN_NULL, YN_BOOL, YN_INT, YN_FLOAT, YN_STR, YN_MAP, YN_SEQ };

typedef struct ynode ynode_t;

typedef struct ypair {
	ynode_t *key;
	ynode_t *value;
} ypair_t;

struct ynode {
	enum ynode_type type;
	int line;
	const char *text;   /* scalars: the source text (YN_STR: the string) */
	bool b;
	int64_t i;
	double f;
	size_t n;           /* YN_MAP: pairs; YN_SEQ: items */
	ypair_t *pairs;
	ynode_t **items;
};

/* Parses one YAML document (an empty stream gives a YN_NULL node). All nodes
 * live in a; errors name the line. */
int ynode_load(arena_t *a, const char *text, size_t len, ynode_t **out, err_t *err);

/* ynode_load() of a document that must be a mapping; what names it in the
 * error ("lain.yaml must be a mapping, not a seq"). */
int ynode_load_map(arena_t *a, const char *text, size_t len, const char *what, ynode_t **out,
		   err_t *err);

/* Value of key in a YN_MAP (scalar keys compared by their text); NULL if
 * absent or if m is not a map. */
ynode_t *ynode_get(const ynode_t *m, const char *key);

/* Text of a scalar as Python's str() would give it ("True", "None", "80");
 * NULL for collections. */
const char *ynode_str(arena_t *a, const ynode_t *n);

/* Python truthiness. */
bool ynode_truthy(const ynode_t *n);

const char *ynode_type_name(enum ynode_type t);

/* New scalar nodes (for renderers). */
ynode_t *ynode_new(arena_t *a, enum ynode_type t, int line);

/* Converts n to JSON (map keys by their str()); *out is the caller's. Fails
 * when aliases make the tree expand past YNODE_MAX_EXPANSION nodes. */
#define YNODE_MAX_EXPANSION 200000
struct json_object;
int ynode_to_json(const ynode_t *n, struct json_object **out, err_t *err);

/* The same walk with strings turned by str (e.g. a template renderer); what
 * names the input in the budget's message ("template"). */
typedef int (*ynode_str_fn)(const ynode_t *n, void *data, struct json_object **out, err_t *err);
int ynode_to_json_with(const ynode_t *n, const char *what, ynode_str_fn str, void *data,
		       struct json_object **out, err_t *err);

#endif
