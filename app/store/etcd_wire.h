/*
 * etcd_wire — what etcd.c (the transport) shares with etcd_wire.c (the JSON
 * of etcd's v3 gateway). Internal to app/store; the public wire functions
 * are in console/etcd.h.
 */
#ifndef CONSOLE_STORE_ETCD_WIRE_H
#define CONSOLE_STORE_ETCD_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "console/buf.h"
#include "console/err.h"
#include "console/etcd.h"

struct json_object;

/* json as a JSON object (the caller puts it), or NULL with -ERR_BAD_GATEWAY
 * "etcd answered something that is not a JSON object" in err. */
struct json_object *etcd_parse(const char *json, size_t len, err_t *err);

/* obj[key] as an int64 (proto3 JSON writes them as strings; an absent
 * field is 0). */
int64_t etcd_json_i64(struct json_object *obj, const char *key);

/* One put or delete request body (also a txn's request_put/delete_range),
 * appended to out. */
void etcd_encode_op(buf_t *out, const etcd_op_t *op);

#endif
