/* Secret files -> config images (console-api.md §4.6, the native "Rewrite
 * recommendation": one more gzip layer on the release image, through the
 * registry's V2 API) through the real stack (nginx -> lain-console -> etcd,
 * the deployd stand-in, docker-registry, the lvault and SSO stand-ins):
 *
 *  1 a first deploy runs the web proc on release-V-web-config-<newest ts>,
 *    the proc without secret_files on release-V; lvault asked once, for the
 *    podgroup with secret files only;
 *  2 that image in the registry: the release's layers plus one gzip layer
 *    holding the listed secrets (content, lvault's mode, root) and nothing
 *    else; config diff_ids / history extended by one;
 *  3 an update with unchanged secrets reuses the tag;
 *  4 a changed secret gives a new tag; a newer one not listed does not;
 *  5 a listed file missing in lvault: 406, the running image unchanged;
 *  6 secret_files_bypass with no secrets: the plain release image;
 *  7 lvault failing (500, then down): 406 naming lvault;
 *  8 auth on: lvault gets the deploying user's access-token (run last);
 * beyond the brief's list: 1b with auth off lvault still gets an
 * access-token header; 4b a newer secret not in secret_files changes
 * nothing; 9 a resource instance uses the resource's secrets and
 * repository; 10 a new release version gets its own tag; 12 (issue 14 #5)
 * lvault's setuid, setgid and sticky bits are cleared; and, in a second
 * suite on a new stack whose registry wants tokens, 11 the config image is
 * pushed there all the same.
 *
 * The tests run in order and build on each other's state. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <CUnit/CUnit.h>
#include <curl/curl.h>
#include <json-c/json.h>
#include <openssl/evp.h>

#include "console/array.h"
#include "deploy_env.h"
#include "harness.h"
#include "itjson.h"
#include "testlib.h"

#define VER "1724455981-c478328a58bc9725c19030e7663e2ee3fa87b021"
#define VER2 "1724455982-c478328a58bc9725c19030e7663e2ee3fa87b022"

#define WEB_PROC(extra)                                                                       \
	"web:\n  cmd: /hello\n  port: 80\n  secret_files:\n    - secret.conf\n"                 \
	"    - conf/db.yaml\n" extra
#define APP_YAML(app, extra)                                                                  \
	"appname: " app "\nbuild:\n  base: golang\n" WEB_PROC(extra) "worker.bg:\n  cmd: /bg\n"

/* A resource whose service has a secret file, and a client of it. */
#define RES_YAML                                                                              \
	"appname: rsec\napptype: resource\nbuild:\n  base: redis\nservice.rsec:\n"             \
	"  cmd: redis-server\n  port: 6379\n  secret_files:\n    - redis.conf\n"              \
	"  portal:\n    allow_clients: \"**\"\n    cmd: ./portal\n    port: 6379\n"
#define CLIENT_YAML                                                                           \
	"appname: csec\nbuild:\n  base: golang\nuse_resources:\n  rsec:\n    services:\n"     \
	"      - rsec\nweb:\n  cmd: /web\n  port: 80\n"
#define INST_PG "resource.rsec.csec.worker.rsec"
#define RES_PG "rsec.worker.rsec"
#define RES_TS "1522058300"

#define PG "hello.web.web"
#define TS1 "1522058200"
#define TS2 "1522059999"
#define TS_BAD "1522060500"

#define SCHEMA2 "application/vnd.docker.distribution.manifest.v2+json"
#define LAYER_GZIP "application/vnd.docker.image.rootfs.diff.tar.gzip"

static char lvault[256];
static char sso[256];
static char reg_host[128];      /* 127.0.0.1:PORT, as lain-console names images */
static char reg_url[160];       /* http://<reg_host> */
static char *reg_token;         /* Bearer token for the registry, or NULL */

/* ---- lain-console */

/* PUT /apps/<app>/ without a body; the answer in *r. */
static long update(const char *app, it_response_t *r)
{
	char path[128];
	snprintf(path, sizeof(path), "/api/v1/apps/%s/", app);
	long st = it_req_as(NULL, "PUT", path, NULL, r);
	fprintf(stderr, "\n  PUT %s: %ld %s\n", path, st, st == 202 ? "" : it_msg(r));
	return st;
}

/* ---- the deployd stand-in */

/* Spec.Pod.Containers[0].Image of podgroup pg at deployd (malloc'd; "" when none). */
static char *pg_image(const char *pg)
{
	char path[256], *body = NULL;
	snprintf(path, sizeof(path), "/api/podgroups?name=%s", pg);
	long st = denv_fake("GET", path, NULL, &body);
	json_object *j = st == 200 && body ? json_tokener_parse(body) : NULL;
	json_object *c = js_at(js_get(js_get(js_get(j, "Spec"), "Pod"), "Containers"), 0);
	char *image = strdup(c ? js_str(c, "Image") : "");
	json_object_put(j);
	free(body);
	return image;
}

/* <registry host>/<app>:<tag> */
static void image_name(char *out, size_t len, const char *app, const char *tag)
{
	snprintf(out, len, "%s/%s:%s", reg_host, app, tag);
}

static void assert_pg_image(const char *pg, const char *app, const char *tag)
{
	char want[512];
	image_name(want, sizeof(want), app, tag);
	char *got = pg_image(pg);
	if (strcmp(got, want))
		fprintf(stderr, "\n  %s runs %s, want %s\n", pg, got, want);
	CU_ASSERT_STRING_EQUAL(got, want);
	free(got);
}

/* ---- the lvault stand-in */

