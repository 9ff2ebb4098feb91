/*
 * docker — the Docker Engine API calls of console-api.md §4.7: the calico
 * networks deployd's containers join. Only used when CONSOLE_DOCKER_BASE_URL
 * is set ("host:port" means http://host:port; the swarm manager on a LAIN
 * cluster). API version 1.26 (docker-py 2.1's, as the original). Calls have
 * the configured HTTP timeouts; docker unreachable is -ERR_UNAVAILABLE
 * "docker unavailable: ...", a refusal -ERR_BAD_GATEWAY quoting docker's
 * message. The client lives in the worker's ctx slot CTX_SLOT_DOCKER.
 */
#ifndef CONSOLE_DOCKER_H
#define CONSOLE_DOCKER_H

#include <stdbool.h>

#include "console/ctx.h"
#include "console/err.h"

/* Whether a Docker API is configured at all. */
bool docker_enabled(const ctx_t *ctx);

/* Makes sure network name exists: GET /networks/<name>, and when it is
 * missing POST /networks/create {"Name", "Driver": "calico", "IPAM":
 * {"Driver": "calico-ipam", "Config": [{"Subnet": subnet}]}}. *created
 * tells whether this call made it (a concurrent creation answered 409
 * counts as existing). */
int docker_network_ensure(ctx_t *ctx, const char *name, const char *subnet, bool *created,
			  err_t *err);

#endif
