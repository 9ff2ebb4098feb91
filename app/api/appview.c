/* App, Proc and Pod objects (spec §1.4); see appview.h. */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "console/cluster.h"
#include "console/deployd.h"
#include "console/lainyaml.h"
#include "console/permission.h"
#include "console/log.h"
#include "console/size.h"
#include "console/store.h"
#include "console/xalloc.h"
#include "answer.h"
#include "appconf.h"
#include "appview.h"
#include "podstatus.h"
#include "peers.h"
#include "console/banned.h"

/* What one app needs while it is rendered, and where its object goes. */
enum job_role {
	JOB_LISTED,     /* one of the apps asked for */
	JOB_SERVICE,    /* the provider of a service a listed app uses: its "useservices" */
	JOB_RESOURCE,   /* the instance of a resource a listed app uses: its "useresources" */
	JOB_INSTANCE,   /* an instance of a listed resource app: its "resourceinstances" */
};

struct view_entry;

struct app_job {
	const app_record_t *app;    /* NULL: a provider/instance missing or not deployed */
	lain_conf_t *conf;          /* NULL: no meta (or unreadable) -> static record */
	struct view_entry *entry;   /* where the worker keeps its conf (NULL: not kept) */
	size_t first;               /* its items in the fetch list */
	enum job_role role;
	size_t parent;              /* not JOB_LISTED: the job it is rendered into */
	/* JOB_SERVICE, JOB_RESOURCE: */
	const char *used;           /* the provider app / the resource, as lain.yaml names it */
	const lain_strs_t *services;/* the services used: only their portals are shown */
	const char *client_ns;      /* the client's name: its pods only */
};

struct jobs {
	struct app_job *v;
	size_t n, cap;
};

static struct app_job *job_add(struct jobs *js, enum job_role role, size_t parent)
{
	if (js->n == js->cap) {
		js->cap = js->cap ? 2 * js->cap : 16;
		js->v = xrealloc(js->v, js->cap * sizeof(*js->v));
	}
	struct app_job *j = &js->v[js->n++];
	memset(j, 0, sizeof(*j));
	j->role = role;
	j->parent = parent;
	return j;
}

static json_object *strs(const lain_strs_t *s)
{
	json_object *a = json_object_new_array();
	for (size_t i = 0; i < s->n; i++)
		json_object_array_add(a, json_object_new_string(s->v[i]));
	return a;
}

static json_object *app_base(const app_record_t *a, bool with_meta)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "appname", json_object_new_string(a->appname));
	json_object_object_add(o, "apptype", json_object_new_string(a->app_type));
	json_object_object_add(o, "metaversion",
			       json_object_new_string(with_meta ? a->meta_version : ""));
	json_object_object_add(o, "updatetime", json_object_new_string(a->last_update));
	json_object_object_add(o, "deployerror", json_object_new_string(a->last_error));
	json_object_object_add(o, "canaries",
			       a->canaries ? json_object_get(a->canaries) : json_object_new_object());
	json_object_object_add(o, "procs", json_object_new_array());
	json_object_object_add(o, "portals", json_object_new_array());
	json_object_object_add(o, "useservices", json_object_new_array());
	json_object_object_add(o, "useresources", json_object_new_array());
	buf_t url = BUF_INIT;
	buf_addf(&url, "/v1/apps/%s/", a->appname);
	json_object_object_add(o, "url", json_object_new_string(url.data));
	buf_release(&url);
	return o;
}

/* The Proc object: static values of lain.yaml, then what deployd said
 * (status NULL: nothing). */
