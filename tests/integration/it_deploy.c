/* The deploy foundations against real neighbours: the deployd client against
 * the deployd stand-in, the registry client against docker-registry (images
 * from push-image), the oplog and the deploy lock against the stack's etcd. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CUnit/CUnit.h>
#include <json-c/json.h>
#include <openssl/sha.h>

#include "console/cluster.h"
#include "console/config.h"
#include "console/ctx.h"
#include "console/deployd.h"
#include "console/httpm.h"
#include "console/locks.h"
#include "console/oplog.h"
#include "console/oplogs.h"
#include "console/registry.h"
#include "console/registry_auth.h"
#include "console/version.h"
#include "deploy_env.h"
#include "harness.h"
#include "testlib.h"

#define V(n) "152445598" #n "-f478328a58bc9725c19030e7663e2ee3fa87b02" #n

static config_t cfg;
static ctx_t ctx;
/* The clients under test, made as a worker makes them (app/api/peers.c),
 * without a token source. */
static deployd_t *dd;
static registry_t *reg;

static char *yaml_of(int n)
{
	char *s = NULL;
	if (asprintf(&s, "appname: hello\n# version %d\nbuild:\n  base: golang\nweb:\n  cmd: /hello\n",
		     n) < 0)
		abort();
	return s;
}

static int suite_up(void)
{
	if (denv_up())
		return -1;
	/* The pushes (about 2 s each) run while the stack starts. */
	pid_t pushers[5];
	for (int i = 1; i <= 5; i++) {
		pushers[i - 1] = fork();
		if (pushers[i - 1] == 0) {
			char *y = yaml_of(i);
			char v[64];
			snprintf(v, sizeof(v), "152445598%d-f478328a58bc9725c19030e7663e2ee3fa87b02%d",
				 i, i);
			_exit(denv_push("hello", v, y, NULL) ? 1 : 0);
		}
	}
	int up = stack_up(NULL);
	int pushed = 0;
	for (int i = 0; i < 5; i++) {
		int st = 0;
		if (pushers[i] > 0 && waitpid(pushers[i], &st, 0) == pushers[i] && WIFEXITED(st) &&
		    WEXITSTATUS(st) == 0)
			pushed++;
	}
	if (up || pushed != 5) {
		fprintf(stderr, "it_deploy: stack %s, %d of 5 images pushed\n", up ? "down" : "up",
			pushed);
		return -1;
	}
	setenv("CONSOLE_ETCD_HOST", stack_get("ETCD_URL"), 1);
	err_t err = ERR_INIT;
	if (config_load(&cfg, "/dev/null", &err)) {
		fprintf(stderr, "config: %s\n", err.msg);
		return -1;
	}
	ctx.cfg = &cfg;
	const cluster_t *cl;
	if (ctx_open(&ctx, &err) || cluster_get(&ctx, &cl, &err)) {
		fprintf(stderr, "it_deploy: %s\n", err.msg);
		return -1;
	}
	dd = deployd_new(cl->apiserver, cfg.http_timeout_ms, cfg.http_connect_timeout_ms);
	reg = registry_new(cl->registry, cfg.http_timeout_ms, cfg.http_connect_timeout_ms, NULL,
			   NULL);
	return 0;
}

static int suite_down(void)
{
	deployd_free(dd);
	registry_free(reg);
	ctx_close(&ctx);
	config_release(&cfg);
	stack_down();
	denv_down();
	return 0;
}

/* Waits until the fake has done all accepted work (its 423 lock is free). */
static void settle(void)
{
	if (denv_settle())
		CU_FAIL("the deployd fake did not settle");
}

static json_object *pg_spec(const char *name, int srcport)
{
	char text[1024];
	snprintf(text, sizeof(text),
		 "{\"Name\":\"%s\",\"Namespace\":\"hello\",\"NumInstances\":1,\"RestartPolicy\":1,"
		 "\"Pod\":{\"Name\":\"%s\",\"Namespace\":\"hello\",\"Containers\":[{\"Image\":"
		 "\"r/hello:release-1\",\"Env\":[],\"Expose\":80,\"Command\":[\"/hello\"]}],"
		 "\"Dependencies\":[],\"Annotation\":\"{\\\"mountpoint\\\":[],\\\"ports\\\":"
		 "[{\\\"srcport\\\":%d,\\\"dstport\\\":80,\\\"proto\\\":\\\"tcp\\\"}]}\","
		 "\"Labels\":{},\"Filters\":[],\"HealthConfig\":{}}}",
		 name, name, srcport);
	return json_tokener_parse(text);
}

