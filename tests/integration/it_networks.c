/* Docker networks and calico profiles (console-api.md §4.7, §2.2, §3.5,
 * §3.6) through the real stack (nginx -> lain-console -> etcd, the deployd
 * stand-in, docker-registry) with the Docker stand-in (tests/fakes/docker)
 * as CONSOLE_DOCKER_BASE_URL: a first deploy creates the app's network
 * (inspect 404, then create with the calico driver and the
 * /lain/config/calico_network subnet) and its profile gets the lain rule
 * and /lain/config/calico_default_rule prepended to pycalico's defaults; an
 * existing network is left alone, profile included; a profile that exists
 * without its network keeps its rules behind the prepended ones; a service
 * client gets the portal network <portal>_<client> and the two tag rules,
 * once (also when it starts using the service in an update, and the
 * provider's network is ensured again when it is gone); a resource
 * instance gets its network and its portal's, once; a docker failure fails
 * the deploy (406) before anything reaches deployd, and an update that
 * needs docker (406, rolled back); networks outlive their
 * app, and its next deploy creates nothing.
 *
 * Profiles are read from etcd's v2 keys API (pycalico's store), the two
 * /lain/config/ keys are written through v3 (it_etcd_put), where
 * lain-console reads its configuration.
 *
 * The tests run in order and build on each other's state. */
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
#include "itjson.h"
#include "testlib.h"

#define V(n) "182445598" #n "-c478328a58bc9725c19030e7663e2ee3fa87b02" #n

#define WEB_YAML(app) "appname: " app "\nbuild:\n  base: golang\nweb:\n  cmd: /web\n  port: 80\n"
#define SERVICE_YAML                                                                          \
	"appname: redis\nbuild:\n  base: redis\nservice.redis:\n  cmd: redis-server\n"        \
	"  port: 6379\n  portal:\n    allow_clients: \"**\"\n    cmd: ./portal\n    port: 6379\n"
#define CLIENT_YAML(cmd) USES_REDIS("blog", cmd)
#define USES_REDIS(app, cmd)                                                                  \
	"appname: " app "\nbuild:\n  base: golang\nuse_services:\n  redis:\n    - redis\n"     \
	"web:\n  cmd: " cmd "\n  port: 80\n"
#define RES_YAML                                                                              \
	"appname: rdb\napptype: resource\nbuild:\n  base: redis\nservice.rdb:\n"               \
	"  cmd: redis-server\n  port: 6379\n"                                                  \
	"  num_instances: \"{{ num_instances|default(1)|int(1) }}\"\n"                         \
	"  portal:\n    allow_clients: \"**\"\n    cmd: ./portal\n    port: 6379\n"
#define RES_CLIENT_YAML                                                                       \
	"appname: shop\nbuild:\n  base: golang\nuse_resources:\n  rdb:\n"                     \
	"    services:\n      - rdb\n    num_instances: 1\nweb:\n  cmd: /web\n  port: 80\n"

#define CALICO_NETWORK "172.20.0.0/16"
#define DEFAULT_RULE                                                                          \
	"{\"inbound_rules\": [{\"action\": \"allow\", \"src_tag\": \"default-in\"}],"            \
	" \"outbound_rules\": [{\"action\": \"allow\", \"dst_net\": \"10.0.0.0/8\"}]}"

#define RULE_LAIN "{\"action\": \"allow\", \"src_tag\": \"lain\"}"
#define RULE_DEFAULT_IN "{\"action\": \"allow\", \"src_tag\": \"default-in\"}"
#define RULE_DEFAULT_OUT "{\"action\": \"allow\", \"dst_net\": \"10.0.0.0/8\"}"
#define RULE_TAG(t) "{\"action\": \"allow\", \"src_tag\": \"" t "\"}"
#define RULE_ALLOW "{\"action\": \"allow\"}"

#define PORTAL_NET "redis.portal.portal-redis_blog"
#define NEWS_PORTAL_NET "redis.portal.portal-redis_news"
#define MAG_PORTAL_NET "redis.portal.portal-redis_mag"
#define ZINE_PORTAL_NET "redis.portal.portal-redis_zine"
#define INST "resource.rdb.shop"
#define INST_PORTAL_NET INST ".portal.portal-rdb_shop"

static char docker[256];

/* ---- small helpers: every one is NULL-safe, the server may not answer yet */

static const char *plain(json_object *o)
{
	return o ? json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							     JSON_C_TO_STRING_NOSLASHESCAPE)
		 : "(none)";
}

/* Whether o equals the JSON text want (as values: key order does not matter). */
static bool json_is(json_object *o, const char *want)
{
	json_object *w = json_tokener_parse(want);
	bool same = o && w && json_object_equal(o, w);
	json_object_put(w);
	return same;
}

