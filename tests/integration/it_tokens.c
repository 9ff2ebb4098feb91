/*
 * Deploy tokens end to end (issue 18), auth on, four workers: made, listed
 * and revoked by a maintainer; a token pushes the app's images with skopeo
 * through a real docker-registry whose token realm is this stack's E6, and
 * deploys them with curl-like calls; it acts as robot:<app>:<name> (oplog,
 * the registry token's sub) and never reaches SSO; its scopes and app bound
 * it (403, "access": []); an expired one is 401; a revoked one fails at once
 * on every worker, for the API and for the registry; "last used" is written
 * at most once a minute; its reads are one oplog row while nothing else
 * happens, counted exactly under concurrency; the secret is nowhere in etcd, the logs or the
 * answers after the one that made it.
 *
 * The tests run in order and build on each other's state.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
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

#define DOMAIN "example.lain.com"    /* the cluster's default domain: the tokens' aud */
#define SHA(n) "9e1f0c2d3b4a59687766554433221100ffeedd" #n #n
#define V(n) "170000000" #n "-" SHA(n)
#define YAML(app) "appname: " app "\nbuild:\n  base: golang\nweb:\n  cmd: /web\n  port: 80\n"
#define TOKENS "/api/v1/repos/hello/tokens/"
#define WORKERS 4

static char sso[256];
static char auth_registry[128];          /* http://127.0.0.1:PORT, wants tokens */
static char stack_args[128];
static char *alice, *bob;
static char ci[128], puller[128], reader[128], shorty[128];   /* the secrets */

/* ---- helpers */

static int free_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int port = -1;
	if (fd >= 0 && !bind(fd, (struct sockaddr *)&a, sizeof(a)) &&
	    !getsockname(fd, (struct sockaddr *)&a, &len))
		port = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

/* POSTs a token of hello; its secret into out (when 201). */
static long make_token(const char *body, long want, char *out, size_t len)
{
	it_response_t r;
	long st = it_req_as(alice, "POST", TOKENS, body, &r);
	json_object *t = js_get(r.json, "token");
	if (st != want)
		fprintf(stderr, "\n  POST " TOKENS " %s: want %ld, got %ld %s\n", body, want, st,
			r.body ? r.body : "");
	if (out)
		snprintf(out, len, "%s", st == 201 ? js_str(t, "secret") : "");
	it_response_free(&r);
	return st;
}


/* skopeo copies hello:<tag> from the open registry into the one that wants
 * tokens, as user:password (skopeo fetches its token at our E6); its exit
 * status. */
static int skopeo_push(const char *tag, const char *user, const char *password)
{
	return it_sh("timeout 120 skopeo --insecure-policy copy -q --src-tls-verify=false "
		   "--dest-tls-verify=false --dest-creds '%s:%s' docker://%s/hello:%s "
		   "docker://%s/hello:%s >>'%s/skopeo.log' 2>&1",
		   user, password, denv_registry() + strlen("http://"), tag,
		   auth_registry + strlen("http://"), tag, denv_dir());
}

/* A registry token for user:password and scope: the status, and its claims
 * (json_object_put them) when 200. */
static long registry_token(const char *user, const char *password, const char *scope,
			   json_object **claims)
{
	char path[512], header[512], cred[300];
	buf_t b64 = BUF_INIT, payload = BUF_INIT;
	snprintf(cred, sizeof(cred), "%s:%s", user, password);
	base64_encode(&b64, cred, strlen(cred));
	snprintf(header, sizeof(header), "Authorization: Basic %s", b64.data);
	snprintf(path, sizeof(path), "/api/v1/authorize/registry/?service=" DOMAIN "&scope=%s", scope);
	it_response_t r;
	it_request("GET", path, NULL, header, &r);
	long st = r.status;
	*claims = NULL;
	const char *t = it_field(&r, "token");
	const char *dot = t ? strchr(t, '.') : NULL, *end = dot ? strchr(dot + 1, '.') : NULL;
	if (st == 200 && end && !base64url_decode(&payload, dot + 1, (size_t)(end - dot - 1)))
		*claims = json_tokener_parse(payload.data);
	it_response_free(&r);
	buf_release(&b64);
	buf_release(&payload);
	return st;
}

/* The actions granted on repository name in claims, "pull,push" style. */
static const char *granted(json_object *claims, const char *name)
{
	static char out[64];
	out[0] = '\0';
	json_object *access = js_get(claims, "access");
	for (size_t i = 0; i < js_len(access); i++) {
		json_object *e = js_at(access, i), *acts = js_get(e, "actions");
		if (strcmp(js_str(e, "name"), name))
			continue;
		for (size_t k = 0; k < js_len(acts); k++)
			snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s", k ? "," : "",
				 json_object_get_string(js_at(acts, k)));
	}
	return out;
}