/* ---- deployd */

static void test_gate(void)
{
	err_t err = ERR_INIT;
	denv_fake("POST", "/__fake/reset", "{}", NULL);
	CU_ASSERT_EQUAL(deployd_gate(dd, &err), 0);
	CU_ASSERT_EQUAL(denv_fake("PATCH", "/api/status", "{\"status\":\"stop\"}", NULL), 202);
	CU_ASSERT_EQUAL(deployd_gate(dd, &err), -ERR_UNAVAILABLE);
	CU_ASSERT_STRING_EQUAL(err.msg, "deployd is now in maintain state, please wait for a while");
	denv_fake("PATCH", "/api/status", "{\"status\":\"start\"}", NULL);
	CU_ASSERT_EQUAL(deployd_gate(dd, &err), 0);

	/* Down: every call dropped without an answer. */
	denv_fake("POST", "/__fake/fail", "{\"mode\":\"down\",\"count\":-1}", NULL);
	CU_ASSERT_EQUAL(deployd_gate(dd, &err), -ERR_UNAVAILABLE);
	CU_ASSERT_PREFIX(err.msg, "deployd unavailable: ");
	deployd_result_t r = DEPLOYD_RESULT_INIT;
	CU_ASSERT_EQUAL(deployd_podgroup_get(dd, "x.web.web", &r, &err), -ERR_UNAVAILABLE);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "read podgroup 'x.web.web'"));
	deployd_result_release(&r);
	denv_fake("POST", "/__fake/fail", "{\"mode\":\"none\"}", NULL);
	CU_ASSERT_EQUAL(deployd_gate(dd, &err), 0);
}

