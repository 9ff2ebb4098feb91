/*
 * cluster — the facts about the LAIN cluster that lain-console derives its
 * defaults from (spec §0.1): the domain (/lain/config/domain), the extra
 * domains (/lain/config/extra_domains), and what follows from them when the
 * configuration leaves it empty: registry host, deployd URL, SSO group
 * naming, redirect URLs.
 *
 * Read from etcd once per worker, on first use; a failed read is not cached
 * (the next request tries again).
 */
#ifndef CONSOLE_CLUSTER_H
#define CONSOLE_CLUSTER_H

#include <stddef.h>

#include "console/buf.h"
#include "console/ctx.h"

typedef struct cluster {
	const char *domain;             /* /lain/config/domain, or "example.lain.com" */
	const char *main_domain;        /* first extra domain, else domain */
	const char *const *extra_domains;
	size_t nextra;
	const char *registry;           /* CONSOLE_PRIVATE_REGISTRY or registry.<domain> */
	const char *apiserver;          /* CONSOLE_APISERVER or http://deploy.<domain> */
	const char *lvault_url;         /* LVAULT_CONFIG_URL or http://lvault.<domain>/v2/secrets */
	const char *webrouter_url;      /* CONSOLE_WEBROUTER_URL or http://webrouter.<main>/ab_admin */
	const char *server_name;        /* CONSOLE_SERVER_NAME or console.<main domain> */
	const char *sso_group_prefix;   /* SSO_GROUP_NAME_PREFIX or lainapp-<main domain> */
	const char *sso_fullname_prefix;/* SSO_GROUP_FULLNAME_PREFIX or "lain app in <main>: " */
	const char *sso_redirect_uri;   /* SSO_REDIRECT_URI or <scheme>://console.<main>/api/v1/authorize/ */
	const char *auth_complete_url;  /* CONSOLE_AUTH_COMPLETE_URL or <scheme>://archon.<main>/authorize/complete */
} cluster_t;

/* The cluster facts (owned by ctx). -ERR_UNAVAILABLE when etcd cannot be read. */
int cluster_get(ctx_t *ctx, const cluster_t **out, err_t *err);

/* The SSO group of app (spec §5.3): "<prefix>-<app>" with every '.' as '-'.
 * Appended to out. */
void cluster_app_group(const cluster_t *c, const char *app, buf_t *out);

#endif