static json_object *proc_object(const char *appname, const lain_proc_t *p, json_object *status,
				enum deployd_kind kind, const char *client_ns, const char **last_error)
{
	json_object *o = json_object_new_object();
	deployd_view_t v;
	deployd_view(status, kind, client_ns, &v);
	char mem[SIZE_FORMAT_MAX];
	json_object_object_add(o, "procname", json_object_new_string(p->name));
	json_object_object_add(o, "proctype", json_object_new_string(p->type_name));
	json_object_object_add(o, "image",
			       json_object_new_string(v.has_spec && *v.image ? v.image : p->image));
	json_object_object_add(o, "numinstances",
			       json_object_new_int64(v.has_spec ? v.num_instances : p->num_instances));
	json_object_object_add(o, "cpu", json_object_new_int64(v.has_spec ? v.cpu : p->cpu));
	json_object_object_add(o, "memory",
			       json_object_new_string(v.has_spec ? size_format(v.memory, mem, sizeof(mem))
								 : p->memory));
	json_object_object_add(o, "persistentdirs", strs(&p->volumes));
	json_object_object_add(o, "dnssearchs", strs(&p->dns_search));
	json_object *ports = json_object_new_array();
	for (size_t i = 0; i < p->n_ports; i++) {
		json_object *x = json_object_new_object();
		json_object_object_add(x, "portnumber", json_object_new_int(p->ports[i].number));
		json_object_object_add(x, "porttype", json_object_new_string(p->ports[i].proto));
		json_object_array_add(ports, x);
	}
	json_object_object_add(o, "ports", ports);
	json_object_object_add(o, "mountpoints", strs(&p->mountpoints));
	json_object_object_add(o, "httpsonly", json_object_new_boolean(p->https_only));
	json_object_object_add(o, "user", json_object_new_string(p->user ? p->user : ""));
	json_object_object_add(o, "workingdir",
			       json_object_new_string(p->working_dir ? p->working_dir : ""));
	json_object_object_add(o, "entrypoint", p->has_entrypoint ? strs(&p->entrypoint) : NULL);
	json_object_object_add(o, "cmd", p->has_cmd ? strs(&p->cmd) : NULL);
	json_object_object_add(o, "envs", strs(&p->env));
	json_object_object_add(o, "pods", v.pods);
	json_object_object_add(o, "depends", json_object_new_array());
	json_object_object_add(o, "logs", strs(&p->logs));
	json_object_object_add(o, "lasterror", json_object_new_string(v.last_error));
	buf_t url = BUF_INIT;
	buf_addf(&url, "/v1/apps/%s/procs/%s/", appname, p->name);
	json_object_object_add(o, "url", json_object_new_string(url.data));
	buf_release(&url);
	if (status && kind == DEPLOYD_PODGROUP && last_error)
		*last_error = json_object_get_string(json_object_object_get(o, "lasterror"));
	return o;
}

/*
 * The worker's cache of what a listing renders again and again: per app,
 * its lain.yaml parsed (valid while the record's mod_revision is the same:
 * the cluster facts it also depends on are read once per worker) and the
 * text of its App object (valid while, besides, every status it shows is
 * the same shared answer: the gens of podstatus_fetch). A steady app is
 * thus neither parsed nor rendered again; a listing of 32 viewers costs
 * about one render per app per sharing window per worker.
 *
 * Bounded by VIEW_BUDGET bytes (the texts and what the parsed confs'
 * arenas hold); the least recently used entries go first, never one the call at
 * hand uses (its conf is in use), so a listing larger than the budget
 * keeps what fits and parses the rest.
 */
#define VIEW_BUDGET (2u << 20)

struct view_entry {
	char *name;
	int64_t rev;                /* the record's mod_revision */
	lain_conf_t *conf;          /* NULL: no meta, or unreadable */
	bool skeleton;              /* conf holds only what a listing reads before it
	                               renders (skeleton_of); a render parses anew */
	api_text_t *text;           /* NULL: none rendered (yet) */
	unsigned long long *gens;   /* the answers text shows, one per proc */
	size_t ngens;
	size_t cost;
	unsigned long long used;    /* the call that last used it */
};

struct view_cache {
	json_object *map;           /* name -> int64 index into v */
	struct view_entry **v;      /* each its own allocation: a job points at it */
	size_t n, cap;
	size_t bytes;
	unsigned long long calls;
};

static void entry_clear(struct view_entry *e)
{
	lain_conf_free(e->conf);
	api_text_put(e->text);
	free(e->gens);
	e->conf = NULL;
	e->skeleton = false;
	e->text = NULL;
	e->gens = NULL;
	e->ngens = 0;
}

static void view_destroy(void *p)
{
	struct view_cache *c = p;
	for (size_t i = 0; i < c->n; i++) {
		entry_clear(c->v[i]);
		free(c->v[i]->name);
		free(c->v[i]);
	}
	free(c->v);
	json_object_put(c->map);
	free(c);
}

static struct view_cache *view_cache(request_t *req)
{
	struct view_cache *c = ctx_slot(req->ctx, CTX_SLOT_APPVIEW, sizeof(*c), view_destroy);
	if (!c->map)
		c->map = json_object_new_object();
	return c;
}

