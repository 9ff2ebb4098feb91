#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "console/etcd.h"
#include "console/httpc.h"
#include "console/log.h"
#include "console/strx.h"
#include "console/xalloc.h"
#include "etcd_wire.h"
#include "console/banned.h"

#define ETCD_MAX_ENDPOINTS 16
#define ETCD_MAX_ANSWER (64u << 20)

struct etcd {
	httpc_t *http;
	char *endpoints[ETCD_MAX_ENDPOINTS];
	size_t n;
	size_t current;            /* the endpoint that answered last */
	int64_t revision;          /* the highest header revision decoded (etcd_revision_seen) */
	bool ambiguous;            /* the last call failed over after an attempt that a member
	                              may have received (and applied) without answering */
	buf_t url;
	buf_t req;
	httpc_response_t resp;
};

int etcd_new(etcd_t **out, const char *endpoints, long timeout_ms, long connect_timeout_ms,
	     err_t *err)
{
	char *copy = xstrdup(endpoints ? endpoints : "");
	char *fields[ETCD_MAX_ENDPOINTS];
	size_t n = strx_split(copy, ',', fields, ETCD_MAX_ENDPOINTS);
	if (!n) {
		free(copy);
		return err_set(err, -ERR_INVALID, "no etcd endpoint given");
	}
	etcd_t *e = xcalloc(1, sizeof(*e));
	for (size_t i = 0; i < n; i++) {
		const char *f = fields[i];
		bool url = strx_prefix(f, "http://") || strx_prefix(f, "https://");
		if (strchr(f, ' ') || (!url && strchr(f, '/'))) {
			err_set(err, -ERR_INVALID, "etcd endpoint '%s' is not host:port or a URL", f);
			free(copy);
			etcd_free(e);
			return -ERR_INVALID;
		}
		size_t len = strlen(f);
		while (len && f[len - 1] == '/')
			len--;
		if (url)
			e->endpoints[i] = xstrndup(f, len);
		else
			e->endpoints[i] = xasprintf("http://%.*s", (int)len, f);
		e->n++;
	}
	free(copy);
	e->http = httpc_new("etcd", NULL, timeout_ms, connect_timeout_ms);
	if (!e->http) {
		etcd_free(e);
		return err_set(err, -ERR_INTERNAL, "cannot create a curl handle");
	}
	buf_init(&e->url, 0);
	buf_init(&e->req, 0);
	e->resp = (httpc_response_t)HTTPC_RESPONSE_INIT;
	*out = e;
	return 0;
}

void etcd_free(etcd_t *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->n; i++)
		free(e->endpoints[i]);
	httpc_free(e->http);
	buf_release(&e->url);
	buf_release(&e->req);
	httpc_response_release(&e->resp);
	free(e);
}

const char *etcd_endpoint(const etcd_t *e)
{
	return e->endpoints[e->current];
}

int64_t etcd_revision_seen(const etcd_t *e)
{
	return e->revision;
}

/* What a decoded answer tells of the store's revision. */
static void seen(etcd_t *e, int64_t revision)
{
	if (revision > e->revision)
		e->revision = revision;
}

/* The header revision of the answer in e->resp (a put's, a delete's): the
 * revision of that write. */
static void seen_header(etcd_t *e)
{
	json_object *obj = etcd_parse(e->resp.body.data, e->resp.body.len, NULL), *h;
	if (obj && json_object_object_get_ex(obj, "header", &h))
		seen(e, etcd_json_i64(h, "revision"));
	json_object_put(obj);
}

/* ---- transport ---------------------------------------------------------- */

/* gRPC codes that mean "try again / another member": Unavailable,
 * DeadlineExceeded. */
static bool grpc_unavailable(int64_t code)
{
	return code == 14 || code == 4;
}

