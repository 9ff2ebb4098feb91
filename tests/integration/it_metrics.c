/* GET /metrics through the real stack (nginx -> lain-console, 3 workers,
 * the deployd stand-in, docker-registry): who may scrape it (REMOTE_ADDR
 * against CONSOLE_METRICS_ALLOW, never a header), what the counters say
 * after known traffic — compared with what the deployd stand-in logged,
 * across every worker — that a worker killed and respawned, or a reload,
 * resets nothing, and that `promtool check metrics` (Debian's prometheus
 * package) accepts the exposition taken after the traffic. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CUnit/CUnit.h>
#include <json-c/json.h>

#include "console/array.h"
#include "deploy_env.h"
#include "harness.h"
#include "exposition.h"
#include "itjson.h"
#include "testlib.h"

#define V(n) "152445598" #n "-f478328a58bc9725c19030e7663e2ee3fa87b02" #n
#define YAML(app)                                                                             \
	"appname: " app "\nbuild:\n  base: golang\nweb:\n  cmd: /hello\n  port: 80\n"          \
	"  memory: 64m\nworker.bg:\n  cmd: /bg\n  num_instances: 2\n"
#define WORKERS 3

static char keydir[] = "/tmp/lain-console-it-metrics-XXXXXX";

/* A scrape from 127.0.0.1 (allowed); the body, free it. */
static char *scrape(void)
{
	it_response_t r;
	it_request("GET", "/metrics", NULL, NULL, &r);
	CU_ASSERT_EQUAL(r.status, 200);
	if (r.status != 200)
		fprintf(stderr, "\n  GET /metrics: %ld %s\n", r.status, r.body);
	char *body = r.body;
	r.body = NULL;
	it_response_free(&r);
	return body;
}

/* The deployd stand-in's call log: how many /api/ calls it answered, and
 * how many of those with a status of 500 or more. */
static void deployd_calls(int *calls, int *errors)
{
	char *body = NULL;
	*calls = *errors = 0;
	CU_ASSERT_EQUAL(denv_fake("GET", "/__fake/calls", NULL, &body), 200);
	json_object *j = json_tokener_parse(body), *list;
	if (j && json_object_object_get_ex(j, "calls", &list))
		for (size_t i = 0; i < json_object_array_length(list); i++) {
			json_object *st = json_object_object_get(json_object_array_get_idx(list, i),
								 "status");
			(*calls)++;
			*errors += json_object_get_int(st) >= 500;
		}
	json_object_put(j);
	free(body);
}

/* GET path from the local address from with header (or none): the status
 * wanted, else the answer is printed; r is the caller's to free. */
static void get_from(const char *from, const char *path, const char *header, long want,
		     it_response_t *r)
{
	it_request_from(from, "GET", path, NULL, header, r);
	CU_ASSERT_EQUAL(r->status, want);
	if (r->status != want)
		fprintf(stderr, "\n  GET %s from %s: %ld %s\n", path, from ? from : "127.0.0.1",
			r->status, r->body);
}

static void test_only_allowed_addresses(void)
{
	it_response_t r;
	/* 127.0.0.2 is loopback too, but not in this stack's list (127.0.0.1). */
	get_from("127.0.0.2", "/metrics", NULL, 403, &r);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "metrics are not served to 127.0.0.2"));
	CU_ASSERT_PTR_NULL(strstr(r.body, "lain_console_"));
	it_response_free(&r);
	/* a header claiming an allowed address changes nothing */
	const char *spoofs[] = { "X-Forwarded-For: 127.0.0.1", "X-Real-IP: 127.0.0.1",
				 "Remote-Addr: 127.0.0.1" };
	for (size_t i = 0; i < ARRAY_SIZE(spoofs); i++) {
		get_from("127.0.0.2", "/metrics", spoofs[i], 403, &r);
		it_response_free(&r);
	}
	get_from("127.0.0.2", "/api/metrics", NULL, 403, &r);
	it_response_free(&r);
	get_from(NULL, "/metrics", "X-Forwarded-For: 10.1.1.1", 200, &r);
	CU_ASSERT_STRING_EQUAL(it_header(&r, "content-type"),
			       "text/plain; version=0.0.4; charset=utf-8");
	CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "# TYPE lain_console_http_requests_total counter\n"));
	it_response_free(&r);
}

