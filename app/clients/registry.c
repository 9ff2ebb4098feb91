#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "console/httpm.h"
#include "console/registry.h"
#include "console/xalloc.h"
#include "console/banned.h"

/* The media types lain-console reads and writes (image spec and Docker's
 * schema2): a single-platform manifest, a list of them, a gzipped layer. */
#define MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define MT_DOCKER_LAYER "application/vnd.docker.image.rootfs.diff.tar.gzip"
#define MT_OCI_LAYER "application/vnd.oci.image.layer.v1.tar+gzip"

/* Never the old schema1, which the registry sends to a client that does
 * not ask for another (DESIGN.md facts). */
#define MANIFEST_ACCEPT \
	"Accept: " MT_DOCKER_MANIFEST ", " MT_OCI_MANIFEST ", " MT_DOCKER_LIST ", " MT_OCI_INDEX

/* Bounds on what a tag listing may make us do. */
#define MAX_TAG_PAGES 1000
#define MAX_TAGS 100000
#define MAX_LAYERS 16
/* Caps on answers that carry little: the ping's, a tag page's, an upload's. */
#define PING_MAX_ANSWER (64 * 1024)
#define TAGS_MAX_ANSWER (4u << 20)
#define PUT_MAX_ANSWER (1 << 16)

enum { H_LINK, H_CTYPE, H_LOCATION };

struct registry {
	httpc_t *http;              /* at "http://host:port" (httpm for its calls) */
	int auth;                   /* -1 not known yet, 0 none, 1 bearer */
	registry_token_fn token;    /* NULL: no token server */
	void *token_data;
};

registry_t *registry_new(const char *registry, long timeout_ms, long connect_timeout_ms,
			 registry_token_fn token, void *token_data)
{
	registry_t *r = xcalloc(1, sizeof(*r));
	r->http = httpc_at("registry", registry, timeout_ms, connect_timeout_ms);
	r->auth = -1;
	r->token = token;
	r->token_data = token_data;
	return r;
}

void registry_free(registry_t *r)
{
	if (!r)
		return;
	httpc_free(r->http);
	free(r);
}

/* What one call sends besides its URL. */
typedef struct send {
	const char *method;         /* NULL: GET */
	const char *content_type;
	const void *body;
	size_t len;
} send_t;

static int request(registry_t *r, const char *url, const char *auth_for, const char *accept,
		   const send_t *send, size_t max, httpm_call_t *call, err_t *err);

/* One GET; the caller judges the status. auth_for: the repository a token
 * is needed for (NULL: the ping, no token). */
static int get(registry_t *r, const char *url, const char *auth_for, const char *accept,
	       size_t max, httpm_call_t *call, err_t *err)
{
	return request(r, url, auth_for, accept, NULL, max, call, err);
}

/* One call of any method (send NULL: GET). */
static int request(registry_t *r, const char *url, const char *auth_for, const char *accept,
		   const send_t *send, size_t max, httpm_call_t *call, err_t *err)
{
	buf_t auth = BUF_INIT, token = BUF_INIT;
	int rc = 0;
	if (auth_for && r->auth < 0) {
		bool need;
		if ((rc = registry_ping(r, &need, err)))
			goto cleanup;
	}
	if (auth_for && r->auth == 1) {
		/* The token source is the cluster's own token server (issue 6).
		 * Without one, a registry with auth cannot be read. */
		if (!r->token) {
			rc = err_set(err, -ERR_BAD_GATEWAY,
				     "registry wants a token and no token server is configured "
				     "(CONSOLE_REGISTRY_KEY)");
			goto cleanup;
		}
		if ((rc = r->token(r->token_data, auth_for, &token, err)))
			goto cleanup;
		buf_addf(&auth, "Authorization: Bearer %s", token.data);
	}
	const char *headers[3] = { NULL, NULL, NULL };
	size_t nh = 0;
	if (accept)
		headers[nh++] = accept;
	if (auth.len)
		headers[nh++] = auth.data;
	httpm_call_release(call);
	call->req = (httpc_request_t){ .url = url, .headers = headers, .max_body = max };
	if (send) {
		call->req.method = send->method;
		call->req.body = send->body;
		call->req.body_len = send->len;
		call->req.content_type = send->content_type;
	}
	call->want[H_LINK] = "Link";
	call->want[H_CTYPE] = "Content-Type";
	call->want[H_LOCATION] = "Location";
	httpm_perform(r->http, call, 1);
	call->req.headers = NULL;
	if (call->rc) {
		rc = call->rc;
		if (err)
			*err = call->err;
		goto cleanup;
	}
	/* The registry turned auth on since we pinged: ping again next time. */
	if (call->resp.status == 401 && auth_for && r->auth == 0)
		r->auth = -1;
cleanup:
	buf_release(&auth);
	buf_release(&token);
	return rc;
}

