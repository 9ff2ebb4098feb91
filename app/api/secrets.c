/* Config images of procs with secret files; see secrets.h. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "console/log.h"
#include "console/lvault.h"
#include "console/registry.h"
#include "console/xalloc.h"
#include "secrets.h"
#include "console/banned.h"

#define MAX_SECRETS 64

/* The secret's path in the container: lvault's path without its first two
 * segments ("hello/hello.web.web/lain/app/config" -> "/lain/app/config"). */
static const char *container_path(const char *path)
{
	const char *s = strchr(path, '/');
	s = s ? strchr(s + 1, '/') : NULL;
	return s ? s : "";
}

/* The secrets p lists, from lvault; *ts their newest timestamp. */
static int read_secrets(request_t *req, const lain_conf_t *conf, const lain_proc_t *p,
			registry_file_t *files, size_t *nfiles, int64_t *ts, err_t *err)
{
	/* A resource instance keeps its secrets under the resource. */
	const char *owner = conf->appname, *pg = p->podname;
	if (!strncmp(owner, "resource.", 9)) {
		const char *r = owner + 9, *dot = strchr(r, '.');
		owner = dot ? arena_strndup(req->arena, r, (size_t)(dot - r)) : r;
		pg = arena_printf(req->arena, "%s.%s.%s", owner, p->type_name, p->name);
	}
	lvault_secret_t *secrets = NULL;
	size_t n = 0;
	int rc = lvault_secrets(req->ctx, req->arena, req->access_token, owner, pg, &secrets, &n,
				err);
	if (rc)
		return rc;
	*nfiles = 0;
	*ts = 0;
	for (size_t i = 0; i < p->secret_files.n; i++)
		for (size_t k = 0; k < n; k++) {
			if (strcmp(container_path(secrets[k].path), p->secret_files.v[i]))
				continue;
			if (*nfiles == MAX_SECRETS)
				return err_set(err, -ERR_INVALID, "%s: more than %d secret files", pg,
					       MAX_SECRETS);
			files[(*nfiles)++] = (registry_file_t){
				.path = p->secret_files.v[i],
				.data = secrets[k].content,
				.len = secrets[k].len,
				.mode = secrets[k].mode,
			};
			if (secrets[k].timestamp > *ts)
				*ts = secrets[k].timestamp;
			break;
		}
	if (*nfiles < p->secret_files.n)
		return err_set(err, -ERR_INVALID,
			       "some defined secret files not exist in lvault, please check (%s has "
			       "%zu of the %zu of proc %s)",
			       owner, *nfiles, p->secret_files.n, pg);
	return 0;
}

