/* app/core: deployd specs (console-api.md §4.5, §8 9-11) and `render` goldens. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>
#include <json-c/json.h>

#include "console/buf.h"
#include "console/cmd_render.h"
#include "console/lainyaml.h"
#include "console/spec.h"
#include "testlib.h"

#define V "1439365340-06e92b4456116ad5e6875c8c34797d22156d44a5"

static lain_parse_opts_t popts = {
	.domain = "lain.local", .registry = "registry.lain.local", .meta_version = V,
};
static spec_opts_t sopts = { .deploy_env = true, .main_domain = "lain.local", .meta_version = V };

/* Parses yaml and builds the whole app; the caller puts the result. */
static json_object *build(const char *yaml, const spec_opts_t *so)
{
	lain_conf_t *c = NULL;
	json_object *out = NULL;
	err_t err = ERR_INIT;
	if (lain_conf_parse(yaml, strlen(yaml), &popts, &c, &err))
		fprintf(stderr, "parse: %s\n", err.msg);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(spec_build_app(c, so ? so : &sopts, &out, &err), 0);
	lain_conf_free(c);
	return out;
}

static json_object *at(json_object *o, const char *path)
{
	/* "podgroups.0.Pod.Containers.0.Env" */
	char *copy = strdup(path), *save = NULL;
	for (char *seg = strtok_r(copy, ".", &save); seg && o; seg = strtok_r(NULL, ".", &save)) {
		if (json_object_is_type(o, json_type_array))
			o = json_object_array_get_idx(o, (size_t)strtol(seg, NULL, 10));
		else if (!json_object_object_get_ex(o, seg, &o))
			o = NULL;
	}
	free(copy);
	return o;
}

static bool keys_are(json_object *o, const char *const *keys, size_t n)
{
	if (!o || json_object_object_length(o) != (int)n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!json_object_object_get_ex(o, keys[i], NULL))
			return false;
	return true;
}

#define KEYS_ARE(o, ...)                                                                   \
	do {                                                                               \
		static const char *const k_[] = { __VA_ARGS__ };                          \
		CU_ASSERT(keys_are((o), k_, sizeof(k_) / sizeof(k_[0])));                  \
	} while (0)

static bool json_is(json_object *o, const char *want_json)
{
	json_object *w = json_tokener_parse(want_json);
	bool eq = json_object_equal(o, w);
	if (!eq)
		fprintf(stderr, "got %s\nwant %s\n", json_object_to_json_string(o), want_json);
	json_object_put(w);
	return eq;
}

/* ---- spec shape ---- */

static void test_example_of_4_5_1(void)
{
	json_object *app = build("appname: hello\nbuild: {base: golang}\nuse_services: {redis: [redis]}\n"
				 "web: {cmd: /hello, port: 80}\n", NULL);
	CU_ASSERT(json_is(at(app, "podgroups.0"),
		"{\"Name\": \"hello.web.web\", \"Namespace\": \"hello\", \"NumInstances\": 1, \"RestartPolicy\": 1,"
		" \"Pod\": {\"Name\": \"hello.web.web\", \"Namespace\": \"hello\","
		"   \"Containers\": [{\"Image\": \"registry.lain.local/hello:release-" V "\","
		"     \"Env\": [\"TZ=Asia/Shanghai\", \"LAIN_APPNAME=hello\", \"LAIN_APP_RELEASE_VERSION=" V "\","
		"              \"LAIN_PROCNAME=web\", \"LAIN_DOMAIN=lain.local\"],"
		"     \"User\": \"\", \"WorkingDir\": \"\", \"DnsSearch\": [\"hello.lain\"], \"Volumes\": [\"/lain/logs\"],"
		"     \"SystemVolumes\": [\"/data/lain/entrypoint:/lain/entrypoint:ro\", \"/etc/localtime:/etc/localtime:ro\"],"
		"     \"CloudVolumes\": [], \"Command\": [\"/hello\"], \"Entrypoint\": null,"
		"     \"CpuLimit\": 0, \"MemoryLimit\": 33554432, \"Expose\": 80, \"LogConfig\": null}],"
		"   \"Dependencies\": [{\"PodName\": \"redis.portal.portal-redis\", \"Policy\": 0}],"
		"   \"Annotation\": \"{\\\"mountpoint\\\":[\\\"hello.lain.local\\\",\\\"hello.lain\\\"],\\\"https_only\\\":false}\","
		"   \"Stateful\": false, \"SetupTime\": 0, \"KillTimeout\": 10, \"Labels\": {},"
		"   \"Filters\": [\"constraint:group==default\"], \"HealthConfig\": {}}}"));
	CU_ASSERT_EQUAL(json_object_array_length(at(app, "portals")), 0);
	json_object_put(app);
}

