/* The JSON of etcd's v3 gateway: request bodies and answers (etcd.h's wire
 * format section, and the pieces etcd.c shares, etcd_wire.h). No I/O. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "console/base64.h"
#include "console/etcd.h"
#include "etcd_wire.h"
#include "console/banned.h"

/* ---- wire format -------------------------------------------------------- */

void etcd_prefix_end(const char *prefix, size_t len, buf_t *out)
{
	/* The first key after every key with this prefix: drop trailing 0xff
	 * bytes, then increment the last byte. An all-0xff (or empty) prefix
	 * means "to the end of the keyspace", which etcd spells "\0". */
	while (len && (unsigned char)prefix[len - 1] == 0xff)
		len--;
	if (!len) {
		buf_addch(out, '\0');
		return;
	}
	buf_add(out, prefix, len);
	out->data[out->len - 1] = (char)((unsigned char)out->data[out->len - 1] + 1);
}

static void add_b64_field(buf_t *out, const char *name, const char *data, size_t len)
{
	buf_addf(out, "\"%s\":\"", name);
	base64_encode(out, data, len);
	buf_addch(out, '"');
}

void etcd_encode_range(buf_t *out, const char *key, size_t key_len, const char *end,
		       size_t end_len, int64_t limit, unsigned flags)
{
	buf_addch(out, '{');
	add_b64_field(out, "key", key, key_len);
	if (end) {
		buf_addch(out, ',');
		add_b64_field(out, "range_end", end, end_len);
	}
	if (limit > 0)
		buf_addf(out, ",\"limit\":\"%" PRId64 "\"", limit);
	if (flags & ETCD_RANGE_COUNT_ONLY)
		buf_addstr(out, ",\"count_only\":true");
	if (flags & ETCD_RANGE_KEYS_ONLY)
		buf_addstr(out, ",\"keys_only\":true");
	if (flags & ETCD_RANGE_DESCEND)
		buf_addstr(out, ",\"sort_order\":\"DESCEND\",\"sort_target\":\"KEY\"");
	buf_addch(out, '}');
}

static const char *const cmp_targets[] = {
	[ETCD_CMP_MOD] = "MOD",
	[ETCD_CMP_CREATE] = "CREATE",
	[ETCD_CMP_VERSION] = "VERSION",
	[ETCD_CMP_VALUE] = "VALUE",
};
static const char *const cmp_fields[] = {
	[ETCD_CMP_MOD] = "mod_revision",
	[ETCD_CMP_CREATE] = "create_revision",
	[ETCD_CMP_VERSION] = "version",
	[ETCD_CMP_VALUE] = "value",
};
static const char *const cmp_results[] = {
	[ETCD_EQUAL] = "EQUAL",
	[ETCD_NOT_EQUAL] = "NOT_EQUAL",
	[ETCD_GREATER] = "GREATER",
	[ETCD_LESS] = "LESS",
};

/* One put or delete as its request: {"key", "value"[, "lease"]} for
 * /v3/kv/put, {"key"[, "range_end"]} for /v3/kv/deleterange; a txn's
 * operations hold the same objects (a range's with its limit and order). */
void etcd_encode_op(buf_t *out, const etcd_op_t *op)
{
	buf_addch(out, '{');
	add_b64_field(out, "key", op->key, strlen(op->key));
	if (op->type == ETCD_OP_PUT) {
		buf_addch(out, ',');
		add_b64_field(out, "value", op->value, op->value_len);
		if (op->lease)
			buf_addf(out, ",\"lease\":\"%" PRId64 "\"", op->lease);
	} else if (op->prefix) {
		buf_t end = BUF_INIT;
		etcd_prefix_end(op->key, strlen(op->key), &end);
		buf_addch(out, ',');
		add_b64_field(out, "range_end", end.data, end.len);
		buf_release(&end);
	}
	if (op->type == ETCD_OP_RANGE && op->limit > 0)
		buf_addf(out, ",\"limit\":\"%" PRId64 "\"", op->limit);
	if (op->type == ETCD_OP_RANGE && op->descend)
		buf_addstr(out, ",\"sort_order\":\"DESCEND\",\"sort_target\":\"KEY\"");
	buf_addch(out, '}');
}

static void encode_ops(buf_t *out, const char *name, const etcd_op_t *ops, size_t n)
{
	buf_addf(out, "\"%s\":[", name);
	for (size_t i = 0; i < n; i++) {
		buf_addstr(out, i ? ",{" : "{");
		buf_addstr(out, ops[i].type == ETCD_OP_PUT     ? "\"request_put\":"
				: ops[i].type == ETCD_OP_RANGE ? "\"request_range\":"
							       : "\"request_delete_range\":");
		etcd_encode_op(out, &ops[i]);
		buf_addch(out, '}');
	}
	buf_addch(out, ']');
}

void etcd_encode_txn(buf_t *out, const etcd_cmp_t *cmp, size_t ncmp, const etcd_op_t *then,
		     size_t nthen, const etcd_op_t *otherwise, size_t nother)
{
	buf_addstr(out, "{\"compare\":[");
	for (size_t i = 0; i < ncmp; i++) {
		const etcd_cmp_t *c = &cmp[i];
		if (i)
			buf_addch(out, ',');
		buf_addch(out, '{');
		add_b64_field(out, "key", c->key, strlen(c->key));
		if (c->range_end) {
			buf_addch(out, ',');
			add_b64_field(out, "range_end", c->range_end, strlen(c->range_end));
		}
		buf_addf(out, ",\"target\":\"%s\",\"result\":\"%s\",", cmp_targets[c->target],
			 cmp_results[c->result]);
		if (c->target == ETCD_CMP_VALUE)
			add_b64_field(out, "value", c->value, c->value_len);
		else
			buf_addf(out, "\"%s\":\"%" PRId64 "\"", cmp_fields[c->target], c->revision);
		buf_addch(out, '}');
	}
	buf_addstr(out, "],");
	encode_ops(out, "success", then, nthen);
	buf_addch(out, ',');
	encode_ops(out, "failure", otherwise, nother);
	buf_addch(out, '}');
}

