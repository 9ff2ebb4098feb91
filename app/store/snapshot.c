/*
 * The watch-fed snapshot of snapshot.h: the shared buffers and the reads
 * of the workers, then the watcher process.
 *
 * A buffer holds one image: a header, the index (one entry per key, sorted
 * by key bytes), then the keys and values, each followed by a NUL. Images
 * are written whole into a buffer that is neither current nor pinned, so a
 * reader never sees one change under it.
 */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "console/base64.h"
#include "console/child.h"
#include "console/clock.h"
#include "console/log.h"
#include "console/snapshot.h"
#include "console/xalloc.h"
#include "etcd_wire.h"
#include "console/banned.h"

struct ent {
	uint64_t key_off, val_off, val_len;
	uint32_t key_len;
	int64_t mod_revision;
};

struct image {
	int64_t revision;
	uint64_t count;
	struct ent ents[];
};

struct block {
	_Atomic int current;                 /* buffer of the image, -1: none yet */
	_Atomic int64_t covered;             /* every event up to it is in the current image */
	_Atomic long long confirmed_ms;      /* when it was last known current (monotonic) */
	_Atomic int64_t want;                /* the host's last write under the prefix */
	_Atomic long long keys;
	_Atomic unsigned long long restarts, served, fallbacks;
	_Atomic int npins;
	_Atomic int pins[SNAPSHOT_MAX_WORKERS];   /* buffer + 1 a worker reads, 0: none */
	_Atomic int why_idx;
	char why[2][200];
	long max_lag_ms;
};

static struct block *blk;
static char *bufs;                 /* SNAPSHOT_BUFFERS x SNAPSHOT_BUFFER_MAX */
static int own_slot = -1;
static int64_t seen_rev;

static char *buffer(int b)
{
	return bufs + (size_t)b * SNAPSHOT_BUFFER_MAX;
}

