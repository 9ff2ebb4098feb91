/* lainyaml: lain.yaml -> lain_conf_t; the top level and the proc sections. */
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
		return lp_bad(p, key, path, "more than %d procs", LAIN_MAX_PROCS);
	for (size_t i = 0; i < ps->n; i++)
		if (!strcmp(ps->v[i].name, name))
			return lp_bad(p, key, path, "duplicate proc name '%s'", name);
	lain_proc_t *proc = procs_new(p, ps);
	return lp_parse_proc(p, proc, name, type, sec, key, path, service_name);
}

static int section_type(struct pctx *p, const ynode_t *sec, const char *path, enum lain_proc_type *t)
{
	const char *tn;
	if (lp_opt_str(p, sec, "type", path, "worker", &tn))
		return p->err->code;
	if (lp_type_from_name(tn, t))
		return lp_bad(p, lp_get(sec, "type"), lp_sub(p, path, "type"),
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
		return lp_bad(p, key, k, "a proc section must be a mapping, not a %s",
			   ynode_type_name(sec->type));
	if (name && (!*name || strchr(name, '.')))
		return lp_bad(p, key, k, "a proc section must be <type>.<name> with a non-empty name without dots");
	if (!strcmp(prefix, "service")) {
		if (!name)
			return lp_bad(p, key, k, "a service section must be service.<name>");
		const ynode_t *portal = lp_get(sec, "portal");
		if (!portal)
			return lp_bad(p, key, k, "portal is required in a service section");
		if (portal->type != YN_MAP)
			return lp_bad(p, portal, lp_sub(p, k, "portal"), "must be a mapping");
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
			return lp_bad(p, lp_get(rest, "type"), lp_sub(p, k, "type"), "a service proc cannot be a portal");
		if (add_proc(p, ps, name, type, rest, key, k, NULL))
			return p->err->code;
		return add_proc(p, ps, arena_printf(p->a, "portal-%s", name), LAIN_PORTAL, portal, key,
				lp_sub(p, k, "portal"), name);
	}
	if (!strcmp(prefix, "proc")) {
		if (!name)
			return lp_bad(p, key, k, "a proc section must be proc.<name>");
		if (section_type(p, sec, k, &type))
			return p->err->code;
		return add_proc(p, ps, name, type, sec, key, k, NULL);
	}
	if (lp_type_from_name(prefix, &type))
		return lp_bad(p, key, k, "not a proc section");   /* not reached: caller filters */
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
	const ynode_t *b = lp_get(root, "build");
	if (!b)
		return lp_bad(p, NULL, "build", "is required (with base)");
	if (b->type != YN_MAP)
		return lp_bad(p, b, "build", "must be a mapping with base");
	const ynode_t *base = lp_get(b, "base");
	if (!base || base->type != YN_STR || !*base->text)
		return lp_bad(p, b, "build.base", "is required and must be an image name");
	const ynode_t *vols = lp_get(b, "volumes");
	if (vols) {
		struct lp_list l = { 0 };
		if (lp_str_or_list(p, vols, "build.volumes", &l))
			return p->err->code;
		for (size_t i = 0; i < l.n; i++)
			if (l.v[i][0] != '/')
				return lp_bad(p, vols, "build.volumes", "'%s' must be an absolute path", l.v[i]);
		const ynode_t *rel = lp_get(root, "release");
		if (l.n && rel && lp_get(rel, "script"))
			return lp_bad(p, lp_get(rel, "script"), "release.script",
				   "is not allowed when build.volumes is used");
	}
	const ynode_t *prep = lp_get(b, "prepare");
	const ynode_t *pv = prep && prep->type == YN_MAP ? lp_get(prep, "version") : NULL;
	if (pv) {
		const char *v = ynode_str(p->a, pv);
		if (!v || !*v)
			return lp_bad(p, pv, "build.prepare.version", "must be alphanumeric");
		for (const char *c = v; *c; c++)
			if (!isalnum((unsigned char)*c))
				return lp_bad(p, pv, "build.prepare.version", "'%s' must be alphanumeric", v);
	}
	return 0;
}

/* A top-level mapping (what: its message when it is not one) whose entries
 * each() turns into the rows of a new array *rows of size-byte rows (NULL
 * when the key is absent); *count counts them. */
typedef int (*entry_fn)(struct pctx *p, const ynode_t *k, const ynode_t *v, void *row);
static int parse_entries(struct pctx *p, const ynode_t *root, const char *key, const char *what,
			 size_t size, entry_fn each, void **rows, size_t *count)
{
	const ynode_t *n = lp_get(root, key);
	*rows = NULL;
	if (!n)
		return 0;
	if (n->type != YN_MAP)
		return lp_bad(p, n, key, "%s", what);
	if (lp_too_many(p, n, key))
		return p->err->code;
	char *v = arena_alloc(p->a, (n->n + 1) * size);
	*rows = v;
	for (size_t i = 0; i < n->n; i++, (*count)++)
		if (each(p, n->pairs[i].key, n->pairs[i].value, v + i * size))
			return p->err->code;
	return 0;
}

static int use_service(struct pctx *p, const ynode_t *k, const ynode_t *v, void *row)
{
	lain_use_service_t *u = row;
	const char *app = ynode_str(p->a, k);
	if (!app || !*app)
		return lp_bad(p, k, "use_services", "a service app name must be a string");
	const char *path = lp_sub(p, "use_services", app);
	u->app = arena_strdup(p->a, app);
	return lp_nonempty_strs(p, v, path, "a service name", NULL, &u->services);
}

static int use_resource(struct pctx *p, const ynode_t *k, const ynode_t *v, void *row)
{
	lain_use_resource_t *u = row;
	const char *res = ynode_str(p->a, k);
	if (!res || !*res || strchr(res, '.'))
		return lp_bad(p, k, "use_resources", "a resource name must be a string without dots");
	const char *path = lp_sub(p, "use_resources", res);
	struct lp_list l = { 0 };
	json_object *ctx = json_object_new_object();
	arena_json(p->a, ctx);
	if (v->type != YN_NULL && v->type != YN_MAP)
		return lp_bad(p, v, path, "must be a mapping with services and context values");
	for (size_t j = 0; v->type == YN_MAP && j < v->n; j++) {
		const char *name = ynode_str(p->a, v->pairs[j].key);
		if (!name)
			return lp_bad(p, v->pairs[j].key, path, "keys must be strings");
		if (!strcmp(name, "services")) {
			if (v->pairs[j].value->type != YN_NULL &&
			    lp_str_or_list(p, v->pairs[j].value, lp_sub(p, path, "services"), &l))
				return p->err->code;
			continue;
		}
		json_object *jv;
		if (ynode_to_json(v->pairs[j].value, &jv, p->err))
			return p->err->code;
		json_object_object_add(ctx, name, jv);
	}
	u->resource = arena_strdup(p->a, res);
	u->services = lp_list_done(&l);
	u->context = ctx;
	return 0;
}

static int parse_uses(struct pctx *p, const ynode_t *root)
{
	lain_conf_t *c = p->c;
	void *services, *resources;
	int rc = parse_entries(p, root, "use_services",
			       "must be a mapping of service app to service names",
			       sizeof(*c->use_services), use_service, &services, &c->n_use_services);
	c->use_services = services;
	if (rc)
		return rc;
	rc = parse_entries(p, root, "use_resources",
			   "must be a mapping of resource to {services, context...}",
			   sizeof(*c->use_resources), use_resource, &resources, &c->n_use_resources);
	c->use_resources = resources;
	return rc;
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
	/* the conf may be kept long (appview's cache): small blocks */
	arena_t *a = arena_new_small(2048);
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
	if ((rc = ynode_load_map(tree, text, len, "lain.yaml", &root, err)))
		goto cleanup;
	const ynode_t *app = lp_get(root, "appname");
	if (!app) {
		rc = lp_bad(&p, NULL, "appname", "is required");
		goto cleanup;
	}
	if (app->type != YN_STR || !*app->text) {
		rc = lp_bad(&p, app, "appname", "must be a non-empty string");
		goto cleanup;
	}
	if (!strcmp(app->text, "service") || !strcmp(app->text, "resource") ||
	    !strcmp(app->text, "portal")) {
		rc = lp_bad(&p, app, "appname", "'%s' is reserved", app->text);
		goto cleanup;
	}
	c->appname = arena_strdup(a, app->text);
	p.rev = reverse_appname(&p, c->appname);
	if ((rc = lp_opt_str(&p, root, "apptype", "apptype", "app", &c->apptype)))
		goto cleanup;
	if (strcmp(c->apptype, "app") && strcmp(c->apptype, "resource")) {
		rc = lp_bad(&p, lp_get(root, "apptype"), "apptype", "'%s' is not app or resource", c->apptype);
		goto cleanup;
	}
	if ((rc = lp_opt_str(&p, root, "giturl", "giturl", "", &c->giturl)) ||
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
	if ((rc = parse_uses(&p, root)))
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

bool lain_is_instance(const char *appname)
{
	return strx_prefix(appname, LAIN_INSTANCE_PREFIX);
}

const char *lain_instance_resource(const char *appname, size_t *len)
{
	if (!lain_is_instance(appname))
		return NULL;
	const char *r = appname + strlen(LAIN_INSTANCE_PREFIX);
	*len = strcspn(r, ".");
	return r;
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

const char *lain_secret_path(arena_t *arena, const char *path)
{
	struct pctx p = { .a = arena };
	const char *f = lp_app_path(&p, path);
	return strcmp(f, "/") ? f : NULL;
}
