/* Who gets to see and change what, as probed for issue 14: registration
 * refusing an SSO group someone made in advance (#1), lists that show
 * what was changed through the console at once on every worker, and admins
 * seeing every app (#15), the webhook list readable by LAIN admins only and
 * webhook URLs checked when they are registered (#3).
 *
 * One stack with 4 workers and a 10 s SSO cache (the longest allowed): a
 * worker that answered from its cache would show it here. The tests run
 * in order and build on each other's state. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>
#include <json-c/json.h>

#include "console/array.h"
#include "harness.h"
#include "itjson.h"
#include "testlib.h"

#define WORKERS 4
/* cluster_app_group on the default domain "example.lain.com". */
#define GROUP(app) "lainapp-example-lain-com-" app

static char sso[256];
static char *alice, *bob, *admin;

static int suite_up(void)
{
	if (it_sso_up(NULL, sso, sizeof(sso)))
		return -1;
	setenv("CONSOLE_SSO_CACHE_SECONDS", "10", 1);
	if (stack_up("--workers 4") || it_auth_on(sso))
		return -1;
	alice = it_sso_token(sso, "alice");
	bob = it_sso_token(sso, "bob");
	admin = it_sso_token(sso, "admin");
	return *alice && *bob && *admin ? 0 : -1;
}

static int suite_down(void)
{
	stack_down();
	free(alice);
	free(bob);
	free(admin);
	return 0;
}

/* ---- the SSO stand-in, called as its users call it */

/* method on SSO path (NULL body: none) with token as Bearer: the status. */
static long sso_as(const char *token, const char *method, const char *path, const char *body)
{
	char url[512], header[256];
	snprintf(url, sizeof(url), "%s%s", sso, path);
	snprintf(header, sizeof(header), "Authorization: Bearer %s", token);
	it_response_t r;
	it_request(method, url, body, header, &r);
	long st = r.status;
	if (st >= 300)
		fprintf(stderr, "\n  sso %s %s: %ld %s\n", method, path, st, r.body ? r.body : "");
	it_response_free(&r);
	return st;
}

/* user makes the group of app at SSO (becoming its admin). */
static void sso_group_made_by(const char *token, const char *group)
{
	char body[256];
	snprintf(body, sizeof(body), "{\"name\": \"%s\", \"fullname\": \"made in advance\"}", group);
	CU_ASSERT_EQUAL(sso_as(token, "POST", "/api/groups", body), 201);
}

/* The group as SSO's public GET answers it (json_object_put it). */
static json_object *sso_group(const char *group)
{
	char url[512];
	snprintf(url, sizeof(url), "%s/api/groups/%s", sso, group);
	it_response_t r;
	it_request("GET", url, NULL, NULL, &r);
	json_object *g = r.status == 200 ? json_object_get(r.json) : NULL;
	it_response_free(&r);
	return g;
}

/* ---- lain-console */

/* The app names of GET /repos/ as token, joined as " a b c " (malloc'd). */
static char *repos_of(const char *token)
{
	it_response_t r;
	long st = it_req_as(token, "GET", "/api/v1/repos/", NULL, &r);
	CU_ASSERT_EQUAL(st, 200);
	json_object *list = it_payload(&r, "repos");
	size_t len = 2;
	for (size_t i = 0; i < js_len(list); i++)
		len += strlen(js_str(js_at(list, i), "appname")) + 1;
	char *out = malloc(len + 1);
	strcpy(out, " ");
	for (size_t i = 0; i < js_len(list); i++) {
		strcat(out, js_str(js_at(list, i), "appname"));
		strcat(out, " ");
	}
	it_response_free(&r);
	return out;
}

static bool listed(const char *names, const char *app)
{
	char word[128];
	snprintf(word, sizeof(word), " %s ", app);
	return strstr(names, word) != NULL;
}

/* POST /repos/ of app as token: the status; the answer in *r. */
static long reposit(const char *token, const char *app, it_response_t *r)
{
	char body[128];
	snprintf(body, sizeof(body), "{\"appname\": \"%s\"}", app);
	return it_req_as(token, "POST", "/api/v1/repos/", body, r);
}

/* ---- #1 SSO group squatting */

