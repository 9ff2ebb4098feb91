/* Auth through the SSO stand-in: permissions, registration with groups,
 * maintainers, roles, the token cache, SSO failures and the browser login. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>
#include <json-c/json.h>

#include "harness.h"
#include "testlib.h"

static char sso[256];
static char switch_on[512];

#define AUTH_KEY "/lain/config/auth/console"
/* cluster_app_group on the default domain "example.lain.com". */
#define GROUP(app) "lainapp-example-lain-com-" app

static int suite_up(void)
{
	if (it_sso_up(NULL, sso, sizeof(sso)))
		return -1;
	if (stack_up("--workers 2"))
		return -1;
	snprintf(switch_on, sizeof(switch_on), "{\"type\": \"lain-sso\", \"url\": \"%s\"}", sso);
	return 0;
}

static int suite_down(void)
{
	stack_down();
	return 0;
}

/* Auth switch flips are seen within 2 s per worker. */
static void auth(bool on)
{
	int rc = on ? it_etcd_put(AUTH_KEY, switch_on) : it_etcd_delete(AUTH_KEY);
	CU_ASSERT_EQUAL(rc, 0);
	it_sleep_ms(2100);
}

static char *token_for(const char *user)
{
	return it_sso_token(sso, user);
}

static void sso_control(const char *what, const char *body)
{
	char url[300];
	snprintf(url, sizeof(url), "%s/__fake/%s", sso, what);
	it_response_t r;
	it_request("POST", url, body ? body : "{}", NULL, &r);
	CU_ASSERT_EQUAL(r.status, 200);
	it_response_free(&r);
}

/* method path body as user (NULL: no token); returns the status. */
static long as(const char *token, const char *method, const char *path, const char *body,
	       it_response_t *out)
{
	char header[512];
	snprintf(header, sizeof(header), "access-token: %s", token ? token : "");
	it_response_t local;
	it_response_t *r = out ? out : &local;
	it_request(method, path, body, token ? header : NULL, r);
	long st = r->status;
	if (!out)
		it_response_free(r);
	return st;
}

static const char *msg(const it_response_t *r)
{
	const char *m = it_field(r, "msg");
	return m ? m : "(no msg)";
}

static void test_auth_off(void)
{
	it_response_t r;
	CU_ASSERT_EQUAL(as(NULL, "GET", "/api/v1/apps/", NULL, NULL), 200);
	CU_ASSERT_EQUAL(as(NULL, "POST", "/api/v1/repos/", "{\"appname\": \"offapp\"}", NULL), 201);
	CU_ASSERT_EQUAL(as(NULL, "GET", "/api/v1/repos/offapp/maintainers/", NULL, &r), 403);
	CU_ASSERT_STRING_EQUAL(msg(&r), "maintainer service not provided, try to open console auth first");
	CU_ASSERT_STRING_EQUAL(it_field(&r, "maintainer"), "(null)");
	it_response_free(&r);
	/* Checked before the app: an unknown app gets the same 403. */
	CU_ASSERT_EQUAL(as(NULL, "DELETE", "/api/v1/repos/nosuch/maintainers/bob/", NULL, NULL), 403);
	CU_ASSERT_EQUAL(as(NULL, "GET", "/api/v1/repos/offapp/roles/", NULL, &r), 200);
	CU_ASSERT_STRING_EQUAL(r.body, "{\"role\":{\"role\":\"admin\"},\"msg\":\"\",\"url\":\"/v1/repos/offapp/roles/\"}");
	it_response_free(&r);
	CU_ASSERT_EQUAL(as(NULL, "GET", "/api/v1/repos/offapp/roles/someone/", NULL, &r), 200);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "{\"role\":{\"role\":\"admin\"}"));
	it_response_free(&r);
	CU_ASSERT_EQUAL(as(NULL, "GET", "/api/v1/repos/nosuch/roles/", NULL, &r), 404);
	CU_ASSERT_STRING_EQUAL(msg(&r), "app with appname nosuch not exist, has not been reposited yet");
	it_response_free(&r);
	CU_ASSERT_EQUAL(as(NULL, "GET", "/api/v1/authorize/status/", NULL, &r), 200);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"closed\""));
	it_response_free(&r);
}

