/* E22: the stream ports deployd has registered, as it lists them. */
#include <json-c/json.h>

#include "console/api.h"
#include "console/deployd.h"
#include "answer.h"
#include "peers.h"
#include "console/banned.h"

#define PORTS_URL "/v1/usedstreamrouterports"

int api_ports_list(request_t *req, response_t *res, err_t *err)
{
	deployd_result_t r = DEPLOYD_RESULT_INIT;
	const cluster_t *cl;
	int rc = cluster_get(req->ctx, &cl, err);
	if (rc)
		return rc;
	rc = deployd_ports_list(peers_deployd(req->ctx, cl), &r, err);
	if (!rc)
		rc = api_answer(req, res, 200, json_object_get(r.json), PORTS_URL, "");
	else if (r.status >= 400)
		/* The original's answer to a deployd failure (spec E22). */
		rc = api_fail(req, res, -ERR_INVALID, NULL, PORTS_URL, "");
	deployd_result_release(&r);
	return rc;
}
