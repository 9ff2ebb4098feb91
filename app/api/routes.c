/*
 * The route table: one row per endpoint (spec §1.2). The router
 * (app/http/router.c) does what a row says — method check, JSON body,
 * permission — before the handler runs. A new endpoint is one handler and
 * one row here.
 */
#include "console/api.h"
#include "console/router.h"
#include "console/banned.h"

const route_t api_routes[] = {
	{ .methods = HTTP_GET, .pattern = "/v1/repos/", .handler = api_repos_list,
	  .perm = PERM_READ, .key = "repos" },
	{ .methods = HTTP_POST, .pattern = "/v1/repos/", .handler = api_repos_create,
	  .perm = PERM_READ, .flags = ROUTE_JSON_BODY, .key = "repos" },
	{ .methods = HTTP_GET, .pattern = "/v1/repos/:app/", .handler = api_repos_get,
	  .perm = PERM_MAINTAIN, .key = "repo" },
	{ .methods = HTTP_GET, .pattern = "/v1/authorize/status/", .handler = api_authorize_status,
	  .perm = PERM_NONE, .key = "auth" },
	{ .methods = HTTP_GET, .pattern = "/v1/healthz", .handler = api_healthz,
	  .perm = PERM_NONE, .key = "health" },
	{ .methods = HTTP_GET, .pattern = "/", .handler = api_root, .perm = PERM_NONE, .key = "app" },
};

const size_t api_routes_count = sizeof(api_routes) / sizeof(api_routes[0]);
