/* The webhooks' secrets, delivery queue and log; see webhooks.h. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "console/secret.h"
#include "console/webhooks.h"
#include "fields.h"
#include "console/banned.h"

#define HOOKS WEBHOOKS_PREFIX "hooks/"
#define QUEUE WEBHOOKS_PREFIX "queue/"
#define LOG WEBHOOKS_PREFIX "log/"
/* Operations per txn (etcd allows 128 by default), and bytes of values. */
#define TXN_MAX 100
#define TXN_BYTES (512 * 1024)

void webhook_id(const char *url, char out[WEBHOOK_ID_LEN + 1])
{
	char h[SECRET_HASH_HEX + 1];
	secret_hash("", url, h);
	memcpy(out, h, WEBHOOK_ID_LEN);
	out[WEBHOOK_ID_LEN] = '\0';
}

/* ---- webhooks */

static json_object *nullable(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

etcd_op_t webhook_put_op(arena_t *arena, const webhook_t *h)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "url", json_object_new_string(h->url));
	json_object_object_add(o, "secret", nullable(h->secret));
	json_object_object_add(o, "created", nullable(h->created));
	json_object_object_add(o, "creator", nullable(h->creator));
	const char *v = field_text(arena, o);
	return (etcd_op_t){ .type = ETCD_OP_PUT, .key = arena_printf(arena, HOOKS "%s", h->id),
			    .value = v, .value_len = strlen(v) };
}

size_t webhook_delete_ops(arena_t *arena, const char *id, etcd_op_t ops[2])
{
	ops[0] = (etcd_op_t){ .type = ETCD_OP_DELETE, .key = arena_printf(arena, HOOKS "%s", id) };
	ops[1] = (etcd_op_t){ .type = ETCD_OP_DELETE, .key = arena_printf(arena, LOG "%s/", id),
			      .prefix = true };
	return 2;
}

int store_webhook_create(ctx_t *ctx, arena_t *arena, const webhook_t *h, err_t *err)
{
	etcd_op_t put = webhook_put_op(arena, h);
	return etcd_create(ctx->etcd, put.key, put.value, put.value_len, 0, err);
}

struct hooks_read {
	arena_t *arena;
	webhook_t *out;
	size_t n;
};

static int on_hook(const etcd_kv_t *kv, void *p)
{
	struct hooks_read *r = p;
	json_object *o = field_record(r->arena, kv);
	const char *id = kv->key + strlen(HOOKS);
	for (size_t i = 0; o && i < r->n; i++)
		if (!strcmp(r->out[i].id, id)) {
			r->out[i].url = field_str(o, "url");
			r->out[i].secret = field_str(o, "secret");
			r->out[i].created = field_str(o, "created");
			r->out[i].creator = field_str(o, "creator");
		}
	return 0;
}

int store_webhooks_get(ctx_t *ctx, arena_t *arena, const char *const *ids, size_t n,
		       webhook_t *out, err_t *err)
{
	const char **keys = arena_alloc(arena, (n ? n : 1) * sizeof(*keys));
	for (size_t i = 0; i < n; i++) {
		out[i] = (webhook_t){ .id = ids[i] };
		keys[i] = arena_printf(arena, HOOKS "%s", ids[i]);
	}
	struct hooks_read r = { arena, out, n };
	return n ? etcd_get_many(ctx->etcd, keys, n, on_hook, &r, err) : 0;
}

/* ---- the queue */

static const char *queue_key(arena_t *arena, const delivery_t *d)
{
	return arena_printf(arena, QUEUE "%013" PRId64 "-%s", d->due, d->id);
}

static const char *delivery_json(arena_t *arena, const delivery_t *d)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_string(d->id));
	json_object_object_add(o, "hook", json_object_new_string(d->hook));
	json_object_object_add(o, "url", json_object_new_string(d->url));
	json_object_object_add(o, "event", json_object_new_string(d->event));
	json_object_object_add(o, "body", json_object_new_string(d->body));
	json_object_object_add(o, "created", json_object_new_int64(d->created));
	json_object_object_add(o, "tries", json_object_new_int(d->tries));
	json_object_object_add(o, "lost", json_object_new_int(d->lost));
	json_object_object_add(o, "claimed_by", nullable(d->claimed_by));
	return field_text(arena, o);
}

