/* ynode: libyaml events -> a typed tree, resolved like PyYAML's safe loader. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "ynode.h"
#include "console/array.h"
#include "console/xalloc.h"
#include "console/banned.h"

#define TAG_PREFIX "tag:yaml.org,2002:"
/* A lain.yaml has a handful of anchors; the cap keeps the lookup linear and
 * cheap even on hostile input. */
#define MAX_ANCHORS 4096

/* An open collection while its events arrive. */
struct frame {
	ynode_t *node;
	ynode_t **kids;     /* map: key, value, key, value ... */
	bool *merge;        /* map: per pair, key was a plain "<<" */
	size_t n, cap;
	const char *anchor;
};

struct anchor {
	const char *name;
	ynode_t *node;
};

struct loader {
	arena_t *a;
	struct frame stack[YNODE_MAX_DEPTH];
	int depth;
	struct anchor *anchors;
	size_t n_anchors;
	ynode_t *root;
	size_t merge_work;  /* key comparisons spent on '<<' merges */
	err_t *err;
};

/* Merges compare keys linearly; aliases make big merges cheap to write, so
 * the whole document gets a budget. */
#define MAX_MERGE_WORK 20000000

const char *ynode_type_name(enum ynode_type t)
{
	static const char *const names[] = { "null", "boolean", "integer", "float",
		"string", "mapping", "list" };
	return (unsigned)t < ARRAY_SIZE(names) ? names[t] : "?";
}

ynode_t *ynode_new(arena_t *a, enum ynode_type t, int line)
{
	ynode_t *n = arena_alloc(a, sizeof(*n));
	n->type = t;
	n->line = line;
	n->text = "";
	return n;
}

/* ---- scalar resolution (YAML 1.1 as PyYAML resolves it) ---- */

static bool is_null_text(const char *s)
{
	return !*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") ||
	       !strcmp(s, "NULL");
}

static int bool_text(const char *s, bool *out)
{
	static const char *const yes[] = { "yes", "Yes", "YES", "true", "True", "TRUE",
		"on", "On", "ON" };
	static const char *const no[] = { "no", "No", "NO", "false", "False", "FALSE",
		"off", "Off", "OFF" };
	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!strcmp(s, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcmp(s, no[i])) {
			*out = false;
			return 0;
		}
	}
	return -1;
}

/* 0 ok, -1 not an int, -2 out of range. Forms: [-+]? 0b.., 0x.., 0[0-7]..,
 * decimal; '_' allowed between digits. */
static int int_text(const char *s, int64_t *out)
{
	bool neg = false;
	int base = 10;
	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if (!*s)
		return -1;
	if (s[0] == '0' && (s[1] == 'b' || s[1] == 'x')) {
		base = s[1] == 'b' ? 2 : 16;
		s += 2;
		if (!*s)
			return -1;
	} else if (s[0] == '0' && s[1]) {
		base = 8;
		s++;
	} else if (*s == '_') {
		return -1;
	}
	unsigned __int128 v = 0;
	bool digits = false;
	for (; *s; s++) {
		int d;
		if (*s == '_')
			continue;
		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			return -1;
		if (d >= base)
			return -1;
		v = v * base + d;
		digits = true;
		if (v > (unsigned __int128)INT64_MAX + 1)
			return -2;
	}
	if (!digits)
		return -1;
	if (!neg && v > INT64_MAX)
		return -2;
	*out = neg ? (int64_t)(0 - (uint64_t)v) : (int64_t)v;
	return 0;
}

