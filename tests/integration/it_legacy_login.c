/* CONSOLE_LEGACY_LOGIN=1: archon's login, replayed request by request as
 * archon (b01bb66) makes it, completes; the console's own state-checked
 * login keeps working and stays strict; and the status the web console
 * reads says who the token belongs to. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>
#include <json-c/json.h>

#include "harness.h"
#include "testlib.h"

#define COMPLETE "http://archon.example.lain.com/authorize/complete"

static char sso[256];

static int suite_up(void)
{
	if (it_sso_up(NULL, sso, sizeof(sso)))
		return -1;
	setenv("CONSOLE_LEGACY_LOGIN", "1", 1);
	if (stack_up("--workers 2"))
		return -1;
	return it_auth_on(sso);
}

static int suite_down(void)
{
	stack_down();
	return 0;
}

/* The value of query (or fragment) parameter name in url into out ("" if absent). */
static void param(const char *url, const char *name, char *out, size_t n)
{
	char key[64];
	snprintf(key, sizeof(key), "%s=", name);
	out[0] = '\0';
	for (const char *p = strstr(url, key); p; p = strstr(p + 1, key)) {
		if (p == url || p[-1] == '?' || p[-1] == '&' || p[-1] == '#') {
			p += strlen(key);
			snprintf(out, n, "%.*s", (int)strcspn(p, "&#"), p);
			return;
		}
	}
}

/* The SSO half of a login: alice posts her password to the authorization
 * endpoint with the given state; the code SSO hands back. */
static void sso_login(const char *state, char *code, size_t n)
{
	char url[1024];
	/* archon's parameters: realm=archon, both scopes, its own redirect_uri. */
	snprintf(url, sizeof(url),
		 "%s/oauth2/auth?response_type=code"
		 "&redirect_uri=%s%%2Fapi%%2Fv1%%2Fauthorize%%2F&realm=archon&client_id=lain-console"
		 "&scope=read%%3Agroup%%20write%%3Agroup&state=%s",
		 sso, "http%3A%2F%2Fconsole.example.lain.com", state);
	it_response_t r;
	it_request("GET", url, NULL, NULL, &r);
	CU_ASSERT_EQUAL(r.status, 200); /* the login page */
	it_response_free(&r);
	it_request("POST", url, "login=alice&password=alice",
		   "Content-Type: application/x-www-form-urlencoded", &r);
	CU_ASSERT_EQUAL(r.status, 302);
	const char *loc = it_header(&r, "location");
	code[0] = '\0';
	if (loc) {
		char back_state[64];
		param(loc, "state", back_state, sizeof(back_state));
		CU_ASSERT_STRING_EQUAL(back_state, state);
		param(loc, "code", code, n);
	}
	it_response_free(&r);
	CU_ASSERT(code[0] != '\0');
}

static void test_archon_login(void)
{
	/* 1. archon sends the browser to SSO itself, state = Math.random(). */
	char code[128];
	sso_login("0.6180339887", code, sizeof(code));
	/* 2. SSO sends it to the console's callback, without any cookie of ours. */
	char path[512];
	snprintf(path, sizeof(path), "/api/v1/authorize/?code=%s&state=0.6180339887", code);
	it_response_t r;
	it_request("GET", path, NULL, NULL, &r);
	CU_ASSERT_EQUAL(r.status, 302);
	const char *loc = it_header(&r, "location");
	CU_ASSERT_PTR_NOT_NULL_FATAL(loc);
	/* 3. archon reads access_token and expires_in from the query string. */
	CU_ASSERT(!strncmp(loc, COMPLETE "?access_token=", strlen(COMPLETE) + 14));
	CU_ASSERT_PTR_NULL(strchr(loc, '#'));
	char token[128], expires[32];
	param(loc, "access_token", token, sizeof(token));
	param(loc, "expires_in", expires, sizeof(expires));
	CU_ASSERT(strlen(token) > 10);
	CU_ASSERT(atol(expires) > 0);
	it_response_free(&r);

	/* 4. archon's first calls, with the token in its access-token header. */
	it_request("OPTIONS", "/api/v1/apps/", NULL, "Origin: http://archon.example.lain.com", &r);
	CU_ASSERT_EQUAL(r.status, 200);
	CU_ASSERT_STRING_EQUAL(it_header(&r, "access-control-allow-origin"), "*");
	CU_ASSERT_PTR_NOT_NULL(strstr(it_header(&r, "access-control-allow-headers"), "access-token"));
	it_response_free(&r);
	CU_ASSERT_EQUAL(it_req_as(token, "GET", "/api/v1/authorize/status/", NULL, &r), 200);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"status\":\"opened\""));
	it_response_free(&r);
	CU_ASSERT_EQUAL(it_call_as(token, "GET", "/api/v1/apps/", NULL, 200), 200);
	CU_ASSERT_EQUAL(it_call_as(token, "POST", "/api/v1/repos/", "{\"appname\": \"archonapp\"}", 201),
			201);
	CU_ASSERT_EQUAL(it_call_as(token, "GET", "/api/v1/repos/archonapp/", NULL, 200), 200);

	/* A code is still single-use. */
	it_request("GET", path, NULL, NULL, &r);
	CU_ASSERT_EQUAL(r.status, 401);
	it_response_free(&r);
}