static void test_key_sets(void)
{
	json_object *app = build("appname: s\nbuild: {base: x}\nservice.echo:\n  portal: {}\n", NULL);
	KEYS_ARE(at(app, "podgroups.0"), "Name", "Namespace", "NumInstances", "RestartPolicy", "Pod");
	KEYS_ARE(at(app, "podgroups.0.Pod"), "Name", "Namespace", "Containers", "Dependencies", "Annotation",
		 "Stateful", "SetupTime", "KillTimeout", "Labels", "Filters", "HealthConfig");
	KEYS_ARE(at(app, "portals.0"), "Name", "Namespace", "Containers", "Dependencies", "Annotation",
		 "Stateful", "SetupTime", "KillTimeout", "Labels", "Filters", "HealthConfig");
	KEYS_ARE(at(app, "podgroups.0.Pod.Containers.0"), "Image", "Env", "User", "WorkingDir", "DnsSearch",
		 "Volumes", "SystemVolumes", "CloudVolumes", "Command", "Entrypoint", "CpuLimit", "MemoryLimit",
		 "Expose", "LogConfig");
	CU_ASSERT_EQUAL(json_object_array_length(at(app, "podgroups.0.Pod.Containers")), 1);
	CU_ASSERT_STRING_EQUAL(json_object_get_string(at(app, "portals.0.Name")), "s.portal.portal-echo");
	json_object_put(app);
}

static void test_defaults_8_11(void)
{
	json_object *app = build("appname: d\nbuild: {base: x}\nworker: {}\n", NULL);
	json_object *c = at(app, "podgroups.0.Pod.Containers.0");
	CU_ASSERT_PTR_NULL(at(c, "Command"));
	CU_ASSERT(json_object_object_get_ex(c, "Command", NULL));
	CU_ASSERT_PTR_NULL(at(c, "Entrypoint"));
	CU_ASSERT_PTR_NULL(at(c, "LogConfig"));
	CU_ASSERT_EQUAL(json_object_get_int(at(c, "Expose")), 0);
	CU_ASSERT_EQUAL(json_object_get_int(at(app, "podgroups.0.RestartPolicy")), 1);
	CU_ASSERT(json_is(at(app, "podgroups.0.Pod.Labels"), "{}"));
	CU_ASSERT(json_is(at(app, "podgroups.0.Pod.HealthConfig"), "{}"));
	CU_ASSERT(json_is(at(app, "podgroups.0.Pod.Dependencies"), "[]"));
	json_object_put(app);
}

static void test_system_volumes_8_9_10(void)
{
	json_object *app = build("appname: plain\nbuild: {base: x}\nweb: {}\nworker: {}\n", NULL);
	for (int i = 0; i < 2; i++) {
		char path[64];
		snprintf(path, sizeof(path), "podgroups.%d.Pod.Containers.0.SystemVolumes", i);
		CU_ASSERT(json_is(at(app, path), "[\"/data/lain/entrypoint:/lain/entrypoint:ro\", \"/etc/localtime:/etc/localtime:ro\"]"));
	}
	json_object_put(app);
	static const char *const extra[] = { "/var/lib/registry:/var/lib/registry" };
	spec_opts_t so = sopts;
	so.system_volumes = extra;
	so.n_system_volumes = 1;
	app = build("appname: registry\nbuild: {base: x}\nweb: {}\n", &so);
	CU_ASSERT(json_is(at(app, "podgroups.0.Pod.Containers.0.SystemVolumes"),
			  "[\"/data/lain/entrypoint:/lain/entrypoint:ro\", \"/etc/localtime:/etc/localtime:ro\","
			  " \"/var/lib/registry:/var/lib/registry\"]"));
	json_object_put(app);
}

