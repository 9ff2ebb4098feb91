/*
 * strx — small string helpers: checked number parsing (never atoi) and
 * prefix/suffix tests.
 */
#ifndef CONSOLE_STRX_H
#define CONSOLE_STRX_H

#include <stdbool.h>
#include <stddef.h>

/* Parses a whole decimal integer in [min, max]; 0 or -ERR_INVALID.
 * Leading/trailing spaces, signs on unsigned ranges, "" and overflow fail. */
int strx_to_long(const char *s, long min, long max, long *out);

/* "1/true/yes/on" and "0/false/no/off" (any case); 0 or -ERR_INVALID. */
int strx_to_bool(const char *s, bool *out);

bool strx_prefix(const char *s, const char *prefix);

/* A service's base URL as configured ("host:port" or a URL), made one to
 * append paths to: "http://" in front when it names no scheme, the
 * trailing slashes dropped. free() it. */
char *strx_base_url(const char *url);
bool strx_suffix(const char *s, const char *suffix);

/* Splits s on sep into at most max trimmed, non-empty fields; returns the
 * count. The fields are written into the caller's copy s (modified). */
size_t strx_split(char *s, char sep, char **fields, size_t max);

#endif
