/*
 * lainyaml — lain.yaml parsed into a typed app model, with lain-sdk 2.5.1's
 * semantics (console-api.md §3.4, lain-ecosystem.md §2): every section form,
 * every proc key with its default, normalisation and clamp.
 *
 * Reads all three stored-meta styles (§2.3): plain lain.yaml, the quoted
 * style with explicit !!int/!!bool/!!float/!!null/!!str tags, and block YAML
 * of rendered resource instances (JSON text works too). A key whose value is
 * null counts as absent. Input over 1 MiB or nested deeper than 64 levels is
 * rejected.
 *
 * Errors name the key path and the line, e.g.
 *     web.foo: mountpoint is required for a web proc not named web (line 12)
 *
 * Everything a lain_conf_t points to lives in its arena and goes with
 * lain_conf_free(); nothing is shared with the input or the options.
 */
#ifndef CONSOLE_LAINYAML_H
#define CONSOLE_LAINYAML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "console/arena.h"
#include "console/err.h"

struct json_object;

/* What the parse needs from the cluster and the deploy. */
typedef struct lain_parse_opts {
	const char *domain;                 /* DOMAIN, e.g. "lain.local" (required) */
	const char *const *extra_domains;   /* EXTRA_DOMAINS */
	size_t n_extra_domains;
	const char *registry;               /* e.g. "registry.lain.local" (required) */
	const char *meta_version;           /* of the release image (required) */
	/* Image of procs without image:, instead of
	 * <registry>/<appname>:release-<meta_version> (resource instances). */
	const char *default_image;
} lain_parse_opts_t;

typedef struct lain_strs {
	size_t n;
	const char **v;
} lain_strs_t;

enum lain_proc_type { LAIN_WEB, LAIN_WORKER, LAIN_ONESHOT, LAIN_PORTAL };

typedef struct lain_port {
	int number;
	const char *proto;                  /* "tcp" | "udp" */
} lain_port_t;

typedef struct lain_stream_port {
	int srcport;                        /* 9500..10000 */
	int dstport;                        /* 1..65535 */
	const char *proto;                  /* "tcp" | "udp" */
} lain_stream_port_t;

typedef struct lain_label {
	const char *key, *value;
} lain_label_t;

typedef struct lain_backup {
	const char *procname;               /* <app>.<type>.<proc> */
	const char *volume;                 /* absolute */
	const char *schedule, *expire;
	const char *mode;                   /* "full" | "increment" */
	const char *pre_run, *post_run;
} lain_backup_t;

typedef struct lain_proc {
	const char *name;
	enum lain_proc_type type;
	const char *type_name;              /* "web", "worker", "oneshot", "portal" */
	const char *podname;                /* <app>.<type>.<name> */
	int line;                           /* of its section */
	const char *image;
	bool has_entrypoint, has_cmd;       /* false: null in the spec */
	lain_strs_t entrypoint, cmd;
	const char *user, *working_dir;
	lain_strs_t dns_search;             /* always ends with <reversed app>.lain */
	long cpu;
	const char *memory;                 /* as written, default "32m" */
	int64_t memory_bytes;
	long num_instances;
	size_t n_ports;                     /* port: the first is Expose */
	lain_port_t *ports;
	size_t n_stream_ports;              /* ports: */
	lain_stream_port_t *stream_ports;
	size_t n_labels;
	lain_label_t *labels;
	lain_strs_t filters;                /* always has a constraint:group filter */
	bool stateful;
	long setup_time;                    /* clamped 0..120 */
	long kill_timeout;                  /* clamped 10..60 */
	lain_strs_t mountpoints;            /* expanded; web procs only */
	bool https_only;                    /* non-web procs: true (lain-sdk quirk) */
	const char *healthcheck;            /* web only, "" if none */
	struct json_object *health_config;  /* container_healthcheck, or NULL */
	lain_strs_t env;                    /* as written */
	lain_strs_t volumes;                /* absolute, always with /lain/logs */
	size_t n_backups;
	lain_backup_t *backups;
	lain_strs_t system_volumes;         /* the two lain defaults */
	const char *cloud_type;             /* NULL: no cloud volumes */
	lain_strs_t cloud_dirs;
	lain_strs_t secret_files;           /* absolute, normalised */
	bool secret_files_bypass;
	lain_strs_t logs;                   /* relative file names, deduplicated */
	const char *service_name;           /* portals: required; else NULL */
	const char *allow_clients;          /* portals: default "**" */
} lain_proc_t;

typedef struct lain_use_service {
	const char *app;                    /* provider app */
	lain_strs_t services;               /* service names */
} lain_use_service_t;

typedef struct lain_use_resource {
	const char *resource;
	lain_strs_t services;
	struct json_object *context;        /* the entry minus "services"; an object */
} lain_use_resource_t;

typedef struct lain_conf {
	const char *appname;
	const char *apptype;                /* "app" (default) | "resource" */
	const char *giturl;                 /* as written, "" if none */
	size_t n_procs;                     /* document order; service.<n> gives <n>, portal-<n> */
	lain_proc_t *procs;
	size_t n_use_services;
	lain_use_service_t *use_services;
	size_t n_use_resources;
	lain_use_resource_t *use_resources;
	arena_t *arena;                     /* owns everything above */
} lain_conf_t;

/* Parses text (not NUL-terminated necessarily) into *out (lain_conf_free()
 * it). -ERR_INVALID with a message naming key path and line, -ERR_TOO_BIG
 * for the size and nesting limits. */
int lain_conf_parse(const char *text, size_t len, const lain_parse_opts_t *opts,
		    lain_conf_t **out, err_t *err);

void lain_conf_free(lain_conf_t *conf);

/* The first proc named name, or NULL. */
const lain_proc_t *lain_conf_proc(const lain_conf_t *conf, const char *name);

/* Resource instances (spec §3.6) are apps named "resource.<resource>.<client>". */
#define LAIN_INSTANCE_PREFIX "resource."

/* Whether appname is a resource instance's name. */
bool lain_is_instance(const char *appname);

/* The resource part of an instance's name: a pointer into appname and its
 * length (up to the next '.', or the end); NULL when appname is not an
 * instance's. */
const char *lain_instance_resource(const char *appname, size_t *len);

/* True if any proc is a portal (app type "service", §3.2). */
bool lain_conf_has_portal(const lain_conf_t *conf);

/* A secret file's path as lain.yaml's secret_files takes it: relative to
 * /lain/app unless absolute, normalised (in arena); NULL when it names no
 * file ("/"). A canary's secret_files are read so (spec §7.3). */
const char *lain_secret_path(arena_t *arena, const char *path);

/* giturl as bound to an app (§4.4.3): trailing ".git" removed, "http://"
 * prefixed when non-empty and not starting with "http". Free() it. */
char *lain_giturl_normalize(const char *giturl);

#endif
