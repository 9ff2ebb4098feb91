/*
 * base64 — standard (RFC 4648 §4, padded) and URL-safe (§5, unpadded)
 * encodings, as etcd's JSON gateway and JWS need them.
 */
#ifndef CONSOLE_BASE64_H
#define CONSOLE_BASE64_H

#include <stddef.h>
#include "console/buf.h"

/* Appends the encoding of data to out. */
int base64_encode(buf_t *out, const void *data, size_t len);
int base64url_encode(buf_t *out, const void *data, size_t len);

/* Appends the decoded bytes to out; -ERR_INVALID on a character outside the
 * alphabet or a bad length. base64_decode accepts missing padding too. */
int base64_decode(buf_t *out, const char *text, size_t len);
int base64url_decode(buf_t *out, const char *text, size_t len);

#endif