static void test_env_injection(void)
{
	json_object *app = build("appname: e\nbuild: {base: x}\nworker:\n  env: [A=1, 'TZ =UTC', TZX=keep, LAIN_DOMAIN=x]\n"
				 "service.s:\n  portal: {env: [B=2]}\n", NULL);
	CU_ASSERT(json_is(at(app, "podgroups.0.Pod.Containers.0.Env"),
			  "[\"A=1\", \"TZX=keep\", \"TZ=Asia/Shanghai\", \"LAIN_APPNAME=e\", \"LAIN_APP_RELEASE_VERSION=" V "\","
			  " \"LAIN_PROCNAME=worker\", \"LAIN_DOMAIN=lain.local\"]"));
	CU_ASSERT(json_is(at(app, "portals.0.Containers.0.Env"),
			  "[\"B=2\", \"TZ=Asia/Shanghai\", \"LAIN_APPNAME=e\", \"LAIN_APP_RELEASE_VERSION=" V "\","
			  " \"LAIN_PROCNAME=portal-s\", \"LAIN_SERVICE_NAME=s\", \"LAIN_DOMAIN=lain.local\"]"));
	json_object_put(app);
	spec_opts_t so = sopts;
	so.deploy_env = false;
	app = build("appname: e\nbuild: {base: x}\nworker:\n  env: [A=1]\n", &so);
	CU_ASSERT(json_is(at(app, "podgroups.0.Pod.Containers.0.Env"), "[\"A=1\", \"TZ=Asia/Shanghai\"]"));
	json_object_put(app);
}

static void test_env_set(void)
{
	json_object *env = json_tokener_parse("[\"K=1\", \"K  =2\", \"KEY=3\", \"K\", \"X=K=1\"]");
	spec_env_set(env, "K", "new");
	CU_ASSERT(json_is(env, "[\"KEY=3\", \"K\", \"X=K=1\", \"K=new\"]"));
	json_object_put(env);
}

static void test_annotation_keys(void)
{
	json_object *app = build("appname: a\nbuild: {base: x}\n"
				 "web: {healthcheck: /hc, logs: [x.log], ports: '9501:80'}\n"
				 "worker:\n  volumes:\n    - d: {backup_full: {schedule: '@daily'}}\n", NULL);
	json_object *ann = json_tokener_parse(json_object_get_string(at(app, "podgroups.0.Pod.Annotation")));
	CU_ASSERT(json_is(ann, "{\"mountpoint\": [\"a.lain.local\", \"a.lain\"], \"https_only\": false, \"logs\": [\"x.log\"],"
			       " \"healthcheck\": \"/hc\", \"ports\": [{\"srcport\": 9501, \"dstport\": 80, \"proto\": \"tcp\"}]}"));
	json_object_put(ann);
	ann = json_tokener_parse(json_object_get_string(at(app, "podgroups.1.Pod.Annotation")));
	CU_ASSERT(json_is(ann, "{\"mountpoint\": [], \"https_only\": true, \"backup\": [{\"procname\": \"a.worker.worker\","
			       " \"volume\": \"d\", \"schedule\": \"@daily\", \"expire\": \"\", \"mode\": \"full\","
			       " \"preRun\": \"\", \"postRun\": \"\"}]}"));
	json_object_put(ann);
	json_object_put(app);
}

static const char *resolver(void *data, const char *provider, const char *service)
{
	(void)data;
	if (!strcmp(provider, "known") && !strcmp(service, "svc"))
		return "the-portal";
	return NULL;
}

static void test_dependencies(void)
{
	spec_opts_t so = sopts;
	so.resolve_portal = resolver;
	json_object *app = build("appname: c\nbuild: {base: x}\nuse_services: {known: [svc, other], unknown: [u]}\n"
				 "use_resources: {mysql: {services: [mysql, mysql]}}\nworker: {}\nportal.p: {service_name: p}\n", &so);
	const char *want = "[{\"PodName\": \"known.portal.the-portal\", \"Policy\": 0},"
			   " {\"PodName\": \"known.portal.portal-other\", \"Policy\": 0},"
			   " {\"PodName\": \"unknown.portal.portal-u\", \"Policy\": 0},"
			   " {\"PodName\": \"resource.mysql.c.portal.portal-mysql\", \"Policy\": 0}]";
	CU_ASSERT(json_is(at(app, "podgroups.0.Pod.Dependencies"), want));
	CU_ASSERT(json_is(at(app, "portals.0.Dependencies"), want));
	json_object_put(app);
}

