/*
 * xalloc — allocation wrappers that never return NULL.
 *
 * Out of memory aborts the process: a worker dies, the master respawns it and
 * only the request in flight fails (DESIGN.md, Conventions). Callers therefore
 * never test the result for NULL. Everything returned is owned by the caller
 * and released with free().
 */
#ifndef CONSOLE_XALLOC_H
#define CONSOLE_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* printf into a new string. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
