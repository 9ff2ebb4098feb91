/*
 * Signed, retried image-push webhooks (issue 18) through the real stack and
 * the webhook stand-in (tests/fakes/webhook), auth off, three workers:
 * each webhook gets a secret at registration and its deliveries carry an
 * HMAC the stand-in checks (and the README's openssl lines too), a webhook
 * from before secrets still gets unsigned deliveries until it is given one,
 * a receiver down for 20 s gets the event after it is back, the host's
 * webhook deliverer (lc-deliveries, not a worker) killed in the middle of a
 * retry loses nothing and is started again, and the delivery log shows
 * every try (the last 50). The receivers listen on 127.0.0.1:
 * CONSOLE_NOTIFY_ALLOW_LOOPBACK=1 here.
 *
 * The tests run in order and build on each other's state.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CUnit/CUnit.h>
#include <json-c/json.h>

#include "console/array.h"
#include "console/base64.h"
#include "console/buf.h"
#include "deploy_env.h"
#include "harness.h"
#include "itjson.h"
#include "testlib.h"

#define SHA(n) "9e1f0c2d3b4a59687766554433221100ffeedd" #n #n
#define V(n) "170000000" #n "-" SHA(n)
#define YAML "appname: hello\ngiturl: github.com/laincloud/hello\nbuild:\n  base: golang\n" \
	     "web:\n  cmd: /web\n  port: 80\n"
#define NOTIFY "/api/v1/notify/imagepush/"
#define DELIVERIES "/api/v1/notify/imagepush/deliveries/"
#define NOTIFY_KEY "/lain/console/notifies/image_push"
#define PUSH "/api/v1/repos/hello/push/"
#define PUSH_BODY "{\"authors\": [\"a@x.com\"], \"commits\": [{\"id\": \"abc1234\", \"message\": \"fix\"}]}"

static char hook1[256], hook2[256];     /* the receivers */
static char url1[300], url2[300];
static char secret1[128], secret2[128];

/* ---- helpers */


static void hook_control(const char *base, const char *path, const char *body)
{
	json_object *j = denv_hook(base, "POST", path, body);
	CU_ASSERT_PTR_NOT_NULL(j);
	json_object_put(j);
}

static const char *header_of(json_object *call, const char *name)
{
	return js_str(js_get(call, "headers"), name);
}

/* Waits (90 s at most; the receiver may be down meanwhile) until the
 * receiver at base answered 200 to a call of delivery id; that call (put
 * it), or NULL. */
static json_object *await_delivery(const char *base, const char *id)
{
	for (int i = 0; i < 450; i++) {
		json_object *calls = denv_hook_calls(base);
		for (size_t k = 0; k < js_len(calls); k++) {
			json_object *c = js_at(calls, k);
			if (!strcmp(header_of(c, "x-lain-delivery") ? header_of(c, "x-lain-delivery") : "", id) &&
			    json_object_get_int(js_get(c, "status")) == 200 &&
			    !json_object_is_type(js_get(c, "answered"), json_type_null)) {
				json_object *found = json_object_get(c);
				json_object_put(calls);
				return found;
			}
		}
		json_object_put(calls);
		it_sleep_ms(200);
	}
	fprintf(stderr, "\n  %s never got delivery %s\n", base, id);
	return NULL;
}

/* The webhook of url in the deliveries answer (put it), or NULL. */
static json_object *deliveries_of(const char *url)
{
	it_response_t r;
	json_object *w = NULL;
	if (it_req("GET", DELIVERIES, NULL, &r) == 200)
		w = json_object_get(js_find(js_get(r.json, "deliveries"), "url", url));
	else
		fprintf(stderr, "\n  GET " DELIVERIES ": %ld %s\n", r.status, r.body ? r.body : "");
	it_response_free(&r);
	return w;
}

