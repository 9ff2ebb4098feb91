/*
 * The registry token server end to end: the real Debian docker-registry
 * with `auth: token` whose realm is /api/v1/authorize/registry/ through the
 * stack's nginx, the SSO fake behind lain-console, and clients that drive
 * the Docker token flow (this file's libcurl client, tests/tools/push-image,
 * skopeo).
 *
 * Three stacks in a row on one HTTPS port (so the registry's realm stays
 * valid): without a signing key (503), with the default policy, and with
 * CONSOLE_REGISTRY_ANONYMOUS_PULL=1. The whitelist holds 127.0.0.2: the
 * whitelisted caller connects from that address (every other client of the
 * suite comes from 127.0.0.1 and is not whitelisted).
 */
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CUnit/CUnit.h>
#include <curl/curl.h>
#include <json-c/json.h>
#include <openssl/evp.h>

#include "console/base64.h"
#include "console/buf.h"
#include "console/config.h"
#include "console/ctx.h"
#include "console/registry_auth.h"
#include "harness.h"
#include "testlib.h"

#define SERVICE "example.lain.com"
#define GROUP_HELLO "lainapp-example-lain-com-hello"
#define META_VERSION "1764082200-0123456789abcdef0123456789abcdef01234567"

static char dir[256];               /* keys, registry data, skopeo files */
static char sso_url[256];
static char https_port[16];
static char registry_url[128];      /* http://127.0.0.1:PORT */
static pid_t registry_pid = -1;
static const char *srcdir = ".";

/* ---- small helpers ------------------------------------------------------------ */

static int free_port(void)
{
	char cmd[] = "python3 -c 'import socket;s=socket.socket();s.bind((\"127.0.0.1\",0));"
		     "print(s.getsockname()[1])'";
	FILE *p = popen(cmd, "r");
	int port = 0;
	if (p && fscanf(p, "%d", &port) != 1)
		port = 0;
	if (p)
		pclose(p);
	return port;
}

static size_t on_data(char *p, size_t size, size_t n, void *ud)
{
	buf_add(ud, p, size * n);
	return size * n;
}

typedef struct {
	long status;
	buf_t body;
	buf_t headers;
} resp_t;

static void resp_free(resp_t *r)
{
	buf_release(&r->body);
	buf_release(&r->headers);
}

/* One HTTP call. auth: "user:password" for Basic, "Bearer <t>" for a token,
 * NULL for none; iface: local address to connect from, or NULL. */
static long http(const char *method, const char *url, const char *auth, const char *iface,
		 const char *ctype, const void *body, size_t body_len, const char *accept,
		 resp_t *r)
{
	memset(r, 0, sizeof(*r));
	buf_init(&r->body, 0);
	buf_init(&r->headers, 0);
	CURL *c = curl_easy_init();
	struct curl_slist *h = NULL;
	char line[8192];
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_CAINFO, stack_get("CA_CERT"));
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &r->body);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &r->headers);
	if (!strcmp(method, "HEAD"))
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	if (iface)
		curl_easy_setopt(c, CURLOPT_INTERFACE, iface);
	if (auth && !strncmp(auth, "Bearer ", 7)) {
		snprintf(line, sizeof(line), "Authorization: %s", auth);
		h = curl_slist_append(h, line);
	} else if (auth) {
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
		curl_easy_setopt(c, CURLOPT_USERPWD, auth);
	}
	if (body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)body_len);
	}
	if (ctype) {
		snprintf(line, sizeof(line), "Content-Type: %s", ctype);
		h = curl_slist_append(h, line);
	}
	if (accept) {
		snprintf(line, sizeof(line), "Accept: %s", accept);
		h = curl_slist_append(h, line);
	}
	h = curl_slist_append(h, "Expect:");
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return r->status;
}

/* Value of header name in r (case-insensitive), into out; "" when absent. */
static const char *header(const resp_t *r, const char *name, char *out, size_t n)
{
	size_t len = strlen(name);
	out[0] = '\0';
	for (const char *l = r->headers.data; *l;) {
		const char *end = strstr(l, "\r\n");
		size_t ll = end ? (size_t)(end - l) : strlen(l);
		if (ll > len && !strncasecmp(l, name, len) && l[len] == ':') {
			const char *v = l + len + 1;
			while (*v == ' ')
				v++;
			snprintf(out, n, "%.*s", (int)(ll - (size_t)(v - l)), v);
			break;
		}
		l = end ? end + 2 : l + ll;
	}
	return out;
}

/* ---- tokens ------------------------------------------------------------------- */

/* GET the token endpoint with query; returns the status, the token in tok
 * (when 200) and the decoded claims in *claims (NULL otherwise). */
