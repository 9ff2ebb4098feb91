/* lainproc: the keys of one proc section (console-api.md §3.4 table); the
 * ports are in lainports.c. */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "console/array.h"
#include "console/lainyaml.h"
#include "console/size.h"
#include "console/strx.h"
#include "console/xalloc.h"
#include "lainparse.h"
#include "console/banned.h"

/* ---- per-proc keys ---- */

static int parse_command(struct pctx *p, const ynode_t *m, const char *key, const char *path,
			 bool *has, lain_strs_t *out)
{
	const ynode_t *n = lp_get(m, key);
	struct lp_list l = { 0 };
	*has = n != NULL;
	out->n = 0;
	out->v = NULL;
	if (!n)
		return 0;
	if (n->type == YN_STR) {
		char *s = arena_strdup(p->a, n->text);
		char *tok = s;
		while (*tok) {
			while (*tok && isspace((unsigned char)*tok))
				tok++;
			if (!*tok)
				break;
			char *e = tok;
			while (*e && !isspace((unsigned char)*e))
				e++;
			bool last = !*e;
			*e = '\0';
			lp_list_add(p, &l, tok);
			if (last)
				break;
			tok = e + 1;
		}
	} else if (n->type == YN_SEQ) {
		if (lp_too_many(p, n, lp_sub(p, path, key)))
			return p->err->code;
		for (size_t i = 0; i < n->n; i++) {
			const char *s;
			if (lp_scalar_str(p, n->items[i], lp_sub(p, path, key), &s))
				return p->err->code;
			lp_list_add(p, &l, s);
		}
	}
	/* anything else becomes [] as in lain-sdk */
	*out = lp_list_done(&l);
	return 0;
}

static int parse_labels(struct pctx *p, struct lain_proc *proc, const ynode_t *n,
			const char *kp, const struct lp_section *s)
{
	struct lp_list raw = { 0 };
	if (lp_too_many(p, n, kp))
		return p->err->code;
	if (n->type == YN_MAP) {
		proc->labels = arena_alloc(p->a, (n->n + 1) * sizeof(*proc->labels));
		for (size_t i = 0; i < n->n; i++) {
			const char *k = ynode_str(p->a, n->pairs[i].key), *v;
			if (!k)
				return lp_bad(p, n, kp, "label keys must be strings");
			if (lp_scalar_str(p, n->pairs[i].value, kp, &v))
				return p->err->code;
			proc->labels[proc->n_labels].key = arena_strdup(p->a, k);
			proc->labels[proc->n_labels].value = v;
			proc->n_labels++;
		}
		return 0;
	}
	if (lp_str_or_list(p, n, kp, &raw))
		return p->err->code;
	proc->labels = arena_alloc(p->a, (raw.n + 1) * sizeof(*proc->labels));
	for (size_t i = 0; i < raw.n; i++) {
		const char *colon = strchr(raw.v[i], ':');
		if (!colon || colon == raw.v[i])
			return lp_bad(p, n, kp, "label '%s' must look like \"key:value\"", raw.v[i]);
		char *k = arena_strndup(p->a, raw.v[i], (size_t)(colon - raw.v[i]));
		char *v = arena_strdup(p->a, colon + 1);
		char *e;
		while (isspace((unsigned char)*v))
			v++;
		for (e = k + strlen(k); e > k && isspace((unsigned char)e[-1]);)
			*--e = '\0';
		for (e = v + strlen(v); e > v && isspace((unsigned char)e[-1]);)
			*--e = '\0';
		if (!*k)
			return lp_bad(p, n, kp, "label '%s' must look like \"key:value\"", raw.v[i]);
		size_t j;
		for (j = 0; j < proc->n_labels; j++)
			if (!strcmp(proc->labels[j].key, k))
				break;
		proc->labels[j].key = k;
		proc->labels[j].value = v;
		if (j == proc->n_labels)
			proc->n_labels++;
	}
	return 0;
}

/* (affinity|constraint):\S+(==|!=)\S+ anchored at the start (Python re.match). */
static bool filter_valid(const char *f)
{
	const char *r;
	if (strx_prefix(f, "affinity:"))
		r = f + 9;
	else if (strx_prefix(f, "constraint:"))
		r = f + 11;
	else
		return false;
	for (size_t i = 1; r[i - 1] && !isspace((unsigned char)r[i - 1]); i++) {
		if ((r[i] == '=' || r[i] == '!') && r[i + 1] == '=' && r[i + 2] &&
		    !isspace((unsigned char)r[i + 2]))
			return true;
	}
	return false;
}