/* The tries of delivery id in w's log, oldest first, into out[0..max). */
static size_t tries_of(json_object *w, const char *id, json_object **out, size_t max)
{
	json_object *log = js_get(w, "log");
	size_t n = 0;
	for (size_t k = js_len(log); k > 0 && n < max; k--)
		if (!strcmp(js_str(js_at(log, k - 1), "delivery"), id))
			out[n++] = js_at(log, k - 1);
	return n;
}

/* POSTs url as a webhook: the status, its secret into out ("" when none). */
static long add_hook(const char *url, char *out, size_t len)
{
	char body[400];
	snprintf(body, sizeof(body), "{\"notify_url\": \"%s\"}", url);
	it_response_t r;
	long st = it_req("POST", NOTIFY, body, &r);
	const char *s = it_field(&r, "secret");
	if (out)
		snprintf(out, len, "%s", s ? s : "");
	it_response_free(&r);
	return st;
}

/* An image push of hello (E20): answered 200 "ok". */
static void push(void)
{
	it_response_t r;
	CU_ASSERT_EQUAL(it_req("POST", PUSH, PUSH_BODY, &r), 200);
	CU_ASSERT_STRING_EQUAL(it_msg(&r), "ok");
	it_response_free(&r);
}

/* Keys under prefix in etcd. */
static long etcd_count(const char *prefix)
{
	char url[300], body[512];
	buf_t k = BUF_INIT, e = BUF_INIT, end = BUF_INIT;
	buf_addstr(&end, prefix);
	end.data[end.len - 1]++;
	base64_encode(&k, prefix, strlen(prefix));
	base64_encode(&e, end.data, end.len);
	snprintf(url, sizeof(url), "%s/v3/kv/range", stack_get("ETCD_URL"));
	snprintf(body, sizeof(body), "{\"key\":\"%s\",\"range_end\":\"%s\",\"count_only\":true}",
		 k.data, e.data);
	it_response_t r;
	it_request("POST", url, body, NULL, &r);
	const char *c = it_field(&r, "count");
	long n = r.status == 200 ? (c ? atol(c) : 0) : -1;
	it_response_free(&r);
	buf_release(&k);
	buf_release(&e);
	buf_release(&end);
	return n;
}

/* ---- 1: signed */

/* The README's receiver: verifies a delivery with openssl. Its exit status. */
static int readme_verify(const char *secret, json_object *call)
{
	char file[512];
	snprintf(file, sizeof(file), "%s/body.json", denv_dir());
	FILE *f = fopen(file, "w");
	if (!f)
		return -1;
	fputs(js_str(call, "raw"), f);
	fclose(f);
	return it_sh("SECRET='%s' TS='%s' SIG='%s'; cd '%s' && "
		   "mac=$( { printf '%%s.' \"$TS\"; cat body.json; } | "
		   "openssl dgst -sha256 -hmac \"$SECRET\" -r | cut -d' ' -f1) && "
		   "[ \"sha256=$mac\" = \"$SIG\" ] && [ $(( $(date +%%s) - TS )) -le 300 ]",
		   secret, header_of(call, "x-lain-timestamp"), header_of(call, "x-lain-signature"),
		   denv_dir());
}