/* bob makes the group of "squat" before anyone registered it and makes
 * alice its admin: her registration must not adopt it (bob would be a
 * silent member of her app). */
static void test_squatted_group_refused(void)
{
	sso_group_made_by(bob, GROUP("squat"));
	CU_ASSERT_EQUAL(sso_as(bob, "PUT", "/api/groups/" GROUP("squat") "/members/alice",
			       "{\"role\": \"admin\"}"), 200);
	it_response_t r;
	CU_ASSERT_EQUAL(reposit(alice, "squat", &r), 409);
	const char *msg = it_msg(&r);
	fprintf(stderr, "\n  squatted registration: %s\n", msg);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "'" GROUP("squat") "'"));
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "bob"));
	CU_ASSERT_STRING_EQUAL(it_field(&r, "url"), "/v1/repos/squat/");
	it_response_free(&r);
	/* Nothing registered, for alice or bob; the group is left as bob made it. */
	CU_ASSERT_EQUAL(it_call_as(alice, "GET", "/api/v1/repos/squat/", NULL, 404), 404);
	CU_ASSERT_EQUAL(it_call_as(bob, "GET", "/api/v1/repos/squat/", NULL, 404), 404);
	json_object *g = sso_group(GROUP("squat"));
	CU_ASSERT_PTR_NOT_NULL(g);
	CU_ASSERT_PTR_NOT_NULL(js_find(js_get(g, "members"), "name", "bob"));
	CU_ASSERT_PTR_NULL(js_find(js_get(g, "group_members"), "name", "lain"));
	json_object_put(g);
}

/* A group with alice as its only user but another group nested in it is
 * someone else's too. */
static void test_nested_group_refused(void)
{
	sso_group_made_by(bob, "bobs-team");
	sso_group_made_by(alice, GROUP("squat2"));
	CU_ASSERT_EQUAL(sso_as(alice, "PUT", "/api/groups/" GROUP("squat2") "/group-members/bobs-team",
			       "{\"role\": \"normal\"}"), 200);
	it_response_t r;
	CU_ASSERT_EQUAL(reposit(alice, "squat2", &r), 409);
	CU_ASSERT_PTR_NOT_NULL(strstr(it_msg(&r), "bobs-team"));
	it_response_free(&r);
	CU_ASSERT_EQUAL(it_call_as(alice, "GET", "/api/v1/repos/squat2/", NULL, 404), 404);
}

/* A leftover group of alice's own (her earlier registration, the lain
 * group nested in it) is taken over as before. */
static void test_own_leftover_group_adopted(void)
{
	sso_group_made_by(alice, GROUP("mine"));
	CU_ASSERT_EQUAL(sso_as(alice, "PUT", "/api/groups/" GROUP("mine") "/group-members/lain",
			       "{\"role\": \"admin\"}"), 200);
	it_response_t r;
	CU_ASSERT_EQUAL(reposit(alice, "mine", &r), 201);
	it_response_free(&r);
	/* ... also without the lain group in it yet: registration nests it. */
	sso_group_made_by(alice, GROUP("mine2"));
	CU_ASSERT_EQUAL(reposit(alice, "mine2", &r), 201);
	it_response_free(&r);
	json_object *g = sso_group(GROUP("mine2"));
	CU_ASSERT_PTR_NOT_NULL(js_find(js_get(g, "group_members"), "name", "lain"));
	json_object_put(g);
	CU_ASSERT_EQUAL(it_call_as(alice, "GET", "/api/v1/repos/mine2/", NULL, 200), 200);
	CU_ASSERT_EQUAL(it_call_as(bob, "GET", "/api/v1/repos/mine2/", NULL, 403), 403);
}

/* ---- #15 lists after changes made through the console */

/* Every worker holds alice's groups in its cache before the registrations. */
static void warm(const char *token)
{
	for (int i = 0; i < 4 * WORKERS; i++)
		free(repos_of(token));
}

/* The probe: 12 registrations by one user, each followed at once by her
 * list, which must hold every one of them whichever worker answers. */
