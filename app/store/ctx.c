#include "console/ctx.h"
#include "console/xalloc.h"
#include "console/banned.h"

int ctx_open(ctx_t *ctx, err_t *err)
{
	const config_t *cfg = ctx->cfg;
	for (int i = 0; i < CTX_SLOT_COUNT; i++) {
		ctx->slots[i] = NULL;
		ctx->slot_free[i] = NULL;
	}
	return etcd_new(&ctx->etcd, cfg->etcd_host, cfg->etcd_timeout_ms,
			cfg->etcd_connect_timeout_ms, err);
}

void ctx_close(ctx_t *ctx)
{
	for (int i = CTX_SLOT_COUNT - 1; i >= 0; i--) {
		if (ctx->slots[i] && ctx->slot_free[i])
			ctx->slot_free[i](ctx->slots[i]);
		ctx->slots[i] = NULL;
	}
	etcd_free(ctx->etcd);
	ctx->etcd = NULL;
}

void *ctx_slot(ctx_t *ctx, enum ctx_slot slot, size_t size, void (*destroy)(void *state))
{
	if (!ctx->slots[slot]) {
		ctx->slots[slot] = xcalloc(1, size);
		ctx->slot_free[slot] = destroy;
	}
	return ctx->slots[slot];
}