static long lvault_call(const char *method, const char *path, const char *body, char **out)
{
	char url[512];
	snprintf(url, sizeof(url), "%s%s", lvault, path);
	return denv_call(method, url, body, NULL, out);
}

#define SECRET(app, pg, rel, content, mode, ts)                                               \
	"{\"path\": \"" app "/" pg "/lain/app/" rel "\", \"content\": \"" content "\","        \
	" \"mode\": \"" mode "\", \"owner\": \"root\", \"group\": \"root\","                   \
	" \"timestamp\": " ts "}"

static void lvault_seed(const char *app, const char *pg, const char *secrets)
{
	char body[4096];
	snprintf(body, sizeof(body), "{\"app\": \"%s\", \"proc\": \"%s\", \"secrets\": [%s]}", app, pg,
		 secrets);
	CU_ASSERT_EQUAL(lvault_call("PUT", "/__fake/secrets", body, NULL), 200);
}

static void lvault_fail(const char *mode)
{
	char body[128];
	snprintf(body, sizeof(body), "{\"mode\": \"%s\"}", mode);
	CU_ASSERT_EQUAL(lvault_call("POST", "/__fake/fail", body, NULL), 200);
}

static void lvault_forget_calls(void)
{
	CU_ASSERT_EQUAL(lvault_call("DELETE", "/__fake/calls", NULL, NULL), 200);
}

/* The calls lvault got for app (and proc unless NULL), printed. The
 * access-token of the last one in token (when non-NULL; "(none)" if absent). */
static int lvault_calls(const char *app, const char *proc, char *token, size_t token_len)
{
	char *body = NULL;
	lvault_call("GET", "/__fake/calls", NULL, &body);
	json_object *j = body ? json_tokener_parse(body) : NULL;
	json_object *calls = js_get(j, "calls");
	int n = 0;
	if (token)
		snprintf(token, token_len, "(no call)");
	for (size_t i = 0; i < js_len(calls); i++) {
		json_object *c = js_at(calls, i);
		if (strcmp(js_str(c, "app"), app) || (proc && strcmp(js_str(c, "proc"), proc)))
			continue;
		fprintf(stderr, "\n  lvault call %s %s?%s token %s -> %s", js_str(c, "method"),
			js_str(c, "path"), js_str(c, "query"), js_str(c, "token"), js_str(c, "status"));
		n++;
		if (token)
			snprintf(token, token_len, "%s",
				 js_get(c, "token") ? js_str(c, "token") : "(none)");
	}
	json_object_put(j);
	free(body);
	return n;
}

/* ---- the registry, through its HTTP API */

struct sink {
	unsigned char *data;
	size_t len;
};

static size_t on_data(char *p, size_t size, size_t n, void *u)
{
	struct sink *s = u;
	size_t k = size * n;
	unsigned char *d = realloc(s->data, s->len + k + 1);
	if (!d)
		return 0;
	s->data = d;
	memcpy(s->data + s->len, p, k);
	s->len += k;
	s->data[s->len] = '\0';
	return k;
}

/* GET registry path (binary-safe); status, the body in *out (free() it). */
static long reg_get(const char *path, const char *accept, struct sink *out)
{
	char url[1024], header[256], bearer[4096];
	snprintf(url, sizeof(url), "%s%s", reg_url, path);
	out->data = calloc(1, 1);
	out->len = 0;
	CURL *c = curl_easy_init();
	struct curl_slist *h = NULL;
	long status = 0;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
	if (accept) {
		snprintf(header, sizeof(header), "Accept: %s", accept);
		h = curl_slist_append(h, header);
	}
	if (reg_token) {
		snprintf(bearer, sizeof(bearer), "Authorization: Bearer %s", reg_token);
		h = curl_slist_append(h, bearer);
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return status;
}

/* The schema2 manifest of app:tag (json_object_put it), NULL when absent;
 * its text in *text when non-NULL (free() it). */
static json_object *reg_manifest(const char *app, const char *tag, char **text)
{
	char path[512];
	struct sink s;
	snprintf(path, sizeof(path), "/v2/%s/manifests/%s", app, tag);
	long st = reg_get(path, SCHEMA2, &s);
	json_object *j = st == 200 ? json_tokener_parse((char *)s.data) : NULL;
	if (st != 200)
		fprintf(stderr, "\n  registry: %s:%s answers %ld\n", app, tag, st);
	if (text && j)
		*text = (char *)s.data;
	else
		free(s.data);
	return j;
}

static bool reg_has_tag(const char *app, const char *tag)
{
	char path[512];
	struct sink s;
	snprintf(path, sizeof(path), "/v2/%s/tags/list", app);
	long st = reg_get(path, NULL, &s);
	json_object *j = st == 200 ? json_tokener_parse((char *)s.data) : NULL;
	bool yes = false;
	json_object *tags = js_get(j, "tags");
	for (size_t i = 0; i < js_len(tags); i++)
		if (!strcmp(json_object_get_string(js_at(tags, i)), tag))
			yes = true;
	json_object_put(j);
	free(s.data);
	return yes;
}

/* The blob digest of app: 0, or -1 (printed). */
static int reg_blob(const char *app, const char *digest, struct sink *out)
{
	char path[512];
	snprintf(path, sizeof(path), "/v2/%s/blobs/%s", app, digest);
	long st = reg_get(path, NULL, out);
	if (st != 200) {
		fprintf(stderr, "\n  registry: blob %s of %s answers %ld\n", digest, app, st);
		free(out->data);
		out->data = NULL;
		return -1;
	}
	return 0;
}

/* "sha256:<hex>" of data. */
static void sha256(const void *data, size_t len, char out[80])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	if (!EVP_Digest(data, len, md, &n, EVP_sha256(), NULL))
		n = 0;
	size_t k = (size_t)snprintf(out, 80, "sha256:");
	for (unsigned int i = 0; i < n && k + 2 < 80; i++)
		k += (size_t)snprintf(out + k, 80 - k, "%02x", md[i]);
}

