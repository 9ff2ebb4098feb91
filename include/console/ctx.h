/*
 * ctx — what a worker holds for its whole life and lends to every request:
 * the configuration, the etcd client, and the clients and caches of the
 * other modules (each with its kept-alive connections). Nothing in it is per
 * request; per-request state lives in request_t.
 *
 * Modules keep their per-worker state in a slot, created on first use:
 *
 *     struct cache *c = ctx_slot(ctx, CTX_SLOT_APPS, sizeof(*c), cache_destroy);
 *
 * so a worker only opens what its requests need, and ctx_close() frees it.
 */
#ifndef CONSOLE_CTX_H
#define CONSOLE_CTX_H

#include <stdbool.h>

#include "console/config.h"
#include "console/etcd.h"

enum ctx_slot {
	CTX_SLOT_CLUSTER,   /* cluster.c: domains and derived URLs */
	CTX_SLOT_AUTH,      /* auth.c: the auth switch, cached */
	CTX_SLOT_PEERS,     /* api/peers.c: the clients of the neighbours, their caches */
	CTX_SLOT_TOKENS,    /* registry token server: key, credential cache */
	CTX_SLOT_APPS,      /* store/apps.c: parsed records by revision */
	CTX_SLOT_APPVIEW,   /* api/appview.c: parsed lain.yaml, rendered App objects */
	CTX_SLOT_REPOS,     /* api/repos.c: the last listing's text */
	CTX_SLOT_LOCKS,     /* store/locks.c: leases whose revoke failed, to retry */
	CTX_SLOT_COUNT
};

typedef struct ctx {
	const config_t *cfg;
	etcd_t *etcd;
	bool snapshot_reads;        /* the request being served only reads: it may read the
	                               host's snapshot of the app records (snapshot.h) */
	void *slots[CTX_SLOT_COUNT];
	void (*slot_free[CTX_SLOT_COUNT])(void *);
} ctx_t;

/* Creates the etcd client of a worker; ctx->cfg must be set. */
int ctx_open(ctx_t *ctx, err_t *err);
/* Frees every slot (newest last) and the etcd client. */
void ctx_close(ctx_t *ctx);

/* The state in slot: size zeroed bytes on first use, which the module
 * fills as it needs (nothing can fail there); destroy(state) frees it at
 * ctx_close, the state itself included. */
void *ctx_slot(ctx_t *ctx, enum ctx_slot slot, size_t size, void (*destroy)(void *state));

#endif
