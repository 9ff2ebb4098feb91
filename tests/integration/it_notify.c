/* Notifies and image push (console-api.md E20, E23, §7.1, with §9.3 #7
 * fixed) through the real stack (nginx -> lain-console -> etcd, the deployd
 * stand-in, docker-registry, the SSO stand-in) and two webhook receivers
 * (tests/fakes/webhook): the imagepush webhook list (read, add once,
 * remove, bad bodies, unknown types, the etcd record, concurrent adds);
 * E20's checks (no images, no bound giturl, giturl mismatch, missing or
 * empty authors/commits) and its fan-out (the payload every webhook gets,
 * failing, unreachable and slow webhooks, called at once); with auth on,
 * only LAIN admins read and change the list and only maintainers push. The
 * receivers listen on 127.0.0.1: CONSOLE_NOTIFY_ALLOW_LOOPBACK=1 here.
 * A failed delivery is tried again (issue 18, it_webhooks has the rest):
 * the tests that make some fail wait until the queue is empty.
 * A push without commits gets them from the GitLab stand-in
 * (tests/fakes/gitlab) for giturls on gitlab.example.com (issue 14 #17):
 * every page, the missing project, its timeout; other giturls keep the
 * original's 400.
 *
 * The tests run in order and build on each other's state. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CUnit/CUnit.h>
#include <json-c/json.h>

#include "console/array.h"
#include "deploy_env.h"
#include "harness.h"
#include "itjson.h"
#include "testlib.h"

/* Meta versions: 10-digit timestamps growing with n, the sha ends in n. */
#define SHA(n) "9e1f0c2d3b4a59687766554433221100ffeedd" #n #n
#define V(n) "170000000" #n "-" SHA(n)

#define YAML(app, giturl_line)                                                                \
	"appname: " app "\n" giturl_line "build:\n  base: golang\nweb:\n  cmd: /web\n"         \
	"  port: 80\n"

#define NOTIFY "/api/v1/notify/imagepush/"
#define NOTIFY_KEY "/lain/console/notifies/image_push"
#define BAD_BODY_MSG "invalid request: should be json body with notify_url(array string)"
#define COMMITS "[{\"id\": \"abc1234\", \"message\": \"fix\"}]"
#define AUTHORS "[\"a@x.com\"]"
#define PUSH_BODY "{\"authors\": " AUTHORS ", \"commits\": " COMMITS "}"
#define DELAY_MS 4000

static char sso[256];
static char hook1[256], hook2[256];     /* the receivers' base URLs */
static char url1[300], url2[300];       /* what gets registered */
static char dead_url[128];              /* a closed port */

/* ---- small helpers: every one is NULL-safe, the server may not answer yet */

/* How often the string s is in array a. */
static int count_string(json_object *a, const char *s)
{
	int n = 0;
	for (size_t i = 0; i < js_len(a); i++) {
		const char *e = json_object_get_string(js_at(a, i));
		if (json_object_is_type(js_at(a, i), json_type_string) && e && !strcmp(e, s))
			n++;
	}
	return n;
}

static char *json_body(const char *key, const char *value)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, key, json_object_new_string(value));
	char *s = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return s;
}

/* ---- E23 */

/* The registered URLs (GET with token), or NULL; json_object_put it. */
static json_object *notify_list_as(const char *token)
{
	it_response_t r;
	json_object *list = NULL;
	if (it_req_as(token, "GET", NOTIFY, NULL, &r) == 200 &&
	    json_object_is_type(js_get(r.json, "notify"), json_type_array))
		list = json_object_get(js_get(r.json, "notify"));
	else
		fprintf(stderr, "\n  GET " NOTIFY ": %ld %s\n", r.status, r.body ? r.body : "");
	it_response_free(&r);
	return list;
}

/* How often url is listed (-1: the list could not be read). */
static int listed(const char *url)
{
	json_object *list = notify_list_as(NULL);
	int n = list ? count_string(list, url) : -1;
	json_object_put(list);
	return n;
}

/* POST or DELETE url as token; the status. */
static long notify_change_as(const char *token, const char *method, const char *url, long want)
{
	char *body = json_body("notify_url", url);
	long st = it_call_as(token, method, NOTIFY, body, want);
	free(body);
	return st;
}

/* ---- the webhook receivers */

static void hook_control(const char *base, const char *method, const char *path, const char *body)
{
	json_object *j = denv_hook(base, method, path, body);
	CU_ASSERT_PTR_NOT_NULL(j);
	json_object_put(j);
}

static size_t hook_count(const char *base)
{
	json_object *calls = denv_hook_calls(base);
	size_t n = js_len(calls);
	json_object_put(calls);
	return n;
}

/* When the first call of the webhook at base arrived (key "time") or was
 * answered ("answered"), as it recorded them: Unix seconds; -1 when there
 * is no such call or it is not answered. */
static double hook_when(const char *base, const char *key)
{
	json_object *calls = denv_hook_calls(base), *v;
	json_object *c = json_object_array_length(calls) ? json_object_array_get_idx(calls, 0) : NULL;
	double t = -1;
	if (c && json_object_object_get_ex(c, key, &v) && !json_object_is_type(v, json_type_null))
		t = json_object_get_double(v);
	json_object_put(calls);
	return t;
}

static void hooks_reset(void)
{
	hook_control(hook1, "POST", "/__fake/reset", NULL);
	hook_control(hook2, "POST", "/__fake/reset", NULL);
}

/* A loopback URL on which nothing listens. */
static void make_dead_url(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int port = 9;   /* discard: closed on a test machine */
	if (fd >= 0 && !bind(fd, (struct sockaddr *)&a, sizeof(a)) &&
	    !getsockname(fd, (struct sockaddr *)&a, &len))
		port = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	snprintf(dead_url, sizeof(dead_url), "http://127.0.0.1:%d/dead", port);
}

/* Waits (70 s at most) until no delivery is queued for any webhook: what
 * a test that made some fail leaves behind is tried (or dropped) before
 * the next one counts calls. 0 when the queue is empty. */
static int deliveries_settle(void)
{
	for (int i = 0; i < 350; i++) {
		it_response_t r;
		int pending = -1;
		if (it_req("GET", "/api/v1/notify/imagepush/deliveries/", NULL, &r) == 200) {
			json_object *d = js_get(r.json, "deliveries");
			pending = 0;
			for (size_t k = 0; k < js_len(d); k++)
				pending += (int)js_len(js_get(js_at(d, k), "pending"));
		}
		it_response_free(&r);
		if (!pending)
			return 0;
		it_sleep_ms(200);
	}
	fprintf(stderr, "\n  webhook deliveries still pending after 70 s\n");
	return -1;
}

