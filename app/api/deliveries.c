/* Signed, retried webhook deliveries; see deliveries.h. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "console/api.h"
#include "console/array.h"
#include "console/clock.h"
#include "console/httpm.h"
#include "console/log.h"
#include "console/secret.h"
#include "console/store.h"
#include "console/token_policy.h"
#include "console/urlpolicy.h"
#include "console/webhooks.h"
#include "console/xalloc.h"
#include "deliveries.h"
#include "console/banned.h"

/* When the retries are due, after the first try started (deliveries.h). */
static const int64_t retry_ms[DELIVERIES_RETRIES] = { 5000, 20000, 50000 };

/* A receiver's answer is awaited this long at most (spec §7.1), and read
 * up to this size (it is only logged). */
#define WEBHOOK_TIMEOUT_MS 10000
#define WEBHOOK_MAX_ANSWER (64 * 1024)

/* "host:pid": who claims a delivery. */
static const char *me(arena_t *arena)
{
	char host[256] = "";
	if (gethostname(host, sizeof(host) - 1))
		snprintf(host, sizeof(host), "localhost");
	return arena_printf(arena, "%s:%ld", host, (long)getpid());
}

/* httpc's allow_addr: the address of the connection, a name resolved, is
 * checked as a URL's host is (urlpolicy.h; issue 14 #3). */
static bool webhook_addr(const char *ip, const void *policy)
{
	return urlpolicy_addr_allowed(policy, ip);
}

/* One try in flight. */
struct attempt {
	delivery_t *d;
	const char *secret;          /* NULL: unsigned */
	const char *headers[6];
	int64_t started;             /* Unix ms */
	int64_t mono;
};

static void sign(arena_t *arena, struct attempt *a)
{
	char ts[24], sig[SECRET_HASH_HEX + 1];
	snprintf(ts, sizeof(ts), "%" PRId64, a->started / 1000);
	size_t i = 0;
	a->headers[i++] = arena_printf(arena, "X-Lain-Event: %s", a->d->event);
	a->headers[i++] = arena_printf(arena, "X-Lain-Delivery: %s", a->d->id);
	a->headers[i++] = arena_printf(arena, "X-Lain-Timestamp: %s", ts);
	if (a->secret) {
		/* The timestamp is signed with the body: a replayed delivery
		 * carries its old time, which the receiver can refuse. */
		buf_t msg = BUF_INIT;
		buf_addf(&msg, "%s.", ts);
		secret_hmac_hex(a->secret, msg.data, msg.len, a->d->body, strlen(a->d->body), sig);
		buf_release(&msg);
		a->headers[i++] = arena_printf(arena, "X-Lain-Signature: sha256=%s", sig);
	}
	a->headers[i] = NULL;
}

static bool retryable(int rc, long status)
{
	if (rc == -ERR_FORBIDDEN)       /* the address is not allowed: it stays so */
		return false;
	return rc || status >= 500 || status == 429;
}

/* Records what try a->d->tries gave, then removes the delivery from the
 * queue or puts it back for its next try. */
static void record(ctx_t *ctx, arena_t *arena, struct attempt *a, int rc, long status,
		   const char *why)
{
	delivery_t *d = a->d;
	bool delivered = !rc && status >= 200 && status < 300;
	bool again = !delivered && retryable(rc, status) && d->tries - d->lost <= DELIVERIES_RETRIES;
	delivery_try_t t = {
		.time = a->started, .delivery = d->id, .event = d->event, .try = d->tries,
		.status = status, .latency_ms = (long)(clock_mono_ms() - a->mono),
		.error = rc ? why : delivered ? "" : arena_printf(arena, "answered %ld", status),
		.result = delivered ? "delivered" : again ? "retrying" : "failed",
	};
	err_t err = ERR_INIT;
	if (store_delivery_log(ctx, arena, d->hook, &t, &err))
		log_warn("webhook %s: try %d of delivery %s not logged: %s", d->url, d->tries, d->id,
			 err.msg);
	if (!delivered)
		log_warn("webhook %s: delivery %s, try %d: %s%s", d->url, d->id, d->tries, t.error,
			 again ? " (will be tried again)" : "");
	if (again) {
		int64_t at = d->created + retry_ms[d->tries - d->lost - 1];
		int64_t now = clock_wall_ms();
		d->due = at > now ? at : now;
		d->claimed_by = NULL;
	}
	rc = store_delivery_move(ctx, arena, d, !again, &err);
	/* A conflict: our claim ran out and another worker took the delivery
	 * over; what it does next is its business. */
	if (rc && rc != -ERR_CONFLICT)
		log_error("webhook %s: delivery %s could not be %s: %s", d->url, d->id,
			  again ? "queued again" : "taken off the queue", err.msg);
}

