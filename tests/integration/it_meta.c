/* Hostile and unusual meta images through the real stack (nginx ->
 * lain-console -> etcd, the deployd stand-in, docker-registry), issue 14:
 * decompression bombs built by tests/tools/bomb-layer (#2), a lain.yaml
 * too big for an etcd request (#11), backup volumes as written (#14), more
 * than 64 stream ports (#16). The probes stay here as regression tests. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>
#include <json-c/json.h>

#include "console/array.h"
#include "deploy_env.h"
#include "harness.h"
#include "itjson.h"
#include "testlib.h"

#define V(n) "182445598" #n "-c478328a58bc9725c19030e7663e2ee3fa87b02" #n
#define SIMPLE(app) "appname: " app "\nbuild:\n  base: golang\nweb:\n  cmd: /hello\n"

/* Bombs: 4 GiB of zeros before lain.yaml, as the issue measured it. */
#define BOMB_ZEROS "4294967296"
#define NBOMBS 8
#define CAP_MSG                                                                               \
	"image layers expand past REGISTRY_MAX_UNPACKED (67108864 bytes unpacked): reading "     \
	"stopped there, in 'zeros'"

static char dir[] = "/tmp/it_meta.XXXXXX";
static char layer[4][64];      /* bzip2 bomb, gzip bomb, tripwire, many entries */
static char layer_arg[4][128]; /* "--meta-layer FILE" */

/* A lain.yaml of app whose record is about 1.8 MB once JSON-escaped: 900
 * comment lines of 1000 quotes (each one written \" in the record). */
static char *big_yaml(const char *app)
{
	size_t cap = 1 << 20, n;
	char *y = malloc(cap);
	n = (size_t)snprintf(y, cap, SIMPLE("%s"), app);
	for (int i = 0; i < 900; i++) {
		y[n++] = '#';
		y[n++] = ' ';
		memset(y + n, '"', 1000);
		n += 1000;
		y[n++] = '\n';
	}
	y[n] = '\0';
	return y;
}

static const char *srcdir(void)
{
	return getenv("srcdir") ? getenv("srcdir") : ".";
}

static int bomb(const char *out, const char *args)
{
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "'%s/tests/tools/bomb-layer' --out '%s' %s >/dev/null",
		 srcdir(), out, args);
	return system(cmd) == 0 ? 0 : -1;
}

static int make_inputs(void)
{
	if (!mkdtemp(dir))
		return -1;
	static const char *const names[] = { "bomb.bz2", "bomb.gz", "tripwire.bz2", "many.gz" };
	for (size_t i = 0; i < 4; i++) {
		snprintf(layer[i], sizeof(layer[i]), "%s/%s", dir, names[i]);
		snprintf(layer_arg[i], sizeof(layer_arg[i]), "--meta-layer %s", layer[i]);
	}
	/* The tripwire's stream ends after 80 MiB of its 4 GiB entry: a reader
	 * that goes past the 64 MiB cap fails on the cut instead. */
	return bomb(layer[0], "--compress bzip2 --zeros " BOMB_ZEROS) ||
	       bomb(layer[1], "--compress gzip --zeros " BOMB_ZEROS) ||
	       bomb(layer[2], "--compress bzip2 --zeros " BOMB_ZEROS " --present 83886080") ||
	       bomb(layer[3], "--compress gzip --entries 10001");
}

static void cleanup(void)
{
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		fprintf(stderr, "it_meta: could not remove %s\n", dir);
}

/* Registers app and deploys it: the status, the answer in *r. */
static long deploy(const char *app, it_response_t *r)
{
	char body[128];
	snprintf(body, sizeof(body), "{\"appname\":\"%s\"}", app);
	if (it_call("POST", "/api/v1/repos/", body, 201) != 201)
		return -1;
	return it_req("POST", "/api/v1/apps/", body, r);
}

/* The deployerror the API shows for app ("(absent)" when none). */
static char *deploy_error(const char *app)
{
	char path[128];
	it_response_t r;
	snprintf(path, sizeof(path), "/api/v1/apps/%s/", app);
	it_req("GET", path, NULL, &r);
	char *e = strdup(js_str(it_payload(&r, "app"), "deployerror"));
	it_response_free(&r);
	return e;
}

