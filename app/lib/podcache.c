/*
 * The shared answer table of podcache.h.
 *
 * A slot is EMPTY, FETCHING (its owner pid is fetching it) or READY (an
 * answer fetched at fetched_ms, valid while its epoch is the slot's: a
 * write's end bumps the epoch of its app's slots). Every field is read and
 * written under the one mutex; bodies live in a separate array so that a
 * slot's header stays small and only the pages of bodies in use are
 * touched.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "console/clock.h"
#include "console/podcache.h"
#include "console/xalloc.h"
#include "console/banned.h"

enum { SLOT_EMPTY, SLOT_FETCHING, SLOT_READY };
/* What a batch does with an item. */
enum { M_HIT, M_CLAIM, M_WAIT, M_DIRECT };

struct slot {
	char key[PODCACHE_KEY_MAX];
	int state;
	pid_t owner;
	unsigned long long epoch;        /* bumped by a write's end */
	unsigned long long claim_epoch;  /* the epoch the fetch in flight started under */
	unsigned long long result_epoch; /* the epoch the answer was fetched under */
	long long fetched_ms;
	long long used_ms;               /* last looked up: the victim is the oldest */
	unsigned long long gen;          /* the answer's number (next_gen when it came) */
	bool once;                       /* for the fetch's waiters only (item.keep false) */
	int rc;
	char msg[ERR_MSG_MAX];
	long status;
	size_t len;
};

struct block {
	pthread_mutex_t mu;
	pthread_cond_t done;
	long ttl_ms;
	unsigned long long fetched, hits, waited, direct;
	unsigned long long next_gen;
	long waiting;                    /* requests waiting for another's fetch now */
	int nworkers;                    /* highest marked slot + 1 */
	char writing[PODCACHE_MAX_WORKERS][PODCACHE_KEY_MAX];
	struct slot slots[PODCACHE_SLOTS];
	char bodies[PODCACHE_SLOTS][PODCACHE_BODY_MAX];
};

static struct block *blk;
static int own_slot = -1;
static bool marked;

static int64_t (*clock_ms)(void) = clock_mono_ms;

void podcache_set_clock(int64_t (*fn)(void))
{
	clock_ms = fn ? fn : clock_mono_ms;
}

static void lock(void)
{
	/* A worker killed holding it: the table is consistent at every
	 * store of a whole field, so take it over. */
	if (pthread_mutex_lock(&blk->mu) == EOWNERDEAD)
		pthread_mutex_consistent(&blk->mu);
}

static void unlock(void)
{
	pthread_mutex_unlock(&blk->mu);
}

int podcache_open(long ttl_ms, err_t *err)
{
	if (blk)
		return 0;
	void *p = mmap(NULL, sizeof(struct block), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return err_set(err, -ERR_INTERNAL, "cannot map %zu bytes for the pod status cache",
			       sizeof(struct block));
	blk = p;
	pthread_mutexattr_t ma;
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
	pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST);
	pthread_mutex_init(&blk->mu, &ma);
	pthread_mutexattr_destroy(&ma);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setpshared(&ca, PTHREAD_PROCESS_SHARED);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&blk->done, &ca);
	pthread_condattr_destroy(&ca);
	blk->ttl_ms = ttl_ms;
	return 0;
}

void podcache_set_ttl(long ttl_ms)
{
	if (!blk)
		return;
	lock();
	blk->ttl_ms = ttl_ms;
	unlock();
}

void podcache_close(void)
{
	if (!blk)
		return;
	pthread_cond_destroy(&blk->done);
	pthread_mutex_destroy(&blk->mu);
	munmap(blk, sizeof(struct block));
	blk = NULL;
	own_slot = -1;
	marked = false;
}

void podcache_worker_slot(int slot)
{
	own_slot = slot >= 0 && slot < PODCACHE_MAX_WORKERS ? slot : -1;
	marked = false;
}