static long token_get(const char *query, const char *userpass, const char *iface, buf_t *tok,
		      json_object **claims, resp_t *keep)
{
	char url[2048];
	snprintf(url, sizeof(url), "%s/api/v1/authorize/registry/?%s", stack_get("CONSOLE_URL"),
		 query);
	resp_t r;
	long st = http("GET", url, userpass, iface, NULL, NULL, 0, NULL, &r);
	*claims = NULL;
	if (st == 200) {
		json_object *o = json_tokener_parse(r.body.data), *t;
		if (o && json_object_object_get_ex(o, "token", &t)) {
			const char *s = json_object_get_string(t);
			buf_addstr(tok, s);
			const char *d1 = strchr(s, '.'), *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
			buf_t p = BUF_INIT;
			if (d2 && !base64url_decode(&p, d1 + 1, (size_t)(d2 - d1 - 1)))
				*claims = json_tokener_parse(p.data);
			buf_release(&p);
		}
		json_object_put(o);
	}
	if (keep)
		*keep = r;
	else
		resp_free(&r);
	return st;
}

static const char *claim(json_object *c, const char *k)
{
	json_object *v;
	return c && json_object_object_get_ex(c, k, &v) ? json_object_get_string(v) : "(absent)";
}

/* The access claim as compact JSON ("(absent)" when missing). */
static const char *access_of(json_object *c)
{
	json_object *v;
	if (!c || !json_object_object_get_ex(c, "access", &v))
		return "(absent)";
	return json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN |
						 JSON_C_TO_STRING_NOSLASHESCAPE);
}

#define ACCESS_PP(repo) \
	"[{\"type\":\"repository\",\"name\":\"" repo "\",\"actions\":[\"pull\",\"push\"]}]"
#define ACCESS_PULL(repo) \
	"[{\"type\":\"repository\",\"name\":\"" repo "\",\"actions\":[\"pull\"]}]"

/* ---- the registry, driven with a token ------------------------------------------ */

static void sha256_hex(const void *data, size_t n, char out[72])
{
	unsigned char d[32];
	unsigned int len;
	EVP_Digest(data, n, d, &len, EVP_sha256(), NULL);
	int o = snprintf(out, 72, "sha256:");
	for (int i = 0; i < 32; i++)
		o += snprintf(out + o, 72 - (size_t)o, "%02x", d[i]);
}

/* Uploads one blob; the status of the step that failed, or 201. */
static long blob_push(const char *auth, const char *repo, const char *data, size_t n,
		      char digest[72])
{
	char url[1024], loc[2048];
	resp_t r;
	sha256_hex(data, n, digest);
	snprintf(url, sizeof(url), "%s/v2/%s/blobs/uploads/", registry_url, repo);
	long st = http("POST", url, auth, NULL, NULL, "", 0, NULL, &r);
	header(&r, "location", loc, sizeof(loc));
	resp_free(&r);
	if (st != 202)
		return st;
	if (loc[0] == '/')
		snprintf(url, sizeof(url), "%s%s", registry_url, loc);
	else
		snprintf(url, sizeof(url), "%s", loc);
	size_t ul = strlen(url);
	snprintf(url + ul, sizeof(url) - ul, "%sdigest=%s", strchr(url, '?') ? "&" : "?", digest);
	st = http("PUT", url, auth, NULL, "application/octet-stream", data, n, NULL, &r);
	resp_free(&r);
	return st;
}

#define MANIFEST_V2 "application/vnd.docker.distribution.manifest.v2+json"

/* Pushes a one-layer image repo:tag (layer = text); 201 or the failing status. */
static long image_push(const char *auth, const char *repo, const char *tag, const char *text)
{
	char layer_d[72], config_d[72], config[512], manifest[2048], url[512];
	long st = blob_push(auth, repo, text, strlen(text), layer_d);
	if (st != 201)
		return st;
	snprintf(config, sizeof(config),
		 "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{},\"rootfs\":{\"type\":"
		 "\"layers\",\"diff_ids\":[\"%s\"]}}", layer_d);
	if ((st = blob_push(auth, repo, config, strlen(config), config_d)) != 201)
		return st;
	snprintf(manifest, sizeof(manifest),
		 "{\"schemaVersion\":2,\"mediaType\":\"" MANIFEST_V2 "\",\"config\":{\"mediaType\":"
		 "\"application/vnd.docker.container.image.v1+json\",\"size\":%zu,\"digest\":\"%s\"},"
		 "\"layers\":[{\"mediaType\":\"application/vnd.docker.image.rootfs.diff.tar.gzip\","
		 "\"size\":%zu,\"digest\":\"%s\"}]}",
		 strlen(config), config_d, strlen(text), layer_d);
	snprintf(url, sizeof(url), "%s/v2/%s/manifests/%s", registry_url, repo, tag);
	resp_t r;
	st = http("PUT", url, auth, NULL, MANIFEST_V2, manifest, strlen(manifest), NULL, &r);
	resp_free(&r);
	return st;
}

