/*
 * lvault — the secrets of a proc (console-api.md §4.6, lain-ecosystem.md
 * lvault): GET <LVAULT_CONFIG_URL>?app=<app>&proc=<podgroup> with the
 * caller's access-token (lvault asks console's E16 whether the caller may).
 * Connect timeout 3 s, total 20 s. lvault unreachable: -ERR_UNAVAILABLE
 * "lvault unavailable: ..."; a refusal: -ERR_BAD_GATEWAY quoting it.
 */
#ifndef CONSOLE_LVAULT_H
#define CONSOLE_LVAULT_H

#include <stddef.h>
#include <stdint.h>

#include "console/arena.h"
#include "console/err.h"
#include "console/httpc.h"

/* An lvault client is an HTTP client at the secrets URL. */
typedef httpc_t lvault_t;

/* A client of lvault's secrets at url (LVAULT_CONFIG_URL, used as it is);
 * never NULL. */
lvault_t *lvault_new(const char *url);
void lvault_free(lvault_t *lv);

typedef struct lvault_secret {
	const char *path;        /* "<app>/<podgroup>/<absolute path in the container>" */
	const char *content;
	size_t len;
	unsigned mode;           /* from lvault's octal string, 0400 if absent */
	int64_t timestamp;
} lvault_secret_t;

/* The secrets of proc (podgroup name) of app, in arena: *n 0 when lvault
 * has none (its 404). token NULL or "": "unknown" is sent, as lain-cli does. */
int lvault_secrets(lvault_t *lv, arena_t *arena, const char *token, const char *app,
		   const char *proc, lvault_secret_t **out, size_t *n, err_t *err);

#endif