static void test_lain_cli_sequence(void)
{
	auth(true);
	char *alice = token_for("alice");
	it_response_t r;
	/* lain-cli detects auth by a 401 without a token. */
	CU_ASSERT_EQUAL(as(NULL, "GET", "/api/v1/apps/", NULL, &r), 401);
	CU_ASSERT_STRING_EQUAL(msg(&r), "unauthorized : don't have the access to the operation");
	CU_ASSERT_STRING_EQUAL(it_field(&r, "url"), "/v1/docs/");
	it_response_free(&r);
	CU_ASSERT_EQUAL(as("not-a-token", "GET", "/api/v1/repos/", NULL, NULL), 401);
	CU_ASSERT_EQUAL(as(alice, "GET", "/api/v1/apps/", NULL, NULL), 200);
	/* roles of an unregistered app: the decorator's 404 lain-cli matches. */
	CU_ASSERT_EQUAL(as(alice, "GET", "/api/v1/repos/hello/roles/", NULL, &r), 404);
	CU_ASSERT_STRING_EQUAL(msg(&r), "app with appname hello not exist, has not been reposited yet");
	it_response_free(&r);
	/* reposit */
	CU_ASSERT_EQUAL(as(alice, "POST", "/api/v1/repos/", "{\"appname\": \"hello\"}", &r), 201);
	CU_ASSERT_STRING_EQUAL(msg(&r), "create group for app hello successfully");
	it_response_free(&r);
	/* Usable at once, on every worker (cached group lists are rechecked). */
	for (int i = 0; i < 4; i++) {
		CU_ASSERT_EQUAL(as(alice, "GET", "/api/v1/repos/hello/roles/", NULL, &r), 200);
		CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "{\"role\":{\"role\":\"admin\"}"));
		it_response_free(&r);
	}
	/* maintainer show / add / delete */
	CU_ASSERT_EQUAL(as(alice, "GET", "/api/v1/repos/hello/maintainers/", NULL, &r), 200);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "{\"appname\":\"hello\",\"username\":\"alice\",\"role\":\"admin\",\"url\":\"/v1/repos/hello/maintainers/\"}"));
	it_response_free(&r);
	CU_ASSERT_EQUAL(as(alice, "POST", "/api/v1/repos/hello/maintainers/", "{\"username\": \"bob\", \"role\": \"\"}", &r), 200);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"maintainer\":{\"appname\":\"hello\",\"username\":\"bob\",\"role\":\"normal\""));
	it_response_free(&r);
	CU_ASSERT_EQUAL(as(alice, "POST", "/api/v1/repos/hello/maintainers/", "{\"username\": \"bob\"}", &r), 400);
	CU_ASSERT_STRING_EQUAL(it_field(&r, "maintainers"), "(null)");
	it_response_free(&r);
	CU_ASSERT_EQUAL(as(alice, "GET", "/api/v1/repos/hello/maintainers/bob/", NULL, &r), 200);
	CU_ASSERT_STRING_EQUAL(it_field(&r, "url"), "/v1/repos/hello/maintainers/bob/");
	it_response_free(&r);
	CU_ASSERT_EQUAL(as(alice, "GET", "/api/v1/repos/hello/maintainers/carol/", NULL, &r), 404);
	CU_ASSERT_STRING_EQUAL(msg(&r), "user carol does not exist in the app hello\n");
	it_response_free(&r);
	char *bob = token_for("bob");
	CU_ASSERT_EQUAL(as(bob, "GET", "/api/v1/repos/hello/roles/", NULL, &r), 200);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "{\"role\":{\"role\":\"normal\"}"));
	it_response_free(&r);
	CU_ASSERT_EQUAL(as(alice, "DELETE", "/api/v1/repos/hello/maintainers/bob/", NULL, &r), 204);
	CU_ASSERT_STRING_EQUAL(r.body, "");
	it_response_free(&r);
	/* bob is out: refused (maybe after his cached list expires) */
	it_sleep_ms(2100);
	CU_ASSERT_EQUAL(as(bob, "GET", "/api/v1/repos/hello/roles/", NULL, NULL), 403);
	/* E17 needs maintain now; it answers for any user. */
	CU_ASSERT_EQUAL(as(alice, "GET", "/api/v1/repos/hello/roles/bob/", NULL, &r), 404);
	CU_ASSERT_STRING_EQUAL(msg(&r), "user bob does not exist in the maintainer list of app hello\n");
	CU_ASSERT_STRING_EQUAL(it_field(&r, "url"), "/v1/repos/hello/maintainers/");
	it_response_free(&r);
	CU_ASSERT_EQUAL(as(bob, "GET", "/api/v1/repos/hello/roles/alice/", NULL, NULL), 403);
	free(alice);
	free(bob);
}