static void test_podgroup_cycle(void)
{
	err_t err = ERR_INIT;
	deployd_result_t r = DEPLOYD_RESULT_INIT;
	const char *pg = "hello.web.web";
	json_object *spec = pg_spec(pg, 9501);
	denv_fake("POST", "/__fake/reset", "{}", NULL);

	CU_ASSERT_EQUAL(deployd_podgroup_create(dd, spec, &r, &err), 0);
	CU_ASSERT_EQUAL(r.status, 202);
	CU_ASSERT_EQUAL(deployd_podgroup_create(dd, spec, &r, &err), -ERR_CONFLICT);
	CU_ASSERT_EQUAL(r.status, 405);
	CU_ASSERT_STRING_EQUAL(err.msg, "deployd refused to create podgroup 'hello.web.web' (405): "
					"PodGroup has already existed");
	settle();
	CU_ASSERT_EQUAL(deployd_podgroup_get(dd, pg, &r, &err), 0);
	deployd_view_t v;
	deployd_view(r.json, DEPLOYD_PODGROUP, NULL, &v);
	CU_ASSERT(v.has_spec);
	CU_ASSERT_EQUAL(v.num_instances, 1);
	CU_ASSERT_STRING_EQUAL(v.image, "r/hello:release-1");
	CU_ASSERT_EQUAL_FATAL(json_object_array_length(v.pods), 1);
	json_object *pod = json_object_array_get_idx(v.pods, 0), *s;
	CU_ASSERT(json_object_object_get_ex(pod, "status", &s));
	CU_ASSERT_STRING_EQUAL(json_object_get_string(s), "True");
	json_object_put(v.pods);

	/* Stream ports: listed once scheduled, and taken for others. */
	CU_ASSERT_EQUAL(deployd_ports_list(dd, &r, &err), 0);
	CU_ASSERT_EQUAL(json_object_array_length(r.json), 1);
	long ports[] = { 9501, 9502 };
	CU_ASSERT_EQUAL(deployd_ports_validate(dd, ports, 2, &r, &err), -ERR_INVALID);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "Conflicted ports"));
	CU_ASSERT_EQUAL(deployd_ports_validate(dd, ports + 1, 1, &r, &err), 0);

	CU_ASSERT_EQUAL(deployd_podgroup_replica(dd, pg, 2, &r, &err), 0);
	CU_ASSERT_EQUAL(deployd_podgroup_replica(dd, pg, -1, &r, &err), -ERR_INVALID);
	settle();
	json_object *pod_spec;
	CU_ASSERT(json_object_object_get_ex(spec, "Pod", &pod_spec));
	/* A second change while the first is in progress: deployd's 423 (the
	 * fake holds the first one until it is told to go on). */
	denv_fake("POST", "/__fake/config", "{\"paused\": true}", NULL);
	CU_ASSERT_EQUAL(deployd_podgroup_spec(dd, pg, pod_spec, &r, &err), 0);
	CU_ASSERT_EQUAL(deployd_podgroup_replica(dd, pg, 1, &r, &err), -ERR_CONFLICT);
	CU_ASSERT_EQUAL(r.status, 423);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "Another operation"));
	denv_fake("POST", "/__fake/config", "{\"paused\": false}", NULL);
	settle();
	CU_ASSERT_EQUAL(deployd_podgroup_operate(dd, pg, "stop", 1, &r, &err), 0);
	CU_ASSERT_EQUAL(deployd_podgroup_operate(dd, pg, "explode", 1, &r, &err), -ERR_INVALID);
	settle();
	CU_ASSERT_EQUAL(deployd_history(dd, pg, 1, &r, &err), 0);
	CU_ASSERT(json_object_is_type(r.json, json_type_array));
	CU_ASSERT(json_object_array_length(r.json) >= 2);
	CU_ASSERT_EQUAL(deployd_history(dd, "no.such.pg", 1, &r, &err), 0);
	CU_ASSERT_EQUAL(json_object_array_length(r.json), 0);

	CU_ASSERT_EQUAL(deployd_podgroup_delete(dd, pg, &r, &err), 0);
	settle();
	CU_ASSERT_EQUAL(deployd_podgroup_get(dd, pg, &r, &err), -ERR_NOT_FOUND);
	CU_ASSERT_EQUAL(r.status, 404);
	CU_ASSERT_STRING_EQUAL(r.message, "PodGroup not existed");
	/* deployd's null list of ports is an empty list. */
	CU_ASSERT_EQUAL(deployd_ports_list(dd, &r, &err), 0);
	CU_ASSERT(json_object_is_type(r.json, json_type_array));
	CU_ASSERT_EQUAL(json_object_array_length(r.json), 0);
	deployd_result_release(&r);
	json_object_put(spec);
}

static void test_depends(void)
{
	err_t err = ERR_INIT;
	deployd_result_t r = DEPLOYD_RESULT_INIT;
	json_object *p = json_tokener_parse(
		"{\"Name\":\"svc.portal.portal-svc\",\"Namespace\":\"svc\",\"Containers\":"
		"[{\"Image\":\"r/svc:release-1\",\"Env\":[]}],\"Annotation\":\"{}\"}");
	denv_fake("POST", "/__fake/reset", "{}", NULL);
	CU_ASSERT_EQUAL(deployd_depends_create(dd, p, &r, &err), 0);
	CU_ASSERT_EQUAL(deployd_depends_create(dd, p, &r, &err), -ERR_CONFLICT);
	CU_ASSERT_EQUAL(deployd_depends_get(dd, "svc.portal.portal-svc", &r, &err), 0);
	deployd_view_t v;
	deployd_view(r.json, DEPLOYD_DEPENDS, NULL, &v);
	CU_ASSERT_EQUAL(json_object_array_length(v.pods), 0);
	json_object_put(v.pods);
	CU_ASSERT_EQUAL(deployd_depends_update(dd, p, &r, &err), 0);
	CU_ASSERT_EQUAL(deployd_depends_delete(dd, "svc.portal.portal-svc", false, &r, &err), 0);
	CU_ASSERT_EQUAL(deployd_depends_delete(dd, "none.portal.x", true, &r, &err),
			-ERR_NOT_FOUND);
	deployd_result_release(&r);
	json_object_put(p);
}

