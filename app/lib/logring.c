/* logring.h */
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "console/logring.h"
#include "console/banned.h"

/* At most this many bytes per write(2): PIPE_BUF, so a batch and another
 * process's line never interleave on a pipe. */
#define BATCH_MAX 4096

/*
 * One ring per worker slot. head and tail count bytes since the ring was
 * made (never wrap in practice); the bytes of [tail, head) are whole lines
 * at data[i % LOGRING_BYTES]. Only the slot's worker moves head (after the
 * bytes are in), only the writer moves tail (after they are out). Each on
 * its own cache line: the worker and the writer run on different cores.
 */
struct cursor {
	_Atomic uint64_t head;
	char pad1[64 - sizeof(uint64_t)];
	_Atomic uint64_t tail;
	char pad2[64 - sizeof(uint64_t)];
};

static struct cursor *cursors; /* [nslots], shared */
static char *data;             /* [nslots][LOGRING_BYTES], shared, touched as used */
static int nslots;
static int mine = -1;          /* this worker's slot */

int logring_open(int slots, err_t *err)
{
	if (cursors)
		return 0;
	size_t cbytes = sizeof(struct cursor) * (size_t)slots;
	size_t dbytes = (size_t)LOGRING_BYTES * (size_t)slots;
	void *c = mmap(NULL, cbytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	void *d = mmap(NULL, dbytes, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (c == MAP_FAILED || d == MAP_FAILED) {
		if (c != MAP_FAILED)
			munmap(c, cbytes);
		if (d != MAP_FAILED)
			munmap(d, dbytes);
		return err_set(err, -ERR_INTERNAL, "cannot map %zu bytes for the access lines",
			       cbytes + dbytes);
	}
	cursors = c;
	data = d;
	nslots = slots;
	return 0;
}

void logring_close(void)
{
	if (!cursors)
		return;
	munmap(cursors, sizeof(struct cursor) * (size_t)nslots);
	munmap(data, (size_t)LOGRING_BYTES * (size_t)nslots);
	cursors = NULL;
	data = NULL;
	nslots = 0;
	mine = -1;
}

void logring_worker_slot(int index)
{
	mine = cursors && index >= 0 && index < nslots ? index : -1;
}

bool logring_put(const char *line, size_t len)
{
	if (mine < 0)
		return false;
	struct cursor *c = &cursors[mine];
	uint64_t head = atomic_load_explicit(&c->head, memory_order_relaxed);
	uint64_t tail = atomic_load_explicit(&c->tail, memory_order_acquire);
	if (len > LOGRING_BYTES - (head - tail))
		return false;
	char *ring = data + (size_t)mine * LOGRING_BYTES;
	size_t at = (size_t)(head % LOGRING_BYTES);
	size_t first = len < LOGRING_BYTES - at ? len : LOGRING_BYTES - at;
	memcpy(ring + at, line, first);
	memcpy(ring, line + first, len - first);
	atomic_store_explicit(&c->head, head + len, memory_order_release);
	return true;
}

/* Copies n bytes of ring `slot` from position `from` into out. */
static void copy_out(int slot, uint64_t from, size_t n, char *out)
{
	const char *ring = data + (size_t)slot * LOGRING_BYTES;
	size_t at = (size_t)(from % LOGRING_BYTES);
	size_t first = n < LOGRING_BYTES - at ? n : LOGRING_BYTES - at;
	memcpy(out, ring + at, first);
	memcpy(out + first, ring, n - first);
}

static void drain_slot(int slot)
{
	struct cursor *c = &cursors[slot];
	uint64_t tail = atomic_load_explicit(&c->tail, memory_order_relaxed);
	uint64_t head = atomic_load_explicit(&c->head, memory_order_acquire);
	char batch[BATCH_MAX];
	while (tail < head) {
		size_t n = head - tail < sizeof(batch) ? (size_t)(head - tail) : sizeof(batch);
		copy_out(slot, tail, n, batch);
		/* Whole lines only; a line is never longer than a batch. */
		size_t whole = n;
		while (whole > 0 && batch[whole - 1] != '\n')
			whole--;
		if (whole == 0)
			whole = n;
		if (write(2, batch, whole) < 0) {
			/* the log is gone; the lines with it */
		}
		tail += whole;
		atomic_store_explicit(&c->tail, tail, memory_order_release);
	}
}

void logring_drain(void)
{
	for (int i = 0; cursors && i < nslots; i++)
		drain_slot(i);
}