static void view_drop(struct view_cache *c, size_t i)
{
	struct view_entry *e = c->v[i];
	c->bytes -= e->cost;
	json_object_object_del(c->map, e->name);
	entry_clear(e);
	free(e->name);
	free(e);
	if (i != --c->n) {
		c->v[i] = c->v[c->n];
		json_object_object_add(c->map, c->v[i]->name, json_object_new_int64((int64_t)i));
	}
}

/* Room for cost more bytes, evicting entries this call does not use. */
static bool view_room(struct view_cache *c, size_t cost)
{
	while (c->bytes + cost > VIEW_BUDGET) {
		size_t victim = c->n;
		for (size_t i = 0; i < c->n; i++)
			if (c->v[i]->used != c->calls &&
			    (victim == c->n || c->v[i]->used < c->v[victim]->used))
				victim = i;
		if (victim == c->n)
			return false;
		view_drop(c, victim);
	}
	return true;
}

static void view_cost(struct view_cache *c, struct view_entry *e, size_t cost)
{
	c->bytes = c->bytes - e->cost + cost;
	e->cost = cost;
}

/* The parsed lain.yaml of a, from the cache when it holds a's revision,
 * else parsed (and kept when there is room); *entry its entry or NULL. */
static lain_conf_t *load_conf(request_t *req, const cluster_t *cl, const app_record_t *a,
			      struct view_entry **entry)
{
	struct view_cache *c = view_cache(req);
	json_object *idx;
	struct view_entry *e = json_object_object_get_ex(c->map, a->appname, &idx)
				       ? c->v[json_object_get_int64(idx)]
				       : NULL;
	*entry = NULL;
	if (e && e->rev == a->mod_revision && a->mod_revision) {
		e->used = c->calls;
		*entry = e;
		return e->conf;
	}
	lain_conf_t *conf = NULL;
	err_t err = ERR_INIT;
	appconf_parse_stored(cl, a, &conf, &err); /* NULL: no meta, or unreadable */
	/* An entry this call uses keeps its conf (another record of the same
	 * app, read later, is not kept); a record read without a revision
	 * neither. */
	size_t cost = sizeof(struct view_entry) + strlen(a->appname) + 1 +
		      (conf ? arena_bytes(conf->arena) : 0);
	if (!a->mod_revision || (e && e->used == c->calls))
		return appconf_own(req->arena, conf);
	if (e) {
		entry_clear(e);
		view_cost(c, e, 0);
	} else {
		if (!view_room(c, cost))
			return appconf_own(req->arena, conf);
		if (c->n == c->cap) {
			/* small at first: the tests' few apps grow it too */
			c->cap = c->cap ? 2 * c->cap : 4;
			c->v = xrealloc(c->v, c->cap * sizeof(*c->v));
		}
		e = c->v[c->n] = xcalloc(1, sizeof(*e));
		e->name = xstrdup(a->appname);
		json_object_object_add(c->map, e->name, json_object_new_int64((int64_t)c->n++));
	}
	e->rev = a->mod_revision;
	e->conf = conf;
	e->used = c->calls;
	view_cost(c, e, cost);
	*entry = e;
	return conf;
}

static bool is_resource(const app_record_t *a, const lain_conf_t *conf)
{
	return !strcmp(a->app_type, "resource") || (conf && !strcmp(conf->apptype, "resource"));
}

/* The portal proc of provider conf serving service (spec §3.5); the
 * default name when the provider is unknown or has none. */
static const char *portal_of(arena_t *arena, const lain_conf_t *conf, const char *service)
{
	for (size_t i = 0; conf && i < conf->n_procs; i++)
		if (conf->procs[i].type == LAIN_PORTAL && conf->procs[i].service_name &&
		    !strcmp(conf->procs[i].service_name, service))
			return conf->procs[i].name;
	return arena_printf(arena, "portal-%s", service);
}

static bool portal_used(arena_t *arena, const struct app_job *j, const char *proc)
{
	for (size_t i = 0; i < j->services->n; i++)
		if (!strcmp(portal_of(arena, j->conf, j->services->v[i]), proc))
			return true;
	return false;
}

static json_object *portal_names(arena_t *arena, const struct app_job *j)
{
	json_object *a = json_object_new_array();
	for (size_t s = 0; s < j->services->n; s++)
		json_object_array_add(a, json_object_new_string(
						 portal_of(arena, j->conf, j->services->v[s])));
	return a;
}