static int bad_answer(err_t *err, const char *what, const httpm_call_t *call)
{
	int len = (int)(call->resp.body.len > 200 ? 200 : call->resp.body.len);
	return err_set(err, call->resp.status == 404 ? -ERR_NOT_FOUND : -ERR_BAD_GATEWAY,
		       "registry answered %ld to %s: %.*s", call->resp.status, what, len,
		       call->resp.body.data);
}

int registry_ping(registry_t *r, bool *auth, err_t *err)
{
	buf_t url = BUF_INIT;
	httpm_call_t call = { 0 };
	buf_addf(&url, "%s/v2/", httpc_base(r->http));
	int rc;
	if ((rc = get(r, url.data, NULL, NULL, PING_MAX_ANSWER, &call, err)))
		goto cleanup;
	if (call.resp.status == 200) {
		r->auth = 0;
	} else if (call.resp.status == 401) {
		r->auth = 1;
	} else {
		rc = err_set(err, -ERR_BAD_GATEWAY,
			     "registry at %s does not speak the v2 API (GET /v2/ answered %ld)",
			     url.data, call.resp.status);
		goto cleanup;
	}
	*auth = r->auth == 1;
cleanup:
	httpm_call_release(&call);
	buf_release(&url);
	return rc;
}

static int add_tags(json_object *page, char ***tags, size_t *n, size_t *cap, err_t *err)
{
	json_object *list;
	if (!page || !json_object_is_type(page, json_type_object))
		return err_set(err, -ERR_BAD_GATEWAY, "registry answered a tag list that is not JSON");
	/* An empty repository may answer "tags": null. */
	if (!json_object_object_get_ex(page, "tags", &list) ||
	    json_object_is_type(list, json_type_null))
		return 0;
	if (!json_object_is_type(list, json_type_array))
		return err_set(err, -ERR_BAD_GATEWAY, "registry answered tags that are not a list");
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		json_object *t = json_object_array_get_idx(list, i);
		if (!json_object_is_type(t, json_type_string))
			continue;
		if (*n >= MAX_TAGS)
			return err_set(err, -ERR_TOO_BIG, "registry lists more than %d tags", MAX_TAGS);
		if (*n + 2 > *cap) {
			*cap = *cap ? *cap * 2 : 64;
			*tags = xrealloc(*tags, *cap * sizeof(**tags));
		}
		(*tags)[(*n)++] = xstrdup(json_object_get_string(t));
		(*tags)[*n] = NULL;
	}
	return 0;
}

int registry_tags(registry_t *r, const char *repo, size_t page_size, char ***out, size_t *nout,
		  err_t *err)
{
	buf_t url = BUF_INIT, next = BUF_INIT;
	httpm_call_t call = { 0 };
	char **tags = xcalloc(1, sizeof(*tags));
	size_t n = 0, cap = 1;
	int rc;
	buf_addf(&url, "%s/v2/%s/tags/list", httpc_base(r->http), repo);
	if (page_size)
		buf_addf(&url, "?n=%zu", page_size);
	for (int page = 0;; page++) {
		if (page >= MAX_TAG_PAGES) {
			rc = err_set(err, -ERR_TOO_BIG, "registry lists more than %d pages of tags",
				     MAX_TAG_PAGES);
			goto cleanup;
		}
		if ((rc = get(r, url.data, repo, NULL, TAGS_MAX_ANSWER, &call, err)))
			goto cleanup;
		if (call.resp.status != 200) {
			rc = bad_answer(err, "the tag list", &call);
			if (rc == -ERR_NOT_FOUND)
				err_set(err, rc, "registry has no images of '%s'", repo);
			goto cleanup;
		}
		json_object *j = json_tokener_parse(call.resp.body.data);
		rc = add_tags(j, &tags, &n, &cap, err);
		json_object_put(j);
		if (rc)
			goto cleanup;
		buf_reset(&next);
		if (!call.header[H_LINK] || !registry_link_next(call.header[H_LINK], &next))
			break;
		buf_reset(&url);
		/* distribution sends a path ("/v2/<repo>/tags/list?last=..&n=.."). */
		if (next.data[0] == '/')
			buf_addf(&url, "%s%s", httpc_base(r->http), next.data);
		else if (strstr(next.data, "://"))
			buf_addstr(&url, next.data);
		else {
			rc = err_set(err, -ERR_BAD_GATEWAY, "registry sent a Link the client cannot "
				     "follow: %s", next.data);
			goto cleanup;
		}
	}
	*out = tags;
	tags = NULL;
	if (nout)
		*nout = n;
cleanup:
	registry_tags_free(tags);
	httpm_call_release(&call);
	buf_release(&url);
	buf_release(&next);
	return rc;
}