/* Pulls repo:tag and checks its one layer is text; 200 or the failing status
 * (-1: the content differs). */
static long image_pull(const char *auth, const char *repo, const char *tag, const char *text)
{
	char url[1024];
	resp_t r;
	snprintf(url, sizeof(url), "%s/v2/%s/manifests/%s", registry_url, repo, tag);
	long st = http("GET", url, auth, NULL, NULL, NULL, 0, MANIFEST_V2, &r);
	json_object *m = st == 200 ? json_tokener_parse(r.body.data) : NULL, *layers, *d;
	resp_free(&r);
	if (st != 200)
		return st;
	const char *digest = m && json_object_object_get_ex(m, "layers", &layers) &&
					     json_object_object_get_ex(
						     json_object_array_get_idx(layers, 0), "digest", &d)
				     ? json_object_get_string(d)
				     : "";
	snprintf(url, sizeof(url), "%s/v2/%s/blobs/%s", registry_url, repo, digest);
	json_object_put(m);
	st = http("GET", url, auth, NULL, NULL, NULL, 0, NULL, &r);
	if (st == 200 && strcmp(r.body.data, text))
		st = -1;
	resp_free(&r);
	return st;
}

/* "Bearer <token>" of a token fetched for the scope, or "" when refused. */
static const char *bearer_for(const char *scope, const char *userpass, const char *iface,
			      char *out, size_t n)
{
	char q[512];
	snprintf(q, sizeof(q), "service=" SERVICE "&scope=%s", scope);
	buf_t tok = BUF_INIT;
	json_object *c;
	out[0] = '\0';
	if (token_get(q, userpass, iface, &tok, &c, NULL) == 200)
		snprintf(out, n, "Bearer %s", tok.data);
	json_object_put(c);
	buf_release(&tok);
	return out;
}

/* ---- stack, registry, SSO ----------------------------------------------------- */


static int start_registry(void)
{
	int port = free_port();
	char path[512];
	snprintf(registry_url, sizeof(registry_url), "http://127.0.0.1:%d", port);
	snprintf(path, sizeof(path), "%s/registry.yml", dir);
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	fprintf(f,
		"version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: %s/data\n"
		"http:\n  addr: 127.0.0.1:%d\n  secret: it-registry\n"
		"auth:\n  token:\n    realm: https://127.0.0.1:%s/api/v1/authorize/registry/\n"
		"    service: " SERVICE "\n    issuer: auth server\n"
		"    rootcertbundle: %s/keys/registry-cert.pem\n",
		dir, port, https_port, dir);
	fclose(f);
	registry_pid = fork();
	if (registry_pid == 0) {
		char log[512];
		snprintf(log, sizeof(log), "%s/registry.log", dir);
		FILE *l = freopen(log, "w", stderr);
		(void)l;
		dup2(2, 1);
		execl("/usr/bin/docker-registry", "docker-registry", "serve", path, (char *)NULL);
		_exit(127);
	}
	char url[256];
	snprintf(url, sizeof(url), "%s/v2/", registry_url);
	for (int i = 0; i < 100; i++) {
		resp_t r;
		long st = http("GET", url, NULL, NULL, NULL, NULL, 0, NULL, &r);
		resp_free(&r);
		if (st == 401)
			return 0;
		it_sleep_ms(100);
	}
	fprintf(stderr, "it_registry: docker-registry did not answer 401 on /v2/ (log %s/registry.log)\n",
		dir);
	return -1;
}

static void stop_registry(void)
{
	if (registry_pid > 0) {
		kill(registry_pid, SIGTERM);
		waitpid(registry_pid, NULL, 0);
		registry_pid = -1;
	}
}

/* The cluster config every stack needs: auth switch and whitelist. */
static int seed_etcd(void)
{
	char sw[512];
	snprintf(sw, sizeof(sw), "{\"type\":\"lain-sso\",\"url\":\"%s\"}", sso_url);
	return it_etcd_put("/lain/config/auth/console", sw) ||
	       it_etcd_put("/lain/config/registry_ip_whitelist", "10.9.9.0/24, bad-entry, 127.0.0.2");
}

static int up(const char *anonymous_pull, bool with_key)
{
	char key[512], args[128];
	snprintf(key, sizeof(key), "%s/keys/registry-key.pem", dir);
	if (with_key)
		setenv("CONSOLE_REGISTRY_KEY", key, 1);
	else
		unsetenv("CONSOLE_REGISTRY_KEY");
	setenv("CONSOLE_REGISTRY_ANONYMOUS_PULL", anonymous_pull, 1);
	snprintf(args, sizeof(args), "--workers 1 --https-port %s", https_port);
	if (stack_up(args) || seed_etcd())
		return -1;
	return 0;
}

