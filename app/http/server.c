#include <errno.h>
#include <malloc.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "console/clock.h"
#include "console/http.h"
#include "console/log.h"
#include "console/metrics.h"
#include "console/router.h"
#include "console/server.h"
#include "console/banned.h"

static long elapsed_us(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1000000L + (t1.tv_nsec - t0->tv_nsec) / 1000;
}

/* Reads the body (bounded by the configured limit) into the arena; answers
 * 413 itself when it is too large. */
static int read_body(FCGX_Request *fr, request_t *req, response_t *res, long limit)
{
	long len = req->content_length;
	if (len <= 0)
		return 0;
	if (len > limit) {
		http_envelope(res, 413, "app", NULL,
			      arena_printf(req->arena, "request body of %ld bytes is larger than %ld",
					   len, limit),
			      http_self_url(req));
		return -1;
	}
	char *body = arena_alloc(req->arena, (size_t)len + 1);
	int n = FCGX_GetStr(body, (int)len, fr->in);
	if (n < 0)
		n = 0;
	body[n] = '\0';
	req->body = body;
	req->body_len = (size_t)n;
	return 0;
}

/* dst = a, or a " " b when b is set, cut to size bytes with its NUL. */
static void set_text(char *dst, size_t size, const char *a, const char *b)
{
	size_t n = strnlen(a, size - 1);
	memcpy(dst, a, n);
	if (b && n + 1 < size) {
		dst[n++] = ' ';
		size_t m = strnlen(b, size - 1 - n);
		memcpy(dst + n, b, m);
		n += m;
	}
	dst[n] = '\0';
}

/* Serves the request fr holds. False when its body was refused unread (413):
 * what nginx sends of it is still to come. */
static bool handle(FCGX_Request *fr, struct ctx *ctx, const server_opts_t *opts,
		   arena_t *arena, buf_t *out, server_slot_t *slot, unsigned long seq)
{
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	metrics_request_begin();
	request_t req;
	response_t res;
	http_request_init(&req, arena, ctx, (const char *const *)fr->envp);
	if (!req.request_id)
		req.request_id = arena_printf(arena, "%ld-%lu", (long)getpid(), seq);
	/* Every line logged while it is served names it. */
	log_set_request(req.request_id);
	http_response_init(&res);
	if (slot) {
		set_text(slot->current, sizeof(slot->current), req.method, req.uri);
		set_text(slot->request_id, sizeof(slot->request_id), req.request_id, NULL);
	}

	bool body_read = !read_body(fr, &req, &res, opts->body_limit);
	if (body_read)
		router_dispatch(opts->router, &req, &res);

	buf_reset(out);
	http_response_serialize(&req, &res, out);
	/* FCGX_FPrintF knows no %zu (DESIGN.md facts): write our own bytes. */
	FCGX_PutStr(out->data, (int)out->len, fr->out);

	long us = elapsed_us(&t0);
	log_access(req.method, req.uri, res.status, us, req.request_id);
	metrics_request_end(req.route ? req.route - opts->router->routes : -1, req.method,
			    res.status, us);
	log_set_request(NULL);
	http_response_release(&res);
	if (slot) {
		slot->current[0] = '\0';
		slot->request_id[0] = '\0';
		slot->requests++;
	}
	return body_read;
}

/*
 * How a connection ends. libfcgi's own close shuts the socket down for
 * writing and then waits for nginx to close its side, reading and dropping
 * whatever still comes (so that nothing unread makes a TCP close a reset
 * that could cost nginx the answer): a poll, a read and a sleep in every
 * request, while the worker serves nobody. When the request's input has
 * been read to its end (nginx sends nothing after it), the worker closes at
 * once instead (FCGX_Detach: close without the shutdown). Reading to the end
 * costs no system call for a request without a body: nginx sends the empty
 * stdin record with the parameters. A body refused unread keeps libfcgi's
 * close. (The read waits only on a peer that keeps its input open, which
 * could hold a worker while it sends the parameters just as well: only
 * nginx, or the hosts allowed, connect to this socket.)
 */
static bool input_drained(FCGX_Request *fr)
{
	char sink[512];
	while (FCGX_GetStr(sink, (int)sizeof(sink), fr->in) > 0)
		;
	return FCGX_HasSeenEOF(fr->in) == EOF && !FCGX_GetError(fr->in);
}

/*
 * A worker's memory. A request that renders much (a listing of hundreds of
 * apps) leaves the heap large and holed when it ends: glibc keeps freed
 * memory for later, and the pages stay the worker's (issue 17: 20 MB of a
 * worker's 34 MB were free heap). Buffers past MMAP_AT get pages of their
 * own, returned when freed (the default threshold grows to the largest
 * buffer freed, so that they ended up in the heap), and at most once a
 * second, after a request, what the heap holds free goes back to the
 * system (malloc_trim: about a millisecond for a heap of some megabytes).
 * Also at once after a request that grew the heap by TRIM_GROWN bytes:
 * a worker that served a deploy and then waits in accept() would keep
 * what the deploy freed until its next request (up to 17 MB were seen).
 */
#define MMAP_AT (256 * 1024)
#define TRIM_EVERY_MS 1000
#define TRIM_GROWN (1024 * 1024)

int server_run(int listen_fd, struct ctx *ctx, const server_opts_t *opts,
	       volatile sig_atomic_t *stop, server_slot_t *slot)
{
	FCGX_Request fr;
	arena_t *arena = arena_new();
	buf_t out = BUF_INIT;
	unsigned long seq = 0;
	int rc = 0;
	long long trimmed_at = clock_mono_ms();
	char *trimmed_end = sbrk(0);
	mallopt(M_MMAP_THRESHOLD, MMAP_AT);

	/* FAIL_ACCEPT_ON_INTR: a SIGTERM interrupts a blocked accept, so an
	 * idle worker stops at once. A worker only accepts and serves: it
	 * waits for a connection in accept() itself, the cheapest way. */
	FCGX_InitRequest(&fr, listen_fd, FCGI_FAIL_ACCEPT_ON_INTR);
	while (!*stop) {
		int got = FCGX_Accept_r(&fr);
		if (got < 0) {
			if (*stop || errno == EINTR)
				continue;
			log_error("accept on the FastCGI socket failed: %s", strerror(errno));
			rc = -1;
			break;
		}
		if (handle(&fr, ctx, opts, arena, &out, slot, ++seq) && input_drained(&fr))
			FCGX_Detach(&fr);
		FCGX_Finish_r(&fr);
		arena_reset(arena);
		if (out.cap > MMAP_AT)
			buf_release(&out); /* a large answer's buffer is not kept */
		long long now = clock_mono_ms();
		/* sbrk(0): the heap's end as glibc knows it, no system call */
		char *end = sbrk(0);
		if (now - trimmed_at >= TRIM_EVERY_MS || end - trimmed_end >= TRIM_GROWN) {
			malloc_trim(0);
			trimmed_at = now;
			trimmed_end = sbrk(0);
		}
	}
	FCGX_Free(&fr, 1);
	buf_release(&out);
	arena_free(arena);
	return rc;
}