/* Every request SSO was sent, counted by its stand-in. */
static long sso_requests(void)
{
	char url[300], *body = NULL;
	snprintf(url, sizeof(url), "%s/__fake/state", sso);
	denv_call("GET", url, NULL, NULL, &body);
	json_object *j = json_tokener_parse(body ? body : ""), *counts;
	long n = -1;
	if (json_object_object_get_ex(j, "counts", &counts)) {
		n = 0;
		json_object_object_foreach(counts, k, v) {
			(void)k;
			n += json_object_get_int64(v);
		}
	}
	json_object_put(j);
	free(body);
	return n;
}

/* One value of etcd (v3) and its version: 0 when absent. */
static long long etcd_version(const char *key)
{
	char url[300], body[512];
	buf_t k = BUF_INIT;
	base64_encode(&k, key, strlen(key));
	snprintf(url, sizeof(url), "%s/v3/kv/range", stack_get("ETCD_URL"));
	snprintf(body, sizeof(body), "{\"key\":\"%s\"}", k.data);
	it_response_t r;
	it_request("POST", url, body, NULL, &r);
	json_object *kvs = js_get(r.json, "kvs");
	const char *v = js_len(kvs) ? js_str(js_at(kvs, 0), "version") : "0";
	long long n = strtoll(v ? v : "0", NULL, 10);
	it_response_free(&r);
	buf_release(&k);
	return n;
}

/* ---- every worker: requests in bursts until each worker answered */

struct shot {
	const char *token;      /* access-token, or NULL */
	const char *header;     /* or another header */
	const char *path;
	long status;
	char id[64];
};

static void *fire(void *p)
{
	struct shot *s = p;
	char header[512];
	it_response_t r;
	if (s->token)
		snprintf(header, sizeof(header), "access-token: %s", s->token);
	it_request("GET", s->path, NULL, s->token ? header : s->header, &r);
	s->status = r.status;
	const char *id = it_header(&r, "X-Request-Id");
	snprintf(s->id, sizeof(s->id), "%s", id ? id : "");
	it_response_free(&r);
	return NULL;
}

/* The worker that answered request id, from its access-log line (which
 * reaches the log in a batch, logring.h: looked for up to 5 s). */
static pid_t worker_of(const char *id)
{
	char cmd[512], line[512] = "";
	snprintf(cmd, sizeof(cmd), "grep -h 'id=%s$' '%s' | head -1", id, stack_get("CONSOLE_LOG"));
	for (int tries = 0; !line[0] && tries < 250; tries++) {
		if (tries)
			it_sleep_ms(20);
		FILE *p = popen(cmd, "r");
		if (p && !fgets(line, sizeof(line), p))
			line[0] = '\0';
		if (p)
			pclose(p);
	}
	const char *b = strchr(line, '[');
	return b ? (pid_t)strtol(b + 1, NULL, 10) : 0;
}

/* Sends GET path (with the token, or the header) from 8 clients at once,
 * again and again, until every worker of the master has answered at least
 * once (at most 40 rounds); every answer must be want. The number of
 * workers that answered. */
static int every_worker(const char *token, const char *header, const char *path, long want)
{
	pid_t workers[64], seen[64];
	int nw = it_children(stack_pid("CONSOLE_PID"), workers, 64), ns = 0, wrong = 0;
	for (int round = 0; round < 40 && ns < nw; round++) {
		struct shot s[8];
		pthread_t th[8];
		for (int i = 0; i < 8; i++) {
			s[i] = (struct shot){ .token = token, .header = header, .path = path };
			pthread_create(&th[i], NULL, fire, &s[i]);
		}
		for (int i = 0; i < 8; i++)
			pthread_join(th[i], NULL);
		for (int i = 0; i < 8; i++) {
			if (s[i].status != want) {
				if (!wrong++)
					fprintf(stderr, "\n  GET %s: want %ld, got %ld\n", path, want,
						s[i].status);
			}
			pid_t w = worker_of(s[i].id);
			bool known = false;
			for (int k = 0; k < ns; k++)
				known |= seen[k] == w;
			if (w && !known && ns < 64)
				seen[ns++] = w;
		}
	}
	CU_ASSERT_EQUAL(wrong, 0);
	if (ns != nw)
		fprintf(stderr, "\n  only %d of %d workers answered GET %s\n", ns, nw, path);
	return ns;
}

/* ---- 1: making tokens */