/* An SSO token of user, from the fake's shortcut. */
static void sso_token(const char *user, char *out, size_t n)
{
	char url[512], body[128];
	snprintf(url, sizeof(url), "%s/__fake/token", sso_url);
	snprintf(body, sizeof(body), "{\"user\":\"%s\"}", user);
	resp_t r;
	out[0] = '\0';
	if (http("POST", url, NULL, NULL, "application/json", body, strlen(body), NULL, &r) == 200) {
		json_object *o = json_tokener_parse(r.body.data), *t;
		if (o && json_object_object_get_ex(o, "access_token", &t))
			snprintf(out, n, "Bearer %s", json_object_get_string(t));
		json_object_put(o);
	}
	resp_free(&r);
}

/* hello's app group with alice as a member (bob is in no group). */
static int seed_sso(void)
{
	char admin[256], url[512];
	sso_token("admin", admin, sizeof(admin));
	resp_t r;
	snprintf(url, sizeof(url), "%s/api/groups", sso_url);
	const char *g = "{\"name\":\"" GROUP_HELLO "\",\"fullname\":\"lain app in " SERVICE ": hello\"}";
	long st = http("POST", url, admin, NULL, "application/json", g, strlen(g), NULL, &r);
	resp_free(&r);
	snprintf(url, sizeof(url), "%s/api/groups/" GROUP_HELLO "/members/alice", sso_url);
	long st2 = http("PUT", url, admin, NULL, "application/json", "{\"role\":\"normal\"}", 17, NULL,
			&r);
	resp_free(&r);
	return (st == 201 || st == 409) && st2 == 200 ? 0 : -1;
}

static int suite_nokey_up(void)
{
	srcdir = getenv("srcdir") ? getenv("srcdir") : ".";
	snprintf(dir, sizeof(dir), "/tmp/lain-console-itreg-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	if (it_sh("'%s/scripts/gen-registry-key' '%s/keys' >/dev/null 2>&1", srcdir, dir) ||
	    it_sh("printf 'appname: hello\\nweb:\\n  cmd: hello\\n' >'%s/lain.yaml'", dir))
		return -1;
	atexit(stop_registry);
	setenv("SSO_CLIENT_ID", "lain-console", 1);
	setenv("SSO_CLIENT_SECRET", "lain-console-secret", 1);
	setenv("CONSOLE_LOG_LEVEL", "debug", 1);
	char args[512];
	snprintf(args, sizeof(args), "--seed '%s/tests/fakes/sso-seed.json'", srcdir);
	if (fake_start("sso", args, sso_url, sizeof(sso_url)) < 0 || seed_sso())
		return -1;
	snprintf(https_port, sizeof(https_port), "%d", free_port());
	if (up("0", false))
		return -1;
	return start_registry();
}

static int suite_down(void)
{
	stack_down();
	return 0;
}

static int suite_policy_up(void)
{
	return up("0", true);
}

static int suite_anon_up(void)
{
	return up("1", true);
}

static int suite_anon_down(void)
{
	stack_down();
	stop_registry();
	it_sh("rm -rf '%s'", dir);
	return 0;
}

/* ---- tests: no key -------------------------------------------------------------- */

static void test_no_key(void)
{
	buf_t tok = BUF_INIT;
	json_object *c;
	resp_t r;
	CU_ASSERT_EQUAL(token_get("service=" SERVICE "&scope=repository:hello:pull", "alice:alice",
				  NULL, &tok, &c, &r), 503);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.body.data, "CONSOLE_REGISTRY_KEY"));
	CU_ASSERT_PTR_NOT_NULL(strstr(r.body.data, "\"errors\""));
	resp_free(&r);
	buf_release(&tok);
}

/* ---- tests: default policy -------------------------------------------------------- */

static void test_errors(void)
{
	buf_t tok = BUF_INIT;
	json_object *c;
	resp_t r;
	char h[256];
	/* wrong password, missing credentials, malformed header: 401 Basic */
	const char *who[] = { "alice:wrong", NULL, "nobody:x" };
	for (int i = 0; i < 3; i++) {
		CU_ASSERT_EQUAL(token_get("service=" SERVICE "&scope=repository:hello:pull", who[i],
					  NULL, &tok, &c, &r), 401);
		CU_ASSERT_STRING_EQUAL(r.body.data, "the username or password may not be correct.");
		CU_ASSERT_PTR_NOT_NULL(strstr(header(&r, "content-type", h, sizeof(h)), "text/plain"));
		CU_ASSERT_STRING_EQUAL(header(&r, "www-authenticate", h, sizeof(h)),
				       "Basic realm=\"lain registry\"");
		resp_free(&r);
	}
	/* malformed scope, no service: 400 in the token protocol's error form */
	const char *bad[] = { "service=" SERVICE "&scope=repository:hello",
			      "service=" SERVICE "&scope=repository:a:b:pull",
			      "service=" SERVICE "&scope=repository:Hello:pull",
			      "scope=repository:hello:pull" };
	for (int i = 0; i < 4; i++) {
		CU_ASSERT_EQUAL(token_get(bad[i], "alice:alice", NULL, &tok, &c, &r), 400);
		json_object *o = json_tokener_parse(r.body.data), *errs, *code;
		CU_ASSERT(o && json_object_object_get_ex(o, "errors", &errs) &&
			  json_object_object_get_ex(json_object_array_get_idx(errs, 0), "code", &code) &&
			  !strcmp(json_object_get_string(code), "INVALID_REQUEST"));
		json_object_put(o);
		resp_free(&r);
	}
	buf_release(&tok);
}