/* Waits (70 s at most) until the webhook at base has n calls answered 200. */
static size_t await_delivered(const char *base, size_t n)
{
	size_t ok = 0;
	for (int i = 0; i < 350 && ok < n; i++) {
		json_object *calls = denv_hook_calls(base);
		ok = 0;
		for (size_t k = 0; k < js_len(calls); k++)
			ok += json_object_get_int(js_get(js_at(calls, k), "status")) == 200 &&
			      !json_object_is_type(js_get(js_at(calls, k), "answered"), json_type_null);
		json_object_put(calls);
		if (ok < n)
			it_sleep_ms(200);
	}
	return ok;
}

/* ---- apps */


static long deploy_as(const char *token, const char *app)
{
	long st = denv_deploy(token, app, 202);
	denv_settle();
	return st;
}

/* E19: the bound giturl and meta_version must be want_giturl, want_version. */
static void expect_details(const char *token, const char *app, const char *want_giturl,
			   const char *want_version)
{
	char path[128];
	it_response_t r;
	snprintf(path, sizeof(path), "/api/v1/repos/%s/details/", app);
	CU_ASSERT_EQUAL(it_req_as(token, "GET", path, NULL, &r), 200);
	json_object *d = js_get(r.json, "detail");
	if (strcmp(js_str(d, "giturl"), want_giturl) || strcmp(js_str(d, "meta_version"), want_version))
		fprintf(stderr, "\n  %s: %s\n", path, r.body ? r.body : "");
	CU_ASSERT_STRING_EQUAL(js_str(d, "giturl"), want_giturl);
	CU_ASSERT_STRING_EQUAL(js_str(d, "meta_version"), want_version);
	it_response_free(&r);
}

static void push_path(const char *app, char *path, size_t len)
{
	snprintf(path, len, "/api/v1/repos/%s/push/", app);
}

/* The one call base received: a POST of exactly the E20 payload. */
static void expect_payload(const char *base, const char *app, const char *operator,
			   const char *lastid, const char *nextid, const char *giturl)
{
	json_object *calls = denv_hook_calls(base);
	CU_ASSERT_EQUAL(js_len(calls), 1);
	json_object *c = js_at(calls, 0);
	if (js_len(calls) != 1)
		fprintf(stderr, "\n  %s got %s\n", base, json_object_to_json_string(calls));
	CU_ASSERT_STRING_EQUAL(js_str(c, "method"), "POST");
	const char *ctype = js_str(js_get(c, "headers"), "content-type");
	CU_ASSERT_PREFIX(ctype, "application/json");
	json_object *p = js_get(c, "body");
	if (!json_object_is_type(p, json_type_object)) {
		fprintf(stderr, "\n  %s: payload %s\n", base, json_object_to_json_string(c));
		CU_FAIL("the payload is not a JSON object");
		json_object_put(calls);
		return;
	}
	CU_ASSERT_EQUAL(json_object_object_length(p), 7);
	CU_ASSERT_STRING_EQUAL(js_str(p, "appname"), app);
	CU_ASSERT_STRING_EQUAL(js_str(p, "operator"), operator);
	CU_ASSERT_STRING_EQUAL(js_str(p, "lastid"), lastid);
	CU_ASSERT_STRING_EQUAL(js_str(p, "nextid"), nextid);
	CU_ASSERT_STRING_EQUAL(js_str(p, "giturl"), giturl);
	json_object *commits = json_tokener_parse(COMMITS), *authors = json_tokener_parse(AUTHORS);
	CU_ASSERT(json_object_equal(js_get(p, "commits"), commits));
	CU_ASSERT(json_object_equal(js_get(p, "authors"), authors));
	json_object_put(commits);
	json_object_put(authors);
	json_object_put(calls);
}

/* ---- 1-6: E23, auth off */

static void test_notify_empty(void)
{
	CU_ASSERT_EQUAL(it_etcd_delete(NOTIFY_KEY), 0);
	const char *paths[] = { NOTIFY, "/v1/notify/imagepush/" };
	for (size_t i = 0; i < 2; i++) {
		it_response_t r;
		CU_ASSERT_EQUAL(it_req("GET", paths[i], NULL, &r), 200);
		json_object *n = js_get(r.json, "notify");
		CU_ASSERT(json_object_is_type(n, json_type_array) && js_len(n) == 0);
		CU_ASSERT_STRING_EQUAL(it_msg(&r), "");
		CU_ASSERT_STRING_EQUAL(js_str(r.json, "url"), "/v1/notify/imagepush/");
		/* archon's three keys, and beside them what issue 18 added */
		CU_ASSERT_EQUAL(r.json ? json_object_object_length(r.json) : 0, 4);
		json_object *w = js_get(r.json, "webhooks");
		CU_ASSERT(json_object_is_type(w, json_type_array) && js_len(w) == 0);
		if (!n || js_len(n))
			fprintf(stderr, "\n  GET %s: %s\n", paths[i], r.body ? r.body : "");
		it_response_free(&r);
	}
}

static void test_notify_add_remove(void)
{
	const char *u = "http://hooks.example.com/imagepush";
	char *body = json_body("notify_url", u);
	it_response_t r;
	CU_ASSERT_EQUAL(it_req("POST", NOTIFY, body, &r), 200);
	CU_ASSERT_STRING_EQUAL(js_str(r.json, "notify"), u);
	CU_ASSERT_STRING_EQUAL(js_str(r.json, "url"), "/v1/notify/imagepush/");
	it_response_free(&r);
	CU_ASSERT_EQUAL(listed(u), 1);
	/* once: a second POST is fine and changes nothing */
	CU_ASSERT_EQUAL(it_call("POST", NOTIFY, body, 200), 200);
	CU_ASSERT_EQUAL(listed(u), 1);
	/* https is a URL too; both listed */
	const char *s = "https://secure.example.com:8443/x?y=1";
	CU_ASSERT_EQUAL(notify_change_as(NULL, "POST", s, 200), 200);
	json_object *list = notify_list_as(NULL);
	CU_ASSERT_EQUAL(js_len(list), 2);
	CU_ASSERT_EQUAL(count_string(list, u), 1);
	CU_ASSERT_EQUAL(count_string(list, s), 1);
	json_object_put(list);
	/* DELETE */
	CU_ASSERT_EQUAL(it_req("DELETE", NOTIFY, body, &r), 200);
	CU_ASSERT_STRING_EQUAL(js_str(r.json, "notify"), u);
	it_response_free(&r);
	CU_ASSERT_EQUAL(listed(u), 0);
	CU_ASSERT_EQUAL(listed(s), 1);
	/* not registered (any more) */
	CU_ASSERT_EQUAL(it_req("DELETE", NOTIFY, body, &r), 400);
	CU_ASSERT_STRING_EQUAL(it_field(&r, "notify") ? it_field(&r, "notify") : "(absent)", "(null)");
	it_response_free(&r);
	CU_ASSERT_EQUAL(notify_change_as(NULL, "DELETE", "http://never.example.com/", 400), 400);
	CU_ASSERT_EQUAL(notify_change_as(NULL, "DELETE", s, 200), 200);
	CU_ASSERT_EQUAL(listed(s), 0);
	free(body);
}

