/*
 * secrets — the config image of a proc with secret files (spec §4.6),
 * built natively against the registry's V2 API (no docker daemon, no
 * schema1, no rfpctl). Internal to app/api.
 *
 * For a proc with secret_files: its secrets are read from lvault (owner:
 * the app, or the resource for a resource instance, whose podgroup name is
 * then <resource>.<type>.<proc>), with the caller's token; those listed in
 * secret_files are kept (all must be there: "some defined secret files not
 * exist in lvault, please check"). The image is
 * <registry>/<repo>:<tag>-<proc>-config-<newest secret timestamp>, <repo>:<tag>
 * being the proc's release image; when that tag is missing it is made: one
 * gzipped tar layer of the secrets (their lvault modes, owned by root) put
 * on top of the release image (its config's rootfs.diff_ids and history
 * extended), pushed into <repo>. An existing tag is reused (a cache key, as
 * in the original). Any failure with secret_files_bypass: the release image
 * is used and the failure logged.
 */
#ifndef CONSOLE_API_SECRETS_H
#define CONSOLE_API_SECRETS_H

#include <stdbool.h>

#include "console/cluster.h"
#include "console/http.h"
#include "console/lainyaml.h"

/* The image p of conf runs: *image is NULL when it is its own (no secret
 * files, or bypassed), else the config image (in the request's arena). */
int secrets_image(request_t *req, const cluster_t *cl, const lain_conf_t *conf,
		  const lain_proc_t *p, const char **image, err_t *err);

/* What secrets_image would give without building anything (a dry run): the
 * config image (*image; NULL: its own) and whether the registry has it
 * already (*exists; false: the deploy would build and push it). */
int secrets_plan(request_t *req, const cluster_t *cl, const lain_conf_t *conf,
		 const lain_proc_t *p, const char **image, bool *exists, err_t *err);

#endif