static void test_lvault_and_isolation(void)
{
	char *alice = token_for("alice"), *bob = token_for("bob"), *admin = token_for("admin");
	it_response_t r;
	CU_ASSERT_EQUAL(as(bob, "POST", "/api/v1/repos/", "{\"appname\": \"bobapp\"}", NULL), 201);
	/* lvault: member -> role, non-member -> 403, no token -> 401 */
	CU_ASSERT_EQUAL(as(bob, "GET", "/api/v1/repos/bobapp/roles/", NULL, &r), 200);
	json_object *role, *inner;
	CU_ASSERT(r.json && json_object_object_get_ex(r.json, "role", &role) &&
		  json_object_object_get_ex(role, "role", &inner) &&
		  !strcmp(json_object_get_string(inner), "admin"));
	it_response_free(&r);
	CU_ASSERT_EQUAL(as(alice, "GET", "/api/v1/repos/bobapp/roles/", NULL, &r), 403);
	CU_ASSERT_STRING_EQUAL(msg(&r), "forbidden : don't have the access to app bobapp");
	CU_ASSERT_STRING_EQUAL(it_field(&r, "maintainer"), "(null)");
	it_response_free(&r);
	CU_ASSERT_EQUAL(as(NULL, "GET", "/api/v1/repos/bobapp/roles/", NULL, NULL), 401);
	/* A user of app A is denied on app B; lists are filtered. */
	CU_ASSERT_EQUAL(as(alice, "GET", "/api/v1/repos/bobapp/", NULL, NULL), 403);
	CU_ASSERT_EQUAL(as(alice, "GET", "/api/v1/repos/bobapp/maintainers/", NULL, NULL), 403);
	CU_ASSERT_EQUAL(as(alice, "GET", "/api/v1/repos/", NULL, &r), 200);
	CU_ASSERT_PTR_NULL(strstr(r.body, "bobapp"));
	CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"hello\""));
	it_response_free(&r);
	/* The admin group is nested into every app group: allowed everywhere. */
	CU_ASSERT_EQUAL(as(admin, "GET", "/api/v1/repos/bobapp/", NULL, NULL), 200);
	CU_ASSERT_EQUAL(as(admin, "GET", "/api/v1/repos/hello/roles/", NULL, &r), 200);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "{\"role\":{\"role\":\"admin\"}"));
	it_response_free(&r);
	CU_ASSERT_EQUAL(as(admin, "GET", "/api/v1/repos/", NULL, &r), 200);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"bobapp\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"hello\""));
	it_response_free(&r);
	free(alice);
	free(bob);
	free(admin);
}

