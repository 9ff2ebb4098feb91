/*
 * podstatus — deployd's pod status as the read endpoints show it, shared by
 * every worker of the host for CONSOLE_PODSTATUS_TTL_MS (podcache.h), and
 * the marks that keep a write's app fresh. Internal to app/api.
 */
#ifndef CONSOLE_API_PODSTATUS_H
#define CONSOLE_API_PODSTATUS_H

#include <stddef.h>

#include "console/cluster.h"
#include "console/deployd.h"
#include "console/http.h"
#include "console/router.h"

/* deployd_fetch_many for rendering, from an answer shared with the other
 * requests of the host when one is fresh, else fetched (and then shared).
 * Each item gets rc/err when deployd gave no answer, else the answer as
 * received (status, body: keep_body's fields) for podstatus_judge. gens[i]
 * in: the shared answer the caller holds for item i (0: none), whose body
 * is then not copied (body NULL: nothing to judge); out: the one it got
 * (podcache_item_t.gen: 0 for one of this request only). Answers that must see deployd now (the health gate
 * of a change) use deployd_fetch_many. */
void podstatus_fetch(request_t *req, const cluster_t *cl, deployd_fetch_t *items, size_t n,
		     unsigned long long *gens);

/* Fills it (res, rc, err) from the answer podstatus_fetch left in it, as
 * deployd_fetch_many would have (deployd_fetch_judge); nothing when it has
 * none or was judged already. */
void podstatus_judge(deployd_fetch_t *it);

/* api_route_check and api_route_done (api.h) are here too. */

#endif
