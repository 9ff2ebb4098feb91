/* lainproc: the keys of one proc section (console-api.md §3.4 table). */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

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

static int parse_proto(struct pctx *p, const ynode_t *n, const char *path, const char *proto,
		       const char **out)
{
	char *lower = arena_strdup(p->a, proto);
	for (char *c = lower; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	if (strcmp(lower, "tcp") && strcmp(lower, "udp"))
		return lp_bad(p, n, path, "protocol '%s' is not tcp or udp", proto);
	*out = lower;
	return 0;
}

static int port_number(struct pctx *p, const ynode_t *n, const char *path, const char *text,
		       long lo, long hi, const char *what, int *out)
{
	long v;
	char *t = arena_strdup(p->a, text);
	char *e = t + strlen(t);
	while (isspace((unsigned char)*t))
		t++;
	while (e > t && isspace((unsigned char)e[-1]))
		*--e = '\0';
	if (strx_to_long(t, lo, hi, &v))
		return lp_bad(p, n, path, "%s '%s' must be a number in %ld..%ld", what, text, lo, hi);
	*out = (int)v;
	return 0;
}

static void add_port(struct pctx *p, struct lain_proc *proc, size_t *cap, int num,
		     const char *proto)
{
	for (size_t i = 0; i < proc->n_ports; i++) {
		if (proc->ports[i].number == num) {
			proc->ports[i].proto = proto;
			return;
		}
	}
	if (proc->n_ports == *cap) {
		*cap = *cap ? 2 * *cap : 4;
		lain_port_t *v = arena_alloc(p->a, *cap * sizeof(*v));
		if (proc->n_ports)
			memcpy(v, proc->ports, proc->n_ports * sizeof(*v));
		proc->ports = v;
	}
	proc->ports[proc->n_ports].number = num;
	proc->ports[proc->n_ports].proto = proto;
	proc->n_ports++;
}

/* One port: 80, "80", "80:tcp", or a map {80: ["type:tcp"] | {type: tcp} | null}. */
static int parse_one_port(struct pctx *p, struct lain_proc *proc, size_t *cap, const ynode_t *n,
			  const char *path)
{
	int num;
	const char *proto = "tcp";
	if (n->type == YN_INT || n->type == YN_STR) {
		const char *text = ynode_str(p->a, n);
		const char *colon = strchr(text, ':');
		const char *numtext = colon ? arena_strndup(p->a, text, (size_t)(colon - text)) : text;
		if (port_number(p, n, path, numtext, 1, 65535, "port", &num))
			return p->err->code;
		if (colon && parse_proto(p, n, path, colon + 1, &proto))
			return p->err->code;
		add_port(p, proc, cap, num, proto);
		return 0;
	}
	if (n->type == YN_MAP) {
		if (lp_too_many(p, n, path))
			return p->err->code;
		for (size_t i = 0; i < n->n; i++) {
			const ynode_t *k = n->pairs[i].key, *v = n->pairs[i].value;
			const char *kt = ynode_str(p->a, k);
			if (!kt || port_number(p, k, path, kt, 1, 65535, "port", &num))
				return kt ? p->err->code : lp_bad(p, k, path, "a port must be a number");
			proto = "tcp";
			if (v->type == YN_SEQ || v->type == YN_STR) {
				for (size_t j = 0; j < (v->type == YN_SEQ ? v->n : 1); j++) {
					const ynode_t *opt = v->type == YN_SEQ ? v->items[j] : v;
					if (opt->type != YN_STR)
						return lp_bad(p, opt, path, "port options must be \"key:value\" strings");
					if (strx_prefix(opt->text, "type:") &&
					    parse_proto(p, opt, path, opt->text + 5, &proto))
						return p->err->code;
				}
			} else if (v->type == YN_MAP) {
				const ynode_t *t = lp_get(v, "type");
				if (t && (t->type != YN_STR || parse_proto(p, t, path, t->text, &proto)))
					return t->type != YN_STR ? lp_bad(p, t, path, "type must be tcp or udp")
								 : p->err->code;
			} else if (v->type != YN_NULL) {
				return lp_bad(p, v, path, "port options must be a list of \"key:value\" strings");
			}
			add_port(p, proc, cap, num, proto);
		}
		return 0;
	}
	return lp_bad(p, n, path, "a port must be a number, \"80:tcp\" or a mapping, not a %s",
		   ynode_type_name(n->type));
}

static int parse_ports(struct pctx *p, struct lain_proc *proc, const ynode_t *sec, const char *path)
{
	const ynode_t *n = lp_get(sec, "port");
	const char *kp = lp_sub(p, path, "port");
	size_t cap = 0;
	if (!n) {
		if (proc->type == LAIN_WEB)
			add_port(p, proc, &cap, 80, "tcp");
		return 0;
	}
	if (lp_too_many(p, n, kp))
		return p->err->code;
	if (n->type == YN_SEQ) {
		for (size_t i = 0; i < n->n; i++)
			if (parse_one_port(p, proc, &cap, n->items[i], kp))
				return p->err->code;
		return 0;
	}
	return parse_one_port(p, proc, &cap, n, kp);
}

/* "src:dst[/proto]" with the limits of lain-sdk; extra may override fields. */
static int add_stream_port(struct pctx *p, struct lain_proc *proc, size_t *cap, const ynode_t *n,
			   const char *text, const ynode_t *extra, const char *path)
{
	lain_stream_port_t sp = { 0, 0, "tcp" };
	const char *colon = strchr(text, ':');
	const char *slash = colon ? strchr(colon, '/') : NULL;
	if (!colon)
		return lp_bad(p, n, path, "stream port '%s' must look like 9501:8000/tcp", text);
	if (port_number(p, n, path, arena_strndup(p->a, text, (size_t)(colon - text)), 9500, 10000,
			"stream source port", &sp.srcport))
		return p->err->code;
	const char *dst = slash ? arena_strndup(p->a, colon + 1, (size_t)(slash - colon - 1)) : colon + 1;
	if (port_number(p, n, path, dst, 1, 65535, "stream destination port", &sp.dstport))
		return p->err->code;
	if (slash && parse_proto(p, n, path, slash + 1, &sp.proto))
		return p->err->code;
	if (extra && extra->type == YN_MAP) {
		const ynode_t *v;
		if ((v = lp_get(extra, "srcport")) &&
		    port_number(p, v, path, ynode_str(p->a, v) ? ynode_str(p->a, v) : "", 9500, 10000,
				"stream source port", &sp.srcport))
			return p->err->code;
		if ((v = lp_get(extra, "dstport")) &&
		    port_number(p, v, path, ynode_str(p->a, v) ? ynode_str(p->a, v) : "", 1, 65535,
				"stream destination port", &sp.dstport))
			return p->err->code;
		if ((v = lp_get(extra, "proto"))) {
			if (v->type != YN_STR)
				return lp_bad(p, v, path, "proto must be tcp or udp");
			if (parse_proto(p, v, path, v->text, &sp.proto))
				return p->err->code;
		}
	} else if (extra && extra->type != YN_NULL) {
		return lp_bad(p, extra, path, "stream port options must be a mapping");
	}
	for (size_t i = 0; i < proc->n_stream_ports; i++)
		if (proc->stream_ports[i].srcport == sp.srcport)
			return lp_bad(p, n, path, "stream source port %d is used twice", sp.srcport);
	if (proc->n_stream_ports == *cap) {
		*cap = *cap ? 2 * *cap : 4;
		lain_stream_port_t *v = arena_alloc(p->a, *cap * sizeof(*v));
		if (proc->n_stream_ports)
			memcpy(v, proc->stream_ports, proc->n_stream_ports * sizeof(*v));
		proc->stream_ports = v;
	}
	proc->stream_ports[proc->n_stream_ports++] = sp;
	return 0;
}

static int parse_stream_ports(struct pctx *p, struct lain_proc *proc, const ynode_t *sec,
			      const char *path)
{
	const ynode_t *n = lp_get(sec, "ports");
	const char *kp = lp_sub(p, path, "ports");
	size_t cap = 0;
	if (!n)
		return 0;
	if (n->type == YN_STR)
		return add_stream_port(p, proc, &cap, n, n->text, NULL, kp);
	if (lp_too_many(p, n, kp))
		return p->err->code;
	if (n->type == YN_SEQ) {
		for (size_t i = 0; i < n->n; i++) {
			const ynode_t *it = n->items[i];
			if (it->type == YN_STR) {
				if (add_stream_port(p, proc, &cap, it, it->text, NULL, kp))
					return p->err->code;
			} else if (it->type == YN_MAP) {
				if (proc->n_stream_ports + it->n > LAIN_MAX_ENTRIES)
					return lp_bad(p, it, kp, "more than %d entries", LAIN_MAX_ENTRIES);
				for (size_t j = 0; j < it->n; j++) {
					const char *t = ynode_str(p->a, it->pairs[j].key);
					if (!t || add_stream_port(p, proc, &cap, it->pairs[j].key, t,
								  it->pairs[j].value, kp))
						return t ? p->err->code
							 : lp_bad(p, it, kp, "stream port keys must be strings");
				}
			} else {
				return lp_bad(p, it, kp, "stream port '%s' must look like 9501:8000/tcp",
					   ynode_str(p->a, it) ? ynode_str(p->a, it) : "?");
			}
		}
		return 0;
	}
	if (n->type == YN_MAP) {
		for (size_t j = 0; j < n->n; j++) {
			const char *t = ynode_str(p->a, n->pairs[j].key);
			if (!t || add_stream_port(p, proc, &cap, n->pairs[j].key, t, n->pairs[j].value, kp))
				return t ? p->err->code : lp_bad(p, n, kp, "stream port keys must be strings");
		}
		return 0;
	}
	return lp_bad(p, n, kp, "must be \"src:dst/proto\", a list or a mapping of those");
}

static int parse_labels(struct pctx *p, struct lain_proc *proc, const ynode_t *sec, const char *path)
{
	const ynode_t *n = lp_get(sec, "labels");
	const char *kp = lp_sub(p, path, "labels");
	struct lp_list raw = { 0 };
	if (!n)
		return 0;
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

static int parse_filters(struct pctx *p, struct lain_proc *proc, const ynode_t *sec,
			 const char *path)
{
	const ynode_t *n = lp_get(sec, "filters");
	const char *kp = lp_sub(p, path, "filters");
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

static int parse_mountpoints(struct pctx *p, struct lain_proc *proc, const ynode_t *sec,
			     const ynode_t *key, const char *path)
{
	const ynode_t *n = lp_get(sec, "mountpoint");
	const char *kp = lp_sub(p, path, "mountpoint");
	struct lp_list given = { 0 }, defaults = { 0 }, out = { 0 };

	if (proc->type != LAIN_WEB)
		return 0;
	lp_list_add(p, &defaults, arena_printf(p->a, "%s.%s", p->rev, p->o->domain));
	for (size_t i = 0; i < p->o->n_extra_domains; i++)
		lp_list_add_unique(p, &defaults, arena_printf(p->a, "%s.%s", p->rev, p->o->extra_domains[i]));
	lp_list_add_unique(p, &defaults, arena_printf(p->a, "%s.lain", p->rev));
	if (n && lp_str_or_list(p, n, kp, &given))
		return p->err->code;
	for (size_t i = 0; i < given.n; i++)
		if (!*given.v[i])
			return lp_bad(p, n, kp, "a mountpoint must not be empty");
	if (!strcmp(proc->name, "web")) {
		for (size_t i = 0; i < defaults.n; i++)
			lp_list_add_unique(p, &given, defaults.v[i]);
	} else if (!given.n) {
		return lp_bad(p, key, path, "mountpoint is required for a web proc not named web");
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
		if (proc->n_backups == *cap) {
			*cap = *cap ? 2 * *cap : 4;
			lain_backup_t *v = arena_alloc(p->a, *cap * sizeof(*v));
			if (proc->n_backups)
				memcpy(v, proc->backups, proc->n_backups * sizeof(*v));
			proc->backups = v;
		}
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

static int parse_volumes(struct pctx *p, struct lain_proc *proc, const ynode_t *sec,
			 const char *path)
{
	const char *key = lp_get(sec, "persistent_dirs") ? "persistent_dirs" : "volumes";
	const ynode_t *n = lp_get(sec, key);
	const char *kp = lp_sub(p, path, key);
	struct lp_list l = { 0 };
	size_t cap = 0;
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
				if (check_volume(p, it, kp, raw, &v) ||
				    parse_backup(p, proc, &cap, v, it->pairs[0].value, kp))
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

static int parse_cloud_volumes(struct pctx *p, struct lain_proc *proc, const ynode_t *sec,
			       const char *path)
{
	const ynode_t *n = lp_get(sec, "cloud_volumes");
	const char *kp = lp_sub(p, path, "cloud_volumes");
	struct lp_list raw = { 0 }, dirs = { 0 };
	if (!n)
		return 0;
	if (n->type != YN_MAP)
		return lp_bad(p, n, kp, "must be a mapping of type and dirs");
	const char *type;
	if (lp_opt_str(p, n, "type", kp, "multi", &type))
		return p->err->code;
	if (strcmp(type, "multi") && strcmp(type, "single"))
		return lp_bad(p, lp_get(n, "type"), lp_sub(p, kp, "type"), "'%s' is not multi or single", type);
	const ynode_t *d = lp_get(n, "dirs");
	if (d && lp_str_or_list(p, d, lp_sub(p, kp, "dirs"), &raw))
		return p->err->code;
	for (size_t i = 0; i < raw.n; i++) {
		if (!*raw.v[i])
			return lp_bad(p, d, lp_sub(p, kp, "dirs"), "a directory must not be empty");
		lp_list_add_unique(p, &dirs, lp_app_path(p, raw.v[i]));
	}
	if (!dirs.n)
		return 0;
	proc->cloud_type = type;
	proc->cloud_dirs = lp_list_done(&dirs);
	return 0;
}

static int parse_secret_files(struct pctx *p, struct lain_proc *proc, const ynode_t *sec,
			      const char *path)
{
	const ynode_t *n = lp_get(sec, "secret_files");
	const char *kp = lp_sub(p, path, "secret_files");
	struct lp_list raw = { 0 }, out = { 0 };
	if (n && lp_str_or_list(p, n, kp, &raw))
		return p->err->code;
	for (size_t i = 0; i < raw.n; i++) {
		if (!*raw.v[i])
			return lp_bad(p, n, kp, "a secret file path must not be empty");
		const char *f = lp_app_path(p, raw.v[i]);
		if (!strcmp(f, "/"))
			return lp_bad(p, n, kp, "secret file '%s' is not a file path", raw.v[i]);
		lp_list_add_unique(p, &out, f);
	}
	proc->secret_files = lp_list_done(&out);
	proc->secret_files_bypass = ynode_truthy(lp_get(sec, "secret_files_bypass"));
	return 0;
}

static int parse_logs(struct pctx *p, struct lain_proc *proc, const ynode_t *sec, const char *path)
{
	const ynode_t *n = lp_get(sec, "logs");
	const char *kp = lp_sub(p, path, "logs");
	struct lp_list raw = { 0 }, out = { 0 };
	if (n && lp_str_or_list(p, n, kp, &raw))
		return p->err->code;
	for (size_t i = 0; i < raw.n; i++) {
		if (!*raw.v[i])
			return lp_bad(p, n, kp, "a log file name must not be empty");
		if (raw.v[i][0] == '/')
			return lp_bad(p, n, kp, "log '%s' must be relative to " LAIN_LOGS_DIR, raw.v[i]);
		lp_list_add_unique(p, &out, raw.v[i]);
	}
	proc->logs = lp_list_done(&out);
	return 0;
}

static int parse_env(struct pctx *p, struct lain_proc *proc, const ynode_t *sec, const char *path)
{
	const ynode_t *n = lp_get(sec, "env");
	const char *kp = lp_sub(p, path, "env");
	struct lp_list l = { 0 };
	if (!n)
		return 0;
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

static int parse_health_config(struct pctx *p, struct lain_proc *proc, const ynode_t *sec,
			       const char *path)
{
	const ynode_t *n = lp_get(sec, "container_healthcheck");
	const char *kp = lp_sub(p, path, "container_healthcheck");
	json_object *j;
	if (!n)
		return 0;
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

	if (parse_ports(p, proc, sec, path) || parse_stream_ports(p, proc, sec, path) ||
	    parse_labels(p, proc, sec, path) || parse_filters(p, proc, sec, path) ||
	    parse_mountpoints(p, proc, sec, key, path) || parse_env(p, proc, sec, path) ||
	    parse_volumes(p, proc, sec, path) || parse_cloud_volumes(p, proc, sec, path) ||
	    parse_secret_files(p, proc, sec, path) || parse_logs(p, proc, sec, path) ||
	    parse_health_config(p, proc, sec, path))
		return p->err->code;

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
