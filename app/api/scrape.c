/* GET /metrics: the process's counters (metrics.h) in the Prometheus text
 * format, only to the addresses of CONSOLE_METRICS_ALLOW. The address is
 * REMOTE_ADDR, which nginx sets from the connection's peer ($remote_addr,
 * deploy/nginx/console.conf.in): no request header can claim another. */
#include "console/api.h"
#include "console/ctx.h"
#include "console/ipset.h"
#include "console/metrics.h"
#include "answer.h"
#include "console/banned.h"

int api_metrics(request_t *req, response_t *res, err_t *err)
{
	ipset_t allow;
	ipset_parse(&allow, req->ctx->cfg->metrics_allow);
	bool allowed = ipset_contains(&allow, req->remote_addr);
	ipset_release(&allow);
	if (!allowed)
		return api_fail(req, res, -ERR_FORBIDDEN, NULL, "/metrics",
				"metrics are not served to %s (CONSOLE_METRICS_ALLOW)",
				req->remote_addr && *req->remote_addr ? req->remote_addr
								      : "an unknown address");
	http_text(res, 200, "");
	metrics_render(&res->body);
	res->content_type = METRICS_CONTENT_TYPE;
	return HTTP_ANSWERED;
}