json_object *etcd_parse(const char *json, size_t len, err_t *err)
{
	json_tokener *tok = json_tokener_new();
	json_object *obj = json_tokener_parse_ex(tok, json, (int)len);
	enum json_tokener_error jerr = json_tokener_get_error(tok);
	json_tokener_free(tok);
	if (!obj || jerr != json_tokener_success || !json_object_is_type(obj, json_type_object)) {
		json_object_put(obj);
		err_set(err, -ERR_BAD_GATEWAY, "etcd answered something that is not a JSON object");
		return NULL;
	}
	return obj;
}

/* proto3 JSON: int64 as strings, fields with default values left out. */
int64_t etcd_json_i64(json_object *obj, const char *key)
{
	json_object *v;
	return json_object_object_get_ex(obj, key, &v) ? json_object_get_int64(v) : 0;
}

static bool get_bool(json_object *obj, const char *key)
{
	json_object *v;
	return json_object_object_get_ex(obj, key, &v) && json_object_get_boolean(v);
}

static int decode_b64_field(json_object *obj, const char *key, buf_t *out)
{
	json_object *v;
	if (!json_object_object_get_ex(obj, key, &v))
		return 0; /* empty value */
	const char *s = json_object_get_string(v);
	return base64_decode(out, s, strlen(s));
}

/* header.revision of an answer, 0 when absent. */
static int64_t header_revision(json_object *obj)
{
	json_object *h;
	return json_object_object_get_ex(obj, "header", &h) ? etcd_json_i64(h, "revision") : 0;
}

/* The "kvs" of a range answer (obj), fn called per kv. */
static int decode_kvs(json_object *obj, etcd_kv_fn fn, void *ctx, buf_t *last_key, err_t *err)
{
	int rc = 0;
	buf_t key = BUF_INIT, value = BUF_INIT;
	json_object *kvs;
	if (json_object_object_get_ex(obj, "kvs", &kvs) &&
	    json_object_is_type(kvs, json_type_array)) {
		size_t n = json_object_array_length(kvs);
		for (size_t i = 0; i < n && !rc; i++) {
			json_object *item = json_object_array_get_idx(kvs, i);
			buf_reset(&key);
			buf_reset(&value);
			if (decode_b64_field(item, "key", &key) ||
			    decode_b64_field(item, "value", &value)) {
				rc = err_set(err, -ERR_BAD_GATEWAY, "etcd answered a key or value that is not base64");
				break;
			}
			etcd_kv_t kv = {
				.key = key.data,
				.key_len = key.len,
				.value = value.data,
				.value_len = value.len,
				.create_revision = etcd_json_i64(item, "create_revision"),
				.mod_revision = etcd_json_i64(item, "mod_revision"),
				.version = etcd_json_i64(item, "version"),
				.lease = etcd_json_i64(item, "lease"),
			};
			if (fn)
				rc = fn(&kv, ctx);
			if (last_key) {
				buf_reset(last_key);
				buf_add(last_key, key.data, key.len);
			}
		}
	}
	buf_release(&key);
	buf_release(&value);
	return rc;
}

int etcd_decode_range(const char *json, size_t len, etcd_kv_fn fn, void *ctx, bool *more,
		      int64_t *count, buf_t *last_key, int64_t *revision, err_t *err)
{
	json_object *obj = etcd_parse(json, len, err);
	if (!obj)
		return -ERR_BAD_GATEWAY;
	if (revision)
		*revision = header_revision(obj);
	if (more)
		*more = get_bool(obj, "more");
	if (count)
		*count = etcd_json_i64(obj, "count");
	int rc = decode_kvs(obj, fn, ctx, last_key, err);
	json_object_put(obj);
	return rc;
}

int etcd_decode_txn_ranges(const char *json, size_t len, etcd_kv_fn fn, void *ctx,
			   int64_t *revision, err_t *err)
{
	json_object *obj = etcd_parse(json, len, err), *responses, *r;
	if (!obj)
		return -ERR_BAD_GATEWAY;
	if (revision)
		*revision = header_revision(obj);
	int rc = 0;
	if (json_object_object_get_ex(obj, "responses", &responses) &&
	    json_object_is_type(responses, json_type_array))
		for (size_t i = 0; i < json_object_array_length(responses) && !rc; i++)
			if (json_object_object_get_ex(json_object_array_get_idx(responses, i),
						      "response_range", &r))
				rc = decode_kvs(r, fn, ctx, NULL, err);
	json_object_put(obj);
	return rc;
}

int etcd_decode_txn(const char *json, size_t len, bool *succeeded, int64_t *revision,
		    err_t *err)
{
	json_object *obj = etcd_parse(json, len, err);
	if (!obj)
		return -ERR_BAD_GATEWAY;
	*succeeded = get_bool(obj, "succeeded");
	if (revision)
		*revision = header_revision(obj);
	json_object_put(obj);
	return 0;
}
