/* spec: lain_conf_t -> deployd PodGroupSpec / PodSpec JSON. */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "console/spec.h"
#include "console/tmpl.h"
#include "console/xalloc.h"
#include "console/banned.h"

static json_object *strs(const lain_strs_t *s)
{
	json_object *a = json_object_new_array();
	for (size_t i = 0; i < s->n; i++)
		json_object_array_add(a, json_object_new_string(s->v[i]));
	return a;
}

void spec_env_set(json_object *env, const char *key, const char *value)
{
	size_t klen = strlen(key);
	for (size_t i = json_object_array_length(env); i-- > 0;) {
		const char *e = json_object_get_string(json_object_array_get_idx(env, i));
		if (!e || strncmp(e, key, klen))
			continue;
		const char *r = e + klen;
		while (*r == ' ')
			r++;
		if (*r == '=')
			json_object_array_del_idx(env, i, 1);
	}
	char *kv = xasprintf("%s=%s", key, value);
	json_object_array_add(env, json_object_new_string(kv));
	free(kv);
}

char *spec_annotation(const lain_proc_t *proc)
{
	json_object *a = json_object_new_object();
	json_object_object_add(a, "mountpoint", strs(&proc->mountpoints));
	if (proc->logs.n)
		json_object_object_add(a, "logs", strs(&proc->logs));
	json_object_object_add(a, "https_only", json_object_new_boolean(proc->https_only));
	if (proc->service_name && *proc->service_name)
		json_object_object_add(a, "service_name", json_object_new_string(proc->service_name));
	if (proc->n_backups) {
		json_object *bs = json_object_new_array();
		for (size_t i = 0; i < proc->n_backups; i++) {
			const lain_backup_t *b = &proc->backups[i];
			json_object *o = json_object_new_object();
			json_object_object_add(o, "procname", json_object_new_string(b->procname));
			json_object_object_add(o, "volume", json_object_new_string(b->volume));
			json_object_object_add(o, "schedule", json_object_new_string(b->schedule));
			json_object_object_add(o, "expire", json_object_new_string(b->expire));
			json_object_object_add(o, "mode", json_object_new_string(b->mode));
			json_object_object_add(o, "preRun", json_object_new_string(b->pre_run));
			json_object_object_add(o, "postRun", json_object_new_string(b->post_run));
			json_object_array_add(bs, o);
		}
		json_object_object_add(a, "backup", bs);
	}
	if (proc->healthcheck && *proc->healthcheck)
		json_object_object_add(a, "healthcheck", json_object_new_string(proc->healthcheck));
	if (proc->n_stream_ports) {
		json_object *ps = json_object_new_array();
		for (size_t i = 0; i < proc->n_stream_ports; i++) {
			json_object *o = json_object_new_object();
			json_object_object_add(o, "srcport", json_object_new_int(proc->stream_ports[i].srcport));
			json_object_object_add(o, "dstport", json_object_new_int(proc->stream_ports[i].dstport));
			json_object_object_add(o, "proto", json_object_new_string(proc->stream_ports[i].proto));
			json_object_array_add(ps, o);
		}
		json_object_object_add(a, "ports", ps);
	}
	char *s = xstrdup(json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN |
							     JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(a);
	return s;
}

static void add_dependency(json_object *deps, const char *provider, const char *portal)
{
	char *name = xasprintf("%s.portal.%s", provider, portal);
	for (size_t i = 0; i < json_object_array_length(deps); i++) {
		json_object *pn;
		json_object_object_get_ex(json_object_array_get_idx(deps, i), "PodName", &pn);
		if (!strcmp(json_object_get_string(pn), name)) {
			free(name);
			return;
		}
	}
	json_object *d = json_object_new_object();
	json_object_object_add(d, "PodName", json_object_new_string(name));
	json_object_object_add(d, "Policy", json_object_new_int(0));
	json_object_array_add(deps, d);
	free(name);
}

static void add_service_deps(json_object *deps, const char *provider, const lain_strs_t *services,
			     const spec_opts_t *opts)
{
	for (size_t i = 0; i < services->n; i++) {
		const char *portal = opts->resolve_portal
			? opts->resolve_portal(opts->resolve_data, provider, services->v[i])
			: NULL;
		if (portal) {
			add_dependency(deps, provider, portal);
		} else {
			char *dflt = xasprintf("portal-%s", services->v[i]);
			add_dependency(deps, provider, dflt);
			free(dflt);
		}
	}
}

static json_object *dependencies(const lain_conf_t *conf, const spec_opts_t *opts)
{
	json_object *deps = json_object_new_array();
	for (size_t i = 0; i < conf->n_use_services; i++)
		add_service_deps(deps, conf->use_services[i].app, &conf->use_services[i].services, opts);
	for (size_t i = 0; i < conf->n_use_resources; i++) {
		char *inst = tmpl_instance_name(conf->use_resources[i].resource, conf->appname);
		add_service_deps(deps, inst, &conf->use_resources[i].services, opts);
		free(inst);
	}
	return deps;
}

static json_object *container(const lain_conf_t *conf, const lain_proc_t *proc,
			      const spec_opts_t *opts)
{
	json_object *c = json_object_new_object();
	json_object *env = strs(&proc->env);
	spec_env_set(env, "TZ", "Asia/Shanghai");
	if (opts->deploy_env) {
		spec_env_set(env, "LAIN_APPNAME", conf->appname);
		spec_env_set(env, "LAIN_APP_RELEASE_VERSION", opts->meta_version ? opts->meta_version : "");
		spec_env_set(env, "LAIN_PROCNAME", proc->name);
		if (proc->type == LAIN_PORTAL && proc->service_name)
			spec_env_set(env, "LAIN_SERVICE_NAME", proc->service_name);
		spec_env_set(env, "LAIN_DOMAIN", opts->main_domain ? opts->main_domain : "");
	}
	json_object *sysvols = strs(&proc->system_volumes);
	for (size_t i = 0; i < opts->n_system_volumes; i++)
		json_object_array_add(sysvols, json_object_new_string(opts->system_volumes[i]));
	json_object *cloud = json_object_new_array();
	if (proc->cloud_type) {
		json_object *cv = json_object_new_object();
		json_object_object_add(cv, "Type", json_object_new_string(proc->cloud_type));
		json_object_object_add(cv, "Dirs", strs(&proc->cloud_dirs));
		json_object_array_add(cloud, cv);
	}
	json_object_object_add(c, "Image", json_object_new_string(opts->proc_image ? opts->proc_image
										     : proc->image));
	json_object_object_add(c, "Env", env);
	json_object_object_add(c, "User", json_object_new_string(proc->user));
	json_object_object_add(c, "WorkingDir", json_object_new_string(proc->working_dir));
	json_object_object_add(c, "DnsSearch", strs(&proc->dns_search));
	json_object_object_add(c, "Volumes", strs(&proc->volumes));
	json_object_object_add(c, "SystemVolumes", sysvols);
	json_object_object_add(c, "CloudVolumes", cloud);
	json_object_object_add(c, "Command", proc->has_cmd ? strs(&proc->cmd) : NULL);
	json_object_object_add(c, "Entrypoint", proc->has_entrypoint ? strs(&proc->entrypoint) : NULL);
	json_object_object_add(c, "CpuLimit", json_object_new_int64(proc->cpu));
	json_object_object_add(c, "MemoryLimit", json_object_new_int64(proc->memory_bytes));
	json_object_object_add(c, "Expose", json_object_new_int(proc->n_ports ? proc->ports[0].number : 0));
	json_object_object_add(c, "LogConfig", NULL);
	return c;
}

static json_object *pod(const lain_conf_t *conf, const lain_proc_t *proc, const spec_opts_t *opts)
{
	json_object *p = json_object_new_object();
	json_object *containers = json_object_new_array();
	json_object_array_add(containers, container(conf, proc, opts));
	json_object *labels = json_object_new_object();
	for (size_t i = 0; i < proc->n_labels; i++)
		json_object_object_add(labels, proc->labels[i].key,
				       json_object_new_string(proc->labels[i].value));
	char *annotation = spec_annotation(proc);
	json_object_object_add(p, "Name", json_object_new_string(proc->podname));
	json_object_object_add(p, "Namespace", json_object_new_string(conf->appname));
	json_object_object_add(p, "Containers", containers);
	json_object_object_add(p, "Dependencies", dependencies(conf, opts));
	json_object_object_add(p, "Annotation", json_object_new_string(annotation));
	json_object_object_add(p, "Stateful", json_object_new_boolean(proc->stateful));
	json_object_object_add(p, "SetupTime", json_object_new_int64(proc->setup_time));
	json_object_object_add(p, "KillTimeout", json_object_new_int64(proc->kill_timeout));
	json_object_object_add(p, "Labels", labels);
	json_object_object_add(p, "Filters", strs(&proc->filters));
	json_object_object_add(p, "HealthConfig", proc->health_config
				   ? json_object_get(proc->health_config)
				   : json_object_new_object());
	free(annotation);
	return p;
}

int spec_build_podgroup(const lain_conf_t *conf, const lain_proc_t *proc, const spec_opts_t *opts,
			json_object **out, err_t *err)
{
	*out = NULL;
	if (proc->type == LAIN_PORTAL)
		return err_set(err, -ERR_INTERNAL, "proc '%s' is a portal, not a podgroup", proc->name);
	json_object *g = json_object_new_object();
	json_object_object_add(g, "Name", json_object_new_string(proc->podname));
	json_object_object_add(g, "Namespace", json_object_new_string(conf->appname));
	json_object_object_add(g, "NumInstances", json_object_new_int64(proc->num_instances));
	json_object_object_add(g, "RestartPolicy", json_object_new_int(1));
	json_object_object_add(g, "Pod", pod(conf, proc, opts));
	*out = g;
	return 0;
}

int spec_build_portal(const lain_conf_t *conf, const lain_proc_t *proc, const spec_opts_t *opts,
		      json_object **out, err_t *err)
{
	*out = NULL;
	if (proc->type != LAIN_PORTAL)
		return err_set(err, -ERR_INTERNAL, "proc '%s' is not a portal", proc->name);
	*out = pod(conf, proc, opts);
	return 0;
}

int spec_build_app(const lain_conf_t *conf, const spec_opts_t *opts, json_object **out, err_t *err)
{
	json_object *groups = json_object_new_array();
	json_object *portals = json_object_new_array();
	int rc = 0;
	*out = NULL;
	for (size_t i = 0; !strcmp(conf->apptype, "app") && i < conf->n_procs; i++) {
		const lain_proc_t *p = &conf->procs[i];
		json_object *o;
		if (p->type == LAIN_PORTAL)
			rc = spec_build_portal(conf, p, opts, &o, err);
		else
			rc = spec_build_podgroup(conf, p, opts, &o, err);
		if (rc) {
			json_object_put(groups);
			json_object_put(portals);
			return rc;
		}
		json_object_array_add(p->type == LAIN_PORTAL ? portals : groups, o);
	}
	*out = json_object_new_object();
	json_object_object_add(*out, "podgroups", groups);
	json_object_object_add(*out, "portals", portals);
	return 0;
}