/* PyYAML's 1.1 float forms: a '.' is required, an exponent needs a sign. */
static int float_text(const char *s, double *out)
{
	const char *p = s;
	if (*p == '-' || *p == '+')
		p++;
	if (!strcmp(p, ".inf") || !strcmp(p, ".Inf") || !strcmp(p, ".INF")) {
		*out = *s == '-' ? -INFINITY : INFINITY;
		return 0;
	}
	if (!strcmp(s, ".nan") || !strcmp(s, ".NaN") || !strcmp(s, ".NAN")) {
		*out = NAN;
		return 0;
	}
	char clean[64];
	size_t n = 0;
	bool dot = false, digit = false;
	for (const char *q = s; *q; q++) {
		if (*q == '_')
			continue;
		if (n + 1 >= sizeof(clean))
			return -1;
		clean[n++] = *q;
	}
	clean[n] = '\0';
	p = clean;
	if (*p == '-' || *p == '+')
		p++;
	while (*p >= '0' && *p <= '9') {
		p++;
		digit = true;
	}
	if (*p == '.') {
		dot = true;
		p++;
		while (*p >= '0' && *p <= '9') {
			p++;
			digit = true;
		}
	}
	if (!dot || !digit)
		return -1;
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p != '-' && *p != '+')
			return -1;
		p++;
		if (!(*p >= '0' && *p <= '9'))
			return -1;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p)
		return -1;
	errno = 0;
	*out = strtod(clean, NULL);
	return 0;
}

static int resolve_scalar(struct loader *l, const yaml_event_t *ev, ynode_t **out)
{
	const char *text = (const char *)ev->data.scalar.value;
	const char *tag = (const char *)ev->data.scalar.tag;
	int line = (int)ev->start_mark.line + 1;
	ynode_t *n = ynode_new(l->a, YN_STR, line);
	n->text = arena_strndup(l->a, text, ev->data.scalar.length);
	if (strlen(n->text) != ev->data.scalar.length)
		return err_set(l->err, -ERR_INVALID, "NUL character in a scalar (line %d)", line);
	const char *kind = NULL;
	if (tag && strcmp(tag, "!")) {
		if (strncmp(tag, TAG_PREFIX, strlen(TAG_PREFIX)))
			return err_set(l->err, -ERR_INVALID, "unsupported tag '%s' (line %d)", tag, line);
		kind = tag + strlen(TAG_PREFIX);
	} else if (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && !tag) {
		kind = NULL;   /* implicit */
	} else {
		kind = "str";
	}
	if (kind && (!strcmp(kind, "str") || !strcmp(kind, "python/unicode") ||
		     !strcmp(kind, "python/str"))) {
		*out = n;
		return 0;
	}
	if (kind && !strcmp(kind, "null")) {
		n->type = YN_NULL;
		*out = n;
		return 0;
	}
	if (kind && !strcmp(kind, "bool")) {
		if (bool_text(n->text, &n->b))
			return err_set(l->err, -ERR_INVALID, "'%s' is not a valid !!bool (line %d)",
				       n->text, line);
		n->type = YN_BOOL;
		*out = n;
		return 0;
	}
	if (kind && !strcmp(kind, "int")) {
		int rc = int_text(n->text, &n->i);
		if (rc)
			return err_set(l->err, -ERR_INVALID, "'%s' is %s (line %d)", n->text,
				       rc == -2 ? "an integer out of range" : "not a valid !!int", line);
		n->type = YN_INT;
		*out = n;
		return 0;
	}
	if (kind && !strcmp(kind, "float")) {
		int64_t iv;
		if (!float_text(n->text, &n->f)) {
			n->type = YN_FLOAT;
		} else if (!int_text(n->text, &iv)) {
			n->type = YN_FLOAT;
			n->f = (double)iv;
		} else {
			return err_set(l->err, -ERR_INVALID, "'%s' is not a valid !!float (line %d)",
				       n->text, line);
		}
		*out = n;
		return 0;
	}
	if (kind)
		return err_set(l->err, -ERR_INVALID, "unsupported tag '!!%s' (line %d)", kind, line);
	/* implicit resolution of a plain scalar */
	int rc;
	if (is_null_text(n->text))
		n->type = YN_NULL;
	else if (!bool_text(n->text, &n->b))
		n->type = YN_BOOL;
	else if (!(rc = int_text(n->text, &n->i)))
		n->type = YN_INT;
	else if (rc == -2)
		return err_set(l->err, -ERR_INVALID, "'%s' is an integer out of range (line %d)",
			       n->text, line);
	else if (!float_text(n->text, &n->f))
		n->type = YN_FLOAT;
	*out = n;
	return 0;
}

/* ---- tree building ---- */