/* Whether array a holds an element equal to the JSON text want. */
static bool json_has(json_object *a, const char *want)
{
	for (size_t i = 0; i < js_len(a); i++)
		if (json_is(js_at(a, i), want))
			return true;
	return false;
}



/* ---- the Docker stand-in */

static long docker_call(const char *method, const char *path, const char *body, char **out)
{
	char url[512];
	snprintf(url, sizeof(url), "%s%s", docker, path);
	return denv_call(method, url, body, NULL, out);
}

static json_object *docker_json(const char *path)
{
	char *body = NULL;
	long st = docker_call("GET", path, NULL, &body);
	json_object *j = st == 200 && body ? json_tokener_parse(body) : NULL;
	free(body);
	return j;
}

static void docker_clear_calls(void)
{
	CU_ASSERT_EQUAL(docker_call("DELETE", "/__fake/calls", NULL, NULL), 200);
}

static void docker_fail(const char *rule)
{
	CU_ASSERT_EQUAL(docker_call("POST", "/__fake/fail", rule, NULL), 200);
}

/* The network named name in the stand-in's state (put() it), or NULL. */
static json_object *docker_network(const char *name)
{
	json_object *st = docker_json("/__fake/state");
	json_object *n = js_get(js_get(st, "networks"), name);
	if (n)
		json_object_get(n);
	json_object_put(st);
	return n;
}

static bool docker_has(const char *name)
{
	json_object *n = docker_network(name);
	json_object_put(n);
	return n != NULL;
}

/* The calls logged since the last docker_clear_calls() (put() it). */
static json_object *docker_calls(void)
{
	json_object *j = docker_json("/__fake/calls");
	json_object *calls = js_get(j, "calls");
	if (calls)
		json_object_get(calls);
	json_object_put(j);
	return calls;
}

/* POST /v1.26/networks/create calls for network name (any name: NULL) in calls. */
static int creates(json_object *calls, const char *name)
{
	int n = 0;
	for (size_t i = 0; i < js_len(calls); i++) {
		json_object *c = js_at(calls, i);
		if (strcmp(js_str(c, "method"), "POST") || !strstr(js_str(c, "path"), "/networks/create"))
			continue;
		if (!name || !strcmp(js_str(js_get(c, "body"), "Name"), name))
			n++;
	}
	return n;
}

/* Prints every logged call (when an assertion is about to fail). */
static void print_calls(json_object *calls)
{
	for (size_t i = 0; i < js_len(calls); i++) {
		json_object *c = js_at(calls, i);
		fprintf(stderr, "\n  docker call %s %s -> %s %s", js_str(c, "method"), js_str(c, "path"),
			js_str(c, "status"), plain(js_get(c, "body")));
	}
	fprintf(stderr, "\n");
}

/* Names of the networks lain-console created in calls, each once: exactly
 * want (NULL-terminated), in any order. */
static void assert_creates(json_object *calls, const char *const *want)
{
	int nwant = 0;
	bool ok = true;
	for (; want[nwant]; nwant++)
		if (creates(calls, want[nwant]) != 1) {
			fprintf(stderr, "\n  want one create of network %s, got %d\n", want[nwant],
				creates(calls, want[nwant]));
			ok = false;
		}
	if (creates(calls, NULL) != nwant) {
		fprintf(stderr, "\n  want %d network creates, got %d\n", nwant, creates(calls, NULL));
		ok = false;
	}
	if (!ok)
		print_calls(calls);
	CU_ASSERT(ok);
}

/* ---- deployd */


/* ---- etcd v2: pycalico's profiles */

/* The JSON value of v2 key /calico/v1/policy/profile/<profile>/<leaf>
 * (put() it), NULL when the key is absent or not JSON. */
static json_object *profile(const char *name, const char *leaf)
{
	char url[512], *body = NULL;
	snprintf(url, sizeof(url), "%s/v2/keys/calico/v1/policy/profile/%s/%s", stack_get("ETCD_URL"),
		 name, leaf);
	long st = denv_call("GET", url, NULL, NULL, &body);
	json_object *doc = st == 200 && body ? json_tokener_parse(body) : NULL;
	free(body);
	const char *value = json_object_get_string(js_get(js_get(doc, "node"), "value"));
	json_object *v = value ? json_tokener_parse(value) : NULL;
	json_object_put(doc);
	return v;
}

/* The profile's rules as text ("(none)" when absent): malloc'ed. */
static char *rules_text(const char *name)
{
	json_object *r = profile(name, "rules");
	char *s = strdup(plain(r));
	json_object_put(r);
	return s;
}