static void test_member(void)
{
	buf_t tok = BUF_INIT;
	json_object *c;
	resp_t r;
	CU_ASSERT_EQUAL_FATAL(
		token_get("service=" SERVICE "&account=mallory&scope=repository:hello:pull,push,*"
			  "&scope=repository:other:pull&scope=registry:catalog:*",
			  "alice:alice", NULL, &tok, &c, &r), 200);
	CU_ASSERT_STRING_EQUAL(claim(c, "sub"), "alice");
	CU_ASSERT_STRING_EQUAL(claim(c, "aud"), SERVICE);
	CU_ASSERT_STRING_EQUAL(claim(c, "iss"), "auth server");
	CU_ASSERT_STRING_EQUAL(access_of(c), ACCESS_PP("hello"));
	json_object *o = json_tokener_parse(r.body.data), *v;
	CU_ASSERT(json_object_object_get_ex(o, "access_token", &v) &&
		  !strcmp(json_object_get_string(v), tok.data));
	CU_ASSERT(json_object_object_get_ex(o, "expires_in", &v) && json_object_get_int(v) == 1800);
	CU_ASSERT(json_object_object_get_ex(o, "issued_at", &v) &&
		  strlen(json_object_get_string(v)) == 20);
	json_object_put(o);
	json_object_put(c);
	resp_free(&r);
	buf_release(&tok);

	/* with that kind of token, straight to the registry: push, then pull */
	char auth[4096];
	bearer_for("repository:hello:pull,push", "alice:alice", NULL, auth, sizeof(auth));
	CU_ASSERT_EQUAL(image_push(auth, "hello", "direct", "layer of alice"), 201);
	CU_ASSERT_EQUAL(image_pull(auth, "hello", "direct", "layer of alice"), 200);

	/* the whole challenge dance: push-image follows the registry's Bearer challenge */
	CU_ASSERT_EQUAL(it_sh("python3 '%s/tests/tools/push-image' --registry %s --app hello --version "
			    META_VERSION " --lain-yaml '%s/lain.yaml' --username alice --password alice "
			    "--insecure >/dev/null",
			    srcdir, registry_url, dir), 0);
}

/* SSO also takes the e-mail address as the login (issue 14 #7): the token
 * names the user as SSO does, and membership is checked for that name. */
static void test_login_by_email(void)
{
	buf_t tok = BUF_INIT;
	json_object *c;
	CU_ASSERT_EQUAL_FATAL(token_get("service=" SERVICE "&scope=repository:hello:pull,push",
					"alice@lain.local:alice", NULL, &tok, &c, NULL), 200);
	CU_ASSERT_STRING_EQUAL(claim(c, "sub"), "alice");
	CU_ASSERT_STRING_EQUAL(access_of(c), ACCESS_PP("hello"));
	json_object_put(c);
	buf_reset(&tok);
	CU_ASSERT_EQUAL_FATAL(token_get("service=" SERVICE "&scope=repository:other:pull,push",
					"admin@lain.local:admin", NULL, &tok, &c, NULL), 200);
	CU_ASSERT_STRING_EQUAL(claim(c, "sub"), "admin");
	CU_ASSERT_STRING_EQUAL(access_of(c), ACCESS_PP("other"));
	json_object_put(c);
	buf_reset(&tok);
	/* A wrong password with the e-mail address is refused as with the name. */
	CU_ASSERT_EQUAL(token_get("service=" SERVICE "&scope=repository:hello:pull",
				  "alice@lain.local:wrong", NULL, &tok, &c, NULL), 401);
	char auth[4096];
	bearer_for("repository:hello:pull,push", "alice@lain.local:alice", NULL, auth, sizeof(auth));
	CU_ASSERT_EQUAL(image_push(auth, "hello", "by-email", "layer of alice by e-mail"), 201);
	buf_release(&tok);
}