static void test_fetch_many_parallel(void)
{
	err_t err = ERR_INIT;
	deployd_result_t r = DEPLOYD_RESULT_INIT;
	denv_fake("POST", "/__fake/reset", "{}", NULL);
	json_object *spec = pg_spec("hello.web.web", 9601);
	CU_ASSERT_EQUAL(deployd_podgroup_create(dd, spec, &r, &err), 0);
	json_object_put(spec);
	deployd_result_release(&r);
	settle();

	enum { N = 6 };
	deployd_fetch_t items[N];
	memset(items, 0, sizeof(items));
	const char *names[N] = { "hello.web.web", "a.web.web", "b.web.web",
				 "c.worker.w",    "d.web.web", "svc.portal.portal-svc" };
	for (int i = 0; i < N; i++) {
		items[i].kind = i == N - 1 ? DEPLOYD_DEPENDS : DEPLOYD_PODGROUP;
		items[i].name = names[i];
	}
	/* Every status call takes 1 s: long enough for calls made together to
	 * be in flight together at the fake, which records how many were. */
	denv_fake("POST", "/__fake/fail",
		  "{\"mode\":\"slow\",\"match\":\"/api/\",\"method\":\"GET\",\"count\":-1,\"delay\":1}",
		  NULL);
	denv_fake("DELETE", "/__fake/calls", NULL, NULL);
	CU_ASSERT_EQUAL(deployd_fetch_many(dd, items, N, &err), 0);
	CU_ASSERT_EQUAL(items[0].rc, 0);
	CU_ASSERT_EQUAL(items[0].res.status, 200);
	for (int i = 1; i < N; i++) {
		CU_ASSERT_EQUAL(items[i].rc, -ERR_NOT_FOUND);
		CU_ASSERT_EQUAL(items[i].res.status, 404);
	}
	CU_ASSERT_PTR_NOT_NULL(strstr(items[N - 1].err.msg, "portal 'svc.portal.portal-svc'"));

	/* The calls were all in flight together at the fake. */
	int calls = 0, peak = denv_fake_peak(&calls);
	fprintf(stderr, "fetch_many: %d calls, at most %d in flight together\n", calls, peak);
	CU_ASSERT_EQUAL(calls, N);
	CU_ASSERT_EQUAL(peak, N);

	/* More calls than connections (HTTPM_MAX_PER_HOST): never more than
	 * that many at once, and enough at once for two rounds, not 20. */
	enum { M = HTTPM_MAX_PER_HOST + 4 };
	deployd_fetch_t many[M];
	memset(many, 0, sizeof(many));
	for (int i = 0; i < M; i++)
		many[i].name = "hello.web.web";
	denv_fake("DELETE", "/__fake/calls", NULL, NULL);
	CU_ASSERT_EQUAL(deployd_fetch_many(dd, many, M, &err), 0);
	peak = denv_fake_peak(&calls);
	fprintf(stderr, "fetch_many: %d calls, at most %d in flight together\n", calls, peak);
	CU_ASSERT_EQUAL(calls, M);
	CU_ASSERT(peak <= HTTPM_MAX_PER_HOST);
	CU_ASSERT(2 * peak >= M);
	for (int i = 0; i < M; i++)
		CU_ASSERT_EQUAL(many[i].res.status, 200);
	deployd_fetch_release(many, M);

	denv_fake("POST", "/__fake/fail", "{\"mode\":\"none\"}", NULL);
	denv_fake("POST", "/__fake/fail", "{\"mode\":\"down\",\"count\":-1}", NULL);
	CU_ASSERT_EQUAL(deployd_fetch_many(dd, items, N, &err), -ERR_UNAVAILABLE);
	CU_ASSERT_PREFIX(err.msg, "deployd unavailable");
	for (int i = 0; i < N; i++)
		CU_ASSERT_EQUAL(items[i].rc, -ERR_UNAVAILABLE);
	denv_fake("POST", "/__fake/fail", "{\"mode\":\"none\"}", NULL);
	deployd_fetch_release(items, N);
}