static void test_own_registrations_listed(void)
{
	warm(alice);
	int short_lists = 0;
	for (int i = 0; i < 12; i++) {
		char app[32];
		snprintf(app, sizeof(app), "listed%d", i);
		it_response_t r;
		CU_ASSERT_EQUAL(reposit(alice, app, &r), 201);
		it_response_free(&r);
		char *names = repos_of(alice);
		int missing = 0;
		for (int k = 0; k <= i; k++) {
			snprintf(app, sizeof(app), "listed%d", k);
			missing += !listed(names, app);
		}
		if (missing) {
			fprintf(stderr, "\n  list after registration %d misses %d:%s\n", i, missing, names);
			short_lists++;
		}
		free(names);
	}
	CU_ASSERT_EQUAL(short_lists, 0);
}

/* bob adds alice to his app: her next list has it, on every worker; he
 * removes her: her next request for it is refused and her next list lacks
 * it, on every worker. */
static void test_maintainer_change_listed(void)
{
	it_response_t r;
	CU_ASSERT_EQUAL(reposit(bob, "bobshare", &r), 201);
	it_response_free(&r);
	warm(alice);
	char *names = repos_of(alice);
	CU_ASSERT(!listed(names, "bobshare"));
	free(names);
	CU_ASSERT_EQUAL(it_call_as(bob, "POST", "/api/v1/repos/bobshare/maintainers/",
				   "{\"username\": \"alice\", \"role\": \"normal\"}", 200), 200);
	int misses = 0;
	for (int i = 0; i < 2 * WORKERS; i++) {
		names = repos_of(alice);
		if (!listed(names, "bobshare")) {
			fprintf(stderr, "\n  alice's list %d after bob added her:%s\n", i, names);
			misses++;
		}
		free(names);
	}
	CU_ASSERT_EQUAL(misses, 0);
	/* Every worker now holds her groups with bobshare's in its cache. */
	for (int i = 0; i < 2 * WORKERS; i++)
		CU_ASSERT_EQUAL(it_call_as(alice, "GET", "/api/v1/repos/bobshare/", NULL, 200), 200);
	CU_ASSERT_EQUAL(it_call_as(bob, "DELETE", "/api/v1/repos/bobshare/maintainers/alice/", NULL,
				   204), 204);
	/* Out at once: the app itself refuses her on every worker ... */
	for (int i = 0; i < 2 * WORKERS; i++)
		CU_ASSERT_EQUAL(it_call_as(alice, "GET", "/api/v1/repos/bobshare/", NULL, 403), 403);
	misses = 0;
	for (int i = 0; i < 2 * WORKERS; i++) {
		names = repos_of(alice);   /* ... and her lists lack it */
		if (listed(names, "bobshare")) {
			fprintf(stderr, "\n  alice's list %d after bob removed her:%s\n", i, names);
			misses++;
		}
		free(names);
	}
	CU_ASSERT_EQUAL(misses, 0);
}

/* A LAIN admin sees every app, whatever SSO says of its group: here a
 * record no SSO group belongs to. */
static void test_admin_sees_every_app(void)
{
	CU_ASSERT_EQUAL(it_etcd_put("/lain/console/apps/ghost",
				    "{\"appname\": \"ghost\", \"running_state\": \"reposited\"}"), 0);
	for (int i = 0; i < 2 * WORKERS; i++) {
		char *names = repos_of(admin);
		CU_ASSERT(listed(names, "ghost") && listed(names, "bobshare") &&
			  listed(names, "listed11"));
		free(names);
		names = repos_of(alice);
		CU_ASSERT(!listed(names, "ghost"));
		free(names);
	}
	CU_ASSERT_EQUAL(it_call_as(admin, "GET", "/api/v1/repos/ghost/", NULL, 200), 200);
}

/* ---- #3 webhooks */

