#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "console/arena.h"
#include "console/xalloc.h"
#include "console/banned.h"

/* Big enough that a typical request (a few envelopes, a list of apps) never
 * leaves the first block, which arena_reset() keeps between requests. */
#define ARENA_BLOCK (64 * 1024)
#define ARENA_ALIGN (_Alignof(max_align_t))

struct block {
	struct block *next;
	size_t size;
	size_t used;
	max_align_t data[];
};

struct hook {
	struct hook *next;
	void (*fn)(void *);
	void *data;
};

struct arena {
	struct block *blocks;   /* newest first; the last one is kept on reset */
	struct hook *hooks;     /* newest first */
	size_t next;            /* the size of a new block */
	size_t bytes;           /* what its blocks take */
};

static struct block *block_new(size_t size)
{
	struct block *b = xmalloc(sizeof(*b) + size);
	b->next = NULL;
	b->size = size;
	b->used = 0;
	return b;
}

arena_t *arena_new(void)
{
	return arena_new_small(ARENA_BLOCK);
}

arena_t *arena_new_small(size_t first)
{
	arena_t *a = xcalloc(1, sizeof(*a));
	first = first < 256 ? 256 : first > ARENA_BLOCK ? ARENA_BLOCK : first;
	a->blocks = block_new(first);
	a->next = first;
	a->bytes = first;
	return a;
}

static void run_hooks(arena_t *a)
{
	/* A hook may allocate from the arena or add hooks: take the list first. */
	while (a->hooks) {
		struct hook *h = a->hooks;
		a->hooks = NULL;
		while (h) {
			struct hook *next = h->next;
			h->fn(h->data);
			h = next;
		}
	}
}

void arena_reset(arena_t *a)
{
	run_hooks(a);
	while (a->blocks->next) {
		struct block *b = a->blocks;
		a->blocks = b->next;
		a->bytes -= b->size;
		free(b);
	}
	a->blocks->used = 0;
}

void arena_free(arena_t *a)
{
	if (!a)
		return;
	arena_reset(a);
	free(a->blocks);
	free(a);
}

void *arena_alloc(arena_t *a, size_t n)
{
	size_t need = (n + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1);
	struct block *b = a->blocks;
	if (b->size - b->used < need) {
		size_t size = need > ARENA_BLOCK / 4 ? need : need > a->next ? need : a->next;
		struct block *nb = block_new(size);
		a->bytes += size;
		if (size == need && b->used) {
			/* A big one-off: keep filling the current block. */
			nb->next = b->next;
			b->next = nb;
			nb->used = need;
			memset(nb->data, 0, n);
			return nb->data;
		}
		nb->next = b;
		a->blocks = b = nb;
	}
	void *p = (char *)b->data + b->used;
	b->used += need;
	memset(p, 0, n);
	return p;
}

size_t arena_bytes(const arena_t *a)
{
	return a->bytes;
}

char *arena_strndup(arena_t *a, const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *p = arena_alloc(a, len + 1);
	memcpy(p, s, len);
	return p;
}

void *arena_push(arena_t *a, void *v, size_t *n, size_t *cap, size_t size)
{
	void **pv = v;
	if (*n == *cap) {
		size_t grown = *cap ? 2 * *cap : 8;
		void *bigger = arena_alloc(a, grown * size);
		if (*n)
			memcpy(bigger, *pv, *n * size);
		*pv = bigger;
		*cap = grown;
	}
	return (char *)*pv + (*n)++ * size;
}

char *arena_strdup(arena_t *a, const char *s)
{
	return arena_strndup(a, s, SIZE_MAX);
}

char *arena_printf(arena_t *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	char *p = arena_alloc(a, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

void arena_on_free(arena_t *a, void (*fn)(void *), void *data)
{
	struct hook *h = arena_alloc(a, sizeof(*h));
	h->fn = fn;
	h->data = data;
	h->next = a->hooks;
	a->hooks = h;
}

static void json_put_hook(void *obj)
{
	json_object_put(obj);
}

void *arena_own(arena_t *a, void *p, void (*free_fn)(void *))
{
	if (p)
		arena_on_free(a, free_fn, p);
	return p;
}

struct json_object *arena_json(arena_t *a, struct json_object *obj)
{
	if (obj)
		arena_on_free(a, json_put_hook, obj);
	return obj;
}
