/*
 * snapshot — the app records (everything under CONSOLE_APPS_ETCD_PREFIX,
 * the members key included) kept in memory shared by the workers of one
 * host, current through an etcd watch, so that list reads and permission
 * lookups need no etcd round trip (informer style; issue 17).
 *
 * One process per host, the watcher (forked and respawned by the master
 * like a worker), reads the whole prefix in one range (one revision R),
 * publishes it, and follows the gateway's streaming POST /v3/watch from
 * R + 1, publishing each batch of events. Every SNAPSHOT_PROBE_MS it also
 * asks etcd for the prefix's keys and revisions (keys only, one range):
 * when they are what the snapshot holds, the snapshot is known current up
 * to that answer's revision, at that time. That moment is the snapshot's
 * age; more than CONSOLE_SNAPSHOT_MAX_LAG_MS (1000 by default; 0: no
 * snapshot) and the workers read etcd as they did without it — a dead or
 * stuck watch, or etcd down, costs speed, never correctness (and etcd down
 * is 503 as before). A watch that ends, is cancelled or compacted, or
 * stays behind the probes, is started again from a fresh range.
 *
 * Memory: the master maps SNAPSHOT_BUFFERS buffers of SNAPSHOT_BUFFER_MAX
 * bytes (MAP_NORESERVE: only the pages written are backed) once for the
 * host; a publication writes the whole image (sorted index, then keys and
 * values) into a buffer no worker has pinned, then makes it current. A
 * worker pins the current buffer in its slot while it reads (the master
 * clears the slot of a dead worker). An image larger than a buffer is not
 * published (reads go to etcd; /healthz says why).
 *
 * Read-your-writes: every write of a key under the prefix made on this host
 * raises the host's wanted revision (snapshot_wrote, with the write's
 * revision); a read waits up to SNAPSHOT_WAIT_MS for the snapshot to reach
 * it, else reads etcd. So a client that wrote reads its write on its next
 * request on any worker of the host.
 */
#ifndef CONSOLE_SNAPSHOT_H
#define CONSOLE_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "console/config.h"
#include "console/ctx.h"
#include "console/err.h"
#include "console/etcd.h"

#define SNAPSHOT_BUFFERS 3
#define SNAPSHOT_BUFFER_MAX (64u << 20)
#define SNAPSHOT_PROBE_MS 200
#define SNAPSHOT_WAIT_MS 20
#define SNAPSHOT_MAX_WORKERS 1024

/* In the master, before the first fork; nothing when max_lag_ms is 0.
 * 0 or -ERR_INTERNAL. */
int snapshot_open(const config_t *cfg, err_t *err);
void snapshot_close(void);
/* Whether there is a snapshot (snapshot_open made one): then the master
 * runs a watcher. */
bool snapshot_on(void);
/* The watcher, in a child the master forked (master: its pid); never
 * returns. */
void snapshot_watcher_main(const config_t *cfg, pid_t master) __attribute__((noreturn));

/* A worker right after its fork: its slot; the master for a dead one. */
void snapshot_worker_slot(int slot);
void snapshot_worker_gone(int slot);

/* A write under the prefix was committed at revision rev on this host. */
void snapshot_wrote(int64_t rev);

/*
 * Reads from the snapshot, for a request that only reads (ctx->snapshot_reads):
 * 1 when the snapshot cannot answer now (none, behind, older than the lag
 * bound, not at this host's last write): read etcd instead. Otherwise fn
 * is called as etcd's range would call it (kv valid during the call only)
 * and its first non-zero return is returned, else 0.
 *
 * snapshot_range: every key under prefix (which must be the apps prefix or
 * a prefix of keys below it), in key order. snapshot_get_many: keys[0..n)
 * that exist, in the order given (etcd_get_many's contract).
 */
int snapshot_range(ctx_t *ctx, const char *prefix, etcd_kv_fn fn, void *data);
int snapshot_get_many(ctx_t *ctx, const char *const *keys, size_t n, etcd_kv_fn fn, void *data);

/* The revision up to which a read served by this worker from the snapshot
 * saw every write (0: none yet). */
int64_t snapshot_revision_seen(void);

/* For /healthz: state "off", "starting", "live" (within the lag bound) or
 * "behind"; the revision it is current up to; ms since it was last known
 * current (-1: never); records held; why it is not live ("" when it is). */
typedef struct snapshot_status {
	const char *state;
	int64_t revision;
	long long lag_ms;
	long long keys;
	unsigned long long restarts, served, fallbacks;
	char why[200];
} snapshot_status_t;
void snapshot_status(snapshot_status_t *out);

#endif
