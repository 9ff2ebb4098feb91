/* What a deploy and an image push refuse to do for an ordinary user, as
 * probed for issue 14, through the real stack (nginx -> lain-console ->
 * etcd, the deployd stand-in, docker-registry, the SSO and webhook
 * stand-ins), auth on:
 *
 *  #4 a lain.yaml whose mountpoints claim another app's host
 *     (<app>.<domain>, <app>.lain), a host of the cluster's services
 *     (console.<domain>/api) or every host ("*") is refused with 406 naming
 *     the mountpoint, and nothing reaches deployd; a LAIN admin may; a
 *     mountpoint on the app's own host, a path or a foreign domain passes;
 *  #3 a webhook URL stored before the checks (here: written to etcd
 *     directly) that reaches a loopback address is not called: the address
 *     of the connection is checked before anything is sent;
 * #17 with no GitLab configured, a push without commits answers the
 *     original's 400 "Fetch commmits information failed".
 *
 * The cluster domain is the default, example.lain.com. The tests run in
 * order and build on each other's state. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>
#include <json-c/json.h>

#include "console/array.h"
#include "deploy_env.h"
#include "harness.h"
#include "itjson.h"
#include "testlib.h"

#define VER "1724455991-d478328a58bc9725c19030e7663e2ee3fa87b021"
#define DOMAIN "example.lain.com"

#define WEB_YAML(app, mounts)                                                                 \
	"appname: " app "\ngiturl: https://git.example.com/team/" app "\nbuild:\n"              \
	"  base: golang\nweb:\n  cmd: /web\n  port: 80\n" mounts
#define NAMED_WEB_YAML(app, mounts)                                                           \
	"appname: " app "\nbuild:\n  base: golang\nweb.admin:\n  cmd: /admin\n  port: 80\n"    \
	"  mountpoint:\n" mounts

static char sso[256];
static char hook[256];
static char *alice, *admin;

/* POST /apps/ of app as token; the answer in *r (its status returned). */
static long deploy(const char *token, const char *app, it_response_t *r)
{
	char body[128];
	snprintf(body, sizeof(body), "{\"appname\": \"%s\"}", app);
	long st = it_req_as(token, "POST", "/api/v1/apps/", body, r);
	denv_settle();
	return st;
}

/* ---- #4 mountpoints */

static const struct {
	const char *app;
	const char *mountpoint;      /* as the 406 names it (expanded) */
	const char *why;
} refused[] = {
	{ "mgrab", "mowner." DOMAIN "/", "the host of app 'mowner'" },
	{ "mlain", "mowner.lain/x", "the host of app 'mowner'" },
	{ "mconsole", "console." DOMAIN "/api", "the host of the cluster's console service" },
	{ "mwild", "*", "a wildcard host (it claims every host)" },
};

static void test_mountpoints_refused(void)
{
	CU_ASSERT_EQUAL(denv_reposit(alice, "mowner"), 201);
	CU_ASSERT_EQUAL(denv_deploy(alice, "mowner", 202), 202);
	denv_settle();
	for (size_t i = 0; i < ARRAY_SIZE(refused); i++) {
		CU_ASSERT_EQUAL(denv_reposit(alice, refused[i].app), 201);
		it_response_t r;
		long st = deploy(alice, refused[i].app, &r);
		char want[256];
		snprintf(want, sizeof(want), "mountpoint '%s' of proc %s.web.", refused[i].mountpoint,
			 refused[i].app);
		const char *msg = it_msg(&r);
		fprintf(stderr, "\n  %s: %ld %s\n", refused[i].app, st, msg);
		CU_ASSERT_EQUAL(st, 406);
		CU_ASSERT_PTR_NOT_NULL(strstr(msg, want));
		CU_ASSERT_PTR_NOT_NULL(strstr(msg, refused[i].why));
		CU_ASSERT_PTR_NOT_NULL(strstr(msg, "only a LAIN admin may deploy it"));
		it_response_free(&r);
		char prefix[64];
		snprintf(prefix, sizeof(prefix), "%s.", refused[i].app);
		CU_ASSERT_EQUAL(denv_count(prefix), 0);
	}
	/* The owner's podgroup is as it was: its own mountpoints. */
	CU_ASSERT_EQUAL(denv_count("mowner."), 1);
}

/* Its own host under a path, a bare path and a domain outside the
 * cluster's: an ordinary user deploys them. */
static void test_mountpoints_allowed(void)
{
	CU_ASSERT_EQUAL(denv_reposit(alice, "mfine"), 201);
	it_response_t r;
	CU_ASSERT_EQUAL(deploy(alice, "mfine", &r), 202);
	it_response_free(&r);
	CU_ASSERT_EQUAL(denv_count("mfine."), 1);
}

/* A LAIN admin may claim such hosts (the console itself is deployed so). */
static void test_admin_may(void)
{
	it_response_t r;
	long st = deploy(admin, "mconsole", &r);
	if (st != 202)
		fprintf(stderr, "\n  admin's mconsole: %ld %s\n", st, it_msg(&r));
	CU_ASSERT_EQUAL(st, 202);
	it_response_free(&r);
	CU_ASSERT_EQUAL(denv_count("mconsole."), 1);
}

/* ---- #3 a webhook's address, checked when it is called */

