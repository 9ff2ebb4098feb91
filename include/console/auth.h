/*
 * auth — the console's auth switch (spec §5.1): on iff
 * /lain/config/auth/console holds JSON whose "type" is "lain-sso"; its "url"
 * is the SSO base URL. Read at most every 2 seconds per worker (a change
 * takes effect within that); a failed read is an error, not "off".
 */
#ifndef CONSOLE_AUTH_H
#define CONSOLE_AUTH_H

#include <stdbool.h>

#include "console/ctx.h"
#include "console/err.h"

typedef struct auth_switch {
	bool on;
	const char *sso_url;   /* "" when the switch has none (SSO_SERVER_NAME then) */
} auth_switch_t;

/* The switch as it stands (owned by ctx, valid until the next call). */
int auth_get(ctx_t *ctx, const auth_switch_t **out, err_t *err);

#endif