static int judge_answer(etcd_t *e, err_t *err)
{
	if (e->resp.status == 200)
		return 0;
	json_object *obj = json_tokener_parse(e->resp.body.data);
	json_object *m = NULL;
	const char *msg = NULL;
	if (obj && (json_object_object_get_ex(obj, "message", &m) ||
		    json_object_object_get_ex(obj, "error", &m)))
		msg = json_object_get_string(m);
	int64_t code = obj ? etcd_json_i64(obj, "code") : 0;
	int rc;
	if (grpc_unavailable(code) || e->resp.status == 503)
		rc = err_set(err, -ERR_UNAVAILABLE, "etcd unavailable: %s",
			     msg ? msg : "the member is not ready");
	else
		rc = err_set(err, -ERR_BAD_GATEWAY, "etcd refused the request (HTTP %ld): %s",
			     e->resp.status, msg ? msg : "no reason given");
	json_object_put(obj);
	return rc;
}

/* Sends e->req (POST, or GET when it is empty; method overrides) to path
 * on the current endpoint, failing over to the others when one cannot be
 * reached. The answer is left in e->resp. raw: any answer but 503 is the
 * caller's to judge (the v2 API answers 201, 404, 412). */
static int call_ex(etcd_t *e, const char *method, const char *path, const char *content_type,
		   bool raw, err_t *err)
{
	int rc = -ERR_UNAVAILABLE;
	e->ambiguous = false;
	for (size_t i = 0; i < e->n; i++) {
		size_t idx = (e->current + i) % e->n;
		buf_reset(&e->url);
		buf_addf(&e->url, "%s%s", e->endpoints[idx], path);
		httpc_request_t req = {
			.method = method ? method : e->req.len ? "POST" : "GET",
			.url = e->url.data,
			.body = e->req.len ? e->req.data : NULL,
			.body_len = e->req.len,
			.content_type = content_type,
			.max_body = ETCD_MAX_ANSWER,
		};
		rc = httpc_perform(e->http, &req, &e->resp, err);
		if (!rc && (!raw || e->resp.status == 503))
			rc = judge_answer(e, err);
		if (rc != -ERR_UNAVAILABLE) {
			e->current = idx;
			return rc;
		}
		/* Refused: nobody got it. Anything else (no answer in time, a
		 * reset, a member saying the leader changed) may have been
		 * applied all the same: the next member's answer to a
		 * conditional write may be about our own write (etcd_txn). */
		if (!e->resp.unsent)
			e->ambiguous = true;
	}
	return rc;
}

static int call(etcd_t *e, const char *path, err_t *err)
{
	return call_ex(e, NULL, path, NULL, false, err);
}

static void v2_path(buf_t *path, const char *key)
{
	buf_addstr(path, "/v2/keys");
	if (key[0] != '/')
		buf_addch(path, '/');
	buf_add_escaped(path, key, "/");
}

int etcd_v2_get_index(etcd_t *e, const char *key, buf_t *value, uint64_t *index, err_t *err)
{
	buf_t path = BUF_INIT;
	v2_path(&path, key);
	buf_reset(&e->req);
	int rc = call_ex(e, "GET", path.data, NULL, true, err);
	buf_release(&path);
	if (rc)
		return rc;
	if (e->resp.status == 404)
		return err_set(err, -ERR_NOT_FOUND, "key '%s' not found", key);
	if (e->resp.status != 200)
		return judge_answer(e, err);
	json_object *obj = etcd_parse(e->resp.body.data, e->resp.body.len, err), *node, *v;
	if (!obj)
		return -ERR_BAD_GATEWAY;
	if (json_object_object_get_ex(obj, "node", &node) &&
	    json_object_object_get_ex(node, "value", &v)) {
		buf_addstr(value, json_object_get_string(v));
		if (index)
			*index = (uint64_t)etcd_json_i64(node, "modifiedIndex");
	} else {
		rc = err_set(err, -ERR_NOT_FOUND, "key '%s' is a directory or has no value", key);
	}
	json_object_put(obj);
	return rc;
}

int etcd_v2_get(etcd_t *e, const char *key, buf_t *value, err_t *err)
{
	return etcd_v2_get_index(e, key, value, NULL, err);
}

