/* An app's lain.yaml, stored or from its meta image; see appconf.h. */
#include <string.h>

#include "console/registry.h"
#include "console/tmpl.h"
#include "console/version.h"
#include "appconf.h"
#include "peers.h"
#include "console/banned.h"

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

int appconf_stored(const cluster_t *cl, const app_record_t *app, lain_conf_t **out, err_t *err)
{
	*out = NULL;
	if (!*app->meta || !*app->meta_version)
		return err_set(err, -ERR_NOT_FOUND, "app %s has no meta stored", app->appname);
	lain_parse_opts_t po = appconf_parse_opts(cl, app->meta_version, app->default_image);
	return tmpl_load_conf(app->meta, strlen(app->meta), &po, NULL, NULL, out, err);
}

int appconf_image(ctx_t *ctx, const cluster_t *cl, const char *app, const char *version,
		  buf_t *yaml, lain_conf_t **out, err_t *err)
{
	*out = NULL;
	int rc = registry_read_lainyaml(peers_registry(ctx, cl), app, version, yaml, err);
	if (rc)
		return rc;
	lain_parse_opts_t po = appconf_parse_opts(cl, version, NULL);
	return tmpl_load_conf(yaml->data, yaml->len, &po, NULL, NULL, out, err);
}

int appconf_meta_versions(ctx_t *ctx, const cluster_t *cl, const char *repo, char ***versions,
			  err_t *err)
{
	char **tags;
	size_t n;
	int rc = registry_tags(peers_registry(ctx, cl), repo, 0, &tags, &n, err);
	if (rc)
		return rc;
	*versions = version_list_meta((const char *const *)tags, n);
	registry_tags_free(tags);
	return 0;
}
