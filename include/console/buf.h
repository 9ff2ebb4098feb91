/*
 * buf — a growable byte buffer with a size cap.
 *
 * Invariants (as git's strbuf): data is never NULL and always NUL-terminated,
 * so a buf can be read as a C string at any time; len excludes the NUL.
 * A buf grows by doubling. A non-zero max caps len: an append that would pass
 * it fails with -ERR_TOO_BIG and leaves the buffer unchanged, which is how
 * request and response bodies are bounded.
 *
 *     buf_t b = BUF_INIT;
 *     buf_addf(&b, "%d apps", n);
 *     ...
 *     buf_release(&b);
 */
#ifndef CONSOLE_BUF_H
#define CONSOLE_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct buf {
	char *data;
	size_t len;
	size_t cap;   /* allocated bytes, 0 while data points at the shared "" */
	size_t max;   /* 0 = unbounded */
} buf_t;

extern char buf_empty[];
#define BUF_INIT { buf_empty, 0, 0, 0 }

/* Initialises an empty buffer capped at max bytes (0: no cap). */
void buf_init(buf_t *b, size_t max);
/* Frees the storage; b is empty (and reusable) afterwards. */
void buf_release(buf_t *b);
/* Empties b, keeping its storage. */
void buf_reset(buf_t *b);
/* Cuts b to its first len bytes (nothing when it is not longer). */
void buf_truncate(buf_t *b, size_t len);
/* Hands the string over to the caller (free() it); b is left empty. */
char *buf_detach(buf_t *b, size_t *len);

/* Appends; 0, or -ERR_TOO_BIG when the cap would be passed. */
int buf_add(buf_t *b, const void *data, size_t n);
int buf_addstr(buf_t *b, const char *s);
int buf_addch(buf_t *b, char c);

/* Appends s percent-encoded ("%2F"): every byte but RFC 3986's unreserved
 * characters (A-Z a-z 0-9 - . _ ~) and those in keep (NULL: none). */
int buf_add_escaped(buf_t *b, const char *s, const char *keep);
int buf_addf(buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vaddf(buf_t *b, const char *fmt, va_list ap);

/* Makes room for n more bytes without changing len (ignores the cap). */
void buf_grow(buf_t *b, size_t n);

#endif