int etcd_v2_update(etcd_t *e, const char *key, const char *value, uint64_t prev_index,
		   err_t *err)
{
	buf_t path = BUF_INIT;
	v2_path(&path, key);
	if (prev_index)
		buf_addf(&path, "?prevIndex=%llu", (unsigned long long)prev_index);
	else
		buf_addstr(&path, "?prevExist=false");
	buf_reset(&e->req);
	buf_addstr(&e->req, "value=");
	buf_add_escaped(&e->req, value, NULL);
	int rc = call_ex(e, "PUT", path.data, "application/x-www-form-urlencoded", true, err);
	buf_release(&path);
	if (rc)
		return rc;
	long st = e->resp.status;
	if (st == 200 || st == 201)
		return 0;
	/* 412: compare failed / exists already; 404: gone since it was read. */
	if (st == 412 || (st == 404 && prev_index))
		return err_set(err, -ERR_CONFLICT, "key '%s' was changed by another writer", key);
	return judge_answer(e, err);
}

struct get_ctx {
	buf_t *value;
	etcd_kv_t *kv;
	bool found;
};

static int on_get(const etcd_kv_t *kv, void *p)
{
	struct get_ctx *g = p;
	g->found = true;
	if (g->value)
		buf_add(g->value, kv->value, kv->value_len);
	if (g->kv) {
		*g->kv = *kv;
		g->kv->key = NULL;
		g->kv->value = NULL;
	}
	return 0;
}

int etcd_get(etcd_t *e, const char *key, buf_t *value, etcd_kv_t *kv_out, err_t *err)
{
	buf_reset(&e->req);
	etcd_encode_range(&e->req, key, strlen(key), NULL, 0, 0, 0);
	int rc = call(e, "/v3/kv/range", err);
	if (rc)
		return rc;
	struct get_ctx g = { value, kv_out, false };
	int64_t rev = 0;
	rc = etcd_decode_range(e->resp.body.data, e->resp.body.len, on_get, &g, NULL, NULL, NULL,
			       &rev, err);
	if (rc)
		return rc;
	seen(e, rev);
	if (!g.found)
		return err_set(err, -ERR_NOT_FOUND, "key '%s' not found", key);
	return 0;
}

static int range_prefix(etcd_t *e, const char *prefix, size_t page_size, unsigned flags,
			etcd_kv_fn fn, void *ctx, err_t *err)
{
	buf_t start = BUF_INIT, end = BUF_INIT, last = BUF_INIT;
	int rc;
	bool more = true;
	buf_add(&start, prefix, strlen(prefix));
	etcd_prefix_end(prefix, strlen(prefix), &end);
	if (!page_size)
		page_size = 1000;
	while (more) {
		buf_reset(&e->req);
		etcd_encode_range(&e->req, start.data, start.len, end.data, end.len,
				  (int64_t)page_size, flags);
		rc = call(e, "/v3/kv/range", err);
		if (rc)
			goto out;
		buf_reset(&last);
		int64_t rev = 0;
		rc = etcd_decode_range(e->resp.body.data, e->resp.body.len, fn, ctx, &more, NULL,
				       &last, &rev, err);
		if (rc)
			goto out;
		seen(e, rev);
		if (!last.len)
			break;
		/* The next page starts right after the last key seen. */
		buf_reset(&start);
		buf_add(&start, last.data, last.len);
		buf_add(&start, "", 1);
	}
	rc = 0;
out:
	buf_release(&start);
	buf_release(&end);
	buf_release(&last);
	return rc;
}

int etcd_range_prefix(etcd_t *e, const char *prefix, size_t page_size, etcd_kv_fn fn,
		      void *ctx, err_t *err)
{
	return range_prefix(e, prefix, page_size, 0, fn, ctx, err);
}

int etcd_range_prefix_keys(etcd_t *e, const char *prefix, size_t page_size, etcd_kv_fn fn,
			   void *ctx, err_t *err)
{
	return range_prefix(e, prefix, page_size, ETCD_RANGE_KEYS_ONLY, fn, ctx, err);
}

/* One range over prefix (not paged): at most limit kvs (0: all) to fn, the
 * number of keys under it into *count. */
static int range_once(etcd_t *e, const char *prefix, int64_t limit, unsigned flags,
		      etcd_kv_fn fn, void *ctx, int64_t *count, err_t *err)
{
	buf_t end = BUF_INIT;
	etcd_prefix_end(prefix, strlen(prefix), &end);
	buf_reset(&e->req);
	etcd_encode_range(&e->req, prefix, strlen(prefix), end.data, end.len, limit, flags);
	buf_release(&end);
	int rc = call(e, "/v3/kv/range", err);
	if (rc)
		return rc;
	int64_t rev = 0;
	rc = etcd_decode_range(e->resp.body.data, e->resp.body.len, fn, ctx, NULL, count, NULL,
			       &rev, err);
	seen(e, rev);
	return rc;
}