/* Known traffic, then the counters that must show it exactly. */
static void test_counts_across_workers(void)
{
	it_response_t r;
	CU_ASSERT_EQUAL(denv_reposit(NULL, "mx"), 201);
	CU_ASSERT_EQUAL(denv_reposit(NULL, "mxfail"), 201);
	CU_ASSERT_EQUAL(denv_deploy(NULL, "mx", 202), 202);
	CU_ASSERT(denv_wait_healthy("mx", &r));
	it_response_free(&r);
	/* A deploy whose podgroup deployd refuses with 500: the deploy's own
	 * failure (406). */
	denv_settle();
	denv_fake("POST", "/__fake/fail",
		  "{\"mode\":\"error500\",\"match\":\"/api/podgroups\",\"method\":\"POST\",\"count\":-1}",
		  NULL);
	CU_ASSERT_EQUAL(denv_deploy(NULL, "mxfail", 406), 406);
	denv_fake("POST", "/__fake/fail", "{\"mode\":\"none\"}", NULL);
	/* The lock held (as another host's deploy would hold it): 409. */
	CU_ASSERT_EQUAL(it_etcd_put("/lain/console/locks/mx", "{\"holder\":\"someone\"}"), 0);
	CU_ASSERT_EQUAL(it_call("PUT", "/api/v1/apps/mx/", "{}", 409), 409);
	CU_ASSERT_EQUAL(it_etcd_delete("/lain/console/locks/mx"), 0);
	/* Registry tokens: twice from the whitelisted 127.0.0.1. */
	for (int i = 0; i < 2; i++)
		CU_ASSERT_EQUAL(it_call("GET", "/api/v1/authorize/registry/?service=reg&scope="
					"repository:mx:pull", NULL, 200), 200);
	/* No handler: 404 and the CORS preflight. */
	CU_ASSERT_EQUAL(it_call("GET", "/api/v1/no/such/thing", NULL, 404), 404);
	CU_ASSERT_EQUAL(it_call("OPTIONS", "/api/v1/apps/", NULL, 200), 200);

	char *m = scrape();
	CU_ASSERT_EQUAL(expo_value(m, "lain_console_http_requests_total{route=\"/v1/repos/\","
				 "method=\"POST\",code=\"2xx\"}"), 2);
	CU_ASSERT_EQUAL(expo_value(m, "lain_console_http_requests_total{route=\"/v1/apps/\","
				 "method=\"POST\",code=\"2xx\"}"), 1);
	CU_ASSERT_EQUAL(expo_value(m, "lain_console_http_requests_total{route=\"/v1/apps/\","
				 "method=\"POST\",code=\"4xx\"}"), 1);
	CU_ASSERT_EQUAL(expo_value(m, "lain_console_http_requests_total{route=\"/v1/apps/:app/\","
				 "method=\"PUT\",code=\"4xx\"}"), 1);
	CU_ASSERT_EQUAL(expo_value(m, "lain_console_http_requests_total{route=\"/v1/authorize/"
				 "registry/\",method=\"GET\",code=\"2xx\"}"), 2);
	CU_ASSERT_EQUAL(expo_value(m, "lain_console_http_requests_total{route=\"(none)\","
				 "method=\"GET\",code=\"4xx\"}"), 1);
	CU_ASSERT_EQUAL(expo_value(m, "lain_console_http_requests_total{route=\"(none)\","
				 "method=\"OPTIONS\",code=\"2xx\"}"), 1);
	/* The histogram of POST /v1/apps/ counts both answers; +Inf == _count. */
	CU_ASSERT_EQUAL(expo_value(m, "lain_console_http_request_duration_seconds_count{route="
				 "\"/v1/apps/\",method=\"POST\"}"), 2);
	CU_ASSERT_EQUAL(expo_value(m, "lain_console_http_request_duration_seconds_bucket{route="
				 "\"/v1/apps/\",method=\"POST\",le=\"+Inf\"}"), 2);
	CU_ASSERT(expo_value(m, "lain_console_http_request_duration_seconds_sum{route="
			   "\"/v1/apps/\",method=\"POST\"}") > 0);
	CU_ASSERT_EQUAL(expo_value(m, "lain_console_deploys_total{outcome=\"succeeded\"}"), 1);
	CU_ASSERT_EQUAL(expo_value(m, "lain_console_deploys_total{outcome=\"failed\"}"), 1);
	CU_ASSERT_EQUAL(expo_value(m, "lain_console_deploys_total{outcome=\"error\"}"), 0);
	CU_ASSERT_EQUAL(expo_value(m, "lain_console_rollbacks_total{outcome=\"succeeded\"}"), 0);
	CU_ASSERT_EQUAL(expo_value(m, "lain_console_deploy_lock_conflicts_total"), 1);
	CU_ASSERT_EQUAL(expo_value(m, "lain_console_registry_tokens_total{grant=\"whitelisted\"}"), 2);
	CU_ASSERT_EQUAL(expo_value(m, "lain_console_registry_tokens_total{grant=\"user\"}"), 0);
	CU_ASSERT_EQUAL(expo_value(m, "lain_console_workers"), WORKERS);
	/* this scrape is in flight while it is rendered */
	CU_ASSERT(expo_value(m, "lain_console_http_requests_in_flight") >= 1);
	/* Every deployd call of every worker, as the stand-in logged them. */
	int calls, errors;
	deployd_calls(&calls, &errors);
	CU_ASSERT(calls > 0);
	CU_ASSERT(errors > 0);
	CU_ASSERT_EQUAL(expo_value(m, "lain_console_dependency_requests_total{dependency=\"deployd\"}"),
			calls);
	CU_ASSERT_EQUAL(expo_value(m, "lain_console_dependency_errors_total{dependency=\"deployd\","
				 "kind=\"5xx\"}"), errors);
	CU_ASSERT_EQUAL(expo_value(m, "lain_console_dependency_request_duration_seconds_count{"
				 "dependency=\"deployd\"}"), calls);
	CU_ASSERT(expo_value(m, "lain_console_dependency_requests_total{dependency=\"etcd\"}") > 0);
	CU_ASSERT(expo_value(m, "lain_console_dependency_requests_total{dependency=\"registry\"}") > 0);
	CU_ASSERT_EQUAL(expo_value(m, "lain_console_dependency_requests_total{dependency=\"sso\"}"), 0);
	free(m);

	/* A dry run is no deploy; a rollback is one, and a rollback. */
	CU_ASSERT_EQUAL(it_call("PUT", "/api/v1/apps/mx/?dry_run=1", "{}", 200), 200);
	CU_ASSERT_EQUAL(it_call("PATCH", "/api/v1/apps/mx/procs/web/", "{\"num_instances\": 2}", 202),
			202);
	denv_settle();
	CU_ASSERT_EQUAL(it_call("POST", "/api/v1/apps/mx/rollback/", "{}", 202), 202);
	m = scrape();
	CU_ASSERT_EQUAL(expo_value(m, "lain_console_deploys_total{outcome=\"succeeded\"}"), 2);
	CU_ASSERT_EQUAL(expo_value(m, "lain_console_rollbacks_total{outcome=\"succeeded\"}"), 1);
	CU_ASSERT_EQUAL(expo_value(m, "lain_console_rollbacks_total{outcome=\"failed\"}"), 0);
	free(m);
}