static void add_escaped(char *out, size_t len, const char *s)
{
	size_t n = strlen(out);
	for (; *s && n + 4 < len; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    strchr("-_.~", c))
			out[n++] = (char)c;
		else
			n += (size_t)snprintf(out + n, len - n, "%%%02X", c);
	}
	out[n] = '\0';
}

/* Writes v2 key /calico/v1/policy/profile/<profile>/<leaf> = value. */
static long profile_put(const char *name, const char *leaf, const char *value)
{
	char url[512], body[2048] = "value=";
	snprintf(url, sizeof(url), "%s/v2/keys/calico/v1/policy/profile/%s/%s", stack_get("ETCD_URL"),
		 name, leaf);
	add_escaped(body, sizeof(body), value);
	return denv_call("PUT", url, body, "Content-Type: application/x-www-form-urlencoded", NULL);
}

/* Rule i of list (inbound_rules, outbound_rules) of the profile equals want. */
static bool rule_at(const char *name, const char *list, size_t i, const char *want)
{
	json_object *r = profile(name, "rules");
	json_object *rule = js_at(js_get(r, list), i);
	bool ok = json_is(rule, want);
	if (!ok)
		fprintf(stderr, "\n  profile %s %s[%zu]: want %s, got %s (rules %s)\n", name, list, i,
			want, plain(rule), plain(r));
	json_object_put(r);
	return ok;
}

/* The profile's list holds want somewhere. */
static bool rule_in(const char *name, const char *list, const char *want)
{
	json_object *r = profile(name, "rules");
	bool ok = json_has(js_get(r, list), want);
	if (!ok)
		fprintf(stderr, "\n  profile %s %s: no %s (rules %s)\n", name, list, want, plain(r));
	json_object_put(r);
	return ok;
}

/* The whole list equals want (a JSON array text). */
static bool rules_are(const char *name, const char *list, const char *want)
{
	json_object *r = profile(name, "rules");
	bool ok = json_is(js_get(r, list), want);
	if (!ok)
		fprintf(stderr, "\n  profile %s %s: want %s, got %s\n", name, list, want,
			plain(js_get(r, list)));
	json_object_put(r);
	return ok;
}

/* ---- the tests, in order */

/* 1: the first deploy of an app creates its network and its profile. */
static void test_first_deploy(void)
{
	char url[512];
	snprintf(url, sizeof(url), "%s/v2/keys/", stack_get("ETCD_URL"));
	CU_ASSERT_EQUAL_FATAL(denv_call("GET", url, NULL, NULL, NULL), 200);   /* --enable-v2 */
	json_object *before = profile("hello", "rules");
	CU_ASSERT_PTR_NULL(before);
	json_object_put(before);

	CU_ASSERT_EQUAL(denv_reposit(NULL, "hello"), 201);
	docker_clear_calls();
	CU_ASSERT_EQUAL(denv_deploy(NULL, "hello", 202), 202);
	denv_settle();

	json_object *calls = docker_calls();
	const char *const want[] = { "hello", NULL };
	assert_creates(calls, want);
	/* The inspect (404) comes first, then the create with exactly this body. */
	long inspect = -1, create = -1;
	for (size_t i = 0; i < js_len(calls); i++) {
		json_object *c = js_at(calls, i);
		if (inspect < 0 && !strcmp(js_str(c, "method"), "GET") &&
		    !strcmp(js_str(c, "path"), "/v1.26/networks/hello")) {
			inspect = (long)i;
			CU_ASSERT_STRING_EQUAL(js_str(c, "status"), "404");
		}
		if (create < 0 && !strcmp(js_str(c, "method"), "POST") &&
		    !strcmp(js_str(c, "path"), "/v1.26/networks/create")) {
			create = (long)i;
			const char *body = "{\"Name\": \"hello\", \"Driver\": \"calico\", \"IPAM\": "
					   "{\"Driver\": \"calico-ipam\", \"Config\": [{\"Subnet\": "
					   "\"" CALICO_NETWORK "\"}]}}";
			if (!json_is(js_get(c, "body"), body))
				fprintf(stderr, "\n  create body %s, want %s\n", plain(js_get(c, "body")), body);
			CU_ASSERT(json_is(js_get(c, "body"), body));
			CU_ASSERT_STRING_EQUAL(js_str(c, "status"), "201");
		}
	}
	if (inspect < 0 || create < 0 || inspect > create)
		print_calls(calls);
	CU_ASSERT(inspect >= 0);
	CU_ASSERT(create >= 0);
	CU_ASSERT(inspect < create);
	json_object_put(calls);

	json_object *net = docker_network("hello");
	CU_ASSERT_STRING_EQUAL(js_str(net, "Driver"), "calico");
	json_object_put(net);

	/* pycalico's defaults (own tag in, allow out), then calico_default_rule,
	 * then the lain rule, each prepended. */
	CU_ASSERT(rules_are("hello", "inbound_rules",
			    "[" RULE_LAIN ", " RULE_DEFAULT_IN ", " RULE_TAG("hello") "]"));
	CU_ASSERT(rules_are("hello", "outbound_rules", "[" RULE_DEFAULT_OUT ", " RULE_ALLOW "]"));
	json_object *tags = profile("hello", "tags");
	if (!json_is(tags, "[\"hello\"]"))
		fprintf(stderr, "\n  profile hello tags: %s\n", plain(tags));
	CU_ASSERT(json_is(tags, "[\"hello\"]"));
	json_object_put(tags);

	/* The deploy itself went on to deployd. */
	CU_ASSERT_EQUAL(denv_count("hello.web.web"), 1);
}

