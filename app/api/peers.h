/*
 * peers — this worker's clients of its neighbours: deployd, the registry,
 * SSO, lvault, the Docker API and GitLab. Each is made on first use from the
 * configuration and the cluster facts (cluster.h: deployd's URL, the
 * registry's, lvault's) and kept in the worker's ctx slot CTX_SLOT_PEERS,
 * so its connections and caches live as long as the worker. Internal to app/api;
 * the clients themselves (app/clients) know no configuration, no cluster
 * and no token server: they get them here.
 *
 * The functions that take the cluster facts cannot fail: whoever holds cl
 * has read them.
 */
#ifndef CONSOLE_API_PEERS_H
#define CONSOLE_API_PEERS_H

#include "console/cluster.h"
#include "console/ctx.h"
#include "console/deployd.h"
#include "console/docker.h"
#include "console/gitlab.h"
#include "console/lvault.h"
#include "console/registry.h"
#include "console/sso.h"
#include "console/webrouter.h"

/* deployd at CONSOLE_APISERVER (cl->apiserver), CONSOLE_HTTP_TIMEOUT_MS. */
deployd_t *peers_deployd(ctx_t *ctx, const cluster_t *cl);

/* The registry cl->registry, its tokens minted by this worker's token
 * server (registry_token_internal). */
registry_t *peers_registry(ctx_t *ctx, const cluster_t *cl);

/* lvault's secrets at cl->lvault_url. */
lvault_t *peers_lvault(ctx_t *ctx, const cluster_t *cl);

/* webrouter's ABTestingGateway admin API at cl->webrouter_url (canary
 * policy groups). */
webrouter_t *peers_webrouter(ctx_t *ctx, const cluster_t *cl);

/* The Docker API at CONSOLE_DOCKER_BASE_URL; NULL when none is configured
 * (then no networks are made, DESIGN.md). */
docker_t *peers_docker(ctx_t *ctx);

/* GitLab at CONSOLE_GITLAB_URL with GITLAB_TOKEN, one lookup within
 * CONSOLE_GITLAB_TIMEOUT_MS; NULL when no GitLab is configured (then an
 * image push without commits fails as it always did). */
gitlab_t *peers_gitlab(ctx_t *ctx);

/* SSO, with this console's OAuth2 client and CONSOLE_SSO_CACHE_SECONDS; its
 * base URL set on every call from the auth switch's "url", else
 * SSO_SERVER_NAME (a switch that cannot be read counts as carrying none). */
sso_t *peers_sso(ctx_t *ctx);

#endif
