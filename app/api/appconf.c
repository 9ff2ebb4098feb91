/* An app's lain.yaml, stored or from its meta image, and the versions of
 * its images; see appconf.h. */
#include <string.h>

#include "console/registry.h"
#include "console/tmpl.h"
#include "console/version.h"
#include "appconf.h"
#include "peers.h"
#include "console/banned.h"

/* The arena's hooks for what is handed to it here. */
static void conf_free(void *conf)
{
	lain_conf_free(conf);
}

static void tags_free(void *tags)
{
	registry_tags_free(tags);
}

static void versions_free(void *versions)
{
	version_list_free(versions);
}

lain_parse_opts_t appconf_parse_opts(const cluster_t *cl, const char *meta_version,
				     const char *default_image)
{
	return (lain_parse_opts_t){
		.domain = cl->domain,
		.extra_domains = cl->extra_domains,
		.n_extra_domains = cl->nextra,
		.registry = cl->registry,
		.meta_version = meta_version,
		.default_image = default_image && *default_image ? default_image : NULL,
	};
}

lain_conf_t *appconf_own(arena_t *arena, lain_conf_t *conf)
{
	return arena_own(arena, conf, conf_free);
}

int appconf_parse_stored(const cluster_t *cl, const app_record_t *app, lain_conf_t **out,
			 err_t *err)
{
	*out = NULL;
	if (!*app->meta || !*app->meta_version)
		return err_set(err, -ERR_NOT_FOUND, "app %s has no meta stored", app->appname);
	lain_parse_opts_t po = appconf_parse_opts(cl, app->meta_version, app->default_image);
	int rc = tmpl_load_conf(app->meta, strlen(app->meta), &po, NULL, NULL, out, err);
	if (rc) {
		lain_conf_free(*out);
		*out = NULL;
	}
	return rc;
}

int appconf_stored(arena_t *arena, const cluster_t *cl, const app_record_t *app,
		   lain_conf_t **out, err_t *err)
{
	int rc = appconf_parse_stored(cl, app, out, err);
	appconf_own(arena, *out);
	return rc;
}

int appconf_image(ctx_t *ctx, arena_t *arena, const cluster_t *cl, const char *app,
		  const char *version, const char **yaml, lain_conf_t **out, err_t *err)
{
	buf_t text = BUF_INIT;
	*out = NULL;
	*yaml = NULL;
	int rc = registry_read_lainyaml(peers_registry(ctx, cl), app, version, &text, err);
	if (!rc) {
		*yaml = arena_strndup(arena, text.data, text.len);
		lain_parse_opts_t po = appconf_parse_opts(cl, version, NULL);
		rc = tmpl_load_conf(text.data, text.len, &po, NULL, NULL, out, err);
		appconf_own(arena, *out);
	}
	buf_release(&text);
	return rc;
}

int appconf_tags(ctx_t *ctx, arena_t *arena, const cluster_t *cl, const char *repo, char ***tags,
		 size_t *n, err_t *err)
{
	int rc = registry_tags(peers_registry(ctx, cl), repo, 0, tags, n, err);
	if (!rc)
		arena_own(arena, *tags, tags_free);
	return rc;
}

int appconf_meta_versions(ctx_t *ctx, arena_t *arena, const cluster_t *cl, const char *repo,
			  char ***versions, err_t *err)
{
	char **tags;
	size_t n;
	int rc = appconf_tags(ctx, arena, cl, repo, &tags, &n, err);
	if (!rc)
		*versions = arena_own(arena, version_list_meta((const char *const *)tags, n),
				      versions_free);
	return rc;
}
