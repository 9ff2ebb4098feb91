/* lain-console's log through the real stack with CONSOLE_LOG_FORMAT=json:
 * every line one JSON object; the access line of a request with the id
 * nginx gave it (X-Request-Id); a warning logged while serving a request,
 * and the master's line about a worker killed while serving one, carry
 * that request's id; access lines survive their worker's death and their
 * writer's (logring.h). */
#include <json-c/json.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "harness.h"
#include "testlib.h"

static char keydir[] = "/tmp/lain-console-it-logs-XXXXXX";

/* Every line of the console's log, parsed; *bad counts those that are not
 * one JSON object (each printed). A json array, put it. */
static json_object *log_lines(int *bad)
{
	FILE *f = fopen(stack_get("CONSOLE_LOG"), "r");
	json_object *all = json_object_new_array();
	char line[16384];
	*bad = 0;
	while (f && fgets(line, sizeof(line), f)) {
		json_object *o = json_tokener_parse(line);
		if (!o || !json_object_is_type(o, json_type_object)) {
			fprintf(stderr, "\n  not a JSON object: %s", line);
			(*bad)++;
			json_object_put(o);
			continue;
		}
		json_object_array_add(all, o);
	}
	if (f)
		fclose(f);
	return all;
}

static const char *str(json_object *o, const char *key)
{
	json_object *v;
	return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : NULL;
}

/* The first line whose key holds want (and, when level is set, of that level). */
static json_object *find(json_object *all, const char *key, const char *want, const char *level)
{
	for (size_t i = 0; i < json_object_array_length(all); i++) {
		json_object *o = json_object_array_get_idx(all, i);
		const char *v = str(o, key), *l = str(o, "level");
		if (v && strstr(v, want) && (!level || (l && !strcmp(l, level))))
			return o;
	}
	return NULL;
}

/* The X-Request-Id of an answer (malloc'd), "" when none. */
static char *request_id(const it_response_t *r)
{
	const char *id = it_header(r, "x-request-id");
	return strdup(id ? id : "");
}

/* The access line of request id in all, or NULL. */
static json_object *access_line(json_object *all, const char *id)
{
	for (size_t i = 0; i < json_object_array_length(all); i++) {
		json_object *o = json_object_array_get_idx(all, i);
		if (str(o, "method") && str(o, "id") && !strcmp(str(o, "id"), id))
			return o;
	}
	return NULL;
}

/* The log's lines once it has the access lines of all n ids (they reach
 * it in batches, logring.h), or after 10 s without them. */
static json_object *log_lines_with(const char *const *ids, int n, int *bad)
{
	for (int tries = 0;; tries++) {
		json_object *all = log_lines(bad);
		int have = 0;
		for (int i = 0; i < n; i++)
			have += access_line(all, ids[i]) != NULL;
		if (have == n || tries == 500)
			return all;
		json_object_put(all);
		it_sleep_ms(20);
	}
}

/* The pid of the master's child named comm ("lc-..."), 0 when none. */
static pid_t helper_pid(pid_t master, const char *comm)
{
	char cmd[256], line[64] = "";
	snprintf(cmd, sizeof(cmd), "pgrep -P %ld -x '%s'", (long)master, comm);
	FILE *p = popen(cmd, "r");
	if (p && !fgets(line, sizeof(line), p))
		line[0] = '\0';
	if (p)
		pclose(p);
	return (pid_t)strtol(line, NULL, 10);
}