bool podcache_name_of_app(const char *name, const char *app)
{
	size_t n = strlen(app);
	if (!n)
		return false;
	if (!strncmp(name, app, n) && (name[n] == '.' || !name[n]))
		return true;
	for (const char *p = strchr(name, '.'); p; p = strchr(p + 1, '.'))
		if (!strncmp(p + 1, app, n) && p[1 + n] == '.')
			return true;
	return false;
}

/* Under the lock: every answer of app's keys is stale from now on. */
static void invalidate(const char *app)
{
	for (size_t i = 0; i < PODCACHE_SLOTS; i++) {
		struct slot *s = &blk->slots[i];
		/* The key's name is after its kind ("podgroup <name>"). */
		const char *sp = strchr(s->key, ' ');
		if (s->state != SLOT_EMPTY && podcache_name_of_app(sp ? sp + 1 : s->key, app))
			s->epoch++;
	}
}

void podcache_worker_gone(int slot, pid_t pid)
{
	if (!blk)
		return;
	lock();
	if (slot >= 0 && slot < PODCACHE_MAX_WORKERS && blk->writing[slot][0]) {
		invalidate(blk->writing[slot]);
		blk->writing[slot][0] = '\0';
	}
	for (size_t i = 0; i < PODCACHE_SLOTS; i++)
		if (blk->slots[i].state == SLOT_FETCHING && blk->slots[i].owner == pid)
			blk->slots[i].state = SLOT_EMPTY;
	pthread_cond_broadcast(&blk->done);
	unlock();
}

void podcache_write_begin(const char *app)
{
	if (!blk || own_slot < 0)
		return;
	if (marked)
		podcache_write_end();
	if (strlen(app) >= PODCACHE_KEY_MAX)
		return;
	lock();
	memcpy(blk->writing[own_slot], app, strlen(app) + 1);
	if (own_slot >= blk->nworkers)
		blk->nworkers = own_slot + 1;
	unlock();
	marked = true;
}

void podcache_write_end(void)
{
	if (!blk || !marked)
		return;
	marked = false;
	lock();
	invalidate(blk->writing[own_slot]);
	blk->writing[own_slot][0] = '\0';
	unlock();
}

static uint64_t hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* Under the lock: the slot of key, or -1. */
static int find(const char *key)
{
	size_t first = (size_t)(hash(key) % PODCACHE_SLOTS);
	for (size_t w = 0; w < PODCACHE_WAYS; w++) {
		size_t i = (first + w) % PODCACHE_SLOTS;
		if (blk->slots[i].state != SLOT_EMPTY && !strcmp(blk->slots[i].key, key))
			return (int)i;
	}
	return -1;
}

/* Under the lock: a slot for a new key (an empty one, else the least
 * recently used that nobody is fetching), or -1. */
static int victim(const char *key)
{
	size_t first = (size_t)(hash(key) % PODCACHE_SLOTS);
	int best = -1;
	for (size_t w = 0; w < PODCACHE_WAYS; w++) {
		size_t i = (first + w) % PODCACHE_SLOTS;
		struct slot *s = &blk->slots[i];
		if (s->state == SLOT_EMPTY)
			return (int)i;
		if (s->state == SLOT_READY && (best < 0 || s->used_ms < blk->slots[best].used_ms))
			best = (int)i;
	}
	return best;
}

/* Under the lock: whether a worker is changing the app name belongs to. */
static bool being_written(const char *name)
{
	for (int w = 0; w < blk->nworkers; w++)
		if (blk->writing[w][0] && podcache_name_of_app(name, blk->writing[w]))
			return true;
	return false;
}

static void copy_out(podcache_item_t *it, const struct slot *s, size_t i)
{
	it->rc = s->rc;
	err_clear(&it->err);
	if (s->rc) {
		it->err.code = s->rc;
		memcpy(it->err.msg, s->msg, sizeof(it->err.msg));
	}
	it->status = s->status;
	it->gen = s->gen;
	free(it->body);
	it->body = NULL;
	it->len = 0;
	if (it->have && it->have == s->gen)
		return; /* the caller holds it */
	it->body = xmalloc(s->len + 1);
	memcpy(it->body, blk->bodies[i], s->len);
	it->body[s->len] = '\0';
	it->len = s->len;
}

