/* The Docker Engine API (networks); see docker.h. */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "console/docker.h"
#include "console/httpc.h"
#include "console/xalloc.h"
#include "console/banned.h"

#define DOCKER_API "/v1.26"
#define DOCKER_MAX_ANSWER (1 << 20)

docker_t *docker_new(const char *base_url, long timeout_ms, long connect_timeout_ms)
{
	return httpc_at("docker", base_url, timeout_ms, connect_timeout_ms);
}

void docker_free(docker_t *d)
{
	httpc_free(d);
}

/* docker's {"message": ...} or the body itself. */
static int refused(const httpc_response_t *r, const char *what, err_t *err)
{
	json_object *o = json_tokener_parse(r->body.data ? r->body.data : ""), *m;
	const char *msg = o && json_object_object_get_ex(o, "message", &m)
		? json_object_get_string(m)
		: (r->body.data ? r->body.data : "");
	int rc = err_set(err, -ERR_BAD_GATEWAY, "docker refused to %s (%ld): %s", what, r->status,
			 msg);
	json_object_put(o);
	return rc;
}

int docker_network_ensure(docker_t *d, const char *name, const char *subnet, bool *created,
			  err_t *err)
{
	httpc_t *http = d;
	httpc_response_t r = HTTPC_RESPONSE_INIT;
	buf_t url = BUF_INIT, what = BUF_INIT;
	json_object *body = NULL;
	*created = false;
	httpc_url(d, &url, DOCKER_API "/networks/", name);
	httpc_request_t get = { .url = url.data, .max_body = DOCKER_MAX_ANSWER };
	int rc = httpc_perform(http, &get, &r, err);
	if (rc || r.status == 200)
		goto out;
	buf_addf(&what, "look up network '%s'", name);
	if (r.status != 404) {
		rc = refused(&r, what.data, err);
		goto out;
	}
	body = json_object_new_object();
	json_object *ipam = json_object_new_object(), *config = json_object_new_array(),
		    *sub = json_object_new_object();
	json_object_object_add(sub, "Subnet", json_object_new_string(subnet));
	json_object_array_add(config, sub);
	json_object_object_add(ipam, "Driver", json_object_new_string("calico-ipam"));
	json_object_object_add(ipam, "Config", config);
	json_object_object_add(body, "Name", json_object_new_string(name));
	json_object_object_add(body, "Driver", json_object_new_string("calico"));
	json_object_object_add(body, "IPAM", ipam);
	const char *text = json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN |
								     JSON_C_TO_STRING_NOSLASHESCAPE);
	buf_reset(&url);
	httpc_url(d, &url, DOCKER_API "/networks/create", NULL);
	httpc_request_t post = {
		.method = "POST",
		.url = url.data,
		.body = text,
		.body_len = strlen(text),
		.max_body = DOCKER_MAX_ANSWER,
	};
	if ((rc = httpc_perform(http, &post, &r, err)))
		goto out;
	if (r.status == 201 || r.status == 200)
		*created = true;
	else if (r.status != 409) {
		buf_reset(&what);
		buf_addf(&what, "create network '%s'", name);
		rc = refused(&r, what.data, err);
	}
out:
	json_object_put(body);
	httpc_response_release(&r);
	buf_release(&url);
	buf_release(&what);
	return rc;
}