/* data gunzipped (libarchive, raw format) into *out: 0, or -1. */
static int gunzip(const unsigned char *data, size_t len, struct sink *out)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	int rc = -1;
	out->data = calloc(1, 1);
	out->len = 0;
	archive_read_support_filter_gzip(a);
	archive_read_support_format_raw(a);
	if (archive_read_open_memory(a, data, len) != ARCHIVE_OK ||
	    archive_read_next_header(a, &e) != ARCHIVE_OK)
		goto done;
	if (archive_filter_code(a, 0) != ARCHIVE_FILTER_GZIP) {
		fprintf(stderr, "\n  the layer is not gzip compressed\n");
		goto done;
	}
	char chunk[16384];
	la_ssize_t got;
	while ((got = archive_read_data(a, chunk, sizeof(chunk))) > 0)
		on_data(chunk, 1, (size_t)got, out);
	rc = got < 0 ? -1 : 0;
done:
	if (rc)
		fprintf(stderr, "\n  gunzip: %s\n", archive_error_string(a) ? archive_error_string(a) : "?");
	archive_read_free(a);
	return rc;
}

/* One regular file of a tar. */
typedef struct entry {
	char name[256];         /* leading "./" and "/" removed */
	int type;               /* AE_IFREG, AE_IFDIR, ... */
	unsigned mode;          /* permission bits */
	long long uid, gid;
	char content[256];
} entry_t;

/* The entries of a (gzip) tar, up to max: their count, or -1. */
static int untar(const unsigned char *data, size_t len, entry_t *out, int max)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	int n = 0, r;
	archive_read_support_filter_gzip(a);
	archive_read_support_format_tar(a);
	archive_read_support_format_gnutar(a);
	if (archive_read_open_memory(a, data, len) != ARCHIVE_OK) {
		archive_read_free(a);
		return -1;
	}
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK && n < max) {
		entry_t *t = &out[n++];
		memset(t, 0, sizeof(*t));
		const char *p = archive_entry_pathname(e);
		p = p ? p : "";
		while (!strncmp(p, "./", 2) || *p == '/')
			p += *p == '/' ? 1 : 2;
		snprintf(t->name, sizeof(t->name), "%s", p);
		size_t k = strlen(t->name);
		if (k && t->name[k - 1] == '/')
			t->name[k - 1] = '\0';
		t->type = (int)archive_entry_filetype(e);
		t->mode = (unsigned)archive_entry_perm(e);
		t->uid = (long long)archive_entry_uid(e);
		t->gid = (long long)archive_entry_gid(e);
		la_ssize_t got = archive_read_data(a, t->content, sizeof(t->content) - 1);
		t->content[got > 0 ? got : 0] = '\0';
		fprintf(stderr, "\n  layer entry %s type 0%o mode 0%o uid %lld gid %lld size %lld",
			archive_entry_pathname(e), (unsigned)t->type, t->mode, t->uid, t->gid,
			(long long)archive_entry_size(e));
	}
	if (r != ARCHIVE_OK && r != ARCHIVE_EOF)
		n = -1;
	archive_read_free(a);
	return n;
}

static const entry_t *find_entry(const entry_t *es, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(es[i].name, name))
			return &es[i];
	return NULL;
}

/* Checks the file name of the layer: a regular file holding content, with
 * mode, owned by root. */
static void assert_file(const entry_t *es, int n, const char *name, const char *content,
			unsigned mode)
{
	const entry_t *e = find_entry(es, n, name);
	if (!e) {
		fprintf(stderr, "\n  the config layer has no %s\n", name);
		CU_FAIL("secret file missing in the config layer");
		return;
	}
	CU_ASSERT_EQUAL(e->type, AE_IFREG);
	CU_ASSERT_STRING_EQUAL(e->content, content);
	if (e->mode != mode)
		fprintf(stderr, "\n  %s: mode 0%o, want 0%o\n", name, e->mode, mode);
	CU_ASSERT_EQUAL(e->mode, mode);
	CU_ASSERT_EQUAL(e->uid, 0);
	CU_ASSERT_EQUAL(e->gid, 0);
}

/* The config blob of manifest m of app, parsed (json_object_put it), its
 * digest and size checked against the descriptor. */
static json_object *image_config(const char *app, json_object *m)
{
	json_object *desc = js_get(m, "config");
	struct sink s;
	if (reg_blob(app, js_str(desc, "digest"), &s))
		return NULL;
	char digest[80];
	sha256(s.data, s.len, digest);
	CU_ASSERT_STRING_EQUAL(digest, js_str(desc, "digest"));
	CU_ASSERT_EQUAL((long long)s.len, json_object_get_int64(js_get(desc, "size")));
	json_object *j = json_tokener_parse((char *)s.data);
	free(s.data);
	return j;
}

/*
 * The image app:release-VER-web-config-<ts> is the release image plus one
 * gzip layer holding the listed secrets (secret.conf with content conf,
 * mode 0400; conf/db.yaml "db: x", 0644) and nothing named "unused".
 */