static void test_notify_bad_bodies(void)
{
	const char *bad[] = { NULL, "", "not json", "[]", "\"http://a.example.com/\"", "{}",
		"{\"notify_url\": 5}", "{\"notify_url\": null}",
		"{\"notify_url\": [\"http://a.example.com/\"]}", "{\"url\": \"http://a.example.com/\"}" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		denv_expect(NULL, "POST", NOTIFY, bad[i], 400, BAD_BODY_MSG);
	/* DELETE parses the same body */
	denv_expect(NULL, "DELETE", NOTIFY, "{}", 400, NULL);
	denv_expect(NULL, "DELETE", NOTIFY, "not json", 400, NULL);
	/* not an http(s) URL: 400 naming it */
	const char *not_http[] = { "ftp://files.example.com/x", "hooks.example.com/imagepush",
		"javascript:alert(1)", "file:///etc/passwd", "gopher://127.0.0.1:70/" };
	for (size_t i = 0; i < sizeof(not_http) / sizeof(not_http[0]); i++) {
		char *body = json_body("notify_url", not_http[i]);
		it_response_t r;
		CU_ASSERT_EQUAL(it_req("POST", NOTIFY, body, &r), 400);
		if (!strstr(it_msg(&r), not_http[i])) {
			fprintf(stderr, "\n  POST %s: msg does not name the URL: %s\n", body,
				r.body ? r.body : "");
			CU_FAIL("the 400 does not name the URL");
		}
		it_response_free(&r);
		free(body);
	}
	/* Loopback is allowed here (the receivers'), link-local never, private
	 * not without CONSOLE_NOTIFY_ALLOW_PRIVATE (issue 14 #3). */
	denv_expect(NULL, "POST", NOTIFY, "{\"notify_url\": \"http://169.254.169.254/latest/\"}", 400,
	       "invalid notify_url 'http://169.254.169.254/latest/': 169.254.169.254 is a "
	       "link-local address (never allowed: cloud metadata services live there)");
	denv_expect(NULL, "POST", NOTIFY, "{\"notify_url\": \"http://10.1.2.3/x\"}", 400,
	       "invalid notify_url 'http://10.1.2.3/x': 10.1.2.3 is a private address "
	       "(CONSOLE_NOTIFY_ALLOW_PRIVATE=1 allows it)");
	/* nothing of it stored */
	json_object *list = notify_list_as(NULL);
	CU_ASSERT(list && js_len(list) == 0);
	json_object_put(list);
}

static void test_notify_unknown_type_and_method(void)
{
	const char *body = "{\"notify_url\": \"http://hooks.example.com/other\"}";
	const char *methods[] = { "GET", "POST", "DELETE" };
	for (size_t i = 0; i < 3; i++) {
		it_response_t r;
		long st = it_req(methods[i], "/api/v1/notify/other/", i ? body : NULL, &r);
		if (st != 400)
			fprintf(stderr, "\n  %s /api/v1/notify/other/: %ld %s\n", methods[i], st,
				r.body ? r.body : "");
		CU_ASSERT_EQUAL(st, 400);
		CU_ASSERT_STRING_EQUAL(it_field(&r, "notify") ? it_field(&r, "notify") : "(absent)",
				       "(null)");
		it_response_free(&r);
	}
	CU_ASSERT_EQUAL(listed("http://hooks.example.com/other"), 0);
	/* PUT is no method of E23 */
	CU_ASSERT_EQUAL(it_call("PUT", NOTIFY, body, 405), 405);
	CU_ASSERT_EQUAL(listed("http://hooks.example.com/other"), 0);
}

/* The record is etcd's /lain/console/notifies/image_push: a JSON array. */
static void test_notify_store(void)
{
	CU_ASSERT_EQUAL(it_etcd_put(NOTIFY_KEY, "[\"http://a.example.com/1\", \"https://b.example.com/2\"]"), 0);
	json_object *list = notify_list_as(NULL);
	CU_ASSERT_EQUAL(js_len(list), 2);
	CU_ASSERT_EQUAL(count_string(list, "http://a.example.com/1"), 1);
	CU_ASSERT_EQUAL(count_string(list, "https://b.example.com/2"), 1);
	json_object_put(list);
	/* changes go on from what is stored */
	CU_ASSERT_EQUAL(notify_change_as(NULL, "DELETE", "http://a.example.com/1", 200), 200);
	CU_ASSERT_EQUAL(notify_change_as(NULL, "POST", "http://c.example.com/3", 200), 200);
	list = notify_list_as(NULL);
	CU_ASSERT_EQUAL(js_len(list), 2);
	CU_ASSERT_EQUAL(count_string(list, "https://b.example.com/2"), 1);
	CU_ASSERT_EQUAL(count_string(list, "http://c.example.com/3"), 1);
	json_object_put(list);
	/* key gone: empty again */
	CU_ASSERT_EQUAL(it_etcd_delete(NOTIFY_KEY), 0);
	list = notify_list_as(NULL);
	CU_ASSERT(list && js_len(list) == 0);
	json_object_put(list);
}

#define RACERS 8

/* POSTs of urls[0..n) all at the same moment, one process each; how many
 * were answered 200. */
static int race(const char *const *urls, int n)
{
	int go[2];
	if (pipe(go))
		return -1;
	pid_t kids[RACERS];
	for (int i = 0; i < n; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			/* wait for the start signal: the pipe closing */
			close(go[1]);
			char c;
			while (read(go[0], &c, 1) > 0)
				;
			char *body = json_body("notify_url", urls[i]);
			it_response_t r;
			long st = it_req("POST", NOTIFY, body, &r);
			it_response_free(&r);
			free(body);
			_exit(st == 200 ? 0 : 1);   /* never the harness's atexit */
		}
	}
	close(go[0]);
	close(go[1]);
	int ok = 0;
	for (int i = 0; i < n; i++) {
		int st = 0;
		if (kids[i] > 0 && waitpid(kids[i], &st, 0) == kids[i] && WIFEXITED(st) &&
		    WEXITSTATUS(st) == 0)
			ok++;
	}
	return ok;
}