/* Waits (10 s at most) until the master has WORKERS children, none of
 * them in gone[0..ngone). */
static bool workers_replaced(const pid_t *gone, int ngone)
{
	pid_t kids[64];
	for (int tries = 0; tries < 100; tries++) {
		int n = it_children(stack_pid("CONSOLE_PID"), kids, 64), old = 0;
		for (int i = 0; i < n; i++)
			for (int j = 0; j < ngone; j++)
				old += kids[i] == gone[j];
		if (n == WORKERS && !old)
			return true;
		it_sleep_ms(100);
	}
	return false;
}

/* A worker killed is respawned, counted with its reason, and the counts
 * of before stay; so after a reload (SIGHUP). */
static void test_respawn_and_reload_keep_the_counts(void)
{
	char *before = scrape();
	double registrations = expo_value(before, "lain_console_http_requests_total{route="
					     "\"/v1/repos/\",method=\"POST\",code=\"2xx\"}");
	double etcd = expo_value(before, "lain_console_dependency_requests_total{dependency=\"etcd\"}");
	CU_ASSERT(registrations >= 2);
	free(before);

	pid_t kids[64];
	int n = it_children(stack_pid("CONSOLE_PID"), kids, 64);
	CU_ASSERT_EQUAL_FATAL(n, WORKERS);
	CU_ASSERT_EQUAL(kill(kids[0], SIGKILL), 0);
	CU_ASSERT_FATAL(workers_replaced(kids, 1));
	char *m = scrape();
	CU_ASSERT_EQUAL(expo_value(m, "lain_console_worker_respawns_total{reason=\"signal_SIGKILL\"}"), 1);
	CU_ASSERT_EQUAL(expo_value(m, "lain_console_workers"), WORKERS);
	CU_ASSERT_EQUAL(expo_value(m, "lain_console_http_requests_total{route=\"/v1/repos/\","
				 "method=\"POST\",code=\"2xx\"}"), registrations);
	CU_ASSERT(expo_value(m, "lain_console_dependency_requests_total{dependency=\"etcd\"}") >= etcd);
	free(m);

	n = it_children(stack_pid("CONSOLE_PID"), kids, 64);
	CU_ASSERT_EQUAL(kill(stack_pid("CONSOLE_PID"), SIGHUP), 0);
	CU_ASSERT_FATAL(workers_replaced(kids, n));
	m = scrape();
	CU_ASSERT_EQUAL(expo_value(m, "lain_console_http_requests_total{route=\"/v1/repos/\","
				 "method=\"POST\",code=\"2xx\"}"), registrations);
	/* the reload's retired workers are no respawns */
	CU_ASSERT_EQUAL(expo_value(m, "lain_console_worker_respawns_total{reason=\"signal_SIGKILL\"}"), 1);
	CU_ASSERT_EQUAL(expo_value(m, "lain_console_workers"), WORKERS);
	free(m);
}

