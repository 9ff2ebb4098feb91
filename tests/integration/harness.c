#include <ctype.h>
#include <dirent.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CUnit/CUnit.h>
#include <curl/curl.h>
#include <json-c/json.h>

#include "console/base64.h"
#include "console/etcd.h"
#include "harness.h"

#define MAX_ENV 64
#define MAX_FAKES 8

static pid_t fakes[MAX_FAKES];

static char stack_dir[256];
static char *env_keys[MAX_ENV], *env_values[MAX_ENV];
static int env_count;
static char script[1024];

static void cleanup_at_exit(void)
{
	for (int i = 0; i < MAX_FAKES; i++)
		fake_stop(fakes[i]);
	stack_down();
}

static void on_fatal(int sig)
{
	cleanup_at_exit();
	signal(sig, SIG_DFL);
	raise(sig);
}

static int load_env(void)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/stack.env", stack_dir);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	char line[2048];
	while (env_count < MAX_ENV && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		char *eq = strchr(line, '=');
		if (!eq)
			continue;
		*eq = '\0';
		env_keys[env_count] = strdup(line);
		env_values[env_count] = strdup(eq + 1);
		env_count++;
	}
	fclose(f);
	return 0;
}

static void free_env(void)
{
	for (int i = 0; i < env_count; i++) {
		free(env_keys[i]);
		free(env_values[i]);
	}
	env_count = 0;
}

int stack_run(const char *verb)
{
	char cmd[2048];
	snprintf(cmd, sizeof(cmd), "'%s' %s --dir '%s' >/dev/null", script, verb, stack_dir);
	int rc = system(cmd);
	free_env();
	load_env();
	return rc;
}