/*
 * What a listing reads of a kept conf before it renders an app whose text
 * it keeps: the app's name and type, and each proc's name, type, podname
 * and service (which podgroups to ask deployd about; portals). Once an
 * app's text is kept, its entry holds this instead of the whole parsed
 * lain.yaml (a 3-proc app: 5.4 KB parsed, 1.5 KB this), and the rare
 * render of a changed status parses the record again (render_job). It is
 * only made for an app whose text is kept (keepable: no services, no
 * resources used), so nothing reads more of it.
 */
static lain_conf_t *skeleton_of(const lain_conf_t *c)
{
	size_t need = sizeof(*c) + c->n_procs * sizeof(lain_proc_t) + strlen(c->appname) +
		      strlen(c->apptype) + 2 + 64;
	for (size_t k = 0; k < c->n_procs; k++) {
		const lain_proc_t *p = &c->procs[k];
		need += strlen(p->name) + strlen(p->podname) + 2 + 16 +
			(p->service_name ? strlen(p->service_name) + 1 + 8 : 0);
	}
	arena_t *arena = arena_new_small(need);
	lain_conf_t *k = arena_alloc(arena, sizeof(*k));
	k->arena = arena;
	k->appname = arena_strdup(arena, c->appname);
	k->apptype = arena_strdup(arena, c->apptype);
	k->giturl = "";
	k->n_procs = c->n_procs;
	k->procs = arena_alloc(arena, (c->n_procs ? c->n_procs : 1) * sizeof(lain_proc_t));
	for (size_t i = 0; i < c->n_procs; i++) {
		const lain_proc_t *p = &c->procs[i];
		lain_proc_t *q = &k->procs[i];
		q->name = arena_strdup(arena, p->name);
		q->type = p->type;
		q->podname = arena_strdup(arena, p->podname);
		q->service_name = p->service_name ? arena_strdup(arena, p->service_name) : NULL;
	}
	return k;
}

/* The App object of a job; providers render their used portals only, with
 * the client's pods. */
static json_object *render_job(request_t *req, const cluster_t *cl, const struct app_job *j,
			       deployd_fetch_t *items)
{
	arena_t *arena = req->arena;
	const app_record_t *a = j->app;
	lain_conf_t *conf = j->conf;
	if (conf && j->entry && j->entry->skeleton && conf == j->entry->conf) {
		/* Kept as its skeleton: the whole of it, for this request. */
		err_t e = ERR_INIT;
		conf = NULL;
		appconf_parse_stored(cl, a, &conf, &e);
		conf = appconf_own(arena, conf);
	}
	json_object *o = app_base(a, conf != NULL);
	if (!conf)
		return o;
	bool resource = is_resource(a, conf);
	json_object *procs = json_object_object_get(o, "procs");
	json_object *portals = json_object_object_get(o, "portals");
	const char *last_error = NULL;
	for (size_t k = 0; k < conf->n_procs; k++) {
		const lain_proc_t *p = &conf->procs[k];
		bool portal = p->type == LAIN_PORTAL;
		if (portal && j->services && !portal_used(arena, j, p->name))
			continue;
		json_object *status = NULL;
		if (!resource) {
			deployd_fetch_t *it = &items[j->first + k];
			podstatus_judge(it);
			if (!it->rc && it->res.status == 200)
				status = it->res.json;
		}
		json_object_array_add(portal ? portals : procs,
				      proc_object(a->appname, p, status,
						  portal ? DEPLOYD_DEPENDS : DEPLOYD_PODGROUP,
						  portal ? j->client_ns : NULL, &last_error));
	}
	if (!*a->last_error && last_error)
		json_object_object_add(o, "deployerror", json_object_new_string(last_error));
	if (resource && j->role == JOB_LISTED)
		json_object_object_add(o, "resourceinstances", json_object_new_array());
	return o;
}

/* A used provider or instance: the record when it is deployed (rendered),
 * else NULL (rendered as {}). */
static void job_load(request_t *req, const cluster_t *cl, struct app_job *j, const char *name)
{
	app_record_t *a = NULL;
	err_t e = ERR_INIT;
	if (!store_app_get(req->ctx, req->arena, name, &a, &e) && app_deployed(a)) {
		j->app = a;
		j->conf = load_conf(req, cl, a, &j->entry);
	}
}

