/*
 * server — a worker's life: accept a FastCGI request, read it, route it,
 * answer it, log it, forget it; until told to stop.
 *
 * The worker is single-threaded and serves one request at a time. A stop
 * request (SIGTERM) is honoured between requests: the one in flight always
 * completes.
 */
#ifndef CONSOLE_SERVER_H
#define CONSOLE_SERVER_H

#include <signal.h>
#include <stddef.h>

#include "console/ctx.h"

/* What a worker shows its master: the request it is serving ("" when idle),
 * so that a worker's death can be logged with the route it was on. Lives in
 * memory shared with the master. */
typedef struct server_slot {
	volatile pid_t pid;
	volatile unsigned long requests;
	char current[120];
} server_slot_t;

/*
 * Serves requests on listen_fd until *stop becomes non-zero. slot may be
 * NULL. Returns 0 on a requested stop, negative when the socket failed.
 */
int server_run(int listen_fd, ctx_t *ctx, volatile sig_atomic_t *stop, server_slot_t *slot);

#endif
