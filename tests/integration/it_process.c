/* The process model under faults: a worker killed, SIGTERM during a slow
 * request, SIGHUP, etcd going away and coming back. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "harness.h"
#include "testlib.h"

static int suite_up(void)
{
	/* Requests that wait inside a worker for a frozen etcd: without the
	 * host's snapshot of the records, which would answer them at once. */
	setenv("CONSOLE_SNAPSHOT_MAX_LAG_MS", "0", 1);
	return stack_up("--workers 3") ? -1 : 0;
}

static int suite_down(void)
{
	stack_down();
	return 0;
}

static long get_status(const char *path)
{
	it_response_t r;
	it_request("GET", path, NULL, NULL, &r);
	long s = r.status;
	it_response_free(&r);
	return s;
}

static bool contains(const pid_t *pids, int n, pid_t p)
{
	for (int i = 0; i < n; i++)
		if (pids[i] == p)
			return true;
	return false;
}

static void test_kill_worker(void)
{
	pid_t master = stack_pid("CONSOLE_PID");
	pid_t before[64], after[64];
	int n = it_children(master, before, 64);
	CU_ASSERT_EQUAL_FATAL(n, 3);
	CU_ASSERT_EQUAL(kill(before[0], SIGKILL), 0);
	int ok = 0;
	for (int i = 0; i < 200; i++) {
		long st = get_status("/api/v1/repos/");
		ok += st == 200;
		if (st != 200) /* said, so that a failure shows which answer it was */
			fprintf(stderr, "it_process: request %d after the kill answered %ld\n", i, st);
	}
	CU_ASSERT_EQUAL(ok, 200);
	int m = it_children(master, after, 64);
	CU_ASSERT_EQUAL(m, 3);
	CU_ASSERT(!contains(after, m, before[0]));
	int fresh = 0;
	for (int i = 0; i < m; i++)
		fresh += !contains(before, n, after[i]);
	CU_ASSERT_EQUAL(fresh, 1);

	/* The master says which worker died. */
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "grep -q 'worker %ld died of signal 9' '%s'", (long)before[0],
		 stack_get("CONSOLE_LOG"));
	CU_ASSERT_EQUAL(system(cmd), 0);
}

static void test_sighup_replaces_workers(void)
{
	pid_t master = stack_pid("CONSOLE_PID");
	pid_t before[64], after[64];
	int n = it_children(master, before, 64);
	CU_ASSERT_EQUAL(kill(master, SIGHUP), 0);
	int ok = 0;
	for (int i = 0; i < 50; i++)
		ok += get_status("/api/v1/repos/") == 200;
	CU_ASSERT_EQUAL(ok, 50);
	int m = 0;
	for (int tries = 0; tries < 50; tries++) {
		m = it_children(master, after, 64);
		bool old_left = false;
		for (int i = 0; i < n; i++)
			old_left |= contains(after, m, before[i]);
		if (m == 3 && !old_left)
			break;
		it_sleep_ms(100);
	}
	CU_ASSERT_EQUAL(m, 3);
	for (int i = 0; i < n; i++)
		CU_ASSERT(!contains(after, m, before[i]));
}

static void test_etcd_outage(void)
{
	CU_ASSERT_EQUAL_FATAL(stack_run("etcd-stop"), 0);
	it_response_t r;
	it_request("GET", "/api/v1/repos/", NULL, NULL, &r);
	CU_ASSERT_EQUAL(r.status, 503);
	CU_ASSERT_STRING_EQUAL(it_field(&r, "repos"), "(null)");
	CU_ASSERT_PREFIX(it_field(&r, "msg"), "etcd unavailable: ");
	CU_ASSERT_STRING_EQUAL(it_field(&r, "url"), "/v1/repos/");
	it_response_free(&r);
	it_request("POST", "/api/v1/repos/", "{\"appname\":\"during-outage\"}", NULL, &r);
	CU_ASSERT_EQUAL(r.status, 503);
	it_response_free(&r);
	it_request("GET", "/api/v1/healthz", NULL, NULL, &r);
	CU_ASSERT_EQUAL(r.status, 503);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"status\":\"unavailable\""));
	it_response_free(&r);

	pid_t master = stack_pid("CONSOLE_PID");
	CU_ASSERT_EQUAL_FATAL(stack_run("etcd-start"), 0);
	/* Back without touching lain-console: every worker recovers on its
	 * next request. */
	int ok = 0;
	for (int i = 0; i < 30; i++)
		ok += get_status("/api/v1/repos/") == 200;
	CU_ASSERT_EQUAL(ok, 30);
	CU_ASSERT_EQUAL(stack_pid("CONSOLE_PID"), master);
	CU_ASSERT_EQUAL(kill(master, 0), 0);
}

struct slow {
	long status;
	char body[256];
};

static void *slow_request(void *arg)
{
	struct slow *s = arg;
	it_response_t r;
	it_request("GET", "/api/v1/repos/", NULL, NULL, &r);
	s->status = r.status;
	snprintf(s->body, sizeof(s->body), "%s", r.body ? r.body : "");
	it_response_free(&r);
	return NULL;
}

/* Last: it stops lain-console. */
static void test_sigterm_drains(void)
{
	pid_t master = stack_pid("CONSOLE_PID");
	pid_t etcd = stack_pid("ETCD_PID");
	struct slow s = { 0 };
	pthread_t t;

	/* etcd frozen: the request hangs inside a worker, waiting for it. */
	CU_ASSERT_EQUAL_FATAL(kill(etcd, SIGSTOP), 0);
	pthread_create(&t, NULL, slow_request, &s);
	it_sleep_ms(500);
	CU_ASSERT_EQUAL(kill(master, SIGTERM), 0);
	it_sleep_ms(500);
	/* Still draining: the master waits for the busy worker. */
	CU_ASSERT_EQUAL(kill(master, 0), 0);
	CU_ASSERT_EQUAL(kill(etcd, SIGCONT), 0);
	pthread_join(t, NULL);
	CU_ASSERT_EQUAL(s.status, 200);
	CU_ASSERT_PREFIX(s.body, "{\"repos\":[");
	/* Then the master exits by itself. */
	bool gone = false;
	for (int i = 0; i < 50 && !gone; i++) {
		gone = kill(master, 0) != 0;
		if (!gone)
			it_sleep_ms(100);
	}
	CU_ASSERT(gone);
	/* New connections are refused meanwhile: nginx answers 502. */
	CU_ASSERT_EQUAL(get_status("/api/v1/repos/"), 502);
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "grep -q 'lain-console stopped' '%s'", stack_get("CONSOLE_LOG"));
	CU_ASSERT_EQUAL(system(cmd), 0);
}

static CU_TestInfo process_tests[] = {
	{ "kill -9 of a worker: no request lost, replaced", test_kill_worker },
	{ "SIGHUP: workers replaced, service goes on", test_sighup_replaces_workers },
	{ "etcd down: 503 naming etcd; back: 200", test_etcd_outage },
	{ "SIGTERM during a slow request: it completes", test_sigterm_drains },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "process model", suite_up, suite_down, NULL, NULL, process_tests },
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return test_main(suites);
}
