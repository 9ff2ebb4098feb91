/*
 * strx — small string helpers: checked number parsing (never atoi),
 * prefix/suffix tests, UTF-8 well-formedness, and decimal digits without
 * printf.
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

/* The length (1..4) of the well-formed UTF-8 sequence s[0..n) starts with
 * (RFC 3629: no overlong forms, no surrogates, nothing past U+10FFFF), or 0
 * when it starts with none (a stray continuation byte, a sequence cut
 * short by n, ...). 0 when n is 0. */
size_t strx_utf8_len(const char *s, size_t n);

/* Whether all of s[0..n) is well-formed UTF-8. */
bool strx_utf8_valid(const char *s, size_t n);

/* v in decimal into out (STRX_UTOA_MAX bytes at least), NUL-terminated;
 * its length. For what every request writes (its answer's header, its
 * access line), where a printf pass costs more than the rest. */
#define STRX_UTOA_MAX 21
size_t strx_utoa(unsigned long long v, char *out);

#endif
