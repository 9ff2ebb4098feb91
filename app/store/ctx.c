#include "console/ctx.h"
#include "console/banned.h"

int ctx_open(ctx_t *ctx, err_t *err)
{
	const config_t *cfg = ctx->cfg;
	return etcd_new(&ctx->etcd, cfg->etcd_host, cfg->etcd_timeout_ms,
			cfg->etcd_connect_timeout_ms, err);
}

void ctx_close(ctx_t *ctx)
{
	etcd_free(ctx->etcd);
	ctx->etcd = NULL;
}
