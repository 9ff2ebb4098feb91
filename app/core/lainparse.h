/*
 * lainparse — the pieces the lain.yaml parser shares between its files
 * (internal to app/core: lainyaml.c does the top level and the sections,
 * lainproc.c the keys of one proc, lainports.c its ports, lainparse.c
 * these helpers).
 *
 * Everything is allocated in the model's arena (p->a); strings taken from
 * the YAML tree are copied, since the tree is freed when the parse ends.
 * Helpers that fail fill p->err and return its negative code; messages are
 * "<key path>: <what> (line N)".
 */
#ifndef CONSOLE_CORE_LAINPARSE_H
#define CONSOLE_CORE_LAINPARSE_H

#include <stdbool.h>

#include "console/lainyaml.h"
#include "ynode.h"

#define LAIN_APP_DIR "/lain/app"
#define LAIN_LOGS_DIR "/lain/logs"

/* Lists and maps of one key are kept far below what the 1 MiB input allows:
 * several normalisations deduplicate in O(n^2), and no real lain.yaml comes
 * near these numbers. */
#define LAIN_MAX_ENTRIES 4096
#define LAIN_MAX_PROCS 1024

struct pctx {
	arena_t *a;         /* the model's */
	err_t *err;
	const lain_parse_opts_t *o;
	lain_conf_t *c;
	const char *rev;    /* reversed appname */
};

/* A growable string list in the arena. */
struct lp_list {
	const char **v;
	size_t n, cap;
};

__attribute__((format(printf, 4, 5)))
int lp_bad(struct pctx *p, const ynode_t *n, const char *path, const char *fmt, ...);
/* "<path>.<key>" */
const char *lp_sub(struct pctx *p, const char *path, const char *key);
/* An error when a list or map n has more than LAIN_MAX_ENTRIES entries. */
int lp_too_many(struct pctx *p, const ynode_t *n, const char *path);
/* Value of key in map m; a null value counts as absent (NULL). */
const ynode_t *lp_get(const ynode_t *m, const char *key);

/* Room for one more element in the arena array v of n elements of size
 * (capacity *cap); returns the array, moved when it grew. */
void *lp_grow(struct pctx *p, void *v, size_t n, size_t *cap, size_t size);

void lp_list_add(struct pctx *p, struct lp_list *l, const char *s);
bool lp_list_has(const struct lp_list *l, const char *s);
void lp_list_add_unique(struct pctx *p, struct lp_list *l, const char *s);
lain_strs_t lp_list_done(struct lp_list *l);

/* A scalar as Python's str() gives it, copied; collections are an error. */
int lp_scalar_str(struct pctx *p, const ynode_t *n, const char *path, const char **out);
/* Optional string key (scalars by str()), dflt when absent. */
int lp_opt_str(struct pctx *p, const ynode_t *m, const char *key, const char *path,
	       const char *dflt, const char **out);
/* Optional integer key as Python int(): ints, truncated floats, decimal
 * strings; booleans are an error. */
int lp_opt_int(struct pctx *p, const ynode_t *m, const char *key, const char *path,
	       long dflt, long *out);
/* A scalar or a list of scalars appended to out as strings (nulls skipped). */
int lp_str_or_list(struct pctx *p, const ynode_t *n, const char *path, struct lp_list *out);
/* The strings of lp_str_or_list(n) (n NULL or null: none), in order: an
 * empty one fails as "<what> must not be empty", the others go to each(),
 * which adds what it makes of them to the list that becomes *out (each
 * NULL: *out is the strings as they are). */
typedef int (*lp_each_fn)(struct pctx *p, const ynode_t *n, const char *path, const char *s,
			  struct lp_list *out);
int lp_nonempty_strs(struct pctx *p, const ynode_t *n, const char *path, const char *what,
		     lp_each_fn each, lain_strs_t *out);

/* os.path.normpath of an absolute path. */
const char *lp_normpath(struct pctx *p, const char *path);
/* Relative paths under /lain/app; normalised. */
const char *lp_app_path(struct pctx *p, const char *path);

extern const char *const lp_type_names[4];
int lp_type_from_name(const char *s, enum lain_proc_type *t);

/* The proc section a key's parser is in, for the keys that read a neighbour
 * or name the section in a message. */
struct lp_section {
	const ynode_t *sec, *key;   /* the section and its key node */
	const char *path;
};

/* The parsers of one key of a proc section that live in their own file
 * (lainports.c): n is the key's value (NULL when absent or null), kp its
 * key path. */
int lp_parse_ports(struct pctx *p, lain_proc_t *proc, const ynode_t *n, const char *kp,
		   const struct lp_section *s);
int lp_parse_stream_ports(struct pctx *p, lain_proc_t *proc, const ynode_t *n, const char *kp,
			  const struct lp_section *s);

/* Builds one proc from its section map (sec NULL: empty). key is the
 * section's key node (its line), path the key path for messages;
 * service_name is set for the portal of a service.<name> section. */
int lp_parse_proc(struct pctx *p, lain_proc_t *proc, const char *name, enum lain_proc_type type,
		  const ynode_t *sec, const ynode_t *key, const char *path, const char *service_name);

#endif