static void test_build_errors_and_resource(void)
{
	lain_conf_t *c = NULL;
	err_t err = ERR_INIT;
	const char *y = "appname: r\nbuild: {base: x}\nservice.s: {portal: {}}\n";
	CU_ASSERT_EQUAL_FATAL(lain_conf_parse(y, strlen(y), &popts, &c, &err), 0);
	json_object *o = NULL;
	CU_ASSERT_EQUAL(spec_build_podgroup(c, lain_conf_proc(c, "portal-s"), &sopts, &o, &err), -ERR_INTERNAL);
	CU_ASSERT_EQUAL(spec_build_portal(c, lain_conf_proc(c, "s"), &sopts, &o, &err), -ERR_INTERNAL);
	CU_ASSERT_PTR_NULL(o);
	CU_ASSERT_EQUAL(spec_build_portal(c, lain_conf_proc(c, "portal-s"), &sopts, &o, &err), 0);
	json_object_put(o);
	lain_conf_free(c);
	json_object *app = build("appname: r\napptype: resource\nbuild: {base: x}\nweb: {}\n", NULL);
	CU_ASSERT(json_is(app, "{\"podgroups\": [], \"portals\": []}"));
	json_object_put(app);
}

/* ---- the render command and its goldens ---- */

/* Runs cmd_render(argv) with stdout captured; returns the output. */
static char *run_render(int argc, char **argv, int *status)
{
	char tmpl[] = "/tmp/render-out-XXXXXX";
	int fd = mkstemp(tmpl);
	CU_ASSERT_FATAL(fd >= 0);
	unlink(tmpl);
	fflush(stdout);
	int saved = dup(STDOUT_FILENO);
	dup2(fd, STDOUT_FILENO);
	*status = cmd_render(argc, argv);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	off_t len = lseek(fd, 0, SEEK_END);
	char *out = calloc(1, (size_t)len + 1);
	CU_ASSERT_EQUAL(pread(fd, out, (size_t)len, 0), len);
	close(fd);
	return out;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	buf_t b = BUF_INIT;
	char chunk[4096];
	size_t n;
	if (!f)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(&b, chunk, n);
	fclose(f);
	return buf_detach(&b, NULL);
}

/* Annotation is JSON inside a string: compare it as a value too. */
static void normalize(json_object *o)
{
	if (json_object_is_type(o, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(o); i++)
			normalize(json_object_array_get_idx(o, i));
		return;
	}
	if (!json_object_is_type(o, json_type_object))
		return;
	json_object *ann;
	if (json_object_object_get_ex(o, "Annotation", &ann) && json_object_is_type(ann, json_type_string)) {
		json_object *parsed = json_tokener_parse(json_object_get_string(ann));
		CU_ASSERT_PTR_NOT_NULL(parsed);
		json_object_object_add(o, "Annotation", parsed);
	}
	json_object_object_foreach(o, k, v)
	{
		(void)k;
		normalize(v);
	}
}

static const char *const goldens[] = {
	"web-worker", "named-web", "service-provider", "service-consumer", "resource",
	"resource-instance", "resource-consumer", "stream-ports", "secret-files", "healthchecks",
	"backups", "cloud-volumes", "labels-filters", "clamps", "stored-meta", "system-volumes",
	"invalid",
};

static void check_golden(const char *name)
{
	char rel[256];
	snprintf(rel, sizeof(rel), "unit/data/render/%s.args", name);
	char *args = slurp(test_path(rel));
	CU_ASSERT_PTR_NOT_NULL_FATAL(args);
	snprintf(rel, sizeof(rel), "unit/data/render/%s.yaml", name);
	char *yaml_path = strdup(test_path(rel));
	snprintf(rel, sizeof(rel), "unit/data/render/%s.json", name);
	char *want_text = slurp(test_path(rel));
	CU_ASSERT_PTR_NOT_NULL_FATAL(want_text);

	char *argv[64];
	int argc = 0;
	argv[argc++] = "render";
	for (char *save = NULL, *line = strtok_r(args, "\n", &save); line && argc < 62;
	     line = strtok_r(NULL, "\n", &save))
		if (*line)
			argv[argc++] = line;
	argv[argc++] = yaml_path;
	argv[argc] = NULL;

	int status;
	char *got_text = run_render(argc, argv, &status);
	json_object *got = json_tokener_parse(got_text), *want = json_tokener_parse(want_text);
	CU_ASSERT_PTR_NOT_NULL(got);
	CU_ASSERT_PTR_NOT_NULL(want);
	bool is_error = json_object_object_get_ex(want, "error", NULL);
	CU_ASSERT_EQUAL(status, is_error ? 1 : 0);
	normalize(got);
	normalize(want);
	if (!json_object_equal(got, want))
		fprintf(stderr, "golden %s differs:\n%s\n", name, got_text);
	CU_ASSERT(json_object_equal(got, want));
	json_object_put(got);
	json_object_put(want);
	free(got_text);
	free(want_text);
	free(yaml_path);
	free(args);
}