/* RACERS POSTs of different URLs at the same moment: none is lost; and of
 * one URL: listed once. */
static void test_notify_concurrent(void)
{
	char names[RACERS][64];
	const char *urls[RACERS];
	for (int i = 0; i < RACERS; i++) {
		snprintf(names[i], sizeof(names[i]), "http://race.example.com/%d", i);
		urls[i] = names[i];
	}
	CU_ASSERT_EQUAL(race(urls, RACERS), RACERS);
	json_object *list = notify_list_as(NULL);
	CU_ASSERT_EQUAL(js_len(list), RACERS);
	for (int i = 0; i < RACERS; i++)
		if (count_string(list, urls[i]) != 1) {
			fprintf(stderr, "\n  %s lost: %s\n", urls[i], json_object_to_json_string(list));
			CU_FAIL("a concurrent POST was lost");
		}
	json_object_put(list);
	CU_ASSERT_EQUAL(it_etcd_delete(NOTIFY_KEY), 0);

	/* the same URL from everyone at once: still once */
	for (int i = 0; i < RACERS; i++)
		urls[i] = "http://race.example.com/same";
	CU_ASSERT_EQUAL(race(urls, RACERS), RACERS);
	list = notify_list_as(NULL);
	CU_ASSERT_EQUAL(js_len(list), 1);
	CU_ASSERT_EQUAL(count_string(list, urls[0]), 1);
	if (js_len(list) != 1)
		fprintf(stderr, "\n  same URL: %s\n", json_object_to_json_string(list));
	json_object_put(list);
	CU_ASSERT_EQUAL(it_etcd_delete(NOTIFY_KEY), 0);
}

/* ---- 7-13: E20, auth off */

static void register_hooks(void)
{
	CU_ASSERT_EQUAL(it_etcd_delete(NOTIFY_KEY), 0);
	CU_ASSERT_EQUAL(notify_change_as(NULL, "POST", url1, 200), 200);
	CU_ASSERT_EQUAL(notify_change_as(NULL, "POST", url2, 200), 200);
	hooks_reset();
}

static void test_push_refused_early(void)
{
	register_hooks();
	char path[128];
	/* not registered: the maintain check's 404 */
	denv_expect(NULL, "POST", "/api/v1/repos/nosuch/push/", PUSH_BODY, 404,
	       "app with appname nosuch not exist, has not been reposited yet");
	/* registered, no image in the registry */
	CU_ASSERT_EQUAL(denv_reposit(NULL, "noimages"), 201);
	push_path("noimages", path, sizeof(path));
	denv_expect(NULL, "POST", path, PUSH_BODY, 404, NULL);
	/* images, never deployed: nothing bound */
	CU_ASSERT_EQUAL(denv_reposit(NULL, "fresh"), 201);
	push_path("fresh", path, sizeof(path));
	denv_expect(NULL, "POST", path, PUSH_BODY, 400, "No Giturl bound");
	/* deployed from a lain.yaml without giturl: bound to "" */
	CU_ASSERT_EQUAL(denv_reposit(NULL, "nogit"), 201);
	CU_ASSERT_EQUAL(deploy_as(NULL, "nogit"), 202);
	expect_details(NULL, "nogit", "", V(1));
	push_path("nogit", path, sizeof(path));
	denv_expect(NULL, "POST", path, PUSH_BODY, 400, "No Giturl bound");
	CU_ASSERT_EQUAL(hook_count(hook1), 0);
	CU_ASSERT_EQUAL(hook_count(hook2), 0);
}

/* hello: deployed at V(1) (giturl bound, normalised), V(2) pushed after. */
static void test_push_bodies(void)
{
	CU_ASSERT_EQUAL(denv_reposit(NULL, "hello"), 201);
	CU_ASSERT_EQUAL(deploy_as(NULL, "hello"), 202);
	expect_details(NULL, "hello", "http://github.com/laincloud/hello", V(1));
	CU_ASSERT_EQUAL_FATAL(denv_push("hello", V(2),
					YAML("hello", "giturl: github.com/laincloud/hello\n"), NULL), 0);
	const char *path = "/api/v1/repos/hello/push/";
	/* POST only */
	it_response_t r;
	CU_ASSERT_EQUAL(it_req("GET", path, NULL, &r), 405);
	CU_ASSERT_STRING_EQUAL(it_field(&r, "image_push") ? it_field(&r, "image_push") : "(absent)",
			       "(null)");
	it_response_free(&r);
	CU_ASSERT_EQUAL(it_call("PUT", path, PUSH_BODY, 405), 405);
	const char *fetch_failed[] = { NULL, "{}", "{\"authors\": " AUTHORS "}",
		"{\"commits\": " COMMITS "}" };
	for (size_t i = 0; i < sizeof(fetch_failed) / sizeof(fetch_failed[0]); i++)
		denv_expect(NULL, "POST", path, fetch_failed[i], 400, "Fetch commmits information failed");
	/* a wrong type is the client's mistake, named (issue 14 #10) */
	denv_expect(NULL, "POST", path, "{\"authors\": \"a@x.com\", \"commits\": \"abc\"}", 400,
		    "invalid request: authors must be an array, not a string");
	denv_expect(NULL, "POST", path, "{\"authors\": " AUTHORS ", \"commits\": {\"id\": 1}}", 400,
		    "invalid request: commits must be an array, not an object");
	/* invalid JSON: ignored as no body, or refused; never a 200 or a 5xx */
	denv_expect(NULL, "POST", path, "{not json", 400, NULL);
	const char *nothing[] = { "{\"authors\": [], \"commits\": []}",
		"{\"authors\": " AUTHORS ", \"commits\": []}", "{\"authors\": [], \"commits\": " COMMITS "}" };
	for (size_t i = 0; i < sizeof(nothing) / sizeof(nothing[0]); i++)
		denv_expect(NULL, "POST", path, nothing[i], 400, "Nothing Changed");
	CU_ASSERT_EQUAL(hook_count(hook1), 0);
	CU_ASSERT_EQUAL(hook_count(hook2), 0);
	/* still what the deploy bound: push/ binds nothing */
	expect_details(NULL, "hello", "http://github.com/laincloud/hello", V(1));
}