/* 1b: §2.2: pycalico writes labels {} when it creates a profile. */
static void test_first_deploy_labels(void)
{
	json_object *labels = profile("hello", "labels");
	if (!json_is(labels, "{}"))
		fprintf(stderr, "\n  profile hello labels: %s\n", plain(labels));
	CU_ASSERT(json_is(labels, "{}"));
	json_object_put(labels);
}

/* 2: a network that exists already: no create, its profile untouched. */
static void test_existing_network(void)
{
	const char *pre_rules = "{\"inbound_rules\": [{\"action\": \"deny\"}], \"outbound_rules\": []}";
	CU_ASSERT_EQUAL(docker_call("POST", "/v1.26/networks/create",
				    "{\"Name\": \"pre\", \"Driver\": \"calico\", \"IPAM\": {\"Driver\": "
				    "\"calico-ipam\", \"Config\": [{\"Subnet\": \"" CALICO_NETWORK "\"}]}}",
				    NULL),
			201);
	CU_ASSERT_EQUAL(profile_put("pre", "rules", pre_rules), 201);
	char *before = rules_text("pre");
	CU_ASSERT(strcmp(before, "(none)") != 0);

	CU_ASSERT_EQUAL(denv_reposit(NULL, "pre"), 201);
	docker_clear_calls();
	CU_ASSERT_EQUAL(denv_deploy(NULL, "pre", 202), 202);
	denv_settle();
	json_object *calls = docker_calls();
	const char *const none[] = { NULL };
	assert_creates(calls, none);
	json_object_put(calls);
	char *after = rules_text("pre");
	CU_ASSERT_STRING_EQUAL(after, before);
	json_object *tags = profile("pre", "tags");
	CU_ASSERT_PTR_NULL(tags);
	json_object_put(tags);
	free(before);
	free(after);
	CU_ASSERT_EQUAL(denv_count("pre.web.web"), 1);
}

/* 2b: no network but a profile (left behind, or written by an operator):
 * the network is created and the rules are prepended to the profile's own,
 * which pycalico does not recreate (tags untouched). */
static void test_existing_profile(void)
{
	CU_ASSERT_EQUAL(profile_put("old", "rules",
				    "{\"inbound_rules\": [{\"action\": \"deny\", \"src_tag\": \"x\"}],"
				    " \"outbound_rules\": [{\"action\": \"deny\"}]}"),
			201);
	CU_ASSERT_EQUAL(profile_put("old", "tags", "[\"custom\"]"), 201);
	CU_ASSERT_EQUAL(denv_reposit(NULL, "old"), 201);
	docker_clear_calls();
	CU_ASSERT_EQUAL(denv_deploy(NULL, "old", 202), 202);
	denv_settle();
	json_object *calls = docker_calls();
	const char *const want[] = { "old", NULL };
	assert_creates(calls, want);
	json_object_put(calls);
	CU_ASSERT(rules_are("old", "inbound_rules",
			    "[" RULE_LAIN ", " RULE_DEFAULT_IN ", {\"action\": \"deny\", \"src_tag\": \"x\"}]"));
	CU_ASSERT(rules_are("old", "outbound_rules", "[" RULE_DEFAULT_OUT ", {\"action\": \"deny\"}]"));
	json_object *tags = profile("old", "tags");
	if (!json_is(tags, "[\"custom\"]"))
		fprintf(stderr, "\n  profile old tags: %s\n", plain(tags));
	CU_ASSERT(json_is(tags, "[\"custom\"]"));
	json_object_put(tags);
}

/* 3: a service provider and its client: the portal network and the two tag
 * rules; an update of the client creates nothing and adds nothing. */
