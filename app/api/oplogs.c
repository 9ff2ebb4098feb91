/*
 * E24: the oplog of an app (oplog.h), embedded as a string as archon
 * expects, in the shape of the original's Django serializer; see oplogs.h.
 *
 * Written by hand, not with json-c: the bytes are the ones Python's
 * json.dumps wrote (", " and ": " between items, every non-ASCII character
 * as \uXXXX with surrogate pairs above U+FFFF), and json-c has neither
 * those separators (JSON_C_TO_STRING_SPACED puts spaces inside the braces
 * too) nor an ASCII-only mode (it writes UTF-8 as it comes).
 */
#include <inttypes.h>

#include <json-c/json.h>

#include "console/api.h"
#include "console/array.h"
#include "console/oplog.h"
#include "console/oplogs.h"
#include "console/permission.h"
#include "answer.h"
#include "console/banned.h"

/* One UTF-8 sequence at s: its code point and length; -1 when invalid. */
static long utf8_next(const unsigned char *s, int *len)
{
	unsigned char c = s[0];
	int n;
	long cp;
	if (c < 0x80) {
		*len = 1;
		return c;
	} else if ((c & 0xe0) == 0xc0) {
		n = 2;
		cp = c & 0x1f;
	} else if ((c & 0xf0) == 0xe0) {
		n = 3;
		cp = c & 0x0f;
	} else if ((c & 0xf8) == 0xf0) {
		n = 4;
		cp = c & 0x07;
	} else {
		*len = 1;
		return -1;
	}
	for (int i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			*len = 1;
			return -1;
		}
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	*len = n;
	/* Overlong forms, surrogates and values past U+10FFFF are invalid. */
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) {
		*len = 1;
		return -1;
	}
	return cp;
}

void oplogs_json_string(const char *str, buf_t *out)
{
	const unsigned char *s = (const unsigned char *)(str ? str : "");
	buf_addch(out, '"');
	while (*s) {
		int len;
		long cp = utf8_next(s, &len);
		s += len;
		switch (cp) {
		case '"': buf_addstr(out, "\\\""); continue;
		case '\\': buf_addstr(out, "\\\\"); continue;
		case '\n': buf_addstr(out, "\\n"); continue;
		case '\r': buf_addstr(out, "\\r"); continue;
		case '\t': buf_addstr(out, "\\t"); continue;
		case '\b': buf_addstr(out, "\\b"); continue;
		case '\f': buf_addstr(out, "\\f"); continue;
		default: break;
		}
		if (cp < 0)
			buf_addstr(out, "\\ufffd");
		else if (cp < 0x20 || (cp >= 0x7f && cp < 0x10000))
			buf_addf(out, "\\u%04lx", cp);
		else if (cp < 0x7f)
			buf_addch(out, (char)cp);
		else {
			long v = cp - 0x10000;
			buf_addf(out, "\\u%04lx\\u%04lx", 0xd800 + (v >> 10), 0xdc00 + (v & 0x3ff));
		}
	}
	buf_addch(out, '"');
}

void oplogs_render(const oplog_row_t *rows, size_t n, buf_t *out)
{
	buf_addch(out, '[');
	for (size_t i = 0; i < n; i++) {
		const oplog_row_t *r = &rows[i];
		/* The Django model's fields, in its order. */
		const struct {
			const char *name, *value;
		} fields[] = {
			{ "user", r->user }, { "op", r->op }, { "app", r->app },
			{ "app_version", r->app_version }, { "time", r->time },
			{ "message", r->message },
		};
		if (i)
			buf_addstr(out, ", ");
		buf_addf(out, "{\"model\": \"oplog.oplog\", \"pk\": %" PRId64 ", \"fields\": {", r->pk);
		for (size_t k = 0; k < ARRAY_SIZE(fields); k++) {
			buf_addf(out, "%s\"%s\": ", k ? ", " : "", fields[k].name);
			oplogs_json_string(fields[k].value, out);
		}
		buf_addstr(out, "}}");
	}
	buf_addch(out, ']');
}

void oplogs_write(const request_t *req, const char *op, const char *app, const char *version,
		  const char *message)
{
	err_t err = ERR_INIT;
	if (oplog_append(req->ctx, op, req_operator(req), app, version, message, &err))
		http_log(req, LOG_WARN, "oplog %s of %s not written: %s", op, app, err.msg);
}

int api_oplog_get(request_t *req, response_t *res, err_t *err)
{
	const char *name = req_app(req)->appname;
	oplog_row_t *rows = NULL;
	size_t n = 0;
	int rc = oplog_read(req->ctx, req->arena, name, OPLOG_READ, &rows, &n, err);
	if (rc)
		return rc;
	buf_t text = BUF_INIT;
	oplogs_render(rows, n, &text);
	rc = api_answer(req, res, 200, json_object_new_string_len(text.data, (int)text.len),
			arena_printf(req->arena, "/v1/oplogs/%s/", name), "");
	buf_release(&text);
	return rc;
}