int etcd_count_prefix(etcd_t *e, const char *prefix, int64_t *count, err_t *err)
{
	return range_once(e, prefix, 0, ETCD_RANGE_COUNT_ONLY, NULL, NULL, count, err);
}

/* The most keys one trim deletes (etcd allows 128 operations per txn). */
#define TRIM_MAX 100

struct oldest {
	int64_t excess;
	size_t n;
	char *keys[TRIM_MAX];
};

static int collect_oldest(const etcd_kv_t *kv, void *p)
{
	struct oldest *o = p;
	if ((int64_t)o->n >= o->excess || o->n >= TRIM_MAX)
		return 1; /* enough: stop the walk */
	o->keys[o->n++] = xstrndup(kv->key, kv->key_len);
	return 0;
}

int etcd_trim_prefix(etcd_t *e, const char *prefix, int64_t keep, err_t *err)
{
	int64_t count = 0;
	int rc = etcd_count_prefix(e, prefix, &count, err);
	if (rc || count <= keep)
		return rc;
	struct oldest o = { .excess = count - keep };
	rc = etcd_range_prefix_keys(e, prefix, TRIM_MAX, collect_oldest, &o, err);
	if (rc == 1)
		rc = 0;
	if (!rc && o.n) {
		etcd_op_t ops[TRIM_MAX];
		for (size_t i = 0; i < o.n; i++)
			ops[i] = (etcd_op_t){ .type = ETCD_OP_DELETE, .key = o.keys[i] };
		bool ok;
		rc = etcd_txn(e, NULL, 0, ops, o.n, NULL, 0, &ok, err);
	}
	for (size_t i = 0; i < o.n; i++)
		free(o.keys[i]);
	return rc;
}

int etcd_range_last(etcd_t *e, const char *prefix, etcd_kv_fn fn, void *ctx, int64_t *count,
		    err_t *err)
{
	return range_once(e, prefix, 1, ETCD_RANGE_DESCEND, fn, ctx, count, err);
}

int etcd_put(etcd_t *e, const char *key, const char *value, size_t value_len, int64_t lease,
	     err_t *err)
{
	etcd_op_t op = { .type = ETCD_OP_PUT, .key = key, .value = value, .value_len = value_len,
			 .lease = lease };
	buf_reset(&e->req);
	etcd_encode_op(&e->req, &op);
	int rc = call(e, "/v3/kv/put", err);
	if (!rc)
		seen_header(e);
	return rc;
}

int etcd_delete(etcd_t *e, const char *key, bool prefix, int64_t *deleted, err_t *err)
{
	etcd_op_t op = { .type = ETCD_OP_DELETE, .key = key, .prefix = prefix };
	buf_reset(&e->req);
	etcd_encode_op(&e->req, &op);
	int rc = call(e, "/v3/kv/deleterange", err);
	if (rc)
		return rc;
	seen_header(e);
	if (deleted) {
		json_object *obj = etcd_parse(e->resp.body.data, e->resp.body.len, err);
		if (!obj)
			return -ERR_BAD_GATEWAY;
		*deleted = etcd_json_i64(obj, "deleted");
		json_object_put(obj);
	}
	return 0;
}

/* Whether the state the operations of then leave is there now: every put's
 * key with its value and lease, every deleted key gone. 1 yes, 0 no, or
 * the error of a read that could not tell (no leader yet, say). */
static int ops_visible(etcd_t *e, const etcd_op_t *then, size_t nthen, err_t *err)
{
	int seen = nthen > 0, rc = 0;
	buf_t v = BUF_INIT;
	for (size_t i = 0; i < nthen && seen && !rc; i++) {
		const etcd_op_t *op = &then[i];
		etcd_kv_t kv;
		int64_t n = 0;
		buf_reset(&v);
		if (op->type == ETCD_OP_PUT) {
			rc = etcd_get(e, op->key, &v, &kv, err);
			if (rc == -ERR_NOT_FOUND)
				seen = 0, rc = 0;
			else if (!rc)
				seen = v.len == op->value_len && !memcmp(v.data, op->value, v.len) &&
				       kv.lease == op->lease;
		} else if (op->prefix) {
			rc = etcd_count_prefix(e, op->key, &n, err);
			seen = !rc && n == 0;
		} else {
			rc = etcd_get(e, op->key, &v, NULL, err);
			seen = rc == -ERR_NOT_FOUND;
			if (seen)
				rc = 0;
		}
	}
	buf_release(&v);
	if (rc)
		err_clear(err);
	return rc ? rc : seen;
}

