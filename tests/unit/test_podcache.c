/* podcache: answers shared across processes for a window, one fetch in
 * flight per key, a write's mark. The window's clock is the test's own
 * (podcache_set_clock): nothing depends on how long a step takes. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "console/podcache.h"
#include "testlib.h"

static int64_t fake_now;
static int64_t fake_clock(void)
{
	return fake_now;
}

/* A fetch that answers "<tag>:<key>" and counts its calls. */
struct counting {
	int calls, items;
	const char *tag;
	size_t body_len;        /* 0: the text above; else a body this long */
	bool drop;              /* the answers are not to be kept (item.keep) */
};

static void count_fetch(podcache_item_t *const *want, size_t n, void *data)
{
	struct counting *c = data;
	c->calls++;
	c->items += (int)n;
	for (size_t i = 0; i < n; i++) {
		want[i]->status = 200;
		if (c->drop)
			want[i]->keep = false;
		if (c->body_len) {
			want[i]->body = calloc(1, c->body_len + 1);
			memset(want[i]->body, 'x', c->body_len);
			want[i]->len = c->body_len;
			continue;
		}
		char b[512];
		want[i]->len = (size_t)snprintf(b, sizeof(b), "%s:%s", c->tag, want[i]->key);
		want[i]->body = strdup(b);
	}
}

static void items_init(podcache_item_t *it, const char *const *names, size_t n)
{
	memset(it, 0, n * sizeof(*it));
	for (size_t i = 0; i < n; i++) {
		/* As podstatus.c makes them: "<kind> <name>". */
		it[i].key = names[i];
		it[i].name = strchr(names[i], ' ') + 1;
	}
}

/* One batch of names through the table; the fetch's counts in *c. */
static void get(const char *const *names, size_t n, struct counting *c, char out[][512])
{
	podcache_item_t it[8];
	items_init(it, names, n);
	podcache_get(it, n, count_fetch, c, 5000);
	for (size_t i = 0; i < n; i++)
		snprintf(out[i], 512, "%s", it[i].body ? it[i].body : "(none)");
	podcache_items_release(it, n);
}

static int setup(void)
{
	podcache_set_clock(fake_clock);
	fake_now = 1000000;
	err_t err = ERR_INIT;
	return podcache_open(1000, &err);
}

static int teardown(void)
{
	podcache_close();
	podcache_set_clock(NULL);
	return 0;
}

static void test_name_of_app(void)
{
	CU_ASSERT(podcache_name_of_app("hello.web.web", "hello"));
	CU_ASSERT(podcache_name_of_app("hello", "hello"));
	CU_ASSERT(podcache_name_of_app("resource.redis.hello.worker.redis", "hello"));
	CU_ASSERT(podcache_name_of_app("resource.redis.hello.worker.redis", "resource.redis.hello"));
	CU_ASSERT_FALSE(podcache_name_of_app("hello2.web.web", "hello"));
	CU_ASSERT_FALSE(podcache_name_of_app("ahello.web.web", "hello"));
	CU_ASSERT_FALSE(podcache_name_of_app("hello.web.web", ""));
	CU_ASSERT_FALSE(podcache_name_of_app("x.web.hello", "hello"));
}

static void test_window(void)
{
	const char *names[] = { "podgroup win.web.web", "podgroup win.worker.bg" };
	char out[2][512];
	struct counting c = { .tag = "one" };
	get(names, 2, &c, out);
	CU_ASSERT_EQUAL(c.calls, 1); /* both in one batch */
	CU_ASSERT_EQUAL(c.items, 2);
	CU_ASSERT_STRING_EQUAL(out[0], "one:podgroup win.web.web");
	struct counting c2 = { .tag = "two" };
	fake_now += 999;
	get(names, 2, &c2, out);
	CU_ASSERT_EQUAL(c2.calls, 0);
	CU_ASSERT_STRING_EQUAL(out[1], "one:podgroup win.worker.bg");
	fake_now += 1;
	get(names, 2, &c2, out);
	CU_ASSERT_EQUAL(c2.items, 2);
	CU_ASSERT_STRING_EQUAL(out[0], "two:podgroup win.web.web");
	podcache_stats_t st;
	podcache_stats(&st);
	CU_ASSERT_EQUAL(st.hits, 2);
	CU_ASSERT_EQUAL(st.ttl_ms, 1000);
}