static void test_push_fanout(void)
{
	hooks_reset();
	it_response_t r;
	CU_ASSERT_EQUAL(it_req("POST", "/api/v1/repos/hello/push/", PUSH_BODY, &r), 200);
	if (r.status != 200)
		fprintf(stderr, "\n  push/: %s\n", r.body ? r.body : "");
	CU_ASSERT_STRING_EQUAL(it_field(&r, "image_push") ? it_field(&r, "image_push") : "(absent)",
			       "(null)");
	CU_ASSERT_STRING_EQUAL(it_msg(&r), "ok");
	CU_ASSERT_STRING_EQUAL(js_str(r.json, "url"), "/v1/repos/hello/push/");
	it_response_free(&r);
	/* answered after the webhooks were called: no waiting here */
	expect_payload(hook1, "hello", "unknown", SHA(1), SHA(2), "http://github.com/laincloud/hello");
	expect_payload(hook2, "hello", "unknown", SHA(1), SHA(2), "http://github.com/laincloud/hello");
	/* the path without /api is the same endpoint */
	hooks_reset();
	CU_ASSERT_EQUAL(it_call("POST", "/v1/repos/hello/push/", PUSH_BODY, 200), 200);
	CU_ASSERT_EQUAL(hook_count(hook1), 1);
	CU_ASSERT_EQUAL(hook_count(hook2), 1);
	/* an unregistered webhook is not called any more */
	hooks_reset();
	CU_ASSERT_EQUAL(notify_change_as(NULL, "DELETE", url2, 200), 200);
	CU_ASSERT_EQUAL(it_call("POST", "/api/v1/repos/hello/push/", PUSH_BODY, 200), 200);
	CU_ASSERT_EQUAL(hook_count(hook1), 1);
	CU_ASSERT_EQUAL(hook_count(hook2), 0);
	/* none registered: still ok */
	CU_ASSERT_EQUAL(it_etcd_delete(NOTIFY_KEY), 0);
	CU_ASSERT_EQUAL(it_call("POST", "/api/v1/repos/hello/push/", PUSH_BODY, 200), 200);
	register_hooks();
}

static void test_push_webhook_failures(void)
{
	register_hooks();
	make_dead_url();
	CU_ASSERT_EQUAL(notify_change_as(NULL, "POST", dead_url, 200), 200);
	hook_control(hook1, "POST", "/__fake/fail", "{\"status\": 500}");
	denv_expect(NULL, "POST", "/api/v1/repos/hello/push/", PUSH_BODY, 200, "ok");
	/* the failing one was called, and the good one all the same */
	CU_ASSERT_EQUAL(hook_count(hook1), 1);
	expect_payload(hook2, "hello", "unknown", SHA(1), SHA(2), "http://github.com/laincloud/hello");
	hook_control(hook1, "POST", "/__fake/fail", "{\"status\": 0}");
	CU_ASSERT_EQUAL(notify_change_as(NULL, "DELETE", dead_url, 200), 200);
	/* the 500 is tried again (issue 18): the same delivery, delivered */
	CU_ASSERT_EQUAL(await_delivered(hook1, 1), 1);
	json_object *calls = denv_hook_calls(hook1);
	CU_ASSERT_EQUAL(js_len(calls), 2);
	const char *d0 = js_str(js_get(js_at(calls, 0), "headers"), "x-lain-delivery");
	const char *d1 = js_str(js_get(js_at(calls, 1), "headers"), "x-lain-delivery");
	CU_ASSERT(d0 && d1 && strlen(d0) == 36 && !strcmp(d0, d1));
	json_object_put(calls);
	CU_ASSERT_EQUAL(hook_count(hook2), 1);
	CU_ASSERT_EQUAL(deliveries_settle(), 0);
}

static void test_push_slow_webhooks(void)
{
	register_hooks();
	char ctl[64];
	snprintf(ctl, sizeof(ctl), "{\"delay\": %d}", DELAY_MS / 1000);
	/* one slow, one fast: both called, the fast one while the slow one was
	 * still to answer (it did not wait for it) */
	hook_control(hook1, "POST", "/__fake/fail", ctl);
	denv_expect(NULL, "POST", "/api/v1/repos/hello/push/", PUSH_BODY, 200, "ok");
	CU_ASSERT_EQUAL(hook_count(hook1), 1);
	CU_ASSERT_EQUAL(hook_count(hook2), 1);
	CU_ASSERT(hook_when(hook2, "time") < hook_when(hook1, "answered"));
	/* both slow: called at once, each before the other answered (one after
	 * the other, the second would arrive after the first's answer) */
	hooks_reset();
	hook_control(hook1, "POST", "/__fake/fail", ctl);
	hook_control(hook2, "POST", "/__fake/fail", ctl);
	denv_expect(NULL, "POST", "/api/v1/repos/hello/push/", PUSH_BODY, 200, "ok");
	CU_ASSERT_EQUAL(hook_count(hook1), 1);
	CU_ASSERT_EQUAL(hook_count(hook2), 1);
	CU_ASSERT(hook_when(hook1, "time") < hook_when(hook2, "answered"));
	CU_ASSERT(hook_when(hook2, "time") < hook_when(hook1, "answered"));
	hooks_reset();
}

/* §7.1: webhooks are called with a 10 s timeout; one that would answer
 * only after 45 s (past the 30 s of other calls) is given up on: the push
 * is answered while that webhook still has not answered, as it recorded. */
static void test_push_hung_webhook(void)
{
	register_hooks();
	hook_control(hook1, "POST", "/__fake/fail", "{\"delay\": 45}");
	denv_expect(NULL, "POST", "/api/v1/repos/hello/push/", PUSH_BODY, 200, "ok");
	CU_ASSERT(hook_count(hook1) >= 1);
	CU_ASSERT(hook_when(hook1, "answered") < 0);
	expect_payload(hook2, "hello", "unknown", SHA(1), SHA(2), "http://github.com/laincloud/hello");
	/* it answers again: a retry lands (issue 18) */
	hooks_reset();
	CU_ASSERT_EQUAL(await_delivered(hook1, 1), 1);
	CU_ASSERT_EQUAL(deliveries_settle(), 0);
	hooks_reset();
}