/* Tries a[0..n) at once and records each. */
static void try_all(ctx_t *ctx, arena_t *arena, struct attempt *a, size_t n)
{
	if (!n)
		return;
	httpc_t *c = httpc_new("webhook", NULL, ctx->cfg->http_timeout_ms,
			       ctx->cfg->http_connect_timeout_ms);
	urlpolicy_t policy = { .allow_private = ctx->cfg->notify_allow_private,
			       .allow_loopback = ctx->cfg->notify_allow_loopback };
	httpm_call_t *calls = xcalloc(n, sizeof(*calls));
	for (size_t i = 0; i < n; i++) {
		a[i].started = clock_wall_ms();
		a[i].mono = clock_mono_ms();
		sign(arena, &a[i]);
		calls[i].req = (httpc_request_t){
			.method = "POST",
			.url = a[i].d->url,
			.body = a[i].d->body,
			.body_len = strlen(a[i].d->body),
			.headers = a[i].headers,
			.timeout_ms = WEBHOOK_TIMEOUT_MS,
			.max_body = WEBHOOK_MAX_ANSWER,
			.allow_addr = webhook_addr,
			.allow_data = &policy,
		};
	}
	if (c)
		httpm_perform(c, calls, n);
	for (size_t i = 0; i < n; i++) {
		if (!c)
			calls[i].rc = err_set(&calls[i].err, -ERR_INTERNAL, "no curl handle");
		record(ctx, arena, &a[i], calls[i].rc, calls[i].rc ? 0 : calls[i].resp.status,
		       calls[i].err.msg);
		httpm_call_release(&calls[i]);
	}
	free(calls);
	httpc_free(c);
}

/* The secrets of d[0..n)'s webhooks into a[i].secret. */
static int secrets_of(ctx_t *ctx, arena_t *arena, struct attempt *a, size_t n, err_t *err)
{
	const char **ids = arena_alloc(arena, (n ? n : 1) * sizeof(*ids));
	webhook_t *hooks = arena_alloc(arena, (n ? n : 1) * sizeof(*hooks));
	for (size_t i = 0; i < n; i++)
		ids[i] = a[i].d->hook;
	int rc = store_webhooks_get(ctx, arena, ids, n, hooks, err);
	for (size_t i = 0; !rc && i < n; i++)
		a[i].secret = hooks[i].secret;
	return rc;
}

int deliveries_start(request_t *req, json_object *urls, const char *event, const char *body,
		     err_t *err)
{
	size_t n = json_object_array_length(urls);
	if (!n)
		return 0;
	arena_t *arena = req->arena;
	delivery_t *d = arena_alloc(arena, n * sizeof(*d));
	struct attempt *a = arena_alloc(arena, n * sizeof(*a));
	int64_t now = clock_wall_ms();
	const char *who = me(arena);
	for (size_t i = 0; i < n; i++) {
		char id[37], hook[WEBHOOK_ID_LEN + 1];
		const char *url = json_object_get_string(json_object_array_get_idx(urls, i));
		int rc = secret_uuid(id, err);
		if (rc)
			return rc;
		webhook_id(url, hook);
		/* Queued as claimed by this worker for its first try: should it
		 * die now, another one tries when the claim runs out. */
		d[i] = (delivery_t){ .id = arena_strdup(arena, id), .hook = arena_strdup(arena, hook),
				     .url = url, .event = event, .body = body, .created = now,
				     .tries = 1, .claimed_by = who, .due = now + DELIVERIES_CLAIM_MS };
		a[i].d = &d[i];
	}
	int rc = secrets_of(req->ctx, arena, a, n, err);
	if (!rc)
		rc = store_deliveries_add(req->ctx, arena, d, n, err);
	if (rc)
		return err_wrap(err, "webhook deliveries could not be queued (none sent)");
	try_all(req->ctx, arena, a, n);
	return 0;
}

/* Whether url is one of the registered webhooks. */
static bool registered(json_object *urls, const char *url)
{
	for (size_t i = 0; i < json_object_array_length(urls); i++)
		if (!strcmp(json_object_get_string(json_object_array_get_idx(urls, i)), url))
			return true;
	return false;
}