static void assert_config_image(const char *app, const char *ts, const char *conf)
{
	char tag[256];
	snprintf(tag, sizeof(tag), "release-%s-web-config-%s", VER, ts);
	json_object *rel = reg_manifest(app, "release-" VER, NULL);
	json_object *cfg = reg_manifest(app, tag, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rel);
	CU_ASSERT_PTR_NOT_NULL(cfg);
	if (!cfg) {
		json_object_put(rel);
		return;
	}
	CU_ASSERT_EQUAL(json_object_get_int(js_get(cfg, "schemaVersion")), 2);
	CU_ASSERT_STRING_EQUAL(js_str(cfg, "mediaType"), SCHEMA2);

	/* The release's layers, then exactly one more. */
	json_object *rl = js_get(rel, "layers"), *cl = js_get(cfg, "layers");
	size_t n = js_len(rl);
	CU_ASSERT_EQUAL(n, 1);
	CU_ASSERT_EQUAL_FATAL(js_len(cl), n + 1);
	for (size_t i = 0; i < n; i++) {
		CU_ASSERT_STRING_EQUAL(js_str(js_at(cl, i), "digest"), js_str(js_at(rl, i), "digest"));
		CU_ASSERT_STRING_EQUAL(js_str(js_at(cl, i), "mediaType"), js_str(js_at(rl, i), "mediaType"));
		CU_ASSERT_EQUAL(json_object_get_int64(js_get(js_at(cl, i), "size")),
				json_object_get_int64(js_get(js_at(rl, i), "size")));
	}
	json_object *top = js_at(cl, n);
	CU_ASSERT_STRING_EQUAL(js_str(top, "mediaType"), LAYER_GZIP);

	struct sink blob = { NULL, 0 }, raw = { NULL, 0 };
	char digest[80], diff_id[80] = "(none)";
	CU_ASSERT_EQUAL_FATAL(reg_blob(app, js_str(top, "digest"), &blob), 0);
	sha256(blob.data, blob.len, digest);
	CU_ASSERT_STRING_EQUAL(digest, js_str(top, "digest"));
	CU_ASSERT_EQUAL((long long)blob.len, json_object_get_int64(js_get(top, "size")));
	CU_ASSERT_EQUAL(gunzip(blob.data, blob.len, &raw), 0);
	if (raw.data)
		sha256(raw.data, raw.len, diff_id);

	/* The files in it. */
	entry_t es[32];
	int ne = untar(blob.data, blob.len, es, 32);
	CU_ASSERT(ne > 0);
	assert_file(es, ne, "lain/app/secret.conf", conf, 0400);
	assert_file(es, ne, "lain/app/conf/db.yaml", "db: x", 0644);
	for (int i = 0; i < ne; i++) {
		const char *base = strrchr(es[i].name, '/');
		base = base ? base + 1 : es[i].name;
		if (!strcmp(base, "unused"))
			fprintf(stderr, "\n  the config layer holds %s\n", es[i].name);
		CU_ASSERT(strcmp(base, "unused") != 0);
		/* Nothing but the secret files and (parent) directories. */
		if (es[i].type != AE_IFDIR)
			CU_ASSERT(!strcmp(es[i].name, "lain/app/secret.conf") ||
				  !strcmp(es[i].name, "lain/app/conf/db.yaml"));
	}

	/* The image config: diff_ids and history one longer. */
	json_object *rc = image_config(app, rel), *cc = image_config(app, cfg);
	CU_ASSERT_PTR_NOT_NULL(cc);
	json_object *rd = js_get(js_get(rc, "rootfs"), "diff_ids"), *cd = js_get(js_get(cc, "rootfs"), "diff_ids");
	CU_ASSERT_STRING_EQUAL(js_str(js_get(cc, "rootfs"), "type"), "layers");
	CU_ASSERT_EQUAL(js_len(cd), js_len(rd) + 1);
	for (size_t i = 0; i < js_len(rd) && i < js_len(cd); i++)
		CU_ASSERT_STRING_EQUAL(json_object_get_string(js_at(cd, i)),
				       json_object_get_string(js_at(rd, i)));
	const char *last = js_len(cd) ? json_object_get_string(js_at(cd, js_len(cd) - 1)) : "(none)";
	if (strcmp(last, diff_id))
		fprintf(stderr, "\n  diff_id %s, want %s\n", last, diff_id);
	CU_ASSERT_STRING_EQUAL(last, diff_id);
	if (js_get(cc, "history")) {
		fprintf(stderr, "\n  history: release %zu, config image %zu entries\n",
			js_len(js_get(rc, "history")), js_len(js_get(cc, "history")));
		CU_ASSERT_EQUAL(js_len(js_get(cc, "history")), js_len(js_get(rc, "history")) + 1);
	}
	/* Not in the contract, only shown: what the runtime config kept. */
	fprintf(stderr, "\n  config image: os %s, architecture %s, WorkingDir %s\n", js_str(cc, "os"),
		js_str(cc, "architecture"), js_str(js_get(cc, "config"), "WorkingDir"));

	json_object_put(rc);
	json_object_put(cc);
	free(blob.data);
	free(raw.data);
	json_object_put(rel);
	json_object_put(cfg);
}

/* ---- the tests, in order */

#define HELLO_SECRETS(conf, ts)                                                               \
	SECRET("hello", PG, "secret.conf", conf, "400", ts) ","                                \
	SECRET("hello", PG, "conf/db.yaml", "db: x", "644", TS1) ","                           \
	SECRET("hello", PG, "unused", "nope", "400", "1522058100")