/* The console's own flow is unchanged: its cookie, when sent, is checked. */
static void test_own_login_still_strict(void)
{
	it_response_t r;
	CU_ASSERT_EQUAL(it_req("GET", "/api/v1/authorize/login", NULL, &r), 302);
	char state[64];
	param(it_header(&r, "location") ? it_header(&r, "location") : "", "state", state,
	      sizeof(state));
	it_response_free(&r);
	CU_ASSERT_EQUAL_FATAL(strlen(state), 32);
	char code[128];
	sso_login(state, code, sizeof(code));

	char path[512], cookie[128];
	snprintf(cookie, sizeof(cookie), "Cookie: console_oauth_state=%s", state);
	snprintf(path, sizeof(path), "/api/v1/authorize/?code=%s&state=forged", code);
	it_request("GET", path, NULL, cookie, &r);
	CU_ASSERT_EQUAL(r.status, 401);
	it_response_free(&r);
	snprintf(path, sizeof(path), "/api/v1/authorize/?code=%s&state=%s", code, state);
	it_request("GET", path, NULL, cookie, &r);
	CU_ASSERT_EQUAL(r.status, 302);
	const char *loc = it_header(&r, "location");
	CU_ASSERT(loc && !strncmp(loc, COMPLETE "#access_token=", strlen(COMPLETE) + 14));
	CU_ASSERT(loc && !strchr(loc, '?'));
	it_response_free(&r);
}

/* E5 with a token: who it belongs to, and whether that is a LAIN admin. */
static void test_status_names_the_user(void)
{
	char *alice = it_sso_token(sso, "alice");
	char *admin = it_sso_token(sso, "admin");
	it_response_t r;
	CU_ASSERT_EQUAL(it_req_as(alice, "GET", "/api/v1/authorize/status/", NULL, &r), 200);
	CU_ASSERT_STRING_EQUAL(r.body, "{\"auth\":{\"status\":\"opened\",\"user\":\"alice\",\"admin\":false},"
			       "\"msg\":\"get auth status success\",\"url\":\"/v1/authorize/status/\"}");
	it_response_free(&r);
	CU_ASSERT_EQUAL(it_req_as(admin, "GET", "/api/v1/authorize/status/", NULL, &r), 200);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "{\"status\":\"opened\",\"user\":\"admin\",\"admin\":true}"));
	it_response_free(&r);
	/* A refused token: still 200 (archon reads the status), user null. */
	CU_ASSERT_EQUAL(it_req_as("not-a-token", "GET", "/api/v1/authorize/status/", NULL, &r), 200);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "{\"status\":\"opened\",\"user\":null}"));
	it_response_free(&r);
	/* No token: the plain answer. */
	CU_ASSERT_EQUAL(it_req("GET", "/api/v1/authorize/status/", NULL, &r), 200);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "{\"auth\":{\"status\":\"opened\"},"));
	it_response_free(&r);
	free(alice);
	free(admin);
}

static CU_TestInfo tests[] = {
	{ "archon's login replayed: no state cookie, token in the query", test_archon_login },
	{ "the console's own login stays state-checked, token in the fragment",
	  test_own_login_still_strict },
	{ "status names the token's user and admin flag", test_status_names_the_user },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "CONSOLE_LEGACY_LOGIN=1", suite_up, suite_down, NULL, NULL, tests },
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return test_main(suites);
}
