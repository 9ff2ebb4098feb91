#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "console/array.h"
#include "console/config.h"
#include "console/ipset.h"
#include "console/log.h"
#include "console/strx.h"
#include "console/xalloc.h"
#include "console/banned.h"

enum type { T_STR, T_LONG, T_BOOL, T_MODE };

/* Extra checks beyond the type. */
typedef int (*check_fn)(const char *value, err_t *err, const char *name);

struct row {
	const char *name;
	enum type type;
	size_t offset;
	const char *def;           /* NULL: computed (workers) or empty */
	long min, max;             /* T_LONG */
	check_fn check;
	int secret;
};

static int check_log_level(const char *v, err_t *err, const char *name)
{
	if (log_level_parse(v) < 0)
		return err_set(err, -ERR_INVALID, "%s: '%s' is not one of debug, info, warn, error",
			       name, v);
	return 0;
}

static int check_log_format(const char *v, err_t *err, const char *name)
{
	if (log_format_parse(v) < 0)
		return err_set(err, -ERR_INVALID, "%s: '%s' is not text or json", name, v);
	return 0;
}

static int check_config_api(const char *v, err_t *err, const char *name)
{
	if (strcmp(v, "v3") && strcmp(v, "v2"))
		return err_set(err, -ERR_INVALID, "%s: '%s' is not v3 or v2", name, v);
	return 0;
}

static int check_not_empty(const char *v, err_t *err, const char *name)
{
	if (!*v)
		return err_set(err, -ERR_INVALID, "%s: must not be empty", name);
	return 0;
}

static int check_prefix(const char *v, err_t *err, const char *name)
{
	if (v[0] != '/' || (strlen(v) > 1 && strx_suffix(v, "/")))
		return err_set(err, -ERR_INVALID, "%s: '%s' must start with '/' and not end with it",
			       name, v);
	return 0;
}

/* An address list (ipset.h) in which every entry parses: ipset itself
 * skips a malformed entry, which here would be a silent hole in the list. */
static int check_ipset(const char *v, err_t *err, const char *name)
{
	ipset_t set;
	ipset_parse(&set, v);
	size_t skipped = set.skipped;
	ipset_release(&set);
	if (skipped)
		return err_set(err, -ERR_INVALID,
			       "%s: '%s' has %zu entries that are not an address, a-b range or CIDR",
			       name, v, skipped);
	return 0;
}

#define S(n, f, d, c) { n, T_STR, offsetof(config_t, f), d, 0, 0, c, 0 }
#define SECRET(n, f) { n, T_STR, offsetof(config_t, f), "", 0, 0, NULL, 1 }
#define L(n, f, d, lo, hi) { n, T_LONG, offsetof(config_t, f), d, lo, hi, NULL, 0 }
#define B(n, f, d) { n, T_BOOL, offsetof(config_t, f), d, 0, 0, NULL, 0 }
#define M(n, f, d) { n, T_MODE, offsetof(config_t, f), d, 0, 07777, NULL, 0 }

/* Empty defaults that the spec derives from the cluster domain (registry,
 * deployd, SSO URLs) are filled in where the domain is known. */