int stack_up(const char *extra_args)
{
	const char *srcdir = getenv("srcdir");
	char bin[1024];
	const char *b = getenv("LAIN_CONSOLE_BIN");
	if (b)
		snprintf(bin, sizeof(bin), "%s", b);
	else if (!realpath("lain-console", bin)) {
		fprintf(stderr, "harness: no ./lain-console here; set LAIN_CONSOLE_BIN\n");
		return -1;
	}
	/* Suites change deployd's stand-in behind the console's back and look
	 * at once: pod status is not shared unless a suite asks for it. */
	setenv("CONSOLE_PODSTATUS_TTL_MS", "0", 0);
	snprintf(script, sizeof(script), "%s/scripts/stack", srcdir ? srcdir : ".");
	/* On tmpfs when there is one: etcd syncs its log on every write, and a
	 * disk busy with the other suites' builds and stacks has stalled a
	 * sync for longer than the console's 3 s etcd timeout. Tests are not
	 * about the disk; a crashed machine loses nothing a test needs. */
	snprintf(stack_dir, sizeof(stack_dir), "%s/lain-console-it-XXXXXX",
		 access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (!mkdtemp(stack_dir)) {
		perror("harness: mkdtemp");
		return -1;
	}
	atexit(cleanup_at_exit);
	signal(SIGINT, on_fatal);
	signal(SIGTERM, on_fatal);
	signal(SIGABRT, on_fatal);
	char cmd[4096];
	/* --owner-pid: the stack stops itself if this test dies without
	 * running its cleanup (SIGKILL, a crash in a signal handler). */
	snprintf(cmd, sizeof(cmd), "'%s' up --quiet --dir '%s' --bin '%s' --owner-pid %ld %s", script,
		 stack_dir, bin, (long)getpid(), extra_args ? extra_args : "");
	if (system(cmd) != 0 || load_env()) {
		fprintf(stderr, "harness: stack did not start (%s)\n", cmd);
		return -1;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	return 0;
}

/* Prints the last `max` lines of the file that stack.env names by `key`
 * and that contain one of `marks` (NULL-terminated), under a heading. */
static void print_log_excerpt(const char *key, const char *const *marks, int max)
{
	const char *path = stack_get(key);
	FILE *f = path ? fopen(path, "r") : NULL;
	if (!f)
		return;
	char *ring[64] = { 0 };
	int n = 0;
	char line[1024];
	if (max > 64)
		max = 64;
	while (fgets(line, sizeof(line), f)) {
		bool hit = false;
		for (const char *const *m = marks; *m && !hit; m++)
			hit = strstr(line, *m) != NULL;
		if (!hit)
			continue;
		free(ring[n % max]);
		ring[n % max] = strdup(line);
		n++;
	}
	fclose(f);
	fprintf(stderr, "\n---- %s: the last %d of %d lines with warnings or errors ----\n", path,
		n < max ? n : max, n);
	for (int i = n < max ? 0 : n - max; i < n; i++) {
		fputs(ring[i % max], stderr);
		free(ring[i % max]);
	}
}

/* When a test of this program has failed, what the console and etcd
 * warned about says more than the assertion: a CI run keeps only the
 * program's output, and the stack's directory goes with the stack. */
static void print_logs_if_failed(void)
{
	if (CU_get_number_of_failures() == 0)
		return;
	static const char *const console[] = { " warn: ", " error: ", "\"level\":\"warn\"",
						"\"level\":\"error\"", NULL };
	static const char *const etcd[] = { "\"level\":\"warn\"", "\"level\":\"error\"", NULL };
	print_log_excerpt("CONSOLE_LOG", console, 25);
	print_log_excerpt("ETCD_LOG", etcd, 10);
}

void stack_down(void)
{
	if (!stack_dir[0])
		return;
	print_logs_if_failed();
	char cmd[2048];
	snprintf(cmd, sizeof(cmd), "'%s' down --dir '%s' >/dev/null 2>&1; rm -rf '%s'", script,
		 stack_dir, stack_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "harness: stack down failed in %s\n", stack_dir);
	stack_dir[0] = '\0';
	free_env();
}

const char *stack_get(const char *key)
{
	for (int i = 0; i < env_count; i++)
		if (!strcmp(env_keys[i], key))
			return env_values[i];
	return "";
}

pid_t stack_pid(const char *key)
{
	return (pid_t)strtol(stack_get(key), NULL, 10);
}

struct sink {
	char *data;
	size_t len;
};

static size_t on_data(char *p, size_t size, size_t n, void *ud)
{
	struct sink *s = ud;
	size_t add = size * n;
	s->data = realloc(s->data, s->len + add + 1);
	memcpy(s->data + s->len, p, add);
	s->len += add;
	s->data[s->len] = '\0';
	return add;
}

int it_request(const char *method, const char *path, const char *body, const char *extra_header,
	       it_response_t *out)
{
	return it_request_from(NULL, method, path, body, extra_header, out);
}

int it_request_from(const char *from, const char *method, const char *path, const char *body,
		    const char *extra_header, it_response_t *out)
{
	/* As long as the path is (the nginx suite sends URLs of 9 KB). */
	bool full = !strncmp(path, "http://", 7) || !strncmp(path, "https://", 8);
	const char *base = full ? "" : stack_get("CONSOLE_URL");
	size_t ulen = strlen(base) + strlen(path) + 1;
	char *url = malloc(ulen);
	snprintf(url, ulen, "%s%s", base, path);
	memset(out, 0, sizeof(*out));
	struct sink b = { calloc(1, 1), 0 }, h = { calloc(1, 1), 0 };
	CURL *c = curl_easy_init();
	struct curl_slist *hdrs = NULL;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_CAINFO, stack_get("CA_CERT"));
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &h);
	if (!strcmp(method, "HEAD"))
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	if (from)
		curl_easy_setopt(c, CURLOPT_INTERFACE, from);
	if (body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
		/* lain-cli sends its JSON without a Content-Type: so do we,
		 * unless the test says otherwise. */
		hdrs = curl_slist_append(hdrs, "Content-Type:");
	}
	hdrs = curl_slist_append(hdrs, "Expect:");
	if (extra_header)
		hdrs = curl_slist_append(hdrs, extra_header);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	CURLcode rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(c);
	free(url);
	for (size_t i = 0; i < h.len; i++) {
		if (h.data[i] == ':' )
			break;
		h.data[i] = (char)tolower((unsigned char)h.data[i]);
	}
	out->body = b.data;
	out->headers = h.data;
	out->json = json_tokener_parse(b.data);
	return rc == CURLE_OK ? 0 : -1;
}

