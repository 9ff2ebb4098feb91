#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "deploy_env.h"
#include "harness.h"
#include "testlib.h"

#define REGISTRY_BIN "/usr/bin/docker-registry"

static pid_t deployd_pid, registry_pid, auth_registry_pid;
static char tmpdir[256];
static char deployd_url[128], registry_url[128];

long long denv_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *srcdir(void)
{
	const char *s = getenv("srcdir");
	return s ? s : ".";
}

static int free_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) ||
	    getsockname(fd, (struct sockaddr *)&a, &len)) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return ntohs(a.sin_port);
}

struct sink {
	char *data;
	size_t len;
};

static size_t on_data(char *p, size_t size, size_t n, void *u)
{
	struct sink *s = u;
	size_t k = size * n;
	s->data = realloc(s->data, s->len + k + 1);
	memcpy(s->data + s->len, p, k);
	s->len += k;
	s->data[s->len] = '\0';
	return k;
}

long denv_call(const char *method, const char *url, const char *body, const char *header,
	       char **out)
{
	CURL *c = curl_easy_init();
	struct sink s = { calloc(1, 1), 0 };
	struct curl_slist *h = NULL;
	long status = 0;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
	if (body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		if (!header || strncasecmp(header, "Content-Type:", 13))
			h = curl_slist_append(h, "Content-Type: application/json");
	}
	if (header)
		h = curl_slist_append(h, header);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	if (out)
		*out = s.data;
	else
		free(s.data);
	return status;
}

long denv_fake(const char *method, const char *path, const char *body, char **out)
{
	char url[512];
	snprintf(url, sizeof(url), "%s%s", deployd_url, path);
	return denv_call(method, url, body, NULL, out);
}

static void stop(pid_t *pid)
{
	if (*pid <= 0)
		return;
	kill(*pid, SIGTERM);
	for (int i = 0; i < 50; i++) {
		if (waitpid(*pid, NULL, WNOHANG) == *pid) {
			*pid = 0;
			return;
		}
		usleep(100 * 1000);
	}
	kill(*pid, SIGKILL);
	waitpid(*pid, NULL, 0);
	*pid = 0;
}

void denv_down(void)
{
	stop(&deployd_pid);
	stop(&registry_pid);
	stop(&auth_registry_pid);
	if (tmpdir[0]) {
		char cmd[512];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
		if (system(cmd) != 0)
			fprintf(stderr, "deploy_env: could not remove %s\n", tmpdir);
		tmpdir[0] = '\0';
	}
}

