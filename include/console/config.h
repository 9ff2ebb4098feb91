/*
 * config — every setting of lain-console, from defaults, a config file and
 * the environment.
 *
 * Each setting is one row of a table (app/config.c): its name is both the
 * config-file key and the environment variable (the original service's
 * names where it had one, spec §0.1; DESIGN.md for the new ones). Precedence:
 * default < file < environment < command-line flag.
 *
 * The file holds `NAME=value` lines; blank lines and lines starting with '#'
 * are ignored; a value may be wrapped in single or double quotes. An unknown
 * name or an invalid value fails the load with a message naming the key.
 */
#ifndef CONSOLE_CONFIG_H
#define CONSOLE_CONFIG_H

#include <stdbool.h>
#include <stdio.h>

#include "console/err.h"

#define CONFIG_DEFAULT_PATH "/etc/lain-console/console.conf"

typedef struct config {
	/* serving */
	char *fcgi_socket;         /* unix socket path, or HOST:PORT */
	long fcgi_socket_mode;
	char *fcgi_socket_group;
	long workers;
	long body_limit;           /* request body cap, bytes */
	char *log_level;
	char *log_format;          /* "text" or "json" (one object per line) */
	long drain_timeout;        /* seconds a SIGTERM waits for in-flight requests */
	long lock_ttl;             /* seconds an app's deploy lock outlives a dead holder */
	char *metrics_allow;       /* who may read GET /metrics (ipset.h list) */

	/* etcd */
	char *etcd_host;           /* comma-separated endpoints */
	char *etcd_config_api;     /* "v3" or "v2" for /lain/config/ */
	long etcd_timeout_ms;
	long etcd_connect_timeout_ms;
	char *apps_prefix;
	long snapshot_max_lag_ms;  /* the host's watch-fed snapshot of the app records; 0: none */
	char *need_auth_key;
	char *protected_apps_key;
	char *system_volumes_prefix;
	char *notifies_prefix;
	bool notify_allow_private;  /* webhooks may reach private addresses (urlpolicy.h) */
	bool notify_allow_loopback; /* ... and loopback ones */

	/* neighbours */
	char *apiserver;
	char *private_registry;
	char *docker_base_url;
	char *lvault_url;
	char *webrouter_url;       /* ABTestingGateway's admin API (canary policy groups) */
	char *api_scheme;
	char *server_name;
	char *gitlab_url;          /* E20's commit lookup; "": none */
	char *gitlab_host;         /* the host giturls name it by; "": gitlab_url's */
	char *gitlab_token;
	long gitlab_timeout_ms;    /* one lookup as a whole */
	long http_timeout_ms;
	long http_connect_timeout_ms;
	long podstatus_ttl_ms;     /* deployd's pod status shared by the host's workers (podcache.h) */

	/* SSO */
	char *sso_server_name;
	char *sso_client_id;
	char *sso_client_secret;
	char *sso_grant_type;
	char *sso_redirect_uri;
	char *auth_complete_url;
	char *sso_group_name_prefix;
	char *sso_group_fullname_prefix;
	char *lain_admin_name;
	char *lain_admin_role;
	long sso_cache_seconds;    /* /api/me and password answers, per worker */
	bool legacy_login;         /* archon's login: callback without our state, token in the query */

	/* registry token server */
	char *registry_key;
	char *registry_issuer;
	long registry_token_ttl;
	bool registry_anonymous_pull;

	/* deploy tokens (robot.h) */
	long deploy_token_max_days; /* longest lifetime of a new token */
} config_t;

/*
 * Loads defaults, then the file at path (when path is NULL: the default path,
 * and only if it exists), then the environment. On failure cfg is left
 * released and err names the key (and file line) at fault.
 */
int config_load(config_t *cfg, const char *path, err_t *err);

/* Sets one setting by name (as the file or the environment would). */
int config_set(config_t *cfg, const char *name, const char *value, err_t *err);

void config_release(config_t *cfg);

/* Prints every setting as NAME=value, secrets masked. */
void config_print(const config_t *cfg, FILE *out);

/* The default worker count: 4 x cores, at least 8. */
long config_default_workers(void);

#endif
