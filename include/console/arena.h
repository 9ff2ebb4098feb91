/*
 * arena — memory that lives exactly as long as one request.
 *
 * Allocations are carved from large blocks and released all at once by
 * arena_reset()/arena_free(); cleanup hooks registered with arena_on_free()
 * run first, newest first, to put away things the arena did not allocate
 * (json-c objects, curl handles). A worker keeps one arena and resets it
 * after every request, so nothing a handler allocates there can leak into
 * the next request.
 */
#ifndef CONSOLE_ARENA_H
#define CONSOLE_ARENA_H

#include <stddef.h>

typedef struct arena arena_t;

arena_t *arena_new(void);
/* An arena whose blocks are first bytes each (a larger allocation gets
 * one of its own): for one that lives long holding little (a parsed
 * lain.yaml a worker keeps), which wastes at most a block. */
arena_t *arena_new_small(size_t first);
/* The bytes its blocks take (what keeping it costs). */
size_t arena_bytes(const arena_t *a);
/* Runs the hooks, frees every block and the arena itself. NULL is fine. */
void arena_free(arena_t *a);
/* Runs the hooks and forgets every allocation, keeping the first block. */
void arena_reset(arena_t *a);

/* Zeroed memory aligned for any type; never NULL. */
void *arena_alloc(arena_t *a, size_t n);
char *arena_strdup(arena_t *a, const char *s);
char *arena_strndup(arena_t *a, const char *s, size_t n);
char *arena_printf(arena_t *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Appends a zeroed element of size bytes to the array *v of *n elements
 * (room for *cap) in a, doubling it when full (the old copy stays in a
 * until the arena is reset); returns the new element. Start with *v NULL,
 * *n and *cap 0. */
void *arena_push(arena_t *a, void *v, size_t *n, size_t *cap, size_t size);

/* Calls fn(data) when the arena is reset or freed. */
void arena_on_free(arena_t *a, void (*fn)(void *), void *data);

/* Hands p over to the arena: free_fn(p) runs when the arena is reset or
 * freed. Returns p, for chaining; NULL is returned as it is, with nothing
 * registered. What the request arena owns needs no cleanup in the code
 * that made it:
 *
 *     lain_conf_t *conf = arena_own(req->arena, parsed, conf_free_hook);
 */
void *arena_own(arena_t *a, void *p, void (*free_fn)(void *));

/* Registers json_object_put(obj) as a hook and returns obj, for chaining. */
struct json_object;
struct json_object *arena_json(arena_t *a, struct json_object *obj);

#endif
