/* lainports: the port and ports keys of a proc section (console-api.md
 * §3.4 table), with lain-sdk's limits. */
#include <ctype.h>
#include <string.h>

#include "console/lainyaml.h"
#include "console/strx.h"
#include "lainparse.h"
#include "console/banned.h"

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
	proc->ports = lp_grow(p, proc->ports, proc->n_ports, cap, sizeof(*proc->ports));
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

int lp_parse_ports(struct pctx *p, struct lain_proc *proc, const ynode_t *n, const char *kp,
		   const struct lp_section *s)
{
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
	proc->stream_ports = lp_grow(p, proc->stream_ports, proc->n_stream_ports, cap,
				     sizeof(*proc->stream_ports));
	proc->stream_ports[proc->n_stream_ports++] = sp;
	return 0;
}

int lp_parse_stream_ports(struct pctx *p, struct lain_proc *proc, const ynode_t *n,
			  const char *kp, const struct lp_section *s)
{
	size_t cap = 0;
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
