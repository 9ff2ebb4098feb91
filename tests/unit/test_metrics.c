/* app/lib/metrics.c: counts from several processes in one block, one row
 * per route pattern, the exposition's escaping and histograms, what the
 * master records about its workers. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "console/buf.h"
#include "console/metrics.h"
#include "exposition.h"
#include "testlib.h"

/* Rows 0 and 1 share a pattern (GET and POST of one path, as the route
 * table has them); row 2's pattern needs escaping in a label. */
static const char *const routes[] = { "/v1/repos/", "/v1/repos/", "/q\"x\\y\nz" };

static int setup(void)
{
	err_t err = ERR_INIT;
	return metrics_open(routes, 3, &err);
}

static int teardown(void)
{
	metrics_close();
	return 0;
}

static char *render(void)
{
	buf_t b = BUF_INIT;
	metrics_render(&b);
	size_t len;
	return buf_detach(&b, &len);
}

/* Children count into the block the parent made, as workers do. */
static void test_counts_of_every_process(void)
{
	for (int c = 0; c < 3; c++) {
		pid_t pid = fork();
		if (pid == 0) {
			metrics_worker_slot(c);
			for (int i = 0; i < 100; i++) {
				metrics_request_begin();
				metrics_request_end(i % 2, i % 2 ? "POST" : "GET", 201, 3000);
			}
			metrics_dep_call(metrics_dep_of("deployd"), 200, 2000);
			metrics_dep_call(metrics_dep_of("deployd"), 0, 30000000);
			metrics_dep_call(metrics_dep_of("deployd"), 503, 1000);
			_exit(0);
		}
		CU_ASSERT_FATAL(pid > 0);
		waitpid(pid, NULL, 0);
	}
	char *m = render();
	CU_ASSERT_EQUAL(expo_value(m, "lain_console_http_requests_total{route=\"/v1/repos/\","
				 "method=\"GET\",code=\"2xx\"}"), 150);
	CU_ASSERT_EQUAL(expo_value(m, "lain_console_http_requests_total{route=\"/v1/repos/\","
				 "method=\"POST\",code=\"2xx\"}"), 150);
	/* one histogram per pattern and method, whichever row counted it */
	CU_ASSERT_EQUAL(expo_value(m, "lain_console_http_request_duration_seconds_count{route="
				 "\"/v1/repos/\",method=\"GET\"}"), 150);
	CU_ASSERT_EQUAL(expo_value(m, "lain_console_http_request_duration_seconds_count{route="
				 "\"/v1/repos/\",method=\"POST\"}"), 150);
	/* the request buckets start at 5 ms */
	CU_ASSERT_EQUAL(expo_value(m, "lain_console_http_request_duration_seconds_bucket{route="
				 "\"/v1/repos/\",method=\"GET\",le=\"0.0025\"}"), -1);
	CU_ASSERT_EQUAL(expo_value(m, "lain_console_http_request_duration_seconds_bucket{route="
				 "\"/v1/repos/\",method=\"GET\",le=\"0.005\"}"), 150);
	CU_ASSERT_EQUAL(expo_value(m, "lain_console_http_request_duration_seconds_sum{route="
				 "\"/v1/repos/\",method=\"POST\"}"), 0.45);
	CU_ASSERT_EQUAL(expo_value(m, "lain_console_dependency_requests_total{dependency=\"deployd\"}"), 9);
	CU_ASSERT_EQUAL(expo_value(m, "lain_console_dependency_errors_total{dependency=\"deployd\","
				 "kind=\"transport\"}"), 3);
	CU_ASSERT_EQUAL(expo_value(m, "lain_console_dependency_errors_total{dependency=\"deployd\","
				 "kind=\"5xx\"}"), 3);
	/* cumulative buckets: 1 ms (3), 2 ms (3), 30 s (3) */
	CU_ASSERT_EQUAL(expo_value(m, "lain_console_dependency_request_duration_seconds_bucket{"
				 "dependency=\"deployd\",le=\"0.001\"}"), 3);
	CU_ASSERT_EQUAL(expo_value(m, "lain_console_dependency_request_duration_seconds_bucket{"
				 "dependency=\"deployd\",le=\"0.0025\"}"), 6);
	CU_ASSERT_EQUAL(expo_value(m, "lain_console_dependency_request_duration_seconds_bucket{"
				 "dependency=\"deployd\",le=\"10\"}"), 6);
	CU_ASSERT_EQUAL(expo_value(m, "lain_console_dependency_request_duration_seconds_bucket{"
				 "dependency=\"deployd\",le=\"30\"}"), 9);
	CU_ASSERT_EQUAL(expo_value(m, "lain_console_dependency_request_duration_seconds_bucket{"
				 "dependency=\"deployd\",le=\"+Inf\"}"), 9);
	CU_ASSERT_EQUAL(expo_value(m, "lain_console_dependency_request_duration_seconds_count{"
				 "dependency=\"deployd\"}"), 9);
	/* the children are gone: nothing in flight */
	CU_ASSERT_EQUAL(expo_value(m, "lain_console_http_requests_in_flight"), 0);
	CU_ASSERT_EQUAL(expo_duplicates(m), 0);
	free(m);
}

