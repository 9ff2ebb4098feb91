/*
 * The counters of metrics.h in one shared block, and their exposition.
 *
 * Layout: fixed fields, then one row per distinct route pattern (the last
 * one "(none)").
 * Histograms keep per-bucket counts (not cumulative) and the sum in
 * microseconds; the rendering adds the buckets up and takes _count from
 * them, so that every rendered histogram is consistent (+Inf == _count)
 * even while other workers add to it.
 */
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "console/array.h"
#include "console/metrics.h"
#include "console/xalloc.h"
#include "console/banned.h"

_Static_assert(ATOMIC_LLONG_LOCK_FREE == 2, "lock-free 64-bit atomics are needed");

typedef _Atomic unsigned long long counter_t;

#define NMETHODS 8
#define NCLASSES 5          /* 1xx .. 5xx */
#define NBUCKETS 14         /* finite buckets of either histogram; +Inf is one more */
#define NEXITS 256
#define NSIGNALS 65

static const char *const methods[NMETHODS] = {
	"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "OTHER",
};

struct bucket {
	long long le_us;
	const char *le;
};

/* Requests: a registry token takes milliseconds, a synchronous deploy up
 * to nginx's 190 s. */
static const struct bucket request_buckets[NBUCKETS] = {
	{ 5000, "0.005" }, { 10000, "0.01" }, { 25000, "0.025" }, { 50000, "0.05" },
	{ 100000, "0.1" }, { 250000, "0.25" }, { 500000, "0.5" }, { 1000000, "1" },
	{ 2500000, "2.5" }, { 5000000, "5" }, { 10000000, "10" }, { 30000000, "30" },
	{ 60000000, "60" }, { 180000000, "180" },
};

/* Outbound calls: an etcd read on loopback is well under a millisecond;
 * the longest timeouts are 30 s. */
static const struct bucket dep_buckets[NBUCKETS] = {
	{ 1000, "0.001" }, { 2500, "0.0025" }, { 5000, "0.005" }, { 10000, "0.01" },
	{ 25000, "0.025" }, { 50000, "0.05" }, { 100000, "0.1" }, { 250000, "0.25" },
	{ 500000, "0.5" }, { 1000000, "1" }, { 2500000, "2.5" }, { 5000000, "5" },
	{ 10000000, "10" }, { 30000000, "30" },
};

struct hist {
	counter_t b[NBUCKETS + 1];
	counter_t sum_us;
};

struct route_row {
	counter_t requests[NMETHODS][NCLASSES];
	struct hist duration[NMETHODS];   /* a list and a deploy of one path differ */
};

struct dep_row {
	counter_t calls, transport_errors, status_errors;
	struct hist duration;
};

struct block {
	_Atomic long long workers;
	_Atomic unsigned char busy[METRICS_MAX_WORKERS];
	counter_t respawn_exit[NEXITS];
	counter_t respawn_signal[NSIGNALS];
	struct dep_row deps[METRICS_DEP_COUNT];
	counter_t lock_conflicts;
	counter_t deploys[METRICS_OUTCOME_COUNT];
	counter_t rollbacks[METRICS_OUTCOME_COUNT];
	counter_t tokens[METRICS_GRANT_COUNT];
	struct route_row routes[];  /* nroutes + 1 */
};

static struct block *blk;
static size_t blk_size;
/* The distinct route patterns (rows of the table may share one: GET and
 * POST of /v1/repos/ are two rows), and each row's index among them. */
static const char **route_names;
static size_t *row_route;
static size_t nrows, nroutes;
static int own_slot = -1;

/* Label values of the fixed lists, in enum order. */
static const struct {
	const char *label;
	const char *alias;      /* httpc dep name when it is not the label */
} deps[METRICS_DEP_COUNT] = {
	[METRICS_DEP_ETCD] = { "etcd", NULL },
	[METRICS_DEP_DEPLOYD] = { "deployd", NULL },
	[METRICS_DEP_SSO] = { "sso", NULL },
	[METRICS_DEP_REGISTRY] = { "registry", NULL },
	[METRICS_DEP_LVAULT] = { "lvault", NULL },
	[METRICS_DEP_DOCKER] = { "docker", NULL },
	[METRICS_DEP_WEBHOOKS] = { "webhooks", "notify webhook" },
	[METRICS_DEP_OTHER] = { "other", NULL },
};
static const char *const outcomes[METRICS_OUTCOME_COUNT] = { "succeeded", "failed", "error" };
static const char *const grants[METRICS_GRANT_COUNT] = {
	"whitelisted", "admin", "user", "anonymous", "internal", "robot",
};