struct racer {
	char app[16];
	long status;
	char *msg;
};

static void *bomb_deploy(void *arg)
{
	struct racer *rc = arg;
	it_response_t r;
	rc->status = deploy(rc->app, &r);
	rc->msg = strdup(it_msg(&r));
	it_response_free(&r);
	return NULL;
}

/* #2: eight bomb deploys at once (they once held every worker for 40 s):
 * each answers 406 naming the cap and the entry it stopped in; the server
 * answers right after. */
static void test_bombs_at_once(void)
{
	pthread_t t[NBOMBS];
	struct racer r[NBOMBS];
	for (int i = 0; i < NBOMBS; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		snprintf(r[i].app, sizeof(r[i].app), "bomb%d", i);
		pthread_create(&t[i], NULL, bomb_deploy, &r[i]);
	}
	for (int i = 0; i < NBOMBS; i++) {
		pthread_join(t[i], NULL);
		CU_ASSERT_EQUAL(r[i].status, 406);
		if (!r[i].msg || !strstr(r[i].msg, CAP_MSG))
			fprintf(stderr, "\n  %s: %ld %s\n", r[i].app, r[i].status,
				r[i].msg ? r[i].msg : "");
		CU_ASSERT_PTR_NOT_NULL(r[i].msg && strstr(r[i].msg, CAP_MSG));
		free(r[i].msg);
	}
	CU_ASSERT_EQUAL(it_call("GET", "/api/v1/healthz", NULL, 200), 200);
	CU_ASSERT_EQUAL(it_call("GET", "/api/v1/repos/", NULL, 200), 200);
	/* The record says why (lain-cli reads deployerror). */
	char *e = deploy_error("bomb0");
	CU_ASSERT_PTR_NOT_NULL(strstr(e, "meta image 'bomb0:meta-" V(1) "': " CAP_MSG));
	free(e);
	/* Nothing reached deployd. */
	CU_ASSERT_EQUAL(denv_count("bomb"), 0);
}

static void test_gzip_bomb(void)
{
	it_response_t r;
	CU_ASSERT_EQUAL(deploy("gzbomb", &r), 406);
	CU_ASSERT_PTR_NOT_NULL(strstr(it_msg(&r), CAP_MSG));
	it_response_free(&r);
}

/* What was read: the stream stops 80 MiB into the entry; a reader that
 * stops at the 64 MiB cap never sees where, one that goes on fails there. */
static void test_tripwire(void)
{
	it_response_t r;
	CU_ASSERT_EQUAL(deploy("tripwire", &r), 406);
	CU_ASSERT_PTR_NOT_NULL(strstr(it_msg(&r), CAP_MSG));
	if (!strstr(it_msg(&r), CAP_MSG))
		fprintf(stderr, "\n  tripwire: %s\n", it_msg(&r));
	it_response_free(&r);
}

static void test_many_entries(void)
{
	it_response_t r;
	CU_ASSERT_EQUAL(deploy("many", &r), 406);
	CU_ASSERT_PTR_NOT_NULL(strstr(it_msg(&r), "meta image 'many:meta-" V(1) "': image layers "
						   "hold more than REGISTRY_MAX_ENTRIES (10000) entries: "
						   "reading stopped there"));
	if (r.status != 406)
		fprintf(stderr, "\n  many: %ld %s\n", r.status, it_msg(&r));
	it_response_free(&r);
}

#define TOO_BIG                                                                               \
	"bytes, more than the 1048576 that one etcd request may carry with it "                   \
	"(STORE_APP_RECORD_MAX; etcd's --max-request-bytes is 1.5 MiB by default)"

/* #11: a lain.yaml whose record passes etcd's request limit: 406 naming
 * the limit, and the record never "deploying" without a recorded error. */