/* 1: the first deploy. */
static void test_first_deploy(void)
{
	CU_ASSERT_EQUAL(denv_reposit(NULL, "hello"), 201);
	CU_ASSERT_EQUAL(denv_reposit(NULL, "bypass"), 201);
	lvault_seed("hello", PG, HELLO_SECRETS("password=1", "1522058193"));
	lvault_forget_calls();

	CU_ASSERT_EQUAL(denv_deploy(NULL, "hello", 202), 202);
	denv_settle();
	assert_pg_image(PG, "hello", "release-" VER "-web-config-" TS1);
	assert_pg_image("hello.worker.bg", "hello", "release-" VER);

	CU_ASSERT_EQUAL(lvault_calls("hello", PG, NULL, 0), 1);
	CU_ASSERT_EQUAL(lvault_calls("hello", "hello.worker.bg", NULL, 0), 0);
	CU_ASSERT_EQUAL(lvault_calls("hello", NULL, NULL, 0), 1);

	/* The App shows the image that runs (§1.4). */
	it_response_t r;
	CU_ASSERT(denv_wait_healthy("hello", &r));
	json_object *procs = js_get(js_get(r.json, "app"), "procs");
	char want[512];
	image_name(want, sizeof(want), "hello", "release-" VER "-web-config-" TS1);
	CU_ASSERT_STRING_EQUAL(js_str(js_find(procs, "procname", "web"), "image"), want);
	image_name(want, sizeof(want), "hello", "release-" VER);
	CU_ASSERT_STRING_EQUAL(js_str(js_find(procs, "procname", "bg"), "image"), want);
	it_response_free(&r);
}

/* 1b (derived, not in the brief's list): with auth off a request without
 * an access-token counts as the token "unknown" (§1.1), which §4.6.1
 * forwards; real lvault demands the header (lain-ecosystem.md §4.1: it
 * answers 401 without one, and passes "unknown" because Console's E16 says
 * admin with auth off). So the header must be there, whatever its value. */
static void test_token_auth_off(void)
{
	char token[256];
	CU_ASSERT_EQUAL(lvault_calls("hello", PG, token, sizeof(token)), 1);
	fprintf(stderr, "\n  access-token sent to lvault with auth off: %s (the original: unknown)\n",
		token);
	CU_ASSERT(strcmp(token, "(none)") != 0 && token[0]);
}

/* 2: the config image in the registry. */
static void test_config_image(void)
{
	CU_ASSERT(reg_has_tag("hello", "release-" VER "-web-config-" TS1));
	assert_config_image("hello", TS1, "password=1");
}

/* 3: unchanged secrets: the same tag, left as it was. */
static void test_reuse(void)
{
	char *before = NULL, *after = NULL;
	json_object *m = reg_manifest("hello", "release-" VER "-web-config-" TS1, &before);
	json_object_put(m);
	lvault_forget_calls();
	it_response_t r;
	CU_ASSERT_EQUAL(update("hello", &r), 202);
	it_response_free(&r);
	denv_settle();
	assert_pg_image(PG, "hello", "release-" VER "-web-config-" TS1);
	assert_pg_image("hello.worker.bg", "hello", "release-" VER);
	CU_ASSERT_EQUAL(lvault_calls("hello", PG, NULL, 0), 1);
	m = reg_manifest("hello", "release-" VER "-web-config-" TS1, &after);
	json_object_put(m);
	CU_ASSERT(before && after && !strcmp(before, after));
	free(before);
	free(after);
}

/* 4: a changed secret: a new tag. */
static void test_changed_secret(void)
{
	lvault_seed("hello", PG, HELLO_SECRETS("password=2", TS2));
	CU_ASSERT(!reg_has_tag("hello", "release-" VER "-web-config-" TS2));
	it_response_t r;
	CU_ASSERT_EQUAL(update("hello", &r), 202);
	it_response_free(&r);
	denv_settle();
	assert_pg_image(PG, "hello", "release-" VER "-web-config-" TS2);
	CU_ASSERT(reg_has_tag("hello", "release-" VER "-web-config-" TS2));
	CU_ASSERT(reg_has_tag("hello", "release-" VER "-web-config-" TS1));
	assert_config_image("hello", TS2, "password=2");
	CU_ASSERT(denv_wait_healthy("hello", &r));
	it_response_free(&r);
}

/* 4b: a secret not listed in secret_files, newer than the listed ones,
 * plays no part: the tag is the newest timestamp of the secrets used. */
static void test_unlisted_newer(void)
{
	lvault_seed("hello", PG,
		    SECRET("hello", PG, "secret.conf", "password=2", "400", TS2) ","
		    SECRET("hello", PG, "conf/db.yaml", "db: x", "644", TS1) ","
		    SECRET("hello", PG, "unused", "newer", "400", "1522070000"));
	it_response_t r;
	CU_ASSERT_EQUAL(update("hello", &r), 202);
	it_response_free(&r);
	denv_settle();
	assert_pg_image(PG, "hello", "release-" VER "-web-config-" TS2);
	CU_ASSERT(!reg_has_tag("hello", "release-" VER "-web-config-1522070000"));
}

/* 5: a listed file missing in lvault: 406, nothing changed. */
static void test_missing_file(void)
{
	lvault_seed("hello", PG,
		    SECRET("hello", PG, "secret.conf", "password=3", "400", TS_BAD) ","
		    SECRET("hello", PG, "unused", "nope", "400", "1522058100"));
	it_response_t r;
	CU_ASSERT_EQUAL(update("hello", &r), 406);
	CU_ASSERT(strstr(it_msg(&r), "some defined secret files not exist in lvault, please check") != NULL);
	it_response_free(&r);
	denv_settle();
	assert_pg_image(PG, "hello", "release-" VER "-web-config-" TS2);
	CU_ASSERT(!reg_has_tag("hello", "release-" VER "-web-config-" TS_BAD));
}