/* promtool's own check of the exposition taken after all the traffic. */
static void test_promtool_accepts_the_exposition(void)
{
	if (access("/usr/bin/promtool", X_OK)) {
		CU_FAIL("no /usr/bin/promtool: run scripts/bootstrap (Debian's prometheus package)");
		return;
	}
	char *m = scrape();
	char path[512], cmd[1200];
	snprintf(path, sizeof(path), "%s/scrape.txt", keydir);
	FILE *f = fopen(path, "w");
	CU_ASSERT_FATAL(f != NULL);
	fputs(m, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "/usr/bin/promtool check metrics <'%s' 2>&1", path);
	FILE *p = popen(cmd, "r");
	CU_ASSERT_FATAL(p != NULL);
	char out[4096] = "";
	size_t len = fread(out, 1, sizeof(out) - 1, p);
	out[len] = '\0';
	int status = pclose(p);
	printf("\n  promtool check metrics: exit %d%s%s\n", WEXITSTATUS(status), len ? ", " : "",
	       out);
	CU_ASSERT_EQUAL(WEXITSTATUS(status), 0);
	CU_ASSERT_EQUAL(len, 0);
	/* what promtool does not look at: every series once */
	CU_ASSERT_EQUAL(expo_duplicates(m), 0);
	free(m);
}

/* The fenced block of README.md's section "## Metrics" that opens with
 * fence (the whole line), into path: 0, or -1 when there is none. */