static void fetch_modes(podcache_item_t *items, size_t n, int mode, podcache_fetch_fn fetch,
			void *data)
{
	podcache_item_t **want = xcalloc(n ? n : 1, sizeof(*want));
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (items[i].mode == mode)
			want[m++] = &items[i];
	if (m)
		fetch(want, m, data);
	free(want);
}

static bool alive(pid_t pid)
{
	return pid > 0 && (kill(pid, 0) == 0 || errno == EPERM);
}

void podcache_get(podcache_item_t *items, size_t n, podcache_fetch_fn fetch, void *data,
		  long wait_ms)
{
	for (size_t i = 0; i < n; i++) {
		items[i].mode = M_DIRECT;
		items[i].slot = -1;
		items[i].body = NULL;
		items[i].len = 0;
		items[i].rc = 0;
		items[i].status = 0;
		items[i].gen = 0;
		items[i].keep = true;
		err_clear(&items[i].err);
	}
	if (!blk || blk->ttl_ms <= 0) {
		fetch_modes(items, n, M_DIRECT, fetch, data);
		return;
	}
	pid_t me = getpid();
	long long now = clock_ms();
	size_t nclaim = 0, nwait = 0;
	lock();
	long ttl = blk->ttl_ms;
	for (size_t i = 0; i < n; i++) {
		podcache_item_t *it = &items[i];
		if (strlen(it->key) >= PODCACHE_KEY_MAX || being_written(it->name))
			continue;
		int k = find(it->key);
		struct slot *s = k >= 0 ? &blk->slots[k] : NULL;
		if (s && s->state == SLOT_READY && !s->once && s->result_epoch == s->epoch &&
		    now - s->fetched_ms < ttl) {
			s->used_ms = now;
			copy_out(it, s, (size_t)k);
			it->mode = M_HIT;
			blk->hits++;
			continue;
		}
		if (s && s->state == SLOT_FETCHING && s->owner != me && alive(s->owner)) {
			/* A fetch that started before a write ended is no answer
			 * for a read that starts after it. */
			if (s->claim_epoch != s->epoch)
				continue;
			it->mode = M_WAIT;
			it->slot = k;
			it->epoch = s->epoch;
			nwait++;
			continue;
		}
		if (!s) {
			if ((k = victim(it->key)) < 0)
				continue;
			s = &blk->slots[k];
			memcpy(s->key, it->key, strlen(it->key) + 1);
			s->epoch = 0;
		} else if (s->state == SLOT_FETCHING) {
			/* Ours from an earlier item of this batch (the same key twice),
			 * or a dead fetcher's: fetch it directly. */
			if (s->owner == me)
				continue;
		}
		s->state = SLOT_FETCHING;
		s->claim_epoch = s->epoch;
		s->owner = me;
		s->fetched_ms = now;
		s->used_ms = now;
		it->epoch = s->epoch;
		it->slot = k;
		it->mode = M_CLAIM;
		nclaim++;
	}
	blk->fetched += nclaim;
	unlock();

	/* What nobody else fetches: ours to share, and what cannot be shared. */
	for (size_t i = 0; i < n; i++)
		if (items[i].mode == M_DIRECT)
			items[i].mode = M_CLAIM, items[i].slot = -1;
	fetch_modes(items, n, M_CLAIM, fetch, data);

	lock();
	/* The window starts when the answer came: a slow deployd's answers
	 * are shared as long as a quick one's. */
	long long got = clock_ms();
	for (size_t i = 0; i < n; i++) {
		podcache_item_t *it = &items[i];
		if (it->mode != M_CLAIM || it->slot < 0)
			continue;
		struct slot *s = &blk->slots[it->slot];
		if (s->state != SLOT_FETCHING || s->owner != me || strcmp(s->key, it->key))
			continue; /* given up by the master meanwhile */
		if (it->len > PODCACHE_BODY_MAX) {
			s->state = SLOT_EMPTY;
			continue;
		}
		s->rc = it->rc;
		memcpy(s->msg, it->err.msg, sizeof(s->msg));
		s->status = it->status;
		s->len = it->len;
		if (it->len)
			memcpy(blk->bodies[it->slot], it->body, it->len);
		s->result_epoch = it->epoch;
		s->fetched_ms = got;
		s->gen = ++blk->next_gen;
		s->once = !it->keep;
		it->gen = s->gen;
		s->state = SLOT_READY;
	}
	if (nclaim)
		pthread_cond_broadcast(&blk->done);
	/* The keys other workers were fetching. */
	struct timespec deadline;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += wait_ms / 1000;
	deadline.tv_nsec += (wait_ms % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	size_t left = nwait;
	blk->waiting += nwait ? 1 : 0;
	while (left) {
		left = 0;
		for (size_t i = 0; i < n; i++) {
			podcache_item_t *it = &items[i];
			if (it->mode != M_WAIT)
				continue;
			struct slot *s = &blk->slots[it->slot];
			if (strcmp(s->key, it->key) || s->state == SLOT_EMPTY ||
			    (s->state == SLOT_FETCHING && !alive(s->owner))) {
				it->mode = M_DIRECT; /* evicted or abandoned: our own fetch */
			} else if (s->state == SLOT_READY && s->result_epoch < it->epoch) {
				it->mode = M_DIRECT; /* an older answer than we wait for */
			} else if (s->state == SLOT_READY) {
				/* The answer of the fetch we waited for, even when a
				 * write ended meanwhile: it ran concurrently with it. */
				copy_out(it, s, (size_t)it->slot);
				it->mode = M_HIT;
				blk->waited++;
			} else {
				left++;
			}
		}
		if (!left)
			break;
		/* Short slices: a fetcher killed without the master's notice
		 * yet is seen at the next one. */
		struct timespec slice;
		clock_gettime(CLOCK_MONOTONIC, &slice);
		slice.tv_nsec += 100 * 1000000L;
		if (slice.tv_nsec >= 1000000000L) {
			slice.tv_sec++;
			slice.tv_nsec -= 1000000000L;
		}
		bool last = slice.tv_sec > deadline.tv_sec ||
			    (slice.tv_sec == deadline.tv_sec && slice.tv_nsec >= deadline.tv_nsec);
		int rc = pthread_cond_timedwait(&blk->done, &blk->mu, last ? &deadline : &slice);
		if (rc == EOWNERDEAD)
			pthread_mutex_consistent(&blk->mu);
		if (last && rc == ETIMEDOUT) {
			for (size_t i = 0; i < n; i++)
				if (items[i].mode == M_WAIT)
					items[i].mode = M_DIRECT;
			break;
		}
	}
	blk->waiting -= nwait ? 1 : 0;
	size_t ndirect = 0;
	for (size_t i = 0; i < n; i++)
		ndirect += items[i].mode == M_DIRECT;
	blk->direct += ndirect;
	unlock();
	fetch_modes(items, n, M_DIRECT, fetch, data);
}

void podcache_items_release(podcache_item_t *items, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(items[i].body);
		items[i].body = NULL;
		items[i].len = 0;
	}
}

void podcache_stats(podcache_stats_t *out)
{
	memset(out, 0, sizeof(*out));
	if (!blk)
		return;
	lock();
	out->fetched = blk->fetched;
	out->hits = blk->hits;
	out->waited = blk->waited;
	out->direct = blk->direct;
	out->waiting = blk->waiting;
	out->ttl_ms = blk->ttl_ms;
	unlock();
}