/* 6: secret_files_bypass, nothing in lvault: the plain release image. */
static void test_bypass(void)
{
	lvault_forget_calls();
	CU_ASSERT_EQUAL(denv_deploy(NULL, "bypass", 202), 202);
	denv_settle();
	assert_pg_image("bypass.web.web", "bypass", "release-" VER);
	assert_pg_image("bypass.worker.bg", "bypass", "release-" VER);
	/* Only shown: §4.6 asks lvault before falling back. */
	fprintf(stderr, "\n  lvault calls for bypass: %d\n", lvault_calls("bypass", NULL, NULL, 0));
}

/* 7: lvault failing: 406 naming lvault, nothing changed. */
static void test_lvault_failure(void)
{
	const char *modes[] = { "error500", "down" };
	lvault_seed("hello", PG, HELLO_SECRETS("password=2", TS2));
	for (size_t i = 0; i < 2; i++) {
		lvault_fail(modes[i]);
		it_response_t r;
		CU_ASSERT_EQUAL(update("hello", &r), 406);
		if (!strcasestr(it_msg(&r), "lvault"))
			fprintf(stderr, "\n  lvault %s: the msg does not name lvault\n", modes[i]);
		CU_ASSERT(strcasestr(it_msg(&r), "lvault") != NULL);
		it_response_free(&r);
		lvault_fail("none");
		denv_settle();
		assert_pg_image(PG, "hello", "release-" VER "-web-config-" TS2);
	}
	/* lvault back: the same update goes through. */
	it_response_t r;
	CU_ASSERT_EQUAL(update("hello", &r), 202);
	it_response_free(&r);
	denv_settle();
	assert_pg_image(PG, "hello", "release-" VER "-web-config-" TS2);
}

/* 9 (not in the brief's list; §3.6, §4.1.10, §4.6.1): a resource
 * instance's secrets are the resource's (app=<resource>,
 * proc=<resource>.<type>.<proc>), its config image goes into the
 * resource's repository on top of the resource's release. */
static void test_resource_instance(void)
{
	CU_ASSERT_EQUAL(denv_reposit(NULL, "rsec"), 201);
	CU_ASSERT_EQUAL(denv_reposit(NULL, "csec"), 201);
	lvault_seed("rsec", RES_PG,
		    SECRET("rsec", RES_PG, "redis.conf", "maxmemory 1gb", "600", RES_TS));
	lvault_forget_calls();
	CU_ASSERT_EQUAL(denv_deploy(NULL, "rsec", 202), 202);
	CU_ASSERT_EQUAL(denv_deploy(NULL, "csec", 202), 202);
	denv_settle();
	assert_pg_image(INST_PG, "rsec", "release-" VER "-rsec-config-" RES_TS);
	assert_pg_image("csec.web.web", "csec", "release-" VER);
	int n = lvault_calls("rsec", RES_PG, NULL, 0);
	fprintf(stderr, "\n  lvault calls for rsec/%s: %d\n", RES_PG, n);
	CU_ASSERT(n >= 1);
	CU_ASSERT_EQUAL(lvault_calls("csec", NULL, NULL, 0), 0);
	CU_ASSERT(reg_has_tag("rsec", "release-" VER "-rsec-config-" RES_TS));
	CU_ASSERT(!reg_has_tag("csec", "release-" VER "-rsec-config-" RES_TS));

	/* One layer more than rsec's release, holding redis.conf (0600, root). */
	json_object *rel = reg_manifest("rsec", "release-" VER, NULL);
	json_object *cfg = reg_manifest("rsec", "release-" VER "-rsec-config-" RES_TS, NULL);
	json_object *cl = js_get(cfg, "layers");
	CU_ASSERT_EQUAL(js_len(cl), js_len(js_get(rel, "layers")) + 1);
	struct sink blob = { NULL, 0 };
	if (js_len(cl) && !reg_blob("rsec", js_str(js_at(cl, js_len(cl) - 1), "digest"), &blob)) {
		entry_t es[16];
		int ne = untar(blob.data, blob.len, es, 16);
		const entry_t *e = find_entry(es, ne, "lain/app/redis.conf");
		CU_ASSERT_PTR_NOT_NULL(e);
		if (e) {
			CU_ASSERT_STRING_EQUAL(e->content, "maxmemory 1gb");
			CU_ASSERT_EQUAL(e->mode, 0600);
			CU_ASSERT_EQUAL(e->uid, 0);
			CU_ASSERT_EQUAL(e->gid, 0);
		}
		free(blob.data);
	}
	json_object_put(rel);
	json_object_put(cfg);
}

/* 10 (not in the brief's list; §4.6.3-5): a new release version with the
 * same secrets: the tag names the new release. */
static void test_new_version(void)
{
	CU_ASSERT_EQUAL_FATAL(denv_push("hello", VER2, APP_YAML("hello", ""), NULL), 0);
	it_response_t r;
	long st = it_req_as(NULL, "PUT", "/api/v1/apps/hello/", "{\"meta_version\": \"" VER2 "\"}", &r);
	if (st != 202)
		fprintf(stderr, "\n  PUT hello %s: %ld %s\n", VER2, st, it_msg(&r));
	CU_ASSERT_EQUAL(st, 202);
	it_response_free(&r);
	denv_settle();
	assert_pg_image(PG, "hello", "release-" VER2 "-web-config-" TS2);
	assert_pg_image("hello.worker.bg", "hello", "release-" VER2);
	CU_ASSERT(reg_has_tag("hello", "release-" VER2 "-web-config-" TS2));
	json_object *rel = reg_manifest("hello", "release-" VER2, NULL);
	json_object *cfg = reg_manifest("hello", "release-" VER2 "-web-config-" TS2, NULL);
	json_object *rl = js_get(rel, "layers"), *cl = js_get(cfg, "layers");
	CU_ASSERT_EQUAL(js_len(cl), js_len(rl) + 1);
	CU_ASSERT(js_len(rl) && js_len(cl) &&
		  !strcmp(js_str(js_at(cl, 0), "digest"), js_str(js_at(rl, 0), "digest")));
	json_object_put(rel);
	json_object_put(cfg);
}

