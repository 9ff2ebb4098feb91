#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "console/clock.h"
#include "console/etcd.h"
#include "console/locks.h"
#include "console/log.h"
#include "console/metrics.h"
#include "console/store.h"
#include "console/xalloc.h"
#include "console/banned.h"

/* The conflict message, with who holds the lock when that can be read. */
static int conflict(ctx_t *ctx, const char *key, const char *app, err_t *err)
{
	buf_t v = BUF_INIT;
	const char *who = NULL, *since = NULL;
	json_object *j = NULL;
	etcd_kv_t kv;
	if (!etcd_get(ctx->etcd, key, &v, &kv, NULL)) {
		/* All of it (host, worker, lease) for whoever reads the log: the
		 * answer names only the holder and the time. */
		log_info("the lock of app '%s' is held: %s (lease %" PRId64 ", revision %" PRId64 ")",
			 app, v.len ? v.data : "", kv.lease, kv.create_revision);
		j = json_tokener_parse(v.data);
		json_object *x;
		if (j && json_object_object_get_ex(j, "holder", &x))
			who = json_object_get_string(x);
		if (j && json_object_object_get_ex(j, "since", &x))
			since = json_object_get_string(x);
	}
	int rc;
	if (who && since)
		rc = err_set(err, -ERR_CONFLICT,
			     "app '%s' is being changed by another request (%s, since %s UTC); try "
			     "again when it is done", app, who, since);
	else
		rc = err_set(err, -ERR_CONFLICT,
			     "app '%s' is being changed by another request; try again when it is "
			     "done", app);
	json_object_put(j);
	buf_release(&v);
	return rc;
}

/* The leases of this worker's locks that it could not revoke, until they
 * are revoked or have run out by themselves. */
struct unreleased {
	size_t n, cap;
	struct pending {
		int64_t lease;
		int64_t expires_ms;   /* monotonic */
		char *app;
	} *v;
};

static void unreleased_free(void *p)
{
	struct unreleased *u = p;
	for (size_t i = 0; i < u->n; i++)
		free(u->v[i].app);
	free(u->v);
	free(u);
}

static struct unreleased *unreleased(ctx_t *ctx)
{
	return ctx_slot(ctx, CTX_SLOT_LOCKS, sizeof(struct unreleased), unreleased_free);
}

/* Revokes what lock_release could not; keeps what etcd still cannot take. */
static void retry_unreleased(ctx_t *ctx)
{
	struct unreleased *u = unreleased(ctx);
	int64_t now = clock_mono_ms();
	size_t kept = 0;
	bool down = false;   /* etcd still unreachable: not asked again this time */
	for (size_t i = 0; i < u->n; i++) {
		struct pending *p = &u->v[i];
		err_t err = ERR_INIT;
		/* A lease that has run out is gone by itself: not asked about. */
		int rc = p->expires_ms <= now ? 0
			 : down		      ? -ERR_UNAVAILABLE
					      : etcd_lease_revoke(ctx->etcd, p->lease, &err);
		if (rc == -ERR_UNAVAILABLE) {
			down = true;
			u->v[kept++] = *p;
			continue;
		}
		/* Revoked, or gone already (run out: etcd knows it no more). */
		if (p->expires_ms > now)
			log_info("released the lock of app '%s' that a finished request could not "
				 "release", p->app);
		free(p->app);
	}
	u->n = kept;
}

int lock_acquire(ctx_t *ctx, const char *app, long ttl, const char *holder, lock_t **out,
		 err_t *err)
{
	int64_t lease = 0;
	if (unreleased(ctx)->n)
		retry_unreleased(ctx);
	char *key = xasprintf(LOCK_PREFIX "%s", app);
	json_object *v = NULL;
	int rc = etcd_lease_grant(ctx->etcd, ttl, &lease, err);
	if (rc)
		goto cleanup;
	char since[20];
	store_now(since);
	/* Where it is held: with several hosts, an operator (and a test) can
	 * tell a dead host's or worker's lock from a live one. */
	char host[256] = "";
	gethostname(host, sizeof(host) - 1);
	v = json_object_new_object();
	json_object_object_add(v, "holder", json_object_new_string(holder ? holder : "unknown"));
	json_object_object_add(v, "since", json_object_new_string(since));
	json_object_object_add(v, "host", json_object_new_string(host));
	json_object_object_add(v, "pid", json_object_new_int64((int64_t)getpid()));
	const char *text = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
	rc = etcd_create(ctx->etcd, key, text, strlen(text), lease, err);
	if (rc) {
		/* Our lease has nothing to keep: give it back. */
		etcd_lease_revoke(ctx->etcd, lease, NULL);
		if (rc == -ERR_CONFLICT) {
			metrics_lock_conflict();
			rc = conflict(ctx, key, app, err);
		}
		goto cleanup;
	}
	lock_t *l = xcalloc(1, sizeof(*l));
	l->app = xstrdup(app);
	l->key = key;
	key = NULL;
	l->lease = lease;
	l->ttl = ttl;
	l->renewed_ms = clock_mono_ms();
	*out = l;
cleanup:
	json_object_put(v);
	free(key);
	return rc;
}

int lock_keepalive(ctx_t *ctx, lock_t *l, err_t *err)
{
	int64_t now = clock_mono_ms();
	if (now - l->renewed_ms < l->ttl * 1000 / 3)
		return 0;
	long left = 0;
	int rc = etcd_lease_keepalive(ctx->etcd, l->lease, &left, err);
	if (rc)
		return rc;
	if (left <= 0)
		return err_set(err, -ERR_CONFLICT,
			       "the lock of app '%s' expired while the request was running; the app "
			       "may have been changed by another request since", l->app);
	l->renewed_ms = now;
	return 0;
}

void lock_release(ctx_t *ctx, lock_t *l)
{
	if (!l)
		return;
	err_t err = ERR_INIT;
	if (etcd_lease_revoke(ctx->etcd, l->lease, &err)) {
		log_warn("cannot release the lock of app '%s' (it expires in %ld s unless this "
			 "worker's next lock releases it): %s", l->app, l->ttl, err.msg);
		struct unreleased *u = unreleased(ctx);
		if (u->n == u->cap) {
			u->cap = u->cap ? 2 * u->cap : 4;
			u->v = xrealloc(u->v, u->cap * sizeof(*u->v));
		}
		/* Its lease runs out ttl s after the last renewal at most. */
		u->v[u->n++] = (struct pending){ l->lease, l->renewed_ms + l->ttl * 1000, l->app };
		l->app = NULL;
	}
	free(l->app);
	free(l->key);
	free(l);
}
