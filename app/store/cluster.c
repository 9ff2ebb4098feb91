#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "console/cluster.h"
#include "console/store.h"
#include "console/xalloc.h"
#include "console/banned.h"

#define MAX_EXTRA 16

struct cluster_state {
	cluster_t c;
	int loaded;
	char *strings[16 + MAX_EXTRA];  /* everything c points at */
	size_t nstrings;
	const char *extra[MAX_EXTRA];
};

static void destroy(void *p)
{
	struct cluster_state *s = p;
	for (size_t i = 0; i < s->nstrings; i++)
		free(s->strings[i]);
	free(s);
}

/* Keeps str in the state and returns it. */
static const char *keep(struct cluster_state *s, char *str)
{
	s->strings[s->nstrings++] = str;
	return str;
}

static const char *or_default(struct cluster_state *s, const char *configured, char *derived)
{
	if (configured && *configured) {
		free(derived);
		return configured;
	}
	return keep(s, derived);
}

int cluster_get(ctx_t *ctx, const cluster_t **out, err_t *err)
{
	struct cluster_state *s = ctx_slot(ctx, CTX_SLOT_CLUSTER, sizeof(*s), destroy);
	if (s->loaded) {
		*out = &s->c;
		return 0;
	}
	arena_t *a = arena_new();
	const char *domain, *extra;
	int rc = store_config_get(ctx, a, "/lain/config/domain", &domain, err);
	if (!rc)
		rc = store_config_get(ctx, a, "/lain/config/extra_domains", &extra, err);
	if (rc) {
		arena_free(a);
		return err_wrap(err, "cannot read the cluster domain");
	}
	const config_t *cfg = ctx->cfg;
	cluster_t *c = &s->c;
	c->domain = keep(s, xstrdup(domain && *domain ? domain : "example.lain.com"));
	c->nextra = 0;
	json_object *list = extra ? json_tokener_parse(extra) : NULL;
	if (list && json_object_is_type(list, json_type_array)) {
		size_t n = json_object_array_length(list);
		for (size_t i = 0; i < n && c->nextra < MAX_EXTRA; i++) {
			json_object *e = json_object_array_get_idx(list, i);
			if (json_object_is_type(e, json_type_string) && *json_object_get_string(e))
				s->extra[c->nextra++] = keep(s, xstrdup(json_object_get_string(e)));
		}
	}
	json_object_put(list);
	arena_free(a);
	c->extra_domains = s->extra;
	c->main_domain = c->nextra ? c->extra_domains[0] : c->domain;
	const char *d = c->domain, *m = c->main_domain, *scheme = cfg->api_scheme;
	c->registry = or_default(s, cfg->private_registry, xasprintf("registry.%s", d));
	c->apiserver = or_default(s, cfg->apiserver, xasprintf("http://deploy.%s", d));
	c->lvault_url = or_default(s, cfg->lvault_url, xasprintf("http://lvault.%s/v2/secrets", d));
	c->webrouter_url =
		or_default(s, cfg->webrouter_url, xasprintf("http://webrouter.%s/ab_admin", m));
	c->server_name = or_default(s, cfg->server_name, xasprintf("console.%s", m));
	c->sso_group_prefix = or_default(s, cfg->sso_group_name_prefix, xasprintf("lainapp-%s", m));
	c->sso_fullname_prefix =
		or_default(s, cfg->sso_group_fullname_prefix, xasprintf("lain app in %s: ", m));
	c->sso_redirect_uri = or_default(s, cfg->sso_redirect_uri,
					 xasprintf("%s://console.%s/api/v1/authorize/", scheme, m));
	c->auth_complete_url = or_default(s, cfg->auth_complete_url,
					  xasprintf("%s://archon.%s/authorize/complete", scheme, m));
	s->loaded = 1;
	*out = c;
	return 0;
}

void cluster_app_group(const cluster_t *c, const char *app, buf_t *out)
{
	size_t start = out->len;
	buf_addf(out, "%s-%s", c->sso_group_prefix, app);
	for (size_t i = start; i < out->len; i++)
		if (out->data[i] == '.')
			out->data[i] = '-';
}