/* One key through the table: its body in out, its gen returned. */
static unsigned long long get_one(const char *name, struct counting *c, char out[512])
{
	podcache_item_t it[1];
	const char *names[] = { name };
	items_init(it, names, 1);
	podcache_get(it, 1, count_fetch, c, 5000);
	snprintf(out, 512, "%s", it[0].body ? it[0].body : "(none)");
	unsigned long long gen = it[0].gen;
	podcache_items_release(it, 1);
	return gen;
}

static void test_not_kept(void)
{
	const char *key = "podgroup moving.web.web";
	char out[512];
	/* An answer its fetcher says not to keep (an app converging): the
	 * next get, in the same instant, fetches again. */
	struct counting drop = { .tag = "moving", .drop = true };
	unsigned long long g1 = get_one(key, &drop, out);
	CU_ASSERT_EQUAL(drop.calls, 1);
	CU_ASSERT_STRING_EQUAL(out, "moving:podgroup moving.web.web");
	CU_ASSERT(g1 != 0);
	unsigned long long g2 = get_one(key, &drop, out);
	CU_ASSERT_EQUAL(drop.calls, 2);
	CU_ASSERT(g2 != 0 && g2 != g1);
	/* Settled: kept for the window, the same answer (gen) for every get. */
	struct counting keep = { .tag = "settled" };
	unsigned long long g3 = get_one(key, &keep, out);
	CU_ASSERT_EQUAL(keep.calls, 1);
	CU_ASSERT(g3 != 0 && g3 != g2);
	CU_ASSERT_EQUAL(get_one(key, &keep, out), g3);
	CU_ASSERT_EQUAL(keep.calls, 1);
	CU_ASSERT_STRING_EQUAL(out, "settled:podgroup moving.web.web");
	/* A new answer after the window: a new gen. */
	fake_now += 1000;
	CU_ASSERT(get_one(key, &keep, out) != g3);
	CU_ASSERT_EQUAL(keep.calls, 2);
}

static void test_write_mark(void)
{
	const char *names[] = { "podgroup marked.web.web", "podgroup other.web.web" };
	char out[2][512];
	struct counting c = { .tag = "a" };
	podcache_worker_slot(0);
	get(names, 2, &c, out);
	CU_ASSERT_EQUAL(c.items, 2);
	/* While marked, the app's keys are fetched every time; others shared. */
	podcache_write_begin("marked");
	struct counting d = { .tag = "b" };
	get(names, 2, &d, out);
	get(names, 2, &d, out);
	CU_ASSERT_EQUAL(d.items, 2);
	CU_ASSERT_STRING_EQUAL(out[0], "b:podgroup marked.web.web");
	CU_ASSERT_STRING_EQUAL(out[1], "a:podgroup other.web.web");
	/* The mark's end makes what was cached before it stale, within the
	 * window. */
	podcache_write_end();
	struct counting e = { .tag = "c" };
	get(names, 2, &e, out);
	CU_ASSERT_EQUAL(e.items, 1);
	CU_ASSERT_STRING_EQUAL(out[0], "c:podgroup marked.web.web");
	get(names, 2, &e, out);
	CU_ASSERT_EQUAL(e.items, 1);
	/* The master's notice of a dead worker ends its mark too. */
	podcache_write_begin("marked");
	podcache_worker_gone(0, 999999);
	struct counting f = { .tag = "d" };
	get(names, 2, &f, out);
	CU_ASSERT_EQUAL(f.items, 1);
	CU_ASSERT_STRING_EQUAL(out[0], "d:podgroup marked.web.web");
	podcache_write_end(); /* already ended: nothing */
	podcache_worker_slot(-1);
}

static void test_too_big_not_shared(void)
{
	const char *names[] = { "podgroup big.web.web" };
	char out[1][512];
	struct counting c = { .tag = "x", .body_len = PODCACHE_BODY_MAX + 1 };
	get(names, 1, &c, out);
	get(names, 1, &c, out);
	CU_ASSERT_EQUAL(c.calls, 2);
}

/* A fetch that tells the parent it started, then waits for its word. */
struct blocking {
	int started_w, go_r;
};

static void blocking_fetch(podcache_item_t *const *want, size_t n, void *data)
{
	struct blocking *b = data;
	char ch = 's';
	if (write(b->started_w, &ch, 1) != 1 || read(b->go_r, &ch, 1) != 1)
		_exit(3);
	for (size_t i = 0; i < n; i++) {
		want[i]->status = 200;
		want[i]->body = strdup("from the first");
		want[i]->len = strlen(want[i]->body);
	}
}