static void test_service_portal(void)
{
	CU_ASSERT_EQUAL(denv_reposit(NULL, "redis"), 201);
	docker_clear_calls();
	CU_ASSERT_EQUAL(denv_deploy(NULL, "redis", 202), 202);
	denv_settle();
	json_object *calls = docker_calls();
	const char *const provider[] = { "redis", NULL };
	assert_creates(calls, provider);
	json_object_put(calls);
	CU_ASSERT(rule_at("redis", "inbound_rules", 0, RULE_LAIN));

	CU_ASSERT_EQUAL(denv_reposit(NULL, "blog"), 201);
	docker_clear_calls();
	CU_ASSERT_EQUAL(denv_deploy(NULL, "blog", 202), 202);
	denv_settle();
	calls = docker_calls();
	/* redis exists (its own deploy): ensured, not created again. */
	const char *const client[] = { "blog", PORTAL_NET, NULL };
	assert_creates(calls, client);
	json_object_put(calls);
	CU_ASSERT(docker_has(PORTAL_NET));

	CU_ASSERT(rule_at(PORTAL_NET, "inbound_rules", 0, RULE_TAG("blog")));
	CU_ASSERT(rule_at("redis", "inbound_rules", 0, RULE_TAG(PORTAL_NET)));
	/* The portal network is new: it got the default rules too (§4.7
	 * "(+ default rules)"); whether the lain rule comes along is open. */
	CU_ASSERT(rule_in(PORTAL_NET, "inbound_rules", RULE_DEFAULT_IN));
	CU_ASSERT(rule_at(PORTAL_NET, "outbound_rules", 0, RULE_DEFAULT_OUT));
	/* blog's own network as in part 1. */
	CU_ASSERT(rules_are("blog", "inbound_rules",
			    "[" RULE_LAIN ", " RULE_DEFAULT_IN ", " RULE_TAG("blog") "]"));
	CU_ASSERT_EQUAL(denv_count("blog.web.web"), 1);

	/* An update with a new version: nothing created, no rule twice. */
	char *redis_before = rules_text("redis"), *portal_before = rules_text(PORTAL_NET);
	char *blog_before = rules_text("blog");
	CU_ASSERT_EQUAL_FATAL(denv_push("blog", V(2), CLIENT_YAML("/blog-v2"), NULL), 0);
	docker_clear_calls();
	CU_ASSERT_EQUAL(it_call("PUT", "/api/v1/apps/blog/", "{\"meta_version\": \"" V(2) "\"}", 202), 202);
	denv_settle();
	calls = docker_calls();
	const char *const none[] = { NULL };
	assert_creates(calls, none);
	json_object_put(calls);
	char *redis_after = rules_text("redis"), *portal_after = rules_text(PORTAL_NET);
	char *blog_after = rules_text("blog");
	CU_ASSERT_STRING_EQUAL(redis_after, redis_before);
	CU_ASSERT_STRING_EQUAL(portal_after, portal_before);
	CU_ASSERT_STRING_EQUAL(blog_after, blog_before);
	free(redis_before);
	free(portal_before);
	free(blog_before);
	free(redis_after);
	free(portal_after);
	free(blog_after);

	/* The update reached deployd. */
	char *body = NULL;
	denv_fake("GET", "/api/podgroups?name=blog.web.web", NULL, &body);
	CU_ASSERT(body && strstr(body, "/blog-v2"));
	free(body);
}

/* 3b: an app that starts using the service in an update gets its portal
 * network then (each podgroup deploy ensures the used portals, §4.7; only
 * the app's own network is not ensured on update, §4.2); the provider's
 * profile keeps the first client's tag behind the new one. */
static void test_service_new_client_on_update(void)
{
	CU_ASSERT_EQUAL(denv_reposit(NULL, "news"), 201);
	docker_clear_calls();
	CU_ASSERT_EQUAL(denv_deploy(NULL, "news", 202), 202);
	denv_settle();
	json_object *calls = docker_calls();
	const char *const own[] = { "news", NULL };
	assert_creates(calls, own);
	json_object_put(calls);

	CU_ASSERT_EQUAL_FATAL(denv_push("news", V(2), USES_REDIS("news", "/news"), NULL), 0);
	docker_clear_calls();
	CU_ASSERT_EQUAL(it_call("PUT", "/api/v1/apps/news/", "{\"meta_version\": \"" V(2) "\"}", 202), 202);
	denv_settle();
	calls = docker_calls();
	const char *const portal[] = { NEWS_PORTAL_NET, NULL };
	assert_creates(calls, portal);
	json_object_put(calls);
	CU_ASSERT(rule_at(NEWS_PORTAL_NET, "inbound_rules", 0, RULE_TAG("news")));
	CU_ASSERT(rule_at("redis", "inbound_rules", 0, RULE_TAG(NEWS_PORTAL_NET)));
	CU_ASSERT(rule_at("redis", "inbound_rules", 1, RULE_TAG(PORTAL_NET)));
	CU_ASSERT(rule_at("redis", "inbound_rules", 2, RULE_LAIN));
}

