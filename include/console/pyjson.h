/*
 * pyjson — JSON text as Python's json.dumps writes it, for the answers
 * that quote a neighbour the way the original console (Python) did: the
 * maintainer changes SSO refused carry SSO's answer as json.dumps(answer,
 * indent=2) (spec §9.5).
 */
#ifndef CONSOLE_PYJSON_H
#define CONSOLE_PYJSON_H

#include "console/buf.h"

struct json_object;

/* v appended to out as json.dumps(v, indent=2): two spaces per level, ", "
 * never at a line's end, ": " after keys, keys in v's order (json-c keeps
 * the order a document had), "{}" and "[]" when empty, ensure_ascii (every
 * character past ASCII as \uXXXX, a surrogate pair past the BMP; a byte of
 * no UTF-8 as \ufffd), "/" as it is. Numbers and booleans as json-c writes
 * them. */
void pyjson_dump_indent2(buf_t *out, struct json_object *v);

#endif