static void test_escaping_methods_and_none(void)
{
	metrics_request_end(2, "BREW", 418, 10);
	metrics_request_end(-1, "OPTIONS", 200, 10);
	metrics_request_end(99, "GET", 404, 10);
	metrics_request_end(-1, "GET", 0, 10);
	char *m = render();
	CU_ASSERT_EQUAL(expo_value(m, "lain_console_http_requests_total{route=\"/q\\\"x\\\\y\\nz\","
				 "method=\"OTHER\",code=\"4xx\"}"), 1);
	CU_ASSERT_EQUAL(expo_value(m, "lain_console_http_requests_total{route=\"(none)\","
				 "method=\"OPTIONS\",code=\"2xx\"}"), 1);
	CU_ASSERT_EQUAL(expo_value(m, "lain_console_http_requests_total{route=\"(none)\","
				 "method=\"GET\",code=\"4xx\"}"), 1);
	/* no status is a server error */
	CU_ASSERT_EQUAL(expo_value(m, "lain_console_http_requests_total{route=\"(none)\","
				 "method=\"GET\",code=\"5xx\"}"), 1);
	CU_ASSERT_EQUAL(expo_duplicates(m), 0);
	free(m);
}

static void test_dependency_names(void)
{
	CU_ASSERT_EQUAL(metrics_dep_of("etcd"), METRICS_DEP_ETCD);
	CU_ASSERT_EQUAL(metrics_dep_of("sso"), METRICS_DEP_SSO);
	CU_ASSERT_EQUAL(metrics_dep_of("notify webhook"), METRICS_DEP_WEBHOOKS);
	CU_ASSERT_EQUAL(metrics_dep_of("webhooks"), METRICS_DEP_WEBHOOKS);
	CU_ASSERT_EQUAL(metrics_dep_of("gitlab"), METRICS_DEP_OTHER);
	CU_ASSERT_EQUAL(metrics_dep_of(NULL), METRICS_DEP_OTHER);
	char *m = render();
	/* "other" appears only once something is counted as it */
	CU_ASSERT_EQUAL(expo_value(m, "lain_console_dependency_requests_total{dependency=\"other\"}"), -1);
	CU_ASSERT_EQUAL(expo_value(m, "lain_console_dependency_requests_total{dependency=\"lvault\"}"), 0);
	free(m);
	metrics_dep_call(METRICS_DEP_OTHER, 200, 5);
	m = render();
	CU_ASSERT_EQUAL(expo_value(m, "lain_console_dependency_requests_total{dependency=\"other\"}"), 1);
	CU_ASSERT_EQUAL(expo_duplicates(m), 0);
	free(m);
}

/* What the master records: alive workers, respawns by reason, and the
 * in-flight flag of a worker that died while serving. */
static void test_workers(void)
{
	int st_kill = 0, st_exit = 0;
	pid_t pid = fork();
	if (pid == 0) {
		metrics_worker_slot(7);
		metrics_request_begin();
		raise(SIGKILL);
	}
	waitpid(pid, &st_kill, 0);
	char *m = render();
	CU_ASSERT_EQUAL(expo_value(m, "lain_console_http_requests_in_flight"), 1);
	free(m);
	metrics_worker_gone(7, st_kill, 1);
	pid = fork();
	if (pid == 0)
		_exit(2);
	waitpid(pid, &st_exit, 0);
	metrics_worker_gone(8, st_exit, 1);
	metrics_worker_gone(9, st_exit, 0);   /* retired by a reload: no respawn */
	metrics_workers_alive(8);
	metrics_deploy(METRICS_FAILED);
	metrics_rollback(METRICS_ERROR);      /* not an outcome of a rollback */
	metrics_token(METRICS_GRANT_INTERNAL);
	metrics_lock_conflict();
	m = render();
	CU_ASSERT_EQUAL(expo_value(m, "lain_console_http_requests_in_flight"), 0);
	CU_ASSERT_EQUAL(expo_value(m, "lain_console_workers"), 8);
	CU_ASSERT_EQUAL(expo_value(m, "lain_console_worker_respawns_total{reason=\"signal_SIGKILL\"}"), 1);
	CU_ASSERT_EQUAL(expo_value(m, "lain_console_worker_respawns_total{reason=\"exit_2\"}"), 1);
	CU_ASSERT_EQUAL(expo_value(m, "lain_console_deploys_total{outcome=\"failed\"}"), 1);
	CU_ASSERT_EQUAL(expo_value(m, "lain_console_rollbacks_total{outcome=\"error\"}"), -1);
	CU_ASSERT_EQUAL(expo_value(m, "lain_console_rollbacks_total{outcome=\"failed\"}"), 0);
	CU_ASSERT_EQUAL(expo_value(m, "lain_console_registry_tokens_total{grant=\"internal\"}"), 1);
	CU_ASSERT_EQUAL(expo_value(m, "lain_console_deploy_lock_conflicts_total"), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(m, "# TYPE lain_console_worker_respawns_total counter\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(m, "# TYPE lain_console_http_request_duration_seconds "
					 "histogram\n"));
	free(m);
}

/* Before metrics_open (unit tests, `render`): no-ops, nothing rendered. */
static void test_closed_is_quiet(void)
{
	metrics_close();
	metrics_request_begin();
	metrics_request_end(0, "GET", 200, 1);
	metrics_dep_call(METRICS_DEP_ETCD, 200, 1);
	char *m = render();
	CU_ASSERT_STRING_EQUAL(m, "");
	free(m);
}

static CU_TestInfo tests[] = {
	{ "counts of every process, one row per pattern", test_counts_of_every_process },
	{ "escaping, unknown methods, no route", test_escaping_methods_and_none },
	{ "dependency names", test_dependency_names },
	{ "workers: alive, respawns, in flight", test_workers },
	{ "closed: no-ops", test_closed_is_quiet },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "metrics", setup, teardown, NULL, NULL, tests },
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return test_main(suites);
}