static void test_record_too_big(void)
{
	it_response_t r;
	CU_ASSERT_EQUAL(deploy("huge", &r), 406);
	CU_ASSERT_PTR_NOT_NULL(strstr(it_msg(&r), TOO_BIG));
	if (!strstr(it_msg(&r), TOO_BIG))
		fprintf(stderr, "\n  huge: %ld %s\n", r.status, it_msg(&r));
	it_response_free(&r);
	char *e = deploy_error("huge");
	CU_ASSERT_PTR_NOT_NULL(strstr(e, TOO_BIG));
	free(e);

	/* An update to such a version: refused the same way, the running
	 * version kept and the error recorded. */
	CU_ASSERT_EQUAL(deploy("grow", &r), 202);
	it_response_free(&r);
	CU_ASSERT_FATAL(denv_wait_healthy("grow", &r));
	it_response_free(&r);
	CU_ASSERT_EQUAL(it_req("PUT", "/api/v1/apps/grow/", "{\"meta_version\":\"" V(2) "\"}", &r), 406);
	CU_ASSERT_PTR_NOT_NULL(strstr(it_msg(&r), TOO_BIG));
	it_response_free(&r);
	it_req("GET", "/api/v1/apps/grow/", NULL, &r);
	CU_ASSERT_STRING_EQUAL(js_str(it_payload(&r, "app"), "metaversion"), V(1));
	CU_ASSERT_PTR_NOT_NULL(strstr(js_str(it_payload(&r, "app"), "deployerror"), TOO_BIG));
	it_response_free(&r);
	denv_settle();
}

/* The Annotation deployd got for podgroup name, parsed (NULL if none). */
static json_object *annotation(const char *name)
{
	char path[256], *body = NULL;
	snprintf(path, sizeof(path), "/api/podgroups?name=%s", name);
	denv_fake("GET", path, NULL, &body);
	json_object *pg = json_tokener_parse(body ? body : "");
	free(body);
	json_object *pod = json_object_object_get(json_object_object_get(pg, "Spec"), "Pod");
	json_object *a = json_tokener_parse(js_str(pod, "Annotation"));
	json_object_put(pg);
	return a;
}

#define WIKI                                                                                  \
	SIMPLE("wiki")                                                                        \
	"  volumes:\n    - uploads:\n        backup_full:\n          schedule: '0 3 * * *'\n"  \
	"    - /backup:\n        backup_increment:\n          schedule: '@hourly'\n"           \
	"    - /var/cache\n"

/* #14: backup entries name the volume as lain.yaml wrote it (spec §4.4). */
static void test_backup_volumes(void)
{
	it_response_t r;
	CU_ASSERT_EQUAL(deploy("wiki", &r), 202);
	it_response_free(&r);
	json_object *a = annotation("wiki.web.web");
	json_object *b = json_object_object_get(a, "backup");
	CU_ASSERT_EQUAL_FATAL(js_len(b), 2);
	CU_ASSERT_STRING_EQUAL(js_str(js_at(b, 0), "volume"), "uploads");
	CU_ASSERT_STRING_EQUAL(js_str(js_at(b, 0), "mode"), "full");
	CU_ASSERT_STRING_EQUAL(js_str(js_at(b, 1), "volume"), "/backup");
	CU_ASSERT_STRING_EQUAL(js_str(js_at(b, 1), "mode"), "increment");
	json_object_put(a);
	/* The container's volumes stay absolute. */
	it_req("GET", "/api/v1/apps/wiki/procs/web/", NULL, &r);
	json_object *dirs = json_object_object_get(it_payload(&r, "proc"), "persistentdirs");
	CU_ASSERT(js_has(dirs, "/lain/app/uploads"));
	CU_ASSERT(js_has(dirs, "/backup"));
	it_response_free(&r);
	denv_settle();
}

/* 70 stream ports 9500..9569 on one proc. */
static const char *streams_yaml(void)
{
	static char y[4096];
	int n = snprintf(y, sizeof(y), "appname: streams\nbuild:\n  base: golang\nworker.tcp:\n"
					"  cmd: /s\n  ports:\n");
	for (int p = 9500; p < 9570; p++)
		n += snprintf(y + n, sizeof(y) - (size_t)n, "    - '%d:%d'\n", p, p - 1000);
	return y;
}