void it_response_free(it_response_t *r)
{
	free(r->body);
	free(r->headers);
	json_object_put(r->json);
	memset(r, 0, sizeof(*r));
}

const char *it_header(const it_response_t *r, const char *name)
{
	static char value[1024];
	size_t n = strlen(name);
	for (const char *line = r->headers; line && *line;) {
		const char *end = strstr(line, "\r\n");
		size_t len = end ? (size_t)(end - line) : strlen(line);
		if (len > n && !strncasecmp(line, name, n) && line[n] == ':') {
			const char *v = line + n + 1;
			while (*v == ' ')
				v++;
			snprintf(value, sizeof(value), "%.*s", (int)(len - (size_t)(v - line)), v);
			return value;
		}
		line = end ? end + 2 : line + len;
	}
	return NULL;
}

const char *it_field(const it_response_t *r, const char *key)
{
	json_object *v;
	if (!r->json || !json_object_object_get_ex(r->json, key, &v))
		return NULL;
	return v ? json_object_get_string(v) : "(null)";
}

int it_children(pid_t master, pid_t *out, int max)
{
	int n = 0;
	DIR *d = opendir("/proc");
	struct dirent *de;
	while (d && (de = readdir(d)) && n < max) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		char path[64], stat[512];
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		FILE *f = fopen(path, "r");
		if (!f)
			continue;
		size_t len = fread(stat, 1, sizeof(stat) - 1, f);
		fclose(f);
		stat[len] = '\0';
		const char *p = strrchr(stat, ')');
		char state;
		long ppid;
		/* Not the master's helpers (named "lc-...": the snapshot's
		 * watcher, the webhook deliverer, the access log writer): the
		 * workers. */
		if (p && sscanf(p + 2, "%c %ld", &state, &ppid) == 2 && ppid == master &&
		    state != 'Z' && !strstr(stat, "(lc-"))
			out[n++] = (pid_t)strtol(de->d_name, NULL, 10);
	}
	if (d)
		closedir(d);
	return n;
}

int it_sh(const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	int st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int it_registry_key(const char *dir, char *key, size_t key_len)
{
	char cmd[2048];
	snprintf(cmd, sizeof(cmd), "'%s/scripts/gen-registry-key' '%s' rsa >/dev/null 2>&1",
		 getenv("srcdir") ? getenv("srcdir") : ".", dir);
	if (system(cmd) != 0)
		return -1;
	snprintf(key, key_len, "%s/registry-key.pem", dir);
	return 0;
}

void it_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

pid_t fake_start(const char *fake, const char *args, char *url, size_t url_len)
{
	const char *srcdir = getenv("srcdir");
	char cmd[2048];
	int fds[2];
	if (pipe(fds))
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		snprintf(cmd, sizeof(cmd), "exec '%s/tests/fakes/%s' --host 127.0.0.1 --port 0 %s",
			 srcdir ? srcdir : ".", fake, args ? args : "");
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	FILE *f = fdopen(fds[0], "r");
	char line[512] = "";
	if (!f || !fgets(line, sizeof(line), f)) {
		fprintf(stderr, "harness: fake %s did not start\n", fake);
		if (f)
			fclose(f);
		fake_stop(pid);
		return -1;
	}
	/* Keep reading its stdout in the background? It prints one line; the
	 * pipe stays open and unread, which is fine for a quiet fake. */
	const char *u = strstr(line, "http://");
	snprintf(url, url_len, "%s", u ? u : "");
	url[strcspn(url, " \r\n")] = '\0';
	for (int i = 0; i < MAX_FAKES; i++)
		if (!fakes[i]) {
			fakes[i] = pid;
			break;
		}
	return pid;
}

void fake_stop(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	for (int i = 0; i < 50; i++) {
		if (waitpid(pid, NULL, WNOHANG) == pid)
			break;
		it_sleep_ms(100);
		if (i == 49) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
		}
	}
	for (int i = 0; i < MAX_FAKES; i++)
		if (fakes[i] == pid)
			fakes[i] = 0;
}