static void test_signed(void)
{
	it_response_t r;
	char body[400];
	snprintf(body, sizeof(body), "{\"notify_url\": \"%s\"}", url1);
	CU_ASSERT_EQUAL(it_req("POST", NOTIFY, body, &r), 200);
	snprintf(secret1, sizeof(secret1), "%s", it_field(&r, "secret") ? it_field(&r, "secret") : "");
	CU_ASSERT_PREFIX(secret1, "lcw_");
	CU_ASSERT_EQUAL(strlen(secret1), 4 + 52);
	CU_ASSERT_STRING_EQUAL(js_str(r.json, "notify"), url1);
	CU_ASSERT_STRING_EQUAL(it_header(&r, "Cache-Control") ? it_header(&r, "Cache-Control") : "",
			       "no-store");
	it_response_free(&r);
	/* the list: archon's array of URLs, and the new details beside it */
	CU_ASSERT_EQUAL(it_req("GET", NOTIFY, NULL, &r), 200);
	CU_ASSERT(js_has(js_get(r.json, "notify"), url1));
	json_object *w = js_find(js_get(r.json, "webhooks"), "url", url1);
	CU_ASSERT(json_object_get_boolean(js_get(w, "signed")));
	CU_ASSERT_EQUAL(strlen(js_str(w, "id")), 16);
	CU_ASSERT_PTR_NULL(strstr(r.body, secret1));
	it_response_free(&r);

	hook_control(hook1, "/__fake/secret", "{\"secret\": null}");
	snprintf(body, sizeof(body), "{\"secret\": \"%s\"}", secret1);
	hook_control(hook1, "/__fake/secret", body);
	push();
	json_object *calls = denv_hook_calls(hook1);
	CU_ASSERT_EQUAL(js_len(calls), 1);
	json_object *c = js_at(calls, 0);
	CU_ASSERT_STRING_EQUAL(js_str(c, "signature"), "valid");
	CU_ASSERT_STRING_EQUAL(header_of(c, "x-lain-event"), "image-push");
	CU_ASSERT_EQUAL(strlen(header_of(c, "x-lain-delivery")), 36);
	CU_ASSERT_PREFIX(header_of(c, "x-lain-signature"), "sha256=");
	CU_ASSERT_STRING_EQUAL(js_str(js_get(c, "body"), "appname"), "hello");
	/* a receiver with openssl, as the README shows it */
	CU_ASSERT_EQUAL(readme_verify(secret1, c), 0);
	CU_ASSERT_NOT_EQUAL(readme_verify("lcw_anothersecret", c), 0);
	json_object_put(calls);

	/* the receiver holds another secret: the signature does not verify */
	hook_control(hook1, "/__fake/reset", NULL);
	hook_control(hook1, "/__fake/secret", "{\"secret\": \"lcw_notthesecretofthishook\"}");
	push();
	calls = denv_hook_calls(hook1);
	CU_ASSERT_EQUAL(js_len(calls), 1);
	CU_ASSERT_STRING_EQUAL(js_str(js_at(calls, 0), "signature"), "invalid");
	json_object_put(calls);
	/* added again: kept, not shown again */
	char again[128];
	CU_ASSERT_EQUAL(add_hook(url1, again, sizeof(again)), 200);
	CU_ASSERT_STRING_EQUAL(again, "");
	snprintf(body, sizeof(body), "{\"secret\": \"%s\"}", secret1);
	hook_control(hook1, "/__fake/reset", NULL);
	hook_control(hook1, "/__fake/secret", body);
}

/* ---- 2: a webhook from before secrets */

static void test_legacy(void)
{
	char list[700];
	snprintf(list, sizeof(list), "[\"%s\", \"%s\"]", url1, url2);
	CU_ASSERT_EQUAL(it_etcd_put(NOTIFY_KEY, list), 0);
	it_response_t r;
	CU_ASSERT_EQUAL(it_req("GET", NOTIFY, NULL, &r), 200);
	json_object *w = js_find(js_get(r.json, "webhooks"), "url", url2);
	CU_ASSERT(w && !json_object_get_boolean(js_get(w, "signed")));
	it_response_free(&r);
	hook_control(hook2, "/__fake/reset", NULL);
	hook_control(hook2, "/__fake/secret", "{\"secret\": \"lcw_whatever\"}");
	push();
	json_object *calls = denv_hook_calls(hook2);
	CU_ASSERT_EQUAL(js_len(calls), 1);
	json_object *c = js_at(calls, 0);
	/* still called: unsigned, with the other headers */
	CU_ASSERT_STRING_EQUAL(js_str(c, "signature"), "missing");
	CU_ASSERT_STRING_EQUAL(header_of(c, "x-lain-signature"), "(absent)");
	CU_ASSERT_EQUAL(strlen(header_of(c, "x-lain-delivery")), 36);
	CU_ASSERT_STRING_EQUAL(js_str(js_get(c, "body"), "appname"), "hello");
	json_object_put(calls);
	/* POSTed again, it gets its secret */
	CU_ASSERT_EQUAL(add_hook(url2, secret2, sizeof(secret2)), 200);
	CU_ASSERT_PREFIX(secret2, "lcw_");
	char body[300];
	snprintf(body, sizeof(body), "{\"secret\": \"%s\"}", secret2);
	hook_control(hook2, "/__fake/reset", NULL);
	hook_control(hook2, "/__fake/secret", body);
	push();
	calls = denv_hook_calls(hook2);
	CU_ASSERT_EQUAL(js_len(calls), 1);
	CU_ASSERT_STRING_EQUAL(js_str(js_at(calls, 0), "signature"), "valid");
	json_object_put(calls);
}