static int parse_filters(struct pctx *p, struct lain_proc *proc, const ynode_t *n,
			 const char *kp, const struct lp_section *s)
{
	struct lp_list l = { 0 };
	bool group = false;
	if (n && lp_str_or_list(p, n, kp, &l))
		return p->err->code;
	for (size_t i = 0; i < l.n; i++) {
		if (!filter_valid(l.v[i]))
			return lp_bad(p, n, kp, "filter '%s' must look like constraint:key==value or affinity:key!=value",
				   l.v[i]);
		if (strx_prefix(l.v[i], "constraint:group==") || strx_prefix(l.v[i], "constraint:group!="))
			group = true;
	}
	if (!group)
		lp_list_add(p, &l, "constraint:group==default");
	proc->filters = lp_list_done(&l);
	return 0;
}

static int parse_mountpoints(struct pctx *p, struct lain_proc *proc, const ynode_t *n,
			     const char *kp, const struct lp_section *s)
{
	struct lp_list given = { 0 }, defaults = { 0 }, out = { 0 };
	lain_strs_t listed;

	if (proc->type != LAIN_WEB)
		return 0;
	lp_list_add(p, &defaults, arena_printf(p->a, "%s.%s", p->rev, p->o->domain));
	for (size_t i = 0; i < p->o->n_extra_domains; i++)
		lp_list_add_unique(p, &defaults, arena_printf(p->a, "%s.%s", p->rev, p->o->extra_domains[i]));
	lp_list_add_unique(p, &defaults, arena_printf(p->a, "%s.lain", p->rev));
	if (lp_nonempty_strs(p, n, kp, "a mountpoint", NULL, &listed))
		return p->err->code;
	for (size_t i = 0; i < listed.n; i++)
		lp_list_add(p, &given, listed.v[i]);
	if (!strcmp(proc->name, "web")) {
		for (size_t i = 0; i < defaults.n; i++)
			lp_list_add_unique(p, &given, defaults.v[i]);
	} else if (!given.n) {
		return lp_bad(p, s->key, s->path, "mountpoint is required for a web proc not named web");
	}
	for (size_t i = 0; i < given.n; i++) {
		const char *m = given.v[i];
		if (m[0] != '/') {
			lp_list_add_unique(p, &out, m);
			continue;
		}
		if (!strcmp(m, "/"))
			continue;
		for (size_t j = 0; j < defaults.n; j++)
			lp_list_add_unique(p, &out, arena_printf(p->a, "%s%s", defaults.v[j], m));
	}
	proc->mountpoints = lp_list_done(&out);
	return 0;
}

static int parse_backup(struct pctx *p, struct lain_proc *proc, size_t *cap, const char *volume,
			const ynode_t *spec, const char *path)
{
	static const char *const modes[][2] = { { "backup_full", "full" },
						{ "backup_increment", "increment" } };
	if (spec->type == YN_NULL)
		return 0;
	if (spec->type != YN_MAP)
		return lp_bad(p, spec, path, "volume '%s' options must be a mapping", volume);
	for (size_t m = 0; m < 2; m++) {
		const ynode_t *b = lp_get(spec, modes[m][0]);
		if (!b)
			continue;
		const char *bp = lp_sub(p, path, modes[m][0]);
		if (b->type != YN_MAP)
			return lp_bad(p, b, bp, "must be a mapping of schedule, expire, pre_run, post_run");
		lain_backup_t bk = { .procname = proc->podname, .volume = volume, .mode = modes[m][1] };
		if (lp_opt_str(p, b, "schedule", bp, "", &bk.schedule) ||
		    lp_opt_str(p, b, "expire", bp, "", &bk.expire) ||
		    lp_opt_str(p, b, "pre_run", bp, "", &bk.pre_run) ||
		    lp_opt_str(p, b, "post_run", bp, "", &bk.post_run))
			return p->err->code;
		proc->backups = lp_grow(p, proc->backups, proc->n_backups, cap, sizeof(*proc->backups));
		proc->backups[proc->n_backups++] = bk;
	}
	return 0;
}