/* #16: every stream port is checked, not the first 64: the 70th is taken. */
static void test_all_stream_ports_checked(void)
{
	const char *pg =
		"{\"Name\":\"other.worker.tcp\",\"Namespace\":\"other\",\"NumInstances\":1,\"Pod\":"
		"{\"Name\":\"other.worker.tcp\",\"Namespace\":\"other\",\"Containers\":[{\"Image\":"
		"\"r/other:release-1\",\"Expose\":80}],\"Annotation\":\"{\\\"ports\\\":[{\\\"srcport\\\":"
		"9569,\\\"dstport\\\":80,\\\"proto\\\":\\\"tcp\\\"}]}\"}}";
	CU_ASSERT_EQUAL(denv_fake("POST", "/api/podgroups", pg, NULL), 202);
	CU_ASSERT_EQUAL(denv_settle(), 0);
	denv_fake("DELETE", "/__fake/calls", NULL, NULL);
	it_response_t r;
	CU_ASSERT_EQUAL(deploy("streams", &r), 406);
	CU_ASSERT_PTR_NOT_NULL(strstr(it_msg(&r), "Conflicted ports: [9569]"));
	if (r.status != 406)
		fprintf(stderr, "\n  streams: %ld %s\n", r.status, it_msg(&r));
	it_response_free(&r);
	/* deployd was asked about all 70, and no podgroup was made. */
	char *body = NULL;
	denv_fake("GET", "/__fake/calls", NULL, &body);
	json_object *log = json_tokener_parse(body ? body : "");
	json_object *calls = json_object_object_get(log, "calls");
	free(body);
	int checked = -1;
	for (size_t i = 0; i < js_len(calls); i++) {
		json_object *c = js_at(calls, i);
		if (strcmp(js_str(c, "path"), "/api/ports"))
			continue;
		json_object *b = json_tokener_parse(js_str(c, "body"));
		checked = (int)js_len(json_object_object_get(b, "Ports"));
		json_object_put(b);
	}
	json_object_put(log);
	CU_ASSERT_EQUAL(checked, 70);
	CU_ASSERT_EQUAL(denv_count("streams."), 0);
}

static CU_TestInfo tests[] = {
	{ "#2 eight bzip2 bombs at once: 406 naming the cap, server answers", test_bombs_at_once },
	{ "#2 gzip bomb: 406 naming the cap", test_gzip_bomb },
	{ "#2 reading stops at the cap, not at the end of the entry", test_tripwire },
	{ "#2 more entries than the cap: 406 naming it", test_many_entries },
	{ "#11 a record past etcd's request limit: 406 naming it, error recorded",
	  test_record_too_big },
	{ "#14 backup volumes as lain.yaml wrote them", test_backup_volumes },
	{ "#16 every stream port checked, not the first 64", test_all_stream_ports_checked },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "hostile meta images", NULL, NULL, NULL, NULL, tests },
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	if (make_inputs()) {
		fprintf(stderr, "it_meta: could not build the probe layers in %s\n", dir);
		cleanup();
		return 1;
	}
	denv_image_t images[NBOMBS + 10];
	size_t n = 0;
	static char names[NBOMBS][16];
	for (int i = 0; i < NBOMBS; i++) {
		snprintf(names[i], sizeof(names[i]), "bomb%d", i);
		images[n++] = (denv_image_t){ names[i], V(1), "", layer_arg[0] };
	}
	images[n++] = (denv_image_t){ "gzbomb", V(1), "", layer_arg[1] };
	images[n++] = (denv_image_t){ "tripwire", V(1), "", layer_arg[2] };
	images[n++] = (denv_image_t){ "many", V(1), "", layer_arg[3] };
	char *huge = big_yaml("huge"), *grow = big_yaml("grow");
	images[n++] = (denv_image_t){ "huge", V(1), huge, NULL };
	images[n++] = (denv_image_t){ "grow", V(1), SIMPLE("grow"), NULL };
	/* Without its release image: the first deploy takes V1. */
	images[n++] = (denv_image_t){ "grow", V(2), grow, "--no-release" };
	images[n++] = (denv_image_t){ "wiki", V(1), WIKI, NULL };
	images[n++] = (denv_image_t){ "streams", V(1), streams_yaml(), NULL };
	const denv_suite_t suite = { .name = "it_meta", .images = images, .nimages = n,
				     .stack_args = "--workers 4", .cleanup = cleanup,
				     .suites = suites };
	int rc = denv_main(&suite);
	free(huge);
	free(grow);
	return rc;
}