int metrics_open(const char *const *routes, size_t n, err_t *err)
{
	if (blk)
		return 0;
	route_names = xcalloc(n ? n : 1, sizeof(*route_names));
	row_route = xcalloc(n ? n : 1, sizeof(*row_route));
	nroutes = 0;
	for (size_t i = 0; i < n; i++) {
		size_t j = 0;
		while (j < nroutes && strcmp(route_names[j], routes[i]))
			j++;
		if (j == nroutes)
			route_names[nroutes++] = routes[i];
		row_route[i] = j;
	}
	nrows = n;
	size_t size = sizeof(struct block) + (nroutes + 1) * sizeof(struct route_row);
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		metrics_close();
		return err_set(err, -ERR_INTERNAL, "cannot map %zu bytes for the metrics", size);
	}
	/* Fresh anonymous pages are zero: every counter starts at 0. */
	blk = p;
	blk_size = size;
	return 0;
}

void metrics_close(void)
{
	if (blk)
		munmap(blk, blk_size);
	blk = NULL;
	free(route_names);
	free(row_route);
	route_names = NULL;
	row_route = NULL;
	nrows = nroutes = 0;
	own_slot = -1;
}

static void add(counter_t *c, unsigned long long n)
{
	atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

static unsigned long long get(counter_t *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

static void observe(struct hist *h, const struct bucket *bounds, long us)
{
	size_t i = 0;
	if (us < 0)
		us = 0;
	while (i < NBUCKETS && us > bounds[i].le_us)
		i++;
	add(&h->b[i], 1);
	add(&h->sum_us, (unsigned long long)us);
}

void metrics_worker_slot(int slot)
{
	own_slot = slot >= 0 && slot < METRICS_MAX_WORKERS ? slot : -1;
}

static void set_busy(int slot, unsigned char v)
{
	if (blk && slot >= 0)
		atomic_store_explicit(&blk->busy[slot], v, memory_order_relaxed);
}

void metrics_request_begin(void)
{
	set_busy(own_slot, 1);
}

static size_t method_index(const char *method)
{
	for (size_t i = 0; method && i < NMETHODS - 1; i++)
		if (!strcmp(methods[i], method))
			return i;
	return NMETHODS - 1;
}

void metrics_request_end(long route, const char *method, int status, long duration_us)
{
	set_busy(own_slot, 0);
	if (!blk)
		return;
	struct route_row *r = &blk->routes[route >= 0 && (size_t)route < nrows ? row_route[route]
										    : nroutes];
	int cls = status / 100;
	if (cls < 1)
		cls = 5;
	if (cls > 5)
		cls = 5;
	size_t m = method_index(method);
	add(&r->requests[m][cls - 1], 1);
	observe(&r->duration[m], request_buckets, duration_us);
}

void metrics_workers_alive(long n)
{
	if (blk)
		atomic_store_explicit(&blk->workers, n, memory_order_relaxed);
}

void metrics_worker_gone(int slot, int wait_status, int respawned)
{
	if (!blk)
		return;
	if (slot >= 0 && slot < METRICS_MAX_WORKERS)
		set_busy(slot, 0);
	if (!respawned)
		return;
	if (WIFSIGNALED(wait_status) && WTERMSIG(wait_status) < NSIGNALS)
		add(&blk->respawn_signal[WTERMSIG(wait_status)], 1);
	else if (WIFEXITED(wait_status))
		add(&blk->respawn_exit[WEXITSTATUS(wait_status)], 1);
}

enum metrics_dep metrics_dep_of(const char *dep)
{
	for (size_t i = 0; dep && i < METRICS_DEP_OTHER; i++)
		if (!strcmp(dep, deps[i].label) || (deps[i].alias && !strcmp(dep, deps[i].alias)))
			return (enum metrics_dep)i;
	return METRICS_DEP_OTHER;
}

void metrics_dep_call(enum metrics_dep dep, long status, long duration_us)
{
	if (!blk || dep < 0 || dep >= METRICS_DEP_COUNT)
		return;
	struct dep_row *d = &blk->deps[dep];
	add(&d->calls, 1);
	if (!status)
		add(&d->transport_errors, 1);
	else if (status >= 500)
		add(&d->status_errors, 1);
	observe(&d->duration, dep_buckets, duration_us);
}

void metrics_lock_conflict(void)
{
	if (blk)
		add(&blk->lock_conflicts, 1);
}

void metrics_deploy(enum metrics_outcome outcome)
{
	if (blk && outcome >= 0 && outcome < METRICS_OUTCOME_COUNT)
		add(&blk->deploys[outcome], 1);
}

void metrics_rollback(enum metrics_outcome outcome)
{
	if (blk && (outcome == METRICS_SUCCEEDED || outcome == METRICS_FAILED))
		add(&blk->rollbacks[outcome], 1);
}

void metrics_token(enum metrics_grant grant)
{
	if (blk && grant >= 0 && grant < METRICS_GRANT_COUNT)
		add(&blk->tokens[grant], 1);
}

/* ---- exposition ---------------------------------------------------------- */

#define PREFIX "lain_console_"

/* A label value: backslash, double quote and newline escaped (format 0.0.4). */
static void label_value(buf_t *out, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\')
			buf_addstr(out, "\\\\");
		else if (*v == '"')
			buf_addstr(out, "\\\"");
		else if (*v == '\n')
			buf_addstr(out, "\\n");
		else
			buf_addch(out, *v);
	}
}

static void family(buf_t *out, const char *name, const char *type, const char *help)
{
	buf_addf(out, "# HELP " PREFIX "%s %s\n# TYPE " PREFIX "%s %s\n", name, help, name, type);
}

/* name{label="value"} n — with one label, or none when label is NULL. */
static void sample1(buf_t *out, const char *name, const char *label, const char *value,
		    unsigned long long n)
{
	buf_addf(out, PREFIX "%s", name);
	if (label) {
		buf_addf(out, "{%s=\"", label);
		label_value(out, value);
		buf_addstr(out, "\"}");
	}
	buf_addf(out, " %llu\n", n);
}

static unsigned long long hist_count(struct hist *h)
{
	unsigned long long n = 0;
	for (size_t i = 0; i <= NBUCKETS; i++)
		n += get(&h->b[i]);
	return n;
}

static const char *route_name(size_t i)
{
	return i < nroutes ? route_names[i] : "(none)";
}

/* The _bucket, _sum and _count lines of one histogram; labels: its label
 * pairs as rendered (escaped), without the braces. */
static void hist_lines(buf_t *out, const char *name, const char *labels, struct hist *h,
		       const struct bucket *bounds)
{
	unsigned long long cum = 0;
	for (size_t i = 0; i <= NBUCKETS; i++) {
		cum += get(&h->b[i]);
		buf_addf(out, PREFIX "%s_bucket{%s,le=\"%s\"} %llu\n", name, labels,
			 i < NBUCKETS ? bounds[i].le : "+Inf", cum);
	}
	unsigned long long sum = get(&h->sum_us);
	buf_addf(out, PREFIX "%s_sum{%s} %llu.%06llu\n", name, labels, sum / 1000000,
		 sum % 1000000);
	buf_addf(out, PREFIX "%s_count{%s} %llu\n", name, labels, cum);
}

/* route="<pattern>",method="<m>" into labels (reset first). */
static void route_labels(buf_t *labels, size_t r, size_t m)
{
	buf_reset(labels);
	buf_addstr(labels, "route=\"");
	label_value(labels, route_name(r));
	buf_addf(labels, "\",method=\"%s\"", methods[m]);
}

static void render_requests(buf_t *out)
{
	family(out, "http_requests_total", "counter",
	       "Requests answered, by route pattern, method and status class.");
	buf_t labels = BUF_INIT;
	for (size_t r = 0; r <= nroutes; r++)
		for (size_t m = 0; m < NMETHODS; m++)
			for (size_t c = 0; c < NCLASSES; c++) {
				unsigned long long n = get(&blk->routes[r].requests[m][c]);
				if (!n)
					continue;
				route_labels(&labels, r, m);
				buf_addf(out, PREFIX "http_requests_total{%s,code=\"%zuxx\"} %llu\n",
					 labels.data, c + 1, n);
			}
	family(out, "http_request_duration_seconds", "histogram",
	       "Time from the request read to its answer written, by route pattern and method.");
	for (size_t r = 0; r <= nroutes; r++)
		for (size_t m = 0; m < NMETHODS; m++)
			if (hist_count(&blk->routes[r].duration[m])) {
				route_labels(&labels, r, m);
				hist_lines(out, "http_request_duration_seconds", labels.data,
					   &blk->routes[r].duration[m], request_buckets);
			}
	buf_release(&labels);
	unsigned long long busy = 0;
	for (size_t i = 0; i < METRICS_MAX_WORKERS; i++)
		busy += atomic_load_explicit(&blk->busy[i], memory_order_relaxed);
	family(out, "http_requests_in_flight", "gauge",
	       "Requests being served by the workers right now (this scrape included).");
	sample1(out, "http_requests_in_flight", NULL, NULL, busy);
}

static void render_workers(buf_t *out)
{
	long long alive = atomic_load_explicit(&blk->workers, memory_order_relaxed);
	family(out, "workers", "gauge", "Worker processes alive.");
	sample1(out, "workers", NULL, NULL, alive > 0 ? (unsigned long long)alive : 0);
	family(out, "worker_respawns_total", "counter",
	       "Workers that died unasked and were replaced, by exit code or signal.");
	char reason[40];
	for (int i = 0; i < NEXITS; i++)
		if (get(&blk->respawn_exit[i])) {
			snprintf(reason, sizeof(reason), "exit_%d", i);
			sample1(out, "worker_respawns_total", "reason", reason,
				get(&blk->respawn_exit[i]));
		}
	for (int i = 1; i < NSIGNALS; i++)
		if (get(&blk->respawn_signal[i])) {
			const char *abbrev = sigabbrev_np(i);
			if (abbrev)
				snprintf(reason, sizeof(reason), "signal_SIG%s", abbrev);
			else
				snprintf(reason, sizeof(reason), "signal_%d", i);
			sample1(out, "worker_respawns_total", "reason", reason,
				get(&blk->respawn_signal[i]));
		}
}

static void render_deps(buf_t *out)
{
	family(out, "dependency_requests_total", "counter",
	       "Outbound HTTP calls, by dependency.");
	for (size_t i = 0; i < METRICS_DEP_COUNT; i++)
		if (i != METRICS_DEP_OTHER || get(&blk->deps[i].calls))
			sample1(out, "dependency_requests_total", "dependency", deps[i].label,
				get(&blk->deps[i].calls));
	family(out, "dependency_errors_total", "counter",
	       "Outbound calls that failed: kind transport (no answer: refused, timed out, "
	       "too large) or 5xx (the dependency answered 500 or above).");
	for (size_t i = 0; i < METRICS_DEP_COUNT; i++) {
		if (i == METRICS_DEP_OTHER && !get(&blk->deps[i].calls))
			continue;
		buf_addf(out, PREFIX "dependency_errors_total{dependency=\"%s\",kind=\"transport\"} "
			      "%llu\n", deps[i].label, get(&blk->deps[i].transport_errors));
		buf_addf(out, PREFIX "dependency_errors_total{dependency=\"%s\",kind=\"5xx\"} %llu\n",
			 deps[i].label, get(&blk->deps[i].status_errors));
	}
	family(out, "dependency_request_duration_seconds", "histogram",
	       "Duration of outbound HTTP calls, by dependency.");
	char labels[64];
	for (size_t i = 0; i < METRICS_DEP_COUNT; i++)
		if (hist_count(&blk->deps[i].duration)) {
			snprintf(labels, sizeof(labels), "dependency=\"%s\"", deps[i].label);
			hist_lines(out, "dependency_request_duration_seconds", labels,
				   &blk->deps[i].duration, dep_buckets);
		}
}

static void render_domain(buf_t *out)
{
	family(out, "deploy_lock_conflicts_total", "counter",
	       "Changes of an app refused because another request held its deploy lock (409).");
	sample1(out, "deploy_lock_conflicts_total", NULL, NULL, get(&blk->lock_conflicts));
	family(out, "deploys_total", "counter",
	       "Deploy runs (first deploy, update, resource instance), by outcome.");
	for (size_t i = 0; i < METRICS_OUTCOME_COUNT; i++)
		sample1(out, "deploys_total", "outcome", outcomes[i], get(&blk->deploys[i]));
	family(out, "rollbacks_total", "counter", "Rollbacks to an earlier release, by outcome.");
	for (size_t i = 0; i <= METRICS_FAILED; i++)
		sample1(out, "rollbacks_total", "outcome", outcomes[i], get(&blk->rollbacks[i]));
	family(out, "registry_tokens_total", "counter",
	       "Registry tokens issued, by how the caller was granted.");
	for (size_t i = 0; i < METRICS_GRANT_COUNT; i++)
		sample1(out, "registry_tokens_total", "grant", grants[i], get(&blk->tokens[i]));
}

void metrics_render(buf_t *out)
{
	if (!blk)
		return;
	render_requests(out);
	render_workers(out);
	render_deps(out);
	render_domain(out);
}
