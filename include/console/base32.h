/*
 * base32 — the RFC 4648 §6 encoding (alphabet A-Z2-7, upper case).
 *
 * What the registry's key ids (libtrust fingerprints, console-api.md §6.3)
 * are spelled in. Only encoding is needed: nothing we read is base32.
 */
#ifndef CONSOLE_BASE32_H
#define CONSOLE_BASE32_H

#include <stddef.h>
#include "console/buf.h"

/* Appends the encoding of data to out, padded with '=' to a multiple of 8
 * characters as RFC 4648 says (no padding when len is a multiple of 5).
 * 0, or -ERR_TOO_BIG when out's cap would be passed (out is then left with
 * a partial encoding appended). */
int base32_encode(buf_t *out, const void *data, size_t len);

#endif
