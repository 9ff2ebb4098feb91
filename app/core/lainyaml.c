/* lainyaml: lain.yaml -> lain_conf_t, with lain-sdk 2.5.1 semantics. */
#include <ctype.h>
#include <errno.h>
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
#include "ynode.h"
#include "console/banned.h"

#define LAIN_APP_DIR "/lain/app"
#define LAIN_LOGS_DIR "/lain/logs"

struct pctx {
	arena_t *a;         /* the model's */
	err_t *err;
	const lain_parse_opts_t *o;
	lain_conf_t *c;
	const char *rev;    /* reversed appname */
};

/* "<path>: <message> (line N)" */
__attribute__((format(printf, 4, 5)))
static int bad(struct pctx *p, const ynode_t *n, const char *path, const char *fmt, ...)
{
	char msg[ERR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n)
		return err_set(p->err, -ERR_INVALID, "%s: %s (line %d)", path, msg, n->line);
	return err_set(p->err, -ERR_INVALID, "%s: %s", path, msg);
}

static const char *sub(struct pctx *p, const char *path, const char *key)
{
	return arena_printf(p->a, "%s.%s", path, key);
}

/* Lists and maps of one key are kept far below what the 1 MiB input allows:
 * several normalisations deduplicate in O(n^2), and no real lain.yaml comes
 * near these numbers. */
#define LAIN_MAX_ENTRIES 4096
#define LAIN_MAX_PROCS 1024

static int too_many(struct pctx *p, const ynode_t *n, const char *path)
{
	if ((n->type == YN_SEQ || n->type == YN_MAP) && n->n > LAIN_MAX_ENTRIES)
		return bad(p, n, path, "more than %d entries", LAIN_MAX_ENTRIES);
	return 0;
}

/* A key whose value is null counts as absent. */
static const ynode_t *get(const ynode_t *m, const char *key)
{
	const ynode_t *v = ynode_get(m, key);
	return v && v->type != YN_NULL ? v : NULL;
}

/* ---- growable string lists built in the arena ---- */

struct list {
	const char **v;
	size_t n, cap;
};

static void list_add(struct pctx *p, struct list *l, const char *s)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 8;
		const char **v = arena_alloc(p->a, cap * sizeof(*v));
		if (l->n)
			memcpy(v, l->v, l->n * sizeof(*v));
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = s;
}

static bool list_has(const struct list *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i], s))
			return true;
	return false;
}

static void list_add_unique(struct pctx *p, struct list *l, const char *s)
{
	if (!list_has(l, s))
		list_add(p, l, s);
}

static lain_strs_t list_done(struct list *l)
{
	lain_strs_t s = { l->n, l->v };
	return s;
}

/* ---- typed getters ---- */

/* A scalar as text (Python str()); collections are an error. */
static int get_scalar_str(struct pctx *p, const ynode_t *n, const char *path, const char **out)
{
	if (n->type == YN_MAP || n->type == YN_SEQ)
		return bad(p, n, path, "must be a string, not a %s", ynode_type_name(n->type));
	*out = arena_strdup(p->a, ynode_str(p->a, n));
	return 0;
}

static int opt_str(struct pctx *p, const ynode_t *m, const char *key, const char *path,
		   const char *dflt, const char **out)
{
	const ynode_t *n = get(m, key);
	*out = dflt;
	if (!n)
		return 0;
	return get_scalar_str(p, n, sub(p, path, key), out);
}

/* Python int(): ints, floats truncated, decimal strings; not booleans. */
static int opt_int(struct pctx *p, const ynode_t *m, const char *key, const char *path,
		   long dflt, long *out)
{
	const ynode_t *n = get(m, key);
	const char *kp;
	*out = dflt;
	if (!n)
		return 0;
	kp = sub(p, path, key);
	switch (n->type) {
	case YN_INT:
		if (n->i < -1000000000L || n->i > 1000000000L)
			return bad(p, n, kp, "%s is out of range", n->text);
		*out = (long)n->i;
		return 0;
	case YN_FLOAT:
		if (!isfinite(n->f) || n->f < -1e9 || n->f > 1e9)
			return bad(p, n, kp, "%s is out of range", n->text);
		*out = (long)n->f;
		return 0;
	case YN_STR: {
		char *s = arena_strdup(p->a, n->text);
		char *e = s + strlen(s);
		while (isspace((unsigned char)*s))
			s++;
		while (e > s && isspace((unsigned char)e[-1]))
			*--e = '\0';
		if (*s == '+')
			s++;
		if (!strx_to_long(s, -1000000000L, 1000000000L, out))
			return 0;
		return bad(p, n, kp, "must be an integer, not '%s'", n->text);
	}
	default:
		return bad(p, n, kp, "must be an integer, not a %s", ynode_type_name(n->type));
	}
}

/* A string or a list of scalars -> list of strings. */
static int str_or_list(struct pctx *p, const ynode_t *n, const char *path, struct list *out)
{
	if (too_many(p, n, path))
		return p->err->code;
	if (n->type == YN_SEQ) {
		for (size_t i = 0; i < n->n; i++) {
			const char *s;
			const ynode_t *it = n->items[i];
			if (it->type == YN_NULL)
				continue;
			if (get_scalar_str(p, it, path, &s))
				return p->err->code;
			list_add(p, out, s);
		}
		return 0;
	}
	if (n->type == YN_MAP)
		return bad(p, n, path, "must be a string or a list of strings, not a mapping");
	const char *s;
	if (get_scalar_str(p, n, path, &s))
		return p->err->code;
	list_add(p, out, s);
	return 0;
}