static void test_make(void)
{
	const char *bad[] = { NULL, "{}", "[]", "{\"name\": \"ci\"}", "{\"name\": 5, \"scopes\": [\"push\"]}",
		"{\"name\": \"Bad Name\", \"scopes\": [\"push\"]}", "{\"name\": \"x\", \"scopes\": []}",
		"{\"name\": \"x\", \"scopes\": [\"admin\"]}", "{\"name\": \"x\", \"scopes\": \"push\"}",
		"{\"name\": \"x\", \"scopes\": [\"push\"], \"expires_in\": 0}",
		"{\"name\": \"x\", \"scopes\": [\"push\"], \"expires_in\": \"1d\"}",
		"{\"name\": \"x\", \"scopes\": [\"push\"], \"expires_in\": 7776001}" };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		CU_ASSERT_EQUAL(make_token(bad[i], 400, NULL, 0), 400);
	const char *body = "{\"name\": \"ci\", \"scopes\": [\"push\", \"deploy\"], \"expires_in\": 2592000}";
	/* maintainers only */
	CU_ASSERT_EQUAL(it_call_as(NULL, "POST", TOKENS, body, 401), 401);
	denv_expect(bob, "POST", TOKENS, body, 403, "forbidden : don't have the access to app hello");
	denv_expect(bob, "GET", TOKENS, NULL, 403, NULL);
	/* 201 with the secret, once */
	it_response_t r;
	CU_ASSERT_EQUAL(it_req_as(alice, "POST", TOKENS, body, &r), 201);
	json_object *t = js_get(r.json, "token");
	snprintf(ci, sizeof(ci), "%s", js_str(t, "secret") ? js_str(t, "secret") : "");
	CU_ASSERT_PREFIX(ci, "lc_");
	CU_ASSERT_EQUAL(strlen(ci), 3 + 52);
	CU_ASSERT_STRING_EQUAL(js_str(t, "user"), "robot:hello:ci");
	CU_ASSERT_STRING_EQUAL(js_str(t, "creator"), "alice");
	CU_ASSERT_STRING_EQUAL(it_header(&r, "Cache-Control") ? it_header(&r, "Cache-Control") : "",
			       "no-store");
	it_response_free(&r);
	/* the name once */
	CU_ASSERT_EQUAL(make_token(body, 409, NULL, 0), 409);
	CU_ASSERT_EQUAL(make_token("{\"name\": \"puller\", \"scopes\": [\"pull\"]}", 201, puller,
				   sizeof(puller)), 201);
	CU_ASSERT_EQUAL(make_token("{\"name\": \"reader\", \"scopes\": [\"read\"]}", 201, reader,
				   sizeof(reader)), 201);
	CU_ASSERT_STRING_NOT_EQUAL(ci, puller);
	/* listed without secrets */
	CU_ASSERT_EQUAL(it_req_as(alice, "GET", TOKENS, NULL, &r), 200);
	json_object *list = js_get(r.json, "tokens");
	CU_ASSERT_EQUAL(js_len(list), 3);
	json_object *c = js_find(list, "name", "ci");
	CU_ASSERT_PTR_NOT_NULL(c);
	CU_ASSERT_STRING_EQUAL(json_object_to_json_string_ext(js_get(c, "scopes"), JSON_C_TO_STRING_PLAIN),
			       "[\"push\",\"deploy\"]");
	CU_ASSERT(!json_object_object_get_ex(c, "secret", NULL));
	CU_ASSERT(!json_object_object_get_ex(c, "hash", NULL));
	CU_ASSERT(!json_object_object_get_ex(c, "salt", NULL));
	CU_ASSERT(json_object_is_type(js_get(c, "last_used"), json_type_null));
	CU_ASSERT_PTR_NULL(strstr(r.body, ci));
	it_response_free(&r);
}

/* ---- 2: pushing with skopeo, deploying with curl */

