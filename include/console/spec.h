/*
 * spec — the JSON deployd receives for an app (console-api.md §4.5.1, §4.5.2).
 *
 * One PodGroupSpec per non-portal proc (POST /api/podgroups) and one PodSpec
 * per portal proc (POST /api/depends), with exactly the keys the original
 * sent: PodGroupSpec {Name, Namespace, NumInstances, RestartPolicy (1), Pod};
 * PodSpec {Name, Namespace, Containers (one), Dependencies, Annotation,
 * Stateful, SetupTime, KillTimeout, Labels, Filters, HealthConfig};
 * ContainerSpec {Image, Env, User, WorkingDir, DnsSearch, Volumes,
 * SystemVolumes, CloudVolumes, Command, Entrypoint, CpuLimit, MemoryLimit,
 * Expose, LogConfig (null)}. Command/Entrypoint are null when lain.yaml has
 * none. Annotation is a JSON string with mountpoint and https_only always,
 * service_name, backup, healthcheck, logs, ports when set.
 *
 * Every pod and portal depends on <provider>.portal.<portal> for each used
 * service and on resource.<res>.<app>.portal.<portal> for each used resource
 * service (Policy 0); <portal> comes from opts->resolve_portal, or is
 * portal-<service> when that is NULL or returns NULL (unknown provider).
 *
 * Built objects are new json-c references owned by the caller.
 */
#ifndef CONSOLE_SPEC_H
#define CONSOLE_SPEC_H

#include <stdbool.h>
#include <stddef.h>

#include "console/err.h"
#include "console/lainyaml.h"

struct json_object;

typedef struct spec_opts {
	/* Deploy-time env (§4.5.2): when set, LAIN_APPNAME, LAIN_APP_RELEASE_VERSION,
	 * LAIN_PROCNAME, LAIN_DOMAIN (and LAIN_SERVICE_NAME for portals) are set.
	 * TZ=Asia/Shanghai is always set. */
	bool deploy_env;
	const char *main_domain;            /* LAIN_DOMAIN: first extra domain, else DOMAIN */
	const char *meta_version;           /* LAIN_APP_RELEASE_VERSION */
	/* Extra system volumes of this app (/lain/config/system_volumes/<app>),
	 * appended to the two defaults. */
	const char *const *system_volumes;
	size_t n_system_volumes;
	/* The image of the proc being built instead of its own (a config
	 * image with its secret files, §4.6); NULL: its own. */
	const char *proc_image;
	/* Portal proc name serving service on provider app; NULL: unknown. */
	const char *(*resolve_portal)(void *data, const char *provider, const char *service);
	void *resolve_data;
} spec_opts_t;

/* PodGroupSpec of a non-portal proc. */
int spec_build_podgroup(const lain_conf_t *conf, const lain_proc_t *proc, const spec_opts_t *opts,
			struct json_object **out, err_t *err);

/* PodSpec of a portal proc (Name <app>.portal.<portal>). */
int spec_build_portal(const lain_conf_t *conf, const lain_proc_t *proc, const spec_opts_t *opts,
		      struct json_object **out, err_t *err);

/* {"podgroups": [PodGroupSpec...], "portals": [PodSpec...]} in proc order —
 * what `lain-console render` prints. A resource app (never deployed) has
 * both lists empty. */
int spec_build_app(const lain_conf_t *conf, const spec_opts_t *opts, struct json_object **out,
		   err_t *err);

/* The Annotation text of a proc (JSON; the caller frees it). */
char *spec_annotation(const lain_proc_t *proc);

/* Sets KEY=value in an Env array: removes entries that are KEY followed by
 * optional spaces and '=', then appends "KEY=value". */
void spec_env_set(struct json_object *env, const char *key, const char *value);

#endif
