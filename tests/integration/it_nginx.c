/* nginx in front of lain-console (deploy/nginx/console.conf.in as
 * scripts/stack renders it), issue 14: the HTTP -> HTTPS redirect names the
 * configured server, never the client's Host (#6); every answer nginx makes
 * itself is the JSON envelope, its 400 and 414 included, and a 502 says
 * which of two things happened (#12). The probes stay as regression tests. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>
#include <json-c/json.h>

#include "harness.h"
#include "testlib.h"

#define NAME "console.lain.local"
#define BAD_REQUEST "bad request: nginx could not read it"
#define DIED "lain-console closed the connection before its answer was complete"
#define CONNECT "lain-console unavailable: nginx could not connect to its FastCGI socket"

static int suite_up(void)
{
	/* Requests that wait inside a worker for a frozen etcd: without the
	 * host's snapshot of the records, which would answer them at once. */
	setenv("CONSOLE_SNAPSHOT_MAX_LAG_MS", "0", 1);
	return stack_up("--workers 2") ? -1 : 0;
}

static int suite_down(void)
{
	stack_down();
	return 0;
}

/* r is nginx's JSON envelope: status, key "app", url "/v1/docs/", the
 * message starting with msg, the headers of every answer. */
static void assert_nginx_json(const it_response_t *r, long status, const char *msg)
{
	if (r->status != status || !r->json)
		fprintf(stderr, "\n  want %ld JSON, got %ld: %.300s\n", status, r->status,
			r->body ? r->body : "");
	CU_ASSERT_EQUAL(r->status, status);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r->json);
	CU_ASSERT_EQUAL(json_object_object_length(r->json), 3);
	CU_ASSERT_STRING_EQUAL(it_field(r, "app"), "(null)");
	CU_ASSERT_STRING_EQUAL(it_field(r, "url"), "/v1/docs/");
	CU_ASSERT_PREFIX(it_msg(r), msg);
	CU_ASSERT_PREFIX(it_header(r, "content-type"), "application/json");
	CU_ASSERT_STRING_EQUAL(it_header(r, "access-control-allow-origin"), "*");
	CU_ASSERT_PTR_NOT_NULL(it_header(r, "x-request-id"));
}

static char *url_of(const char *base, const char *path)
{
	size_t n = strlen(base) + strlen(path) + 1;
	char *u = malloc(n);
	snprintf(u, n, "%s%s", base, path);
	return u;
}

/* #6: plain HTTP is redirected to the first configured name, whatever Host
 * says (https://evil.example/... once); lain-cli's console.<domain> gets
 * there and is served. */
static void test_redirect_to_configured_name(void)
{
	char want[256];
	snprintf(want, sizeof(want), "https://" NAME ":%s/api/v1/repos/?x=1", stack_get("HTTPS_PORT"));
	char *url = url_of(stack_get("CONSOLE_HTTP_URL"), "/api/v1/repos/?x=1");
	static const char *const hosts[] = { "Host: evil.example", "Host: " NAME,
					     "Host: 127.0.0.1", "Host: evil.example:443" };
	for (size_t i = 0; i < 4; i++) {
		it_response_t r;
		it_request("POST", url, "{\"appname\":\"viahttp\"}", hosts[i], &r);
		CU_ASSERT_EQUAL(r.status, 308);
		const char *loc = it_header(&r, "location");
		CU_ASSERT_PTR_NOT_NULL_FATAL(loc);
		if (strcmp(loc, want))
			fprintf(stderr, "\n  %s: Location %s\n", hosts[i], loc);
		CU_ASSERT_STRING_EQUAL(loc, want);
		it_response_free(&r);
	}
	free(url);
	/* Where it leads: the HTTPS server answers console.<domain> (any Host). */
	it_response_t r;
	it_request("POST", "/api/v1/repos/", "{\"appname\":\"viahttp\"}", "Host: " NAME, &r);
	CU_ASSERT_EQUAL(r.status, 201);
	it_response_free(&r);
}