static void test_push_and_deploy(void)
{
	long sso_before = sso_requests();
	CU_ASSERT_EQUAL(skopeo_push("meta-" V(1), "robot:hello:ci", ci), 0);
	CU_ASSERT_EQUAL(skopeo_push("release-" V(1), "robot:hello:ci", ci), 0);
	/* a wrong secret, or another token's name, pushes nothing */
	CU_ASSERT_NOT_EQUAL(skopeo_push("meta-" V(2), "robot:hello:ci", puller), 0);
	CU_ASSERT_NOT_EQUAL(skopeo_push("meta-" V(2), "robot:hello:puller", puller), 0);
	/* E7, then lain-cli's polling: deploy covers the app's GETs */
	denv_expect(ci, "POST", "/api/v1/apps/", "{\"appname\": \"hello\"}", 202, NULL);
	denv_settle();
	bool healthy = false;
	it_response_t r;
	for (int i = 0; i < 100 && !healthy; i++) {
		if (it_req_as(ci, "GET", "/api/v1/apps/hello/", NULL, &r) == 200)
			healthy = denv_healthy(js_get(r.json, "app"));
		it_response_free(&r);
		if (!healthy)
			it_sleep_ms(100);
	}
	CU_ASSERT(healthy);
	/* an update to a version the token pushed (E8 PUT) */
	CU_ASSERT_EQUAL(skopeo_push("meta-" V(2), "robot:hello:ci", ci), 0);
	CU_ASSERT_EQUAL(skopeo_push("release-" V(2), "robot:hello:ci", ci), 0);
	denv_expect(ci, "PUT", "/api/v1/apps/hello/", "{\"meta_version\": \"" V(2) "\"}", 202, NULL);
	denv_settle();
	CU_ASSERT_EQUAL(it_req_as(ci, "GET", "/api/v1/repos/hello/details/", NULL, &r), 200);
	CU_ASSERT_STRING_EQUAL(js_str(js_get(r.json, "detail"), "meta_version"), V(2));
	it_response_free(&r);
	/* none of it asked SSO */
	CU_ASSERT_EQUAL(sso_requests(), sso_before);
	/* the releases it made are the robot's */
	CU_ASSERT_EQUAL(it_req_as(alice, "GET", "/api/v1/apps/hello/releases/", NULL, &r), 200);
	json_object *rels = js_get(r.json, "releases");
	CU_ASSERT_EQUAL(js_len(rels), 2);
	for (size_t i = 0; i < js_len(rels); i++)
		CU_ASSERT_STRING_EQUAL(js_str(js_at(rels, i), "user"), "robot:hello:ci");
	it_response_free(&r);

	/* acted as robot:hello:ci: the oplog (alice reads it) */
	CU_ASSERT_EQUAL(it_req_as(alice, "GET", "/api/v1/oplogs/hello/", NULL, &r), 200);
	json_object *rows = json_tokener_parse(js_str(r.json, "oplog") ? js_str(r.json, "oplog") : "");
	int deploys = 0, registry = 0, tokens = 0;
	for (size_t i = 0; i < js_len(rows); i++) {
		json_object *f = js_get(js_at(rows, i), "fields");
		const char *op = js_str(f, "op"), *user = js_str(f, "user");
		if (!strcmp(op, "DEPLOY") || !strcmp(op, "UPGRADE") || !strcmp(op, "UPDATE"))
			deploys += !strcmp(user, "robot:hello:ci");
		if (!strcmp(op, "REGISTRY"))
			registry += !strcmp(user, "robot:hello:ci");
		if (!strcmp(op, "TOKEN"))
			tokens += !strcmp(user, "alice");
	}
	if (deploys < 2 || !registry || tokens < 3)
		fprintf(stderr, "\n  oplog: %s\n", json_object_to_json_string(rows));
	CU_ASSERT(deploys >= 2);
	CU_ASSERT(registry >= 1);
	CU_ASSERT_EQUAL(tokens, 3);
	json_object_put(rows);
	it_response_free(&r);
	/* its last use is known */
	CU_ASSERT_EQUAL(it_req_as(alice, "GET", TOKENS, NULL, &r), 200);
	json_object *c = js_find(js_get(r.json, "tokens"), "name", "ci");
	CU_ASSERT(json_object_is_type(js_get(c, "last_used"), json_type_string));
	it_response_free(&r);
}

/* ---- 3: its app and its scopes */