struct queue_read {
	arena_t *arena;
	delivery_t *v;
	size_t n, cap;
};

static int on_delivery(const etcd_kv_t *kv, void *p)
{
	struct queue_read *q = p;
	json_object *o = field_record(q->arena, kv);
	const char *due = kv->key + strlen(QUEUE);
	if (!o || !field_str(o, "id") || !field_str(o, "url") || !field_str(o, "body") || !field_str(o, "hook"))
		return 0;
	*(delivery_t *)arena_push(q->arena, &q->v, &q->n, &q->cap, sizeof(delivery_t)) = (delivery_t){
		.id = field_str(o, "id"), .hook = field_str(o, "hook"), .url = field_str(o, "url"),
		.event = field_str(o, "event") ? field_str(o, "event") : "image-push", .body = field_str(o, "body"),
		.created = field_i64(o, "created"), .tries = (int)field_i64(o, "tries"),
		.lost = (int)field_i64(o, "lost"), .claimed_by = field_str(o, "claimed_by"),
		.due = strtoll(due, NULL, 10),
		.key = arena_strndup(q->arena, kv->key, kv->key_len), .mod_revision = kv->mod_revision,
	};
	return 0;
}

int store_deliveries_add(ctx_t *ctx, arena_t *arena, delivery_t *v, size_t n, err_t *err)
{
	etcd_op_t ops[TXN_MAX];
	size_t k = 0, bytes = 0, first = 0;
	for (size_t i = 0; i <= n; i++) {
		/* A txn at most TXN_MAX puts and TXN_BYTES big (each delivery
		 * carries its body; etcd refuses requests above 1.5 MiB). */
		if (k && (i == n || k == TXN_MAX || bytes + strlen(v[i].body) > TXN_BYTES)) {
			bool ok = false;
			int rc = etcd_txn(ctx->etcd, NULL, 0, ops, k, NULL, 0, &ok, err);
			if (rc)
				return rc;
			/* Written now: what a compare on them will find. */
			for (size_t j = first; j < i; j++)
				v[j].mod_revision = etcd_revision_seen(ctx->etcd);
			k = bytes = 0;
			first = i;
		}
		if (i == n)
			break;
		const char *value = delivery_json(arena, &v[i]);
		v[i].key = queue_key(arena, &v[i]);
		ops[k++] = (etcd_op_t){ .type = ETCD_OP_PUT, .key = v[i].key, .value = value,
					.value_len = strlen(value) };
		bytes += strlen(value);
	}
	return 0;
}

int store_deliveries_due(ctx_t *ctx, arena_t *arena, int64_t now_ms, size_t limit,
			 delivery_t **v, size_t *n, err_t *err)
{
	struct queue_read q = { .arena = arena };
	const char *below = arena_printf(arena, QUEUE "%013" PRId64, now_ms);
	int rc = etcd_range_below(ctx->etcd, QUEUE, below, (int64_t)limit, on_delivery, &q, err);
	*v = q.v;
	*n = rc ? 0 : q.n;
	return rc;
}

int store_deliveries_all(ctx_t *ctx, arena_t *arena, delivery_t **v, size_t *n, err_t *err)
{
	struct queue_read q = { .arena = arena };
	int rc = etcd_range_prefix(ctx->etcd, QUEUE, 0, on_delivery, &q, err);
	*v = q.v;
	*n = rc ? 0 : q.n;
	return rc;
}