/* 3c: the provider's network is gone (removed by hand): a new client's
 * deploy ensures it again (§4.7 "ensure network <provider app> exists"). */
static void test_provider_network_missing(void)
{
	CU_ASSERT_EQUAL(docker_call("DELETE", "/v1.26/networks/redis", NULL, NULL), 204);
	CU_ASSERT_EQUAL(denv_reposit(NULL, "mag"), 201);
	docker_clear_calls();
	CU_ASSERT_EQUAL(denv_deploy(NULL, "mag", 202), 202);
	denv_settle();
	json_object *calls = docker_calls();
	const char *const want[] = { "mag", "redis", MAG_PORTAL_NET, NULL };
	assert_creates(calls, want);
	json_object_put(calls);
	CU_ASSERT(docker_has("redis"));
	CU_ASSERT(rule_at("redis", "inbound_rules", 0, RULE_TAG(MAG_PORTAL_NET)));
	CU_ASSERT(rule_at(MAG_PORTAL_NET, "inbound_rules", 0, RULE_TAG("mag")));
}

/* 3d: docker down while an update makes an app a client: the podgroup
 * deploy cannot ensure the portal network (§4.5.3.1), so the update fails
 * (406) and is rolled back (§4.2.6); docker back, the same update goes
 * through. */
static void test_update_docker_down(void)
{
	it_response_t r;
	CU_ASSERT_EQUAL(denv_reposit(NULL, "zine"), 201);
	CU_ASSERT_EQUAL(denv_deploy(NULL, "zine", 202), 202);
	denv_settle();
	CU_ASSERT_EQUAL_FATAL(denv_push("zine", V(2), USES_REDIS("zine", "/zine-v2"), NULL), 0);

	docker_fail("{\"mode\": \"down\", \"match\": \"/v1.26/networks\", \"count\": -1}");
	CU_ASSERT_EQUAL(it_req("PUT", "/api/v1/apps/zine/", "{\"meta_version\": \"" V(2) "\"}", &r),
			406);
	fprintf(stderr, "\n  zine (docker down): %ld %s\n", r.status, it_msg(&r));
	CU_ASSERT(strcasestr(it_msg(&r), "docker") != NULL);
	it_response_free(&r);
	docker_fail("{\"mode\": \"none\"}");
	denv_settle();
	CU_ASSERT_EQUAL(it_req("GET", "/api/v1/apps/zine/", NULL, &r), 200);
	CU_ASSERT_STRING_EQUAL(js_str(js_get(r.json, "app"), "metaversion"), V(1));
	it_response_free(&r);
	CU_ASSERT(!docker_has(ZINE_PORTAL_NET));
	char *body = NULL;
	denv_fake("GET", "/api/podgroups?name=zine.web.web", NULL, &body);
	CU_ASSERT(body && strstr(body, "/web") && !strstr(body, "/zine-v2"));
	free(body);

	docker_clear_calls();
	CU_ASSERT_EQUAL(it_call("PUT", "/api/v1/apps/zine/", "{\"meta_version\": \"" V(2) "\"}", 202), 202);
	denv_settle();
	json_object *calls = docker_calls();
	const char *const portal[] = { ZINE_PORTAL_NET, NULL };
	assert_creates(calls, portal);
	json_object_put(calls);
	CU_ASSERT(rule_at(ZINE_PORTAL_NET, "inbound_rules", 0, RULE_TAG("zine")));
	CU_ASSERT(rule_at("redis", "inbound_rules", 0, RULE_TAG(ZINE_PORTAL_NET)));
}