static json_object *hook_calls(void)
{
	char url[400], *out = NULL;
	snprintf(url, sizeof(url), "%s/__fake/calls", hook);
	long st = denv_call("GET", url, NULL, NULL, &out);
	json_object *j = st == 200 && out ? json_tokener_parse(out) : NULL;
	free(out);
	return j;
}

static void test_stored_loopback_webhook_not_called(void)
{
	CU_ASSERT_EQUAL(denv_reposit(alice, "hookapp"), 201);
	it_response_t r;
	CU_ASSERT_EQUAL(deploy(alice, "hookapp", &r), 202);
	it_response_free(&r);
	/* The API refuses the URL (no CONSOLE_NOTIFY_ALLOW_LOOPBACK here)... */
	char url[300], body[400];
	snprintf(url, sizeof(url), "%s/hook", hook);
	snprintf(body, sizeof(body), "{\"notify_url\": \"%s\"}", url);
	CU_ASSERT_EQUAL(it_req_as(admin, "POST", "/api/v1/notify/imagepush/", body, &r), 400);
	CU_ASSERT_PTR_NOT_NULL(strstr(it_msg(&r), "is a loopback address"));
	it_response_free(&r);
	/* ... but one stored before (as an older console let it in) is in the
	 * list, and a push must not reach it. */
	snprintf(body, sizeof(body), "[\"%s\"]", url);
	CU_ASSERT_EQUAL(it_etcd_put("/lain/console/notifies/image_push", body), 0);
	CU_ASSERT_EQUAL(it_req_as(admin, "GET", "/api/v1/notify/imagepush/", NULL, &r), 200);
	CU_ASSERT_EQUAL(js_len(it_payload(&r, "notify")), 1);
	it_response_free(&r);
	CU_ASSERT_EQUAL(it_call_as(alice, "POST", "/api/v1/repos/hookapp/push/",
				   "{\"authors\": [\"a@x.com\"], \"commits\": [{\"id\": \"abc1234\", "
				   "\"message\": \"fix\"}]}",
				   200),
			200);
	json_object *j = hook_calls();
	CU_ASSERT_PTR_NOT_NULL(j);
	size_t n = js_len(js_get(j, "calls"));
	if (n)
		fprintf(stderr, "\n  the loopback webhook got: %s\n", json_object_to_json_string(j));
	CU_ASSERT_EQUAL(n, 0);
	json_object_put(j);
}

/* ---- #17 without a GitLab configured */

/* No CONSOLE_GITLAB_URL here: a push without commits answers as the
 * original did when its lookup failed, and nothing is looked up. */
static void test_push_without_gitlab(void)
{
	it_response_t r;
	CU_ASSERT_EQUAL(it_req_as(alice, "POST", "/api/v1/repos/hookapp/push/", "{}", &r), 400);
	CU_ASSERT_STRING_EQUAL(it_msg(&r), "Fetch commmits information failed");
	it_response_free(&r);
}

static CU_TestInfo tests[] = {
	{ "#4 mountpoints on others' hosts: 406 naming them, nothing deployed",
	  test_mountpoints_refused },
	{ "#4 own host, paths, foreign domains: deployed", test_mountpoints_allowed },
	{ "#4 a LAIN admin may", test_admin_may },
	{ "#3 a stored webhook on loopback is not called", test_stored_loopback_webhook_not_called },
	{ "#17 no GitLab configured: a push without commits is refused as before",
	  test_push_without_gitlab },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "guards", NULL, NULL, NULL, NULL, tests },
	CU_SUITE_INFO_NULL,
};

static int fakes_up(void)
{
	if (it_sso_up(NULL, sso, sizeof(sso)) || fake_start("webhook", NULL, hook, sizeof(hook)) < 0)
		return -1;
	return 0;
}

static int auth_up(void)
{
	if (it_auth_on(sso))
		return -1;
	alice = it_sso_token(sso, "alice");
	admin = it_sso_token(sso, "admin");
	return *alice && *admin ? 0 : -1;
}

static void cleanup(void)
{
	free(alice);
	free(admin);
}

int main(void)
{
	const denv_image_t images[] = {
		{ "mowner", VER, WEB_YAML("mowner", ""), NULL },
		{ "mgrab", VER, NAMED_WEB_YAML("mgrab", "    - mowner." DOMAIN "/\n"), NULL },
		{ "mlain", VER, NAMED_WEB_YAML("mlain", "    - mowner.lain/x\n"), NULL },
		{ "mconsole", VER, NAMED_WEB_YAML("mconsole", "    - console." DOMAIN "/api\n"), NULL },
		{ "mwild", VER, NAMED_WEB_YAML("mwild", "    - \"*\"\n"), NULL },
		{ "mfine", VER,
		  WEB_YAML("mfine", "  mountpoint:\n    - /api\n    - mfine.lain/docs\n"
				    "    - www.example.org/\n"),
		  NULL },
		{ "hookapp", VER, WEB_YAML("hookapp", ""), NULL },
	};
	const denv_suite_t suite = { .name = "it_guards", .images = images,
				     .nimages = ARRAY_SIZE(images), .stack_args = "--workers 2",
				     .before = fakes_up, .after = auth_up, .cleanup = cleanup,
				     .suites = suites };
	return denv_main(&suite);
}