/* ---- 3: a receiver down for 20 s */

static void test_down(void)
{
	json_object_put(denv_hook(hook1, "DELETE", "/__fake/calls", NULL));
	json_object_put(denv_hook(hook2, "DELETE", "/__fake/calls", NULL));
	hook_control(hook1, "/__fake/down", "{\"seconds\": 20}");
	push();
	/* the other receiver had it at once: its delivery id names the event */
	json_object *calls = denv_hook_calls(hook2);
	CU_ASSERT_EQUAL(js_len(calls), 1);
	json_object_put(calls);
	json_object *w = deliveries_of(url1);
	json_object *pending = js_get(w, "pending");
	CU_ASSERT_EQUAL(js_len(pending), 1);
	char id[64];
	snprintf(id, sizeof(id), "%s", js_len(pending) ? js_str(js_at(pending, 0), "delivery") : "");
	json_object_put(w);
	json_object *got = await_delivery(hook1, id);
	CU_ASSERT_PTR_NOT_NULL_FATAL(got);
	CU_ASSERT_STRING_EQUAL(js_str(got, "signature"), "valid");
	CU_ASSERT_STRING_EQUAL(js_str(js_get(got, "body"), "appname"), "hello");
	json_object_put(got);
	/* what it recorded: that one call only (nothing reached it while down) */
	calls = denv_hook_calls(hook1);
	CU_ASSERT_EQUAL(js_len(calls), 1);
	json_object_put(calls);
	/* the log: each try, refused ones first, then the one delivered */
	w = deliveries_of(url1);
	json_object *t[8];
	size_t n = tries_of(w, id, t, 8);
	CU_ASSERT(n >= 2);
	for (size_t i = 0; i < n; i++) {
		CU_ASSERT_EQUAL(json_object_get_int(js_get(t[i], "try")), (int)i + 1);
		if (i + 1 < n) {
			CU_ASSERT_STRING_EQUAL(js_str(t[i], "result"), "retrying");
			CU_ASSERT_EQUAL(json_object_get_int(js_get(t[i], "status")), 0);
			CU_ASSERT(strlen(js_str(t[i], "error")) > 0);
		}
	}
	if (n) {
		CU_ASSERT_STRING_EQUAL(js_str(t[n - 1], "result"), "delivered");
		CU_ASSERT_EQUAL(json_object_get_int(js_get(t[n - 1], "status")), 200);
	}
	if (n < 2)
		fprintf(stderr, "\n  log: %s\n", json_object_to_json_string(w));
	CU_ASSERT_EQUAL(js_len(js_get(w, "pending")), 0);
	json_object_put(w);
}

/* ---- 4: the deliverer killed in the middle of a retry */