static int check_volume(struct pctx *p, const ynode_t *n, const char *path, const char *raw,
			const char **out)
{
	if (!*raw)
		return lp_bad(p, n, path, "a volume path must not be empty");
	const char *v = lp_app_path(p, raw);
	if (!strcmp(v, "/") || !strcmp(v, "/lain") || !strcmp(v, LAIN_APP_DIR))
		return lp_bad(p, n, path, "volume '%s' is not allowed (it would be %s)", raw, v);
	*out = v;
	return 0;
}

static int parse_volumes(struct pctx *p, struct lain_proc *proc, const ynode_t *n,
			 const char *kp, const struct lp_section *s)
{
	struct lp_list l = { 0 };
	size_t cap = 0;
	if (lp_get(s->sec, "persistent_dirs")) {   /* the older name, read instead */
		n = lp_get(s->sec, "persistent_dirs");
		kp = lp_sub(p, s->path, "persistent_dirs");
	}
	if (n) {
		if (n->type != YN_SEQ && n->type != YN_STR)
			return lp_bad(p, n, kp, "must be a list of paths");
		if (lp_too_many(p, n, kp))
			return p->err->code;
		for (size_t i = 0; i < (n->type == YN_SEQ ? n->n : 1); i++) {
			const ynode_t *it = n->type == YN_SEQ ? n->items[i] : n;
			const char *v;
			if (it->type == YN_MAP) {
				if (it->n != 1)
					return lp_bad(p, it, kp, "a volume with options must be a mapping with one path");
				const char *raw = ynode_str(p->a, it->pairs[0].key);
				if (!raw)
					return lp_bad(p, it, kp, "a volume path must be a string");
				/* The backup entry names the volume as written (spec
				 * §3.4: "uploads", not /lain/app/uploads; a copy: raw
				 * dies with the YAML tree); the container's volume
				 * list has it absolute. */
				if (check_volume(p, it, kp, raw, &v) ||
				    parse_backup(p, proc, &cap, arena_strdup(p->a, raw),
						 it->pairs[0].value, kp))
					return p->err->code;
			} else if (it->type == YN_SEQ) {
				return lp_bad(p, it, kp, "a volume must be a path or a mapping");
			} else if (it->type == YN_NULL) {
				continue;
			} else if (check_volume(p, it, kp, ynode_str(p->a, it), &v)) {
				return p->err->code;
			}
			lp_list_add_unique(p, &l, v);
		}
	}
	lp_list_add_unique(p, &l, LAIN_LOGS_DIR);
	proc->volumes = lp_list_done(&l);
	return 0;
}

/* The lp_each_fn of the path lists: cloud volume dirs, secret files, logs. */
static int add_app_path(struct pctx *p, const ynode_t *n, const char *path, const char *s,
			struct lp_list *out)
{
	lp_list_add_unique(p, out, lp_app_path(p, s));
	return 0;
}

static int add_secret_file(struct pctx *p, const ynode_t *n, const char *path, const char *s,
			   struct lp_list *out)
{
	const char *f = lp_app_path(p, s);
	if (!strcmp(f, "/"))
		return lp_bad(p, n, path, "secret file '%s' is not a file path", s);
	lp_list_add_unique(p, out, f);
	return 0;
}

static int add_log(struct pctx *p, const ynode_t *n, const char *path, const char *s,
		   struct lp_list *out)
{
	if (s[0] == '/')
		return lp_bad(p, n, path, "log '%s' must be relative to " LAIN_LOGS_DIR, s);
	lp_list_add_unique(p, out, s);
	return 0;
}

static int parse_cloud_volumes(struct pctx *p, struct lain_proc *proc, const ynode_t *n,
			       const char *kp, const struct lp_section *s)
{
	if (n->type != YN_MAP)
		return lp_bad(p, n, kp, "must be a mapping of type and dirs");
	const char *type;
	if (lp_opt_str(p, n, "type", kp, "multi", &type))
		return p->err->code;
	if (strcmp(type, "multi") && strcmp(type, "single"))
		return lp_bad(p, lp_get(n, "type"), lp_sub(p, kp, "type"), "'%s' is not multi or single", type);
	lain_strs_t dirs;
	if (lp_nonempty_strs(p, lp_get(n, "dirs"), lp_sub(p, kp, "dirs"), "a directory", add_app_path,
			     &dirs))
		return p->err->code;
	if (!dirs.n)
		return 0;
	proc->cloud_type = type;
	proc->cloud_dirs = dirs;
	return 0;
}

