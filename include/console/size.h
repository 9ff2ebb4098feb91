/*
 * size — memory sizes as lain.yaml writes them and as the API shows them
 * (console-api.md §3.7, §1.4).
 *
 * Parsing follows humanfriendly 1.x: a number, optionally a fraction, then an
 * optional unit whose first letter (any case) picks a BINARY multiple:
 * k = 1024, m = 1024^2, g, t, p, e; "b"/"byte"/"bytes" or no unit = bytes.
 * Spaces may separate number and unit. The result is truncated to an integer:
 *     "32m" -> 33554432, "1.5g" -> 1610612736, "0.5k" -> 512, "100" -> 100.
 */
#ifndef CONSOLE_SIZE_H
#define CONSOLE_SIZE_H

#include <stddef.h>
#include <stdint.h>

#include "console/err.h"

/* 0 and *out, or -ERR_INVALID ("memory size 'x' is invalid ...") for an
 * empty, negative, malformed or overflowing size. */
int size_parse(const char *s, int64_t *out, err_t *err);

/* Formats bytes as the API shows MemoryLimit: the largest binary unit not
 * above the value, two decimals with trailing zeros stripped, labelled
 * KB/MB/GB/TB/PB/EB; below 1 KiB "<n> bytes" ("1 byte"):
 *     268435456 -> "256 MB", 1572864 -> "1.5 MB", 512 -> "512 bytes".
 * Writes at most n bytes (NUL included) into out and returns out. */
#define SIZE_FORMAT_MAX 32
char *size_format(int64_t bytes, char *out, size_t n);

#endif