static const struct row rows[] = {
	S("CONSOLE_FCGI_SOCKET", fcgi_socket, "/run/lain-console/fcgi.sock", check_not_empty),
	M("CONSOLE_FCGI_SOCKET_MODE", fcgi_socket_mode, "0660"),
	S("CONSOLE_FCGI_SOCKET_GROUP", fcgi_socket_group, "www-data", NULL),
	L("CONSOLE_WORKERS", workers, NULL, 1, 1024),
	L("CONSOLE_BODY_LIMIT", body_limit, "1048576", 1024, 64L << 20),
	S("CONSOLE_LOG_LEVEL", log_level, "info", check_log_level),
	S("CONSOLE_LOG_FORMAT", log_format, "text", check_log_format),
	L("CONSOLE_DRAIN_TIMEOUT", drain_timeout, "200", 1, 3600),
	L("CONSOLE_LOCK_TTL", lock_ttl, "60", 5, 3600),
	S("CONSOLE_METRICS_ALLOW", metrics_allow, "127.0.0.0/8,::1", check_ipset),

	S("CONSOLE_ETCD_HOST", etcd_host, "etcd.lain:4001", check_not_empty),
	S("CONSOLE_ETCD_CONFIG_API", etcd_config_api, "v3", check_config_api),
	L("CONSOLE_ETCD_TIMEOUT_MS", etcd_timeout_ms, "3000", 50, 600000),
	L("CONSOLE_ETCD_CONNECT_TIMEOUT_MS", etcd_connect_timeout_ms, "1000", 10, 60000),
	S("CONSOLE_APPS_ETCD_PREFIX", apps_prefix, "/lain/console/apps", check_prefix),
	L("CONSOLE_SNAPSHOT_MAX_LAG_MS", snapshot_max_lag_ms, "1000", 0, 60000),
	S("CONSOLE_NEED_AUTH_ETCD_KEY", need_auth_key, "/lain/config/auth/console", check_prefix),
	S("PROTECTED_APPS_ETCD_PREFIX", protected_apps_key, "/lain/config/protected_apps", check_prefix),
	S("CONSOLE_SYSTEM_VOLUMES_ETCD_PREFIX", system_volumes_prefix, "/lain/config/system_volumes",
	  check_prefix),
	S("CONSOLE_NOTIFIES_PREFIX", notifies_prefix, "/lain/console/notifies", check_prefix),
	B("CONSOLE_NOTIFY_ALLOW_PRIVATE", notify_allow_private, "0"),
	B("CONSOLE_NOTIFY_ALLOW_LOOPBACK", notify_allow_loopback, "0"),

	S("CONSOLE_APISERVER", apiserver, "", NULL),
	S("CONSOLE_PRIVATE_REGISTRY", private_registry, "", NULL),
	S("CONSOLE_DOCKER_BASE_URL", docker_base_url, "", NULL),
	S("LVAULT_CONFIG_URL", lvault_url, "", NULL),
	S("CONSOLE_WEBROUTER_URL", webrouter_url, "", NULL),
	S("CONSOLE_API_SCHEME", api_scheme, "http", NULL),
	S("CONSOLE_SERVER_NAME", server_name, "", NULL),
	S("CONSOLE_GITLAB_URL", gitlab_url, "", NULL),
	S("CONSOLE_GITLAB_HOST", gitlab_host, "", NULL),
	SECRET("GITLAB_TOKEN", gitlab_token),
	L("CONSOLE_GITLAB_TIMEOUT_MS", gitlab_timeout_ms, "10000", 100, 120000),
	L("CONSOLE_HTTP_TIMEOUT_MS", http_timeout_ms, "30000", 50, 600000),
	L("CONSOLE_HTTP_CONNECT_TIMEOUT_MS", http_connect_timeout_ms, "2000", 10, 60000),
	L("CONSOLE_PODSTATUS_TTL_MS", podstatus_ttl_ms, "1000", 0, 1000),

	S("SSO_SERVER_NAME", sso_server_name, "", NULL),
	S("SSO_CLIENT_ID", sso_client_id, "", NULL),
	SECRET("SSO_CLIENT_SECRET", sso_client_secret),
	S("SSO_GRANT_TYPE", sso_grant_type, "authorization_code", NULL),
	S("SSO_REDIRECT_URI", sso_redirect_uri, "", NULL),
	S("CONSOLE_AUTH_COMPLETE_URL", auth_complete_url, "", NULL),
	S("SSO_GROUP_NAME_PREFIX", sso_group_name_prefix, "", NULL),
	S("SSO_GROUP_FULLNAME_PREFIX", sso_group_fullname_prefix, "", NULL),
	S("CONSOLE_LAIN_ADMIN_NAME", lain_admin_name, "lain", check_not_empty),
	S("CONSOLE_LAIN_ADMIN_ROLE", lain_admin_role, "admin", check_not_empty),
	L("CONSOLE_SSO_CACHE_SECONDS", sso_cache_seconds, "5", 0, 10),
	B("CONSOLE_LEGACY_LOGIN", legacy_login, "0"),

	S("CONSOLE_REGISTRY_KEY", registry_key, "", NULL),
	S("CONSOLE_REGISTRY_ISSUER", registry_issuer, "auth server", check_not_empty),
	L("CONSOLE_REGISTRY_TOKEN_TTL", registry_token_ttl, "1800", 10, 86400),
	B("CONSOLE_REGISTRY_ANONYMOUS_PULL", registry_anonymous_pull, "0"),
	L("CONSOLE_DEPLOY_TOKEN_MAX_DAYS", deploy_token_max_days, "90", 1, 3650),
};

#define NROWS (ARRAY_SIZE(rows))

long config_default_workers(void)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	long n = 4 * (cores > 0 ? cores : 1);
	return n < 8 ? 8 : n;
}

static const struct row *find(const char *name)
{
	for (size_t i = 0; i < NROWS; i++)
		if (!strcmp(rows[i].name, name))
			return &rows[i];
	return NULL;
}

