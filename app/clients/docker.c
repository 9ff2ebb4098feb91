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

struct docker {
	char *base;                 /* "http://host:port", no trailing slash */
	httpc_t *http;
};

docker_t *docker_new(const char *base_url, long timeout_ms, long connect_timeout_ms)
{
	docker_t *d = xcalloc(1, sizeof(*d));
	size_t n = strlen(base_url);
	while (n && base_url[n - 1] == '/')
		n--;
	d->base = strstr(base_url, "://") ? xstrndup(base_url, n)
					  : xasprintf("http://%.*s", (int)n, base_url);
	d->http = httpc_new("docker", timeout_ms, connect_timeout_ms);
	return d;
}

void docker_free(docker_t *d)
{
	if (!d)
		return;
	httpc_free(d->http);
	free(d->base);
	free(d);
}

/* <base>/v1.26<path> with name percent-encoded and appended. */
static void make_url(const docker_t *d, buf_t *url, const char *path, const char *name)
{
	buf_addstr(url, d->base);
	buf_addstr(url, DOCKER_API);
	buf_addstr(url, path);
	for (const unsigned char *p = (const unsigned char *)name; p && *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    strchr("-._~", *p))
			buf_addch(url, (char)*p);
		else
			buf_addf(url, "%%%02X", *p);
	}
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
	httpc_t *http = d->http;
	httpc_response_t r = HTTPC_RESPONSE_INIT;
	buf_t url = BUF_INIT, what = BUF_INIT;
	json_object *body = NULL;
	*created = false;
	make_url(d, &url, "/networks/", name);
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
	make_url(d, &url, "/networks/create", NULL);
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