static int start_deployd(void)
{
	int fds[2];
	if (pipe(fds))
		return -1;
	char path[1024];
	snprintf(path, sizeof(path), "%s/tests/fakes/deployd", srcdir());
	deployd_pid = fork();
	if (deployd_pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execl(path, path, "--port", "0", "--schedule-delay", "0.2", (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	FILE *f = fdopen(fds[0], "r");
	char line[256] = "";
	if (!f || !fgets(line, sizeof(line), f)) {
		fprintf(stderr, "deploy_env: the deployd fake did not start\n");
		if (f)
			fclose(f);
		return -1;
	}
	/* Keep its stdout open (and drained by nobody): it prints nothing more
	 * without --verbose. */
	const char *u = strstr(line, "http://");
	if (!u)
		return -1;
	snprintf(deployd_url, sizeof(deployd_url), "%.*s", (int)strcspn(u, "\r\n"), u);
	return 0;
}

/* A registry named name (its files under tmpdir/name), extra appended to
 * its config; its URL in url, its pid in *pid; up when /v2/ answers want. */
static int start_registry(const char *name, const char *extra, long want, pid_t *pid, char *url,
			  size_t url_len)
{
	int port = free_port();
	if (port < 0)
		return -1;
	char cfg[512];
	snprintf(cfg, sizeof(cfg), "%s/%s.yml", tmpdir, name);
	FILE *f = fopen(cfg, "w");
	if (!f)
		return -1;
	fprintf(f, "version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\n"
		   "storage:\n  filesystem:\n    rootdirectory: %s/%s-data\n  delete:\n    enabled: true\n"
		   "http:\n  addr: 127.0.0.1:%d\n  secret: test-secret\n%s",
		tmpdir, name, port, extra ? extra : "");
	fclose(f);
	char log[512];
	snprintf(log, sizeof(log), "%s/%s.log", tmpdir, name);
	*pid = fork();
	if (*pid == 0) {
		FILE *l = freopen(log, "w", stdout);
		if (l)
			dup2(1, 2);
		execl(REGISTRY_BIN, REGISTRY_BIN, "serve", cfg, (char *)NULL);
		_exit(127);
	}
	snprintf(url, url_len, "http://127.0.0.1:%d", port);
	char ping[256];
	snprintf(ping, sizeof(ping), "%s/v2/", url);
	for (int i = 0; i < 100; i++) {
		if (denv_call("GET", ping, NULL, NULL, NULL) == want)
			return 0;
		usleep(100 * 1000);
	}
	fprintf(stderr, "deploy_env: docker-registry did not come up (see %s)\n", log);
	return -1;
}

int denv_up(void)
{
	if (access(REGISTRY_BIN, X_OK)) {
		fprintf(stderr, "deploy_env: %s is not installed\n", REGISTRY_BIN);
		return -1;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/lain-console-deploy-XXXXXX");
	if (!mkdtemp(tmpdir)) {
		tmpdir[0] = '\0';
		return -1;
	}
	atexit(denv_down);
	if (start_deployd() ||
	    start_registry("registry", NULL, 200, &registry_pid, registry_url, sizeof(registry_url)))
		return -1;
	setenv("CONSOLE_APISERVER", deployd_url, 1);
	/* host:port, as an operator configures it (the client adds http://). */
	setenv("CONSOLE_PRIVATE_REGISTRY", registry_url + strlen("http://"), 1);
	return 0;
}

void denv_registry_stop(void)
{
	stop(&registry_pid);
}

const char *denv_deployd(void)
{
	return deployd_url;
}

const char *denv_dir(void)
{
	return tmpdir;
}

const char *denv_registry(void)
{
	return registry_url;
}

int denv_push(const char *app, const char *version, const char *yaml, const char *extra)
{
	char file[512], cmd[2048];
	snprintf(file, sizeof(file), "%s/lain-%s-%s.yaml", tmpdir, app, version);
	FILE *f = fopen(file, "w");
	if (!f)
		return -1;
	fputs(yaml, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd),
		 "'%s/tests/tools/push-image' --registry %s --app %s --version %s --lain-yaml '%s' %s "
		 ">/dev/null",
		 srcdir(), registry_url, app, version, file, extra ? extra : "");
	return system(cmd) == 0 ? 0 : -1;
}

int denv_auth_registry(const char *service, char *url, size_t url_len, char *key, size_t key_len)
{
	return denv_auth_registry_at(service, "http://127.0.0.1:1/token", url, url_len, key, key_len);
}

int denv_auth_registry_at(const char *service, const char *realm, char *url, size_t url_len,
			  char *key, size_t key_len)
{
	char cmd[1024], extra[1024];
	snprintf(cmd, sizeof(cmd), "'%s/scripts/gen-registry-key' '%s/keys' >/dev/null 2>&1", srcdir(),
		 tmpdir);
	if (system(cmd) != 0)
		return -1;
	snprintf(key, key_len, "%s/keys/registry-key.pem", tmpdir);
	snprintf(extra, sizeof(extra),
		 "auth:\n  token:\n    realm: %s\n    service: %s\n"
		 "    issuer: auth server\n    rootcertbundle: %s/keys/registry-cert.pem\n",
		 realm, service, tmpdir);
	return start_registry("auth-registry", extra, 401, &auth_registry_pid, url, url_len);
}

int denv_settle(void)
{
	for (int i = 0; i < 100; i++) {
		char *body = NULL;
		denv_fake("GET", "/__fake/state", NULL, &body);
		json_object *j = json_tokener_parse(body), *p;
		int pending = j && json_object_object_get_ex(j, "pending", &p) ? json_object_get_int(p) : 1;
		json_object_put(j);
		free(body);
		if (!pending)
			return 0;
		usleep(50 * 1000);
	}
	return -1;
}

static bool all_healthy(json_object *list, const char *key);

bool denv_healthy(json_object *app)
{
	json_object *procs = json_object_object_get(app, "procs");
	const char *error = json_object_get_string(json_object_object_get(app, "deployerror"));
	if (!json_object_is_type(procs, json_type_array) || !json_object_array_length(procs) ||
	    (error && *error))
		return false;
	for (size_t i = 0; i < json_object_array_length(procs); i++) {
		json_object *p = json_object_array_get_idx(procs, i);
		json_object *pods = json_object_object_get(p, "pods");
		int want = json_object_get_int(json_object_object_get(p, "numinstances"));
		if (!json_object_is_type(pods, json_type_array) ||
		    (int)json_object_array_length(pods) != want)
			return false;
		for (size_t k = 0; k < json_object_array_length(pods); k++) {
			const char *st = json_object_get_string(
				json_object_object_get(json_object_array_get_idx(pods, k), "status"));
			if (!st || strcmp(st, "True"))
				return false;
		}
	}
	return all_healthy(json_object_object_get(app, "useservices"), "service") &&
	       all_healthy(json_object_object_get(app, "useresources"), "resourceinstance");
}

/* Every entry's nested App (key) healthy; the providers' portals only. */
static bool all_healthy(json_object *list, const char *key)
{
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		json_object *used = json_object_object_get(json_object_array_get_idx(list, i), key);
		json_object *portals = json_object_object_get(used, "portals");
		if (!json_object_is_type(portals, json_type_array) ||
		    !json_object_array_length(portals))
			return false;
		for (size_t k = 0; k < json_object_array_length(portals); k++) {
			json_object *pods =
				json_object_object_get(json_object_array_get_idx(portals, k), "pods");
			for (size_t j = 0; j < json_object_array_length(pods); j++) {
				const char *st = json_object_get_string(json_object_object_get(
					json_object_array_get_idx(pods, j), "status"));
				if (!st || strcmp(st, "True"))
					return false;
			}
		}
		if (!strcmp(key, "resourceinstance") && !denv_healthy(used))
			return false;
	}
	return true;
}

bool denv_wait_healthy(const char *app, it_response_t *r)
{
	char path[256];
	snprintf(path, sizeof(path), "/api/v1/apps/%s/", app);
	long long end = denv_now_ms() + 10000;
	for (;;) {
		json_object *a = NULL;
		bool ok = !it_request("GET", path, NULL, NULL, r) && r->status == 200 && r->json &&
			  json_object_object_get_ex(r->json, "app", &a) && denv_healthy(a);
		if (ok || denv_now_ms() > end) {
			if (!ok)
				fprintf(stderr, "\n  %s not healthy: %ld %s\n", app, r->status,
					r->body ? r->body : "");
			return ok;
		}
		it_response_free(r);
		it_sleep_ms(100);
	}
}

long denv_reposit(const char *token, const char *app)
{
	char body[256];
	snprintf(body, sizeof(body), "{\"appname\":\"%s\"}", app);
	return it_call_as(token, "POST", "/api/v1/repos/", body, 201);
}

long denv_deploy(const char *token, const char *app, long want)
{
	char body[256];
	snprintf(body, sizeof(body), "{\"appname\":\"%s\"}", app);
	return it_call_as(token, "POST", "/api/v1/apps/", body, want);
}

int denv_count(const char *prefix)
{
	char *body = NULL;
	denv_fake("GET", "/__fake/state", NULL, &body);
	json_object *st = body ? json_tokener_parse(body) : NULL;
	free(body);
	int n = 0;
	const char *kinds[] = { "podgroups", "depends" };
	for (size_t k = 0; k < 2; k++) {
		json_object *m = NULL;
		if (!json_object_object_get_ex(st, kinds[k], &m) ||
		    !json_object_is_type(m, json_type_object))
			continue;
		json_object_object_foreach(m, name, v) {
			(void)v;
			if (!strncmp(name, prefix, strlen(prefix))) {
				fprintf(stderr, "\n  deployd has %s %s\n", kinds[k], name);
				n++;
			}
		}
	}
	json_object_put(st);
	return n;
}

int denv_fake_peak(int *n)
{
	char *body = NULL;
	int peak = 0;
	*n = 0;
	denv_fake("GET", "/__fake/calls", NULL, &body);
	json_object *j = json_tokener_parse(body ? body : ""), *calls, *v;
	if (json_object_object_get_ex(j, "calls", &calls))
		for (size_t i = 0; i < json_object_array_length(calls); i++) {
			json_object *c = json_object_array_get_idx(calls, i);
			(*n)++;
			if (json_object_object_get_ex(c, "in_flight", &v) &&
			    json_object_get_int(v) > peak)
				peak = json_object_get_int(v);
		}
	json_object_put(j);
	free(body);
	return peak;
}

int denv_fake_writes(void)
{
	char *body = NULL;
	int n = 0;
	denv_fake("GET", "/__fake/calls", NULL, &body);
	json_object *j = json_tokener_parse(body ? body : ""), *calls, *m, *path;
	if (json_object_object_get_ex(j, "calls", &calls))
		for (size_t i = 0; i < json_object_array_length(calls); i++) {
			json_object *c = json_object_array_get_idx(calls, i);
			if (!json_object_object_get_ex(c, "method", &m) ||
			    !strcmp(json_object_get_string(m), "GET"))
				continue;
			json_object_object_get_ex(c, "path", &path);
			fprintf(stderr, "\n  deployd was called: %s %s\n", json_object_get_string(m),
				json_object_get_string(path));
			n++;
		}
	json_object_put(j);
	free(body);
	return n;
}

int denv_main(const denv_suite_t *s)
{
	int rc = 1;
	if (denv_up() || (s->before && s->before()))
		goto out;
	pid_t pusher = fork();
	if (pusher == 0) {
		for (size_t i = 0; i < s->nimages; i++) {
			const denv_image_t *im = &s->images[i];
			if (denv_push(im->app, im->version, im->yaml, im->extra))
				_exit(1);
		}
		_exit(0);
	}
	int up = stack_up(s->stack_args);
	int st = 0;
	if (up || pusher < 0 || waitpid(pusher, &st, 0) != pusher || !WIFEXITED(st) ||
	    WEXITSTATUS(st)) {
		fprintf(stderr, "%s: the servers did not start\n", s->name);
		goto out;
	}
	if (s->after && s->after()) {
		fprintf(stderr, "%s: the servers could not be prepared\n", s->name);
		goto out;
	}
	rc = test_main(s->suites);
	if (s->check && s->check())
		rc = 1;
out:
	stack_down();
	denv_down();
	if (s->cleanup)
		s->cleanup();
	return rc;
}

void denv_expect(const char *token, const char *method, const char *path, const char *body,
		 long want, const char *want_msg)
{
	it_response_t r;
	long st = it_req_as(token, method, path, body, &r);
	if (st != want || (want_msg && strcmp(it_msg(&r), want_msg)))
		fprintf(stderr, "\n  %s %s %s: want %ld %s, got %ld %s\n", method, path,
			body ? body : "(no body)", want, want_msg ? want_msg : "", st,
			r.body ? r.body : "");
	CU_ASSERT_EQUAL(st, want);
	if (want_msg)
		CU_ASSERT_STRING_EQUAL(it_msg(&r), want_msg);
	it_response_free(&r);
}

json_object *denv_hook(const char *base, const char *method, const char *path, const char *body)
{
	char url[400], *out = NULL;
	snprintf(url, sizeof(url), "%s%s", base, path);
	long st = denv_call(method, url, body, NULL, &out);
	json_object *j = st == 200 && out ? json_tokener_parse(out) : NULL;
	if (st && st != 200)
		fprintf(stderr, "\n  webhook fake %s %s: %ld\n", method, url, st);
	free(out);
	return j;
}

json_object *denv_hook_calls(const char *base)
{
	json_object *j = denv_hook(base, "GET", "/__fake/calls", NULL);
	json_object *calls = NULL;
	if (j && json_object_object_get_ex(j, "calls", &calls))
		json_object_get(calls);
	json_object_put(j);
	return calls;
}

json_object *denv_releases(const char *app)
{
	char path[256];
	snprintf(path, sizeof(path), "/api/v1/apps/%s/releases/", app);
	it_response_t r;
	json_object *list = NULL;
	if (it_req("GET", path, NULL, &r) == 200)
		list = json_object_get(it_payload(&r, "releases"));
	else
		fprintf(stderr, "\n  GET %s: %ld %s\n", path, r.status, r.body);
	it_response_free(&r);
	return list;
}

json_object *denv_pg_spec(const char *pg)
{
	char path[256], *body = NULL;
	snprintf(path, sizeof(path), "/api/podgroups?name=%s", pg);
	long st = denv_fake("GET", path, NULL, &body);
	json_object *j = st == 200 && body ? json_tokener_parse(body) : NULL, *spec = NULL;
	if (j && json_object_object_get_ex(j, "Spec", &spec))
		json_object_get(spec);
	json_object_put(j);
	free(body);
	return spec;
}

json_object *denv_container0(json_object *spec)
{
	json_object *pod, *cs;
	if (!json_object_object_get_ex(spec, "Pod", &pod) ||
	    !json_object_object_get_ex(pod, "Containers", &cs) ||
	    !json_object_is_type(cs, json_type_array) || !json_object_array_length(cs))
		return NULL;
	return json_object_array_get_idx(cs, 0);
}

int denv_lvault_up(char *url, size_t len)
{
	char secrets[600];
	if (fake_start("lvault", NULL, url, len) < 0)
		return -1;
	snprintf(secrets, sizeof(secrets), "%s/v2/secrets", url);
	setenv("LVAULT_CONFIG_URL", secrets, 1);
	return 0;
}
