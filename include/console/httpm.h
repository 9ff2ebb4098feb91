/*
 * httpm — several outbound HTTP calls at once (curl multi) on an httpc
 * client, and response headers for the callers that need them (the
 * registry's Link and WWW-Authenticate).
 *
 * The same rules as httpc (httpc.h): a connect and a total timeout per call,
 * no signals, a size cap on every answer, errors naming the dependency
 * ("deployd unavailable: ..."). A client keeps one multi handle (made on
 * its first batch) whose connection cache outlives a batch, so the next
 * batch to the same host reuses the open connections. Not thread-safe; one
 * per worker.
 *
 *     httpm_call_t calls[2] = { { .req = { .url = u1 } }, { .req = { .url = u2 } } };
 *     httpm_perform(m, calls, 2);          // both in flight together
 *     ... calls[i].rc, calls[i].resp.status, calls[i].resp.body ...
 *     httpm_call_release(&calls[0]); httpm_call_release(&calls[1]);
 */
#ifndef CONSOLE_HTTPM_H
#define CONSOLE_HTTPM_H

#include <stddef.h>

#include "console/err.h"
#include "console/httpc.h"

#define HTTPM_MAX_HEADERS 4
/* Connections one client opens to one host at a time; more calls queue. */
#define HTTPM_MAX_PER_HOST 16

typedef struct httpm_call {
	httpc_request_t req;                      /* in: as for httpc_perform */
	const char *want[HTTPM_MAX_HEADERS];      /* in: response header names to keep, or NULL */
	httpc_response_t resp;                    /* out: status and body (zero-init is fine) */
	char *header[HTTPM_MAX_HEADERS];          /* out: value of want[i] (last one sent), or NULL */
	int rc;                                   /* out: 0 or -ERR_* as httpc_perform */
	err_t err;                                /* out: the message when rc != 0 */
} httpm_call_t;

/*
 * Runs every call of calls[0..n) concurrently and waits for all of them.
 * Each call gets its own rc/err (one failing does not stop the others).
 * Returns the number of calls whose rc is not 0. Outputs of a previous run
 * of the same call structs are released first.
 */
size_t httpm_perform(httpc_t *c, httpm_call_t *calls, size_t n);

/* Frees the outputs of a call (body, headers); the call can be run again. */
void httpm_call_release(httpm_call_t *call);

#endif
