/*
 * The route table: one row per endpoint (spec §1.2). The router
 * (app/http/router.c) does what a row says — method check, JSON body,
 * permission — before the handler runs. A new endpoint is one handler and
 * one row here.
 */
#include "console/api.h"
#include "console/array.h"
#include "console/robot.h"
#include "console/router.h"
#include "console/banned.h"

const route_t api_routes[] = {
	{ .methods = HTTP_GET, .pattern = "/v1/repos/", .handler = api_repos_list,
	  .perm = PERM_READ, .key = "repos" },
	{ .methods = HTTP_POST, .pattern = "/v1/repos/", .handler = api_repos_create,
	  .perm = PERM_READ, .flags = ROUTE_JSON_BODY, .key = "repos" },
	{ .methods = HTTP_GET, .pattern = "/v1/repos/:app/", .handler = api_repos_get,
	  .perm = PERM_MAINTAIN, .key = "repo",
	  .scopes = ROBOT_ROUTE_READ },
	/* POST first: a 405 takes the first matching row's key, and the
	 * original's is "maintainer" here (spec §9.5). */
	{ .methods = HTTP_POST, .pattern = "/v1/repos/:app/maintainers/",
	  .handler = api_maintainers_add, .perm = PERM_MAINTAIN,
	  .flags = ROUTE_AUTH_ONLY | ROUTE_JSON_BODY, .key = "maintainer" },
	{ .methods = HTTP_GET, .pattern = "/v1/repos/:app/maintainers/",
	  .handler = api_maintainers_list, .perm = PERM_MAINTAIN, .flags = ROUTE_AUTH_ONLY,
	  .key = "maintainers" },
	{ .methods = HTTP_GET, .pattern = "/v1/repos/:app/maintainers/:user/",
	  .handler = api_maintainer_get, .perm = PERM_MAINTAIN, .flags = ROUTE_AUTH_ONLY,
	  .key = "maintainer" },
	{ .methods = HTTP_DELETE, .pattern = "/v1/repos/:app/maintainers/:user/",
	  .handler = api_maintainer_delete, .perm = PERM_MAINTAIN, .flags = ROUTE_AUTH_ONLY,
	  .key = "maintainer" },
	{ .methods = HTTP_GET, .pattern = "/v1/repos/:app/roles/", .handler = api_role_self,
	  .perm = PERM_MAINTAIN, .key = "role" },
	/* The original left this open (user enumeration, §9.3 #7): maintain. */
	{ .methods = HTTP_GET, .pattern = "/v1/repos/:app/roles/:user/", .handler = api_role_user,
	  .perm = PERM_MAINTAIN, .key = "role" },
	{ .methods = HTTP_GET, .pattern = "/v1/apps/", .handler = api_apps_list,
	  .perm = PERM_READ, .key = "apps" },
	/* Body before permission (spec §1.1): maintain on the body's app. */
	{ .methods = HTTP_POST, .pattern = "/v1/apps/", .handler = api_apps_deploy,
	  .perm = PERM_MAINTAIN, .flags = ROUTE_JSON_BODY | ROUTE_APP_IN_BODY | ROUTE_DEPLOYD_GATE,
	  .key = "app", .url = "/v1/apps/",
	  .scopes = ROBOT_ROUTE_DEPLOY },
	{ .methods = HTTP_GET, .pattern = "/v1/apps/:app/", .handler = api_app_get,
	  .perm = PERM_MAINTAIN, .key = "app", .url = "/v1/apps/",
	  .scopes = ROBOT_ROUTE_READ },
	{ .methods = HTTP_DELETE, .pattern = "/v1/apps/:app/", .handler = api_app_undeploy,
	  .perm = PERM_MAINTAIN, .flags = ROUTE_DEPLOYD_GATE, .key = "app", .url = "/v1/apps/" },
	/* Invalid JSON is {} (spec E8 PUT). */
	{ .methods = HTTP_PUT, .pattern = "/v1/apps/:app/", .handler = api_app_update,
	  .perm = PERM_MAINTAIN, .flags = ROUTE_JSON_BODY | ROUTE_DEPLOYD_GATE, .key = "app",
	  .url = "/v1/apps/",
	  .scopes = ROBOT_ROUTE_DEPLOY },
	{ .methods = HTTP_GET, .pattern = "/v1/apps/:app/procs/", .handler = api_procs_list,
	  .perm = PERM_MAINTAIN, .key = "procs",
	  .scopes = ROBOT_ROUTE_READ },
	{ .methods = HTTP_POST, .pattern = "/v1/apps/:app/procs/", .handler = api_procs_deploy,
	  .perm = PERM_MAINTAIN, .flags = ROUTE_JSON_BODY | ROUTE_DEPLOYD_GATE, .key = "proc",
	  .scopes = ROBOT_ROUTE_DEPLOY },
	{ .methods = HTTP_GET, .pattern = "/v1/apps/:app/procs/:proc/", .handler = api_proc_get,
	  .perm = PERM_MAINTAIN, .key = "proc",
	  .scopes = ROBOT_ROUTE_READ },
	{ .methods = HTTP_PATCH, .pattern = "/v1/apps/:app/procs/:proc/", .handler = api_proc_patch,
	  .perm = PERM_MAINTAIN, .flags = ROUTE_JSON_BODY | ROUTE_DEPLOYD_GATE, .key = "proc",
	  .scopes = ROBOT_ROUTE_DEPLOY },
	{ .methods = HTTP_DELETE, .pattern = "/v1/apps/:app/procs/:proc/",
	  .handler = api_proc_delete, .perm = PERM_MAINTAIN, .flags = ROUTE_DEPLOYD_GATE,
	  .key = "proc",
	  .scopes = ROBOT_ROUTE_DEPLOY },
	{ .methods = HTTP_GET, .pattern = "/v1/apps/:app/procs/:proc/instance/:n/histories/",
	  .handler = api_proc_histories, .perm = PERM_MAINTAIN, .key = "proc",
	  .scopes = ROBOT_ROUTE_READ },
	/* Releases (issue 13): the history of what ran. */
	{ .methods = HTTP_GET, .pattern = "/v1/apps/:app/releases/", .handler = api_releases_list,
	  .perm = PERM_MAINTAIN, .key = "releases", .scopes = ROBOT_ROUTE_READ },
	{ .methods = HTTP_GET, .pattern = "/v1/apps/:app/releases/:id/", .handler = api_release_get,
	  .perm = PERM_MAINTAIN, .key = "release", .scopes = ROBOT_ROUTE_READ },
	{ .methods = HTTP_POST, .pattern = "/v1/apps/:app/rollback/", .handler = api_app_rollback,
	  .perm = PERM_MAINTAIN, .flags = ROUTE_JSON_BODY | ROUTE_DEPLOYD_GATE, .key = "app",
	  .scopes = ROBOT_ROUTE_DEPLOY },
	/* E21: maintain on the resource. */
	{ .methods = HTTP_GET, .pattern = "/v1/resources/:app/instances/",
	  .handler = api_resource_instances, .perm = PERM_MAINTAIN, .key = "instances",
	  .scopes = ROBOT_ROUTE_READ },
	{ .methods = HTTP_GET, .pattern = "/v1/authorize/", .handler = api_authorize_callback,
	  .perm = PERM_NONE, .key = "auth" },
	{ .methods = HTTP_GET, .pattern = "/v1/authorize/login", .handler = api_authorize_login,
	  .perm = PERM_NONE, .key = "auth" },
	{ .methods = HTTP_GET, .pattern = "/v1/authorize/status/", .handler = api_authorize_status,
	  .perm = PERM_NONE, .key = "auth" },
	/* E6, the registry's token server: any method, its own policy (registry_auth.h). */
	{ .methods = HTTP_GET | HTTP_POST | HTTP_PUT | HTTP_PATCH | HTTP_DELETE | HTTP_HEAD | HTTP_OTHER,
	  .pattern = "/v1/authorize/registry/", .handler = api_registry_authorize,
	  .perm = PERM_NONE, .key = "token" },
	{ .methods = HTTP_GET, .pattern = "/v1/repos/:app/versions/", .handler = api_repos_versions,
	  .perm = PERM_MAINTAIN, .key = "version",
	  .scopes = ROBOT_ROUTE_READ },
	{ .methods = HTTP_GET, .pattern = "/v1/repos/:app/details/", .handler = api_repos_details,
	  .perm = PERM_MAINTAIN, .key = "detail",
	  .scopes = ROBOT_ROUTE_READ },
	/* Deploy tokens (issue 18): people only, maintain on the app. */
	{ .methods = HTTP_GET, .pattern = "/v1/repos/:app/tokens/", .handler = api_tokens_list,
	  .perm = PERM_MAINTAIN, .key = "tokens" },
	{ .methods = HTTP_POST, .pattern = "/v1/repos/:app/tokens/", .handler = api_tokens_create,
	  .perm = PERM_MAINTAIN, .flags = ROUTE_JSON_BODY, .key = "token" },
	{ .methods = HTTP_DELETE, .pattern = "/v1/repos/:app/tokens/:name/",
	  .handler = api_token_delete, .perm = PERM_MAINTAIN, .key = "token" },
	/* E20; E23, which the original left open to anyone (§9.3 #7): its URLs
	 * may carry the receivers' secrets, so reading takes an admin too. */
	{ .methods = HTTP_POST, .pattern = "/v1/repos/:app/push/", .handler = api_repos_push,
	  .perm = PERM_MAINTAIN, .flags = ROUTE_JSON_BODY, .key = "image_push",
	  .scopes = ROBOT_ROUTE_PUSH },
	{ .methods = HTTP_GET, .pattern = "/v1/notify/:type/", .handler = api_notify_list,
	  .perm = PERM_ADMIN, .key = "notify" },
	{ .methods = HTTP_GET, .pattern = "/v1/notify/:type/deliveries/",
	  .handler = api_notify_deliveries, .perm = PERM_ADMIN, .key = "deliveries" },
	{ .methods = HTTP_POST | HTTP_DELETE, .pattern = "/v1/notify/:type/",
	  .handler = api_notify_change, .perm = PERM_ADMIN, .flags = ROUTE_JSON_BODY,
	  .key = "notify" },
	/* The original left these two open (§9.3 #7). */
	{ .methods = HTTP_GET, .pattern = "/v1/oplogs/:app/", .handler = api_oplog_get,
	  .perm = PERM_MAINTAIN, .key = "oplog",
	  .scopes = ROBOT_ROUTE_READ },
	{ .methods = HTTP_GET, .pattern = "/v1/usedstreamrouterports*", .handler = api_ports_list,
	  .perm = PERM_READ, .key = "streamrouter" },
	{ .methods = HTTP_GET, .pattern = "/v1/healthz", .handler = api_healthz,
	  .perm = PERM_NONE, .key = "health" },
	/* Prometheus; only to CONSOLE_METRICS_ALLOW (scrape.c). */
	{ .methods = HTTP_GET, .pattern = "/metrics", .handler = api_metrics,
	  .perm = PERM_NONE, .key = "metrics" },
	{ .methods = HTTP_GET, .pattern = "/v1/openapi.json", .handler = api_openapi,
	  .perm = PERM_NONE, .key = "app" },
	{ .methods = HTTP_GET, .pattern = "/", .handler = api_root, .perm = PERM_NONE, .key = "app" },
};

const size_t api_routes_count = ARRAY_SIZE(api_routes);