static pid_t start_blocked_fetch(const char *key, int *started_r, int *go_w)
{
	int s[2], g[2];
	if (pipe(s) || pipe(g))
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		close(s[0]);
		close(g[1]);
		struct blocking b = { s[1], g[0] };
		podcache_item_t it;
		const char *names[] = { key };
		items_init(&it, names, 1);
		podcache_get(&it, 1, blocking_fetch, &b, 5000);
		_exit(it.body && !strcmp(it.body, "from the first") ? 0 : 4);
	}
	close(s[1]);
	close(g[0]);
	*started_r = s[0];
	*go_w = g[1];
	return pid;
}

static void test_one_fetch_in_flight(void)
{
	const char *key = "podgroup flight.web.web";
	int started, go;
	pid_t first = start_blocked_fetch(key, &started, &go);
	CU_ASSERT_FATAL(first > 0);
	char ch;
	CU_ASSERT_EQUAL_FATAL(read(started, &ch, 1), 1);
	/* A second process wants the same key: it waits for the first. */
	int rp[2];
	CU_ASSERT_FATAL(pipe(rp) == 0);
	pid_t second = fork();
	if (second == 0) {
		close(rp[0]);
		struct counting c = { .tag = "second" };
		char out[1][512];
		const char *names[] = { key };
		get(names, 1, &c, out);
		char line[600];
		int len = snprintf(line, sizeof(line), "%d %s", c.calls, out[0]);
		_exit(write(rp[1], line, (size_t)len) == len ? 0 : 5);
	}
	close(rp[1]);
	/* Released once the second is seen waiting (bounded poll). */
	podcache_stats_t st;
	for (int i = 0; i < 500; i++) {
		podcache_stats(&st);
		if (st.waiting == 1)
			break;
		usleep(10000);
	}
	CU_ASSERT_EQUAL(st.waiting, 1);
	CU_ASSERT_EQUAL(write(go, "g", 1), 1);
	char line[600] = "";
	ssize_t got = read(rp[0], line, sizeof(line) - 1);
	line[got > 0 ? got : 0] = '\0';
	CU_ASSERT_STRING_EQUAL(line, "0 from the first");
	int status;
	waitpid(first, &status, 0);
	CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	waitpid(second, &status, 0);
	CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(started);
	close(go);
	close(rp[0]);
	podcache_stats(&st);
	CU_ASSERT_EQUAL(st.waiting, 0);
}

static void test_dead_fetcher_taken_over(void)
{
	const char *key = "podgroup dead.web.web";
	int started, go;
	pid_t first = start_blocked_fetch(key, &started, &go);
	CU_ASSERT_FATAL(first > 0);
	char ch;
	CU_ASSERT_EQUAL_FATAL(read(started, &ch, 1), 1);
	kill(first, SIGKILL);
	waitpid(first, NULL, 0);
	struct counting c = { .tag = "after" };
	char out[1][512];
	const char *names[] = { key };
	get(names, 1, &c, out);
	CU_ASSERT_EQUAL(c.calls, 1);
	CU_ASSERT_STRING_EQUAL(out[0], "after:podgroup dead.web.web");
	close(started);
	close(go);
}

static void test_closed_fetches_everything(void)
{
	podcache_close();
	const char *names[] = { "podgroup c.web.web" };
	char out[1][512];
	struct counting c = { .tag = "x" };
	get(names, 1, &c, out);
	get(names, 1, &c, out);
	CU_ASSERT_EQUAL(c.calls, 2);
	podcache_write_begin("c"); /* no-ops */
	podcache_write_end();
	err_t err = ERR_INIT;
	CU_ASSERT_EQUAL(podcache_open(0, &err), 0);
	get(names, 1, &c, out);
	get(names, 1, &c, out);
	CU_ASSERT_EQUAL(c.calls, 4); /* ttl 0: nothing shared */
	podcache_set_ttl(1000);
}

static CU_TestInfo tests[] = {
	{ "which names are an app's", test_name_of_app },
	{ "shared within the window, fetched after it", test_window },
	{ "an answer not kept, gens", test_not_kept },
	{ "a write's mark", test_write_mark },
	{ "large answers are not shared", test_too_big_not_shared },
	{ "one fetch in flight per key, across processes", test_one_fetch_in_flight },
	{ "a dead fetcher's key is taken over", test_dead_fetcher_taken_over },
	{ "closed or ttl 0: every get fetches", test_closed_fetches_everything },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "podcache", setup, teardown, NULL, NULL, tests },
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return test_main(suites);
}