void deliveries_drain(ctx_t *ctx, arena_t *arena)
{
	delivery_t *due = NULL;
	size_t n = 0, k = 0;
	err_t err = ERR_INIT;
	json_object *urls = NULL;
	int64_t now = clock_wall_ms();
	if (store_deliveries_due(ctx, arena, now, DELIVERIES_BATCH, &due, &n, &err) || !n) {
		if (err.code)
			log_warn("webhook deliveries: cannot read the queue: %s", err.msg);
		return;
	}
	/* The only notify type with webhooks (notify.c). */
	if (store_notify_list(ctx, arena, "image_push", &urls, &err)) {
		log_warn("webhook deliveries: cannot read the webhooks: %s", err.msg);
		return;
	}
	struct attempt *a = arena_alloc(arena, n * sizeof(*a));
	const char *who = me(arena);
	for (size_t i = 0; i < n; i++) {
		delivery_t *d = &due[i];
		bool gone = !registered(urls, d->url), lost = d->claimed_by != NULL;
		if (lost) {
			/* Its worker died during the try: log it, and do not count it. */
			delivery_try_t t = { .time = now, .delivery = d->id, .event = d->event,
					     .try = d->tries, .result = "lost",
					     .error = arena_printf(arena, "the worker %s trying it stopped "
								   "before it recorded an answer",
								   d->claimed_by) };
			if (store_delivery_log(ctx, arena, d->hook, &t, &err))
				log_warn("webhook %s: lost try of %s not logged: %s", d->url, d->id,
					 err.msg);
			d->lost++;
			gone = gone || d->lost > DELIVERIES_LOST_MAX;
		}
		d->tries++;
		d->claimed_by = who;
		d->due = now + DELIVERIES_CLAIM_MS;
		int rc = store_delivery_move(ctx, arena, d, gone, &err);
		if (rc == -ERR_CONFLICT)
			continue;  /* another worker was first */
		if (rc) {
			log_warn("webhook %s: delivery %s not claimed: %s", d->url, d->id, err.msg);
			continue;
		}
		if (gone) {
			log_warn("webhook %s: delivery %s dropped: %s", d->url, d->id,
				 d->lost > DELIVERIES_LOST_MAX ? "its workers died trying it too often"
							       : "the webhook is not registered any more");
			continue;
		}
		a[k++].d = d;
	}
	if (secrets_of(ctx, arena, a, k, &err)) {
		/* Claimed: they are tried again when the claims run out. */
		log_warn("webhook deliveries: cannot read the secrets: %s", err.msg);
		return;
	}
	try_all(ctx, arena, a, k);
}

/* ---- the deliveries endpoint */

static json_object *rfc3339(int64_t ms)
{
	char s[32];
	token_time_rfc3339(ms / 1000, s);
	return json_object_new_string(s);
}

int deliveries_view(request_t *req, json_object *urls, json_object **out, err_t *err)
{
	arena_t *arena = req->arena;
	size_t n = json_object_array_length(urls);
	const char **ids = arena_alloc(arena, (n ? n : 1) * sizeof(*ids));
	webhook_t *hooks = arena_alloc(arena, (n ? n : 1) * sizeof(*hooks));
	delivery_t *queued = NULL;
	size_t nq = 0;
	for (size_t i = 0; i < n; i++) {
		char id[WEBHOOK_ID_LEN + 1];
		webhook_id(json_object_get_string(json_object_array_get_idx(urls, i)), id);
		ids[i] = arena_strdup(arena, id);
	}
	int rc = store_webhooks_get(req->ctx, arena, ids, n, hooks, err);
	if (!rc)
		rc = store_deliveries_all(req->ctx, arena, &queued, &nq, err);
	if (rc)
		return rc;
	*out = json_object_new_array();
	for (size_t i = 0; i < n && !rc; i++) {
		json_object *o = json_object_new_object(), *pending = json_object_new_array(),
			    *log = json_object_new_array();
		json_object_array_add(*out, o);
		json_object_object_add(o, "url", json_object_get(json_object_array_get_idx(urls, i)));
		json_object_object_add(o, "id", json_object_new_string(ids[i]));
		json_object_object_add(o, "signed", json_object_new_boolean(hooks[i].secret != NULL));
		for (size_t k = 0; k < nq; k++) {
			if (strcmp(queued[k].hook, ids[i]))
				continue;
			json_object *p = json_object_new_object();
			json_object_object_add(p, "delivery", json_object_new_string(queued[k].id));
			json_object_object_add(p, "tries", json_object_new_int(queued[k].tries));
			json_object_object_add(p, "due", rfc3339(queued[k].due));
			json_object_object_add(p, "claimed_by", queued[k].claimed_by
				? json_object_new_string(queued[k].claimed_by) : NULL);
			json_object_array_add(pending, p);
		}
		json_object_object_add(o, "pending", pending);
		json_object_object_add(o, "log", log);
		delivery_try_t *t = NULL;
		size_t nt = 0;
		rc = store_delivery_log_read(req->ctx, arena, ids[i], &t, &nt, err);
		for (size_t k = 0; !rc && k < nt; k++) {
			json_object *e = json_object_new_object();
			json_object_object_add(e, "time", rfc3339(t[k].time));
			json_object_object_add(e, "delivery", json_object_new_string(t[k].delivery));
			json_object_object_add(e, "event", json_object_new_string(t[k].event));
			json_object_object_add(e, "try", json_object_new_int(t[k].try));
			json_object_object_add(e, "status", json_object_new_int64(t[k].status));
			json_object_object_add(e, "latency_ms", json_object_new_int64(t[k].latency_ms));
			json_object_object_add(e, "error", json_object_new_string(t[k].error));
			json_object_object_add(e, "result", json_object_new_string(t[k].result));
			json_object_array_add(log, e);
		}
	}
	if (rc)
		json_object_put(*out);
	return rc;
}

void api_idle(ctx_t *ctx, arena_t *arena)
{
	deliveries_drain(ctx, arena);
}