/* 12 (issue 14 #5): lvault's modes keep only their permission bits: a
 * setuid, setgid or sticky bit there ("4777", "2640", "1644") would make the
 * secret file in the image a setuid program, and so on; they are cleared. */
#define TS_MODES "1522061000"
static void test_special_modes(void)
{
	lvault_seed("hello", PG,
		    SECRET("hello", PG, "secret.conf", "password=4", "4777", TS_MODES) ","
		    SECRET("hello", PG, "conf/db.yaml", "db: x", "2640", TS1) ","
		    SECRET("hello", PG, "unused", "nope", "1644", "1522058100"));
	it_response_t r;
	CU_ASSERT_EQUAL(update("hello", &r), 202);
	it_response_free(&r);
	denv_settle();
	const char *tag = "release-" VER2 "-web-config-" TS_MODES;
	assert_pg_image(PG, "hello", tag);
	json_object *cfg = reg_manifest("hello", tag, NULL);
	json_object *layers = js_get(cfg, "layers");
	CU_ASSERT_FATAL(js_len(layers) > 0);
	struct sink blob = { NULL, 0 };
	CU_ASSERT_EQUAL_FATAL(reg_blob("hello", js_str(js_at(layers, js_len(layers) - 1), "digest"),
				       &blob), 0);
	entry_t es[32];
	int ne = untar(blob.data, blob.len, es, 32);
	assert_file(es, ne, "lain/app/secret.conf", "password=4", 0777);
	assert_file(es, ne, "lain/app/conf/db.yaml", "db: x", 0640);
	for (int i = 0; i < ne; i++) {
		if (es[i].mode & 07000)
			fprintf(stderr, "\n  %s: mode 0%o\n", es[i].name, es[i].mode);
		CU_ASSERT_EQUAL(es[i].mode & 07000, 0);
	}
	free(blob.data);
	json_object_put(cfg);
}

/* 8: auth on: lvault gets the deploying user's token. */
static void test_auth_token(void)
{
	CU_ASSERT_EQUAL_FATAL(it_auth_on(sso), 0);
	char *alice = it_sso_token(sso, "alice");
	CU_ASSERT_FATAL(alice && alice[0]);
	CU_ASSERT_EQUAL(denv_reposit(alice, "sauth"), 201);
	lvault_seed("sauth", "sauth.web.web",
		    SECRET("sauth", "sauth.web.web", "secret.conf", "password=1", "400", "1522058193") ","
		    SECRET("sauth", "sauth.web.web", "conf/db.yaml", "db: x", "644", TS1));
	lvault_forget_calls();
	CU_ASSERT_EQUAL(denv_deploy(alice, "sauth", 202), 202);
	denv_settle();
	char token[256];
	CU_ASSERT_EQUAL(lvault_calls("sauth", "sauth.web.web", token, sizeof(token)), 1);
	if (strcmp(token, alice))
		fprintf(stderr, "\n  lvault got access-token %s, want alice's %s\n", token, alice);
	CU_ASSERT_STRING_EQUAL(token, alice);
	assert_pg_image("sauth.web.web", "sauth", "release-" VER "-web-config-" TS1);
	free(alice);
}

/* Sanitizer reports in lain-console's log (a --enable-sanitizers build):
 * printed; their count. */
static int server_sanitizer_reports(void)
{
	const char *log = stack_get("CONSOLE_LOG");
	FILE *f = log[0] ? fopen(log, "r") : NULL;
	char line[1024];
	int n = 0;
	while (f && fgets(line, sizeof(line), f))
		if (strstr(line, "ERROR: AddressSanitizer") || strstr(line, "runtime error:")) {
			fprintf(stderr, "it_secrets: lain-console: %s", line);
			n++;
		}
	if (f)
		fclose(f);
	return n;
}

/* ---- suite 2 (not in the brief's list): a registry that wants tokens, as
 * in a LAIN cluster. The config image is pushed with lain-console's own
 * tokens (§6.4: pull and push), so it must land there as without auth. */

#define DOMAIN "example.lain.com"   /* the cluster's default domain: the tokens' aud */

static int sanitizer_reports;

/* A second stack on a registry with token auth: shub's images copied there
 * (skopeo, with a token from E6 for a whitelisted 127.0.0.1). */
