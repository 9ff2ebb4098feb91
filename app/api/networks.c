/* Docker networks and calico profiles of a deploy; see networks.h. */
#include <string.h>

#include <json-c/json.h>

#include "console/calico.h"
#include "console/docker.h"
#include "console/log.h"
#include "console/store.h"
#include "networks.h"
#include "peers.h"
#include "console/banned.h"

/* [{"action": "allow", "src_tag": tag}] (a new reference). */
static json_object *allow_from(const char *tag)
{
	json_object *list = json_object_new_array(), *r = json_object_new_object();
	json_object_object_add(r, "action", json_object_new_string("allow"));
	json_object_object_add(r, "src_tag", json_object_new_string(tag));
	json_object_array_add(list, r);
	return list;
}

static int prepend_inbound(request_t *req, const char *profile, const char *tag, err_t *err)
{
	json_object *in = allow_from(tag);
	int rc = calico_profile_prepend(req->ctx, profile, in, NULL, err);
	json_object_put(in);
	return rc;
}

/* The default rules in front of a new network's profile. */
static int default_rules(request_t *req, const char *profile, err_t *err)
{
	json_object *in, *out;
	bool set = false;
	int rc = store_calico_default_rule(req->ctx, req->arena, &set, &in, &out, err);
	if (rc || !set)
		return rc;
	return calico_profile_prepend(req->ctx, profile, in, out, err);
}

/* Network name, created when missing (then with the default rules). */
static int ensure(request_t *req, const char *name, bool *created, err_t *err)
{
	const char *subnet = NULL;
	int rc = store_calico_network(req->ctx, req->arena, &subnet, err);
	if (rc)
		return rc;
	if ((rc = docker_network_ensure(peers_docker(req->ctx), name, subnet, created, err)))
		return rc;
	if (*created) {
		http_log(req, LOG_INFO, "NETWORK: created docker network %s", name);
		rc = default_rules(req, name, err);
	}
	return rc;
}

int networks_app(request_t *req, const char *app, err_t *err)
{
	if (!peers_docker(req->ctx))
		return 0;
	bool created = false;
	int rc = ensure(req, app, &created, err);
	if (!rc && created)
		rc = prepend_inbound(req, app, "lain", err);
	return rc;
}

int networks_portal(request_t *req, const char *provider, const char *portal_pod,
		    const char *client, err_t *err)
{
	if (!peers_docker(req->ctx))
		return 0;
	int rc = networks_app(req, provider, err);
	if (rc)
		return rc;
	const char *name = arena_printf(req->arena, "%s_%s", portal_pod, client);
	bool created = false;
	if ((rc = ensure(req, name, &created, err)) || !created)
		return rc;
	if (!(rc = prepend_inbound(req, name, client, err)))
		rc = prepend_inbound(req, provider, name, err);
	return rc;
}
