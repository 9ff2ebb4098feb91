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

#include "console/arena.h"
#include "console/router.h"

struct ctx;

/* What a worker shows its master: the request it is serving ("" when idle),
 * so that a worker's death can be logged with the route it was on and the
 * request's id. Lives in
 * memory shared with the master. */
typedef struct server_slot {
	volatile pid_t pid;
	volatile unsigned long requests;
	char current[120];
	char request_id[64];         /* its id ("" when idle) */
} server_slot_t;

/* What a worker serves with. */
typedef struct server_opts {
	const router_t *router;      /* the routes and their check */
	long body_limit;             /* request body cap, bytes: larger is 413 */
} server_opts_t;

/*
 * Serves requests on listen_fd until *stop becomes non-zero; ctx is the
 * worker's, handed to every request (request_t.ctx). slot may be NULL.
 * Returns 0 on a requested stop, negative when the socket failed.
 */
int server_run(int listen_fd, struct ctx *ctx, const server_opts_t *opts,
	       volatile sig_atomic_t *stop, server_slot_t *slot);

#endif
