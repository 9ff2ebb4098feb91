/*
 * curl_common — what every outbound call sets on its curl handle, in one
 * place (STYLE #15): the timeouts, no signals, an error buffer, http(s)
 * only, keep-alive, no "Expect: 100-continue", a capped answer, and errors
 * that name the dependency. Internal to app/lib: httpc.c runs one call at
 * a time with it, httpm.c many at once, on the same client.
 */
#ifndef CONSOLE_CURL_COMMON_H
#define CONSOLE_CURL_COMMON_H

#include <curl/curl.h>

#include "console/httpc.h"
#include "console/metrics.h"

/* What every client keeps: the dependency its errors name, and the
 * timeouts of its calls that set none. */
struct httpc_target {
	char *dep;
	enum metrics_dep metric;   /* what its calls are counted as (metrics.h) */
	char *base;                /* the base URL its callers go under ("" when none) */
	long timeout_ms;
	long connect_timeout_ms;
};

/* Fills t: dep and base copied (base NULL: ""), a timeout <= 0 is the
 * default (10 s in all, 2 s to connect). httpc_target_release frees it. */
void httpc_target_init(struct httpc_target *t, const char *dep, const char *base,
		       long timeout_ms, long connect_timeout_ms);
void httpc_target_release(struct httpc_target *t);

/* One client: its easy handle for a call at a time (httpc.c), its multi
 * handle for many at once (httpm.c, made on first use). */
struct httpc {
	CURL *curl;
	CURLM *multi;
	struct httpc_target target;
	char errbuf[CURL_ERROR_SIZE];
};

/* Where an answer's body goes; too_big is set when the cap was hit. The
 * request's allow_addr is asked through it (refused: the address it said
 * no to). */
struct httpc_sink {
	buf_t *body;
	int too_big;
	const httpc_request_t *req;
	char refused[64];
};

/* The CURLOPT_WRITEFUNCTION for a struct httpc_sink. */
size_t httpc_sink_write(char *ptr, size_t size, size_t nmemb, void *userdata);

/* Sets req on h (timeouts default to t's). The body goes to sink, errors
 * to errbuf (CURL_ERROR_SIZE). Returns the header list, which the caller
 * frees with curl_slist_free_all() after the call. */
struct curl_slist *httpc_prepare(CURL *h, const httpc_request_t *req,
				 const struct httpc_target *t, char *errbuf,
				 struct httpc_sink *sink);

/* The outcome of a finished call to t: 0 with *status, -ERR_UNAVAILABLE
 * ("<dep> unavailable: <reason>"), -ERR_BAD_GATEWAY (answer too big) or
 * -ERR_FORBIDDEN (allow_addr said no). Every call of either file ends here:
 * it is counted (metrics_dep_call) with curl's total time. */
int httpc_outcome(CURL *h, const struct httpc_target *t, CURLcode cc,
		  const struct httpc_sink *sink, const char *errbuf, long *status, err_t *err);

#endif
