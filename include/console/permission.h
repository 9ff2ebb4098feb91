/*
 * permission — the checks a route's permission level asks for (spec §1.1).
 *
 *   PERM_NONE      nothing
 *   PERM_READ      the caller is authenticated (when auth is on)
 *   PERM_MAINTAIN  PERM_READ, then the app named by the route's ":app" exists
 *                  (else 404 "app with appname <a> not exist, has not been
 *                  reposited yet"), then (auth on) the caller is in its group
 *
 * The authenticated user is written into req->operator_name ("unknown" when
 * auth is off) — in the request, never in a global. The auth switch and SSO
 * checks arrive with the SSO work (issue 4); until then auth is treated as
 * off, which is lain-console's behaviour on a cluster without SSO.
 */
#ifndef CONSOLE_PERMISSION_H
#define CONSOLE_PERMISSION_H

#include "console/router.h"

/* 0 to go on; negative with err set, or with res already answered. */
int permission_check(request_t *req, response_t *res, enum route_perm perm, err_t *err);

#endif