/* ---- registry */

static void test_registry_tags(void)
{
	err_t err = ERR_INIT;
	bool auth = true;
	CU_ASSERT_EQUAL(registry_ping(reg, &auth, &err), 0);
	CU_ASSERT(!auth);
	char **tags = NULL;
	size_t n = 0;
	/* 10 tags, 3 per page: four pages joined through Link. */
	CU_ASSERT_EQUAL_FATAL(registry_tags(reg, "hello", 3, &tags, &n, &err), 0);
	CU_ASSERT_EQUAL(n, 10);
	int metas = 0;
	for (size_t i = 0; i < n; i++) {
		metas += !strncmp(tags[i], "meta-", 5);
		for (size_t k = 0; k < i; k++)
			CU_ASSERT(strcmp(tags[i], tags[k]) != 0);
	}
	CU_ASSERT_EQUAL(metas, 5);
	registry_tags_free(tags);

	char **versions = NULL;
	CU_ASSERT_EQUAL_FATAL(registry_tags(reg, "hello", 0, &tags, &n, &err), 0);
	versions = version_list_meta((const char *const *)tags, n);
	registry_tags_free(tags);
	const char *want[] = { V(5), V(4), V(3), V(2), V(1) };
	for (int i = 0; i < 5; i++) {
		CU_ASSERT_PTR_NOT_NULL_FATAL(versions[i]);
		CU_ASSERT_STRING_EQUAL(versions[i], want[i]);
	}
	CU_ASSERT_PTR_NULL(versions[5]);
	version_list_free(versions);

	CU_ASSERT_EQUAL(registry_tags(reg, "nosuchapp", 0, &tags, &n, &err), -ERR_NOT_FOUND);
	CU_ASSERT_STRING_EQUAL(err.msg, "registry has no images of 'nosuchapp'");
}

static void test_registry_lainyaml(void)
{
	err_t err = ERR_INIT;
	buf_t y = BUF_INIT;
	char *want = yaml_of(3);
	CU_ASSERT_EQUAL(registry_read_lainyaml(reg, "hello", V(3), &y, &err), 0);
	CU_ASSERT_STRING_EQUAL(y.data, want);
	free(want);
	buf_reset(&y);
	CU_ASSERT_EQUAL(registry_read_lainyaml(reg, "hello", V(7), &y, &err), -ERR_NOT_FOUND);
	CU_ASSERT_STRING_EQUAL(err.msg, "registry has no image 'hello:meta-" V(7) "'");

	json_object *m = NULL;
	CU_ASSERT_EQUAL_FATAL(registry_manifest(reg, "hello", "meta-" V(1), &m, &err), 0);
	json_object *sv;
	CU_ASSERT(json_object_object_get_ex(m, "schemaVersion", &sv));
	CU_ASSERT_EQUAL(json_object_get_int(sv), 2);
	const char *layers[2];
	CU_ASSERT_EQUAL(registry_layers_top_down(m, layers, 2), 1);
	/* A blob past its cap is refused, not truncated. */
	buf_t blob = BUF_INIT;
	CU_ASSERT_EQUAL(registry_blob(reg, "hello", layers[0], 16, &blob, &err), -ERR_BAD_GATEWAY);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "more than 16 bytes"));
	buf_release(&blob);
	json_object_put(m);
	buf_release(&y);
}

/* Re-tags app:from as app:to with the given manifest body and type. */
static long put_manifest(const char *to, const char *body, const char *type)
{
	char url[512], ct[256];
	snprintf(url, sizeof(url), "%s/v2/hello/manifests/%s", denv_registry(), to);
	snprintf(ct, sizeof(ct), "Content-Type: %s", type);
		return denv_call("PUT", url, body, ct, NULL);
}