/* ---- paths ---- */

/* os.path.normpath of an absolute path: no "//", ".", "..", trailing "/". */
static const char *normpath(struct pctx *p, const char *path)
{
	size_t n = strlen(path);
	char *copy = arena_strdup(p->a, path);
	const char **seg = arena_alloc(p->a, (n / 2 + 2) * sizeof(*seg));
	size_t k = 0;
	char *save = copy;
	while (save) {
		char *s = save;
		char *slash = strchr(s, '/');
		if (slash) {
			*slash = '\0';
			save = slash + 1;
		} else {
			save = NULL;
		}
		if (!*s || !strcmp(s, "."))
			continue;
		if (!strcmp(s, "..")) {
			if (k)
				k--;
			continue;
		}
		seg[k++] = s;
	}
	if (!k)
		return "/";
	size_t total = 1;
	for (size_t i = 0; i < k; i++)
		total += strlen(seg[i]) + 1;
	char *out = arena_alloc(p->a, total + 1);
	char *w = out;
	for (size_t i = 0; i < k; i++) {
		*w++ = '/';
		size_t l = strlen(seg[i]);
		memcpy(w, seg[i], l);
		w += l;
	}
	*w = '\0';
	return out;
}

/* Relative paths are taken under /lain/app; the result is normalised. */
static const char *app_path(struct pctx *p, const char *path)
{
	if (path[0] == '/')
		return normpath(p, path);
	return normpath(p, arena_printf(p->a, LAIN_APP_DIR "/%s", path));
}

/* ---- per-proc keys ---- */

static int parse_command(struct pctx *p, const ynode_t *m, const char *key, const char *path,
			 bool *has, lain_strs_t *out)
{
	const ynode_t *n = get(m, key);
	struct list l = { 0 };
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
			list_add(p, &l, tok);
			if (last)
				break;
			tok = e + 1;
		}
	} else if (n->type == YN_SEQ) {
		if (too_many(p, n, sub(p, path, key)))
			return p->err->code;
		for (size_t i = 0; i < n->n; i++) {
			const char *s;
			if (get_scalar_str(p, n->items[i], sub(p, path, key), &s))
				return p->err->code;
			list_add(p, &l, s);
		}
	}
	/* anything else becomes [] as in lain-sdk */
	*out = list_done(&l);
	return 0;
}

static int parse_proto(struct pctx *p, const ynode_t *n, const char *path, const char *proto,
		       const char **out)
{
	char *lower = arena_strdup(p->a, proto);
	for (char *c = lower; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	if (strcmp(lower, "tcp") && strcmp(lower, "udp"))
		return bad(p, n, path, "protocol '%s' is not tcp or udp", proto);
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
		return bad(p, n, path, "%s '%s' must be a number in %ld..%ld", what, text, lo, hi);
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
		if (too_many(p, n, path))
			return p->err->code;
		for (size_t i = 0; i < n->n; i++) {
			const ynode_t *k = n->pairs[i].key, *v = n->pairs[i].value;
			const char *kt = ynode_str(p->a, k);
			if (!kt || port_number(p, k, path, kt, 1, 65535, "port", &num))
				return kt ? p->err->code : bad(p, k, path, "a port must be a number");
			proto = "tcp";
			if (v->type == YN_SEQ || v->type == YN_STR) {
				for (size_t j = 0; j < (v->type == YN_SEQ ? v->n : 1); j++) {
					const ynode_t *opt = v->type == YN_SEQ ? v->items[j] : v;
					if (opt->type != YN_STR)
						return bad(p, opt, path, "port options must be \"key:value\" strings");
					if (strx_prefix(opt->text, "type:") &&
					    parse_proto(p, opt, path, opt->text + 5, &proto))
						return p->err->code;
				}
			} else if (v->type == YN_MAP) {
				const ynode_t *t = get(v, "type");
				if (t && (t->type != YN_STR || parse_proto(p, t, path, t->text, &proto)))
					return t->type != YN_STR ? bad(p, t, path, "type must be tcp or udp")
								 : p->err->code;
			} else if (v->type != YN_NULL) {
				return bad(p, v, path, "port options must be a list of \"key:value\" strings");
			}
			add_port(p, proc, cap, num, proto);
		}
		return 0;
	}
	return bad(p, n, path, "a port must be a number, \"80:tcp\" or a mapping, not a %s",
		   ynode_type_name(n->type));
}