static void test_push_giturl_mismatch(void)
{
	CU_ASSERT_EQUAL(denv_reposit(NULL, "moved"), 201);
	CU_ASSERT_EQUAL(deploy_as(NULL, "moved"), 202);
	expect_details(NULL, "moved", "http://github.com/laincloud/moved", V(1));
	CU_ASSERT_EQUAL_FATAL(denv_push("moved", V(2),
					YAML("moved", "giturl: http://github.com/other/moved\n"), NULL), 0);
	hooks_reset();
	denv_expect(NULL, "POST", "/api/v1/repos/moved/push/", PUSH_BODY, 400,
	       "app giturl 'http://github.com/other/moved' doesn't match with bound url "
	       "'http://github.com/laincloud/moved'");
	CU_ASSERT_EQUAL(hook_count(hook1), 0);
	CU_ASSERT_EQUAL(hook_count(hook2), 0);
	expect_details(NULL, "moved", "http://github.com/laincloud/moved", V(1));
}

/* ---- 14-15: auth on */


static void test_auth_notify(void)
{
	CU_ASSERT_EQUAL_FATAL(it_auth_on(sso), 0);
	char *alice = it_sso_token(sso, "alice"), *admin = it_sso_token(sso, "admin");
	CU_ASSERT(alice[0] && admin[0]);
	const char *u = "http://hooks.example.com/admin-only";
	/* reading: LAIN admins only, like changing (the URLs may hold the
	 * receivers' secrets; issue 14 #3) */
	CU_ASSERT_EQUAL(it_call_as(NULL, "GET", NOTIFY, NULL, 401), 401);
	CU_ASSERT_EQUAL(it_call_as("not-a-token", "GET", NOTIFY, NULL, 401), 401);
	denv_expect(alice, "GET", NOTIFY, NULL, 403, "forbidden : only lain admins may do this");
	json_object *list = notify_list_as(admin);
	CU_ASSERT_PTR_NOT_NULL(list);
	CU_ASSERT_EQUAL(count_string(list, url1), 1);
	json_object_put(list);
	/* changing: LAIN admins only */
	CU_ASSERT_EQUAL(notify_change_as(NULL, "POST", u, 401), 401);
	CU_ASSERT_EQUAL(notify_change_as(alice, "POST", u, 403), 403);
	list = notify_list_as(admin);
	CU_ASSERT_EQUAL(count_string(list, u), 0);
	json_object_put(list);
	CU_ASSERT_EQUAL(notify_change_as(admin, "POST", u, 200), 200);
	list = notify_list_as(admin);
	CU_ASSERT_EQUAL(count_string(list, u), 1);
	json_object_put(list);
	CU_ASSERT_EQUAL(notify_change_as(NULL, "DELETE", u, 401), 401);
	CU_ASSERT_EQUAL(notify_change_as(alice, "DELETE", u, 403), 403);
	list = notify_list_as(admin);
	CU_ASSERT_EQUAL(count_string(list, u), 1);
	json_object_put(list);
	CU_ASSERT_EQUAL(notify_change_as(admin, "DELETE", u, 200), 200);
	list = notify_list_as(admin);
	CU_ASSERT_EQUAL(count_string(list, u), 0);
	json_object_put(list);
	free(alice);
	free(admin);
}

static void test_auth_push(void)
{
	char *alice = it_sso_token(sso, "alice"), *bob = it_sso_token(sso, "bob");
	CU_ASSERT_EQUAL(denv_reposit(alice, "authapp"), 201);
	CU_ASSERT_EQUAL(deploy_as(alice, "authapp"), 202);
	expect_details(alice, "authapp", "https://git.example.com/team/authapp", V(1));
	CU_ASSERT_EQUAL_FATAL(denv_push("authapp", V(3),
					YAML("authapp", "giturl: https://git.example.com/team/authapp.git\n"),
					NULL), 0);
	hooks_reset();
	const char *path = "/api/v1/repos/authapp/push/";
	CU_ASSERT_EQUAL(it_call_as(NULL, "POST", path, PUSH_BODY, 401), 401);
	denv_expect(bob, "POST", path, PUSH_BODY, 403, "forbidden : don't have the access to app authapp");
	CU_ASSERT_EQUAL(hook_count(hook1), 0);
	CU_ASSERT_EQUAL(hook_count(hook2), 0);
	denv_expect(alice, "POST", path, PUSH_BODY, 200, "ok");
	expect_payload(hook1, "authapp", "alice", SHA(1), SHA(3), "https://git.example.com/team/authapp");
	expect_payload(hook2, "authapp", "alice", SHA(1), SHA(3), "https://git.example.com/team/authapp");
	free(alice);
	free(bob);
}

/* ---- 16-19: E20 without commits: GitLab (issue 14 #17) */

#define GL_TOKEN "gitlab-token"
#define GL_HOST "gitlab.example.com"
#define GL_COMMITS 130               /* in the window: two pages of 100 */
static char gitlab[256];

static json_object *gitlab_json(const char *method, const char *path, const char *body)
{
	char url[400], *out = NULL;
	snprintf(url, sizeof(url), "%s%s", gitlab, path);
	long st = denv_call(method, url, body, NULL, &out);
	json_object *j = st == 200 && out ? json_tokener_parse(out) : NULL;
	if (st != 200)
		fprintf(stderr, "\n  gitlab fake %s %s: %ld %s\n", method, url, st, out ? out : "");
	free(out);
	return j;
}

/* The calls the GitLab stand-in got since its log was cleared. */
static json_object *gitlab_calls(void)
{
	json_object *j = gitlab_json("GET", "/__fake/calls", NULL);
	json_object *calls = json_object_get(js_get(j, "calls"));
	json_object_put(j);
	return calls;
}

static void gitlab_forget(void)
{
	json_object_put(gitlab_json("DELETE", "/__fake/calls", NULL));
}