int etcd_txn_read(etcd_t *e, const etcd_cmp_t *cmp, size_t ncmp, const etcd_op_t *then,
		  size_t nthen, const etcd_op_t *otherwise, size_t nother, bool *succeeded,
		  etcd_kv_fn fn, void *ctx, err_t *err)
{
	buf_reset(&e->req);
	etcd_encode_txn(&e->req, cmp, ncmp, then, nthen, otherwise, nother);
	int rc = call(e, "/v3/kv/txn", err);
	bool ambiguous = e->ambiguous;
	if (rc)
		return rc;
	int64_t rev = 0;
	rc = etcd_decode_txn(e->resp.body.data, e->resp.body.len, succeeded, &rev, err);
	if (!rc && fn)
		rc = etcd_decode_txn_ranges(e->resp.body.data, e->resp.body.len, fn, ctx, NULL, err);
	seen(e, rev);
	/* A member took this txn and went away (killed, frozen past the
	 * timeout, its leader lost) before answering; the next one says its
	 * compare failed. When what the txn writes is there as it writes it,
	 * the compare failed on our own first attempt: it succeeded. When
	 * that cannot be read (the members are still electing a leader), the
	 * outcome is unknown: unavailable, not a conflict that never was. */
	if (rc || *succeeded || !ambiguous)
		return rc;
	int v = ops_visible(e, then, nthen, err);
	if (v < 0)
		return err_set(err, -ERR_UNAVAILABLE,
			       "etcd: the outcome of a write of '%s' is unknown (the member that "
			       "took it went away, and the others could not tell yet)",
			       then[0].key);
	if (v) {
		log_warn("etcd: a txn on %s was applied by a member that did not answer; the retry "
			 "on %s found it done", then[0].key, etcd_endpoint(e));
		*succeeded = true;
	}
	return 0;
}

int etcd_txn(etcd_t *e, const etcd_cmp_t *cmp, size_t ncmp, const etcd_op_t *then, size_t nthen,
	     const etcd_op_t *otherwise, size_t nother, bool *succeeded, err_t *err)
{
	return etcd_txn_read(e, cmp, ncmp, then, nthen, otherwise, nother, succeeded, NULL, NULL,
			     err);
}

int etcd_read(etcd_t *e, const etcd_op_t *ranges, size_t n, etcd_kv_fn fn, void *ctx,
	      err_t *err)
{
	buf_reset(&e->req);
	etcd_encode_txn(&e->req, NULL, 0, ranges, n, NULL, 0);
	int rc = call(e, "/v3/kv/txn", err);
	if (rc)
		return rc;
	int64_t rev = 0;
	rc = etcd_decode_txn_ranges(e->resp.body.data, e->resp.body.len, fn, ctx, &rev, err);
	seen(e, rev);
	return rc;
}

int etcd_get_many(etcd_t *e, const char *const *keys, size_t n, etcd_kv_fn fn, void *ctx,
		  err_t *err)
{
	etcd_op_t *ops = xcalloc(n ? n : 1, sizeof(*ops));
	for (size_t i = 0; i < n; i++)
		ops[i] = (etcd_op_t){ .type = ETCD_OP_RANGE, .key = keys[i] };
	int rc = etcd_read(e, ops, n, fn, ctx, err);
	free(ops);
	return rc;
}

int etcd_range_below(etcd_t *e, const char *from, const char *below, int64_t limit,
		     etcd_kv_fn fn, void *ctx, err_t *err)
{
	buf_reset(&e->req);
	etcd_encode_range(&e->req, from, strlen(from), below, strlen(below), limit, 0);
	int rc = call(e, "/v3/kv/range", err);
	if (rc)
		return rc;
	int64_t rev = 0;
	rc = etcd_decode_range(e->resp.body.data, e->resp.body.len, fn, ctx, NULL, NULL, NULL,
			       &rev, err);
	seen(e, rev);
	return rc;
}

