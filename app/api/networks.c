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

#define SUBNET_KEY "/lain/config/calico_network"
#define DEFAULT_RULE_KEY "/lain/config/calico_default_rule"

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
	const char *text = NULL;
	int rc = store_config_get(req->ctx, req->arena, DEFAULT_RULE_KEY, &text, err);
	if (rc || !text || !*text)
		return rc;
	json_object *rules = arena_json(req->arena, json_tokener_parse(text)), *in, *out;
	if (!json_object_is_type(rules, json_type_object))
		return err_set(err, -ERR_INVALID, "%s is not a JSON object", DEFAULT_RULE_KEY);
	json_object_object_get_ex(rules, "inbound_rules", &in);
	json_object_object_get_ex(rules, "outbound_rules", &out);
	return calico_profile_prepend(req->ctx, profile,
				      json_object_is_type(in, json_type_array) ? in : NULL,
				      json_object_is_type(out, json_type_array) ? out : NULL, err);
}

/* Network name, created when missing (then with the default rules). */
static int ensure(request_t *req, const char *name, bool *created, err_t *err)
{
	const char *subnet = NULL;
	int rc = store_config_get(req->ctx, req->arena, SUBNET_KEY, &subnet, err);
	if (rc)
		return rc;
	if (!subnet || !*subnet)
		return err_set(err, -ERR_INVALID,
			       "%s is not set: docker networks need the cluster's calico subnet",
			       SUBNET_KEY);
	if ((rc = docker_network_ensure(peers_docker(req->ctx), name, subnet, created, err)))
		return rc;
	if (*created) {
		log_info("NETWORK: created docker network %s", name);
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