/* The name of process pid and its parent's pid (0: gone). */
static pid_t parent_of(pid_t pid, char *comm, size_t len)
{
	char path[64], stat[512];
	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(stat, 1, sizeof(stat) - 1, f) : 0;
	if (f)
		fclose(f);
	stat[n] = '\0';
	const char *open = strchr(stat, '('), *close = strrchr(stat, ')');
	long ppid = 0;
	char state;
	if (!open || !close || sscanf(close + 2, "%c %ld", &state, &ppid) != 2)
		return 0;
	snprintf(comm, len, "%.*s", (int)(close - open - 1), open + 1);
	return (pid_t)ppid;
}

static void test_killed(void)
{
	json_object_put(denv_hook(hook1, "DELETE", "/__fake/calls", NULL));
	hook_control(hook1, "/__fake/fail", "{\"status\": 503}");
	push();
	/* the retry will hang: the deliverer trying it is killed meanwhile */
	hook_control(hook1, "/__fake/fail", "{\"status\": 0, \"delay\": 40}");
	size_t n = 0;
	for (int i = 0; i < 300 && n < 2; i++) {
		json_object *calls = denv_hook_calls(hook1);
		n = js_len(calls);
		json_object_put(calls);
		if (n < 2)
			it_sleep_ms(100);
	}
	CU_ASSERT_EQUAL_FATAL(n, 2);
	json_object *w = deliveries_of(url1);
	json_object *p = js_at(js_get(w, "pending"), 0);
	char id[64], who[300];
	snprintf(id, sizeof(id), "%s", js_str(p, "delivery") ? js_str(p, "delivery") : "");
	snprintf(who, sizeof(who), "%s", js_str(p, "claimed_by") ? js_str(p, "claimed_by") : "");
	json_object_put(w);
	const char *colon = strrchr(who, ':');
	pid_t pid = colon ? (pid_t)atol(colon + 1) : 0;
	/* claimed by the master's deliverer, not by a worker */
	char comm[64] = "";
	bool deliverer = pid > 0 && parent_of(pid, comm, sizeof(comm)) == stack_pid("CONSOLE_PID") &&
			 !strcmp(comm, "lc-deliveries");
	if (!deliverer)
		fprintf(stderr, "\n  claimed by '%s' (%s), not the master's deliverer\n", who, comm);
	CU_ASSERT_FATAL(deliverer);
	CU_ASSERT_EQUAL(kill(pid, SIGKILL), 0);
	hook_control(hook1, "/__fake/fail", "{\"delay\": 0}");
	/* the deliverer the master starts again tries it when the claim runs out */
	json_object *got = await_delivery(hook1, id);
	CU_ASSERT_PTR_NOT_NULL(got);
	CU_ASSERT_STRING_EQUAL(got ? js_str(got, "signature") : "", "valid");
	json_object_put(got);
	w = deliveries_of(url1);
	json_object *t[8];
	size_t nt = tries_of(w, id, t, 8);
	bool lost = false;
	for (size_t i = 0; i < nt; i++)
		lost |= !strcmp(js_str(t[i], "result"), "lost") && strstr(js_str(t[i], "error"), who);
	CU_ASSERT(lost);
	CU_ASSERT(nt >= 3);
	if (nt)
		CU_ASSERT_STRING_EQUAL(js_str(t[nt - 1], "result"), "delivered");
	if (!lost || nt < 3)
		fprintf(stderr, "\n  log: %s\n", json_object_to_json_string(w));
	json_object_put(w);
	/* the master says so, and no worker served deliveries */
	CU_ASSERT_EQUAL(it_sh("grep -q '\\[%ld\\] error: the webhook deliverer died of signal 9' '%s'",
			    (long)stack_pid("CONSOLE_PID"), stack_get("CONSOLE_LOG")), 0);
	CU_ASSERT_NOT_EQUAL(it_sh("grep -q 'while serving webhook deliveries' '%s'",
				stack_get("CONSOLE_LOG")), 0);
}

/* ---- 5: the log keeps the last 50 tries */