/* repo:tag with a layer of files on top, pushed as repo:new_tag. */
static int build_image(request_t *req, const char *repo, const char *tag, const char *new_tag,
		       const registry_file_t *files, size_t n, const char *what, err_t *err)
{
	json_object *m = NULL, *cfg = NULL;
	buf_t tar = BUF_INIT, gz = BUF_INIT, cfg_blob = BUF_INIT;
	char layer_digest[REGISTRY_DIGEST_SIZE], diff_id[REGISTRY_DIGEST_SIZE],
		cfg_digest[REGISTRY_DIGEST_SIZE];
	int rc = registry_manifest(req->ctx, repo, tag, &m, err);
	if (rc)
		goto out;
	json_object *config, *layers, *v;
	const char *mtype = json_object_object_get_ex(m, "mediaType", &v)
		? json_object_get_string(v)
		: "application/vnd.docker.distribution.manifest.v2+json";
	bool oci = !strcmp(mtype, "application/vnd.oci.image.manifest.v1+json");
	if (!json_object_object_get_ex(m, "config", &config) ||
	    !json_object_object_get_ex(config, "digest", &v) ||
	    !json_object_object_get_ex(m, "layers", &layers) ||
	    !json_object_is_type(layers, json_type_array)) {
		rc = err_set(err, -ERR_BAD_GATEWAY,
			     "image '%s:%s' has no schema2/OCI manifest to put secret files on", repo,
			     tag);
		goto out;
	}
	if ((rc = registry_blob(req->ctx, repo, json_object_get_string(v), REGISTRY_MAX_MANIFEST,
				&cfg_blob, err)))
		goto out;
	cfg = json_tokener_parse(cfg_blob.data);
	json_object *rootfs, *ids;
	if (!json_object_is_type(cfg, json_type_object) ||
	    !json_object_object_get_ex(cfg, "rootfs", &rootfs) ||
	    !json_object_object_get_ex(rootfs, "diff_ids", &ids) ||
	    !json_object_is_type(ids, json_type_array)) {
		rc = err_set(err, -ERR_BAD_GATEWAY, "the image config of '%s:%s' has no rootfs.diff_ids",
			     repo, tag);
		goto out;
	}
	if ((rc = registry_layer_build(files, n, &tar, &gz, err)))
		goto out;
	registry_digest(tar.data, tar.len, diff_id);
	registry_digest(gz.data, gz.len, layer_digest);

	/* The config: one more diff_id and history entry. */
	json_object_array_add(ids, json_object_new_string(diff_id));
	json_object *history;
	if (json_object_object_get_ex(cfg, "history", &history) &&
	    json_object_is_type(history, json_type_array)) {
		char now[32];
		time_t t = time(NULL);
		struct tm tm;
		gmtime_r(&t, &tm);
		strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", &tm);
		json_object *h = json_object_new_object();
		json_object_object_add(h, "created", json_object_new_string(now));
		json_object_object_add(h, "created_by", json_object_new_string(what));
		json_object_array_add(history, h);
	}
	const char *cfg_text = json_object_to_json_string_ext(cfg, JSON_C_TO_STRING_PLAIN |
									  JSON_C_TO_STRING_NOSLASHESCAPE);
	registry_digest(cfg_text, strlen(cfg_text), cfg_digest);

	/* The manifest: the new config, the layer on top. */
	json_object_object_add(config, "digest", json_object_new_string(cfg_digest));
	json_object_object_add(config, "size", json_object_new_int64((int64_t)strlen(cfg_text)));
	json_object *layer = json_object_new_object();
	json_object_object_add(layer, "mediaType",
			       json_object_new_string(oci ? "application/vnd.oci.image.layer.v1.tar+gzip"
							  : "application/vnd.docker.image.rootfs.diff.tar.gzip"));
	json_object_object_add(layer, "size", json_object_new_int64((int64_t)gz.len));
	json_object_object_add(layer, "digest", json_object_new_string(layer_digest));
	json_object_array_add(layers, layer);
	if ((rc = registry_blob_put(req->ctx, repo, gz.data, gz.len, layer_digest, err)) ||
	    (rc = registry_blob_put(req->ctx, repo, cfg_text, strlen(cfg_text), cfg_digest, err)))
		goto out;
	rc = registry_manifest_put(req->ctx, repo, new_tag, mtype,
				   json_object_to_json_string_ext(m, JSON_C_TO_STRING_PLAIN |
								     JSON_C_TO_STRING_NOSLASHESCAPE),
				   err);
out:
	json_object_put(m);
	json_object_put(cfg);
	buf_release(&tar);
	buf_release(&gz);
	buf_release(&cfg_blob);
	return rc;
}

/* The config image, made when missing. */
static int config_image(request_t *req, const cluster_t *cl, const lain_conf_t *conf,
			const lain_proc_t *p, const char **image, err_t *err)
{
	registry_file_t files[MAX_SECRETS];
	size_t n = 0;
	int64_t ts = 0;
	int rc = read_secrets(req, conf, p, files, &n, &ts, err);
	if (rc)
		return rc;
	size_t rl = strlen(cl->registry);
	const char *base = p->image, *colon = strrchr(base, ':');
	if (strncmp(base, cl->registry, rl) || base[rl] != '/' || !colon || colon < base + rl ||
	    strchr(colon, '/'))
		return err_set(err, -ERR_INVALID,
			       "image %s of proc %s is not a tagged image of the registry %s: secret "
			       "files cannot be put on it",
			       base, p->name, cl->registry);
	const char *repo = arena_strndup(req->arena, base + rl + 1, (size_t)(colon - base - rl - 1));
	const char *tag = colon + 1;
	const char *new_tag = arena_printf(req->arena, "%s-%s-config-%" PRId64, tag, p->name, ts);
	json_object *m = NULL;
	err_t e = ERR_INIT;
	rc = registry_manifest(req->ctx, repo, new_tag, &m, &e);
	json_object_put(m);
	if (rc == -ERR_NOT_FOUND) {
		log_info("SECRETS: building %s:%s (%zu secret files of %s)", repo, new_tag, n,
			 p->podname);
		rc = build_image(req, repo, tag, new_tag, files, n,
				 arena_printf(req->arena, "lain-console: secret files of %s",
					      p->podname),
				 err);
	} else if (rc) {
		*err = e;
	}
	if (!rc)
		*image = arena_printf(req->arena, "%s/%s:%s", cl->registry, repo, new_tag);
	return rc;
}

int secrets_image(request_t *req, const cluster_t *cl, const lain_conf_t *conf,
		  const lain_proc_t *p, const char **image, err_t *err)
{
	*image = NULL;
	if (!p->secret_files.n)
		return 0;
	int rc = config_image(req, cl, conf, p, image, err);
	if (rc && p->secret_files_bypass) {
		log_warn("proc %s runs its release image without its secret files "
			 "(secret_files_bypass): %s",
			 p->podname, err->msg);
		*image = NULL;
		return 0;
	}
	return rc;
}
