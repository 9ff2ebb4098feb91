/* This worker's clients of its neighbours; see peers.h. */
#include <stdlib.h>

#include "console/auth.h"
#include "console/registry_auth.h"
#include "peers.h"
#include "console/banned.h"

/* The clients, each made on first use. */
struct peers {
	deployd_t *deployd;
	registry_t *registry;
	lvault_t *lvault;
	webrouter_t *webrouter;
	docker_t *docker;
	sso_t *sso;
	gitlab_t *gitlab;
};

static void peers_destroy(void *p)
{
	struct peers *ps = p;
	deployd_free(ps->deployd);
	registry_free(ps->registry);
	lvault_free(ps->lvault);
	webrouter_free(ps->webrouter);
	docker_free(ps->docker);
	sso_free(ps->sso);
	gitlab_free(ps->gitlab);
	free(ps);
}

static struct peers *peers_of(ctx_t *ctx)
{
	return ctx_slot(ctx, CTX_SLOT_PEERS, sizeof(struct peers), peers_destroy);
}

deployd_t *peers_deployd(ctx_t *ctx, const cluster_t *cl)
{
	struct peers *ps = peers_of(ctx);
	if (!ps->deployd)
		ps->deployd = deployd_new(cl->apiserver, ctx->cfg->http_timeout_ms,
					  ctx->cfg->http_connect_timeout_ms);
	return ps->deployd;
}

/* The registry client's token source: this worker's own token server. */
static int mint(void *data, const char *repo, buf_t *token, err_t *err)
{
	return registry_token_internal(data, repo, token, err);
}

registry_t *peers_registry(ctx_t *ctx, const cluster_t *cl)
{
	struct peers *ps = peers_of(ctx);
	if (!ps->registry)
		ps->registry = registry_new(cl->registry, ctx->cfg->http_timeout_ms,
					    ctx->cfg->http_connect_timeout_ms, mint, ctx);
	return ps->registry;
}

lvault_t *peers_lvault(ctx_t *ctx, const cluster_t *cl)
{
	struct peers *ps = peers_of(ctx);
	if (!ps->lvault)
		ps->lvault = lvault_new(cl->lvault_url);
	return ps->lvault;
}

webrouter_t *peers_webrouter(ctx_t *ctx, const cluster_t *cl)
{
	struct peers *ps = peers_of(ctx);
	if (!ps->webrouter)
		ps->webrouter = webrouter_new(cl->webrouter_url);
	return ps->webrouter;
}

docker_t *peers_docker(ctx_t *ctx)
{
	const char *base = ctx->cfg->docker_base_url;
	if (!base || !*base)
		return NULL;
	struct peers *ps = peers_of(ctx);
	if (!ps->docker)
		ps->docker = docker_new(base, ctx->cfg->http_timeout_ms,
					ctx->cfg->http_connect_timeout_ms);
	return ps->docker;
}

gitlab_t *peers_gitlab(ctx_t *ctx)
{
	const config_t *cfg = ctx->cfg;
	if (!cfg->gitlab_url || !*cfg->gitlab_url)
		return NULL;
	struct peers *ps = peers_of(ctx);
	if (!ps->gitlab)
		ps->gitlab = gitlab_new(cfg->gitlab_url, cfg->gitlab_token, cfg->gitlab_timeout_ms,
					cfg->http_connect_timeout_ms);
	return ps->gitlab;
}

sso_t *peers_sso(ctx_t *ctx)
{
	const config_t *cfg = ctx->cfg;
	struct peers *ps = peers_of(ctx);
	if (!ps->sso) {
		sso_opts_t o = {
			.timeout_ms = cfg->http_timeout_ms,
			.connect_timeout_ms = cfg->http_connect_timeout_ms,
			.cache_seconds = cfg->sso_cache_seconds,
			.client_id = cfg->sso_client_id,
			.client_secret = cfg->sso_client_secret,
		};
		ps->sso = sso_new(&o);
	}
	const auth_switch_t *sw;
	err_t err = ERR_INIT;
	if (!auth_get(ctx, &sw, &err) && *sw->sso_url)
		sso_set_base(ps->sso, sw->sso_url);
	else
		sso_set_base(ps->sso, cfg->sso_server_name);
	return ps->sso;
}