static void test_goldens(void)
{
	for (size_t i = 0; i < sizeof(goldens) / sizeof(goldens[0]); i++)
		check_golden(goldens[i]);
}

static void render_expect_error(int argc, char **argv, const char *needle)
{
	int status;
	char *out = run_render(argc, argv, &status);
	json_object *j = json_tokener_parse(out);
	CU_ASSERT_EQUAL(status, 1);
	json_object *e = at(j, "error");
	CU_ASSERT_PTR_NOT_NULL(e);
	if (!e || !strstr(json_object_get_string(e), needle))
		fprintf(stderr, "'%s' lacks '%s'\n", out, needle);
	CU_ASSERT(e && strstr(json_object_get_string(e), needle));
	json_object_put(j);
	free(out);
}

static void test_render_usage_errors(void)
{
	char *yaml = strdup(test_path("unit/data/render/web-worker.yaml"));
	char *res = strdup(test_path("unit/data/render/resource.yaml"));
	render_expect_error(1, (char *[]){ "render", NULL }, "FILE is missing");
	render_expect_error(3, (char *[]){ "render", "--bogus", yaml, NULL }, "unknown option '--bogus'");
	render_expect_error(2, (char *[]){ "render", "--domain", NULL }, "option --domain needs a value");
	render_expect_error(3, (char *[]){ "render", yaml, yaml, NULL }, "expected one FILE");
	render_expect_error(2, (char *[]){ "render", "/nonexistent/lain.yaml", NULL }, "cannot open '/nonexistent/lain.yaml'");
	render_expect_error(4, (char *[]){ "render", "--system-volume", "nocolon", yaml, NULL }, "must look like /host/path:/container/path");
	render_expect_error(4, (char *[]){ "render", "--context", "{}", yaml, NULL }, "--context needs --appname resource.<resource>.<client>");
	render_expect_error(6, (char *[]){ "render", "--appname", "resource.mysql.blog", "--context", "[1]", res, NULL },
			    "--context must be a JSON object");
	render_expect_error(4, (char *[]){ "render", "--appname", "other", yaml, NULL }, "appname 'hello' of");
	render_expect_error(4, (char *[]){ "render", "--appname", "resource.x", yaml, NULL }, "must look like resource.<resource>.<client>");
	free(yaml);
	free(res);
}

/* A lain.yaml of app "shop" whose web proc mounts mountpoint, in a
 * temporary file (unlink and free it). */
static char *mount_yaml(const char *mountpoint)
{
	char *path = strdup("/tmp/lain-console-mount-XXXXXX");
	int fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	char text[512];
	int n = snprintf(text, sizeof(text),
			 "appname: shop\nbuild:\n  base: golang\nweb:\n  cmd: /web\n  port: 80\n"
			 "  mountpoint:\n    - \"%s\"\n",
			 mountpoint);
	CU_ASSERT_EQUAL(write(fd, text, (size_t)n), n);
	close(fd);
	return path;
}

/* Issue 14 #4: what a deploy refuses, render reports; --cluster-admin (a
 * LAIN admin's deploy) lets it through. */