int snapshot_open(const config_t *cfg, err_t *err)
{
	if (blk || cfg->snapshot_max_lag_ms <= 0)
		return 0;
	void *p = mmap(NULL, sizeof(struct block), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	void *q = mmap(NULL, (size_t)SNAPSHOT_BUFFERS * SNAPSHOT_BUFFER_MAX, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED || q == MAP_FAILED) {
		if (p != MAP_FAILED)
			munmap(p, sizeof(struct block));
		if (q != MAP_FAILED)
			munmap(q, (size_t)SNAPSHOT_BUFFERS * SNAPSHOT_BUFFER_MAX);
		return err_set(err, -ERR_INTERNAL, "cannot map the snapshot's memory");
	}
	blk = p;
	bufs = q;
	atomic_store(&blk->current, -1);
	atomic_store(&blk->confirmed_ms, -1);
	blk->max_lag_ms = cfg->snapshot_max_lag_ms;
	snprintf(blk->why[0], sizeof(blk->why[0]), "the watcher has not read etcd yet");
	return 0;
}

void snapshot_close(void)
{
	if (!blk)
		return;
	munmap(bufs, (size_t)SNAPSHOT_BUFFERS * SNAPSHOT_BUFFER_MAX);
	munmap(blk, sizeof(struct block));
	blk = NULL;
	bufs = NULL;
}

void snapshot_worker_slot(int slot)
{
	own_slot = slot >= 0 && slot < SNAPSHOT_MAX_WORKERS ? slot : -1;
	if (blk && own_slot >= 0) {
		int n = atomic_load(&blk->npins);
		while (n <= own_slot && !atomic_compare_exchange_weak(&blk->npins, &n, own_slot + 1))
			;
	}
}

void snapshot_worker_gone(int slot)
{
	if (blk && slot >= 0 && slot < SNAPSHOT_MAX_WORKERS)
		atomic_store(&blk->pins[slot], 0);
}

void snapshot_wrote(int64_t rev)
{
	if (!blk)
		return;
	int64_t w = atomic_load(&blk->want);
	while (w < rev && !atomic_compare_exchange_weak(&blk->want, &w, rev))
		;
}

int64_t snapshot_revision_seen(void)
{
	return seen_rev;
}

/* ---- reads ------------------------------------------------------------- */

/* Whether this request may read the snapshot now: live, and at this
 * host's last write (waited for a little). *covered: up to where. */
static bool usable(ctx_t *ctx, int64_t *covered)
{
	if (!blk || !ctx->snapshot_reads || own_slot < 0)
		return false;
	long long deadline = clock_mono_ms() + SNAPSHOT_WAIT_MS;
	for (;;) {
		int64_t want = atomic_load(&blk->want);
		*covered = atomic_load(&blk->covered);
		long long conf = atomic_load(&blk->confirmed_ms);
		long long now = clock_mono_ms();
		if (atomic_load(&blk->current) < 0 || conf < 0 || now - conf > blk->max_lag_ms)
			return false;
		if (*covered >= want)
			return true;
		if (now >= deadline)
			return false;
		struct timespec ts = { 0, 200 * 1000 };
		nanosleep(&ts, NULL);
	}
}

static const struct image *pin(void)
{
	for (;;) {
		int b = atomic_load(&blk->current);
		if (b < 0)
			return NULL;
		atomic_store(&blk->pins[own_slot], b + 1);
		if (atomic_load(&blk->current) == b)
			return (const struct image *)buffer(b);
	}
}

static void unpin(void)
{
	atomic_store(&blk->pins[own_slot], 0);
}

static void kv_of(const struct image *im, const struct ent *e, etcd_kv_t *kv)
{
	const char *base = (const char *)im;
	memset(kv, 0, sizeof(*kv));
	kv->key = base + e->key_off;
	kv->key_len = e->key_len;
	kv->value = base + e->val_off;
	kv->value_len = e->val_len;
	kv->mod_revision = e->mod_revision;
}

static int cmp_key(const struct image *im, const struct ent *e, const char *key, size_t len)
{
	const char *k = (const char *)im + e->key_off;
	size_t n = e->key_len < len ? e->key_len : len;
	int c = memcmp(k, key, n);
	return c ? c : (e->key_len < len ? -1 : e->key_len > len);
}

/* The first entry whose key is not below key. */
static uint64_t lower_bound(const struct image *im, const char *key, size_t len)
{
	uint64_t lo = 0, hi = im->count;
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		if (cmp_key(im, &im->ents[mid], key, len) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void served(int64_t covered)
{
	if (covered > seen_rev)
		seen_rev = covered;
	atomic_fetch_add(&blk->served, 1);
}

/* The pinned image for a read of keys under key (NULL: read etcd), and up
 * to where it is current. */
static const struct image *begin(ctx_t *ctx, const char *key, int64_t *covered)
{
	const char *ours = ctx->cfg->apps_prefix;
	if (strncmp(key, ours, strlen(ours)) || !usable(ctx, covered)) {
		if (blk && ctx->snapshot_reads)
			atomic_fetch_add(&blk->fallbacks, 1);
		return NULL;
	}
	return pin();
}

int snapshot_range(ctx_t *ctx, const char *prefix, etcd_kv_fn fn, void *data)
{
	int64_t covered;
	size_t plen = strlen(prefix);
	const struct image *im = begin(ctx, prefix, &covered);
	if (!im)
		return 1;
	int rc = 0;
	for (uint64_t i = lower_bound(im, prefix, plen); i < im->count && !rc; i++) {
		const struct ent *e = &im->ents[i];
		if (e->key_len < plen || memcmp((const char *)im + e->key_off, prefix, plen))
			break;
		etcd_kv_t kv;
		kv_of(im, e, &kv);
		rc = fn(&kv, data);
	}
	unpin();
	served(covered);
	return rc;
}

int snapshot_get_many(ctx_t *ctx, const char *const *keys, size_t n, etcd_kv_fn fn, void *data)
{
	int64_t covered;
	const char *ours = ctx->cfg->apps_prefix;
	for (size_t i = 0; i < n; i++)
		if (strncmp(keys[i], ours, strlen(ours)))
			return 1;
	const struct image *im = begin(ctx, ours, &covered);
	if (!im)
		return 1;
	int rc = 0;
	for (size_t i = 0; i < n && !rc; i++) {
		size_t len = strlen(keys[i]);
		uint64_t at = lower_bound(im, keys[i], len);
		if (at < im->count && !cmp_key(im, &im->ents[at], keys[i], len)) {
			etcd_kv_t kv;
			kv_of(im, &im->ents[at], &kv);
			rc = fn(&kv, data);
		}
	}
	unpin();
	served(covered);
	return rc;
}

void snapshot_status(snapshot_status_t *out)
{
	memset(out, 0, sizeof(*out));
	if (!blk) {
		out->state = "off";
		out->lag_ms = -1;
		return;
	}
	long long conf = atomic_load(&blk->confirmed_ms);
	out->revision = atomic_load(&blk->covered);
	out->lag_ms = conf < 0 ? -1 : clock_mono_ms() - conf;
	out->keys = atomic_load(&blk->keys);
	out->restarts = atomic_load(&blk->restarts);
	out->served = atomic_load(&blk->served);
	out->fallbacks = atomic_load(&blk->fallbacks);
	if (atomic_load(&blk->current) < 0)
		out->state = "starting";
	else
		out->state = out->lag_ms >= 0 && out->lag_ms <= blk->max_lag_ms ? "live" : "behind";
	if (strcmp(out->state, "live"))
		snprintf(out->why, sizeof(out->why), "%s", blk->why[atomic_load(&blk->why_idx) & 1]);
}

/* ---- the watcher ------------------------------------------------------- */

static volatile sig_atomic_t watcher_stop;

static void on_stop(int sig)
{
	(void)sig;
	watcher_stop = 1;
}

static void say_why(const char *fmt, const char *detail)
{
	int next = (atomic_load(&blk->why_idx) + 1) & 1;
	snprintf(blk->why[next], sizeof(blk->why[next]), fmt, detail);
	atomic_store(&blk->why_idx, next);
}

/* The watcher's own copy: key -> value at mod_revision. */
struct rec {
	char *key, *value;
	size_t key_len, value_len;
	int64_t mod_revision;
};

struct state {
	const config_t *cfg;
	etcd_t *etcd;
	json_object *index;      /* key -> position in recs */
	struct rec *recs;
	size_t n, cap;
	size_t live;
	int64_t revision;        /* of the image: the range's, then the last event batch's */
	buf_t stream;            /* what the watch sent, not yet a whole message */
	bool restart;            /* the watch must start again from a fresh range */
	unsigned long long published_restarts;
};

static void recs_clear(struct state *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->recs[i].key);
		free(s->recs[i].value);
	}
	s->n = 0;
	s->live = 0;
	json_object_put(s->index);
	s->index = json_object_new_object();
}

static void rec_set(struct state *s, const char *key, size_t key_len, const char *value,
		    size_t value_len, int64_t mod_revision, bool del)
{
	char *k = xstrndup(key, key_len);
	json_object *at;
	struct rec *r = NULL;
	if (json_object_object_get_ex(s->index, k, &at)) {
		r = &s->recs[json_object_get_int64(at)];
		free(k);
	} else if (!del) {
		if (s->n == s->cap) {
			s->cap = s->cap ? 2 * s->cap : 256;
			s->recs = xrealloc(s->recs, s->cap * sizeof(*s->recs));
		}
		r = &s->recs[s->n];
		memset(r, 0, sizeof(*r));
		r->key = k;
		r->key_len = key_len;
		json_object_object_add(s->index, k, json_object_new_int64((int64_t)s->n++));
	} else {
		free(k);
		return;
	}
	if (r->value && del)
		s->live--;
	else if (!r->value && !del)
		s->live++;
	free(r->value);
	r->value = NULL;
	if (!del) {
		r->value = xmalloc(value_len + 1);
		memcpy(r->value, value, value_len);
		r->value[value_len] = '\0';
		r->value_len = value_len;
		r->mod_revision = mod_revision;
	}
}

static int cmp_rec(const void *a, const void *b)
{
	const struct rec *x = *(const struct rec *const *)a, *y = *(const struct rec *const *)b;
	size_t n = x->key_len < y->key_len ? x->key_len : y->key_len;
	int c = memcmp(x->key, y->key, n);
	return c ? c : (x->key_len < y->key_len ? -1 : x->key_len > y->key_len);
}

/* A buffer that is neither current nor pinned by a worker, or -1. */
static int free_buffer(void)
{
	int cur = atomic_load(&blk->current), npins = atomic_load(&blk->npins);
	for (int b = 0; b < SNAPSHOT_BUFFERS; b++) {
		if (b == cur)
			continue;
		bool pinned = false;
		for (int w = 0; w < npins && !pinned; w++)
			pinned = atomic_load(&blk->pins[w]) == b + 1;
		if (!pinned)
			return b;
	}
	return -1;
}

/* Writes the copy as the current image, current up to covered. */
static bool publish(struct state *s, int64_t covered)
{
	const struct rec **live = xcalloc(s->live ? s->live : 1, sizeof(*live));
	size_t m = 0, bytes = 0;
	for (size_t i = 0; i < s->n; i++)
		if (s->recs[i].value) {
			live[m++] = &s->recs[i];
			bytes += s->recs[i].key_len + s->recs[i].value_len + 2;
		}
	qsort(live, m, sizeof(*live), cmp_rec);
	size_t head = sizeof(struct image) + m * sizeof(struct ent);
	if (head + bytes > SNAPSHOT_BUFFER_MAX) {
		char n[64];
		snprintf(n, sizeof(n), "%zu", head + bytes);
		say_why("the records take %s bytes, more than a snapshot buffer "
			"(SNAPSHOT_BUFFER_MAX)", n);
		free(live);
		return false;
	}
	int b = -1;
	/* Readers pin for microseconds: a buffer is free at once, or soon. */
	for (int tries = 0; tries < 1000 && (b = free_buffer()) < 0; tries++) {
		struct timespec ts = { 0, 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	if (b < 0) {
		say_why("%s", "every snapshot buffer is pinned by a worker");
		free(live);
		return false;
	}
	struct image *im = (struct image *)buffer(b);
	im->revision = s->revision;
	im->count = m;
	size_t off = head;
	for (size_t i = 0; i < m; i++) {
		struct ent *e = &im->ents[i];
		e->key_off = off;
		e->key_len = (uint32_t)live[i]->key_len;
		memcpy((char *)im + off, live[i]->key, live[i]->key_len);
		off += live[i]->key_len;
		((char *)im)[off++] = '\0';
		e->val_off = off;
		e->val_len = live[i]->value_len;
		memcpy((char *)im + off, live[i]->value, live[i]->value_len);
		off += live[i]->value_len;
		((char *)im)[off++] = '\0';
		e->mod_revision = live[i]->mod_revision;
	}
	free(live);
	atomic_store(&blk->current, b);
	atomic_store(&blk->keys, (long long)m);
	int64_t c = atomic_load(&blk->covered);
	if (covered > c || atomic_load(&blk->restarts) != s->published_restarts)
		atomic_store(&blk->covered, covered);
	s->published_restarts = atomic_load(&blk->restarts);
	atomic_store(&blk->confirmed_ms, clock_mono_ms());
	return true;
}

static int on_range_kv(const etcd_kv_t *kv, void *p)
{
	rec_set(p, kv->key, kv->key_len, kv->value, kv->value_len, kv->mod_revision, false);
	return 0;
}

/* The whole prefix in one range (one revision): the copy, then the image. */
static int fresh_range(struct state *s, err_t *err)
{
	recs_clear(s);
	/* One page: a paged read would mix revisions. */
	int rc = etcd_range_prefix(s->etcd, s->cfg->apps_prefix, (size_t)1 << 30, on_range_kv, s,
				   err);
	if (rc)
		return rc;
	s->revision = etcd_revision_seen(s->etcd);
	return publish(s, s->revision) ? 0 : -ERR_TOO_BIG;
}

/* The probe: the keys and revisions etcd has now, against the copy. */
struct probe {
	struct state *s;
	size_t count;
	bool differs;
};

static int on_probe_kv(const etcd_kv_t *kv, void *p)
{
	struct probe *pr = p;
	pr->count++;
	if (pr->differs)
		return 0;
	char *k = xstrndup(kv->key, kv->key_len);
	json_object *at;
	pr->differs = !json_object_object_get_ex(pr->s->index, k, &at) ||
		      !pr->s->recs[json_object_get_int64(at)].value ||
		      pr->s->recs[json_object_get_int64(at)].mod_revision != kv->mod_revision;
	free(k);
	return 0;
}

/* 1: current (confirmed up to etcd's answer); 0: etcd has more than the
 * copy (events on their way, or lost); < 0: etcd did not answer. */
static int probe(struct state *s, err_t *err)
{
	struct probe pr = { s, 0, false };
	int rc = etcd_range_prefix_keys(s->etcd, s->cfg->apps_prefix, (size_t)1 << 30, on_probe_kv,
					&pr, err);
	if (rc)
		return rc;
	if (pr.differs || pr.count != s->live)
		return 0;
	int64_t rev = etcd_revision_seen(s->etcd);
	if (rev > atomic_load(&blk->covered))
		atomic_store(&blk->covered, rev);
	atomic_store(&blk->confirmed_ms, clock_mono_ms());
	return 1;
}

static int64_t json_i64_at(json_object *o, const char *a, const char *b)
{
	json_object *x;
	if (!json_object_object_get_ex(o, a, &x))
		return 0;
	return b ? etcd_json_i64(x, b) : etcd_json_i64(o, a);
}

/* One message of the watch stream. */
static void on_message(struct state *s, json_object *msg)
{
	json_object *res;
	if (!json_object_object_get_ex(msg, "result", &res)) {
		say_why("the watch answered an error: %s",
			json_object_to_json_string_ext(msg, JSON_C_TO_STRING_PLAIN));
		s->restart = true;
		return;
	}
	json_object *x;
	if (json_i64_at(res, "compact_revision", NULL) ||
	    (json_object_object_get_ex(res, "canceled", &x) && json_object_get_boolean(x))) {
		say_why("%s", "the watch was cancelled or compacted");
		s->restart = true;
		return;
	}
	json_object *events;
	int64_t rev = json_i64_at(res, "header", "revision");
	if (!json_object_object_get_ex(res, "events", &events) ||
	    !json_object_is_type(events, json_type_array)) {
		return; /* created, or a progress notice */
	}
	buf_t key = BUF_INIT, value = BUF_INIT;
	for (size_t i = 0; i < json_object_array_length(events); i++) {
		json_object *ev = json_object_array_get_idx(events, i), *kv, *t, *f;
		if (!json_object_object_get_ex(ev, "kv", &kv))
			continue;
		bool del = json_object_object_get_ex(ev, "type", &t) &&
			   !strcmp(json_object_get_string(t), "DELETE");
		buf_reset(&key);
		buf_reset(&value);
		if (json_object_object_get_ex(kv, "key", &f))
			base64_decode(&key, json_object_get_string(f),
				      (size_t)json_object_get_string_len(f));
		if (json_object_object_get_ex(kv, "value", &f))
			base64_decode(&value, json_object_get_string(f),
				      (size_t)json_object_get_string_len(f));
		int64_t mod = etcd_json_i64(kv, "mod_revision");
		rec_set(s, key.data ? key.data : "", key.len, value.data ? value.data : "", value.len,
			mod, del);
		if (mod > s->revision)
			s->revision = mod;
	}
	buf_release(&key);
	buf_release(&value);
	if (rev > s->revision)
		s->revision = rev;
	if (!publish(s, s->revision))
		s->restart = true;
}

static size_t on_stream(char *data, size_t size, size_t n, void *p)
{
	struct state *s = p;
	buf_add(&s->stream, data, size * n);
	/* Whole messages: the gateway ends each with a newline. */
	for (;;) {
		char *nl = s->stream.len ? memchr(s->stream.data, '\n', s->stream.len) : NULL;
		if (!nl)
			break;
		size_t len = (size_t)(nl - s->stream.data);
		json_object *msg = len ? etcd_parse(s->stream.data, len, NULL) : NULL;
		if (msg)
			on_message(s, msg);
		json_object_put(msg);
		memmove(s->stream.data, nl + 1, s->stream.len - len - 1);
		buf_truncate(&s->stream, s->stream.len - len - 1);
	}
	return size * n;
}

/* One watch from the copy's revision + 1, with probes, until it must start
 * again (or the watcher stops). */
static void watch(struct state *s)
{
	buf_t url = BUF_INIT, body = BUF_INIT, k = BUF_INIT, end = BUF_INIT, ke = BUF_INIT;
	const char *prefix = s->cfg->apps_prefix;
	base64_encode(&k, prefix, strlen(prefix));
	etcd_prefix_end(prefix, strlen(prefix), &end);
	base64_encode(&ke, end.data, end.len);
	buf_addf(&body,
		 "{\"create_request\": {\"key\": \"%s\", \"range_end\": \"%s\", "
		 "\"start_revision\": \"%lld\"}}",
		 k.data, ke.data, (long long)(s->revision + 1));
	buf_addf(&url, "%s/v3/watch", etcd_endpoint(s->etcd));
	buf_reset(&s->stream);
	s->restart = false;

	CURL *h = curl_easy_init();
	curl_easy_setopt(h, CURLOPT_URL, url.data);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.data);
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)body.len);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_stream);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, s->cfg->etcd_connect_timeout_ms);
	/* No total timeout: it is a stream. The probes tell when it is stuck. */
	curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
	CURLM *m = curl_multi_init();
	curl_multi_add_handle(m, h);
	long long next_probe = clock_mono_ms() + SNAPSHOT_PROBE_MS;
	int behind = 0;
	int running = 1;
	while (!watcher_stop && !s->restart && running) {
		curl_multi_perform(m, &running);
		if (!running)
			break;
		long long now = clock_mono_ms();
		if (now >= next_probe) {
			err_t err = ERR_INIT;
			int p = probe(s, &err);
			if (p < 0) {
				/* etcd gone: reads go to etcd (and fail as they
				 * did) now, not a lag bound later. */
				atomic_store(&blk->confirmed_ms, -1);
				say_why("etcd did not answer the probe: %s", err.msg);
			}
			/* Behind for several probes in a row: events do not
			 * arrive; a fresh range sets it right. */
			behind = p == 1 ? 0 : behind + 1;
			if (behind >= 5) {
				if (p == 0)
					say_why("%s", "the watch fell behind etcd");
				s->restart = true;
			}
			next_probe = clock_mono_ms() + SNAPSHOT_PROBE_MS;
		}
		curl_multi_poll(m, NULL, 0, 50, NULL);
	}
	if (!running && !watcher_stop && !s->restart)
		say_why("%s", "the watch stream ended");
	/* Until a fresh range: not known current (an ended stream is most
	 * often etcd going away). */
	atomic_store(&blk->confirmed_ms, -1);
	curl_multi_remove_handle(m, h);
	curl_easy_cleanup(h);
	curl_multi_cleanup(m);
	buf_release(&url);
	buf_release(&body);
	buf_release(&k);
	buf_release(&end);
	buf_release(&ke);
}