static void test_non_member(void)
{
	buf_t tok = BUF_INIT;
	json_object *c;
	CU_ASSERT_EQUAL(token_get("service=" SERVICE "&scope=repository:hello:pull,push", "bob:bob",
				  NULL, &tok, &c, NULL), 200);
	CU_ASSERT_STRING_EQUAL(claim(c, "sub"), "bob");
	CU_ASSERT_STRING_EQUAL(access_of(c), "[]");
	json_object_put(c);
	char auth[4096];
	bearer_for("repository:hello:pull,push", "bob:bob", NULL, auth, sizeof(auth));
	CU_ASSERT_EQUAL(image_push(auth, "hello", "bob", "layer of bob"), 401);
	CU_ASSERT_EQUAL(image_pull(auth, "hello", "direct", "layer of alice"), 401);
	/* alice is no member of "other", nor of names with '/' */
	bearer_for("repository:other:pull,push", "alice:alice", NULL, auth, sizeof(auth));
	CU_ASSERT_EQUAL(image_push(auth, "other", "x", "layer"), 401);
	bearer_for("repository:hello/sub:pull,push", "alice:alice", NULL, auth, sizeof(auth));
	CU_ASSERT_EQUAL(image_push(auth, "hello/sub", "x", "layer"), 401);
	CU_ASSERT_NOT_EQUAL(it_sh("python3 '%s/tests/tools/push-image' --registry %s --app hello "
				"--version " META_VERSION " --lain-yaml '%s/lain.yaml' --username bob "
				"--password bob --insecure >/dev/null 2>&1",
				srcdir, registry_url, dir), 0);
	buf_release(&tok);
}

static void test_admin(void)
{
	char auth[4096];
	const char *repos[] = { "hello", "other", "team/tool" };
	for (int i = 0; i < 3; i++) {
		char scope[128];
		snprintf(scope, sizeof(scope), "repository:%s:pull,push", repos[i]);
		bearer_for(scope, "admin:admin", NULL, auth, sizeof(auth));
		CU_ASSERT_EQUAL(image_push(auth, repos[i], "admin", "layer of admin"), 201);
		CU_ASSERT_EQUAL(image_pull(auth, repos[i], "admin", "layer of admin"), 200);
	}
	CU_ASSERT_EQUAL(it_sh("python3 '%s/tests/tools/push-image' --registry %s --app anything "
			    "--version " META_VERSION " --lain-yaml '%s/lain.yaml' --username admin "
			    "--password admin --insecure >/dev/null",
			    srcdir, registry_url, dir), 0);
}

static void test_whitelist(void)
{
	buf_t tok = BUF_INIT;
	json_object *c;
	/* from 127.0.0.2 (whitelisted), no credentials */
	CU_ASSERT_EQUAL(token_get("service=" SERVICE "&scope=repository:other:pull,push,delete",
				  NULL, "127.0.0.2", &tok, &c, NULL), 200);
	CU_ASSERT_STRING_EQUAL(claim(c, "sub"), "");
	CU_ASSERT_STRING_EQUAL(access_of(c), ACCESS_PP("other"));
	json_object_put(c);
	char auth[4096];
	bearer_for("repository:other:pull,push", NULL, "127.0.0.2", auth, sizeof(auth));
	CU_ASSERT_EQUAL(image_push(auth, "other", "wl", "layer of a node"), 201);
	CU_ASSERT_EQUAL(image_pull(auth, "other", "wl", "layer of a node"), 200);
	bearer_for("repository:other:pull", NULL, "127.0.0.2", auth, sizeof(auth));
	CU_ASSERT_EQUAL(image_pull(auth, "other", "wl", "layer of a node"), 200);
	CU_ASSERT_EQUAL(image_push(auth, "other", "wl2", "pull only"), 401);
	/* the same request from 127.0.0.1 is not whitelisted */
	buf_reset(&tok);
	CU_ASSERT_EQUAL(token_get("service=" SERVICE "&scope=repository:other:pull", NULL, NULL, &tok,
				  &c, NULL), 401);
	buf_release(&tok);
}