static char *get_manifest(const char *tag, char digest[80])
{
	char url[512], *body = NULL;
	snprintf(url, sizeof(url), "%s/v2/hello/manifests/%s", denv_registry(), tag);
	denv_call("GET", url, NULL,
		  "Accept: application/vnd.docker.distribution.manifest.v2+json", &body);
	unsigned char md[SHA256_DIGEST_LENGTH];
	SHA256((const unsigned char *)body, strlen(body), md);
	int k = snprintf(digest, 80, "sha256:");
	for (int i = 0; i < SHA256_DIGEST_LENGTH; i++)
		k += snprintf(digest + k, 80 - (size_t)k, "%02x", md[i]);
	return body;
}

static void test_registry_special_images(void)
{
	err_t err = ERR_INIT;
	buf_t y = BUF_INIT;
	const char *s2 = "application/vnd.docker.distribution.manifest.v2+json";
	char meta_digest[80], rel_digest[80];
	char *meta = get_manifest("meta-" V(2), meta_digest);
	char *rel = get_manifest("release-" V(2), rel_digest);

	/* A "meta" image whose layer has no lain.yaml (a release image). */
	CU_ASSERT_EQUAL(put_manifest("meta-" V(9), rel, s2), 201);
	CU_ASSERT_EQUAL(registry_read_lainyaml(reg, "hello", V(9), &y, &err), -ERR_NOT_FOUND);
	CU_ASSERT_STRING_EQUAL(err.msg, "meta image 'hello:meta-" V(9) "' has no lain.yaml");

	/* A manifest list: the linux/amd64 entry is the one read. */
	char list[2048];
	snprintf(list, sizeof(list),
		 "{\"schemaVersion\":2,\"mediaType\":"
		 "\"application/vnd.docker.distribution.manifest.list.v2+json\",\"manifests\":["
		 "{\"mediaType\":\"%s\",\"size\":%zu,\"digest\":\"%s\",\"platform\":"
		 "{\"architecture\":\"arm64\",\"os\":\"linux\"}},"
		 "{\"mediaType\":\"%s\",\"size\":%zu,\"digest\":\"%s\",\"platform\":"
		 "{\"architecture\":\"amd64\",\"os\":\"linux\"}}]}",
		 s2, strlen(rel), rel_digest, s2, strlen(meta), meta_digest);
	CU_ASSERT_EQUAL(put_manifest("meta-" V(8), list,
				     "application/vnd.docker.distribution.manifest.list.v2+json"),
			201);
	CU_ASSERT_EQUAL(registry_read_lainyaml(reg, "hello", V(8), &y, &err), 0);
	char *want = yaml_of(2);
	CU_ASSERT_STRING_EQUAL(y.data, want);
	free(want);
	free(meta);
	free(rel);
	buf_release(&y);
}

/* The token source of a worker's registry client (app/api/peers.c). */
static int mint(void *data, const char *repo, buf_t *token, err_t *err)
{
	return registry_token_internal(data, repo, token, err);
}

/* A registry with token auth: lain-console's own token from the client's
 * token source. */
static void test_registry_token_source(void)
{
	err_t err = ERR_INIT;
	const cluster_t *cl;
	CU_ASSERT_EQUAL_FATAL(cluster_get(&ctx, &cl, &err), 0);
	char url[128], key[512];
	CU_ASSERT_EQUAL_FATAL(denv_auth_registry(cl->domain, url, sizeof(url), key, sizeof(key)), 0);

	/* A worker configured for that registry and that key. */
	config_t cfg2;
	ctx_t ctx2;
	setenv("CONSOLE_PRIVATE_REGISTRY", url, 1);
	setenv("CONSOLE_REGISTRY_KEY", key, 1);
	CU_ASSERT_EQUAL_FATAL(config_load(&cfg2, "/dev/null", &err), 0);
	ctx2.cfg = &cfg2;
	CU_ASSERT_EQUAL_FATAL(ctx_open(&ctx2, &err), 0);
	bool auth = false;
	char **tags = NULL;
	registry_t *plain = registry_new(cfg2.private_registry, cfg2.http_timeout_ms,
					 cfg2.http_connect_timeout_ms, NULL, NULL);
	CU_ASSERT_EQUAL(registry_ping(plain, &auth, &err), 0);
	CU_ASSERT(auth);
	CU_ASSERT_EQUAL(registry_tags(plain, "hello", 0, &tags, NULL, &err), -ERR_BAD_GATEWAY);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "no token server"));
	registry_free(plain);
	/* With the token: the registry lets us look, and has nothing yet. */
	registry_t *minted = registry_new(cfg2.private_registry, cfg2.http_timeout_ms,
					  cfg2.http_connect_timeout_ms, mint, &ctx2);
	CU_ASSERT_EQUAL(registry_tags(minted, "hello", 0, &tags, NULL, &err), -ERR_NOT_FOUND);
	CU_ASSERT_STRING_EQUAL(err.msg, "registry has no images of 'hello'");
	registry_free(minted);

	ctx_close(&ctx2);
	config_release(&cfg2);
	setenv("CONSOLE_PRIVATE_REGISTRY", denv_registry() + strlen("http://"), 1);
	unsetenv("CONSOLE_REGISTRY_KEY");
}

