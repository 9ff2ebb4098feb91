/* JSON text as Python's json.dumps writes it; see pyjson.h. */
#include <stdbool.h>
#include <string.h>

#include <json-c/json.h>

#include "console/pyjson.h"
#include "console/strx.h"
#include "console/banned.h"

/* s as Python's json.dumps writes a string (ensure_ascii: every character
 * past ASCII as \uXXXX, a surrogate pair past the BMP). */
static void py_json_string(buf_t *out, const char *s, size_t n)
{
	buf_addstr(out, "\"");
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)s[i];
		size_t k = strx_utf8_len(s + i, n - i);
		if (c == '"' || c == '\\') {
			buf_addf(out, "\\%c", c);
		} else if (c == '\n') {
			buf_addstr(out, "\\n");
		} else if (c == '\r') {
			buf_addstr(out, "\\r");
		} else if (c == '\t') {
			buf_addstr(out, "\\t");
		} else if (c == '\b') {
			buf_addstr(out, "\\b");
		} else if (c == '\f') {
			buf_addstr(out, "\\f");
		} else if (c < 0x20 || c == 0x7f) {
			buf_addf(out, "\\u%04x", c);
		} else if (c < 0x80) {
			buf_add(out, s + i, 1);
		} else {
			unsigned long cp = 0xfffd; /* what no UTF-8 decodes to */
			if (k == 2)
				cp = (c & 0x1fUL) << 6 | (s[i + 1] & 0x3fUL);
			else if (k == 3)
				cp = (c & 0x0fUL) << 12 | (s[i + 1] & 0x3fUL) << 6 | (s[i + 2] & 0x3fUL);
			else if (k == 4)
				cp = (c & 0x07UL) << 18 | (s[i + 1] & 0x3fUL) << 12 |
				     (s[i + 2] & 0x3fUL) << 6 | (s[i + 3] & 0x3fUL);
			if (cp > 0xffff)
				buf_addf(out, "\\u%04lx\\u%04lx", 0xd800 + ((cp - 0x10000) >> 10),
					 0xdc00 + ((cp - 0x10000) & 0x3ff));
			else
				buf_addf(out, "\\u%04lx", cp);
		}
		i += k ? k : 1;
	}
	buf_addstr(out, "\"");
}

/* v at nesting depth. */
static void dump(buf_t *out, json_object *v, int depth)
{
	switch (json_object_get_type(v)) {
	case json_type_object: {
		if (!json_object_object_length(v)) {
			buf_addstr(out, "{}");
			return;
		}
		bool first = true;
		buf_addstr(out, "{");
		json_object_object_foreach(v, key, val) {
			buf_addf(out, "%s\n%*s", first ? "" : ",", 2 * (depth + 1), "");
			py_json_string(out, key, strlen(key));
			buf_addstr(out, ": ");
			dump(out, val, depth + 1);
			first = false;
		}
		buf_addf(out, "\n%*s}", 2 * depth, "");
		return;
	}
	case json_type_array: {
		size_t n = json_object_array_length(v);
		if (!n) {
			buf_addstr(out, "[]");
			return;
		}
		buf_addstr(out, "[");
		for (size_t i = 0; i < n; i++) {
			buf_addf(out, "%s\n%*s", i ? "," : "", 2 * (depth + 1), "");
			dump(out, json_object_array_get_idx(v, i), depth + 1);
		}
		buf_addf(out, "\n%*s]", 2 * depth, "");
		return;
	}
	case json_type_string:
		py_json_string(out, json_object_get_string(v), (size_t)json_object_get_string_len(v));
		return;
	case json_type_null:
		buf_addstr(out, "null");
		return;
	default: /* numbers, booleans: as json-c writes them */
		buf_addstr(out, json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
		return;
	}
}

void pyjson_dump_indent2(buf_t *out, json_object *v)
{
	dump(out, v, 0);
}