static void test_bounds(void)
{
	denv_expect(ci, "GET", "/api/v1/repos/other/", NULL, 403, "forbidden : deploy token robot:hello:ci "
	       "may only act on app hello");
	denv_expect(ci, "POST", "/api/v1/apps/", "{\"appname\": \"other\"}", 403, NULL);
	/* routes no token may use, on its own app */
	const struct {
		const char *method, *path, *body;
	} people_only[] = {
		{ "DELETE", "/api/v1/apps/hello/", NULL },
		{ "GET", "/api/v1/repos/hello/maintainers/", NULL },
		{ "POST", "/api/v1/repos/hello/maintainers/", "{\"username\": \"bob\", \"role\": \"admin\"}" },
		{ "GET", "/api/v1/repos/hello/roles/", NULL },
		{ "GET", TOKENS, NULL },
		{ "POST", TOKENS, "{\"name\": \"more\", \"scopes\": [\"push\"]}" },
		{ "DELETE", TOKENS "puller/", NULL },
		{ "GET", "/api/v1/apps/", NULL },
		{ "GET", "/api/v1/repos/", NULL },
		{ "POST", "/api/v1/repos/", "{\"appname\": \"robotmade\"}" },
		{ "GET", "/api/v1/notify/imagepush/", NULL },
	};
	for (size_t i = 0; i < ARRAY_SIZE(people_only); i++)
		denv_expect(ci, people_only[i].method, people_only[i].path, people_only[i].body, 403, NULL);
	denv_expect(ci, "PUT", "/api/v1/apps/hello/", "{}", 202, NULL);   /* deploy: its scope */
	denv_settle();
	denv_expect(ci, "DELETE", "/api/v1/apps/hello/", NULL, 403,
	       "forbidden : deploy token robot:hello:ci (scopes: push, deploy) may not DELETE "
	       "/v1/apps/hello/: deploy tokens may not use it");
	/* pull: no API at all; read: the app's GETs only */
	denv_expect(puller, "GET", "/api/v1/repos/hello/", NULL, 403,
	       "forbidden : deploy token robot:hello:puller (scopes: pull) may not GET "
	       "/v1/repos/hello/: it takes the scope read or deploy");
	denv_expect(reader, "GET", "/api/v1/apps/hello/", NULL, 200, NULL);
	denv_expect(reader, "GET", "/api/v1/apps/hello/procs/", NULL, 200, NULL);
	denv_expect(reader, "GET", "/api/v1/oplogs/hello/", NULL, 200, NULL);
	denv_expect(reader, "GET", "/api/v1/apps/hello/releases/", NULL, 200, NULL);
	denv_expect(reader, "GET", "/api/v1/apps/hello/releases/1/", NULL, 200, NULL);
	denv_expect(reader, "POST", "/api/v1/apps/hello/rollback/", "{}", 403, NULL);
	/* a rollback is a deploy: its plan, as a dry run */
	denv_expect(ci, "POST", "/api/v1/apps/hello/rollback/?dry_run=1", "{}", 200, NULL);
	denv_expect(reader, "PUT", "/api/v1/apps/hello/", "{}", 403, NULL);
	denv_expect(reader, "POST", "/api/v1/apps/hello/procs/", "{\"procname\": \"web\"}", 403, NULL);
	/* unknown tokens: 401, SSO not asked */
	long before = sso_requests();
	denv_expect("lc_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "GET", "/api/v1/apps/hello/",
	       NULL, 401, "unauthorized : don't have the access to the operation");
	CU_ASSERT_EQUAL(sso_requests(), before);

	/* the registry: its own repository, its scopes */
	json_object *c = NULL;
	CU_ASSERT_EQUAL(registry_token("robot:hello:ci", ci, "repository:hello:pull,push", &c), 200);
	CU_ASSERT_STRING_EQUAL(granted(c, "hello"), "pull,push");
	CU_ASSERT_STRING_EQUAL(js_str(c, "sub"), "robot:hello:ci");
	json_object_put(c);
	CU_ASSERT_EQUAL(registry_token("robot:hello:ci", ci, "repository:other:pull,push", &c), 200);
	CU_ASSERT_EQUAL(js_len(js_get(c, "access")), 0);
	json_object_put(c);
	CU_ASSERT_EQUAL(registry_token("robot:hello:puller", puller, "repository:hello:pull,push", &c), 200);
	CU_ASSERT_STRING_EQUAL(granted(c, "hello"), "pull");
	json_object_put(c);
	CU_ASSERT_EQUAL(registry_token("robot:hello:reader", reader, "repository:hello:pull,push", &c), 200);
	CU_ASSERT_EQUAL(js_len(js_get(c, "access")), 0);
	json_object_put(c);
	/* a name that is not its token's, a wrong secret, another app: 401 */
	CU_ASSERT_EQUAL(registry_token("robot:hello:puller", ci, "repository:hello:pull", &c), 401);
	CU_ASSERT_EQUAL(registry_token("robot:other:ci", ci, "repository:other:pull", &c), 401);
	CU_ASSERT_EQUAL(registry_token("robot:hello:ci", "lc_x", "repository:hello:pull", &c), 401);
	CU_ASSERT_EQUAL(sso_requests(), before);
	/* pull only: skopeo cannot push */
	CU_ASSERT_NOT_EQUAL(skopeo_push("meta-" V(3), "robot:hello:puller", puller), 0);
}

/* ---- 4: expired */

static void test_expired(void)
{
	CU_ASSERT_EQUAL(make_token("{\"name\": \"short\", \"scopes\": [\"push\", \"read\"], "
				   "\"expires_in\": 1}", 201, shorty, sizeof(shorty)), 201);
	it_sleep_ms(2100);
	denv_expect(shorty, "GET", "/api/v1/repos/hello/", NULL, 401,
	       "unauthorized : don't have the access to the operation (the deploy token expired)");
	json_object *c = NULL;
	CU_ASSERT_EQUAL(registry_token("robot:hello:short", shorty, "repository:hello:pull", &c), 401);
	json_object_put(c);
	it_response_t r;
	CU_ASSERT_EQUAL(it_req_as(alice, "GET", TOKENS, NULL, &r), 200);
	CU_ASSERT(json_object_get_boolean(js_get(js_find(js_get(r.json, "tokens"), "name", "short"),
						 "expired")));
	it_response_free(&r);
}

/* ---- 5: last used, without a write per request */

static void test_last_used(void)
{
	/* reader was used in test 3 (a write then); thirty uses within the
	 * minute write nothing more */
	long long v0 = etcd_version("/lain/console/tokens/hello/reader");
	CU_ASSERT(v0 >= 1);
	for (int i = 0; i < 30; i++)
		denv_expect(reader, "GET", "/api/v1/repos/hello/", NULL, 200, NULL);
	CU_ASSERT_EQUAL(etcd_version("/lain/console/tokens/hello/reader"), v0);
}