/* ---- oplog and locks (etcd) */

/* The newest rows of app as E24 renders them (oplogs.h), appended to out. */
static int read_rendered(const char *app, buf_t *out, err_t *err)
{
	arena_t *a = arena_new();
	oplog_row_t *rows = NULL;
	size_t n = 0;
	int rc = oplog_read(&ctx, a, app, OPLOG_READ, &rows, &n, err);
	if (!rc)
		oplogs_render(rows, n, out);
	arena_free(a);
	return rc;
}


static void test_oplog_bound(void)
{
	err_t err = ERR_INIT;
	char msg[32];
	for (int i = 0; i < OPLOG_KEEP + 5; i++) {
		snprintf(msg, sizeof(msg), "row %d", i);
		CU_ASSERT_EQUAL_FATAL(oplog_append(&ctx, "SCALE", "alice", "olog", "", msg, &err), 0);
	}
	CU_ASSERT_EQUAL(oplog_append(&ctx, "DEPLOY", "bob", "olog2", V(1), NULL, &err), 0);
	int64_t count = 0;
	CU_ASSERT_EQUAL(etcd_count_prefix(ctx.etcd, OPLOG_PREFIX "olog/", &count, &err), 0);
	CU_ASSERT_EQUAL(count, OPLOG_KEEP);

	buf_t out = BUF_INIT;
	CU_ASSERT_EQUAL_FATAL(read_rendered("olog", &out, &err), 0);
	json_object *a = json_tokener_parse(out.data);
	CU_ASSERT_FATAL(json_object_is_type(a, json_type_array));
	CU_ASSERT_EQUAL(json_object_array_length(a), OPLOG_READ);
	int64_t last_pk = INT64_MAX;
	for (int i = 0; i < OPLOG_READ; i++) {
		json_object *row = json_object_array_get_idx(a, (size_t)i), *f, *x;
		CU_ASSERT(json_object_object_get_ex(row, "pk", &x));
		CU_ASSERT(json_object_get_int64(x) < last_pk);
		last_pk = json_object_get_int64(x);
		CU_ASSERT(json_object_object_get_ex(row, "fields", &f));
		CU_ASSERT(json_object_object_get_ex(f, "message", &x));
		snprintf(msg, sizeof(msg), "row %d", OPLOG_KEEP + 4 - i);
		CU_ASSERT_STRING_EQUAL(json_object_get_string(x), msg);
		CU_ASSERT(json_object_object_get_ex(f, "time", &x));
		const char *t = json_object_get_string(x);
		CU_ASSERT(strlen(t) == 20 || strlen(t) == 24);
		CU_ASSERT(t[10] == 'T' && t[strlen(t) - 1] == 'Z');
	}
	json_object_put(a);
	/* Another app's rows are its own ("olog" is a prefix of "olog2"). */
	buf_reset(&out);
	CU_ASSERT_EQUAL(read_rendered("olog2", &out, &err), 0);
	a = json_tokener_parse(out.data);
	CU_ASSERT_EQUAL(json_object_array_length(a), 1);
	json_object_put(a);
	buf_reset(&out);
	CU_ASSERT_EQUAL(read_rendered("nobody", &out, &err), 0);
	CU_ASSERT_STRING_EQUAL(out.data, "[]");
	buf_release(&out);
}