/* The instances of the listed resource apps: every deployed record named
 * resource.<R>.<client> for a listed resource R. */
struct instances_of {
	request_t *req;
	const cluster_t *cl;
	struct jobs *js;
	size_t nlisted;
};

static int add_instance(const app_record_t *a, void *data)
{
	struct instances_of *io = data;
	size_t rlen = 0;
	const char *resource = lain_instance_resource(a->appname, &rlen);
	if (!resource || resource[rlen] != '.' || !app_deployed(a))
		return 0;
	for (size_t i = 0; i < io->nlisted; i++) {
		const struct app_job *r = &io->js->v[i];
		if (!r->conf || !is_resource(r->app, r->conf))
			continue;
		if (strlen(r->app->appname) == rlen && !strncmp(resource, r->app->appname, rlen)) {
			struct app_job *j = job_add(io->js, JOB_INSTANCE, i);
			j->app = a;
			j->conf = load_conf(io->req, io->cl, a, &j->entry);
		}
	}
	return 0;
}

static const char *const role_keys[] = {
	[JOB_SERVICE] = "useservices",
	[JOB_RESOURCE] = "useresources",
	[JOB_INSTANCE] = "resourceinstances",
};

/* A deploy whose request ended halfway (a killed worker) leaves the record
 * "deploying" without an error, which lain-cli would read as healthy once
 * the pods it got to run: say so in deployerror (issue 14 #11). Rare, so
 * the extra etcd read is only made for such a record. */
static void interrupted(request_t *req, const app_record_t *a, json_object *o)
{
	if (a->state != APP_DEPLOYING || *a->last_error)
		return;
	bool yes = false;
	err_t e = ERR_INIT;
	if (store_app_interrupted(req->ctx, req->arena, a->appname, &yes, &e))
		http_log(req, LOG_WARN, "whether the deploy of %s was interrupted: %s", a->appname,
			 e.msg);
	if (yes)
		json_object_object_add(
			o, "deployerror",
			json_object_new_string(arena_printf(
				req->arena,
				"the deploy of %s was interrupted: the request serving it ended "
				"before it finished (%s); deploy it again",
				a->appname, a->last_update)));
}

/* Whether the App object of job j is its record and statuses only (nothing
 * is added to it afterwards: no provider, instance or interrupted deploy),
 * so that its text may be kept. */
static bool keepable(const struct app_job *j)
{
	const app_record_t *a = j->app;
	return j->entry && j->conf && j->role == JOB_LISTED && !is_resource(a, j->conf) &&
	       !j->conf->n_use_services && !j->conf->n_use_resources &&
	       !(a->state == APP_DEPLOYING && !*a->last_error);
}

/* Whether every status of an app is a shared answer (gens[0..n) non-zero)
 * and, when e is given, the ones e's text shows. */
static bool same_answers(const struct view_entry *e, const unsigned long long *gens, size_t n)
{
	for (size_t k = 0; k < n; k++)
		if (!gens[k] || (e && gens[k] != e->gens[k]))
			return false;
	return true;
}

/* Whether job j has a text kept for its conf's procs. */
static bool has_text(const struct app_job *j)
{
	return keepable(j) && j->entry->text && j->entry->ngens == j->conf->n_procs;
}

/* The apps with a kept text that changed (not every answer is the one it
 * shows) are rendered: the answers they hold (not copied) are fetched
 * again with their bodies. */
static void bodies_again(request_t *req, const cluster_t *cl, struct jobs *js, size_t n,
			 bool as_text, deployd_fetch_t *items, unsigned long long *gens)
{
	size_t m = 0, cap = 0, *idx = NULL;
	for (size_t i = 0; as_text && i < n; i++) {
		const struct app_job *j = &js->v[i];
		size_t np = j->conf ? j->conf->n_procs : 0;
		if (!has_text(j) || same_answers(j->entry, gens + j->first, np))
			continue;
		for (size_t k = 0; k < np; k++) {
			size_t x = j->first + k;
			if (items[x].rc || items[x].body || !gens[x])
				continue;
			if (m == cap) {
				cap = cap ? 2 * cap : 16;
				idx = xrealloc(idx, cap * sizeof(*idx));
			}
			idx[m++] = x;
		}
	}
	if (!m)
		return;
	deployd_fetch_t *again = xcalloc(m, sizeof(*again));
	unsigned long long *g = xcalloc(m, sizeof(*g));
	for (size_t x = 0; x < m; x++) {
		again[x].kind = items[idx[x]].kind;
		again[x].name = items[idx[x]].name;
	}
	podstatus_fetch(req, cl, again, m, g);
	for (size_t x = 0; x < m; x++) {
		deployd_fetch_t *it = &items[idx[x]];
		deployd_result_release(&it->res);
		free(it->body);
		*it = again[x];
		gens[idx[x]] = g[x];
	}
	free(again);
	free(g);
	free(idx);
}

