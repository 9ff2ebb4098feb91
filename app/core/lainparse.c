/* lainparse: helpers shared by the lain.yaml parser files. */
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

/* "<path>: <message> (line N)" */
__attribute__((format(printf, 4, 5)))
int lp_bad(struct pctx *p, const ynode_t *n, const char *path, const char *fmt, ...)
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

const char *lp_sub(struct pctx *p, const char *path, const char *key)
{
	return arena_printf(p->a, "%s.%s", path, key);
}

int lp_too_many(struct pctx *p, const ynode_t *n, const char *path)
{
	if ((n->type == YN_SEQ || n->type == YN_MAP) && n->n > LAIN_MAX_ENTRIES)
		return lp_bad(p, n, path, "more than %d entries", LAIN_MAX_ENTRIES);
	return 0;
}

/* A key whose value is null counts as absent. */
const ynode_t *lp_get(const ynode_t *m, const char *key)
{
	const ynode_t *v = ynode_get(m, key);
	return v && v->type != YN_NULL ? v : NULL;
}

void *lp_grow(struct pctx *p, void *v, size_t n, size_t *cap, size_t size)
{
	if (n < *cap)
		return v;
	*cap = *cap ? 2 * *cap : 4;
	void *w = arena_alloc(p->a, *cap * size);
	if (n)
		memcpy(w, v, n * size);
	return w;
}

/* ---- growable string lists built in the arena ---- */

void lp_list_add(struct pctx *p, struct lp_list *l, const char *s)
{
	l->v = lp_grow(p, l->v, l->n, &l->cap, sizeof(*l->v));
	l->v[l->n++] = s;
}

bool lp_list_has(const struct lp_list *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i], s))
			return true;
	return false;
}

void lp_list_add_unique(struct pctx *p, struct lp_list *l, const char *s)
{
	if (!lp_list_has(l, s))
		lp_list_add(p, l, s);
}

lain_strs_t lp_list_done(struct lp_list *l)
{
	lain_strs_t s = { l->n, l->v };
	return s;
}

/* ---- typed getters ---- */

/* A scalar as text (Python str()); collections are an error. */
int lp_scalar_str(struct pctx *p, const ynode_t *n, const char *path, const char **out)
{
	if (n->type == YN_MAP || n->type == YN_SEQ)
		return lp_bad(p, n, path, "must be a string, not a %s", ynode_type_name(n->type));
	*out = arena_strdup(p->a, ynode_str(p->a, n));
	return 0;
}

int lp_opt_str(struct pctx *p, const ynode_t *m, const char *key, const char *path,
		   const char *dflt, const char **out)
{
	const ynode_t *n = lp_get(m, key);
	*out = dflt;
	if (!n)
		return 0;
	return lp_scalar_str(p, n, lp_sub(p, path, key), out);
}

/* Python int(): ints, floats truncated, decimal strings; not booleans. */
int lp_opt_int(struct pctx *p, const ynode_t *m, const char *key, const char *path,
		   long dflt, long *out)
{
	const ynode_t *n = lp_get(m, key);
	const char *kp;
	*out = dflt;
	if (!n)
		return 0;
	kp = lp_sub(p, path, key);
	switch (n->type) {
	case YN_INT:
		if (n->i < -1000000000L || n->i > 1000000000L)
			return lp_bad(p, n, kp, "%s is out of range", n->text);
		*out = (long)n->i;
		return 0;
	case YN_FLOAT:
		if (!isfinite(n->f) || n->f < -1e9 || n->f > 1e9)
			return lp_bad(p, n, kp, "%s is out of range", n->text);
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
		return lp_bad(p, n, kp, "must be an integer, not '%s'", n->text);
	}
	default:
		return lp_bad(p, n, kp, "must be an integer, not a %s", ynode_type_name(n->type));
	}
}

/* A string or a list of scalars -> list of strings. */
int lp_str_or_list(struct pctx *p, const ynode_t *n, const char *path, struct lp_list *out)
{
	if (lp_too_many(p, n, path))
		return p->err->code;
	if (n->type == YN_SEQ) {
		for (size_t i = 0; i < n->n; i++) {
			const char *s;
			const ynode_t *it = n->items[i];
			if (it->type == YN_NULL)
				continue;
			if (lp_scalar_str(p, it, path, &s))
				return p->err->code;
			lp_list_add(p, out, s);
		}
		return 0;
	}
	if (n->type == YN_MAP)
		return lp_bad(p, n, path, "must be a string or a list of strings, not a mapping");
	const char *s;
	if (lp_scalar_str(p, n, path, &s))
		return p->err->code;
	lp_list_add(p, out, s);
	return 0;
}

int lp_nonempty_strs(struct pctx *p, const ynode_t *n, const char *path, const char *what,
		     lp_each_fn each, lain_strs_t *out)
{
	struct lp_list raw = { 0 }, l = { 0 };
	*out = lp_list_done(&l);
	if (n && n->type != YN_NULL && lp_str_or_list(p, n, path, &raw))
		return p->err->code;
	for (size_t i = 0; i < raw.n; i++) {
		if (!*raw.v[i])
			return lp_bad(p, n, path, "%s must not be empty", what);
		if (each && each(p, n, path, raw.v[i], &l))
			return p->err->code;
	}
	*out = lp_list_done(each ? &l : &raw);
	return 0;
}

/* ---- paths ---- */

/* os.path.normpath of an absolute path: no "//", ".", "..", trailing "/". */
const char *lp_normpath(struct pctx *p, const char *path)
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
const char *lp_app_path(struct pctx *p, const char *path)
{
	if (path[0] == '/')
		return lp_normpath(p, path);
	return lp_normpath(p, arena_printf(p->a, LAIN_APP_DIR "/%s", path));
}
