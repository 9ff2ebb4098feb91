/* The host's watch-fed snapshot of the app records (issue 17), against the
 * real etcd: a write is read back at once on every worker; 1,000 apps are
 * listed the same from the snapshot and from etcd; a stopped watcher, an
 * etcd restart, a compaction and a killed watcher leave reads correct (they
 * go to etcd meanwhile, 503 while etcd is down). Waits are bounded polls of
 * what /healthz and the answers say, never durations. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include <CUnit/CUnit.h>
#include <json-c/json.h>

#include "deploy_env.h"
#include "harness.h"
#include "itjson.h"
#include "testlib.h"

#define WORKERS 4

/* /healthz's snapshot object, as a new reference (NULL when none). */
/* Polls /healthz (10 s at most) until the snapshot's state is state. */
static bool wait_state(const char *state)
{
	for (int i = 0; i < 500; i++) {
		json_object *s = it_snapshot_health();
		bool ok = s && !strcmp(js_str(s, "state"), state);
		json_object_put(s);
		if (ok)
			return true;
		it_sleep_ms(20);
	}
	return false;
}

static long long snap_num(const char *key)
{
	json_object *s = it_snapshot_health();
	long long v = (long long)json_object_get_int64(js_get(s, key));
	json_object_put(s);
	return v;
}

/* The watcher: the master's child named lc-snapshot (0: none). */
static pid_t watcher(void)
{
	char cmd[128], line[64] = "";
	snprintf(cmd, sizeof(cmd), "pgrep -P %d -x lc-snapshot", (int)stack_pid("CONSOLE_PID"));
	FILE *p = popen(cmd, "r");
	if (!p)
		return 0;
	if (!fgets(line, sizeof(line), p))
		line[0] = '\0';
	pclose(p);
	return (pid_t)atoi(line);
}

/* Whether GET /api/v1/repos/ lists name (status in *status). */
static bool listed(const char *name, long *status)
{
	it_response_t r;
	*status = it_req("GET", "/api/v1/repos/", NULL, &r);
	bool found = false;
	json_object *list = it_payload(&r, "repos");
	for (size_t i = 0; i < js_len(list) && !found; i++)
		found = !strcmp(js_str(js_at(list, i), "appname"), name);
	it_response_free(&r);
	return found;
}

static void put_app(const char *name)
{
	char key[256], value[256];
	snprintf(key, sizeof(key), "/lain/console/apps/%s", name);
	snprintf(value, sizeof(value),
		 "{\"appname\": \"%s\", \"giturl\": \"\", \"meta_version\": \"\", \"meta\": \"\", "
		 "\"default_image\": \"\", \"running_state\": \"reposited\", \"app_type\": \"\", "
		 "\"last_update\": \"2026-12-07 00:00:00\", \"last_error\": \"\"}",
		 name);
	CU_ASSERT_EQUAL(it_etcd_put(key, value), 0);
}

/* Polls (10 s at most) until GET /repos/ lists name with 200. */
static bool wait_listed(const char *name)
{
	for (int i = 0; i < 500; i++) {
		long st;
		if (listed(name, &st) && st == 200)
			return true;
		it_sleep_ms(20);
	}
	return false;
}

static void test_live(void)
{
	CU_ASSERT(wait_state("live"));
	CU_ASSERT(watcher() > 0);
}

static void test_read_your_writes(void)
{
	long long before = snap_num("reads");
	for (int i = 0; i < 20; i++) {
		char name[32], body[64], path[64];
		snprintf(name, sizeof(name), "ryw%02d", i);
		snprintf(body, sizeof(body), "{\"appname\": \"%s\"}", name);
		CU_ASSERT_EQUAL(it_call("POST", "/api/v1/repos/", body, 201), 201);
		/* At once, on whichever workers nginx picks: more reads than workers. */
		for (int k = 0; k < WORKERS + 2; k++) {
			long st;
			CU_ASSERT(listed(name, &st));
			CU_ASSERT_EQUAL(st, 200);
		}
		snprintf(path, sizeof(path), "/api/v1/repos/%s/", name);
		CU_ASSERT_EQUAL(it_call("GET", path, NULL, 200), 200);
	}
	/* ... and they were the snapshot's answers (not all read through). */
	long long served = snap_num("reads") - before;
	fprintf(stderr, "read-your-writes: %lld reads from the snapshot\n", served);
	CU_ASSERT(served > 0);
}

static void test_thousand_same_both_ways(void)
{
	for (int i = 0; i < 1000; i++) {
		char name[32];
		snprintf(name, sizeof(name), "k%04d", i);
		put_app(name);
	}
	CU_ASSERT(wait_listed("k0999"));
	CU_ASSERT(wait_state("live"));
	it_response_t a, b, c;
	long long reads = snap_num("reads");
	CU_ASSERT_EQUAL(it_req("GET", "/api/v1/repos/", NULL, &a), 200);
	CU_ASSERT(snap_num("reads") > reads);
	CU_ASSERT_EQUAL(js_len(it_payload(&a, "repos")), 1020);
	/* The watcher stopped: after the lag bound reads go to etcd. */
	pid_t w = watcher();
	CU_ASSERT_FATAL(w > 0);
	kill(w, SIGSTOP);
	CU_ASSERT(wait_state("behind"));
	long long etcd_reads = snap_num("reads_from_etcd");
	CU_ASSERT_EQUAL(it_req("GET", "/api/v1/repos/", NULL, &b), 200);
	CU_ASSERT(snap_num("reads_from_etcd") > etcd_reads);
	CU_ASSERT_STRING_EQUAL(a.body, b.body);
	/* Meanwhile a record written behind the console's back is seen. */
	put_app("late");
	long st;
	CU_ASSERT(listed("late", &st));
	CU_ASSERT_EQUAL(st, 200);
	kill(w, SIGCONT);
	CU_ASSERT(wait_state("live"));
	CU_ASSERT(listed("late", &st));
	/* The listing again, from the snapshot: the same as etcd's. */
	CU_ASSERT_EQUAL(it_req("GET", "/api/v1/repos/", NULL, &c), 200);
	CU_ASSERT_EQUAL(js_len(it_payload(&c, "repos")), 1021);
	it_response_free(&a);
	it_response_free(&b);
	it_response_free(&c);
}

