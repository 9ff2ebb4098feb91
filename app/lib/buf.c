#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console/buf.h"
#include "console/err.h"
#include "console/xalloc.h"
#include "console/banned.h"

char buf_empty[1];

void buf_init(buf_t *b, size_t max)
{
	b->data = buf_empty;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

void buf_release(buf_t *b)
{
	if (b->cap)
		free(b->data);
	buf_init(b, b->max);
}

void buf_reset(buf_t *b)
{
	b->len = 0;
	b->data[0] = '\0';
}

void buf_truncate(buf_t *b, size_t len)
{
	if (len < b->len) {
		b->len = len;
		b->data[len] = '\0';
	}
}

char *buf_detach(buf_t *b, size_t *len)
{
	char *s = b->cap ? b->data : xstrdup("");
	if (len)
		*len = b->len;
	buf_init(b, b->max);
	return s;
}

void buf_grow(buf_t *b, size_t n)
{
	size_t need = b->len + n + 1;
	if (need <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap *= 2;
	if (b->cap) {
		b->data = xrealloc(b->data, cap);
	} else {
		b->data = xmalloc(cap);
		b->data[0] = '\0';
	}
	b->cap = cap;
}

int buf_add(buf_t *b, const void *data, size_t n)
{
	if (b->max && b->len + n > b->max)
		return -ERR_TOO_BIG;
	buf_grow(b, n);
	memcpy(b->data + b->len, data, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int buf_addstr(buf_t *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

int buf_addch(buf_t *b, char c)
{
	return buf_add(b, &c, 1);
}

int buf_vaddf(buf_t *b, const char *fmt, va_list ap)
{
	va_list cp;
	va_copy(cp, ap);
	int n = vsnprintf(b->data + b->len, b->cap ? b->cap - b->len : 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return -ERR_INTERNAL;
	if (b->max && b->len + (size_t)n > b->max) {
		if (b->cap)
			b->data[b->len] = '\0';
		return -ERR_TOO_BIG;
	}
	if (!b->cap || b->len + (size_t)n + 1 > b->cap) {
		buf_grow(b, (size_t)n);
		vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
	}
	b->len += (size_t)n;
	return 0;
}

int buf_addf(buf_t *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = buf_vaddf(b, fmt, ap);
	va_end(ap);
	return rc;
}

int buf_add_escaped(buf_t *b, const char *s, const char *keep)
{
	int rc = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p && !rc; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    strchr("-._~", *p) || (keep && strchr(keep, *p)))
			rc = buf_addch(b, (char)*p);
		else
			rc = buf_addf(b, "%%%02X", *p);
	}
	return rc;
}
