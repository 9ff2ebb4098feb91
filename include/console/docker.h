/*
 * docker — the Docker Engine API calls of console-api.md §4.7: the calico
 * networks deployd's containers join. A client is given the API's base URL
 * (CONSOLE_DOCKER_BASE_URL: "host:port" means http://host:port; the swarm
 * manager on a LAIN cluster) and its timeouts. API version 1.26 (docker-py
 * 2.1's, as the original). docker unreachable is -ERR_UNAVAILABLE "docker
 * unavailable: ...", a refusal -ERR_BAD_GATEWAY quoting docker's message.
 */
#ifndef CONSOLE_DOCKER_H
#define CONSOLE_DOCKER_H

#include <stdbool.h>

#include "console/err.h"
#include "console/httpc.h"

/* A Docker API client is an HTTP client at the API's base URL. */
typedef httpc_t docker_t;

/* A client of the Docker API at base_url; never NULL. */
docker_t *docker_new(const char *base_url, long timeout_ms, long connect_timeout_ms);
void docker_free(docker_t *d);

/* Makes sure network name exists: GET /networks/<name>, and when it is
 * missing POST /networks/create {"Name", "Driver": "calico", "IPAM":
 * {"Driver": "calico-ipam", "Config": [{"Subnet": subnet}]}}. *created
 * tells whether this call made it (a concurrent creation answered 409
 * counts as existing). */
int docker_network_ensure(docker_t *d, const char *name, const char *subnet, bool *created,
			  err_t *err);

#endif