static void test_etcd_restart_compaction_kill(void)
{
	long st = 0;
	/* etcd down: the reads answer 503 as without a snapshot (once the
	 * snapshot is older than its bound, at the latest). */
	CU_ASSERT_EQUAL(stack_run("etcd-stop"), 0);
	for (int i = 0; i < 500 && st != 503; i++) {
		listed("k0000", &st);
		if (st != 503)
			it_sleep_ms(20);
	}
	CU_ASSERT_EQUAL(st, 503);
	CU_ASSERT_EQUAL(stack_run("etcd-start"), 0);
	CU_ASSERT(wait_listed("k0000"));
	put_app("after-restart");
	CU_ASSERT(wait_listed("after-restart"));
	CU_ASSERT(wait_state("live"));

	/* A compaction up to now (physical): the watch goes on, or starts
	 * again from a fresh range; either way what follows is seen. */
	long long rev = 0;
	CU_ASSERT_EQUAL(it_etcd_get("/lain/console/apps/late", NULL, NULL, &rev), 0);
	char body[96];
	snprintf(body, sizeof(body), "{\"revision\": \"%lld\", \"physical\": true}", rev);
	char url[256];
	snprintf(url, sizeof(url), "%s/v3/kv/compaction", stack_get("ETCD_URL"));
	CU_ASSERT_EQUAL(denv_call("POST", url, body, NULL, NULL), 200);
	put_app("after-compaction");
	CU_ASSERT(wait_listed("after-compaction"));
	CU_ASSERT(wait_state("live"));

	/* The watcher killed: the master starts another. */
	pid_t w = watcher();
	CU_ASSERT_FATAL(w > 0);
	kill(w, SIGKILL);
	put_app("after-kill");
	CU_ASSERT(wait_listed("after-kill"));
	for (int i = 0; i < 500 && (watcher() == w || !watcher()); i++)
		it_sleep_ms(20);
	CU_ASSERT(watcher() > 0 && watcher() != w);
	CU_ASSERT(wait_state("live"));
	put_app("after-respawn");
	CU_ASSERT(wait_listed("after-respawn"));
	/* Deleted behind the console's back: gone from the list too. */
	CU_ASSERT_EQUAL(it_etcd_delete("/lain/console/apps/after-respawn"), 0);
	bool gone = false;
	for (int i = 0; i < 500 && !gone; i++) {
		gone = !listed("after-respawn", &st) && st == 200;
		if (!gone)
			it_sleep_ms(20);
	}
	CU_ASSERT(gone);
}

/* The master's helpers (the watcher, the webhook deliverer, the access log
 * writer) serve no request: none keeps the FastCGI socket open, while
 * every worker does (the check finds the socket where it is). */
static void test_helpers_hold_no_socket(void)
{
	const char *check =
		"ino=$(awk -v p='%s' '$8 == p { print $7 }' /proc/net/unix | head -n 1); "
		"[ -n \"$ino\" ] || exit 2; helpers=0; workers=0; "
		"for c in $(pgrep -P %ld); do "
		"  if ls -l /proc/$c/fd 2>/dev/null | grep -q \"socket:\\[$ino\\]\"; then held=1; else held=0; fi; "
		"  case $(cat /proc/$c/comm) in "
		"  lc-*) helpers=$((helpers + 1)); [ $held = 0 ] || exit 3 ;; "
		"  *) workers=$((workers + 1)); [ $held = 1 ] || exit 4 ;; esac; "
		"done; [ $helpers = 3 ] && [ $workers = 4 ] || exit 5";
	CU_ASSERT_EQUAL(it_sh(check, stack_get("FCGI_SOCKET"), (long)stack_pid("CONSOLE_PID")), 0);
}

static CU_TestInfo tests[] = {
	{ "the snapshot is live", test_live },
	{ "a write is read at once on every worker", test_read_your_writes },
	{ "1,000 apps: the same from the snapshot and from etcd", test_thousand_same_both_ways },
	{ "etcd restarted, compacted, the watcher killed", test_etcd_restart_compaction_kill },
	{ "the helpers hold no FastCGI socket", test_helpers_hold_no_socket },
	CU_TEST_INFO_NULL,
};

static int setup(void)
{
	return stack_up("--workers 4");
}

static int teardown(void)
{
	stack_down();
	return 0;
}

static CU_SuiteInfo suites[] = {
	{ "snapshot", setup, teardown, NULL, NULL, tests },
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return test_main(suites);
}
