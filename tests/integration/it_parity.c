/* Parity with the original's answers that spec §9.5 records (issue 14 #13),
 * through the real stack with the SSO stand-in: the url of error envelopes,
 * the 405 key of the maintainers collection, SSO's refusal quoted in
 * maintainer add/delete messages. And a NUL in a maintainer's name
 * (issue 14 #8, which added "bob" for "bob\u0000x"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>
#include <json-c/json.h>

#include "harness.h"
#include "itjson.h"
#include "testlib.h"

static char sso[256];
static char *alice, *bob;

static int suite_up(void)
{
	if (it_sso_up(NULL, sso, sizeof(sso)) || stack_up("--workers 2"))
		return -1;
	if (it_auth_on(sso))
		return -1;
	alice = it_sso_token(sso, "alice");
	bob = it_sso_token(sso, "bob");
	return *alice && *bob ? 0 : -1;
}

static int suite_down(void)
{
	free(alice);
	free(bob);
	stack_down();
	return 0;
}

/* token method path body: status, key's payload null, url and msg as
 * given (msg NULL: any). */
static void expect(const char *token, const char *method, const char *path, const char *body,
		   long status, const char *key, const char *url, const char *msg)
{
	it_response_t r;
	long st = it_req_as(token, method, path, body, &r);
	if (st != status || strcmp(it_field(&r, "url") ? it_field(&r, "url") : "", url))
		fprintf(stderr, "\n  %s %s -> %ld %s\n", method, path, st, r.body ? r.body : "");
	CU_ASSERT_EQUAL(st, status);
	CU_ASSERT_EQUAL(json_object_object_length(r.json), 3);
	CU_ASSERT_PTR_NOT_NULL(it_field(&r, key));
	CU_ASSERT_STRING_EQUAL(it_field(&r, "url"), url);
	if (msg)
		CU_ASSERT_STRING_EQUAL(it_msg(&r), msg);
	it_response_free(&r);
}

static void test_setup(void)
{
	CU_ASSERT_EQUAL(it_call_as(alice, "POST", "/api/v1/repos/", "{\"appname\": \"par\"}", 201),
			201);
	CU_ASSERT_EQUAL(it_call_as(alice, "POST", "/api/v1/repos/par/maintainers/",
				   "{\"username\": \"bob\", \"role\": \"normal\"}", 200),
			200);
}

/* An unusable body (E12 POST, E7 POST, E14 POST): url "/v1/docs/". */
static void test_body_urls(void)
{
	expect(alice, "POST", "/api/v1/repos/", "nope", 400, "repo", "/v1/docs/",
	       "invalid request: should be json body with appname(string)");
	expect(alice, "POST", "/api/v1/apps/", "nope", 400, "app", "/v1/docs/",
	       "invalid request: should be json body with appname(string)");
	expect(alice, "POST", "/api/v1/repos/par/maintainers/", "nope", 400, "maintainers",
	       "/v1/docs/",
	       "invalid request: should be json body with username(string) and role(string)");
}

/* The 405 of the maintainers collection: key "maintainer". */
static void test_maintainers_405(void)
{
	expect(alice, "DELETE", "/api/v1/repos/par/maintainers/", NULL, 405, "maintainer",
	       "/v1/docs/", "invalid http method DELETE");
	expect(alice, "PUT", "/v1/repos/par/maintainers", "{}", 405, "maintainer", "/v1/docs/",
	       "invalid http method PUT");
}

/* E15 GET of a non-member: the collection's url; E17's 200: the item's. */
static void test_item_urls(void)
{
	expect(alice, "GET", "/api/v1/repos/par/maintainers/carol/", NULL, 404, "maintainer",
	       "/v1/repos/par/maintainers/", "user carol does not exist in the app par\n");
	it_response_t r;
	CU_ASSERT_EQUAL(it_req_as(alice, "GET", "/api/v1/repos/par/roles/bob/", NULL, &r), 200);
	CU_ASSERT_STRING_EQUAL(it_field(&r, "url"), "/v1/repos/par/roles/bob/");
	CU_ASSERT_STRING_EQUAL(js_str(it_payload(&r, "role"), "role"), "normal");
	it_response_free(&r);
	/* E16 keeps the collection's. */
	CU_ASSERT_EQUAL(it_req_as(alice, "GET", "/api/v1/repos/par/roles/", NULL, &r), 200);
	CU_ASSERT_STRING_EQUAL(it_field(&r, "url"), "/v1/repos/par/roles/");
	it_response_free(&r);
}

/* SSO refuses: 500, key maintainer, url /v1/docs/, SSO's answer quoted as
 * json.dumps(answer, indent=2) (the stand-in answers a JSON string). */
static void test_sso_refusals(void)
{
	expect(alice, "POST", "/api/v1/repos/par/maintainers/",
	       "{\"username\": \"nobody\", \"role\": \"admin\"}", 500, "maintainer", "/v1/docs/",
	       "error adding maintainer of app par : \nfail add group member nobody to app par : "
	       "\"no such username\"\n\n");
	expect(bob, "POST", "/api/v1/repos/par/maintainers/",
	       "{\"username\": \"admin\", \"role\": \"normal\"}", 500, "maintainer", "/v1/docs/",
	       "error adding maintainer of app par : \nfail add group member admin to app par : "
	       "\"Not group admin\"\n\n");
	expect(bob, "DELETE", "/api/v1/repos/par/maintainers/alice/", NULL, 500, "maintainer",
	       "/v1/docs/",
	       "error deleting maintainer of app par : \nfail delete group member alice from app "
	       "par : \"Not group admin\"\n\n");
}

/* #8: "bob\u0000x" was cut to "bob" and bob added as admin. */
static void test_nul_username(void)
{
	CU_ASSERT_EQUAL(it_call_as(alice, "DELETE", "/api/v1/repos/par/maintainers/bob/", NULL, 204),
			204);
	expect(alice, "POST", "/api/v1/repos/par/maintainers/",
	       "{\"username\": \"bob\\u0000x\", \"role\": \"admin\"}", 400, "maintainer",
	       "/v1/repos/par/maintainers/",
	       "invalid request: a string of the body holds a NUL character (\\u0000)");
	it_response_t r;
	CU_ASSERT_EQUAL(it_req_as(alice, "GET", "/api/v1/repos/par/maintainers/", NULL, &r), 200);
	CU_ASSERT_PTR_NULL(js_find(it_payload(&r, "maintainers"), "username", "bob"));
	CU_ASSERT_PTR_NOT_NULL(js_find(it_payload(&r, "maintainers"), "username", "alice"));
	it_response_free(&r);
}

static CU_TestInfo tests[] = {
	{ "register par, bob a normal maintainer", test_setup },
	{ "#13 unusable bodies: url /v1/docs/", test_body_urls },
	{ "#13 405 of the maintainers collection: key maintainer", test_maintainers_405 },
	{ "#13 E15 404 url the collection, E17 200 url the item", test_item_urls },
	{ "#13 SSO's refusal quoted in maintainer add/delete", test_sso_refusals },
	{ "#8 NUL in a maintainer's name: 400, nobody added", test_nul_username },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "parity of spec §9.5", suite_up, suite_down, NULL, NULL, tests },
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return test_main(suites);
}