/* docker login right after a push token in the same (only) worker. */
static void test_scopeless(void)
{
	buf_t tok = BUF_INIT;
	json_object *c;
	CU_ASSERT_EQUAL(token_get("service=" SERVICE "&scope=repository:hello:pull,push", "alice:alice",
				  NULL, &tok, &c, NULL), 200);
	CU_ASSERT_STRING_EQUAL(access_of(c), ACCESS_PP("hello"));
	json_object_put(c);
	buf_reset(&tok);
	CU_ASSERT_EQUAL(token_get("service=" SERVICE, "alice:alice", NULL, &tok, &c, NULL), 200);
	CU_ASSERT_STRING_EQUAL(access_of(c), "[]");
	CU_ASSERT_STRING_EQUAL(claim(c, "sub"), "alice");
	json_object_put(c);
	/* and a whitelisted one after an internal-looking push token */
	buf_reset(&tok);
	CU_ASSERT_EQUAL(token_get("service=" SERVICE "&scope=repository:hello:pull,push", NULL,
				  "127.0.0.2", &tok, &c, NULL), 200);
	json_object_put(c);
	buf_reset(&tok);
	CU_ASSERT_EQUAL(token_get("service=" SERVICE, NULL, "127.0.0.2", &tok, &c, NULL), 200);
	CU_ASSERT_STRING_EQUAL(access_of(c), "[]");
	CU_ASSERT_STRING_EQUAL(claim(c, "sub"), "");
	json_object_put(c);
	/* the scope-less token opens nothing at the registry */
	char auth[4096];
	buf_reset(&tok);
	token_get("service=" SERVICE, "alice:alice", NULL, &tok, &c, NULL);
	json_object_put(c);
	snprintf(auth, sizeof(auth), "Bearer %s", tok.data);
	CU_ASSERT_EQUAL(image_pull(auth, "hello", "direct", "layer of alice"), 401);
	/* two tokens never share a jti */
	json_object *c2;
	buf_t t2 = BUF_INIT;
	token_get("service=" SERVICE, "alice:alice", NULL, &t2, &c2, NULL);
	token_get("service=" SERVICE, "alice:alice", NULL, &tok, &c, NULL);
	CU_ASSERT_STRING_NOT_EQUAL(claim(c, "jti"), claim(c2, "jti"));
	json_object_put(c);
	json_object_put(c2);
	buf_release(&t2);
	buf_release(&tok);
}

static void test_skopeo(void)
{
	if (access("/usr/bin/skopeo", X_OK)) {
		fprintf(stderr, "it_registry: no /usr/bin/skopeo, skopeo case skipped\n");
		return;
	}
	const char *host = registry_url + strlen("http://");
	CU_ASSERT_EQUAL(it_sh("cd '%s' && timeout 60 skopeo login --authfile auth.json --tls-verify=false "
			    "-u alice -p alice %s >skopeo.log 2>&1", dir, host), 0);
	CU_ASSERT_NOT_EQUAL(it_sh("cd '%s' && timeout 60 skopeo login --authfile bad.json "
				"--tls-verify=false -u alice -p wrong %s >>skopeo.log 2>&1", dir, host), 0);
	CU_ASSERT_EQUAL(it_sh("cd '%s' && rm -rf out && timeout 60 skopeo copy --authfile auth.json "
			    "--src-tls-verify=false docker://%s/hello:direct dir:out >>skopeo.log 2>&1",
			    dir, host), 0);
	CU_ASSERT_EQUAL(it_sh("cd '%s' && timeout 60 skopeo copy --authfile auth.json "
			    "--dest-tls-verify=false dir:out docker://%s/hello:skopeo >>skopeo.log 2>&1",
			    dir, host), 0);
	char auth[4096];
	bearer_for("repository:hello:pull", "alice:alice", NULL, auth, sizeof(auth));
	CU_ASSERT_EQUAL(image_pull(auth, "hello", "skopeo", "layer of alice"), 200);
	/* alice cannot copy into a repository that is not hers */
	CU_ASSERT_NOT_EQUAL(it_sh("cd '%s' && timeout 60 skopeo copy --authfile auth.json "
				"--dest-tls-verify=false dir:out docker://%s/other:skopeo "
				">>skopeo.log 2>&1", dir, host), 0);
}

static void test_sso_down(void)
{
	char url[512];
	resp_t r;
	snprintf(url, sizeof(url), "%s/__fake/fail", sso_url);
	const char *down = "{\"mode\":\"down\",\"count\":-1}";
	http("POST", url, NULL, NULL, "application/json", down, strlen(down), NULL, &r);
	resp_free(&r);
	buf_t tok = BUF_INIT;
	json_object *c;
	/* a password not in the cache must go to SSO */
	CU_ASSERT_EQUAL(token_get("service=" SERVICE "&scope=repository:hello:pull", "bob:fresh",
				  NULL, &tok, &c, &r), 503);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.body.data, "sso"));
	resp_free(&r);
	/* whitelisted callers do not need SSO */
	CU_ASSERT_EQUAL(token_get("service=" SERVICE "&scope=repository:hello:pull", NULL,
				  "127.0.0.2", &tok, &c, NULL), 200);
	json_object_put(c);
	const char *none = "{\"mode\":\"none\"}";
	http("POST", url, NULL, NULL, "application/json", none, strlen(none), NULL, &r);
	resp_free(&r);
	buf_release(&tok);
}

/* lain-console's own token (registry_token_internal): the registry takes it
 * for pull and push on that repository, and for nothing else. */