static bool keys_equal(const ynode_t *a, const ynode_t *b)
{
	if (a->type != b->type || a->type == YN_MAP || a->type == YN_SEQ)
		return a == b;
	switch (a->type) {
	case YN_NULL: return true;
	case YN_BOOL: return a->b == b->b;
	case YN_INT: return a->i == b->i;
	default: return !strcmp(a->text, b->text);
	}
}

struct keyref {
	const ynode_t *key;
	size_t idx;
};

static int keyref_cmp(const void *pa, const void *pb)
{
	const struct keyref *x = pa, *y = pb;
	if (x->key->type != y->key->type)
		return (int)x->key->type - (int)y->key->type;
	int c = 0;
	if (x->key->type == YN_INT)
		c = x->key->i < y->key->i ? -1 : x->key->i > y->key->i;
	else if (x->key->type == YN_BOOL)
		c = (int)x->key->b - (int)y->key->b;
	else if (x->key->type == YN_MAP || x->key->type == YN_SEQ)
		c = x->key < y->key ? -1 : x->key > y->key;
	else if (x->key->type != YN_NULL)
		c = strcmp(x->key->text, y->key->text);
	if (c)
		return c;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static bool map_has(const ypair_t *pairs, size_t n, const ynode_t *key)
{
	for (size_t i = 0; i < n; i++)
		if (keys_equal(pairs[i].key, key))
			return true;
	return false;
}

/* Duplicate keys: the last one wins (as PyYAML); then merge keys add what is
 * not there yet, earlier sources first. */
static int finish_map(struct loader *l, struct frame *f)
{
	size_t npairs = f->n / 2;
	struct keyref *refs = xcalloc(npairs ? npairs : 1, sizeof(*refs));
	bool *drop = xcalloc(npairs ? npairs : 1, sizeof(*drop));
	size_t nref = 0, nmerge_items = 0;
	int rc = 0;
	for (size_t i = 0; i < npairs; i++) {
		if (f->merge[i]) {
			drop[i] = true;
			const ynode_t *v = f->kids[2 * i + 1];
			if (v->type == YN_MAP) {
				nmerge_items += v->n;
			} else if (v->type == YN_SEQ) {
				for (size_t j = 0; j < v->n; j++) {
					if (v->items[j]->type != YN_MAP) {
						rc = err_set(l->err, -ERR_INVALID,
							     "'<<' merges mappings only (line %d)", v->line);
						goto cleanup;
					}
					nmerge_items += v->items[j]->n;
				}
			} else {
				rc = err_set(l->err, -ERR_INVALID, "'<<' merges mappings only (line %d)",
					     v->line);
				goto cleanup;
			}
			continue;
		}
		refs[nref].key = f->kids[2 * i];
		refs[nref].idx = i;
		nref++;
	}
	qsort(refs, nref, sizeof(*refs), keyref_cmp);
	for (size_t i = 0; i + 1 < nref; i++)
		if (keys_equal(refs[i].key, refs[i + 1].key))
			drop[refs[i].idx] = true;
	ynode_t *m = f->node;
	m->pairs = arena_alloc(l->a, (npairs + nmerge_items + 1) * sizeof(ypair_t));
	m->n = 0;
	for (size_t i = 0; i < npairs; i++) {
		if (drop[i])
			continue;
		m->pairs[m->n].key = f->kids[2 * i];
		m->pairs[m->n].value = f->kids[2 * i + 1];
		m->n++;
	}
	size_t own = m->n;
	for (size_t i = 0; i < npairs; i++) {
		if (!f->merge[i])
			continue;
		const ynode_t *v = f->kids[2 * i + 1];
		size_t nsrc = v->type == YN_MAP ? 1 : v->n;
		for (size_t s = 0; s < nsrc; s++) {
			const ynode_t *src = v->type == YN_MAP ? v : v->items[s];
			for (size_t j = 0; j < src->n; j++) {
				/* merged sources are small; a linear check is fine, but
				 * bound the work on hostile input */
				if (m->n > 4096) {
					rc = err_set(l->err, -ERR_INVALID,
						     "'<<' merge too large (line %d)", v->line);
					goto cleanup;
				}
				l->merge_work += m->n;
				if (l->merge_work > MAX_MERGE_WORK) {
					rc = err_set(l->err, -ERR_TOO_BIG,
						     "'<<' merges too much (line %d)", v->line);
					goto cleanup;
				}
				if (map_has(m->pairs, m->n, src->pairs[j].key))
					continue;
				m->pairs[m->n++] = src->pairs[j];
			}
		}
	}
	(void)own;
cleanup:
	free(refs);
	free(drop);
	return rc;
}

static void frame_push_kid(struct frame *f, ynode_t *kid, bool merge)
{
	if (f->n == f->cap) {
		f->cap = f->cap ? 2 * f->cap : 8;
		f->kids = xrealloc(f->kids, f->cap * sizeof(*f->kids));
		f->merge = xrealloc(f->merge, (f->cap / 2 + 1) * sizeof(*f->merge));
	}
	if (f->node->type == YN_MAP && f->n % 2 == 0)
		f->merge[f->n / 2] = merge;
	f->kids[f->n++] = kid;
}

static int add_anchor(struct loader *l, const char *name, ynode_t *node, int line)
{
	if (!name)
		return 0;
	for (size_t i = 0; i < l->n_anchors; i++) {
		if (!strcmp(l->anchors[i].name, name)) {
			l->anchors[i].node = node;   /* redefinition: later uses see the new one */
			return 0;
		}
	}
	if (l->n_anchors == MAX_ANCHORS)
		return err_set(l->err, -ERR_INVALID, "more than %d anchors (line %d)", MAX_ANCHORS,
			       line);
	if (!l->anchors)
		l->anchors = xcalloc(MAX_ANCHORS, sizeof(*l->anchors));
	l->anchors[l->n_anchors].name = arena_strdup(l->a, name);
	l->anchors[l->n_anchors].node = node;
	l->n_anchors++;
	return 0;
}

/* Attaches a finished node to its parent (or makes it the root). */
static int attach(struct loader *l, ynode_t *n, bool merge_key)
{
	if (!l->depth) {
		l->root = n;
		return 0;
	}
	struct frame *f = &l->stack[l->depth - 1];
	if (f->node->type == YN_MAP && f->n % 2 == 0 && n->type == YN_NULL && !merge_key) {
		/* null keys are legal YAML; keep them (they never match a lookup) */
	}
	frame_push_kid(f, n, merge_key);
	return 0;
}

static int open_collection(struct loader *l, const yaml_event_t *ev, enum ynode_type t)
{
	int line = (int)ev->start_mark.line + 1;
	const char *tag = (const char *)(t == YN_MAP ? ev->data.mapping_start.tag
						   : ev->data.sequence_start.tag);
	const char *anchor = (const char *)(t == YN_MAP ? ev->data.mapping_start.anchor
						      : ev->data.sequence_start.anchor);
	if (tag && strcmp(tag, "!") &&
	    strcmp(tag, t == YN_MAP ? TAG_PREFIX "map" : TAG_PREFIX "seq"))
		return err_set(l->err, -ERR_INVALID, "unsupported tag '%s' (line %d)", tag, line);
	if (l->depth == YNODE_MAX_DEPTH)
		return err_set(l->err, -ERR_TOO_BIG,
			       "document nested deeper than %d levels (line %d)", YNODE_MAX_DEPTH,
			       line);
	struct frame *f = &l->stack[l->depth++];
	memset(f, 0, sizeof(*f));
	f->node = ynode_new(l->a, t, line);
	f->anchor = anchor ? arena_strdup(l->a, anchor) : NULL;
	return 0;
}

static void frame_release(struct frame *f)
{
	free(f->kids);
	free(f->merge);
	f->kids = NULL;
	f->merge = NULL;
}

static int close_collection(struct loader *l)
{
	struct frame *f = &l->stack[l->depth - 1];
	ynode_t *n = f->node;
	int rc = 0;
	if (n->type == YN_MAP) {
		rc = finish_map(l, f);
	} else {
		n->n = f->n;
		n->items = arena_alloc(l->a, (f->n + 1) * sizeof(*n->items));
		if (f->n)
			memcpy(n->items, f->kids, f->n * sizeof(*n->items));
	}
	const char *anchor = f->anchor;
	frame_release(f);
	l->depth--;
	if (rc)
		return rc;
	if ((rc = add_anchor(l, anchor, n, n->line)))
		return rc;
	return attach(l, n, false);
}

static bool parent_wants_key(const struct loader *l)
{
	if (!l->depth)
		return false;
	const struct frame *f = &l->stack[l->depth - 1];
	return f->node->type == YN_MAP && f->n % 2 == 0;
}

int ynode_load(arena_t *a, const char *text, size_t len, ynode_t **out, err_t *err)
{
	struct loader l = { .a = a, .err = err };
	yaml_parser_t parser;
	yaml_event_t ev;
	int rc = 0;
	bool done = false, have_event = false, parser_ok = false;

	*out = NULL;
	if (len > YNODE_MAX_INPUT)
		return err_set(err, -ERR_TOO_BIG, "document of %zu bytes is larger than the limit of 1 MiB",
			       len);
	if (!yaml_parser_initialize(&parser))
		return err_set(err, -ERR_INTERNAL, "cannot initialise the yaml parser");
	parser_ok = true;
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	int docs = 0;
	while (!done) {
		if (!yaml_parser_parse(&parser, &ev)) {
			rc = err_set(err, -ERR_INVALID, "invalid yaml: %s%s%s (line %zu)",
				     parser.problem ? parser.problem : "syntax error",
				     parser.context ? " " : "", parser.context ? parser.context : "",
				     (size_t)parser.problem_mark.line + 1);
			goto cleanup;
		}
		have_event = true;
		int line = (int)ev.start_mark.line + 1;
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1) {
				rc = err_set(err, -ERR_INVALID,
					     "expected one yaml document, found more (line %d)", line);
				goto cleanup;
			}
			break;
		case YAML_SCALAR_EVENT: {
			ynode_t *n = NULL;
			bool key = parent_wants_key(&l);
			bool merge = key && ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
				     !ev.data.scalar.tag && ev.data.scalar.length == 2 &&
				     !memcmp(ev.data.scalar.value, "<<", 2);
			if ((rc = resolve_scalar(&l, &ev, &n)))
				goto cleanup;
			if ((rc = add_anchor(&l, (const char *)ev.data.scalar.anchor, n, line)))
				goto cleanup;
			attach(&l, n, merge);
			break;
		}
		case YAML_ALIAS_EVENT: {
			const char *name = (const char *)ev.data.alias.anchor;
			ynode_t *n = NULL;
			for (size_t i = 0; i < l.n_anchors; i++)
				if (!strcmp(l.anchors[i].name, name))
					n = l.anchors[i].node;
			if (!n) {
				rc = err_set(err, -ERR_INVALID, "unknown alias '*%s' (line %d)", name, line);
				goto cleanup;
			}
			attach(&l, n, false);
			break;
		}
		case YAML_SEQUENCE_START_EVENT:
			if ((rc = open_collection(&l, &ev, YN_SEQ)))
				goto cleanup;
			break;
		case YAML_MAPPING_START_EVENT:
			if ((rc = open_collection(&l, &ev, YN_MAP)))
				goto cleanup;
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			if ((rc = close_collection(&l)))
				goto cleanup;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
		have_event = false;
	}
	*out = l.root ? l.root : ynode_new(a, YN_NULL, 1);
cleanup:
	if (have_event)
		yaml_event_delete(&ev);
	while (l.depth > 0)
		frame_release(&l.stack[--l.depth]);
	free(l.anchors);
	if (parser_ok)
		yaml_parser_delete(&parser);
	return rc;
}

int ynode_load_map(arena_t *a, const char *text, size_t len, const char *what, ynode_t **out,
		   err_t *err)
{
	int rc = ynode_load(a, text, len, out, err);
	if (rc)
		return rc;
	if ((*out)->type != YN_MAP)
		return err_set(err, -ERR_INVALID, "%s must be a mapping, not a %s", what,
			       ynode_type_name((*out)->type));
	return 0;
}
