/*
 * appconf — an app's lain.yaml as lain-console reads it: the meta stored in
 * its record, or the lain.yaml of one of its meta images, parsed with the
 * cluster's options (lainyaml.h, tmpl.h). Internal to app/api, and the
 * lowest of its modules: render, deployer, instances, procs and notify
 * read lain.yaml through it.
 */
#ifndef CONSOLE_API_APPCONF_H
#define CONSOLE_API_APPCONF_H

#include "console/buf.h"
#include "console/cluster.h"
#include "console/lainyaml.h"
#include "console/store.h"

/* How lain.yaml is parsed on this cluster (lainyaml.h) for meta_version;
 * default_image: the image of procs without one (NULL or "":
 * <registry>/<app>:release-<meta_version>). */
lain_parse_opts_t appconf_parse_opts(const cluster_t *cl, const char *meta_version,
				     const char *default_image);

/* The lain.yaml stored in app's record, parsed (lain_conf_free() it).
 * -ERR_NOT_FOUND when the record has no meta. */
int appconf_stored(const cluster_t *cl, const app_record_t *app, lain_conf_t **out, err_t *err);

/* The lain.yaml of app's meta image of version: its text appended to yaml,
 * parsed into *out (lain_conf_free() it); failures as registry.h's and
 * lainyaml.h's. */
int appconf_image(ctx_t *ctx, const cluster_t *cl, const char *app, const char *version,
		  buf_t *yaml, lain_conf_t **out, err_t *err);

/* The meta versions of repo in the registry, newest first (version.h's
 * version_list_meta of its tags; version_list_free() them). -ERR_NOT_FOUND
 * when the registry does not know repo. */
int appconf_meta_versions(ctx_t *ctx, const cluster_t *cl, const char *repo, char ***versions,
			  err_t *err);

#endif