bool snapshot_on(void)
{
	return blk != NULL;
}

void snapshot_watcher_main(const config_t *cfg, pid_t master)
{
	child_init(on_stop, master);
	prctl(PR_SET_NAME, "lc-snapshot");

	struct state s = { .cfg = cfg, .stream = BUF_INIT };
	err_t err = ERR_INIT;
	if (etcd_new(&s.etcd, cfg->etcd_host, cfg->etcd_timeout_ms, cfg->etcd_connect_timeout_ms,
		     &err)) {
		log_error("snapshot watcher: %s", err.msg);
		_exit(2);
	}
	s.index = json_object_new_object();
	while (!watcher_stop) {
		err_clear(&err);
		int rc = fresh_range(&s, &err);
		if (rc) {
			if (rc != -ERR_TOO_BIG)
				say_why("cannot read the records: %s", err.msg);
			struct timespec ts = { 0, 200 * 1000 * 1000 };
			nanosleep(&ts, NULL);
			continue;
		}
		watch(&s);
		if (!watcher_stop) {
			atomic_fetch_add(&blk->restarts, 1);
			log_warn("snapshot watcher: starting again from a fresh range (%s)",
				 blk->why[atomic_load(&blk->why_idx) & 1]);
			struct timespec ts = { 0, 50 * 1000 * 1000 };
			nanosleep(&ts, NULL);
		}
	}
	recs_clear(&s);
	json_object_put(s.index);
	free(s.recs);
	buf_release(&s.stream);
	etcd_free(s.etcd);
	_exit(0);
}