static void test_every_line_is_json_with_the_fields(void)
{
	it_response_t r;
	CU_ASSERT_EQUAL(it_req("POST", "/api/v1/repos/", "{\"appname\":\"logged\"}", &r), 201);
	char *id = request_id(&r);
	it_response_free(&r);
	CU_ASSERT(strlen(id) > 8);
	int bad;
	const char *ids[] = { id };
	json_object *all = log_lines_with(ids, 1, &bad);
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT(json_object_array_length(all) > 2);
	for (size_t i = 0; i < json_object_array_length(all); i++) {
		json_object *o = json_object_array_get_idx(all, i);
		CU_ASSERT_PTR_NOT_NULL(str(o, "time"));
		CU_ASSERT_PTR_NOT_NULL(str(o, "pid"));
		CU_ASSERT_PTR_NOT_NULL(str(o, "level"));
	}
	/* the master's start line */
	CU_ASSERT_PTR_NOT_NULL(find(all, "msg", "lain-console listening on", "info"));
	/* the handler's own line about the request names it too */
	json_object *said = find(all, "msg", "REPOSIT: app logged reposited", "info");
	CU_ASSERT_FATAL(said != NULL);
	CU_ASSERT_STRING_EQUAL(str(said, "id"), id);
	json_object *access = access_line(all, id);
	CU_ASSERT_FATAL(access != NULL);
	CU_ASSERT_STRING_EQUAL(str(access, "level"), "info");
	CU_ASSERT_STRING_EQUAL(str(access, "method"), "POST");
	CU_ASSERT_STRING_EQUAL(str(access, "path"), "/api/v1/repos/");
	CU_ASSERT_STRING_EQUAL(str(access, "status"), "201");
	CU_ASSERT(atol(str(access, "duration_us")) > 0);
	json_object_put(all);
	free(id);
}

/* The token server warns about the malformed whitelist entry while it
 * serves the request: the warning names the request. */
static void test_a_warning_names_its_request(void)
{
	it_response_t r;
	CU_ASSERT_EQUAL(it_req("GET", "/api/v1/authorize/registry/?service=reg&scope=repository:"
				      "logged:pull", NULL, &r), 200);
	char *id = request_id(&r);
	it_response_free(&r);
	int bad;
	json_object *all = log_lines(&bad);
	CU_ASSERT_EQUAL(bad, 0);
	json_object *warn = find(all, "msg", "malformed entries skipped", "warn");
	CU_ASSERT_FATAL(warn != NULL);
	CU_ASSERT_STRING_EQUAL(str(warn, "id"), id);
	json_object_put(all);
	free(id);
}

struct pending {
	it_response_t r;
};

static void *slow_request(void *p)
{
	struct pending *pd = p;
	it_req("GET", "/api/v1/repos/", NULL, &pd->r);
	return NULL;
}

/* A worker killed in the middle of a request (etcd frozen, so it waits):
 * the master's error line names the route and the request's id, which is
 * also the id of nginx's 502. */
static void test_a_dead_workers_request_is_named(void)
{
	pid_t etcd = stack_pid("ETCD_PID"), master = stack_pid("CONSOLE_PID");
	CU_ASSERT_EQUAL_FATAL(kill(etcd, SIGSTOP), 0);
	struct pending pd;
	pthread_t t;
	pthread_create(&t, NULL, slow_request, &pd);
	/* etcd answers nothing for 10 s (CONSOLE_ETCD_TIMEOUT_MS): the request
	 * is in a worker by now */
	it_sleep_ms(1500);
	pid_t kids[16];
	int n = it_children(master, kids, 16);
	CU_ASSERT_EQUAL(n, 2);
	for (int i = 0; i < n; i++)
		kill(kids[i], SIGKILL);
	pthread_join(t, NULL);
	kill(etcd, SIGCONT);
	CU_ASSERT_EQUAL(pd.r.status, 502);
	char *id = request_id(&pd.r);
	it_response_free(&pd.r);
	CU_ASSERT(strlen(id) > 8);
	it_sleep_ms(300);
	int bad;
	json_object *all = log_lines(&bad);
	CU_ASSERT_EQUAL(bad, 0);
	json_object *died = find(all, "msg", "died of signal 9 while serving GET /api/v1/repos/",
				 "error");
	CU_ASSERT_FATAL(died != NULL);
	CU_ASSERT_STRING_EQUAL(str(died, "id"), id);
	json_object_put(all);
	free(id);
}