/* The revision in the header of etcd's answer r (0: none). */
static long long etcd_revision(const it_response_t *r)
{
	json_object *o = json_tokener_parse(r->body ? r->body : "");
	json_object *h, *v;
	long long rev = 0;
	if (json_object_object_get_ex(o, "header", &h) && json_object_object_get_ex(h, "revision", &v))
		rev = json_object_get_int64(v);
	json_object_put(o);
	return rev;
}

/*
 * A write straight into etcd reaches the console's snapshot of the app
 * records through its watch, a moment later: a test that wrote an app
 * record behind the console's back waits until the host's snapshot holds
 * the write (/healthz), as a client of two hosts would. Not when there is
 * no snapshot to wait for (off, starting, behind: reads go to etcd then).
 */
json_object *it_snapshot_health(void)
{
	it_response_t r;
	it_req("GET", "/api/v1/healthz", NULL, &r);
	json_object *s = json_object_object_get(it_payload(&r, "health"), "snapshot");
	json_object_get(s);
	it_response_free(&r);
	return s;
}

static void wait_snapshot(const char *key, long long rev)
{
	if (!rev || strncmp(key, "/lain/console/apps", 18) || !*stack_get("CONSOLE_URL"))
		return;
	for (int i = 0; i < 500; i++) {
		json_object *s = it_snapshot_health();
		const char *state = json_object_get_string(json_object_object_get(s, "state"));
		bool done = !state || strcmp(state, "live") ||
			    json_object_get_int64(json_object_object_get(s, "revision")) >= rev;
		json_object_put(s);
		if (done)
			return;
		it_sleep_ms(10);
	}
}

static int etcd_call(const char *path, const char *key, const char *value)
{
	buf_t body = BUF_INIT;
	buf_addstr(&body, "{\"key\":\"");
	base64_encode(&body, key, strlen(key));
	if (value) {
		buf_addstr(&body, "\",\"value\":\"");
		base64_encode(&body, value, strlen(value));
	}
	buf_addstr(&body, "\"}");
	char url[512];
	snprintf(url, sizeof(url), "%s%s", stack_get("ETCD_URL"), path);
	it_response_t r;
	int rc = it_request("POST", url, body.data, NULL, &r);
	rc = rc || r.status != 200;
	long long rev = rc ? 0 : etcd_revision(&r);
	it_response_free(&r);
	buf_release(&body);
	wait_snapshot(key, rev);
	return rc;
}

int it_etcd_put(const char *key, const char *value)
{
	return etcd_call("/v3/kv/put", key, value);
}

int it_etcd_delete(const char *key)
{
	return etcd_call("/v3/kv/deleterange", key, NULL);
}

/* A range of key (prefix: every key under it), count only when asked. */
static int etcd_range(const char *key, bool prefix, bool count_only, it_response_t *r)
{
	buf_t body = BUF_INIT, end = BUF_INIT;
	buf_addstr(&body, "{\"key\":\"");
	base64_encode(&body, key, strlen(key));
	buf_addstr(&body, "\"");
	if (prefix) {
		etcd_prefix_end(key, strlen(key), &end);
		buf_addstr(&body, ",\"range_end\":\"");
		base64_encode(&body, end.data, end.len);
		buf_addstr(&body, "\"");
	}
	if (count_only)
		buf_addstr(&body, ",\"count_only\":true");
	buf_addstr(&body, "}");
	char url[512];
	snprintf(url, sizeof(url), "%s/v3/kv/range", stack_get("ETCD_URL"));
	int rc = it_request("POST", url, body.data, NULL, r);
	rc = rc || r->status != 200 || !r->json;
	buf_release(&body);
	buf_release(&end);
	return rc;
}

int it_etcd_get(const char *key, char **value, long long *mod_revision, long long *revision)
{
	it_response_t r;
	int rc = etcd_range(key, false, false, &r);
	if (value)
		*value = NULL;
	if (mod_revision)
		*mod_revision = 0;
	if (!rc) {
		json_object *kvs, *hdr, *v;
		if (revision && json_object_object_get_ex(r.json, "header", &hdr) &&
		    json_object_object_get_ex(hdr, "revision", &v))
			*revision = json_object_get_int64(v);
		if (json_object_object_get_ex(r.json, "kvs", &kvs) && json_object_array_length(kvs)) {
			json_object *kv = json_object_array_get_idx(kvs, 0);
			if (mod_revision && json_object_object_get_ex(kv, "mod_revision", &v))
				*mod_revision = json_object_get_int64(v);
			if (value && json_object_object_get_ex(kv, "value", &v)) {
				buf_t d = BUF_INIT;
				const char *b = json_object_get_string(v);
				base64_decode(&d, b, strlen(b));
				*value = strdup(d.data);
				buf_release(&d);
			}
		}
	}
	it_response_free(&r);
	return rc;
}

