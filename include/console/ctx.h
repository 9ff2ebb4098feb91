/*
 * ctx — what a worker holds for its whole life and lends to every request:
 * the configuration, the etcd client, and the clients and caches of the
 * other modules (each with its kept-alive connections). Nothing in it is per
 * request; per-request state lives in request_t.
 *
 * Modules keep their per-worker state in a slot, created on first use:
 *
 *     struct cache *c = ctx_slot(ctx, CTX_SLOT_APPS, cache_create, cache_destroy);
 *
 * so a worker only opens what its requests need, and ctx_close() frees it.
 */
#ifndef CONSOLE_CTX_H
#define CONSOLE_CTX_H

#include "console/config.h"
#include "console/etcd.h"

enum ctx_slot {
	CTX_SLOT_CLUSTER,   /* cluster.c: domains and derived URLs */
	CTX_SLOT_AUTH,      /* auth.c: the auth switch, cached */
	CTX_SLOT_SSO,       /* api/peers.c: the SSO client and its caches */
	CTX_SLOT_DEPLOYD,   /* api/peers.c: the deployd client */
	CTX_SLOT_REGISTRY,  /* api/peers.c: the registry client */
	CTX_SLOT_TOKENS,    /* registry token server: key, credential cache */
	CTX_SLOT_APPS,      /* store/apps.c: parsed records by revision */
	CTX_SLOT_DOCKER,    /* api/peers.c: the Docker API client */
	CTX_SLOT_LVAULT,    /* api/peers.c: the lvault client */
	CTX_SLOT_COUNT
};

typedef struct ctx {
	const config_t *cfg;
	etcd_t *etcd;
	void *slots[CTX_SLOT_COUNT];
	void (*slot_free[CTX_SLOT_COUNT])(void *);
} ctx_t;

/* Creates the etcd client of a worker; ctx->cfg must be set. */
int ctx_open(ctx_t *ctx, err_t *err);
/* Frees every slot (newest last) and the etcd client. */
void ctx_close(ctx_t *ctx);

/* The state in slot, made by create(ctx) on first use; destroy frees it at
 * ctx_close. create never fails (it may leave parts to be set up later). */
void *ctx_slot(ctx_t *ctx, enum ctx_slot slot, void *(*create)(ctx_t *ctx),
	       void (*destroy)(void *state));

/* The state in slot, or NULL when there is none yet. */
void *ctx_slot_get(const ctx_t *ctx, enum ctx_slot slot);

/* Puts state (never NULL) in the empty slot, freed by destroy at
 * ctx_close; returns it. For state whose making needs more than ctx. */
void *ctx_slot_put(ctx_t *ctx, enum ctx_slot slot, void *state, void (*destroy)(void *state));

#endif
