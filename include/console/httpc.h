/*
 * httpc — the one outbound HTTP wrapper (libcurl).
 *
 * Every call has a connect timeout and a total timeout, never raises
 * signals (CURLOPT_NOSIGNAL), caps the size of the answer, and names the
 * dependency in its errors: "etcd unavailable: Failed to connect to ...".
 * A client keeps one curl handle, so consecutive calls to the same host
 * reuse the connection (keep-alive). Not thread-safe; one per worker.
 */
#ifndef CONSOLE_HTTPC_H
#define CONSOLE_HTTPC_H

#include <stdbool.h>
#include <stddef.h>

#include "console/buf.h"
#include "console/err.h"

typedef struct httpc httpc_t;

typedef struct httpc_request {
	const char *method;        /* "GET" when NULL */
	const char *url;
	const char *body;          /* NULL: no body */
	size_t body_len;
	const char *content_type;  /* sent when body != NULL; default application/json */
	const char *const *headers;/* extra "Name: value" lines, NULL-terminated, or NULL */
	long timeout_ms;           /* total; 0: the client's default */
	long connect_timeout_ms;   /* 0: the client's default */
	size_t max_body;           /* cap on the answer; 0: 8 MiB */
	/* Asked with the numeric address of the connection (new or reused)
	 * before the request is sent; false stops the call with -ERR_FORBIDDEN
	 * "<dep>: the address <ip> is not allowed". NULL: any address. */
	bool (*allow_addr)(const char *ip, const void *data);
	const void *allow_data;
} httpc_request_t;

typedef struct httpc_response {
	long status;               /* HTTP status; 0 when nothing was answered */
	buf_t body;                /* NUL-terminated; release with httpc_response_release */
	buf_t location;            /* where a redirect points ("" when none); never followed */
	int unsent;                /* 1: the call failed before any connection was made (refused,
	                              name unknown): the request reached nobody. 0 when a call
	                              without an answer may still have been received */
} httpc_response_t;

#define HTTPC_RESPONSE_INIT { 0, BUF_INIT, BUF_INIT, 0 }

/* dep names the dependency in messages ("etcd", "deployd", "sso"); base
 * is the URL its callers put their paths under (kept as given; NULL: "").
 * Timeouts in milliseconds, <= 0 for the defaults (10 s, 2 s to connect). */
httpc_t *httpc_new(const char *dep, const char *base, long timeout_ms, long connect_timeout_ms);
void httpc_free(httpc_t *c);

/* httpc_new for a service configured as "host:port" or a URL: its base is
 * that made one to append paths to (strx_base_url). */
httpc_t *httpc_at(const char *dep, const char *url, long timeout_ms, long connect_timeout_ms);

/* The base URL c was made with. */
const char *httpc_base(const httpc_t *c);

/* A URL of c's service: its base, path, then name percent-encoded (NULL:
 * none), appended to url. */
void httpc_url(const httpc_t *c, buf_t *url, const char *path, const char *name);

/*
 * Performs the request. 0 when an HTTP answer came back (whatever its status:
 * the caller judges it); -ERR_UNAVAILABLE when the dependency could not be
 * reached or did not answer in time; -ERR_BAD_GATEWAY when the answer was
 * larger than max_body; -ERR_FORBIDDEN when req->allow_addr refused the
 * address. resp is reset first.
 */
int httpc_perform(httpc_t *c, const httpc_request_t *req, httpc_response_t *resp, err_t *err);

void httpc_response_release(httpc_response_t *resp);

#endif
