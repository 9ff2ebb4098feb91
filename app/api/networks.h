/*
 * networks — the docker networks and calico profiles a deploy needs before
 * deployd can start containers (spec §4.7). Internal to app/api. Nothing
 * happens when CONSOLE_DOCKER_BASE_URL is unset (docker_enabled()).
 *
 * A network is created only when missing, then gets the cluster's default
 * rules (/lain/config/calico_default_rule) in front of its profile's; the
 * subnet is /lain/config/calico_network. Networks and profiles are never
 * removed (an undeployed app keeps its network for the next deploy).
 */
#ifndef CONSOLE_API_NETWORKS_H
#define CONSOLE_API_NETWORKS_H

#include "console/http.h"

/* The network of app (deployd runs its pods in network <app>): when new,
 * also inbound from tag "lain" in front. */
int networks_app(request_t *req, const char *app, err_t *err);

/* A portal client uses: the provider's network (as networks_app), and the
 * network <portal_pod>_<client> deployd runs the client's portal instance
 * in; when that one is new, inbound from tag <client> in front of its
 * profile and inbound from tag <portal_pod>_<client> in front of the
 * provider's. */
int networks_portal(request_t *req, const char *provider, const char *portal_pod,
		    const char *client, err_t *err);

#endif