/* 4: a resource instance: its network and its portal's network. */
static void test_resource_instance(void)
{
	CU_ASSERT_EQUAL(denv_reposit(NULL, "rdb"), 201);
	CU_ASSERT_EQUAL(denv_reposit(NULL, "shop"), 201);
	docker_clear_calls();
	/* A resource app is only stored (§4.1.7): no network of its own. */
	CU_ASSERT_EQUAL(denv_deploy(NULL, "rdb", 202), 202);
	json_object *calls = docker_calls();
	CU_ASSERT_EQUAL(creates(calls, NULL), 0);
	json_object_put(calls);
	CU_ASSERT(!docker_has("rdb"));

	docker_clear_calls();
	CU_ASSERT_EQUAL(denv_deploy(NULL, "shop", 202), 202);
	denv_settle();
	calls = docker_calls();
	const char *const want[] = { "shop", INST, INST_PORTAL_NET, NULL };
	assert_creates(calls, want);
	json_object_put(calls);
	CU_ASSERT(docker_has(INST));
	CU_ASSERT(docker_has(INST_PORTAL_NET));

	/* The instance's network is an app network (lain rule, defaults) whose
	 * portal tag was prepended last. */
	CU_ASSERT(rule_at(INST, "inbound_rules", 0, RULE_TAG(INST_PORTAL_NET)));
	CU_ASSERT(rule_in(INST, "inbound_rules", RULE_LAIN));
	CU_ASSERT(rule_in(INST, "inbound_rules", RULE_DEFAULT_IN));
	CU_ASSERT(rule_at(INST_PORTAL_NET, "inbound_rules", 0, RULE_TAG("shop")));
	CU_ASSERT(rules_are("shop", "inbound_rules",
			    "[" RULE_LAIN ", " RULE_DEFAULT_IN ", " RULE_TAG("shop") "]"));
	CU_ASSERT_EQUAL(denv_count(INST ".worker.rdb"), 1);
	CU_ASSERT_EQUAL(denv_count("shop.web.web"), 1);
}

/* 4b: an update of the client builds the instance again (§4.2.5.2): its
 * network and its portal's exist, nothing is created, no rule doubled. */
static void test_resource_client_update(void)
{
	char *inst_before = rules_text(INST), *portal_before = rules_text(INST_PORTAL_NET);
	CU_ASSERT_EQUAL_FATAL(denv_push("shop", V(2), RES_CLIENT_YAML, NULL), 0);
	docker_clear_calls();
	CU_ASSERT_EQUAL(it_call("PUT", "/api/v1/apps/shop/", "{\"meta_version\": \"" V(2) "\"}", 202), 202);
	denv_settle();
	json_object *calls = docker_calls();
	const char *const none[] = { NULL };
	assert_creates(calls, none);
	json_object_put(calls);
	char *inst_after = rules_text(INST), *portal_after = rules_text(INST_PORTAL_NET);
	CU_ASSERT_STRING_EQUAL(inst_after, inst_before);
	CU_ASSERT_STRING_EQUAL(portal_after, portal_before);
	free(inst_before);
	free(portal_before);
	free(inst_after);
	free(portal_after);
}

/* 5: docker answering 500, then not at all: 406 before deployd hears of
 * the app; docker back: the next POST deploys it. */
static void test_docker_failing(void)
{
	it_response_t r;
	CU_ASSERT_EQUAL(denv_reposit(NULL, "flaky"), 201);
	denv_settle();

	docker_clear_calls();
	docker_fail("{\"mode\": \"error500\", \"match\": \"/v1.26/networks/create\", \"count\": -1}");
	CU_ASSERT_EQUAL(it_req("POST", "/api/v1/apps/", "{\"appname\":\"flaky\"}", &r), 406);
	fprintf(stderr, "\n  flaky (docker 500): %ld %s\n", r.status, it_msg(&r));
	it_response_free(&r);
	json_object *calls = docker_calls();
	CU_ASSERT(creates(calls, "flaky") >= 1);   /* it was docker that failed it */
	json_object_put(calls);
	CU_ASSERT_EQUAL(it_req("GET", "/api/v1/apps/flaky/", NULL, &r), 200);
	const char *err = js_str(js_get(r.json, "app"), "deployerror");
	fprintf(stderr, "\n  deployerror: %s\n", err);
	CU_ASSERT(strcasestr(err, "docker") != NULL);
	it_response_free(&r);
	denv_settle();
	CU_ASSERT_EQUAL(denv_count("flaky."), 0);
	CU_ASSERT(!docker_has("flaky"));

	docker_fail("{\"mode\": \"none\"}");
	docker_fail("{\"mode\": \"down\", \"match\": \"/v1.26/networks\", \"count\": -1}");
	CU_ASSERT_EQUAL(it_req("POST", "/api/v1/apps/", "{\"appname\":\"flaky\"}", &r), 406);
	fprintf(stderr, "\n  flaky (docker down): %ld %s\n", r.status, it_msg(&r));
	it_response_free(&r);
	CU_ASSERT_EQUAL(it_req("GET", "/api/v1/apps/flaky/", NULL, &r), 200);
	err = js_str(js_get(r.json, "app"), "deployerror");
	fprintf(stderr, "\n  deployerror: %s\n", err);
	CU_ASSERT(strcasestr(err, "docker") != NULL);
	it_response_free(&r);
	denv_settle();
	CU_ASSERT_EQUAL(denv_count("flaky."), 0);

	docker_fail("{\"mode\": \"none\"}");
	CU_ASSERT_EQUAL(denv_deploy(NULL, "flaky", 202), 202);
	denv_settle();
	CU_ASSERT(docker_has("flaky"));
	CU_ASSERT(rule_at("flaky", "inbound_rules", 0, RULE_LAIN));
	CU_ASSERT_EQUAL(denv_count("flaky.web.web"), 1);
}

