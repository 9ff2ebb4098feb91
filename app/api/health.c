#include <json-c/json.h>

#include "console/api.h"
#include "console/etcd.h"
#include "console/podcache.h"
#include "console/snapshot.h"
#include "console/store.h"
#include "answer.h"
#include "console/banned.h"

/* Whether this worker can reach etcd right now: one count-only range. */
int api_healthz(request_t *req, response_t *res, err_t *err)
{
	int64_t apps = 0;
	int rc = store_app_count(req->ctx, &apps, err);
	json_object *h = json_object_new_object();
	json_object *etcd = json_object_new_object();
	json_object_object_add(etcd, "endpoint", json_object_new_string(etcd_endpoint(req->ctx->etcd)));
	json_object_object_add(etcd, "status", json_object_new_string(rc ? "unavailable" : "ok"));
	if (rc)
		json_object_object_add(etcd, "error", json_object_new_string(err->msg));
	else
		json_object_object_add(etcd, "apps", json_object_new_int64(apps));
	json_object_object_add(h, "etcd", etcd);
	/* The host's snapshot of the app records: how far behind etcd. */
	snapshot_status_t ss;
	snapshot_status(&ss);
	json_object *snap = json_object_new_object();
	json_object_object_add(snap, "state", json_object_new_string(ss.state));
	json_object_object_add(snap, "revision", json_object_new_int64(ss.revision));
	json_object_object_add(snap, "lag_ms", json_object_new_int64(ss.lag_ms));
	json_object_object_add(snap, "keys", json_object_new_int64(ss.keys));
	json_object_object_add(snap, "restarts", json_object_new_int64((int64_t)ss.restarts));
	json_object_object_add(snap, "reads", json_object_new_int64((int64_t)ss.served));
	json_object_object_add(snap, "reads_from_etcd", json_object_new_int64((int64_t)ss.fallbacks));
	if (*ss.why)
		json_object_object_add(snap, "why", json_object_new_string(ss.why));
	json_object_object_add(h, "snapshot", snap);
	/* deployd's pod status shared by the host's workers. */
	podcache_stats_t ps;
	podcache_stats(&ps);
	json_object *pods = json_object_new_object();
	json_object_object_add(pods, "ttl_ms", json_object_new_int64(ps.ttl_ms));
	json_object_object_add(pods, "fetched", json_object_new_int64((int64_t)ps.fetched));
	json_object_object_add(pods, "shared", json_object_new_int64((int64_t)(ps.hits + ps.waited)));
	json_object_object_add(h, "podstatus", pods);
	json_object_object_add(h, "status", json_object_new_string(rc ? "unavailable" : "ok"));
	if (rc)
		return api_fail(req, res, rc, h, "/v1/healthz", "%s", err->msg);
	return api_answer(req, res, 200, h, "/v1/healthz", "ok");
}

int api_root(request_t *req, response_t *res, err_t *err)
{
	http_text(res, 301, "");
	http_header(res, "Location", "/index.html");
	return HTTP_ANSWERED;
}