/* ---- 6: reads are oplog rows, coalesced */

/* The newest rows of hello's oplog as etcd holds them (at most 3, newest
 * first): each value parsed, json_object_put the array. */
static json_object *newest_rows(void)
{
	char url[300], body[512];
	buf_t k = BUF_INIT, end = BUF_INIT;
	const char *prefix = "/lain/console/oplog/hello/", *after = "/lain/console/oplog/hello0";
	base64_encode(&k, prefix, strlen(prefix));
	base64_encode(&end, after, strlen(after));
	snprintf(url, sizeof(url), "%s/v3/kv/range", stack_get("ETCD_URL"));
	snprintf(body, sizeof(body), "{\"key\":\"%s\",\"range_end\":\"%s\",\"limit\":\"3\","
		 "\"sort_order\":\"DESCEND\",\"sort_target\":\"KEY\"}", k.data, end.data);
	it_response_t r;
	it_request("POST", url, body, NULL, &r);
	json_object *kvs = js_get(r.json, "kvs"), *out = json_object_new_array();
	for (size_t i = 0; i < js_len(kvs); i++) {
		buf_t v = BUF_INIT;
		const char *vs = js_str(js_at(kvs, i), "value");
		base64_decode(&v, vs ? vs : "", vs ? strlen(vs) : 0);
		json_object_array_add(out, json_tokener_parse(v.data ? v.data : ""));
		buf_release(&v);
	}
	it_response_free(&r);
	buf_release(&k);
	buf_release(&end);
	return out;
}

/* The "reads" of row i of newest_rows when it is a READ row of user, else -1. */
static long reads_of(json_object *rows, size_t i, const char *user)
{
	json_object *row = js_at(rows, i);
	if (!row || strcmp(js_str(row, "op") ? js_str(row, "op") : "", "READ") ||
	    strcmp(js_str(row, "user") ? js_str(row, "user") : "", user)) {
		fprintf(stderr, "\n  row %zu: %s\n", i, json_object_to_json_string(row));
		return -1;
	}
	return (long)json_object_get_int64(js_get(row, "reads"));
}

/* E24's newest row (as alice reads it: a person's reads are no rows). */
static json_object *e24_newest(void)
{
	it_response_t r;
	CU_ASSERT_EQUAL(it_req_as(alice, "GET", "/api/v1/oplogs/hello/", NULL, &r), 200);
	json_object *rows = json_tokener_parse(js_str(r.json, "oplog") ? js_str(r.json, "oplog") : "");
	json_object *f = json_object_get(js_get(js_at(rows, 0), "fields"));
	json_object_put(rows);
	it_response_free(&r);
	return f;
}

static void *read_five(void *p)
{
	struct shot *s = p;
	for (int i = 0; i < 5; i++) {
		fire(s);
		if (s->status != 200)
			break;
		pid_t w = worker_of(s->id);
		snprintf(s->id, sizeof(s->id), "%ld", (long)w);
	}
	return NULL;
}