void registry_tags_free(char **tags)
{
	for (size_t i = 0; tags && tags[i]; i++)
		free(tags[i]);
	free(tags);
}

static bool is_list(const char *ctype, json_object *m)
{
	json_object *ms;
	if (ctype && (strstr(ctype, "manifest.list") || strstr(ctype, "image.index")))
		return true;
	return json_object_object_get_ex(m, "manifests", &ms) &&
	       json_object_is_type(ms, json_type_array);
}

int registry_manifest(registry_t *r, const char *repo, const char *ref, json_object **out,
		      err_t *err)
{
	buf_t url = BUF_INIT;
	httpm_call_t call = { 0 };
	json_object *m = NULL;
	char *digest = NULL;
	int rc = 0;
	/* Two rounds at most: a list, then the image it points at. */
	for (int round = 0; round < 2; round++) {
		buf_reset(&url);
		buf_addf(&url, "%s/v2/%s/manifests/%s", httpc_base(r->http), repo,
			 round ? digest : ref);
		if ((rc = get(r, url.data, repo, MANIFEST_ACCEPT, REGISTRY_MAX_MANIFEST, &call,
			      err)))
			goto cleanup;
		if (call.resp.status != 200) {
			rc = bad_answer(err, "a manifest", &call);
			if (rc == -ERR_NOT_FOUND)
				err_set(err, rc, "registry has no image '%s:%s'", repo, ref);
			goto cleanup;
		}
		json_object_put(m);
		m = json_tokener_parse(call.resp.body.data);
		if (!m || !json_object_is_type(m, json_type_object)) {
			rc = err_set(err, -ERR_BAD_GATEWAY, "manifest of '%s:%s' is not JSON", repo,
				     ref);
			goto cleanup;
		}
		if (!is_list(call.header[H_CTYPE], m)) {
			*out = m;
			m = NULL;
			goto cleanup;
		}
		if (round) {
			rc = err_set(err, -ERR_BAD_GATEWAY,
				     "manifest list of '%s:%s' points at another list", repo, ref);
			goto cleanup;
		}
		const char *d = registry_pick_platform(m);
		if (!d) {
			rc = err_set(err, -ERR_NOT_FOUND, "image '%s:%s' has no linux/amd64 manifest",
				     repo, ref);
			goto cleanup;
		}
		digest = xstrdup(d);
	}
cleanup:
	json_object_put(m);
	free(digest);
	httpm_call_release(&call);
	buf_release(&url);
	return rc;
}

int registry_blob(registry_t *r, const char *repo, const char *digest, size_t max, buf_t *out,
		  err_t *err)
{
	buf_t url = BUF_INIT;
	httpm_call_t call = { 0 };
	int rc;
	buf_addf(&url, "%s/v2/%s/blobs/%s", httpc_base(r->http), repo, digest);
	if ((rc = get(r, url.data, repo, NULL, max, &call, err)))
		goto cleanup;
	long s = call.resp.status;
	if ((s == 301 || s == 302 || s == 303 || s == 307 || s == 308) && call.header[H_LOCATION]) {
		/* A storage redirect: its URL carries its own authorisation. */
		char *loc = call.header[H_LOCATION];
		call.header[H_LOCATION] = NULL;
		if ((rc = get(r, loc, NULL, NULL, max, &call, err))) {
			free(loc);
			goto cleanup;
		}
		free(loc);
	}
	if (call.resp.status != 200) {
		rc = bad_answer(err, "a blob", &call);
		if (rc == -ERR_NOT_FOUND)
			err_set(err, rc, "registry has no blob %s in '%s'", digest, repo);
		goto cleanup;
	}
	if (!strncmp(digest, "sha256:", 7) &&
	    !registry_digest_matches(call.resp.body.data, call.resp.body.len, digest)) {
		rc = err_set(err, -ERR_BAD_GATEWAY, "registry sent blob %s of '%s' with other content",
			     digest, repo);
		goto cleanup;
	}
	buf_add(out, call.resp.body.data, call.resp.body.len);
cleanup:
	httpm_call_release(&call);
	buf_release(&url);
	return rc;
}