/* 6: deleting an app leaves its network and its profile. */
static void test_delete_keeps_network(void)
{
	char *before = rules_text("hello");
	docker_clear_calls();
	CU_ASSERT_EQUAL(it_call("DELETE", "/api/v1/apps/hello/", NULL, 202), 202);
	denv_settle();
	CU_ASSERT_EQUAL(denv_count("hello."), 0);
	CU_ASSERT(docker_has("hello"));
	json_object *calls = docker_calls();
	for (size_t i = 0; i < js_len(calls); i++)
		CU_ASSERT_STRING_NOT_EQUAL(js_str(js_at(calls, i), "method"), "DELETE");
	json_object_put(calls);
	char *after = rules_text("hello");
	CU_ASSERT_STRING_EQUAL(after, before);
	free(after);

	/* Deployed again: the network is there, nothing created, no rule twice. */
	docker_clear_calls();
	CU_ASSERT_EQUAL(denv_deploy(NULL, "hello", 202), 202);
	denv_settle();
	calls = docker_calls();
	const char *const none[] = { NULL };
	assert_creates(calls, none);
	json_object_put(calls);
	after = rules_text("hello");
	CU_ASSERT_STRING_EQUAL(after, before);
	free(after);
	free(before);
	CU_ASSERT_EQUAL(denv_count("hello.web.web"), 1);
}

static CU_TestInfo tests[] = {
	{ "1 first deploy: network created, profile rules", test_first_deploy },
	{ "1b the new profile's labels are {}", test_first_deploy_labels },
	{ "2 existing network: no create, profile untouched", test_existing_network },
	{ "2b profile there, network not: rules prepended", test_existing_profile },
	{ "3 service portal network and tag rules, once", test_service_portal },
	{ "3b a client from an update on: its portal network", test_service_new_client_on_update },
	{ "3c provider network gone: a client recreates it", test_provider_network_missing },
	{ "3d docker down on an update: 406, rolled back", test_update_docker_down },
	{ "4 resource instance and its portal's networks", test_resource_instance },
	{ "4b client update: instance networks not again", test_resource_client_update },
	{ "5 docker 500 / down: 406, nothing at deployd", test_docker_failing },
	{ "6 delete keeps network and profile; redeploy", test_delete_keeps_network },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "networks", NULL, NULL, NULL, NULL, tests },
	CU_SUITE_INFO_NULL,
};

/* The docker stand-in, which the stack started after it uses. */
static int docker_up(void)
{
	if (fake_start("docker", NULL, docker, sizeof(docker)) < 0)
		return -1;
	setenv("CONSOLE_DOCKER_BASE_URL", docker, 1);
	return 0;
}

/* A plain string, as the operators' tooling writes it (no JSON quotes). */
static int calico_keys(void)
{
	return it_etcd_put("/lain/config/calico_network", CALICO_NETWORK) ||
			       it_etcd_put("/lain/config/calico_default_rule", DEFAULT_RULE)
		       ? -1
		       : 0;
}

int main(void)
{
	const denv_image_t images[] = {
		{ "hello", V(1), WEB_YAML("hello"), NULL },
		{ "pre", V(1), WEB_YAML("pre"), NULL },
		{ "redis", V(1), SERVICE_YAML, NULL },
		{ "blog", V(1), CLIENT_YAML("/blog"), NULL },
		{ "news", V(1), WEB_YAML("news"), NULL },
		{ "old", V(1), WEB_YAML("old"), NULL },
		{ "mag", V(1), USES_REDIS("mag", "/mag"), NULL },
		{ "zine", V(1), WEB_YAML("zine"), NULL },
		{ "rdb", V(1), RES_YAML, NULL },
		{ "shop", V(1), RES_CLIENT_YAML, NULL },
		{ "flaky", V(1), WEB_YAML("flaky"), NULL },
	};
	const denv_suite_t suite = { .name = "it_networks", .images = images,
				     .nimages = ARRAY_SIZE(images), .stack_args = "--workers 2",
				     .before = docker_up, .after = calico_keys, .suites = suites };
	return denv_main(&suite);
}