static int conditional_put(etcd_t *e, const char *key, const char *value, size_t value_len,
			   enum etcd_cmp_target target, int64_t revision, int64_t lease, err_t *err)
{
	etcd_cmp_t cmp = { .key = key, .target = target, .result = ETCD_EQUAL, .revision = revision };
	etcd_op_t put = { .type = ETCD_OP_PUT, .key = key, .value = value, .value_len = value_len,
			  .lease = lease };
	bool ok = false;
	int rc = etcd_txn(e, &cmp, 1, &put, 1, NULL, 0, &ok, err);
	if (rc)
		return rc;
	if (!ok)
		return err_set(err, -ERR_CONFLICT, target == ETCD_CMP_CREATE && !revision
			       ? "key '%s' exists already" : "key '%s' was changed concurrently", key);
	return 0;
}

int etcd_create(etcd_t *e, const char *key, const char *value, size_t value_len, int64_t lease,
		err_t *err)
{
	return conditional_put(e, key, value, value_len, ETCD_CMP_CREATE, 0, lease, err);
}

int etcd_update(etcd_t *e, const char *key, const char *value, size_t value_len,
		int64_t mod_revision, err_t *err)
{
	if (!mod_revision)
		return etcd_create(e, key, value, value_len, 0, err);
	return conditional_put(e, key, value, value_len, ETCD_CMP_MOD, mod_revision, 0, err);
}

int etcd_delete_if(etcd_t *e, const char *key, int64_t mod_revision, err_t *err)
{
	etcd_cmp_t cmp = { .key = key, .target = ETCD_CMP_MOD, .result = ETCD_EQUAL,
			   .revision = mod_revision };
	etcd_op_t del = { .type = ETCD_OP_DELETE, .key = key };
	bool ok = false;
	int rc = etcd_txn(e, &cmp, 1, &del, 1, NULL, 0, &ok, err);
	if (rc)
		return rc;
	return ok ? 0 : err_set(err, -ERR_CONFLICT, "key '%s' was changed concurrently", key);
}

static int lease_call(etcd_t *e, const char *path, json_object **out, err_t *err)
{
	int rc = call(e, path, err);
	if (rc)
		return rc;
	json_object *obj = etcd_parse(e->resp.body.data, e->resp.body.len, err);
	if (!obj)
		return -ERR_BAD_GATEWAY;
	if (out)
		*out = obj;
	else
		json_object_put(obj);
	return 0;
}

int etcd_lease_grant(etcd_t *e, long ttl, int64_t *id, err_t *err)
{
	json_object *obj;
	buf_reset(&e->req);
	buf_addf(&e->req, "{\"TTL\":\"%ld\"}", ttl);
	int rc = lease_call(e, "/v3/lease/grant", &obj, err);
	if (rc)
		return rc;
	*id = etcd_json_i64(obj, "ID");
	json_object_put(obj);
	return *id ? 0 : err_set(err, -ERR_BAD_GATEWAY, "etcd granted no lease");
}

int etcd_lease_keepalive(etcd_t *e, int64_t id, long *ttl_left, err_t *err)
{
	json_object *obj, *result;
	buf_reset(&e->req);
	buf_addf(&e->req, "{\"ID\":\"%" PRId64 "\"}", id);
	int rc = lease_call(e, "/v3/lease/keepalive", &obj, err);
	if (rc)
		return rc;
	/* The gateway streams: one {"result": {...}} object per line. */
	if (!json_object_object_get_ex(obj, "result", &result))
		result = obj;
	if (ttl_left)
		*ttl_left = (long)etcd_json_i64(result, "TTL");
	json_object_put(obj);
	return 0;
}

int etcd_lease_revoke(etcd_t *e, int64_t id, err_t *err)
{
	buf_reset(&e->req);
	buf_addf(&e->req, "{\"ID\":\"%" PRId64 "\"}", id);
	return lease_call(e, "/v3/lease/revoke", NULL, err);
}