static int parse_secret_files(struct pctx *p, struct lain_proc *proc, const ynode_t *n,
			      const char *kp, const struct lp_section *s)
{
	proc->secret_files_bypass = ynode_truthy(lp_get(s->sec, "secret_files_bypass"));
	return lp_nonempty_strs(p, n, kp, "a secret file path", add_secret_file, &proc->secret_files);
}

static int parse_logs(struct pctx *p, struct lain_proc *proc, const ynode_t *n,
		      const char *kp, const struct lp_section *s)
{
	return lp_nonempty_strs(p, n, kp, "a log file name", add_log, &proc->logs);
}

static int parse_env(struct pctx *p, struct lain_proc *proc, const ynode_t *n,
		     const char *kp, const struct lp_section *s)
{
	struct lp_list l = { 0 };
	if (n->type != YN_SEQ)
		return lp_bad(p, n, kp, "must be a list of \"KEY=value\" strings, not a %s",
			   ynode_type_name(n->type));
	if (lp_too_many(p, n, kp))
		return p->err->code;
	for (size_t i = 0; i < n->n; i++) {
		const ynode_t *it = n->items[i];
		if (it->type != YN_STR)
			return lp_bad(p, it, kp, "entries must be \"KEY=value\" strings, not a %s",
				   ynode_type_name(it->type));
		lp_list_add(p, &l, arena_strdup(p->a, it->text));
	}
	proc->env = lp_list_done(&l);
	return 0;
}

static int parse_health_config(struct pctx *p, struct lain_proc *proc, const ynode_t *n,
			       const char *kp, const struct lp_section *s)
{
	json_object *j;
	if (n->type != YN_MAP)
		return lp_bad(p, n, kp, "must be a mapping with cmd and options");
	const ynode_t *cmd = lp_get(n, "cmd");
	if (!cmd || cmd->type != YN_STR || !*cmd->text)
		return lp_bad(p, n, kp, "cmd is required and must be a string");
	const ynode_t *opts = lp_get(n, "options");
	if (opts && opts->type != YN_MAP)
		return lp_bad(p, opts, lp_sub(p, kp, "options"), "must be a mapping of interval, timeout, retries");
	if (ynode_to_json(n, &j, p->err))
		return p->err->code;
	proc->health_config = arena_json(p->a, j);
	return 0;
}

/* The keys read by a parser of their own, in the order their errors are
 * found. The parser runs for an absent key too (n NULL: defaults) unless
 * only_present. */
static const struct {
	const char *key;
	int (*parse)(struct pctx *p, struct lain_proc *proc, const ynode_t *n, const char *kp,
		     const struct lp_section *s);
	bool only_present;
} proc_keys[] = {
	{ .key = "port", .parse = lp_parse_ports },
	{ .key = "ports", .parse = lp_parse_stream_ports, .only_present = true },
	{ .key = "labels", .parse = parse_labels, .only_present = true },
	{ .key = "filters", .parse = parse_filters },
	{ .key = "mountpoint", .parse = parse_mountpoints },
	{ .key = "env", .parse = parse_env, .only_present = true },
	{ .key = "volumes", .parse = parse_volumes },
	{ .key = "cloud_volumes", .parse = parse_cloud_volumes, .only_present = true },
	{ .key = "secret_files", .parse = parse_secret_files },
	{ .key = "logs", .parse = parse_logs },
	{ .key = "container_healthcheck", .parse = parse_health_config, .only_present = true },
};

const char *const lp_type_names[] = { "web", "worker", "oneshot", "portal" };

int lp_type_from_name(const char *s, enum lain_proc_type *t)
{
	for (int i = 0; i < 4; i++) {
		if (!strcmp(s, lp_type_names[i])) {
			*t = (enum lain_proc_type)i;
			return 0;
		}
	}
	return -1;
}