/* A commit of the seed at unix time t (1700000000 is 2023-11-14T22:13:20Z). */
static json_object *commit_at(int i, int t, const char *who)
{
	json_object *c = json_object_new_object();
	char msg[64], date[32], email[64];
	snprintf(msg, sizeof(msg), "  change %d\n\nbody %d\n", i, i);
	snprintf(date, sizeof(date), "2023-11-14T22:13:%02dZ", 20 + (t - 1700000000));
	snprintf(email, sizeof(email), "%s@example.com", who);
	json_object_object_add(c, "message", json_object_new_string(msg));
	json_object_object_add(c, "committer_name", json_object_new_string(who));
	json_object_object_add(c, "committer_email", json_object_new_string(email));
	json_object_object_add(c, "committed_date", json_object_new_string(date));
	return c;
}

/* team/glapp (id 7, private): one commit at V(1)'s time (the deployed
 * one), GL_COMMITS between V(1) and V(3) by three people, one after V(3). */
static int gitlab_seed(void)
{
	json_object *seed = json_object_new_object(), *tokens = json_object_new_array();
	json_object *projects = json_object_new_array(), *p = json_object_new_object();
	json_object *commits = json_object_new_array();
	static const char *const who[] = { "Alice", "Bob", "Carol" };
	json_object_array_add(tokens, json_object_new_string(GL_TOKEN));
	json_object_array_add(commits, commit_at(0, 1700000001, "Alice"));
	for (int i = 1; i <= GL_COMMITS; i++)
		json_object_array_add(commits, commit_at(i, 1700000002 + i % 2, who[i % 3]));
	json_object_array_add(commits, commit_at(GL_COMMITS + 1, 1700000004, "Dave"));
	json_object_object_add(p, "path", json_object_new_string("team/glapp"));
	json_object_object_add(p, "id", json_object_new_int(7));
	json_object_object_add(p, "visibility", json_object_new_string("private"));
	json_object_object_add(p, "commits", commits);
	json_object_array_add(projects, p);
	json_object_object_add(seed, "tokens", tokens);
	json_object_object_add(seed, "projects", projects);
	json_object *st = gitlab_json("POST", "/__fake/seed",
				      json_object_to_json_string_ext(seed, JSON_C_TO_STRING_PLAIN));
	json_object_put(seed);
	json_object_put(st);
	return st ? 0 : -1;
}

/* 16: no commits in the body: GitLab's, from every page, as lain-cli
 * would have sent them. */
static void test_push_gitlab_commits(void)
{
	CU_ASSERT_EQUAL_FATAL(gitlab_seed(), 0);
	CU_ASSERT_EQUAL(denv_reposit(NULL, "glapp"), 201);
	CU_ASSERT_EQUAL(deploy_as(NULL, "glapp"), 202);
	expect_details(NULL, "glapp", "https://" GL_HOST "/team/glapp", V(1));
	CU_ASSERT_EQUAL_FATAL(denv_push("glapp", V(3),
					YAML("glapp", "giturl: https://" GL_HOST "/team/glapp.git\n"),
					NULL), 0);
	register_hooks();
	gitlab_forget();
	denv_expect(NULL, "POST", "/api/v1/repos/glapp/push/", NULL, 200, "ok");
	json_object *calls = denv_hook_calls(hook1);
	CU_ASSERT_EQUAL(js_len(calls), 1);
	json_object *body = js_get(js_at(calls, 0), "body");
	json_object *commits = js_get(body, "commits"), *authors = js_get(body, "authors");
	CU_ASSERT_EQUAL(js_len(commits), GL_COMMITS);
	CU_ASSERT_EQUAL(js_len(authors), 3);
	CU_ASSERT(js_has(authors, "Alice@example.com") && js_has(authors, "Bob@example.com") &&
		  js_has(authors, "Carol@example.com"));
	CU_ASSERT(!js_has(authors, "Dave@example.com"));
	json_object *first = js_at(commits, 0);
	CU_ASSERT_EQUAL(strlen(js_str(first, "id")), 8);
	/* Newest first: commit 129 or 130 at 22:13:23; its committer and message. */
	const char *m = js_str(first, "message");
	if (strcmp(m, "Alice [change 129\n\nbody 129]") && strcmp(m, "Bob [change 130\n\nbody 130]"))
		fprintf(stderr, "\n  first commit: %s\n", json_object_to_json_string(first));
	CU_ASSERT(!strcmp(m, "Alice [change 129\n\nbody 129]") ||
		  !strcmp(m, "Bob [change 130\n\nbody 130]"));
	CU_ASSERT_STRING_EQUAL(js_str(body, "lastid"), SHA(1));
	CU_ASSERT_STRING_EQUAL(js_str(body, "nextid"), SHA(3));
	json_object_put(calls);
	CU_ASSERT_EQUAL(hook_count(hook2), 1);

	/* What GitLab was asked: the project with the token, then every page
	 * of the window after the deployed commit up to the pushed one. */
	calls = gitlab_calls();
	CU_ASSERT_EQUAL(js_len(calls), 3);
	for (size_t i = 0; i < js_len(calls); i++) {
		json_object *c = js_at(calls, i), *params = js_get(c, "params");
		CU_ASSERT_STRING_EQUAL(js_str(c, "token"), GL_TOKEN);
		CU_ASSERT_EQUAL(json_object_get_int(js_get(c, "status")), 200);
		if (i == 0) {
			CU_ASSERT_STRING_EQUAL(js_str(c, "path"), "/api/v4/projects/team%2Fglapp");
			continue;
		}
		CU_ASSERT_STRING_EQUAL(js_str(c, "path"), "/api/v4/projects/7/repository/commits");
		CU_ASSERT_STRING_EQUAL(js_str(params, "since"), "2023-11-14T22:13:22Z");
		CU_ASSERT_STRING_EQUAL(js_str(params, "until"), "2023-11-14T22:13:23Z");
		char page[8];
		snprintf(page, sizeof(page), "%zu", i);
		CU_ASSERT_STRING_EQUAL(js_str(params, "page"), page);
	}
	if (js_len(calls) != 3)
		fprintf(stderr, "\n  gitlab calls: %s\n", json_object_to_json_string(calls));
	json_object_put(calls);
}