static void test_internal(void)
{
	config_t cfg;
	ctx_t ctx = { 0 };
	err_t err = ERR_INIT;
	setenv("CONSOLE_ETCD_HOST", stack_get("ETCD_URL"), 1);
	int rc = config_load(&cfg, "/dev/null", &err);
	unsetenv("CONSOLE_ETCD_HOST");
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	ctx.cfg = &cfg;
	CU_ASSERT_EQUAL_FATAL(ctx_open(&ctx, &err), 0);
	buf_t tok = BUF_INIT;
	CU_ASSERT_EQUAL(registry_token_internal(&ctx, "hello", &tok, &err), 0);
	CU_ASSERT_EQUAL(registry_token_internal(&ctx, "Not:A/Repo", &tok, &err), -ERR_INVALID);
	char auth[4096];
	snprintf(auth, sizeof(auth), "Bearer %s", tok.data);
	CU_ASSERT_EQUAL(image_push(auth, "hello", "internal", "layer of lain-console"), 201);
	CU_ASSERT_EQUAL(image_pull(auth, "hello", "internal", "layer of lain-console"), 200);
	CU_ASSERT_EQUAL(image_pull(auth, "other", "wl", "layer of a node"), 401);
	const char *d1 = strchr(tok.data, '.'), *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
	buf_t p = BUF_INIT;
	json_object *c = NULL;
	if (d2 && !base64url_decode(&p, d1 + 1, (size_t)(d2 - d1 - 1)))
		c = json_tokener_parse(p.data);
	CU_ASSERT_STRING_EQUAL(claim(c, "sub"), "lain");
	CU_ASSERT_STRING_EQUAL(claim(c, "aud"), SERVICE);
	CU_ASSERT_STRING_EQUAL(access_of(c), ACCESS_PP("hello"));
	json_object_put(c);
	buf_release(&p);
	buf_release(&tok);
	ctx_close(&ctx);
	config_release(&cfg);
}

/* ---- tests: anonymous pull on ------------------------------------------------------ */

static void test_anonymous(void)
{
	buf_t tok = BUF_INIT;
	json_object *c;
	CU_ASSERT_EQUAL(token_get("service=" SERVICE "&scope=repository:hello:pull,push", NULL, NULL,
				  &tok, &c, NULL), 200);
	CU_ASSERT_STRING_EQUAL(claim(c, "sub"), "");
	CU_ASSERT_STRING_EQUAL(access_of(c), ACCESS_PULL("hello"));
	json_object_put(c);
	char auth[4096];
	snprintf(auth, sizeof(auth), "Bearer %s", tok.data);
	CU_ASSERT_EQUAL(image_pull(auth, "hello", "direct", "layer of alice"), 200);
	CU_ASSERT_EQUAL(image_push(auth, "hello", "anon", "anonymous layer"), 401);
	/* a non-member with credentials gets pull too, and still no push */
	buf_reset(&tok);
	CU_ASSERT_EQUAL(token_get("service=" SERVICE "&scope=repository:hello:pull,push", "bob:bob",
				  NULL, &tok, &c, NULL), 200);
	CU_ASSERT_STRING_EQUAL(access_of(c), ACCESS_PULL("hello"));
	json_object_put(c);
	/* bad credentials are still refused */
	buf_reset(&tok);
	CU_ASSERT_EQUAL(token_get("service=" SERVICE "&scope=repository:hello:pull", "bob:wrong", NULL,
				  &tok, &c, NULL), 401);
	/* members keep push */
	bearer_for("repository:hello:pull,push", "alice:alice", NULL, auth, sizeof(auth));
	CU_ASSERT_EQUAL(image_push(auth, "hello", "anon-on", "layer of alice"), 201);
	buf_release(&tok);
}

static CU_TestInfo nokey_tests[] = {
	{ "no signing key: 503 naming CONSOLE_REGISTRY_KEY", test_no_key },
	CU_TEST_INFO_NULL,
};
static CU_TestInfo policy_tests[] = {
	{ "401 and 400 answers", test_errors },
	{ "member pushes and pulls their app", test_member },
	{ "login by e-mail: the token names the SSO user", test_login_by_email },
	{ "non-member refused push and pull", test_non_member },
	{ "admin pushes anywhere", test_admin },
	{ "whitelisted address without credentials", test_whitelist },
	{ "scope-less token carries no access", test_scopeless },
	{ "skopeo login and copy both ways", test_skopeo },
	{ "sso down: 503", test_sso_down },
	{ "internal token of lain-console", test_internal },
	CU_TEST_INFO_NULL,
};
static CU_TestInfo anon_tests[] = {
	{ "anonymous pull when configured", test_anonymous },
	CU_TEST_INFO_NULL,
};
static CU_SuiteInfo suites[] = {
	{ "no key", suite_nokey_up, suite_down, NULL, NULL, nokey_tests },
	{ "default policy", suite_policy_up, suite_down, NULL, NULL, policy_tests },
	{ "anonymous pull", suite_anon_up, suite_anon_down, NULL, NULL, anon_tests },
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	if (access("/usr/bin/docker-registry", X_OK)) {
		fprintf(stderr, "it_registry: /usr/bin/docker-registry missing, skipped\n");
		return 77;
	}
	return test_main(suites);
}