static void test_reads(void)
{
	/* a deploy, then N reads: one row after it, with count N */
	denv_expect(ci, "PUT", "/api/v1/apps/hello/", "{}", 202, NULL);
	denv_settle();
	json_object *rows = newest_rows();
	CU_ASSERT_STRING_EQUAL(js_str(js_at(rows, 0), "user"), "robot:hello:ci");
	CU_ASSERT_STRING_NOT_EQUAL(js_str(js_at(rows, 0), "op"), "READ");
	json_object_put(rows);
	const char *paths[] = { "/api/v1/apps/hello/", "/api/v1/repos/hello/", "/api/v1/apps/hello/procs/" };
	for (int i = 0; i < 7; i++)
		denv_expect(reader, "GET", paths[i % 3], NULL, 200, NULL);
	rows = newest_rows();
	CU_ASSERT_EQUAL(reads_of(rows, 0, "robot:hello:reader"), 7);
	CU_ASSERT_STRING_EQUAL(js_str(js_at(rows, 1), "user"), "robot:hello:ci");
	json_object_put(rows);
	json_object *f = e24_newest();
	CU_ASSERT_STRING_EQUAL(js_str(f, "op"), "READ");
	CU_ASSERT_STRING_EQUAL(js_str(f, "user"), "robot:hello:reader");
	CU_ASSERT_STRING_EQUAL(js_str(f, "app_version"), "");
	CU_ASSERT_PREFIX(js_str(f, "message"), "7 reads, the last GET /v1/apps/hello/ at 20");
	CU_ASSERT(!json_object_object_get_ex(f, "reads", NULL));  /* E24's shape as it was */
	json_object_put(f);

	/* a deploy in between: a new row after it; the reads before stay */
	denv_expect(ci, "PUT", "/api/v1/apps/hello/", "{}", 202, NULL);
	denv_settle();
	denv_expect(reader, "GET", "/api/v1/apps/hello/", NULL, 200, NULL);
	rows = newest_rows();
	CU_ASSERT_EQUAL(reads_of(rows, 0, "robot:hello:reader"), 1);
	CU_ASSERT_STRING_EQUAL(js_str(js_at(rows, 1), "user"), "robot:hello:ci");
	CU_ASSERT_EQUAL(reads_of(rows, 2, "robot:hello:reader"), 7);
	json_object_put(rows);
	f = e24_newest();
	CU_ASSERT_PREFIX(js_str(f, "message"), "1 read, the last GET /v1/apps/hello/ at 20");
	json_object_put(f);
	/* another token's read is its own row */
	denv_expect(ci, "GET", "/api/v1/apps/hello/", NULL, 200, NULL);
	rows = newest_rows();
	CU_ASSERT_EQUAL(reads_of(rows, 0, "robot:hello:ci"), 1);
	CU_ASSERT_EQUAL(reads_of(rows, 1, "robot:hello:reader"), 1);
	json_object_put(rows);

	/* 8 clients at once, 5 reads each, on every worker: 40 counted, one row */
	denv_expect(reader, "GET", "/api/v1/apps/hello/", NULL, 200, NULL);
	struct shot s[8];
	pthread_t th[8];
	for (int i = 0; i < 8; i++) {
		s[i] = (struct shot){ .token = reader, .path = paths[i % 3] };
		pthread_create(&th[i], NULL, read_five, &s[i]);
	}
	for (int i = 0; i < 8; i++)
		pthread_join(th[i], NULL);
	int ok = 0, workers = 0;
	for (int i = 0; i < 8; i++) {
		ok += s[i].status == 200;
		bool again = false;
		for (int k = 0; k < i; k++)
			again |= !strcmp(s[k].id, s[i].id);
		workers += !again;
	}
	CU_ASSERT_EQUAL(ok, 8);
	CU_ASSERT(workers >= 2);
	rows = newest_rows();
	CU_ASSERT_EQUAL(reads_of(rows, 0, "robot:hello:reader"), 41);
	CU_ASSERT_EQUAL(reads_of(rows, 1, "robot:hello:ci"), 1);
	json_object_put(rows);
	f = e24_newest();
	CU_ASSERT_PREFIX(js_str(f, "message"), "41 reads, the last GET /v1/");
	json_object_put(f);
}

/* ---- 7: revoked, on every worker at once */

static void test_revoke(void)
{
	char basic[512], cred[300];
	buf_t b64 = BUF_INIT;
	snprintf(cred, sizeof(cred), "robot:hello:ci:%s", ci);
	base64_encode(&b64, cred, strlen(cred));
	snprintf(basic, sizeof(basic), "Authorization: Basic %s", b64.data);
	const char *reg = "/api/v1/authorize/registry/?service=" DOMAIN "&scope=repository:hello:push,pull";
	/* every worker takes it */
	CU_ASSERT_EQUAL(every_worker(ci, NULL, "/api/v1/repos/hello/", 200), WORKERS);
	CU_ASSERT_EQUAL(every_worker(NULL, basic, reg, 200), WORKERS);
	denv_expect(ci, "DELETE", TOKENS "ci/", NULL, 403, NULL);
	denv_expect(alice, "DELETE", TOKENS "ci/", NULL, 200, "deploy token robot:hello:ci revoked");
	/* ... and none does any more, from the next request on */
	CU_ASSERT_EQUAL(every_worker(ci, NULL, "/api/v1/repos/hello/", 401), WORKERS);
	CU_ASSERT_EQUAL(every_worker(NULL, basic, reg, 401), WORKERS);
	CU_ASSERT_NOT_EQUAL(skopeo_push("meta-" V(3), "robot:hello:ci", ci), 0);
	denv_expect(ci, "PUT", "/api/v1/apps/hello/", "{}", 401, NULL);
	denv_expect(alice, "DELETE", TOKENS "ci/", NULL, 404, "app 'hello' has no token named 'ci'");
	it_response_t r;
	CU_ASSERT_EQUAL(it_req_as(alice, "GET", TOKENS, NULL, &r), 200);
	CU_ASSERT_PTR_NULL(js_find(js_get(r.json, "tokens"), "name", "ci"));
	it_response_free(&r);
	buf_release(&b64);
}

/* ---- 8: the secrets are nowhere */