/* Builds one proc from its section map (sec may be NULL: an empty section). */
int lp_parse_proc(struct pctx *p, lain_proc_t *proc, const char *name, enum lain_proc_type type,
		      const ynode_t *sec, const ynode_t *key, const char *path, const char *service_name)
{
	static const ynode_t empty = { .type = YN_MAP };
	if (!sec)
		sec = &empty;
	memset(proc, 0, sizeof(*proc));
	proc->name = arena_strdup(p->a, name);
	proc->type = type;
	proc->type_name = lp_type_names[type];
	proc->podname = arena_printf(p->a, "%s.%s.%s", p->c->appname, proc->type_name, name);
	proc->line = key->line;

	const char *dflt_image = p->o->default_image
		? arena_strdup(p->a, p->o->default_image)
		: arena_printf(p->a, "%s/%s:release-%s", p->o->registry, p->c->appname, p->o->meta_version);
	if (lp_opt_str(p, sec, "image", path, dflt_image, &proc->image) ||
	    parse_command(p, sec, "entrypoint", path, &proc->has_entrypoint, &proc->entrypoint) ||
	    parse_command(p, sec, "cmd", path, &proc->has_cmd, &proc->cmd) ||
	    lp_opt_str(p, sec, "user", path, "", &proc->user))
		return p->err->code;
	const char *wd_key = lp_get(sec, "workdir") ? "workdir" : "working_dir";
	if (lp_opt_str(p, sec, wd_key, path, "", &proc->working_dir))
		return p->err->code;

	struct lp_list dns = { 0 };
	const ynode_t *n = lp_get(sec, "dns_search");
	if (n && lp_str_or_list(p, n, lp_sub(p, path, "dns_search"), &dns))
		return p->err->code;
	lp_list_add_unique(p, &dns, arena_printf(p->a, "%s.lain", p->rev));
	proc->dns_search = lp_list_done(&dns);

	if (lp_opt_int(p, sec, "cpu", path, 0, &proc->cpu) ||
	    lp_opt_int(p, sec, "num_instances", path, 1, &proc->num_instances) ||
	    lp_opt_int(p, sec, "setup_time", path, 0, &proc->setup_time) ||
	    lp_opt_int(p, sec, "kill_timeout", path, 10, &proc->kill_timeout) ||
	    lp_opt_str(p, sec, "memory", path, "32m", &proc->memory))
		return p->err->code;
	if (proc->cpu < 0)
		return lp_bad(p, lp_get(sec, "cpu"), lp_sub(p, path, "cpu"), "must not be negative");
	if (proc->num_instances < 0)
		return lp_bad(p, lp_get(sec, "num_instances"), lp_sub(p, path, "num_instances"),
			   "must not be negative");
	if (size_parse(proc->memory, &proc->memory_bytes, p->err))
		return lp_bad(p, lp_get(sec, "memory"), lp_sub(p, path, "memory"), "%s", p->err->msg);
	/* clamps of lain-sdk */
	proc->setup_time = proc->setup_time < 0 ? 0 : proc->setup_time > 120 ? 120 : proc->setup_time;
	proc->kill_timeout = proc->kill_timeout < 10 ? 10 : proc->kill_timeout > 60 ? 60 : proc->kill_timeout;
	proc->stateful = ynode_truthy(lp_get(sec, "stateful"));

	struct lp_section ps = { sec, key, path };
	for (size_t i = 0; i < ARRAY_SIZE(proc_keys); i++) {
		const char *k = proc_keys[i].key;
		const ynode_t *v = lp_get(sec, k);
		if (!v && proc_keys[i].only_present)
			continue;
		if (proc_keys[i].parse(p, proc, v, lp_sub(p, path, k), &ps))
			return p->err->code;
	}

	proc->healthcheck = "";
	if (type == LAIN_WEB) {
		proc->https_only = ynode_truthy(lp_get(sec, "https_only"));
		if (lp_opt_str(p, sec, "healthcheck", path, "", &proc->healthcheck))
			return p->err->code;
	} else {
		proc->https_only = true;   /* lain-sdk's class default, kept for non-web */
	}

	static const char *sysvols[] = { "/data/lain/entrypoint:/lain/entrypoint:ro",
					 "/etc/localtime:/etc/localtime:ro" };
	proc->system_volumes.n = 2;
	proc->system_volumes.v = sysvols;

	if (type == LAIN_PORTAL) {
		if (service_name) {
			proc->service_name = arena_strdup(p->a, service_name);
		} else {
			if (lp_opt_str(p, sec, "service_name", path, "", &proc->service_name))
				return p->err->code;
			if (!*proc->service_name)
				return lp_bad(p, key, path, "service_name is required for a portal");
		}
		if (lp_opt_str(p, sec, "allow_clients", path, "**", &proc->allow_clients))
			return p->err->code;
	}
	return 0;
}