static void test_webhooks_read_by_admins_only(void)
{
	it_response_t r;
	CU_ASSERT_EQUAL(it_req_as(bob, "GET", "/api/v1/notify/imagepush/", NULL, &r), 403);
	CU_ASSERT_STRING_EQUAL(it_msg(&r), "forbidden : only lain admins may do this");
	it_response_free(&r);
	CU_ASSERT_EQUAL(it_call_as(admin, "POST", "/api/v1/notify/imagepush/",
				   "{\"notify_url\": \"https://hooks.example.com/lain?k=1\"}", 200), 200);
	CU_ASSERT_EQUAL(it_req_as(admin, "GET", "/api/v1/notify/imagepush/", NULL, &r), 200);
	json_object *urls = it_payload(&r, "notify");
	CU_ASSERT_EQUAL(js_len(urls), 1);
	CU_ASSERT_STRING_EQUAL(json_object_get_string(js_at(urls, 0)),
			       "https://hooks.example.com/lain?k=1");
	it_response_free(&r);
	CU_ASSERT_EQUAL(it_call_as(alice, "GET", "/api/v1/notify/imagepush/", NULL, 403), 403);
	CU_ASSERT_EQUAL(it_call_as(NULL, "GET", "/api/v1/notify/imagepush/", NULL, 401), 401);
}

/* URLs a webhook may not have (the probe's and their kin), with a word
 * the refusal must hold. CONSOLE_NOTIFY_ALLOW_PRIVATE is off here. */
static const struct {
	const char *url;        /* as JSON string content */
	const char *why;
} bad_urls[] = {
	{ "http://user:secret@hooks.example.com/x", "credentials" },
	{ "http://hooks@hooks.example.com/x", "credentials" },
	{ "http://hooks.example.com/x\\r\\nX-Injected: 1", "control" },
	{ "http://hooks.example.com/x\\ny", "control" },
	{ "http://127.0.0.1:2379/v3/kv/range", "loopback" },
	{ "http://127.1/", "loopback" },
	{ "http://2130706433/", "loopback" },
	{ "http://0x7f000001/", "loopback" },
	{ "http://0.0.0.0:8080/", "loopback" },
	{ "http://[::1]/", "loopback" },
	{ "http://[::ffff:127.0.0.1]/", "loopback" },
	{ "http://localhost:3001/", "loopback" },
	{ "http://LOCALHOST./", "loopback" },
	{ "http://api.localhost/", "loopback" },
	{ "http://169.254.169.254/latest/meta-data/", "link-local" },
	{ "http://[fe80::1]/", "link-local" },
	{ "http://10.0.0.5/hook", "private" },
	{ "http://172.16.3.4/hook", "private" },
	{ "http://192.168.1.1/hook", "private" },
	{ "http://[fd00::5]/hook", "private" },
	{ "ftp://hooks.example.com/x", "http" },
	{ "http:///x", "host" },
};

static void test_webhook_urls_checked(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(bad_urls); i++) {
		char body[512];
		snprintf(body, sizeof(body), "{\"notify_url\": \"%s\"}", bad_urls[i].url);
		it_response_t r;
		long st = it_req_as(admin, "POST", "/api/v1/notify/imagepush/", body, &r);
		const char *msg = it_msg(&r);
		if (st != 400 || !strstr(msg, bad_urls[i].why))
			fprintf(stderr, "\n  %s: %ld %s (want 400 naming %s)\n", bad_urls[i].url, st,
				msg, bad_urls[i].why);
		CU_ASSERT_EQUAL(st, 400);
		CU_ASSERT_PTR_NOT_NULL(strstr(msg, bad_urls[i].why));
		it_response_free(&r);
	}
	/* None of them was stored. */
	it_response_t r;
	CU_ASSERT_EQUAL(it_req_as(admin, "GET", "/api/v1/notify/imagepush/", NULL, &r), 200);
	CU_ASSERT_EQUAL(js_len(it_payload(&r, "notify")), 1);
	it_response_free(&r);
}

static CU_TestInfo tests[] = {
	{ "#1 a group made in advance by another user is refused", test_squatted_group_refused },
	{ "#1 ... also through a nested group", test_nested_group_refused },
	{ "#1 the registrant's own leftover group is adopted", test_own_leftover_group_adopted },
	{ "#15 12 registrations, each in the next list", test_own_registrations_listed },
	{ "#15 maintainer added / removed: the next list shows it", test_maintainer_change_listed },
	{ "#15 admins see every app without group enumeration", test_admin_sees_every_app },
	{ "#3 webhooks: read by LAIN admins only", test_webhooks_read_by_admins_only },
	{ "#3 webhook URLs: credentials, CR/LF, loopback, link-local, private refused",
	  test_webhook_urls_checked },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "access", suite_up, suite_down, NULL, NULL, tests },
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return test_main(suites);
}