static int apply(config_t *cfg, const struct row *r, const char *value, err_t *err)
{
	void *field = (char *)cfg + r->offset;
	long v;
	bool b;

	if (r->check) {
		int rc = r->check(value, err, r->name);
		if (rc)
			return rc;
	}
	switch (r->type) {
	case T_STR:
		free(*(char **)field);
		*(char **)field = xstrdup(value);
		return 0;
	case T_LONG:
		if (strx_to_long(value, r->min, r->max, &v))
			return err_set(err, -ERR_INVALID, "%s: '%s' is not an integer in [%ld, %ld]",
				       r->name, value, r->min, r->max);
		*(long *)field = v;
		return 0;
	case T_MODE: {
		char *end;
		errno = 0;
		v = strtol(value, &end, 8);
		if (!*value || *end || errno || v < 0 || v > r->max)
			return err_set(err, -ERR_INVALID, "%s: '%s' is not an octal file mode",
				       r->name, value);
		*(long *)field = v;
		return 0;
	}
	case T_BOOL:
		if (strx_to_bool(value, &b))
			return err_set(err, -ERR_INVALID, "%s: '%s' is not a boolean (1/0, true/false)",
				       r->name, value);
		*(bool *)field = b;
		return 0;
	}
	return -ERR_INTERNAL;
}

int config_set(config_t *cfg, const char *name, const char *value, err_t *err)
{
	const struct row *r = find(name);
	if (!r)
		return err_set(err, -ERR_INVALID, "unknown setting '%s'", name);
	return apply(cfg, r, value, err);
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	char *e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

static int load_file(config_t *cfg, const char *path, FILE *f, err_t *err)
{
	char line[4096];
	int lineno = 0;
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		char *s = trim(line);
		if (!*s || *s == '#')
			continue;
		char *eq = strchr(s, '=');
		if (!eq)
			return err_set(err, -ERR_INVALID, "%s:%d: expected NAME=value", path, lineno);
		*eq = '\0';
		char *name = trim(s);
		char *value = trim(eq + 1);
		size_t len = strlen(value);
		if (len >= 2 && (value[0] == '"' || value[0] == '\'') && value[len - 1] == value[0]) {
			value[len - 1] = '\0';
			value++;
		}
		int rc = config_set(cfg, name, value, err);
		if (rc)
			return err_wrap(err, "%s:%d", path, lineno);
	}
	if (ferror(f))
		return err_set(err, -ERR_INVALID, "%s: read error: %s", path, strerror(errno));
	return 0;
}

int config_load(config_t *cfg, const char *path, err_t *err)
{
	int rc = 0;
	memset(cfg, 0, sizeof(*cfg));
	for (size_t i = 0; i < NROWS; i++) {
		if (rows[i].def) {
			rc = apply(cfg, &rows[i], rows[i].def, err);
			if (rc)
				goto fail;
		}
	}
	cfg->workers = config_default_workers();

	const char *file = path ? path : CONFIG_DEFAULT_PATH;
	FILE *f = fopen(file, "r");
	if (!f && (path || errno != ENOENT)) {
		rc = err_set(err, -ERR_INVALID, "cannot read config file '%s': %s", file,
			     strerror(errno));
		goto fail;
	}
	if (f) {
		rc = load_file(cfg, file, f, err);
		fclose(f);
		if (rc)
			goto fail;
	}
	for (size_t i = 0; i < NROWS; i++) {
		const char *v = getenv(rows[i].name);
		if (v) {
			rc = apply(cfg, &rows[i], v, err);
			if (rc)
				goto fail;
		}
	}
	return 0;
fail:
	config_release(cfg);
	return rc;
}

void config_release(config_t *cfg)
{
	for (size_t i = 0; i < NROWS; i++)
		if (rows[i].type == T_STR) {
			char **field = (char **)((char *)cfg + rows[i].offset);
			free(*field);
			*field = NULL;
		}
}

void config_print(const config_t *cfg, FILE *out)
{
	for (size_t i = 0; i < NROWS; i++) {
		const struct row *r = &rows[i];
		const void *field = (const char *)cfg + r->offset;
		switch (r->type) {
		case T_STR: {
			const char *s = *(char *const *)field;
			fprintf(out, "%s=%s\n", r->name, r->secret && s && *s ? "********" : s ? s : "");
			break;
		}
		case T_LONG:
			fprintf(out, "%s=%ld\n", r->name, *(const long *)field);
			break;
		case T_MODE:
			fprintf(out, "%s=%04lo\n", r->name, *(const long *)field);
			break;
		case T_BOOL:
			fprintf(out, "%s=%d\n", r->name, *(const bool *)field ? 1 : 0);
			break;
		}
	}
}
