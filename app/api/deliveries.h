/*
 * deliveries — signed webhook deliveries, tried again until they land
 * (issue 18; the records are webhooks.h's). Internal to app/api.
 *
 * Every try of a delivery POSTs the same body with
 *
 *   X-Lain-Event: image-push
 *   X-Lain-Delivery: <uuid, the same at every try>
 *   X-Lain-Timestamp: <Unix seconds of this try>
 *   X-Lain-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>"
 *                     with the webhook's secret>   (none without a secret)
 *
 * A try that gets no answer (connect error, timeout) or a 5xx or 429 is
 * tried again: the first try as the event happens, then up to
 * DELIVERIES_RETRIES more at DELIVERIES_RETRY_MS after it (all within a
 * minute); another answer (2xx: delivered; 4xx, 3xx: refused) ends it.
 *
 * The queue is in etcd, so no worker holds anything a crash would lose: a
 * delivery is queued, claimed by the worker about to try it (its claim
 * lasts DELIVERIES_CLAIM_MS), then removed or put back for its next try.
 * The workers try what is due when they are idle (deliveries_drain, every
 * couple of seconds); a delivery whose worker died is due again when its
 * claim runs out, and its lost try is in the log ("lost") without counting
 * against its retries (at most DELIVERIES_LOST_MAX of those). Every try
 * is logged per webhook (webhooks.h keeps the last 50).
 */
#ifndef CONSOLE_API_DELIVERIES_H
#define CONSOLE_API_DELIVERIES_H

#include "console/ctx.h"
#include "console/http.h"

struct json_object;

#define DELIVERIES_RETRIES 3
#define DELIVERIES_CLAIM_MS 30000
#define DELIVERIES_LOST_MAX 3
/* Deliveries one idle worker tries at once. */
#define DELIVERIES_BATCH 8

/* Queues a delivery of event with body to every URL of urls (a JSON array
 * of strings), then makes the first try of each (in parallel, each with the
 * webhook timeout) and records them. 0 once every delivery is queued and
 * tried (whatever the receivers answered); -ERR_* when the queue could not
 * be written (nothing sent then). */
int deliveries_start(request_t *req, struct json_object *urls, const char *event,
		     const char *body, err_t *err);

/* Tries the deliveries that are due (at most DELIVERIES_BATCH): what an
 * idle worker does. Failures are logged. */
void deliveries_drain(ctx_t *ctx, arena_t *arena);

/* For the deliveries endpoint: per URL of urls {"url", "id", "signed",
 * "pending": [{"delivery", "tries", "due", "claimed_by"}], "log": [{"time",
 * "delivery", "event", "try", "status", "latency_ms", "error", "result"},
 * newest first]}: a new array in *out. */
int deliveries_view(request_t *req, struct json_object *urls, struct json_object **out,
		    err_t *err);

#endif