static void test_lock_contention(void)
{
	err_t err = ERR_INIT;
	lock_t *a = NULL, *b = NULL;
	CU_ASSERT_EQUAL_FATAL(lock_acquire(&ctx, "lockapp", LOCK_TTL, "alice", &a, &err), 0);
	CU_ASSERT_EQUAL(lock_acquire(&ctx, "lockapp", LOCK_TTL, "bob", &b, &err), -ERR_CONFLICT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "app 'lockapp' is being changed by another request"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "alice"));
	/* Another app is not locked by it. */
	CU_ASSERT_EQUAL(lock_acquire(&ctx, "lockapp2", LOCK_TTL, "bob", &b, &err), 0);
	lock_release(&ctx, b);
	CU_ASSERT_EQUAL(lock_keepalive(&ctx, a, &err), 0);
	lock_release(&ctx, a);
	CU_ASSERT_EQUAL(lock_acquire(&ctx, "lockapp", LOCK_TTL, "bob", &b, &err), 0);
	lock_release(&ctx, b);
}

static void test_lock_expiry(void)
{
	err_t err = ERR_INIT;
	lock_t *a = NULL, *b = NULL;
	/* A holder that keeps its lock alive keeps it past the ttl. */
	CU_ASSERT_EQUAL_FATAL(lock_acquire(&ctx, "lockexp", 2, "alice", &a, &err), 0);
	for (int i = 0; i < 5; i++) {
		usleep(700 * 1000);
		CU_ASSERT_EQUAL(lock_keepalive(&ctx, a, &err), 0);
	}
	CU_ASSERT_EQUAL(lock_acquire(&ctx, "lockexp", 2, "bob", &b, &err), -ERR_CONFLICT);
	/* Then it "crashes": nobody keeps the lease alive; the lock expires. */
	long long t0 = denv_now_ms();
	int rc;
	while ((rc = lock_acquire(&ctx, "lockexp", 2, "bob", &b, &err)) == -ERR_CONFLICT &&
	       denv_now_ms() - t0 < 6000)
		usleep(200 * 1000);
	CU_ASSERT_EQUAL(rc, 0);
	fprintf(stderr, "lock: expired after %lld ms\n", denv_now_ms() - t0);
	/* The crashed holder finds out when it tries to go on. */
	CU_ASSERT_EQUAL(lock_keepalive(&ctx, a, &err), -ERR_CONFLICT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "lock of app 'lockexp' expired"));
	free(a->app);
	free(a->key);
	free(a);
	if (!rc)
		lock_release(&ctx, b);
}

static CU_TestInfo deployd_tests[] = {
	{ "gate: started, stopped, down", test_gate },
	{ "podgroup lifecycle, ports, histories", test_podgroup_cycle },
	{ "portals (depends)", test_depends },
	{ "fetch_many is parallel", test_fetch_many_parallel },
	CU_TEST_INFO_NULL,
};

static CU_TestInfo registry_tests[] = {
	{ "tags through Link pages, meta versions", test_registry_tags },
	{ "lain.yaml of a pushed meta image", test_registry_lainyaml },
	{ "meta without lain.yaml, manifest list", test_registry_special_images },
	{ "registry with token auth, tokens from the token server", test_registry_token_source },
	CU_TEST_INFO_NULL,
};

static CU_TestInfo store_tests[] = {
	{ "oplog bound and E24 rows", test_oplog_bound },
	{ "lock contention", test_lock_contention },
	{ "lock keepalive and expiry", test_lock_expiry },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "deployd client", NULL, NULL, NULL, NULL, deployd_tests },
	{ "registry client", NULL, NULL, NULL, NULL, registry_tests },
	{ "oplog and locks", NULL, NULL, NULL, NULL, store_tests },
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	/* One set of servers for every suite. */
	if (suite_up()) {
		fprintf(stderr, "it_deploy: the servers did not start\n");
		suite_down();
		return 1;
	}
	int rc = test_main(suites);
	suite_down();
	return rc;
}