/* Keeps the text of o, the App object of e's app showing the answers
 * gens[0..n), in e; returns what stands for o in the answer (o itself when
 * there is no room). */
static json_object *keep_text(struct view_cache *c, struct view_entry *e, json_object *o,
			      const unsigned long long *gens, size_t n)
{
	size_t old = e->text ? e->text->len + e->ngens * sizeof(*gens) : 0;
	api_text_t *t = api_text_of(o);
	size_t add = t->len + n * sizeof(*gens);
	if (add > old && !view_room(c, add - old)) {
		api_text_put(t);
		return o;
	}
	api_text_put(e->text);
	e->text = t;
	free(e->gens);
	e->gens = xmalloc((n ? n : 1) * sizeof(*gens));
	memcpy(e->gens, gens, n * sizeof(*gens));
	e->ngens = n;
	view_cost(c, e, e->cost - old + add);
	json_object_put(o);
	return api_text_value(t);
}

int appview_apps(request_t *req, const app_record_t *const *apps, size_t n, bool as_text,
		 json_object **out, err_t *err)
{
	const cluster_t *cl;
	int rc = cluster_get(req->ctx, &cl, err);
	if (rc)
		return rc;
	struct view_cache *vc = view_cache(req);
	vc->calls++;
	struct jobs js = { 0 };
	bool any_resource = false;
	for (size_t i = 0; i < n; i++) {
		struct app_job *j = job_add(&js, JOB_LISTED, 0);
		j->app = apps[i];
		j->conf = load_conf(req, cl, apps[i], &j->entry);
		any_resource |= j->conf && is_resource(apps[i], j->conf);
	}
	/* The providers of the services and the instances of the resources the
	 * listed apps use (spec §1.4); the instances of listed resources. */
	for (size_t i = 0; i < n; i++) {
		const lain_conf_t *conf = js.v[i].conf;
		if (!conf || is_resource(apps[i], conf))
			continue;
		for (size_t u = 0; u < conf->n_use_services; u++) {
			struct app_job *j = job_add(&js, JOB_SERVICE, i);
			j->used = conf->use_services[u].app;
			j->services = &conf->use_services[u].services;
			j->client_ns = apps[i]->appname;
			job_load(req, cl, j, j->used);
		}
		for (size_t u = 0; u < conf->n_use_resources; u++) {
			struct app_job *j = job_add(&js, JOB_RESOURCE, i);
			j->used = conf->use_resources[u].resource;
			j->services = &conf->use_resources[u].services;
			j->client_ns = apps[i]->appname;
			job_load(req, cl, j,
				 arena_printf(req->arena, LAIN_INSTANCE_PREFIX "%s.%s", j->used,
					      apps[i]->appname));
		}
	}
	if (any_resource) {
		struct instances_of io = { req, cl, &js, n };
		err_t e = ERR_INIT;
		if (store_app_each(req->ctx, req->arena, add_instance, &io, &e))
			http_log(req, LOG_WARN, "resource instances not listed: %s", e.msg);
	}

	size_t nitems = 0;
	for (size_t i = 0; i < js.n; i++) {
		js.v[i].first = nitems;
		if (js.v[i].conf && !is_resource(js.v[i].app, js.v[i].conf))
			nitems += js.v[i].conf->n_procs;
	}
	deployd_fetch_t *items = xcalloc(nitems ? nitems : 1, sizeof(*items));
	for (size_t i = 0; i < js.n; i++) {
		if (!js.v[i].conf || is_resource(js.v[i].app, js.v[i].conf))
			continue;
		for (size_t k = 0; k < js.v[i].conf->n_procs; k++) {
			const lain_proc_t *p = &js.v[i].conf->procs[k];
			deployd_fetch_t *it = &items[js.v[i].first + k];
			it->kind = p->type == LAIN_PORTAL ? DEPLOYD_DEPENDS : DEPLOYD_PODGROUP;
			it->name = p->podname;
		}
	}
	/* All of them at once, shared with the host's other requests
	 * (podstatus.h). deployd down: every item says so and the objects are
	 * rendered without status (spec §1.4). */
	/* The answers a kept text shows are not copied again when they are
	 * still the table's. */
	unsigned long long *gens = xcalloc(nitems ? nitems : 1, sizeof(*gens));
	for (size_t i = 0; i < n; i++)
		if (as_text && has_text(&js.v[i]))
			memcpy(gens + js.v[i].first, js.v[i].entry->gens,
			       js.v[i].conf->n_procs * sizeof(*gens));
	podstatus_fetch(req, cl, items, nitems, gens);
	bodies_again(req, cl, &js, n, as_text, items, gens);

	for (size_t i = 0; i < n; i++) {
		struct app_job *j = &js.v[i];
		/* A steady app shows what it showed: its text as kept. */
		bool keep = as_text && keepable(j) &&
			    same_answers(NULL, gens + j->first, j->conf->n_procs);
		if (keep && has_text(j) && same_answers(j->entry, gens + j->first, j->conf->n_procs)) {
			out[i] = api_text_value(j->entry->text);
			continue;
		}
		out[i] = render_job(req, cl, j, items);
		interrupted(req, apps[i], out[i]);
		if (keep)
			out[i] = keep_text(vc, j->entry, out[i], gens + j->first, j->conf->n_procs);
		/* Its statuses parsed are done with: a listing holds one app's
		 * at a time, not all of them (the worker's peak of memory). */
		if (j->conf && !is_resource(j->app, j->conf))
			deployd_fetch_release(items + j->first, j->conf->n_procs);
	}
	for (size_t i = n; i < js.n; i++) {
		const struct app_job *j = &js.v[i];
		json_object *list = json_object_object_get(out[j->parent], role_keys[j->role]);
		if (j->role == JOB_INSTANCE) {
			json_object_array_add(list, render_job(req, cl, j, items));
			continue;
		}
		bool svc = j->role == JOB_SERVICE;
		json_object *e = json_object_new_object();
		json_object_object_add(e, svc ? "servicename" : "resourcename",
				       json_object_new_string(j->used));
		json_object_object_add(e, svc ? "serviceprocs" : "resourceprocs",
				       portal_names(req->arena, j));
		json_object_object_add(e, svc ? "service" : "resourceinstance",
				       j->app ? render_job(req, cl, j, items)
					      : json_object_new_object());
		json_object_array_add(list, e);
	}
	/* The entries whose text is kept need no more of their conf than its
	 * skeleton; made now that no job of this call points into it. */
	for (size_t i = 0; i < n; i++) {
		struct view_entry *e = js.v[i].entry;
		if (!e || e->skeleton || e->conf != js.v[i].conf || !e->text || !keepable(&js.v[i]))
			continue;
		lain_conf_t *k = skeleton_of(e->conf);
		size_t full = arena_bytes(e->conf->arena), small = arena_bytes(k->arena);
		lain_conf_free(e->conf);
		e->conf = k;
		e->skeleton = true;
		view_cost(vc, e, e->cost - full + small);
	}
	deployd_fetch_release(items, nitems);
	free(items);
	free(gens);
	free(js.v);
	return 0;
}

json_object *appview_app(request_t *req, const app_record_t *app, err_t *err)
{
	json_object *o = NULL;
	if (appview_apps(req, &app, 1, false, &o, err))
		return NULL;
	return o;
}

json_object *appview_proc(request_t *req, const lain_proc_t *p)
{
	err_t e = ERR_INIT;
	json_object *app = appview_app(req, req_app(req), &e), *found = NULL;
	const char *lists[] = { "procs", "portals" };
	for (size_t l = 0; app && l < 2 && !found; l++) {
		json_object *a = json_object_object_get(app, lists[l]);
		for (size_t i = 0; a && i < json_object_array_length(a) && !found; i++) {
			json_object *o = json_object_array_get_idx(a, i), *n;
			if (json_object_object_get_ex(o, "procname", &n) &&
			    !strcmp(json_object_get_string(n), p->name))
				found = json_object_get(o);
		}
	}
	json_object_put(app);
	return found;
}
