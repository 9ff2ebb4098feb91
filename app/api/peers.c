/* This worker's clients of its neighbours; see peers.h. */
#include "console/auth.h"
#include "console/registry_auth.h"
#include "peers.h"
#include "console/banned.h"

static void free_deployd(void *p)
{
	deployd_free(p);
}

static void free_registry(void *p)
{
	registry_free(p);
}

static void free_lvault(void *p)
{
	lvault_free(p);
}

static void free_docker(void *p)
{
	docker_free(p);
}

static void free_sso(void *p)
{
	sso_free(p);
}

deployd_t *peers_deployd(ctx_t *ctx, const cluster_t *cl)
{
	deployd_t *d = ctx_slot_get(ctx, CTX_SLOT_DEPLOYD);
	if (!d)
		d = ctx_slot_put(ctx, CTX_SLOT_DEPLOYD,
				 deployd_new(cl->apiserver, ctx->cfg->http_timeout_ms,
					     ctx->cfg->http_connect_timeout_ms),
				 free_deployd);
	return d;
}

/* The registry client's token source: this worker's own token server. */
static int mint(void *data, const char *repo, buf_t *token, err_t *err)
{
	return registry_token_internal(data, repo, token, err);
}

registry_t *peers_registry(ctx_t *ctx, const cluster_t *cl)
{
	registry_t *r = ctx_slot_get(ctx, CTX_SLOT_REGISTRY);
	if (!r)
		r = ctx_slot_put(ctx, CTX_SLOT_REGISTRY,
				 registry_new(cl->registry, ctx->cfg->http_timeout_ms,
					      ctx->cfg->http_connect_timeout_ms, mint, ctx),
				 free_registry);
	return r;
}

lvault_t *peers_lvault(ctx_t *ctx, const cluster_t *cl)
{
	lvault_t *lv = ctx_slot_get(ctx, CTX_SLOT_LVAULT);
	if (!lv)
		lv = ctx_slot_put(ctx, CTX_SLOT_LVAULT, lvault_new(cl->lvault_url), free_lvault);
	return lv;
}

docker_t *peers_docker(ctx_t *ctx)
{
	const char *base = ctx->cfg->docker_base_url;
	if (!base || !*base)
		return NULL;
	docker_t *d = ctx_slot_get(ctx, CTX_SLOT_DOCKER);
	if (!d)
		d = ctx_slot_put(ctx, CTX_SLOT_DOCKER,
				 docker_new(base, ctx->cfg->http_timeout_ms,
					    ctx->cfg->http_connect_timeout_ms),
				 free_docker);
	return d;
}

sso_t *peers_sso(ctx_t *ctx)
{
	const config_t *cfg = ctx->cfg;
	sso_t *s = ctx_slot_get(ctx, CTX_SLOT_SSO);
	if (!s) {
		sso_opts_t o = {
			.timeout_ms = cfg->http_timeout_ms,
			.connect_timeout_ms = cfg->http_connect_timeout_ms,
			.cache_seconds = cfg->sso_cache_seconds,
			.client_id = cfg->sso_client_id,
			.client_secret = cfg->sso_client_secret,
		};
		s = ctx_slot_put(ctx, CTX_SLOT_SSO, sso_new(&o), free_sso);
	}
	const auth_switch_t *sw;
	err_t err = ERR_INIT;
	if (!auth_get(ctx, &sw, &err) && *sw->sso_url)
		sso_set_base(s, sw->sso_url);
	else
		sso_set_base(s, cfg->sso_server_name);
	return s;
}
