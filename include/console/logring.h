/*
 * logring — the workers' access lines, kept in memory the master shares
 * with them and written to the log in batches by one process per host.
 *
 * Every request leaves an access line; written by the worker itself, that
 * is one write(2) per request, the only system call lain-console adds to a
 * store-free request beyond what the FastCGI hop itself costs. Here the
 * worker copies the line into its own ring (a fixed slot per worker index,
 * like the scoreboard) and goes on; the writer (logring_drain, every
 * LOGRING_DRAIN_MS in a helper of the master, and once more by the master
 * after its workers have gone) writes what the rings hold, whole lines, at
 * most 4096 bytes per write so that lines of different processes never
 * interleave on a pipe.
 *
 * Nothing is lost when a worker dies: its ring is in the master's mapping,
 * and the lines it holds are written by the next drain. A line reaches the
 * log up to LOGRING_DRAIN_MS late; its time is when the request ended. A
 * full ring (the writer stopped or slow) is not waited on: the line is
 * written by the worker, as without a ring. A writer killed between a
 * batch's write and its tail's move leaves that batch to be written again
 * (lines twice, never lost); a master killed with SIGKILL takes the lines
 * of the last drain period with it.
 *
 * One writer at a time: the helper while it runs, the master only after
 * the helper has exited. Before logring_open() (unit tests, `render`) and in
 * a process that has no slot, logring_put refuses and log.c writes.
 */
#ifndef CONSOLE_LOGRING_H
#define CONSOLE_LOGRING_H

#include <stdbool.h>
#include <stddef.h>

#include "console/err.h"

#define LOGRING_BYTES (256 * 1024) /* per worker slot */
#define LOGRING_DRAIN_MS 50

/* In the master, before the first fork: rings for `slots` worker slots.
 * 0 or -ERR_INTERNAL. */
int logring_open(int slots, err_t *err);
void logring_close(void);

/* In a worker: its lines go to ring `index` from now on. */
void logring_worker_slot(int index);

/* Appends one line (its bytes, the '\n' included) to this worker's ring;
 * false when there is no ring or it has no room: write it yourself. */
bool logring_put(const char *line, size_t len);

/* Writes out, to fd 2, every whole line the rings hold. */
void logring_drain(void);

#endif