int registry_read_lainyaml(registry_t *r, const char *repo, const char *version, buf_t *yaml,
			   err_t *err)
{
	json_object *m = NULL;
	buf_t layer = BUF_INIT;
	char *tag = xasprintf("meta-%s", version);
	int rc = registry_manifest(r, repo, tag, &m, err);
	if (rc)
		goto cleanup;
	const char *layers[MAX_LAYERS];
	size_t n = registry_layers_top_down(m, layers, MAX_LAYERS);
	registry_budget_t budget = REGISTRY_BUDGET_INIT;
	for (size_t i = 0; i < n; i++) {
		buf_reset(&layer);
		if ((rc = registry_blob(r, repo, layers[i], REGISTRY_MAX_LAYER, &layer, err)))
			goto cleanup;
		rc = registry_untar_file(layer.data, layer.len, "lain.yaml", REGISTRY_MAX_LAINYAML,
					 &budget, yaml, err);
		if (rc == -ERR_NOT_ACCEPTABLE)
			err_wrap(err, "meta image '%s:%s'", repo, tag);
		if (rc != -ERR_NOT_FOUND)
			goto cleanup;
	}
	rc = err_set(err, -ERR_NOT_FOUND, "meta image '%s:%s' has no lain.yaml", repo, tag);
cleanup:
	json_object_put(m);
	buf_release(&layer);
	free(tag);
	return rc;
}

/* PUT of body (content_type) to url for repo, which must answer 201. */
static int put_created(registry_t *r, const char *url, const char *repo, const char *content_type,
		       const void *body, size_t len, const char *what, err_t *err)
{
	httpm_call_t call = { 0 };
	send_t put = { .method = "PUT", .content_type = content_type, .body = body, .len = len };
	int rc = request(r, url, repo, NULL, &put, PUT_MAX_ANSWER, &call, err);
	if (!rc && call.resp.status != 201)
		rc = bad_answer(err, what, &call);
	httpm_call_release(&call);
	return rc;
}

int registry_blob_put(registry_t *r, const char *repo, const void *data, size_t len,
		      const char *digest, err_t *err)
{
	buf_t url = BUF_INIT;
	httpm_call_t call = { 0 };
	int rc;
	buf_addf(&url, "%s/v2/%s/blobs/uploads/", httpc_base(r->http), repo);
	send_t start = { .method = "POST", .body = "", .len = 0 };
	if ((rc = request(r, url.data, repo, NULL, &start, PUT_MAX_ANSWER, &call, err)))
		goto cleanup;
	const char *loc = call.header[H_LOCATION];
	if (call.resp.status != 202 || !loc || !*loc) {
		rc = bad_answer(err, "a blob upload", &call);
		goto cleanup;
	}
	/* The upload's URL: absolute, or a path on the registry. */
	buf_reset(&url);
	if (loc[0] == '/')
		buf_addstr(&url, httpc_base(r->http));
	buf_addf(&url, "%s%cdigest=%s", loc, strchr(loc, '?') ? '&' : '?', digest);
	rc = put_created(r, url.data, repo, "application/octet-stream", data, len, "a blob upload",
			 err);
cleanup:
	httpm_call_release(&call);
	buf_release(&url);
	return rc;
}

int registry_manifest_put(registry_t *r, const char *repo, const char *tag, const char *media_type,
			  const char *manifest, err_t *err)
{
	buf_t url = BUF_INIT;
	buf_addf(&url, "%s/v2/%s/manifests/%s", httpc_base(r->http), repo, tag);
	int rc = put_created(r, url.data, repo, media_type, manifest, strlen(manifest),
			     "a manifest upload", err);
	buf_release(&url);
	return rc;
}

/* A manifest's or image config's JSON as it is pushed (and digested). */
static const char *manifest_text(json_object *o)
{
	return json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
						  JSON_C_TO_STRING_NOSLASHESCAPE);
}

/* The image config m points at (a new reference in *cfg) and its
 * rootfs.diff_ids (in *ids). */