static void test_render_mountpoints(void)
{
	static const struct {
		const char *mountpoint, *why;
	} refused[] = {
		{ "hello.lain.local/", "is the host of app 'hello'" },
		{ "hello.lain/x", "is the host of app 'hello'" },
		{ "api.hello.lain.local/", "is the host of app 'hello.api'" },
		{ "console.lain.local/api", "is the host of the cluster's console service" },
		{ "Registry.Lain.Local.:443/v2", "is the host of the cluster's registry service" },
		{ "sso.lain/", "is the host of the cluster's sso service" },
		{ "*", "is a wildcard host (it claims every host)" },
		{ "*.lain.local/", "is a wildcard host (it claims every host)" },
		{ "registry.example.net/", "is the host of a service of the cluster" },
		{ "lain.local/", "is the cluster's domain itself" },
		{ "registry.lain.local:5000/", "is the host of the cluster's registry service" },
	};
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		char *yaml = mount_yaml(refused[i].mountpoint);
		char want[256];
		snprintf(want, sizeof(want), "mountpoint '%s' of proc shop.web.web %s: only a LAIN "
			 "admin may deploy it", refused[i].mountpoint, refused[i].why);
		render_expect_error(4, (char *[]){ "render", "--registry", "registry.example.net", yaml,
						   NULL }, want);
		int status;
		free(run_render(3, (char *[]){ "render", "--cluster-admin", yaml, NULL }, &status));
		CU_ASSERT_EQUAL(status, 0);
		unlink(yaml);
		free(yaml);
	}
	static const char *const allowed[] = { "www.example.org/", "/api", "shop.lain.local/x",
					       "SHOP.lain/y", "shop.example.org:8080/" };
	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++) {
		char *yaml = mount_yaml(allowed[i]);
		int status;
		char *out = run_render(2, (char *[]){ "render", yaml, NULL }, &status);
		if (status)
			fprintf(stderr, "mountpoint %s refused: %s\n", allowed[i], out);
		CU_ASSERT_EQUAL(status, 0);
		free(out);
		unlink(yaml);
		free(yaml);
	}
	/* The cluster's other domains count as well. */
	char *yaml = mount_yaml("hello.example.org/");
	render_expect_error(4, (char *[]){ "render", "--extra-domain", "example.org", yaml, NULL },
			    "is the host of app 'hello'");
	unlink(yaml);
	free(yaml);
}

static void test_render_options(void)
{
	char *yaml = strdup(test_path("unit/data/render/web-worker.yaml"));
	int status;
	char *out = run_render(6, (char *[]){ "render", "--domain=example.org", "--extra-domain", "lain.io", "--meta-version=1-a", yaml, NULL }, &status);
	CU_ASSERT_EQUAL(status, 0);
	json_object *j = json_tokener_parse(out);
	CU_ASSERT_PTR_NOT_NULL_FATAL(at(j, "podgroups.0.Pod.Containers.0.Image"));
	CU_ASSERT_STRING_EQUAL(json_object_get_string(at(j, "podgroups.0.Pod.Containers.0.Image")),
			       "registry.example.org/hello:release-1-a");
	json_object *env = at(j, "podgroups.0.Pod.Containers.0.Env");
	CU_ASSERT_STRING_EQUAL(json_object_get_string(json_object_array_get_idx(env, json_object_array_length(env) - 1)),
			       "LAIN_DOMAIN=lain.io");   /* MAIN_DOMAIN: the first extra domain */
	json_object *ann = json_tokener_parse(json_object_get_string(at(j, "podgroups.0.Pod.Annotation")));
	CU_ASSERT(json_is(at(ann, "mountpoint"), "[\"hello.example.org\", \"hello.lain.io\", \"hello.lain\"]"));
	json_object_put(ann);
	json_object_put(j);
	free(out);
	free(yaml);
}

static CU_TestInfo spec_tests[] = {
	{ "the example of §4.5.1", test_example_of_4_5_1 },
	{ "exact key sets", test_key_sets },
	{ "defaults: null Command/Entrypoint/LogConfig (§8 11)", test_defaults_8_11 },
	{ "system volumes (§8 9, 10)", test_system_volumes_8_9_10 },
	{ "env injection (§4.5.2)", test_env_injection },
	{ "env set semantics", test_env_set },
	{ "annotation keys", test_annotation_keys },
	{ "dependencies of services and resources", test_dependencies },
	{ "wrong kind and resource apps", test_build_errors_and_resource },
	CU_TEST_INFO_NULL,
};

static CU_TestInfo render_tests[] = {
	{ "golden files", test_goldens },
	{ "usage and input errors", test_render_usage_errors },
	{ "mountpoints on other apps' and the cluster's hosts", test_render_mountpoints },
	{ "domains, registry and version options", test_render_options },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "spec", NULL, NULL, NULL, NULL, spec_tests },
	{ "render", NULL, NULL, NULL, NULL, render_tests },
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return test_main(suites);
}