static int auth_registry_up(void)
{
	char url[128], key[512], cmd[4096];
	sanitizer_reports += server_sanitizer_reports();
	stack_down();
	if (denv_auth_registry(DOMAIN, url, sizeof(url), key, sizeof(key)))
		return -1;
	setenv("CONSOLE_PRIVATE_REGISTRY", url + strlen("http://"), 1);
	setenv("CONSOLE_REGISTRY_KEY", key, 1);
	/* The stack takes free ports at start; one may be taken by another
	 * test meanwhile (etcd: "address already in use"): try again. */
	int up = -1;
	for (int i = 0; i < 3 && up; i++) {
		if (i)
			stack_down();
		up = stack_up("--workers 2");
	}
	if (up || it_etcd_put("/lain/config/registry_ip_whitelist", "127.0.0.1"))
		return -1;
	it_response_t r;
	it_request("GET", "/api/v1/authorize/registry/?service=" DOMAIN "&scope=repository:shub:pull,push",
		   NULL, NULL, &r);
	const char *t = it_field(&r, "token");
	reg_token = strdup(t ? t : "");
	if (r.status != 200 || !reg_token[0])
		fprintf(stderr, "it_secrets: no registry token from E6: %ld %s\n", r.status,
			r.body ? r.body : "");
	it_response_free(&r);
	if (!reg_token[0])
		return -1;
	const char *tags[] = { "meta-" VER, "release-" VER };
	for (size_t i = 0; i < 2; i++) {
		snprintf(cmd, sizeof(cmd),
			 "skopeo --insecure-policy copy -q --src-tls-verify=false --dest-tls-verify=false "
			 "--dest-registry-token '%s' docker://%s/shub:%s docker://%s/shub:%s >&2",
			 reg_token, reg_host, tags[i], url + strlen("http://"), tags[i]);
		if (system(cmd) != 0) {
			fprintf(stderr, "it_secrets: skopeo could not copy shub:%s\n", tags[i]);
			return -1;
		}
	}
	snprintf(reg_host, sizeof(reg_host), "%s", url + strlen("http://"));
	snprintf(reg_url, sizeof(reg_url), "%s", url);
	return 0;
}

static int auth_registry_down(void)
{
	free(reg_token);
	reg_token = NULL;
	return 0;
}

static void test_token_registry(void)
{
	/* Without a token the registry says no: it is the auth one. */
	char *saved = reg_token;
	reg_token = NULL;
	CU_ASSERT_PTR_NULL(reg_manifest("shub", "release-" VER, NULL));
	reg_token = saved;

	CU_ASSERT_EQUAL(denv_reposit(NULL, "shub"), 201);
	lvault_seed("shub", "shub.web.web",
		    SECRET("shub", "shub.web.web", "secret.conf", "password=1", "400", "1522058193") ","
		    SECRET("shub", "shub.web.web", "conf/db.yaml", "db: x", "644", TS1) ","
		    SECRET("shub", "shub.web.web", "unused", "nope", "400", "1522058100"));
	CU_ASSERT_EQUAL(denv_deploy(NULL, "shub", 202), 202);
	denv_settle();
	assert_pg_image("shub.web.web", "shub", "release-" VER "-web-config-" TS1);
	assert_pg_image("shub.worker.bg", "shub", "release-" VER);
	assert_config_image("shub", TS1, "password=1");
}

static CU_TestInfo auth_registry_tests[] = {
	{ "11 registry with token auth: the config image is pushed", test_token_registry },
	CU_TEST_INFO_NULL,
};

static CU_TestInfo tests[] = {
	{ "1 first deploy: config image for the proc with secret files", test_first_deploy },
	{ "1b auth off: lvault still gets an access-token header", test_token_auth_off },
	{ "2 the config image: release layers + one secrets layer", test_config_image },
	{ "3 unchanged secrets: the tag is reused", test_reuse },
	{ "4 a changed secret: a new tag", test_changed_secret },
	{ "4b a newer secret not listed: the tag unchanged", test_unlisted_newer },
	{ "5 a listed file missing in lvault: 406", test_missing_file },
	{ "6 secret_files_bypass without secrets: the release image", test_bypass },
	{ "7 lvault failing (500, down): 406", test_lvault_failure },
	{ "9 resource instance: the resource's secrets and repository", test_resource_instance },
	{ "10 a new release version: a new tag on it", test_new_version },
	{ "12 setuid/setgid/sticky bits from lvault are cleared", test_special_modes },
	{ "8 auth: lvault gets the deploying user's token", test_auth_token },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "secrets", NULL, NULL, NULL, NULL, tests },
	{ "secrets, registry with token auth", auth_registry_up, auth_registry_down, NULL, NULL,
	  auth_registry_tests },
	CU_SUITE_INFO_NULL,
};


/* The registry's address as the tests need it, lvault and SSO stand-ins. */
static int neighbours_up(void)
{
	char url[300];
	snprintf(reg_host, sizeof(reg_host), "%s", denv_registry() + strlen("http://"));
	snprintf(reg_url, sizeof(reg_url), "%s", denv_registry());
	if (fake_start("lvault", NULL, lvault, sizeof(lvault)) < 0 ||
	    it_sso_up(NULL, sso, sizeof(sso)))
		return -1;
	snprintf(url, sizeof(url), "%s/v2/secrets", lvault);
	setenv("LVAULT_CONFIG_URL", url, 1);
	return 0;
}

/* What the servers' sanitizers reported (a --enable-sanitizers build). */
static int sanitizers_clean(void)
{
	return sanitizer_reports + server_sanitizer_reports();
}

int main(void)
{
	const denv_image_t images[] = {
		{ "hello", VER, APP_YAML("hello", ""), NULL },
		{ "bypass", VER, APP_YAML("bypass", "  secret_files_bypass: true\n"), NULL },
		{ "sauth", VER, APP_YAML("sauth", ""), NULL },
		{ "rsec", VER, RES_YAML, NULL },
		{ "csec", VER, CLIENT_YAML, NULL },
		{ "shub", VER, APP_YAML("shub", ""), NULL },
	};
	const denv_suite_t suite = { .name = "it_secrets", .images = images,
				     .nimages = ARRAY_SIZE(images), .stack_args = "--workers 2",
				     .before = neighbours_up, .check = sanitizers_clean,
				     .suites = suites };
	return denv_main(&suite);
}