static void test_names(void)
{
	char *alice = token_for("alice");
	it_response_t r;
	static const char *const bad[] = { "{\"appname\": \"resource.redis.x\"}",
					   "{\"appname\": \"service\"}", "{\"appname\": \"a.b\"}",
					   "{\"appname\": \"UPPER\"}" };
	for (size_t i = 0; i < 4; i++) {
		CU_ASSERT_EQUAL(as(alice, "POST", "/api/v1/repos/", bad[i], &r), 400);
		CU_ASSERT_PTR_NOT_NULL(strstr(msg(&r), "invalid appname"));
		it_response_free(&r);
	}
	/* A legacy record "leg.acy" owns the group of "leg-acy". */
	CU_ASSERT_EQUAL(it_etcd_put("/lain/console/apps/leg.acy",
				    "{\"appname\": \"leg.acy\", \"running_state\": \"reposited\"}"), 0);
	CU_ASSERT_EQUAL(as(alice, "POST", "/api/v1/repos/", "{\"appname\": \"leg-acy\"}", &r), 400);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg(&r), "is the one of app 'leg.acy'"));
	it_response_free(&r);
	free(alice);
}

static void test_sso_failures(void)
{
	char *alice = token_for("alice");
	it_response_t r;
	/* Group creation fails: nothing is left behind. */
	sso_control("fail", "{\"mode\": \"error500\", \"path\": \"/api/groups\", \"count\": -1}");
	/* SSO answering 500 is SSO failing: 503, naming it. */
	CU_ASSERT_EQUAL(as(alice, "POST", "/api/v1/repos/", "{\"appname\": \"halfway\"}", &r), 503);
	CU_ASSERT_PREFIX(msg(&r), "error reposing app halfway : \nsso unavailable");
	it_response_free(&r);
	sso_control("fail", "{\"mode\": \"none\"}");
	CU_ASSERT_EQUAL(as(alice, "GET", "/api/v1/repos/halfway/", NULL, NULL), 404);
	CU_ASSERT_EQUAL(as(alice, "POST", "/api/v1/repos/", "{\"appname\": \"halfway\"}", NULL), 201);

	/* SSO down: 503 naming SSO, never 401. */
	sso_control("fail", "{\"mode\": \"down\", \"count\": -1}");
	char *fresh = strdup("a-token-nobody-has-cached");
	CU_ASSERT_EQUAL(as(fresh, "GET", "/api/v1/repos/", NULL, &r), 503);
	CU_ASSERT_PREFIX(msg(&r), "sso unavailable");
	it_response_free(&r);
	sso_control("fail", "{\"mode\": \"none\"}");
	free(fresh);
	free(alice);
}

static void test_token_cache(void)
{
	char *t = token_for("alice");
	char body[200];
	CU_ASSERT_EQUAL(as(t, "GET", "/api/v1/repos/", NULL, NULL), 200);
	snprintf(body, sizeof(body), "{\"token\": \"%s\"}", t);
	sso_control("revoke", body);
	/* Refused once the cache bound (2 s here) has passed. */
	it_sleep_ms(2200);
	for (int i = 0; i < 4; i++)
		CU_ASSERT_EQUAL(as(t, "GET", "/api/v1/repos/", NULL, NULL), 401);
	/* A missing header is never sent to SSO as a token. */
	CU_ASSERT_EQUAL(as(NULL, "GET", "/api/v1/repos/", NULL, NULL), 401);
	free(t);
}

/* The value of cookie name in a Set-Cookie header, or "". */
static void cookie_value(const it_response_t *r, const char *name, char *out, size_t n)
{
	const char *sc = it_header(r, "set-cookie");
	out[0] = '\0';
	if (sc && !strncmp(sc, name, strlen(name)) && sc[strlen(name)] == '=')
		snprintf(out, n, "%.*s", (int)strcspn(sc + strlen(name) + 1, ";"), sc + strlen(name) + 1);
}

