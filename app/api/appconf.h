/*
 * appconf — an app's lain.yaml as lain-console reads it: the meta stored in
 * its record, or the lain.yaml of one of its meta images, parsed with the
 * cluster's options (lainyaml.h, tmpl.h). Internal to app/api, and the
 * lowest of its modules: render, deployer, instances, procs and notify
 * read lain.yaml through it.
 */
#ifndef CONSOLE_API_APPCONF_H
#define CONSOLE_API_APPCONF_H

#include "console/arena.h"
#include "console/cluster.h"
#include "console/lainyaml.h"
#include "console/store.h"

/* How lain.yaml is parsed on this cluster (lainyaml.h) for meta_version;
 * default_image: the image of procs without one (NULL or "":
 * <registry>/<app>:release-<meta_version>). */
lain_parse_opts_t appconf_parse_opts(const cluster_t *cl, const char *meta_version,
				     const char *default_image);

/* Hands conf to arena (lain_conf_free at its end); returns it. */
lain_conf_t *appconf_own(arena_t *arena, lain_conf_t *conf);

/* The lain.yaml stored in app's record, parsed; *out is the caller's
 * (lain_conf_free), NULL on failure. -ERR_NOT_FOUND when the record has no
 * meta. */
int appconf_parse_stored(const cluster_t *cl, const app_record_t *app, lain_conf_t **out,
			 err_t *err);

/* appconf_parse_stored, *out arena's. */
int appconf_stored(arena_t *arena, const cluster_t *cl, const app_record_t *app,
		   lain_conf_t **out, err_t *err);

/* The lain.yaml of app's meta image of version: its text (*yaml) and the
 * parse of it (*out), both arena's; failures as registry.h's and
 * lainyaml.h's. */
int appconf_image(ctx_t *ctx, arena_t *arena, const cluster_t *cl, const char *app,
		  const char *version, const char **yaml, lain_conf_t **out, err_t *err);

/* Every tag of repo in the registry (registry_tags; the list is arena's).
 * -ERR_NOT_FOUND when the registry does not know repo. */
int appconf_tags(ctx_t *ctx, arena_t *arena, const cluster_t *cl, const char *repo, char ***tags,
		 size_t *n, err_t *err);

/* The meta versions of repo in the registry, newest first (version.h's
 * version_list_meta of its tags; the list is arena's). -ERR_NOT_FOUND
 * when the registry does not know repo. */
int appconf_meta_versions(ctx_t *ctx, arena_t *arena, const cluster_t *cl, const char *repo,
			  char ***versions, err_t *err);

#endif