/* 17: a project GitLab does not have: 400 naming it, no webhook called. */
static void test_push_gitlab_no_project(void)
{
	CU_ASSERT_EQUAL(denv_reposit(NULL, "glnone"), 201);
	CU_ASSERT_EQUAL(deploy_as(NULL, "glnone"), 202);
	hooks_reset();
	gitlab_forget();
	denv_expect(NULL, "POST", "/api/v1/repos/glnone/push/", "{}", 400,
	       "Fetch commmits information failed: gitlab has no project 'team/glnone' (or the "
	       "token may not see it)");
	CU_ASSERT_EQUAL(hook_count(hook1), 0);
	json_object *calls = gitlab_calls();
	CU_ASSERT_EQUAL(js_len(calls), 1);
	CU_ASSERT_EQUAL(json_object_get_int(js_get(js_at(calls, 0), "status")), 404);
	json_object_put(calls);
}

/* 18: GitLab hangs: the lookup gives up within CONSOLE_GITLAB_TIMEOUT_MS
 * (3 s here; the stand-in holds the call 8 s) and says so; nothing is
 * sent to the webhooks. */
static void test_push_gitlab_hangs(void)
{
	hooks_reset();
	gitlab_forget();
	json_object_put(gitlab_json("POST", "/__fake/fail",
				    "{\"delay\": 8, \"match\": \"/api/v4/projects/7/repository\", "
				    "\"count\": 1}"));
	it_response_t r;
	CU_ASSERT_EQUAL(it_req("POST", "/api/v1/repos/glapp/push/", NULL, &r), 400);
	const char *msg = it_msg(&r);
	if (!strstr(msg, "gitlab unavailable"))
		fprintf(stderr, "\n  hung gitlab: %s\n", msg);
	CU_ASSERT_PREFIX(msg, "Fetch commmits information failed: gitlab unavailable: ");
	it_response_free(&r);
	CU_ASSERT_EQUAL(hook_count(hook1), 0);
	/* The stand-in saw the call the console gave up on. */
	json_object *calls = gitlab_calls();
	CU_ASSERT_EQUAL(js_len(calls), 2);
	CU_ASSERT_STRING_EQUAL(js_str(js_at(calls, 1), "path"), "/api/v4/projects/7/repository/commits");
	json_object_put(calls);
	json_object_put(gitlab_json("DELETE", "/__fake/fail", NULL));
}

/* 19: commits in the body: GitLab is not asked. */
static void test_push_gitlab_not_asked(void)
{
	hooks_reset();
	gitlab_forget();
	denv_expect(NULL, "POST", "/api/v1/repos/glapp/push/", PUSH_BODY, 200, "ok");
	json_object *calls = gitlab_calls();
	CU_ASSERT_EQUAL(js_len(calls), 0);
	json_object_put(calls);
	CU_ASSERT_EQUAL(hook_count(hook1), 1);
}

static CU_TestInfo tests[] = {
	{ "1 E23 GET: nothing registered", test_notify_empty },
	{ "2 E23 POST once, DELETE, unknown URL", test_notify_add_remove },
	{ "3 E23 bad bodies and non-http URLs: 400", test_notify_bad_bodies },
	{ "4 E23 unknown type 400, PUT 405", test_notify_unknown_type_and_method },
	{ "5 E23 the etcd record", test_notify_store },
	{ "6 E23 concurrent POSTs: none lost", test_notify_concurrent },
	{ "7 E20 unknown app, no images, no giturl bound", test_push_refused_early },
	{ "8 E20 missing or empty authors/commits: 400", test_push_bodies },
	{ "9 E20 every webhook gets the payload once", test_push_fanout },
	{ "10 E20 failing and unreachable webhooks: still 200", test_push_webhook_failures },
	{ "11 E20 slow webhooks are called at once", test_push_slow_webhooks },
	{ "12 E20 a hung webhook: its timeout, then 200", test_push_hung_webhook },
	{ "13 E20 giturl mismatch: 400", test_push_giturl_mismatch },
	{ "16 E20 without commits: GitLab's, every page", test_push_gitlab_commits },
	{ "17 E20 GitLab has no such project: 400 naming it", test_push_gitlab_no_project },
	{ "18 E20 GitLab hangs: its timeout, 400 saying so", test_push_gitlab_hangs },
	{ "19 E20 commits in the body: GitLab not asked", test_push_gitlab_not_asked },
	{ "14 auth: E23 reads and changes for admins only", test_auth_notify },
	{ "15 auth: E20 for maintainers, operator named", test_auth_push },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "notify", NULL, NULL, NULL, NULL, tests },
	CU_SUITE_INFO_NULL,
};

static int fakes_up(void)
{
	if (it_sso_up(NULL, sso, sizeof(sso)) ||
	    fake_start("webhook", NULL, hook1, sizeof(hook1)) < 0 ||
	    fake_start("webhook", NULL, hook2, sizeof(hook2)) < 0 ||
	    fake_start("gitlab", NULL, gitlab, sizeof(gitlab)) < 0)
		return -1;
	/* giturls on gitlab.example.com are looked up at the stand-in. */
	setenv("CONSOLE_GITLAB_URL", gitlab, 1);
	setenv("CONSOLE_GITLAB_HOST", GL_HOST, 1);
	setenv("GITLAB_TOKEN", GL_TOKEN, 1);
	setenv("CONSOLE_GITLAB_TIMEOUT_MS", "3000", 1);
	snprintf(url1, sizeof(url1), "%s/hook/one", hook1);
	snprintf(url2, sizeof(url2), "%s/hook/two", hook2);
	/* The receivers listen on 127.0.0.1. */
	setenv("CONSOLE_NOTIFY_ALLOW_LOOPBACK", "1", 1);
	return 0;
}

int main(void)
{
	const denv_image_t images[] = {
		{ "fresh", V(1), YAML("fresh", "giturl: github.com/laincloud/fresh\n"), NULL },
		{ "nogit", V(1), YAML("nogit", ""), NULL },
		{ "hello", V(1), YAML("hello", "giturl: github.com/laincloud/hello.git\n"), NULL },
		{ "moved", V(1), YAML("moved", "giturl: github.com/laincloud/moved\n"), NULL },
		{ "authapp", V(1), YAML("authapp", "giturl: https://git.example.com/team/authapp\n"),
		  NULL },
		{ "glapp", V(1), YAML("glapp", "giturl: https://" GL_HOST "/team/glapp\n"), NULL },
		{ "glnone", V(1), YAML("glnone", "giturl: https://" GL_HOST "/team/glnone\n"), NULL },
	};
	const denv_suite_t suite = { .name = "it_notify", .images = images,
				     .nimages = ARRAY_SIZE(images), .stack_args = "--workers 2",
				     .before = fakes_up, .suites = suites };
	return denv_main(&suite);
}
