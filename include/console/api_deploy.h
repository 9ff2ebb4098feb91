/*
 * api_deploy — the handlers of the deploy lifecycle's read endpoints (issue
 * 5), as api.h's: route_handler_fn rows in app/api/routes.c.
 */
#ifndef CONSOLE_API_DEPLOY_H
#define CONSOLE_API_DEPLOY_H

#include "console/router.h"

/* oplog.c — E24 GET /v1/oplogs/<app>/ (maintain: §9.3 #7): the newest 50
 * rows, newest first, as a JSON string (oplog.h). */
int api_oplog_get(request_t *req, response_t *res, err_t *err);

/* ports.c — E22 GET /v1/usedstreamrouterports (read): deployd's stream
 * ports; its null is []; deployd answering >= 400 -> 400. */
int api_ports_list(request_t *req, response_t *res, err_t *err);

/* versions.c — E18 GET /v1/repos/<app>/versions/ (the registry's meta
 * versions, newest first; a resource instance lists its resource's) and
 * E19 GET /v1/repos/<app>/details/ (giturl and meta_version of the record). */
int api_repos_versions(request_t *req, response_t *res, err_t *err);
int api_repos_details(request_t *req, response_t *res, err_t *err);

#endif
