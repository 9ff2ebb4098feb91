/*
 * podcache — answers of a slow neighbour (deployd's pod status) shared by
 * every worker of one host for a short window, with one fetch in flight per
 * key.
 *
 * The web console polls GET /apps/ every few seconds from every browser;
 * without this each viewer multiplies deployd's load (one GET per proc per
 * request). Here an answer fetched by one worker serves every request of the
 * host for ttl_ms from its arrival (CONSOLE_PODSTATUS_TTL_MS, at most 1 s),
 * and requests that want a key another worker is fetching wait for that
 * fetch instead of sending their own.
 *
 * The table lives in memory the master maps (MAP_SHARED | MAP_ANONYMOUS)
 * before it forks its workers, like the metrics: fixed slots (a key hashes
 * to PODCACHE_WAYS neighbouring slots; the oldest unused one is taken when
 * they are full), one process-shared robust mutex for the table and one
 * condition variable for "a fetch ended". The mutex is held only to look up
 * and copy, never across a fetch; a worker killed while holding it leaves
 * it to the next locker (EOWNERDEAD), and a key it was fetching is taken
 * over by a waiter that sees its fetcher gone (or by the master's
 * podcache_worker_gone).
 *
 * Freshness after a write: a request that changes an app marks it
 * (podcache_write_begin, before its handler) and unmarks it once answered
 * (podcache_write_end, before the answer leaves the worker). While an app is
 * marked, its keys are fetched anew by every request and not shared; the
 * unmark makes every answer of its keys cached so far stale. So a read that
 * starts after a write has answered never sees status older than the write,
 * on any worker of the host. Keys belong to an app by name: the key's name
 * is the app's name followed by '.', or holds ".<app>." (a resource
 * instance's podgroups, "resource.<r>.<app>.<type>.<proc>"); more keys
 * than needed may match, which only costs a fetch.
 *
 * An answer the fetch function marks not to keep (item.keep: the status
 * of an app still converging, which its viewers poll until it settles)
 * serves only the requests that waited for that fetch; the next request
 * fetches anew, so a poll sees the change as soon as deployd shows it.
 *
 * Before podcache_open() (unit tests, `lain-console render`) and with
 * ttl_ms 0, podcache_get fetches every item itself: nothing is shared.
 */
#ifndef CONSOLE_PODCACHE_H
#define CONSOLE_PODCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "console/err.h"

#define PODCACHE_SLOTS 2048
#define PODCACHE_WAYS 16
#define PODCACHE_KEY_MAX 256        /* longer keys are never shared */
#define PODCACHE_BODY_MAX (64 * 1024) /* larger answers are never shared */
#define PODCACHE_MAX_WORKERS 1024   /* worker slots that may mark an app */

/* In the master, before the first fork. 0 or -ERR_INTERNAL. */
int podcache_open(long ttl_ms, err_t *err);
/* The window of a reload's new config (the master, before it forks the
 * new generation). */
void podcache_set_ttl(long ttl_ms);
/* In the master at exit (and in tests). */
void podcache_close(void);

/* In a worker right after the fork: its slot (its index among the workers,
 * below PODCACHE_MAX_WORKERS). */
void podcache_worker_slot(int slot);
/* In the master, for a worker that died: what it had marked is unmarked
 * (and made stale) and a fetch it left in flight is given up. */
void podcache_worker_gone(int slot, pid_t pid);

/* One key of a batch. */
typedef struct podcache_item {
	const char *key;        /* in: e.g. "podgroup hello.web.web" */
	const char *name;       /* in: the name the app match looks at ("hello.web.web") */
	/* out, filled by the fetch function or from the table: */
	int rc;                 /* 0, or the fetch's failure (no answer) */
	err_t err;              /* its message when rc */
	long status;            /* the answer's HTTP status when rc is 0 */
	char *body;             /* the answer's body (malloc'd, NUL-terminated; caller frees) */
	size_t len;
	/* Which answer of the table this is: the same non-zero gen on any
	 * worker is the same answer, so what a worker derived from it (a
	 * rendered object) may be kept by gen; 0: an answer of this request
	 * only (not shared). */
	unsigned long long gen;
	/* in: the gen of an answer the caller holds already (0: none): when
	 * the table's answer is that one, its body is not copied (body NULL,
	 * gen says it). */
	unsigned long long have;
	/* Set to false by the fetch function for an answer that must not be
	 * kept for later requests (an app converging: its viewers poll until
	 * it settles): it serves the requests that waited for this very
	 * fetch, and the next request fetches anew. Starts true. */
	bool keep;
	/* private */
	int mode, slot;
	unsigned long long epoch;
} podcache_item_t;

/* Fetches the items of want[0..n) (all of them at once): fills rc/err or
 * status/body of each. */
typedef void (*podcache_fetch_fn)(podcache_item_t *const *want, size_t n, void *data);

/* Fills every item of items[0..n): from the table when a fresh answer is
 * there, from another worker's fetch when one is in flight (waited for at
 * most wait_ms), else through fetch (one call for all the items that need
 * it, then shared). */
void podcache_get(podcache_item_t *items, size_t n, podcache_fetch_fn fetch, void *data,
		  long wait_ms);
/* Frees the bodies of items[0..n). */
void podcache_items_release(podcache_item_t *items, size_t n);

/* Marks app as being changed by this worker (see above); one at a time: a
 * second call replaces the first after ending it. */
void podcache_write_begin(const char *app);
/* Ends this worker's mark, if any. */
void podcache_write_end(void);

/* Counters since open (for tests and /healthz): answers fetched to share,
 * answers served from the table, answers got by waiting for another
 * worker's fetch, answers fetched unshared after all (a fetcher gone, a
 * wait too long). */
typedef struct podcache_stats {
	unsigned long long fetched, hits, waited, direct;
	long waiting;           /* requests waiting for another's fetch right now */
	long ttl_ms;
} podcache_stats_t;
void podcache_stats(podcache_stats_t *out);

/* The clock of the window, milliseconds (NULL: clock_mono_ms): for the
 * unit tests. */
void podcache_set_clock(int64_t (*fn)(void));

/* Whether name belongs to app by the rule above (unit-tested). */
bool podcache_name_of_app(const char *name, const char *app);

#endif