static int image_config(registry_t *r, const char *repo, const char *tag, const char *digest,
			json_object **cfg, json_object **ids, err_t *err)
{
	json_object *rootfs;
	buf_t blob = BUF_INIT;
	int rc = registry_blob(r, repo, digest, REGISTRY_MAX_MANIFEST, &blob, err);
	*cfg = rc ? NULL : json_tokener_parse(blob.data);
	buf_release(&blob);
	if (rc)
		return rc;
	if (!json_object_is_type(*cfg, json_type_object) ||
	    !json_object_object_get_ex(*cfg, "rootfs", &rootfs) ||
	    !json_object_object_get_ex(rootfs, "diff_ids", ids) ||
	    !json_object_is_type(*ids, json_type_array))
		return err_set(err, -ERR_BAD_GATEWAY,
			       "the image config of '%s:%s' has no rootfs.diff_ids", repo, tag);
	return 0;
}

/* One more entry in the config's history, when it keeps one. */
static void add_history(json_object *cfg, const char *created_by)
{
	json_object *history;
	if (!json_object_object_get_ex(cfg, "history", &history) ||
	    !json_object_is_type(history, json_type_array))
		return;
	char now[32];
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_object *h = json_object_new_object();
	json_object_object_add(h, "created", json_object_new_string(now));
	json_object_object_add(h, "created_by", json_object_new_string(created_by));
	json_object_array_add(history, h);
}

int registry_image_add_layer(registry_t *r, const char *repo, const char *tag, const char *new_tag,
			     const registry_file_t *files, size_t n, const char *created_by,
			     err_t *err)
{
	json_object *m = NULL, *cfg = NULL, *config, *layers, *ids, *v;
	buf_t tar = BUF_INIT, gz = BUF_INIT;
	char layer_digest[REGISTRY_DIGEST_SIZE], diff_id[REGISTRY_DIGEST_SIZE],
		cfg_digest[REGISTRY_DIGEST_SIZE];
	int rc = registry_manifest(r, repo, tag, &m, err);
	if (rc)
		goto out;
	const char *mtype = json_object_object_get_ex(m, "mediaType", &v) ? json_object_get_string(v)
									     : MT_DOCKER_MANIFEST;
	if (!json_object_object_get_ex(m, "config", &config) ||
	    !json_object_object_get_ex(config, "digest", &v) ||
	    !json_object_object_get_ex(m, "layers", &layers) ||
	    !json_object_is_type(layers, json_type_array)) {
		rc = err_set(err, -ERR_BAD_GATEWAY,
			     "image '%s:%s' has no schema2/OCI manifest to put secret files on", repo,
			     tag);
		goto out;
	}
	if ((rc = image_config(r, repo, tag, json_object_get_string(v), &cfg, &ids, err)) ||
	    (rc = registry_layer_build(files, n, &tar, &gz, err)))
		goto out;
	registry_digest(tar.data, tar.len, diff_id);
	registry_digest(gz.data, gz.len, layer_digest);

	/* The config: one more diff_id and history entry. */
	json_object_array_add(ids, json_object_new_string(diff_id));
	add_history(cfg, created_by);
	const char *cfg_text = manifest_text(cfg);
	registry_digest(cfg_text, strlen(cfg_text), cfg_digest);

	/* The manifest: the new config, the layer on top. */
	json_object_object_add(config, "digest", json_object_new_string(cfg_digest));
	json_object_object_add(config, "size", json_object_new_int64((int64_t)strlen(cfg_text)));
	json_object *layer = json_object_new_object();
	json_object_object_add(layer, "mediaType",
			       json_object_new_string(strcmp(mtype, MT_OCI_MANIFEST) ? MT_DOCKER_LAYER
										      : MT_OCI_LAYER));
	json_object_object_add(layer, "size", json_object_new_int64((int64_t)gz.len));
	json_object_object_add(layer, "digest", json_object_new_string(layer_digest));
	json_object_array_add(layers, layer);
	if ((rc = registry_blob_put(r, repo, gz.data, gz.len, layer_digest, err)) ||
	    (rc = registry_blob_put(r, repo, cfg_text, strlen(cfg_text), cfg_digest, err)))
		goto out;
	rc = registry_manifest_put(r, repo, new_tag, mtype, manifest_text(m), err);
out:
	json_object_put(m);
	json_object_put(cfg);
	buf_release(&tar);
	buf_release(&gz);
	return rc;
}