long it_etcd_count(const char *prefix)
{
	it_response_t r;
	long n = -1;
	if (!etcd_range(prefix, true, true, &r)) {
		json_object *c;
		n = json_object_object_get_ex(r.json, "count", &c) ? (long)json_object_get_int64(c) : 0;
	}
	it_response_free(&r);
	return n;
}

char *it_sso_token(const char *sso_url, const char *user)
{
	char url[512], body[200];
	snprintf(url, sizeof(url), "%s/__fake/token", sso_url);
	snprintf(body, sizeof(body), "{\"user\": \"%s\", \"scope\": \"read:group write:group\"}",
		 user);
	it_response_t r;
	it_request("POST", url, body, NULL, &r);
	const char *t = it_field(&r, "access_token");
	char *out = strdup(t ? t : "");
	it_response_free(&r);
	return out;
}

long it_req_as(const char *token, const char *method, const char *path, const char *body,
	       it_response_t *r)
{
	char header[512];
	snprintf(header, sizeof(header), "access-token: %s", token ? token : "");
	if (it_request(method, path, body, token ? header : NULL, r))
		return 0;
	return r->status;
}

long it_req(const char *method, const char *path, const char *body, it_response_t *r)
{
	return it_req_as(NULL, method, path, body, r);
}

const char *it_msg(const it_response_t *r)
{
	const char *m = it_field(r, "msg");
	return m ? m : "(no msg)";
}

long it_call_as(const char *token, const char *method, const char *path, const char *body,
		long want)
{
	it_response_t r;
	long st = it_req_as(token, method, path, body, &r);
	if (st != want)
		fprintf(stderr, "\n  %s %s %s: want %ld, got %ld %s\n", method, path,
			body ? body : "", want, st, r.body ? r.body : "");
	it_response_free(&r);
	return st;
}

long it_call(const char *method, const char *path, const char *body, long want)
{
	return it_call_as(NULL, method, path, body, want);
}

int it_auth_on(const char *sso_url)
{
	char value[512];
	snprintf(value, sizeof(value), "{\"type\": \"lain-sso\", \"url\": \"%s\"}", sso_url);
	if (it_etcd_put("/lain/config/auth/console", value))
		return -1;
	/* Each worker re-reads the switch within 2 s. */
	struct timespec t0, now;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int in_a_row = 0;
	for (;;) {
		it_response_t r;
		in_a_row = it_req("GET", "/api/v1/apps/", NULL, &r) == 401 ? in_a_row + 1 : 0;
		it_response_free(&r);
		if (in_a_row == 10)
			return 0;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - t0.tv_sec > 8)
			return -1;
		if (!in_a_row)
			it_sleep_ms(100);
	}
}

json_object *it_payload(const it_response_t *r, const char *key)
{
	json_object *v = NULL;
	if (r->json)
		json_object_object_get_ex(r->json, key, &v);
	return v;
}

int it_sso_up(const char *seed_file, char *url, size_t url_len)
{
	char args[1024];
	if (seed_file)
		snprintf(args, sizeof(args), "--seed '%s'", seed_file);
	else
		snprintf(args, sizeof(args), "--seed '%s/tests/fakes/sso-seed.json'",
			 getenv("srcdir") ? getenv("srcdir") : ".");
	if (fake_start("sso", args, url, url_len) < 0)
		return -1;
	setenv("SSO_CLIENT_ID", "lain-console", 1);
	setenv("SSO_CLIENT_SECRET", "lain-console-secret", 1);
	setenv("CONSOLE_SSO_CACHE_SECONDS", "2", 1);
	return 0;
}
