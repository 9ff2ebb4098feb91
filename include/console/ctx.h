/*
 * ctx — what a worker holds for its whole life and lends to every request:
 * the configuration and its clients (each with its kept-alive connections).
 * Nothing in it is per request; per-request state lives in request_t.
 */
#ifndef CONSOLE_CTX_H
#define CONSOLE_CTX_H

#include "console/config.h"
#include "console/etcd.h"

typedef struct ctx {
	const config_t *cfg;
	etcd_t *etcd;
} ctx_t;

/* Creates the clients of a worker; ctx->cfg must be set. */
int ctx_open(ctx_t *ctx, err_t *err);
void ctx_close(ctx_t *ctx);

#endif