static void test_browser_login(void)
{
	it_response_t r;
	CU_ASSERT_EQUAL(as(NULL, "GET", "/api/v1/authorize/login", NULL, &r), 302);
	const char *loc = it_header(&r, "location");
	CU_ASSERT_PTR_NOT_NULL_FATAL(loc);
	CU_ASSERT_PREFIX(loc, sso);
	const char *sp = strstr(loc, "state=");
	CU_ASSERT_PTR_NOT_NULL_FATAL(sp);
	char state[64];
	snprintf(state, sizeof(state), "%.*s", (int)strcspn(sp + 6, "&"), sp + 6);
	char cookie[64];
	cookie_value(&r, "console_oauth_state", cookie, sizeof(cookie));
	CU_ASSERT_STRING_EQUAL(cookie, state);
	const char *sc = it_header(&r, "set-cookie");
	CU_ASSERT(sc && strstr(sc, "HttpOnly") && strstr(sc, "Secure") && strstr(sc, "SameSite"));
	it_response_free(&r);

	/* The user logs in at SSO, which redirects back with a code. */
	char url[1024];
	snprintf(url, sizeof(url), "%s/oauth2/auth?client_id=lain-console&response_type=code"
		 "&redirect_uri=http%%3A%%2F%%2Fconsole.example.lain.com%%2Fapi%%2Fv1%%2Fauthorize%%2F"
		 "&scope=read%%3Agroup&state=%s", sso, state);
	it_request("POST", url, "login=alice&password=alice", "Content-Type: application/x-www-form-urlencoded", &r);
	CU_ASSERT_EQUAL(r.status, 302);
	const char *back = it_header(&r, "location");
	CU_ASSERT_PTR_NOT_NULL_FATAL(back);
	const char *cp = strstr(back, "code=");
	CU_ASSERT_PTR_NOT_NULL_FATAL(cp);
	char code[128];
	snprintf(code, sizeof(code), "%.*s", (int)strcspn(cp + 5, "&"), cp + 5);
	it_response_free(&r);

	char path[512], hdr[200];
	/* A forged state (or none) is refused. */
	snprintf(path, sizeof(path), "/api/v1/authorize/?code=%s&state=forged", code);
	snprintf(hdr, sizeof(hdr), "Cookie: console_oauth_state=%s", state);
	it_request("GET", path, NULL, hdr, &r);
	CU_ASSERT_EQUAL(r.status, 401);
	it_response_free(&r);
	snprintf(path, sizeof(path), "/api/v1/authorize/?code=%s&state=%s", code, state);
	it_request("GET", path, NULL, NULL, &r);
	CU_ASSERT_EQUAL(r.status, 401);
	it_response_free(&r);
	it_request("GET", "/api/v1/authorize/?state=x", NULL, hdr, &r);
	CU_ASSERT_EQUAL(r.status, 400);
	CU_ASSERT_STRING_EQUAL(msg(&r), "invalid request: should be json body with sso code(string)");
	it_response_free(&r);
	/* The right state: the token reaches the UI in the fragment. */
	it_request("GET", path, NULL, hdr, &r);
	CU_ASSERT_EQUAL(r.status, 302);
	const char *done = it_header(&r, "location");
	CU_ASSERT_PTR_NOT_NULL_FATAL(done);
	CU_ASSERT_PREFIX(done, "http://archon.example.lain.com/authorize/complete#access_token=");
	CU_ASSERT_PTR_NULL(strchr(done, '?'));
	char token[128];
	const char *tp = strstr(done, "access_token=");
	snprintf(token, sizeof(token), "%.*s", (int)strcspn(tp + 13, "&"), tp + 13);
	it_response_free(&r);
	/* ... and it works as an access-token. */
	CU_ASSERT_EQUAL(as(token, "GET", "/api/v1/repos/hello/roles/", NULL, NULL), 200);
	/* A code is single-use. */
	it_request("GET", path, NULL, hdr, &r);
	CU_ASSERT_EQUAL(r.status, 401);
	it_response_free(&r);
}

static CU_TestInfo auth_tests[] = {
	{ "auth off: maintainers 403, roles admin, apps open", test_auth_off },
	{ "lain-cli: detect, roles, reposit, maintainers", test_lain_cli_sequence },
	{ "lvault's roles call; users isolated; admins everywhere", test_lvault_and_isolation },
	{ "names: reserved, resource., group collisions", test_names },
	{ "SSO failures: nothing half-written; down is 503", test_sso_failures },
	{ "revoked token refused within the cache bound", test_token_cache },
	{ "browser login: state checked, token in the fragment", test_browser_login },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "auth through SSO", suite_up, suite_down, NULL, NULL, auth_tests },
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return test_main(suites);
}