static int readme_block(const char *fence, const char *path)
{
	char readme[600], line[2048];
	snprintf(readme, sizeof(readme), "%s/README.md", getenv("srcdir") ? getenv("srcdir") : ".");
	FILE *in = fopen(readme, "r"), *out = fopen(path, "w");
	int state = 0; /* 0 before the section, 1 in it, 2 in the block, 3 done */
	while (in && out && state < 3 && fgets(line, sizeof(line), in)) {
		if (state == 0 && !strcmp(line, "## Metrics\n"))
			state = 1;
		else if (state == 1 && !strncmp(line, "## ", 3))
			break;
		else if (state == 1 && !strcmp(line, fence))
			state = 2;
		else if (state == 2 && !strcmp(line, "```\n"))
			state = 3;
		else if (state == 2)
			fputs(line, out);
	}
	if (in)
		fclose(in);
	if (out)
		fclose(out);
	return state == 3 ? 0 : -1;
}

static int run_promtool(const char *args)
{
	char cmd[1400];
	snprintf(cmd, sizeof(cmd), "/usr/bin/promtool %s 2>&1", args);
	int status = system(cmd);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* README's scrape config and its three queries, as promtool reads them. */
static void test_readme_config_and_queries(void)
{
	char conf[600], queries[600], rules[600], args[1300], line[2048];
	snprintf(conf, sizeof(conf), "%s/prometheus.yml", keydir);
	snprintf(queries, sizeof(queries), "%s/queries.txt", keydir);
	snprintf(rules, sizeof(rules), "%s/rules.yml", keydir);
	CU_ASSERT_EQUAL_FATAL(readme_block("```yaml\n", conf), 0);
	CU_ASSERT_EQUAL_FATAL(readme_block("```promql\n", queries), 0);
	snprintf(args, sizeof(args), "check config '%s'", conf);
	CU_ASSERT_EQUAL(run_promtool(args), 0);
	/* Each query as a recording rule: `check rules` parses its expression. */
	FILE *in = fopen(queries, "r"), *out = fopen(rules, "w");
	CU_ASSERT_FATAL(in && out);
	fputs("groups:\n  - name: readme\n    rules:\n", out);
	int n = 0;
	while (fgets(line, sizeof(line), in)) {
		line[strcspn(line, "\n")] = '\0';
		if (!*line)
			continue;
		fprintf(out, "      - record: readme:query%d\n        expr: '%s'\n", ++n, line);
	}
	fclose(in);
	fclose(out);
	CU_ASSERT_EQUAL(n, 3);
	snprintf(args, sizeof(args), "check rules '%s'", rules);
	CU_ASSERT_EQUAL(run_promtool(args), 0);
}

static CU_TestInfo tests[] = {
	{ "only CONSOLE_METRICS_ALLOW, by REMOTE_ADDR", test_only_allowed_addresses },
	{ "known traffic, counted across workers", test_counts_across_workers },
	{ "a respawn and a reload reset nothing", test_respawn_and_reload_keep_the_counts },
	{ "promtool check metrics", test_promtool_accepts_the_exposition },
	{ "README's scrape config and queries", test_readme_config_and_queries },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "metrics", NULL, NULL, NULL, NULL, tests },
	CU_SUITE_INFO_NULL,
};

static int before(void)
{
	char key[600];
	if (!mkdtemp(keydir) || it_registry_key(keydir, key, sizeof(key)))
		return -1;
	setenv("CONSOLE_REGISTRY_KEY", key, 1);
	setenv("CONSOLE_METRICS_ALLOW", "127.0.0.1", 1);
	return 0;
}

static int after(void)
{
	return it_etcd_put("/lain/config/registry_ip_whitelist", "127.0.0.1") ? -1 : 0;
}

static void cleanup(void)
{
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", keydir);
	if (system(cmd) != 0)
		fprintf(stderr, "it_metrics: could not remove %s\n", keydir);
}

int main(void)
{
	const denv_image_t images[] = {
		{ "mx", V(1), YAML("mx"), NULL },
		{ "mxfail", V(1), YAML("mxfail"), NULL },
	};
	const denv_suite_t suite = { .name = "it_metrics", .images = images,
				     .nimages = ARRAY_SIZE(images), .stack_args = "--workers 3",
				     .before = before, .after = after, .cleanup = cleanup,
				     .suites = suites };
	return denv_main(&suite);
}
