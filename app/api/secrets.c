/* Config images of procs with secret files; see secrets.h. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "console/log.h"
#include "console/lvault.h"
#include "console/permission.h"
#include "console/registry.h"
#include "console/xalloc.h"
#include "peers.h"
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
static int read_secrets(request_t *req, const cluster_t *cl, const lain_conf_t *conf,
			const lain_proc_t *p, registry_file_t *files, size_t *nfiles, int64_t *ts,
			err_t *err)
{
	/* A resource instance keeps its secrets under the resource. */
	const char *owner = conf->appname, *pg = p->podname;
	size_t len = 0;
	const char *r = lain_instance_resource(owner, &len);
	if (r) {
		owner = arena_strndup(req->arena, r, len);
		pg = arena_printf(req->arena, "%s.%s.%s", owner, p->type_name, p->name);
	}
	/* lvault checks the token it is given at this console's roles
	 * endpoint, which no deploy token may use (robot.h). */
	if (req_robot(req))
		return err_set(err, -ERR_FORBIDDEN,
			       "%s has secret files, which a deploy token cannot read from lvault "
			       "(%s): deploy it with a person's SSO token",
			       pg, req_operator(req));
	lvault_secret_t *secrets = NULL;
	size_t n = 0;
	int rc = lvault_secrets(peers_lvault(req->ctx, cl), req->arena, req->access_token, owner,
				pg, &secrets, &n, err);
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

/* The config image, made when missing (exists NULL), or only looked for
 * (*exists: whether the registry has it). */
static int config_image(request_t *req, const cluster_t *cl, const lain_conf_t *conf,
			const lain_proc_t *p, const char **image, bool *exists, err_t *err)
{
	registry_file_t files[MAX_SECRETS];
	size_t n = 0;
	int64_t ts = 0;
	int rc = read_secrets(req, cl, conf, p, files, &n, &ts, err);
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
	registry_t *reg = peers_registry(req->ctx, cl);
	rc = registry_manifest(reg, repo, new_tag, &m, &e);
	json_object_put(m);
	if (exists && (!rc || rc == -ERR_NOT_FOUND)) {
		*exists = !rc;
		rc = 0;
	} else if (rc == -ERR_NOT_FOUND) {
		http_log(req, LOG_INFO, "SECRETS: building %s:%s (%zu secret files of %s)", repo, new_tag, n,
			 p->podname);
		rc = registry_image_add_layer(reg, repo, tag, new_tag, files, n,
					      arena_printf(req->arena,
							   "lain-console: secret files of %s",
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
	int rc = config_image(req, cl, conf, p, image, NULL, err);
	if (rc && p->secret_files_bypass) {
		http_log(req, LOG_WARN, "proc %s runs its release image without its secret files "
			 "(secret_files_bypass): %s",
			 p->podname, err->msg);
		*image = NULL;
		return 0;
	}
	return rc;
}

int secrets_plan(request_t *req, const cluster_t *cl, const lain_conf_t *conf,
		 const lain_proc_t *p, const char **image, bool *exists, err_t *err)
{
	*image = NULL;
	*exists = true;
	if (!p->secret_files.n)
		return 0;
	int rc = config_image(req, cl, conf, p, image, exists, err);
	if (rc && p->secret_files_bypass) {
		*image = NULL;
		*exists = true;
		return 0;
	}
	return rc;
}