/* Access lines wait in their worker's ring for the access log writer: with
 * the writer stopped they are not in the log; the worker killed and the
 * writer killed, the master starts a writer again and every line is
 * written, with the pid of the worker that served it. */
static void test_access_lines_outlive_worker_and_writer(void)
{
	pid_t master = stack_pid("CONSOLE_PID");
	pid_t writer = helper_pid(master, "lc-accesslog");
	CU_ASSERT_FATAL(writer > 0);
	pid_t kids[16];
	int n = 0;
	/* The workers the test before killed are started again. */
	for (int tries = 0; tries < 250 && (n = it_children(master, kids, 16)) != 2; tries++)
		it_sleep_ms(20);
	CU_ASSERT_EQUAL_FATAL(n, 2);
	CU_ASSERT_EQUAL_FATAL(kill(writer, SIGSTOP), 0);
	char *ids[3];
	for (int i = 0; i < 3; i++) {
		it_response_t r;
		CU_ASSERT_EQUAL(it_req("GET", "/api/v1/repos/", NULL, &r), 200);
		ids[i] = request_id(&r);
		it_response_free(&r);
	}
	/* Time enough for a worker's own write, had it made one. */
	it_sleep_ms(300);
	int bad;
	json_object *all = log_lines(&bad);
	for (int i = 0; i < 3; i++)
		CU_ASSERT_PTR_NULL(access_line(all, ids[i]));
	json_object_put(all);
	for (int i = 0; i < n; i++)
		kill(kids[i], SIGKILL);
	CU_ASSERT_EQUAL(kill(writer, SIGKILL), 0);
	all = log_lines_with((const char *const *)ids, 3, &bad);
	CU_ASSERT_EQUAL(bad, 0);
	for (int i = 0; i < 3; i++) {
		json_object *a = access_line(all, ids[i]);
		CU_ASSERT_PTR_NOT_NULL(a);
		if (!a)
			continue;
		CU_ASSERT_STRING_EQUAL(str(a, "path"), "/api/v1/repos/");
		pid_t by = (pid_t)atol(str(a, "pid"));
		CU_ASSERT(by == kids[0] || by == kids[1]);
	}
	CU_ASSERT_PTR_NOT_NULL(find(all, "msg", "the access log writer died of signal 9", "error"));
	json_object_put(all);
	CU_ASSERT(helper_pid(master, "lc-accesslog") > 0);
	for (int i = 0; i < 3; i++)
		free(ids[i]);
}

static int suite_up(void)
{
	char key[600];
	if (!mkdtemp(keydir) || it_registry_key(keydir, key, sizeof(key)))
		return -1;
	setenv("CONSOLE_REGISTRY_KEY", key, 1);
	setenv("CONSOLE_LOG_FORMAT", "json", 1);
	setenv("CONSOLE_ETCD_TIMEOUT_MS", "10000", 1);
	/* Requests that wait inside a worker for a frozen etcd: without the
	 * host's snapshot of the records, which would answer them at once. */
	setenv("CONSOLE_SNAPSHOT_MAX_LAG_MS", "0", 1);
	if (stack_up("--workers 2"))
		return -1;
	return it_etcd_put("/lain/config/registry_ip_whitelist", "127.0.0.1, not-an-address") ? -1
												: 0;
}

static int suite_down(void)
{
	char cmd[600];
	stack_down();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", keydir);
	return system(cmd) ? -1 : 0;
}

static CU_TestInfo tests[] = {
	{ "json: every line an object, access fields", test_every_line_is_json_with_the_fields },
	{ "a warning names its request", test_a_warning_names_its_request },
	{ "a dead worker's request is named", test_a_dead_workers_request_is_named },
	{ "access lines outlive their worker and their writer",
	  test_access_lines_outlive_worker_and_writer },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "logs", suite_up, suite_down, NULL, NULL, tests },
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return test_main(suites);
}