static int parse_ports(struct pctx *p, struct lain_proc *proc, const ynode_t *sec, const char *path)
{
	const ynode_t *n = get(sec, "port");
	const char *kp = sub(p, path, "port");
	size_t cap = 0;
	if (!n) {
		if (proc->type == LAIN_WEB)
			add_port(p, proc, &cap, 80, "tcp");
		return 0;
	}
	if (too_many(p, n, kp))
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
		return bad(p, n, path, "stream port '%s' must look like 9501:8000/tcp", text);
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
		if ((v = get(extra, "srcport")) &&
		    port_number(p, v, path, ynode_str(p->a, v) ? ynode_str(p->a, v) : "", 9500, 10000,
				"stream source port", &sp.srcport))
			return p->err->code;
		if ((v = get(extra, "dstport")) &&
		    port_number(p, v, path, ynode_str(p->a, v) ? ynode_str(p->a, v) : "", 1, 65535,
				"stream destination port", &sp.dstport))
			return p->err->code;
		if ((v = get(extra, "proto"))) {
			if (v->type != YN_STR)
				return bad(p, v, path, "proto must be tcp or udp");
			if (parse_proto(p, v, path, v->text, &sp.proto))
				return p->err->code;
		}
	} else if (extra && extra->type != YN_NULL) {
		return bad(p, extra, path, "stream port options must be a mapping");
	}
	for (size_t i = 0; i < proc->n_stream_ports; i++)
		if (proc->stream_ports[i].srcport == sp.srcport)
			return bad(p, n, path, "stream source port %d is used twice", sp.srcport);
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
	const ynode_t *n = get(sec, "ports");
	const char *kp = sub(p, path, "ports");
	size_t cap = 0;
	if (!n)
		return 0;
	if (n->type == YN_STR)
		return add_stream_port(p, proc, &cap, n, n->text, NULL, kp);
	if (too_many(p, n, kp))
		return p->err->code;
	if (n->type == YN_SEQ) {
		for (size_t i = 0; i < n->n; i++) {
			const ynode_t *it = n->items[i];
			if (it->type == YN_STR) {
				if (add_stream_port(p, proc, &cap, it, it->text, NULL, kp))
					return p->err->code;
			} else if (it->type == YN_MAP) {
				if (proc->n_stream_ports + it->n > LAIN_MAX_ENTRIES)
					return bad(p, it, kp, "more than %d entries", LAIN_MAX_ENTRIES);
				for (size_t j = 0; j < it->n; j++) {
					const char *t = ynode_str(p->a, it->pairs[j].key);
					if (!t || add_stream_port(p, proc, &cap, it->pairs[j].key, t,
								  it->pairs[j].value, kp))
						return t ? p->err->code
							 : bad(p, it, kp, "stream port keys must be strings");
				}
			} else {
				return bad(p, it, kp, "stream port '%s' must look like 9501:8000/tcp",
					   ynode_str(p->a, it) ? ynode_str(p->a, it) : "?");
			}
		}
		return 0;
	}
	if (n->type == YN_MAP) {
		for (size_t j = 0; j < n->n; j++) {
			const char *t = ynode_str(p->a, n->pairs[j].key);
			if (!t || add_stream_port(p, proc, &cap, n->pairs[j].key, t, n->pairs[j].value, kp))
				return t ? p->err->code : bad(p, n, kp, "stream port keys must be strings");
		}
		return 0;
	}
	return bad(p, n, kp, "must be \"src:dst/proto\", a list or a mapping of those");
}