/* #12: nginx's own 400 and 414 were HTML. */
static void test_own_errors_are_json(void)
{
	const char *https = stack_get("CONSOLE_URL"), *http = stack_get("CONSOLE_HTTP_URL");
	char longpath[9100] = "/api/v1/";
	memset(longpath + 8, 'a', 9000);
	longpath[9008] = '\0';
	const char *bases[] = { https, http };
	for (size_t i = 0; i < 2; i++) {
		it_response_t r;
		char *u = url_of(bases[i], "/api/v1/apps/a%00b/");
		it_request("GET", u, NULL, NULL, &r);
		assert_nginx_json(&r, 400, BAD_REQUEST);
		it_response_free(&r);
		free(u);
		u = url_of(bases[i], longpath);
		it_request("GET", u, NULL, NULL, &r);
		assert_nginx_json(&r, 414, "request URL too long");
		it_response_free(&r);
		free(u);
	}
	/* A header too large, plain HTTP to the HTTPS port: 400s too. */
	static char big[9100] = "X-Big: ";
	memset(big + 7, 'b', 9000);
	it_response_t r;
	it_request("GET", "/api/v1/healthz", NULL, big, &r);
	assert_nginx_json(&r, 400, BAD_REQUEST);
	it_response_free(&r);
	char plain[128];
	snprintf(plain, sizeof(plain), "http://127.0.0.1:%s/api/v1/healthz", stack_get("HTTPS_PORT"));
	it_request("GET", plain, NULL, NULL, &r);
	assert_nginx_json(&r, 400, BAD_REQUEST);
	it_response_free(&r);
	/* The web UI's files: a missing one, a method nginx refuses. */
	it_request("GET", "/js/nothing.js", NULL, NULL, &r);
	assert_nginx_json(&r, 404, "not found");
	it_response_free(&r);
	it_request("POST", "/index.html", "x", NULL, &r);
	assert_nginx_json(&r, 405, "method not allowed here");
	it_response_free(&r);
	it_request("TRACE", "/api/v1/healthz", NULL, NULL, &r);
	assert_nginx_json(&r, 405, "method not allowed here");
	it_response_free(&r);
	/* Past nginx's body cap. */
	size_t n = 3u << 20;
	char *body = malloc(n + 1);
	memset(body, 'x', n);
	body[n] = '\0';
	it_request("POST", "/api/v1/repos/", body, NULL, &r);
	free(body);
	assert_nginx_json(&r, 413, "request body too large (limit 2m)");
	it_response_free(&r);
}

struct slow {
	it_response_t r;
};

static void *slow_request(void *arg)
{
	struct slow *s = arg;
	it_request("GET", "/api/v1/repos/", NULL, NULL, &s->r);
	return NULL;
}

/* #12: a worker killed mid-request was reported as "nginx could not reach
 * its FastCGI socket"; it had reached it. */
static void test_502_worker_died(void)
{
	pid_t etcd = stack_pid("ETCD_PID"), master = stack_pid("CONSOLE_PID");
	pid_t workers[16];
	struct slow s;
	pthread_t t;
	memset(&s, 0, sizeof(s));
	/* etcd frozen: the request waits for it inside a worker. */
	CU_ASSERT_EQUAL_FATAL(kill(etcd, SIGSTOP), 0);
	pthread_create(&t, NULL, slow_request, &s);
	it_sleep_ms(500);
	/* Whichever worker holds it: all of them die (the master respawns them). */
	int n = it_children(master, workers, 16);
	CU_ASSERT_EQUAL(n, 2);
	for (int i = 0; i < n; i++)
		CU_ASSERT_EQUAL(kill(workers[i], SIGKILL), 0);
	pthread_join(t, NULL);
	CU_ASSERT_EQUAL(kill(etcd, SIGCONT), 0);
	assert_nginx_json(&s.r, 502, DIED);
	it_response_free(&s.r);
	/* And the service goes on with the new workers. */
	int ok = 0;
	for (int i = 0; i < 20; i++) {
		it_response_t r;
		it_request("GET", "/api/v1/repos/", NULL, NULL, &r);
		ok += r.status == 200;
		it_response_free(&r);
	}
	CU_ASSERT_EQUAL(ok, 20);
}

/* Last: it stops lain-console. Nothing listens: the other 502. */
static void test_502_nothing_listens(void)
{
	pid_t master = stack_pid("CONSOLE_PID");
	CU_ASSERT_EQUAL_FATAL(kill(master, SIGTERM), 0);
	bool gone = false;
	for (int i = 0; i < 100 && !gone; i++) {
		gone = kill(master, 0) != 0;
		if (!gone)
			it_sleep_ms(100);
	}
	CU_ASSERT_FATAL(gone);
	it_response_t r;
	it_request("GET", "/api/v1/repos/", NULL, NULL, &r);
	assert_nginx_json(&r, 502, CONNECT);
	it_response_free(&r);
}

static CU_TestInfo tests[] = {
	{ "#6 HTTP -> HTTPS 308 to the configured name, not Host", test_redirect_to_configured_name },
	{ "#12 nginx's own 400, 414, 404, 405, 413: JSON envelopes", test_own_errors_are_json },
	{ "#12 502 of a worker that died mid-request says so", test_502_worker_died },
	{ "#12 502 with nothing listening says so", test_502_nothing_listens },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "nginx in front", suite_up, suite_down, NULL, NULL, tests },
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return test_main(suites);
}
