/*
 * etcd_wire — what etcd.c's transport shares with the wire format in
 * etcd_wire.c (the rest of which is public in etcd.h). Internal to app/store.
 */
#ifndef CONSOLE_STORE_ETCD_WIRE_H
#define CONSOLE_STORE_ETCD_WIRE_H

#include <stdint.h>

#include "console/buf.h"
#include "console/err.h"
#include "console/etcd.h"

struct json_object;

/* json as a JSON object (put it), or NULL with err set (-ERR_BAD_GATEWAY). */
struct json_object *etcd_wire_parse(const char *json, size_t len, err_t *err);

/* A proto3 JSON int64 field (a string, or absent: 0). */
int64_t etcd_wire_i64(struct json_object *obj, const char *key);

/* One put or delete as its request body: {"key", "value"[, "lease"]} for
 * /v3/kv/put, {"key"[, "range_end"]} for /v3/kv/deleterange. */
void etcd_wire_encode_op(buf_t *out, const etcd_op_t *op);

#endif