static void test_secrets_nowhere(void)
{
	/* etcd: every key and value of the whole keyspace */
	char url[300];
	snprintf(url, sizeof(url), "%s/v3/kv/range", stack_get("ETCD_URL"));
	it_response_t r;
	it_request("POST", url, "{\"key\":\"AA==\",\"range_end\":\"AA==\"}", NULL, &r);
	json_object *kvs = js_get(r.json, "kvs");
	CU_ASSERT(js_len(kvs) > 10);
	const char *secrets[] = { ci, puller, reader, shorty };
	int found = 0, hashes = 0;
	for (size_t i = 0; i < js_len(kvs); i++) {
		buf_t k = BUF_INIT, v = BUF_INIT;
		const char *ks = js_str(js_at(kvs, i), "key"), *vs = js_str(js_at(kvs, i), "value");
		base64_decode(&k, ks ? ks : "", ks ? strlen(ks) : 0);
		base64_decode(&v, vs ? vs : "", vs ? strlen(vs) : 0);
		for (size_t s = 0; s < ARRAY_SIZE(secrets); s++)
			if ((k.data && strstr(k.data, secrets[s])) || (v.data && strstr(v.data, secrets[s]))) {
				fprintf(stderr, "\n  a secret in etcd at %s\n", k.data);
				found++;
			}
		hashes += k.data && !strncmp(k.data, "/lain/console/tokens/", 21) && v.data &&
			  strstr(v.data, "\"hash\"");
		buf_release(&k);
		buf_release(&v);
	}
	CU_ASSERT_EQUAL(found, 0);
	CU_ASSERT_EQUAL(hashes, 3);     /* puller, reader, short: their hashes only */
	it_response_free(&r);
	/* the logs: lain-console's (at debug), nginx's, etcd's, the registries' */
	for (size_t s = 0; s < ARRAY_SIZE(secrets); s++) {
		CU_ASSERT_NOT_EQUAL(it_sh("grep -rqF '%s' '%s'", secrets[s], stack_get("STACK_DIR")), 0);
		CU_ASSERT_NOT_EQUAL(it_sh("grep -rqF '%s' '%s'", secrets[s], denv_dir()), 0);
	}
	/* and no answer but the first: the list */
	CU_ASSERT_EQUAL(it_req_as(alice, "GET", TOKENS, NULL, &r), 200);
	for (size_t s = 0; s < ARRAY_SIZE(secrets); s++)
		CU_ASSERT_PTR_NULL(strstr(r.body, secrets[s]));
	it_response_free(&r);
}

static CU_TestInfo tests[] = {
	{ "1 a maintainer makes tokens; the secret once", test_make },
	{ "2 a token pushes with skopeo and deploys", test_push_and_deploy },
	{ "3 its app and its scopes bound it; SSO never asked", test_bounds },
	{ "4 an expired token: 401", test_expired },
	{ "5 last used: not a write per request", test_last_used },
	{ "6 reads are oplog rows, coalesced", test_reads },
	{ "7 revoked: refused at once on every worker", test_revoke },
	{ "8 the secrets are not in etcd, the logs or answers", test_secrets_nowhere },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "tokens", NULL, NULL, NULL, NULL, tests },
	CU_SUITE_INFO_NULL,
};

static int before(void)
{
	if (access("/usr/bin/skopeo", X_OK)) {
		fprintf(stderr, "it_tokens: /usr/bin/skopeo is not installed\n");
		return -1;
	}
	if (it_sso_up(NULL, sso, sizeof(sso)))
		return -1;
	int port = free_port();
	char realm[256], key[512];
	snprintf(realm, sizeof(realm), "https://127.0.0.1:%d/api/v1/authorize/registry/", port);
	if (port < 0 || denv_auth_registry_at(DOMAIN, realm, auth_registry, sizeof(auth_registry),
					      key, sizeof(key)))
		return -1;
	/* The stack reads its images from the registry that wants tokens. */
	setenv("CONSOLE_PRIVATE_REGISTRY", auth_registry + strlen("http://"), 1);
	setenv("CONSOLE_REGISTRY_KEY", key, 1);
	/* Everything logged: the secrets must not be in it all the same. */
	setenv("CONSOLE_LOG_LEVEL", "debug", 1);
	snprintf(stack_args, sizeof(stack_args), "--workers %d --https-port %d", WORKERS, port);
	return 0;
}

static int after(void)
{
	if (it_auth_on(sso))
		return -1;
	alice = it_sso_token(sso, "alice");
	bob = it_sso_token(sso, "bob");
	return alice[0] && bob[0] && denv_reposit(alice, "hello") == 201 &&
			       denv_reposit(alice, "other") == 201
		       ? 0
		       : -1;
}

static void cleanup(void)
{
	free(alice);
	free(bob);
}

int main(void)
{
	const denv_image_t images[] = {
		{ "hello", V(1), YAML("hello"), NULL },
		{ "hello", V(2), YAML("hello"), NULL },
		{ "hello", V(3), YAML("hello"), NULL },
	};
	const denv_suite_t suite = { .name = "it_tokens", .images = images,
				     .nimages = ARRAY_SIZE(images), .stack_args = stack_args,
				     .before = before, .after = after, .cleanup = cleanup,
				     .suites = suites };
	return denv_main(&suite);
}
