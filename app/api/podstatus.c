/* Pod status through the host's shared table; see podstatus.h. */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "console/api.h"
#include "console/permission.h"
#include "console/podcache.h"
#include "console/xalloc.h"
#include "peers.h"
#include "podstatus.h"
#include "console/banned.h"

struct fetch {
	request_t *req;
	const cluster_t *cl;
	const deployd_fetch_t *items;   /* the caller's, parallel to the cache items */
	const podcache_item_t *base;
};

/* Whether a podgroup answer shows its pods settled: deployd_health's
 * HEALTHY (as many pods as the spec wants, of its version, running),
 * restarts before this answer not counted. Other answers than a
 * podgroup's 200 are as steady as they look. */
static bool settled(const deployd_fetch_t *d)
{
	if (d->kind != DEPLOYD_PODGROUP || d->status != 200 || !d->body)
		return true;
	json_object *status = json_tokener_parse(d->body);
	json_object *seen = json_object_new_object();
	char why[128];
	deployd_health_seen(status, seen);
	bool ok = status && deployd_health(status, seen, why, sizeof(why)) == DEPLOYD_HEALTHY;
	json_object_put(seen);
	json_object_put(status);
	return ok;
}

/* The cache's misses, fetched from deployd in one batch with their answers
 * kept as received (what is shared is the raw answer); an app converging
 * is not kept for later requests (podcache.h). */
static void fetch_from_deployd(podcache_item_t *const *want, size_t n, void *data)
{
	struct fetch *f = data;
	deployd_fetch_t *d = xcalloc(n, sizeof(*d));
	for (size_t i = 0; i < n; i++) {
		const deployd_fetch_t *src = &f->items[want[i] - f->base];
		d[i].kind = src->kind;
		d[i].name = src->name;
		d[i].keep_body = true;
	}
	err_t ferr = ERR_INIT;
	deployd_fetch_many(peers_deployd(f->req->ctx, f->cl), d, n, &ferr);
	for (size_t i = 0; i < n; i++) {
		podcache_item_t *it = want[i];
		it->rc = d[i].body ? 0 : d[i].rc;
		it->err = d[i].err;
		it->status = d[i].status;
		it->keep = settled(&d[i]);
		it->body = d[i].body;
		it->len = d[i].body_len;
		d[i].body = NULL;
	}
	deployd_fetch_release(d, n);
	free(d);
}

void podstatus_fetch(request_t *req, const cluster_t *cl, deployd_fetch_t *items, size_t n,
		     unsigned long long *gens)
{
	if (!n)
		return;
	podcache_item_t *pc = xcalloc(n, sizeof(*pc));
	for (size_t i = 0; i < n; i++) {
		bool pg = items[i].kind == DEPLOYD_PODGROUP;
		pc[i].key = arena_printf(req->arena, "%s %s", pg ? "podgroup" : "depends",
					 items[i].name);
		pc[i].name = items[i].name;
		pc[i].have = gens[i];
	}
	struct fetch f = { req, cl, items, pc };
	/* A fetch another worker has in flight is waited for as long as a
	 * fetch of our own could take. */
	podcache_get(pc, n, fetch_from_deployd, &f, req->ctx->cfg->http_timeout_ms + 1000);
	for (size_t i = 0; i < n; i++) {
		deployd_fetch_t *it = &items[i];
		deployd_result_release(&it->res);
		free(it->body);
		it->body = NULL;
		it->body_len = 0;
		it->status = 0;
		gens[i] = pc[i].gen;
		if (pc[i].rc) {
			it->res.message = xstrdup("");
			it->rc = pc[i].rc;
			it->err = pc[i].err;
		} else if (!pc[i].body && pc[i].have && pc[i].gen == pc[i].have) {
			it->rc = 0; /* the caller's already: no body to judge */
			it->status = pc[i].status;
		} else {
			it->rc = 0;
			it->status = pc[i].status;
			it->body = pc[i].body ? pc[i].body : xstrdup("");
			it->body_len = pc[i].body ? pc[i].len : 0;
			pc[i].body = NULL;
		}
	}
	podcache_items_release(pc, n);
	free(pc);
}

void podstatus_judge(deployd_fetch_t *it)
{
	if (!it->rc && it->body) {
		deployd_fetch_judge(it, it->status, it->body, it->body_len);
		free(it->body);
		it->body = NULL;
	}
}

int api_route_check(request_t *req, response_t *res, const route_t *r, err_t *err)
{
	/* A read may be answered from the host's snapshot of the records; a
	 * change reads what it changes from etcd (its compare-and-swap). */
	req->ctx->snapshot_reads = req->method_id & (HTTP_GET | HTTP_HEAD);
	int rc = permission_check(req, res, r, err);
	const char *app = http_param(req, "app");
	if (!rc && app && !(req->method_id & (HTTP_GET | HTTP_HEAD | HTTP_OPTIONS)))
		podcache_write_begin(app);
	return rc;
}

void api_route_done(request_t *req, response_t *res, const route_t *r)
{
	(void)req;
	(void)res;
	(void)r;
	podcache_write_end();
}
