/*
 * oplogs — E24 GET /v1/oplogs/<app>/ (api_oplog_get in api.h): the newest
 * rows of an app's oplog (oplog.h) in the shape the original's Django
 * serializer gave, a JSON array that the endpoint embeds as a string:
 *
 *   [{"model": "oplog.oplog", "pk": 7, "fields": {"user": "alice",
 *     "op": "DEPLOY", "app": "hello", "app_version": "...",
 *     "time": "2018-04-23T03:12:45.123Z", "message": ""}}]
 *
 * with Python's json.dumps spacing and ASCII escapes. Pure (unit-tested).
 */
#ifndef CONSOLE_OPLOGS_H
#define CONSOLE_OPLOGS_H

#include <stddef.h>

#include "console/buf.h"
#include "console/http.h"
#include "console/oplog.h"

/* Writes a row of app's oplog for req: op, the caller (the operator) as its
 * user, version and message (NULL: ""). A failure is logged and no more:
 * the row records a change that is made (§9.3 #25). */
void oplogs_write(const request_t *req, const char *op, const char *app, const char *version,
		  const char *message);

/* rows[0..n) as the Django-serializer array (an empty log is "[]"),
 * appended to out. */
void oplogs_render(const oplog_row_t *rows, size_t n, buf_t *out);

/* s as a JSON string the way Python's json.dumps writes it (ASCII only:
 * \uXXXX for everything else, surrogate pairs above U+FFFF; invalid UTF-8
 * bytes become \ufffd); appended to out. NULL is "". */
void oplogs_json_string(const char *s, buf_t *out);

#endif