static int parse_labels(struct pctx *p, struct lain_proc *proc, const ynode_t *sec, const char *path)
{
	const ynode_t *n = get(sec, "labels");
	const char *kp = sub(p, path, "labels");
	struct list raw = { 0 };
	if (!n)
		return 0;
	if (too_many(p, n, kp))
		return p->err->code;
	if (n->type == YN_MAP) {
		proc->labels = arena_alloc(p->a, (n->n + 1) * sizeof(*proc->labels));
		for (size_t i = 0; i < n->n; i++) {
			const char *k = ynode_str(p->a, n->pairs[i].key), *v;
			if (!k)
				return bad(p, n, kp, "label keys must be strings");
			if (get_scalar_str(p, n->pairs[i].value, kp, &v))
				return p->err->code;
			proc->labels[proc->n_labels].key = arena_strdup(p->a, k);
			proc->labels[proc->n_labels].value = v;
			proc->n_labels++;
		}
		return 0;
	}
	if (str_or_list(p, n, kp, &raw))
		return p->err->code;
	proc->labels = arena_alloc(p->a, (raw.n + 1) * sizeof(*proc->labels));
	for (size_t i = 0; i < raw.n; i++) {
		const char *colon = strchr(raw.v[i], ':');
		if (!colon || colon == raw.v[i])
			return bad(p, n, kp, "label '%s' must look like \"key:value\"", raw.v[i]);
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
			return bad(p, n, kp, "label '%s' must look like \"key:value\"", raw.v[i]);
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
	const ynode_t *n = get(sec, "filters");
	const char *kp = sub(p, path, "filters");
	struct list l = { 0 };
	bool group = false;
	if (n && str_or_list(p, n, kp, &l))
		return p->err->code;
	for (size_t i = 0; i < l.n; i++) {
		if (!filter_valid(l.v[i]))
			return bad(p, n, kp, "filter '%s' must look like constraint:key==value or affinity:key!=value",
				   l.v[i]);
		if (strx_prefix(l.v[i], "constraint:group==") || strx_prefix(l.v[i], "constraint:group!="))
			group = true;
	}
	if (!group)
		list_add(p, &l, "constraint:group==default");
	proc->filters = list_done(&l);
	return 0;
}

static int parse_mountpoints(struct pctx *p, struct lain_proc *proc, const ynode_t *sec,
			     const ynode_t *key, const char *path)
{
	const ynode_t *n = get(sec, "mountpoint");
	const char *kp = sub(p, path, "mountpoint");
	struct list given = { 0 }, defaults = { 0 }, out = { 0 };

	if (proc->type != LAIN_WEB)
		return 0;
	list_add(p, &defaults, arena_printf(p->a, "%s.%s", p->rev, p->o->domain));
	for (size_t i = 0; i < p->o->n_extra_domains; i++)
		list_add_unique(p, &defaults, arena_printf(p->a, "%s.%s", p->rev, p->o->extra_domains[i]));
	list_add_unique(p, &defaults, arena_printf(p->a, "%s.lain", p->rev));
	if (n && str_or_list(p, n, kp, &given))
		return p->err->code;
	for (size_t i = 0; i < given.n; i++)
		if (!*given.v[i])
			return bad(p, n, kp, "a mountpoint must not be empty");
	if (!strcmp(proc->name, "web")) {
		for (size_t i = 0; i < defaults.n; i++)
			list_add_unique(p, &given, defaults.v[i]);
	} else if (!given.n) {
		return bad(p, key, path, "mountpoint is required for a web proc not named web");
	}
	for (size_t i = 0; i < given.n; i++) {
		const char *m = given.v[i];
		if (m[0] != '/') {
			list_add_unique(p, &out, m);
			continue;
		}
		if (!strcmp(m, "/"))
			continue;
		for (size_t j = 0; j < defaults.n; j++)
			list_add_unique(p, &out, arena_printf(p->a, "%s%s", defaults.v[j], m));
	}
	proc->mountpoints = list_done(&out);
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
		return bad(p, spec, path, "volume '%s' options must be a mapping", volume);
	for (size_t m = 0; m < 2; m++) {
		const ynode_t *b = get(spec, modes[m][0]);
		if (!b)
			continue;
		const char *bp = sub(p, path, modes[m][0]);
		if (b->type != YN_MAP)
			return bad(p, b, bp, "must be a mapping of schedule, expire, pre_run, post_run");
		lain_backup_t bk = { .procname = proc->podname, .volume = volume, .mode = modes[m][1] };
		if (opt_str(p, b, "schedule", bp, "", &bk.schedule) ||
		    opt_str(p, b, "expire", bp, "", &bk.expire) ||
		    opt_str(p, b, "pre_run", bp, "", &bk.pre_run) ||
		    opt_str(p, b, "post_run", bp, "", &bk.post_run))
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
		return bad(p, n, path, "a volume path must not be empty");
	const char *v = app_path(p, raw);
	if (!strcmp(v, "/") || !strcmp(v, "/lain") || !strcmp(v, LAIN_APP_DIR))
		return bad(p, n, path, "volume '%s' is not allowed (it would be %s)", raw, v);
	*out = v;
	return 0;
}

static int parse_volumes(struct pctx *p, struct lain_proc *proc, const ynode_t *sec,
			 const char *path)
{
	const char *key = get(sec, "persistent_dirs") ? "persistent_dirs" : "volumes";
	const ynode_t *n = get(sec, key);
	const char *kp = sub(p, path, key);
	struct list l = { 0 };
	size_t cap = 0;
	if (n) {
		if (n->type != YN_SEQ && n->type != YN_STR)
			return bad(p, n, kp, "must be a list of paths");
		if (too_many(p, n, kp))
			return p->err->code;
		for (size_t i = 0; i < (n->type == YN_SEQ ? n->n : 1); i++) {
			const ynode_t *it = n->type == YN_SEQ ? n->items[i] : n;
			const char *v;
			if (it->type == YN_MAP) {
				if (it->n != 1)
					return bad(p, it, kp, "a volume with options must be a mapping with one path");
				const char *raw = ynode_str(p->a, it->pairs[0].key);
				if (!raw)
					return bad(p, it, kp, "a volume path must be a string");
				if (check_volume(p, it, kp, raw, &v) ||
				    parse_backup(p, proc, &cap, v, it->pairs[0].value, kp))
					return p->err->code;
			} else if (it->type == YN_SEQ) {
				return bad(p, it, kp, "a volume must be a path or a mapping");
			} else if (it->type == YN_NULL) {
				continue;
			} else if (check_volume(p, it, kp, ynode_str(p->a, it), &v)) {
				return p->err->code;
			}
			list_add_unique(p, &l, v);
		}
	}
	list_add_unique(p, &l, LAIN_LOGS_DIR);
	proc->volumes = list_done(&l);
	return 0;
}

static int parse_cloud_volumes(struct pctx *p, struct lain_proc *proc, const ynode_t *sec,
			       const char *path)
{
	const ynode_t *n = get(sec, "cloud_volumes");
	const char *kp = sub(p, path, "cloud_volumes");
	struct list raw = { 0 }, dirs = { 0 };
	if (!n)
		return 0;
	if (n->type != YN_MAP)
		return bad(p, n, kp, "must be a mapping of type and dirs");
	const char *type;
	if (opt_str(p, n, "type", kp, "multi", &type))
		return p->err->code;
	if (strcmp(type, "multi") && strcmp(type, "single"))
		return bad(p, get(n, "type"), sub(p, kp, "type"), "'%s' is not multi or single", type);
	const ynode_t *d = get(n, "dirs");
	if (d && str_or_list(p, d, sub(p, kp, "dirs"), &raw))
		return p->err->code;
	for (size_t i = 0; i < raw.n; i++) {
		if (!*raw.v[i])
			return bad(p, d, sub(p, kp, "dirs"), "a directory must not be empty");
		list_add_unique(p, &dirs, app_path(p, raw.v[i]));
	}
	if (!dirs.n)
		return 0;
	proc->cloud_type = type;
	proc->cloud_dirs = list_done(&dirs);
	return 0;
}

static int parse_secret_files(struct pctx *p, struct lain_proc *proc, const ynode_t *sec,
			      const char *path)
{
	const ynode_t *n = get(sec, "secret_files");
	const char *kp = sub(p, path, "secret_files");
	struct list raw = { 0 }, out = { 0 };
	if (n && str_or_list(p, n, kp, &raw))
		return p->err->code;
	for (size_t i = 0; i < raw.n; i++) {
		if (!*raw.v[i])
			return bad(p, n, kp, "a secret file path must not be empty");
		const char *f = app_path(p, raw.v[i]);
		if (!strcmp(f, "/"))
			return bad(p, n, kp, "secret file '%s' is not a file path", raw.v[i]);
		list_add_unique(p, &out, f);
	}
	proc->secret_files = list_done(&out);
	proc->secret_files_bypass = ynode_truthy(get(sec, "secret_files_bypass"));
	return 0;
}

static int parse_logs(struct pctx *p, struct lain_proc *proc, const ynode_t *sec, const char *path)
{
	const ynode_t *n = get(sec, "logs");
	const char *kp = sub(p, path, "logs");
	struct list raw = { 0 }, out = { 0 };
	if (n && str_or_list(p, n, kp, &raw))
		return p->err->code;
	for (size_t i = 0; i < raw.n; i++) {
		if (!*raw.v[i])
			return bad(p, n, kp, "a log file name must not be empty");
		if (raw.v[i][0] == '/')
			return bad(p, n, kp, "log '%s' must be relative to " LAIN_LOGS_DIR, raw.v[i]);
		list_add_unique(p, &out, raw.v[i]);
	}
	proc->logs = list_done(&out);
	return 0;
}

static int parse_env(struct pctx *p, struct lain_proc *proc, const ynode_t *sec, const char *path)
{
	const ynode_t *n = get(sec, "env");
	const char *kp = sub(p, path, "env");
	struct list l = { 0 };
	if (!n)
		return 0;
	if (n->type != YN_SEQ)
		return bad(p, n, kp, "must be a list of \"KEY=value\" strings, not a %s",
			   ynode_type_name(n->type));
	if (too_many(p, n, kp))
		return p->err->code;
	for (size_t i = 0; i < n->n; i++) {
		const ynode_t *it = n->items[i];
		if (it->type != YN_STR)
			return bad(p, it, kp, "entries must be \"KEY=value\" strings, not a %s",
				   ynode_type_name(it->type));
		list_add(p, &l, arena_strdup(p->a, it->text));
	}
	proc->env = list_done(&l);
	return 0;
}

static int parse_health_config(struct pctx *p, struct lain_proc *proc, const ynode_t *sec,
			       const char *path)
{
	const ynode_t *n = get(sec, "container_healthcheck");
	const char *kp = sub(p, path, "container_healthcheck");
	json_object *j;
	if (!n)
		return 0;
	if (n->type != YN_MAP)
		return bad(p, n, kp, "must be a mapping with cmd and options");
	const ynode_t *cmd = get(n, "cmd");
	if (!cmd || cmd->type != YN_STR || !*cmd->text)
		return bad(p, n, kp, "cmd is required and must be a string");
	const ynode_t *opts = get(n, "options");
	if (opts && opts->type != YN_MAP)
		return bad(p, opts, sub(p, kp, "options"), "must be a mapping of interval, timeout, retries");
	if (ynode_to_json(n, &j, p->err))
		return p->err->code;
	proc->health_config = arena_json(p->a, j);
	return 0;
}

static const char *type_names[] = { "web", "worker", "oneshot", "portal" };

static int type_from_name(const char *s, enum lain_proc_type *t)
{
	for (int i = 0; i < 4; i++) {
		if (!strcmp(s, type_names[i])) {
			*t = (enum lain_proc_type)i;
			return 0;
		}
	}
	return -1;
}

/* Builds one proc from its section map (sec may be NULL: an empty section). */
static int parse_proc(struct pctx *p, lain_proc_t *proc, const char *name, enum lain_proc_type type,
		      const ynode_t *sec, const ynode_t *key, const char *path, const char *service_name)
{
	static const ynode_t empty = { .type = YN_MAP };
	if (!sec)
		sec = &empty;
	memset(proc, 0, sizeof(*proc));
	proc->name = arena_strdup(p->a, name);
	proc->type = type;
	proc->type_name = type_names[type];
	proc->podname = arena_printf(p->a, "%s.%s.%s", p->c->appname, proc->type_name, name);
	proc->line = key->line;

	const char *dflt_image = p->o->default_image
		? p->o->default_image
		: arena_printf(p->a, "%s/%s:release-%s", p->o->registry, p->c->appname, p->o->meta_version);
	if (opt_str(p, sec, "image", path, dflt_image, &proc->image) ||
	    parse_command(p, sec, "entrypoint", path, &proc->has_entrypoint, &proc->entrypoint) ||
	    parse_command(p, sec, "cmd", path, &proc->has_cmd, &proc->cmd) ||
	    opt_str(p, sec, "user", path, "", &proc->user))
		return p->err->code;
	const char *wd_key = get(sec, "workdir") ? "workdir" : "working_dir";
	if (opt_str(p, sec, wd_key, path, "", &proc->working_dir))
		return p->err->code;

	struct list dns = { 0 };
	const ynode_t *n = get(sec, "dns_search");
	if (n && str_or_list(p, n, sub(p, path, "dns_search"), &dns))
		return p->err->code;
	list_add_unique(p, &dns, arena_printf(p->a, "%s.lain", p->rev));
	proc->dns_search = list_done(&dns);

	if (opt_int(p, sec, "cpu", path, 0, &proc->cpu) ||
	    opt_int(p, sec, "num_instances", path, 1, &proc->num_instances) ||
	    opt_int(p, sec, "setup_time", path, 0, &proc->setup_time) ||
	    opt_int(p, sec, "kill_timeout", path, 10, &proc->kill_timeout) ||
	    opt_str(p, sec, "memory", path, "32m", &proc->memory))
		return p->err->code;
	if (proc->cpu < 0)
		return bad(p, get(sec, "cpu"), sub(p, path, "cpu"), "must not be negative");
	if (proc->num_instances < 0)
		return bad(p, get(sec, "num_instances"), sub(p, path, "num_instances"),
			   "must not be negative");
	if (size_parse(proc->memory, &proc->memory_bytes, p->err))
		return bad(p, get(sec, "memory"), sub(p, path, "memory"), "%s", p->err->msg);
	/* clamps of lain-sdk */
	proc->setup_time = proc->setup_time < 0 ? 0 : proc->setup_time > 120 ? 120 : proc->setup_time;
	proc->kill_timeout = proc->kill_timeout < 10 ? 10 : proc->kill_timeout > 60 ? 60 : proc->kill_timeout;
	proc->stateful = ynode_truthy(get(sec, "stateful"));

	if (parse_ports(p, proc, sec, path) || parse_stream_ports(p, proc, sec, path) ||
	    parse_labels(p, proc, sec, path) || parse_filters(p, proc, sec, path) ||
	    parse_mountpoints(p, proc, sec, key, path) || parse_env(p, proc, sec, path) ||
	    parse_volumes(p, proc, sec, path) || parse_cloud_volumes(p, proc, sec, path) ||
	    parse_secret_files(p, proc, sec, path) || parse_logs(p, proc, sec, path) ||
	    parse_health_config(p, proc, sec, path))
		return p->err->code;

	proc->healthcheck = "";
	if (type == LAIN_WEB) {
		proc->https_only = ynode_truthy(get(sec, "https_only"));
		if (opt_str(p, sec, "healthcheck", path, "", &proc->healthcheck))
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
			if (opt_str(p, sec, "service_name", path, "", &proc->service_name))
				return p->err->code;
			if (!*proc->service_name)
				return bad(p, key, path, "service_name is required for a portal");
		}
		if (opt_str(p, sec, "allow_clients", path, "**", &proc->allow_clients))
			return p->err->code;
	}
	return 0;
}

/* ---- sections ---- */

struct procs {
	lain_proc_t *v;
	size_t n, cap;
};

static lain_proc_t *procs_new(struct pctx *p, struct procs *ps)
{
	if (ps->n == ps->cap) {
		ps->cap = ps->cap ? 2 * ps->cap : 8;
		lain_proc_t *v = arena_alloc(p->a, ps->cap * sizeof(*v));
		if (ps->n)
			memcpy(v, ps->v, ps->n * sizeof(*v));
		ps->v = v;
	}
	return &ps->v[ps->n++];
}

static int add_proc(struct pctx *p, struct procs *ps, const char *name, enum lain_proc_type type,
		    const ynode_t *sec, const ynode_t *key, const char *path, const char *service_name)
{
	if (ps->n >= LAIN_MAX_PROCS)
		return bad(p, key, path, "more than %d procs", LAIN_MAX_PROCS);
	for (size_t i = 0; i < ps->n; i++)
		if (!strcmp(ps->v[i].name, name))
			return bad(p, key, path, "duplicate proc name '%s'", name);
	lain_proc_t *proc = procs_new(p, ps);
	return parse_proc(p, proc, name, type, sec, key, path, service_name);
}

static int section_type(struct pctx *p, const ynode_t *sec, const char *path, enum lain_proc_type *t)
{
	const char *tn;
	if (opt_str(p, sec, "type", path, "worker", &tn))
		return p->err->code;
	if (type_from_name(tn, t))
		return bad(p, get(sec, "type"), sub(p, path, "type"),
			   "'%s' is not one of web, worker, oneshot, portal", tn);
	return 0;
}

static int parse_section(struct pctx *p, struct procs *ps, const ynode_t *key, const ynode_t *sec)
{
	const char *k = key->text;
	const char *dot = strchr(k, '.');
	size_t plen = dot ? (size_t)(dot - k) : strlen(k);
	const char *prefix = arena_strndup(p->a, k, plen);
	const char *name = dot ? dot + 1 : NULL;
	enum lain_proc_type type;

	if (sec && sec->type != YN_MAP)
		return bad(p, key, k, "a proc section must be a mapping, not a %s",
			   ynode_type_name(sec->type));
	if (name && (!*name || strchr(name, '.')))
		return bad(p, key, k, "a proc section must be <type>.<name> with a non-empty name without dots");
	if (!strcmp(prefix, "service")) {
		if (!name)
			return bad(p, key, k, "a service section must be service.<name>");
		const ynode_t *portal = get(sec, "portal");
		if (!portal)
			return bad(p, key, k, "portal is required in a service section");
		if (portal->type != YN_MAP)
			return bad(p, portal, sub(p, k, "portal"), "must be a mapping");
		/* the service proc is the section minus its portal: */
		ynode_t *rest = ynode_new(p->a, YN_MAP, sec->line);
		rest->pairs = arena_alloc(p->a, (sec->n + 1) * sizeof(ypair_t));
		for (size_t i = 0; i < sec->n; i++) {
			const ynode_t *kk = sec->pairs[i].key;
			if (kk->type == YN_STR && !strcmp(kk->text, "portal"))
				continue;
			rest->pairs[rest->n++] = sec->pairs[i];
		}
		if (section_type(p, rest, k, &type))
			return p->err->code;
		if (type == LAIN_PORTAL)
			return bad(p, get(rest, "type"), sub(p, k, "type"), "a service proc cannot be a portal");
		if (add_proc(p, ps, name, type, rest, key, k, NULL))
			return p->err->code;
		return add_proc(p, ps, arena_printf(p->a, "portal-%s", name), LAIN_PORTAL, portal, key,
				sub(p, k, "portal"), name);
	}
	if (!strcmp(prefix, "proc")) {
		if (!name)
			return bad(p, key, k, "a proc section must be proc.<name>");
		if (section_type(p, sec, k, &type))
			return p->err->code;
		return add_proc(p, ps, name, type, sec, key, k, NULL);
	}
	if (type_from_name(prefix, &type))
		return bad(p, key, k, "not a proc section");   /* not reached: caller filters */
	return add_proc(p, ps, name ? name : prefix, type, sec, key, k, NULL);
}

static bool is_section_key(const char *k)
{
	static const char *const prefixes[] = { "web", "worker", "oneshot", "portal", "proc", "service" };
	size_t plen = strcspn(k, ".");
	for (size_t i = 0; i < 6; i++)
		if (strlen(prefixes[i]) == plen && !strncmp(k, prefixes[i], plen))
			return true;
	return false;
}

/* ---- top level ---- */

static int parse_build(struct pctx *p, const ynode_t *root)
{
	const ynode_t *b = get(root, "build");
	if (!b)
		return bad(p, NULL, "build", "is required (with base)");
	if (b->type != YN_MAP)
		return bad(p, b, "build", "must be a mapping with base");
	const ynode_t *base = get(b, "base");
	if (!base || base->type != YN_STR || !*base->text)
		return bad(p, b, "build.base", "is required and must be an image name");
	const ynode_t *vols = get(b, "volumes");
	if (vols) {
		struct list l = { 0 };
		if (str_or_list(p, vols, "build.volumes", &l))
			return p->err->code;
		for (size_t i = 0; i < l.n; i++)
			if (l.v[i][0] != '/')
				return bad(p, vols, "build.volumes", "'%s' must be an absolute path", l.v[i]);
		const ynode_t *rel = get(root, "release");
		if (l.n && rel && get(rel, "script"))
			return bad(p, get(rel, "script"), "release.script",
				   "is not allowed when build.volumes is used");
	}
	const ynode_t *prep = get(b, "prepare");
	const ynode_t *pv = prep && prep->type == YN_MAP ? get(prep, "version") : NULL;
	if (pv) {
		const char *v = ynode_str(p->a, pv);
		if (!v || !*v)
			return bad(p, pv, "build.prepare.version", "must be alphanumeric");
		for (const char *c = v; *c; c++)
			if (!isalnum((unsigned char)*c))
				return bad(p, pv, "build.prepare.version", "'%s' must be alphanumeric", v);
	}
	return 0;
}

static int parse_use_services(struct pctx *p, const ynode_t *root)
{
	const ynode_t *n = get(root, "use_services");
	if (!n)
		return 0;
	if (n->type != YN_MAP)
		return bad(p, n, "use_services", "must be a mapping of service app to service names");
	if (too_many(p, n, "use_services"))
		return p->err->code;
	lain_conf_t *c = p->c;
	c->use_services = arena_alloc(p->a, (n->n + 1) * sizeof(*c->use_services));
	for (size_t i = 0; i < n->n; i++) {
		const char *app = ynode_str(p->a, n->pairs[i].key);
		if (!app || !*app)
			return bad(p, n->pairs[i].key, "use_services", "a service app name must be a string");
		const char *path = sub(p, "use_services", app);
		struct list l = { 0 };
		const ynode_t *v = n->pairs[i].value;
		if (v->type != YN_NULL && str_or_list(p, v, path, &l))
			return p->err->code;
		for (size_t j = 0; j < l.n; j++)
			if (!*l.v[j])
				return bad(p, v, path, "a service name must not be empty");
		c->use_services[c->n_use_services].app = arena_strdup(p->a, app);
		c->use_services[c->n_use_services].services = list_done(&l);
		c->n_use_services++;
	}
	return 0;
}

static int parse_use_resources(struct pctx *p, const ynode_t *root)
{
	const ynode_t *n = get(root, "use_resources");
	if (!n)
		return 0;
	if (n->type != YN_MAP)
		return bad(p, n, "use_resources", "must be a mapping of resource to {services, context...}");
	if (too_many(p, n, "use_resources"))
		return p->err->code;
	lain_conf_t *c = p->c;
	c->use_resources = arena_alloc(p->a, (n->n + 1) * sizeof(*c->use_resources));
	for (size_t i = 0; i < n->n; i++) {
		const char *res = ynode_str(p->a, n->pairs[i].key);
		if (!res || !*res || strchr(res, '.'))
			return bad(p, n->pairs[i].key, "use_resources", "a resource name must be a string without dots");
		const char *path = sub(p, "use_resources", res);
		const ynode_t *v = n->pairs[i].value;
		struct list l = { 0 };
		json_object *ctx = json_object_new_object();
		arena_json(p->a, ctx);
		if (v->type != YN_NULL && v->type != YN_MAP)
			return bad(p, v, path, "must be a mapping with services and context values");
		for (size_t j = 0; v->type == YN_MAP && j < v->n; j++) {
			const char *k = ynode_str(p->a, v->pairs[j].key);
			if (!k)
				return bad(p, v->pairs[j].key, path, "keys must be strings");
			if (!strcmp(k, "services")) {
				if (v->pairs[j].value->type != YN_NULL &&
				    str_or_list(p, v->pairs[j].value, sub(p, path, "services"), &l))
					return p->err->code;
				continue;
			}
			json_object *jv;
			if (ynode_to_json(v->pairs[j].value, &jv, p->err))
				return p->err->code;
			json_object_object_add(ctx, k, jv);
		}
		c->use_resources[c->n_use_resources].resource = arena_strdup(p->a, res);
		c->use_resources[c->n_use_resources].services = list_done(&l);
		c->use_resources[c->n_use_resources].context = ctx;
		c->n_use_resources++;
	}
	return 0;
}

static const char *reverse_appname(struct pctx *p, const char *app)
{
	size_t n = strlen(app);
	char *out = arena_alloc(p->a, n + 1);
	char *w = out;
	const char *end = app + n;
	while (end > app) {
		const char *s = end;
		while (s > app && s[-1] != '.')
			s--;
		memcpy(w, s, (size_t)(end - s));
		w += end - s;
		if (s > app)
			*w++ = '.';
		end = s > app ? s - 1 : app;
	}
	*w = '\0';
	return out;
}

int lain_conf_parse(const char *text, size_t len, const lain_parse_opts_t *opts,
		    lain_conf_t **out, err_t *err)
{
	arena_t *tree = arena_new();
	arena_t *a = arena_new();
	lain_conf_t *c = arena_alloc(a, sizeof(*c));
	struct pctx p = { .a = a, .err = err, .o = opts, .c = c };
	struct procs ps = { 0 };
	ynode_t *root;
	int rc;

	*out = NULL;
	c->arena = a;
	if (!opts || !opts->domain || !opts->registry || !opts->meta_version) {
		rc = err_set(err, -ERR_INTERNAL, "lain_conf_parse: domain, registry and meta_version are required");
		goto cleanup;
	}
	if ((rc = ynode_load(tree, text, len, &root, err)))
		goto cleanup;
	if (root->type != YN_MAP) {
		rc = err_set(err, -ERR_INVALID, "lain.yaml must be a mapping, not a %s",
			     ynode_type_name(root->type));
		goto cleanup;
	}
	const ynode_t *app = get(root, "appname");
	if (!app) {
		rc = bad(&p, NULL, "appname", "is required");
		goto cleanup;
	}
	if (app->type != YN_STR || !*app->text) {
		rc = bad(&p, app, "appname", "must be a non-empty string");
		goto cleanup;
	}
	if (!strcmp(app->text, "service") || !strcmp(app->text, "resource") ||
	    !strcmp(app->text, "portal")) {
		rc = bad(&p, app, "appname", "'%s' is reserved", app->text);
		goto cleanup;
	}
	c->appname = arena_strdup(a, app->text);
	p.rev = reverse_appname(&p, c->appname);
	if ((rc = opt_str(&p, root, "apptype", "apptype", "app", &c->apptype)))
		goto cleanup;
	if (strcmp(c->apptype, "app") && strcmp(c->apptype, "resource")) {
		rc = bad(&p, get(root, "apptype"), "apptype", "'%s' is not app or resource", c->apptype);
		goto cleanup;
	}
	if ((rc = opt_str(&p, root, "giturl", "giturl", "", &c->giturl)) ||
	    (rc = parse_build(&p, root)))
		goto cleanup;
	for (size_t i = 0; i < root->n; i++) {
		const ynode_t *k = root->pairs[i].key;
		if (k->type != YN_STR || !is_section_key(k->text))
			continue;
		const ynode_t *v = root->pairs[i].value;
		if ((rc = parse_section(&p, &ps, k, v->type == YN_NULL ? NULL : v)))
			goto cleanup;
	}
	c->procs = ps.v;
	c->n_procs = ps.n;
	if ((rc = parse_use_services(&p, root)) || (rc = parse_use_resources(&p, root)))
		goto cleanup;
	*out = c;
	a = NULL;
cleanup:
	arena_free(tree);
	arena_free(a);
	return rc;
}

void lain_conf_free(lain_conf_t *conf)
{
	if (conf)
		arena_free(conf->arena);
}

const lain_proc_t *lain_conf_proc(const lain_conf_t *conf, const char *name)
{
	for (size_t i = 0; i < conf->n_procs; i++)
		if (!strcmp(conf->procs[i].name, name))
			return &conf->procs[i];
	return NULL;
}

bool lain_conf_has_portal(const lain_conf_t *conf)
{
	for (size_t i = 0; i < conf->n_procs; i++)
		if (conf->procs[i].type == LAIN_PORTAL)
			return true;
	return false;
}

char *lain_giturl_normalize(const char *giturl)
{
	char *s = xstrdup(giturl ? giturl : "");
	if (strx_suffix(s, ".git"))
		s[strlen(s) - 4] = '\0';
	if (*s && strncmp(s, "http", 4)) {
		char *t = xasprintf("http://%s", s);
		free(s);
		s = t;
	}
	return s;
}