int store_delivery_move(ctx_t *ctx, arena_t *arena, delivery_t *d, bool gone, err_t *err)
{
	etcd_cmp_t cmp = { .key = d->key, .target = ETCD_CMP_MOD, .result = ETCD_EQUAL,
			   .revision = d->mod_revision };
	etcd_op_t ops[2] = { { .type = ETCD_OP_DELETE, .key = d->key } };
	const char *key = queue_key(arena, d);
	size_t nops = 1;
	if (!gone) {
		const char *value = delivery_json(arena, d);
		if (!strcmp(key, d->key))
			nops = 0;  /* the same key: the put replaces it */
		ops[nops++] = (etcd_op_t){ .type = ETCD_OP_PUT, .key = key, .value = value,
					   .value_len = strlen(value) };
	}
	bool ok = false;
	int rc = etcd_txn(ctx->etcd, &cmp, 1, ops, nops, NULL, 0, &ok, err);
	if (rc)
		return rc;
	if (!ok)
		return err_set(err, -ERR_CONFLICT, "delivery %s was taken by another worker", d->id);
	d->key = key;
	d->mod_revision = etcd_revision_seen(ctx->etcd);
	return 0;
}

/* ---- the log */

static int64_t now_usec(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}


int store_delivery_log(ctx_t *ctx, arena_t *arena, const char *hook, const delivery_try_t *t,
		       err_t *err)
{
	static unsigned seq;
	json_object *o = json_object_new_object();
	json_object_object_add(o, "time", json_object_new_int64(t->time));
	json_object_object_add(o, "delivery", json_object_new_string(t->delivery));
	json_object_object_add(o, "event", json_object_new_string(t->event));
	json_object_object_add(o, "try", json_object_new_int(t->try));
	json_object_object_add(o, "status", json_object_new_int64(t->status));
	json_object_object_add(o, "latency_ms", json_object_new_int64(t->latency_ms));
	json_object_object_add(o, "error", json_object_new_string(t->error ? t->error : ""));
	json_object_object_add(o, "result", json_object_new_string(t->result));
	const char *v = field_text(arena, o);
	const char *prefix = arena_printf(arena, LOG "%s/", hook);
	const char *key = arena_printf(arena, "%s%016" PRId64 "-%ld-%u", prefix, now_usec(),
				       (long)getpid(), seq++);
	int rc = etcd_put(ctx->etcd, key, v, strlen(v), 0, err);
	if (!rc) {
		/* A failed trim only delays the bound. */
		err_t trim_err = ERR_INIT;
		etcd_trim_prefix(ctx->etcd, prefix, WEBHOOKS_LOG_KEEP, &trim_err);
	}
	return rc;
}

struct log_read {
	arena_t *arena;
	delivery_try_t *v;
	size_t n, cap;
};

static int on_try(const etcd_kv_t *kv, void *p)
{
	struct log_read *l = p;
	json_object *o = field_record(l->arena, kv);
	if (!o)
		return 0;
	*(delivery_try_t *)arena_push(l->arena, &l->v, &l->n, &l->cap, sizeof(delivery_try_t)) = (delivery_try_t){
		.time = field_i64(o, "time"), .delivery = field_str(o, "delivery") ? field_str(o, "delivery") : "",
		.event = field_str(o, "event") ? field_str(o, "event") : "", .try = (int)field_i64(o, "try"),
		.status = (long)field_i64(o, "status"), .latency_ms = (long)field_i64(o, "latency_ms"),
		.error = field_str(o, "error") ? field_str(o, "error") : "",
		.result = field_str(o, "result") ? field_str(o, "result") : "",
	};
	return 0;
}

int store_delivery_log_read(ctx_t *ctx, arena_t *arena, const char *hook, delivery_try_t **v,
			    size_t *n, err_t *err)
{
	struct log_read l = { .arena = arena };
	int rc = etcd_range_prefix(ctx->etcd, arena_printf(arena, LOG "%s/", hook), 0, on_try, &l,
				   err);
	*n = 0;
	*v = NULL;
	if (rc)
		return rc;
	size_t keep = l.n < WEBHOOKS_LOG_KEEP ? l.n : WEBHOOKS_LOG_KEEP;
	*v = arena_alloc(arena, (keep ? keep : 1) * sizeof(**v));
	for (size_t i = 0; i < keep; i++)
		(*v)[i] = l.v[l.n - 1 - i];
	*n = keep;
	return 0;
}