static void test_log_bound(void)
{
	for (int i = 0; i < 53; i++)
		push();
	json_object *w = deliveries_of(url2);
	json_object *log = js_get(w, "log");
	CU_ASSERT_EQUAL(js_len(log), 50);
	int delivered = 0, ordered = 1;
	for (size_t i = 0; i < js_len(log); i++) {
		delivered += !strcmp(js_str(js_at(log, i), "result"), "delivered");
		if (i && strcmp(js_str(js_at(log, i - 1), "time"), js_str(js_at(log, i), "time")) < 0)
			ordered = 0;
	}
	CU_ASSERT_EQUAL(delivered, 50);
	CU_ASSERT(ordered);
	json_object_put(w);
}

/* ---- 6: removed: its secret, its log and its deliveries go */

static void test_removed(void)
{
	hook_control(hook1, "/__fake/down", "{\"seconds\": 30}");
	push();
	CU_ASSERT_EQUAL(etcd_count("/lain/console/webhooks/queue/"), 1);
	char body[400];
	snprintf(body, sizeof(body), "{\"notify_url\": \"%s\"}", url1);
	CU_ASSERT_EQUAL(it_call("DELETE", NOTIFY, body, 200), 200);
	CU_ASSERT_EQUAL(etcd_count("/lain/console/webhooks/hooks/"), 1);   /* url2's */
	long queued = 1;
	for (int i = 0; i < 150 && queued; i++) {
		queued = etcd_count("/lain/console/webhooks/queue/");
		if (queued)
			it_sleep_ms(200);
	}
	CU_ASSERT_EQUAL(queued, 0);
	/* the secrets were never logged (etcd holds them: it signs with them) */
	const char *logs[] = { "CONSOLE_LOG", "NGINX_ERROR_LOG", "NGINX_ACCESS_LOG", "ETCD_LOG" };
	for (size_t i = 0; i < ARRAY_SIZE(logs); i++) {
		const char *f = stack_get(logs[i]);
		CU_ASSERT_EQUAL(it_sh("test -s '%s' && ! grep -qF '%s' '%s'", f, secret1, f), 0);
		CU_ASSERT_EQUAL(it_sh("test -s '%s' && ! grep -qF '%s' '%s'", f, secret2, f), 0);
	}
}

static CU_TestInfo tests[] = {
	{ "1 a secret per webhook; deliveries signed with it", test_signed },
	{ "2 a webhook from before secrets: unsigned, then given one", test_legacy },
	{ "3 a receiver down for 20 s gets the event when back", test_down },
	{ "4 a worker killed during a retry loses nothing", test_killed },
	{ "5 the log keeps every webhook's last 50 tries", test_log_bound },
	{ "6 a removed webhook: secret, log and deliveries gone", test_removed },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "webhooks", NULL, NULL, NULL, NULL, tests },
	CU_SUITE_INFO_NULL,
};

static int before(void)
{
	if (fake_start("webhook", NULL, hook1, sizeof(hook1)) < 0 ||
	    fake_start("webhook", NULL, hook2, sizeof(hook2)) < 0)
		return -1;
	snprintf(url1, sizeof(url1), "%s/hook/one", hook1);
	snprintf(url2, sizeof(url2), "%s/hook/two", hook2);
	setenv("CONSOLE_NOTIFY_ALLOW_LOOPBACK", "1", 1);
	return 0;
}

/* hello deployed at V(1) (its giturl bound), V(2) pushed after. */
static int after(void)
{
	if (denv_reposit(NULL, "hello") != 201 || denv_deploy(NULL, "hello", 202) != 202)
		return -1;
	denv_settle();
	return denv_push("hello", V(2), YAML, NULL);
}

int main(void)
{
	const denv_image_t images[] = { { "hello", V(1), YAML, NULL } };
	const denv_suite_t suite = { .name = "it_webhooks", .images = images,
				     .nimages = ARRAY_SIZE(images), .stack_args = "--workers 3",
				     .before = before, .after = after, .suites = suites };
	return denv_main(&suite);
}
