/* app/core: the YAML loader and the lain.yaml model (console-api.md §3.4, §2.3). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>
#include <json-c/json.h>

#include "console/buf.h"
#include "console/lainyaml.h"
#include "testlib.h"

#define HEAD "appname: hello\nbuild: {base: golang}\n"

static const char *const extra2[] = { "example.com", "lain.cloud" };

static lain_parse_opts_t opts = {
	.domain = "lain.local",
	.registry = "registry.lain.local",
	.meta_version = "1439365340-06e92b4456116ad5e6875c8c34797d22156d44a5",
};

static err_t last_err;

static lain_conf_t *parse_with(const char *yaml, const lain_parse_opts_t *o)
{
	lain_conf_t *c = NULL;
	err_clear(&last_err);
	int rc = lain_conf_parse(yaml, strlen(yaml), o, &c, &last_err);
	if (rc)
		fprintf(stderr, "unexpected error: %s\n", last_err.msg);
	CU_ASSERT_EQUAL(rc, 0);
	return c;
}

static lain_conf_t *parse(const char *yaml)
{
	return parse_with(yaml, &opts);
}

/* Parses expecting failure; returns the message (static). */
static const char *fails(const char *yaml)
{
	lain_conf_t *c = NULL;
	err_clear(&last_err);
	int rc = lain_conf_parse(yaml, strlen(yaml), &opts, &c, &last_err);
	CU_ASSERT(rc < 0);
	CU_ASSERT_PTR_NULL(c);
	lain_conf_free(c);
	return last_err.msg;
}

#define ASSERT_FAILS_WITH(yaml, needle)                                                    \
	do {                                                                               \
		const char *m_ = fails(yaml);                                              \
		if (!strstr(m_, needle))                                                   \
			fprintf(stderr, "message '%s' lacks '%s'\n", m_, needle);          \
		CU_ASSERT_PTR_NOT_NULL(strstr(m_, needle));                                \
	} while (0)

static bool strs_eq(const lain_strs_t *s, const char *const *want, size_t n)
{
	if (s->n != n) {
		fprintf(stderr, "list has %zu entries, want %zu\n", s->n, n);
		for (size_t i = 0; i < s->n; i++)
			fprintf(stderr, "  %s\n", s->v[i]);
		return false;
	}
	for (size_t i = 0; i < n; i++)
		if (strcmp(s->v[i], want[i])) {
			fprintf(stderr, "entry %zu '%s' != '%s'\n", i, s->v[i], want[i]);
			return false;
		}
	return true;
}

#define STRS_EQ(s, ...)                                                                    \
	do {                                                                               \
		static const char *const w_[] = { __VA_ARGS__ };                          \
		CU_ASSERT(strs_eq(&(s), w_, sizeof(w_) / sizeof(w_[0])));                  \
	} while (0)
#define STRS_EMPTY(s) CU_ASSERT_EQUAL((s).n, 0)

/* ---- top level ---- */

static void test_appname_required(void)
{
	ASSERT_FAILS_WITH("build: {base: golang}\nweb: {}\n", "appname: is required");
	ASSERT_FAILS_WITH("appname: ''\nbuild: {base: golang}\n", "appname: must be a non-empty string (line 1)");
	ASSERT_FAILS_WITH("appname: [a]\nbuild: {base: golang}\n", "appname");
}

static void test_appname_reserved(void)
{
	ASSERT_FAILS_WITH("appname: service\nbuild: {base: x}\n", "'service' is reserved");
	ASSERT_FAILS_WITH("appname: resource\nbuild: {base: x}\n", "'resource' is reserved");
	ASSERT_FAILS_WITH("appname: portal\nbuild: {base: x}\n", "'portal' is reserved");
}

static void test_build_required(void)
{
	ASSERT_FAILS_WITH("appname: hello\nweb: {}\n", "build: is required");
	ASSERT_FAILS_WITH("appname: hello\nbuild: golang\n", "build: must be a mapping");
	ASSERT_FAILS_WITH("appname: hello\nbuild:\n  script: [make]\n", "build.base: is required and must be an image name (line 3)");
}

static void test_build_rules(void)
{
	ASSERT_FAILS_WITH("appname: a\nbuild: {base: x, volumes: [data]}\n", "build.volumes: 'data' must be an absolute path");
	ASSERT_FAILS_WITH("appname: a\nbuild: {base: x, volumes: [/data]}\nrelease: {script: [x]}\n",
			  "release.script: is not allowed when build.volumes is used (line 3)");
	ASSERT_FAILS_WITH("appname: a\nbuild: {base: x, prepare: {version: 'v-1'}}\n", "build.prepare.version: 'v-1' must be alphanumeric");
	lain_conf_t *c = parse("appname: a\nbuild: {base: x, volumes: [/data], prepare: {version: 3}}\n");
	lain_conf_free(c);
}

static void test_not_a_mapping(void)
{
	ASSERT_FAILS_WITH("- a\n- b\n", "lain.yaml must be a mapping, not a list");
	ASSERT_FAILS_WITH("", "lain.yaml must be a mapping, not a null");
	ASSERT_FAILS_WITH("just text", "must be a mapping, not a string");
}

static void test_yaml_syntax_error_line(void)
{
	ASSERT_FAILS_WITH(HEAD "web:\n  cmd: [a, b\n  port: 80\n", "invalid yaml");
	ASSERT_FAILS_WITH(HEAD "web:\n  cmd: x\n bad: 1\n", "(line 5)");
	ASSERT_FAILS_WITH("a: 1\n---\nb: 2\n", "expected one yaml document");
}

static void test_apptype(void)
{
	lain_conf_t *c = parse(HEAD);
	CU_ASSERT_STRING_EQUAL(c->apptype, "app");
	CU_ASSERT_EQUAL(c->n_procs, 0);
	lain_conf_free(c);
	c = parse(HEAD "apptype: resource\n");
	CU_ASSERT_STRING_EQUAL(c->apptype, "resource");
	lain_conf_free(c);
	ASSERT_FAILS_WITH(HEAD "apptype: service\n", "apptype: 'service' is not app or resource (line 3)");
}

static void test_giturl(void)
{
	lain_conf_t *c = parse(HEAD "giturl: gitlab.example.com/team/hello.git\n");
	CU_ASSERT_STRING_EQUAL(c->giturl, "gitlab.example.com/team/hello.git");
	lain_conf_free(c);
	char *g = lain_giturl_normalize("gitlab.example.com/team/hello.git");
	CU_ASSERT_STRING_EQUAL(g, "http://gitlab.example.com/team/hello");
	free(g);
	g = lain_giturl_normalize("https://github.com/a/b");
	CU_ASSERT_STRING_EQUAL(g, "https://github.com/a/b");
	free(g);
	g = lain_giturl_normalize("");
	CU_ASSERT_STRING_EQUAL(g, "");
	free(g);
	g = lain_giturl_normalize(NULL);
	CU_ASSERT_STRING_EQUAL(g, "");
	free(g);
}

/* ---- section forms ---- */

static void test_section_web_alone(void)
{
	lain_conf_t *c = parse(HEAD "web:\n  cmd: /hello\n");
	CU_ASSERT_EQUAL_FATAL(c->n_procs, 1);
	const lain_proc_t *p = &c->procs[0];
	CU_ASSERT_STRING_EQUAL(p->name, "web");
	CU_ASSERT_EQUAL(p->type, LAIN_WEB);
	CU_ASSERT_STRING_EQUAL(p->podname, "hello.web.web");
	CU_ASSERT_EQUAL(p->line, 3);
	lain_conf_free(c);
}

static void test_section_typed_names(void)
{
	lain_conf_t *c = parse(HEAD "worker: {}\noneshot: {}\nworker.bg:\n  type: web\nweb.admin:\n  mountpoint: [a.com]\n");
	CU_ASSERT_EQUAL_FATAL(c->n_procs, 4);
	CU_ASSERT_STRING_EQUAL(c->procs[0].podname, "hello.worker.worker");
	CU_ASSERT_STRING_EQUAL(c->procs[1].podname, "hello.oneshot.oneshot");
	CU_ASSERT_STRING_EQUAL(c->procs[2].podname, "hello.worker.bg");   /* type: ignored */
	CU_ASSERT_EQUAL(c->procs[2].type, LAIN_WORKER);
	CU_ASSERT_STRING_EQUAL(c->procs[3].podname, "hello.web.admin");
	lain_conf_free(c);
}

static void test_section_proc_type(void)
{
	lain_conf_t *c = parse(HEAD "proc.a: {cmd: x}\nproc.b:\n  type: oneshot\nproc.c:\n  type: web\n  mountpoint: [c.com]\n");
	CU_ASSERT_EQUAL_FATAL(c->n_procs, 3);
	CU_ASSERT_EQUAL(c->procs[0].type, LAIN_WORKER);
	CU_ASSERT_STRING_EQUAL(c->procs[0].podname, "hello.worker.a");
	CU_ASSERT_EQUAL(c->procs[1].type, LAIN_ONESHOT);
	CU_ASSERT_EQUAL(c->procs[2].type, LAIN_WEB);
	STRS_EQ(c->procs[2].mountpoints, "c.com");
	lain_conf_free(c);
	ASSERT_FAILS_WITH(HEAD "proc.a:\n  type: daemon\n", "proc.a.type: 'daemon' is not one of web, worker, oneshot, portal (line 4)");
	ASSERT_FAILS_WITH(HEAD "proc: {}\n", "proc: a proc section must be proc.<name>");
}

static void test_section_portal(void)
{
	lain_conf_t *c = parse(HEAD "portal.p:\n  service_name: echo\n  cmd: ./proxy\n");
	CU_ASSERT_EQUAL_FATAL(c->n_procs, 1);
	CU_ASSERT_EQUAL(c->procs[0].type, LAIN_PORTAL);
	CU_ASSERT_STRING_EQUAL(c->procs[0].podname, "hello.portal.p");
	CU_ASSERT_STRING_EQUAL(c->procs[0].service_name, "echo");
	CU_ASSERT_STRING_EQUAL(c->procs[0].allow_clients, "**");
	CU_ASSERT(lain_conf_has_portal(c));
	lain_conf_free(c);
	ASSERT_FAILS_WITH(HEAD "portal.p:\n  cmd: x\n", "portal.p: service_name is required for a portal (line 3)");
}

static void test_section_service_expands(void)
{
	lain_conf_t *c = parse(HEAD "service.echo:\n  cmd: ./echo\n  port: 9000\n  memory: 64m\n"
			       "  portal:\n    allow_clients: 'hello'\n    cmd: ./proxy\n    port: 4321\n");
	CU_ASSERT_EQUAL_FATAL(c->n_procs, 2);
	const lain_proc_t *w = lain_conf_proc(c, "echo"), *p = lain_conf_proc(c, "portal-echo");
	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL(w->type, LAIN_WORKER);
	CU_ASSERT_STRING_EQUAL(w->podname, "hello.worker.echo");
	CU_ASSERT_PTR_NULL(w->service_name);
	CU_ASSERT_EQUAL(w->ports[0].number, 9000);
	CU_ASSERT_EQUAL(p->type, LAIN_PORTAL);
	CU_ASSERT_STRING_EQUAL(p->podname, "hello.portal.portal-echo");
	CU_ASSERT_STRING_EQUAL(p->service_name, "echo");
	CU_ASSERT_STRING_EQUAL(p->allow_clients, "hello");
	CU_ASSERT_EQUAL(p->ports[0].number, 4321);
	CU_ASSERT_EQUAL(p->memory_bytes, 32 << 20);   /* the portal gets only its own map */
	STRS_EQ(p->cmd, "./proxy");
	lain_conf_free(c);
	c = parse(HEAD "service.s:\n  type: oneshot\n  portal: {}\n");
	CU_ASSERT_STRING_EQUAL(c->procs[0].podname, "hello.oneshot.s");
	lain_conf_free(c);
}

static void test_section_service_errors(void)
{
	ASSERT_FAILS_WITH(HEAD "service.echo:\n  cmd: x\n", "service.echo: portal is required in a service section (line 3)");
	ASSERT_FAILS_WITH(HEAD "service.a.b:\n  portal: {}\n", "service.a.b: a proc section must be <type>.<name>");
	ASSERT_FAILS_WITH(HEAD "service.:\n  portal: {}\n", "non-empty name");
	ASSERT_FAILS_WITH(HEAD "service:\n  portal: {}\n", "service: a service section must be service.<name>");
	ASSERT_FAILS_WITH(HEAD "service.a:\n  portal: x\n", "service.a.portal: must be a mapping (line 4)");
	ASSERT_FAILS_WITH(HEAD "web: [1]\n", "web: a proc section must be a mapping, not a list (line 3)");
}

static void test_duplicate_proc(void)
{
	ASSERT_FAILS_WITH(HEAD "web: {}\nproc.web:\n  type: web\n", "proc.web: duplicate proc name 'web' (line 4)");
	ASSERT_FAILS_WITH(HEAD "worker.echo: {}\nservice.echo:\n  portal: {}\n", "duplicate proc name 'echo'");
}

static void test_empty_section_and_nulls(void)
{
	/* a null section is an empty proc; null values count as absent */
	lain_conf_t *c = parse(HEAD "worker:\nweb:\n  cmd: ~\n  memory: null\n  env: !!null 'null'\n");
	CU_ASSERT_EQUAL_FATAL(c->n_procs, 2);
	CU_ASSERT_FALSE(c->procs[1].has_cmd);
	CU_ASSERT_STRING_EQUAL(c->procs[1].memory, "32m");
	STRS_EMPTY(c->procs[1].env);
	lain_conf_free(c);
}

/* ---- per-proc keys ---- */

static void test_image(void)
{
	lain_conf_t *c = parse(HEAD "web: {}\nworker: {image: 'busybox:1'}\n");
	CU_ASSERT_STRING_EQUAL(c->procs[0].image,
			       "registry.lain.local/hello:release-1439365340-06e92b4456116ad5e6875c8c34797d22156d44a5");
	CU_ASSERT_STRING_EQUAL(c->procs[1].image, "busybox:1");
	lain_conf_free(c);
	lain_parse_opts_t o = opts;
	o.default_image = "registry.lain.local/redis:release-1-a";
	c = parse_with(HEAD "web: {}\n", &o);
	CU_ASSERT_STRING_EQUAL(c->procs[0].image, "registry.lain.local/redis:release-1-a");
	lain_conf_free(c);
}

static void test_cmd_entrypoint(void)
{
	lain_conf_t *c = parse(HEAD "web:\n  cmd: '  ./run  -p 80 '\n  entrypoint: [/bin/sh, -c]\n"
			       "worker:\n  cmd: 42\n  entrypoint: ''\noneshot: {}\n");
	STRS_EQ(c->procs[0].cmd, "./run", "-p", "80");
	CU_ASSERT(c->procs[0].has_cmd);
	STRS_EQ(c->procs[0].entrypoint, "/bin/sh", "-c");
	CU_ASSERT(c->procs[1].has_cmd);   /* other types become [] */
	STRS_EMPTY(c->procs[1].cmd);
	CU_ASSERT(c->procs[1].has_entrypoint);
	STRS_EMPTY(c->procs[1].entrypoint);
	CU_ASSERT_FALSE(c->procs[2].has_cmd);   /* absent: null */
	CU_ASSERT_FALSE(c->procs[2].has_entrypoint);
	lain_conf_free(c);
}

static void test_user_workdir(void)
{
	lain_conf_t *c = parse(HEAD "web: {user: nobody, workdir: /lain/app}\nworker: {working_dir: /srv}\noneshot: {user: 1000}\n");
	CU_ASSERT_STRING_EQUAL(c->procs[0].user, "nobody");
	CU_ASSERT_STRING_EQUAL(c->procs[0].working_dir, "/lain/app");
	CU_ASSERT_STRING_EQUAL(c->procs[1].user, "");
	CU_ASSERT_STRING_EQUAL(c->procs[1].working_dir, "/srv");
	CU_ASSERT_STRING_EQUAL(c->procs[2].user, "1000");
	lain_conf_free(c);
}

static void test_dns_search(void)
{
	lain_conf_t *c = parse("appname: a.b.c\nbuild: {base: x}\nweb: {dns_search: [x.lain]}\nworker: {dns_search: [c.b.a.lain]}\n");
	STRS_EQ(c->procs[0].dns_search, "x.lain", "c.b.a.lain");
	STRS_EQ(c->procs[1].dns_search, "c.b.a.lain");
	lain_conf_free(c);
}

static void test_cpu_memory_instances(void)
{
	lain_conf_t *c = parse(HEAD "web: {}\nworker: {cpu: 2, memory: 1.5g, num_instances: '3'}\n");
	CU_ASSERT_EQUAL(c->procs[0].cpu, 0);
	CU_ASSERT_STRING_EQUAL(c->procs[0].memory, "32m");
	CU_ASSERT_EQUAL(c->procs[0].memory_bytes, 33554432);
	CU_ASSERT_EQUAL(c->procs[0].num_instances, 1);
	CU_ASSERT_EQUAL(c->procs[1].cpu, 2);
	CU_ASSERT_EQUAL(c->procs[1].memory_bytes, 1610612736);
	CU_ASSERT_EQUAL(c->procs[1].num_instances, 3);
	lain_conf_free(c);
}

static void test_int_errors(void)
{
	ASSERT_FAILS_WITH(HEAD "web:\n  memory: lots\n", "web.memory: memory size 'lots' is invalid");
	ASSERT_FAILS_WITH(HEAD "web:\n  memory: lots\n", "(line 4)");
	ASSERT_FAILS_WITH(HEAD "web:\n  num_instances: -1\n", "web.num_instances: must not be negative (line 4)");
	/* the original took true as 1 (§9.3 #29) */
	ASSERT_FAILS_WITH(HEAD "web:\n  num_instances: true\n", "web.num_instances: must be an integer, not a boolean (line 4)");
	ASSERT_FAILS_WITH(HEAD "web:\n  cpu: two\n", "web.cpu: must be an integer, not 'two' (line 4)");
	ASSERT_FAILS_WITH(HEAD "web:\n  cpu: [1]\n", "web.cpu: must be an integer, not a list");
	ASSERT_FAILS_WITH(HEAD "web:\n  cpu: -1\n", "web.cpu: must not be negative");
}

static void test_port_forms(void)
{
	lain_conf_t *c = parse(HEAD "web: {}\nworker: {}\nproc.a: {port: 8080}\nproc.b: {port: '53:udp'}\n"
			       "proc.c:\n  port: {81: ['type:tcp']}\nproc.d:\n  port: [1000, '2000:udp', {3000: [type:udp]}]\n"
			       "proc.e: {port: '9000'}\n");
	CU_ASSERT_EQUAL_FATAL(c->procs[0].n_ports, 1);
	CU_ASSERT_EQUAL(c->procs[0].ports[0].number, 80);   /* web default */
	CU_ASSERT_STRING_EQUAL(c->procs[0].ports[0].proto, "tcp");
	CU_ASSERT_EQUAL(c->procs[1].n_ports, 0);   /* others: none */
	CU_ASSERT_EQUAL(c->procs[2].ports[0].number, 8080);
	CU_ASSERT_EQUAL(c->procs[3].ports[0].number, 53);
	CU_ASSERT_STRING_EQUAL(c->procs[3].ports[0].proto, "udp");
	CU_ASSERT_EQUAL(c->procs[4].ports[0].number, 81);
	CU_ASSERT_EQUAL_FATAL(c->procs[5].n_ports, 3);
	CU_ASSERT_EQUAL(c->procs[5].ports[0].number, 1000);
	CU_ASSERT_STRING_EQUAL(c->procs[5].ports[1].proto, "udp");
	CU_ASSERT_EQUAL(c->procs[5].ports[2].number, 3000);
	CU_ASSERT_STRING_EQUAL(c->procs[5].ports[2].proto, "udp");
	CU_ASSERT_EQUAL(c->procs[6].ports[0].number, 9000);
	lain_conf_free(c);
}

static void test_port_errors(void)
{
	ASSERT_FAILS_WITH(HEAD "web:\n  port: 70000\n", "web.port: port '70000' must be a number in 1..65535 (line 4)");
	ASSERT_FAILS_WITH(HEAD "web:\n  port: '80:sctp'\n", "web.port: protocol 'sctp' is not tcp or udp");
	ASSERT_FAILS_WITH(HEAD "web:\n  port: http\n", "web.port: port 'http' must be a number");
	ASSERT_FAILS_WITH(HEAD "web:\n  port: true\n", "web.port: a port must be a number");
}

static void test_stream_ports(void)
{
	lain_conf_t *c = parse(HEAD "worker:\n  ports: '9501:8000/udp'\nproc.a:\n  ports:\n    - 9502:8001\n"
			       "    - 9503:8002/tcp\nproc.b:\n  ports:\n    '9504:53/udp': {}\n    '9505:54': {proto: udp}\n");
	CU_ASSERT_EQUAL_FATAL(c->procs[0].n_stream_ports, 1);
	CU_ASSERT_EQUAL(c->procs[0].stream_ports[0].srcport, 9501);
	CU_ASSERT_EQUAL(c->procs[0].stream_ports[0].dstport, 8000);
	CU_ASSERT_STRING_EQUAL(c->procs[0].stream_ports[0].proto, "udp");
	CU_ASSERT_EQUAL_FATAL(c->procs[1].n_stream_ports, 2);
	CU_ASSERT_STRING_EQUAL(c->procs[1].stream_ports[0].proto, "tcp");   /* default */
	CU_ASSERT_EQUAL(c->procs[1].stream_ports[1].srcport, 9503);
	CU_ASSERT_EQUAL_FATAL(c->procs[2].n_stream_ports, 2);
	CU_ASSERT_STRING_EQUAL(c->procs[2].stream_ports[1].proto, "udp");   /* merged */
	lain_conf_free(c);
}

static void test_stream_port_errors(void)
{
	ASSERT_FAILS_WITH(HEAD "worker:\n  ports: '9499:80'\n", "worker.ports: stream source port '9499' must be a number in 9500..10000 (line 4)");
	ASSERT_FAILS_WITH(HEAD "worker:\n  ports: '10001:80'\n", "9500..10000");
	ASSERT_FAILS_WITH(HEAD "worker:\n  ports: '9501:0'\n", "stream destination port '0' must be a number in 1..65535");
	ASSERT_FAILS_WITH(HEAD "worker:\n  ports: '9501:80/icmp'\n", "protocol 'icmp' is not tcp or udp");
	ASSERT_FAILS_WITH(HEAD "worker:\n  ports: [9501:80, 9501:81]\n", "stream source port 9501 is used twice");
	ASSERT_FAILS_WITH(HEAD "worker:\n  ports: '9501'\n", "must look like 9501:8000/tcp");
}

static void test_labels(void)
{
	lain_conf_t *c = parse(HEAD "web: {labels: ['team:infra', 'tier: front']}\nworker: {labels: 'a:b:c'}\n"
			       "oneshot: {labels: {x: y}}\nproc.n: {}\n");
	CU_ASSERT_EQUAL_FATAL(c->procs[0].n_labels, 2);
	CU_ASSERT_STRING_EQUAL(c->procs[0].labels[0].key, "team");
	CU_ASSERT_STRING_EQUAL(c->procs[0].labels[0].value, "infra");
	CU_ASSERT_STRING_EQUAL(c->procs[0].labels[1].value, "front");
	CU_ASSERT_STRING_EQUAL(c->procs[1].labels[0].key, "a");
	CU_ASSERT_STRING_EQUAL(c->procs[1].labels[0].value, "b:c");
	CU_ASSERT_STRING_EQUAL(c->procs[2].labels[0].value, "y");
	CU_ASSERT_EQUAL(c->procs[3].n_labels, 0);
	lain_conf_free(c);
	ASSERT_FAILS_WITH(HEAD "web:\n  labels: [nolabel]\n", "web.labels: label 'nolabel' must look like \"key:value\" (line 4)");
}

static void test_filters(void)
{
	lain_conf_t *c = parse(HEAD "web: {}\nworker: {filters: ['affinity:container!=db']}\n"
			       "oneshot: {filters: ['constraint:group!=ssd', 'constraint:node==n1']}\n");
	STRS_EQ(c->procs[0].filters, "constraint:group==default");
	STRS_EQ(c->procs[1].filters, "affinity:container!=db", "constraint:group==default");
	STRS_EQ(c->procs[2].filters, "constraint:group!=ssd", "constraint:node==n1");
	lain_conf_free(c);
	ASSERT_FAILS_WITH(HEAD "web:\n  filters: ['group==x']\n", "web.filters: filter 'group==x' must look like");
	ASSERT_FAILS_WITH(HEAD "web:\n  filters: ['constraint:group=x']\n", "(line 4)");
	ASSERT_FAILS_WITH(HEAD "web:\n  filters: ['constraint:==x']\n", "must look like");
}

static void test_stateful_clamps(void)
{
	lain_conf_t *c = parse(HEAD "web: {stateful: yes, setup_time: 500, kill_timeout: 1}\n"
			       "worker: {stateful: 0, setup_time: -5, kill_timeout: 100}\noneshot: {setup_time: 30, kill_timeout: 30}\n"
			       "proc.x: {stateful: 'false'}\n");
	CU_ASSERT(c->procs[0].stateful);
	CU_ASSERT_EQUAL(c->procs[0].setup_time, 120);
	CU_ASSERT_EQUAL(c->procs[0].kill_timeout, 10);
	CU_ASSERT_FALSE(c->procs[1].stateful);
	CU_ASSERT_EQUAL(c->procs[1].setup_time, 0);
	CU_ASSERT_EQUAL(c->procs[1].kill_timeout, 60);
	CU_ASSERT_EQUAL(c->procs[2].setup_time, 30);
	CU_ASSERT_EQUAL(c->procs[2].kill_timeout, 30);
	CU_ASSERT(c->procs[3].stateful);   /* Python truthiness of a string */
	lain_conf_free(c);
}

static void test_mountpoint_defaults(void)
{
	lain_conf_t *c = parse(HEAD "web: {}\n");
	STRS_EQ(c->procs[0].mountpoints, "hello.lain.local", "hello.lain");
	lain_conf_free(c);
	lain_parse_opts_t o = opts;
	o.extra_domains = extra2;
	o.n_extra_domains = 2;
	c = parse_with("appname: a.b\nbuild: {base: x}\nweb: {mountpoint: [www.a.com]}\n", &o);
	STRS_EQ(c->procs[0].mountpoints, "www.a.com", "b.a.lain.local", "b.a.example.com", "b.a.lain.cloud", "b.a.lain");
	lain_conf_free(c);
}

static void test_mountpoint_named_web(void)
{
	ASSERT_FAILS_WITH(HEAD "web: {}\nweb.foo:\n  cmd: x\n",
			  "web.foo: mountpoint is required for a web proc not named web (line 4)");
	ASSERT_FAILS_WITH(HEAD "web.foo:\n  mountpoint: []\n", "mountpoint is required");
	lain_conf_t *c = parse(HEAD "web.foo:\n  mountpoint: [foo.example.com, /foo]\n");
	STRS_EQ(c->procs[0].mountpoints, "foo.example.com", "hello.lain.local/foo", "hello.lain/foo");
	lain_conf_free(c);
}

static void test_mountpoint_paths(void)
{
	lain_conf_t *c = parse(HEAD "web: {mountpoint: [/api, /]}\nworker: {mountpoint: [x.com]}\n");
	/* paths expand on every default; "/" is dropped; defaults are added for "web" */
	STRS_EQ(c->procs[0].mountpoints, "hello.lain.local/api", "hello.lain/api", "hello.lain.local", "hello.lain");
	STRS_EMPTY(c->procs[1].mountpoints);   /* web procs only */
	lain_conf_free(c);
}

static void test_https_only_healthcheck(void)
{
	lain_conf_t *c = parse(HEAD "web: {https_only: true, healthcheck: /health}\nweb.b: {mountpoint: [b.com]}\n"
			       "worker: {https_only: false, healthcheck: /x}\n");
	CU_ASSERT(c->procs[0].https_only);
	CU_ASSERT_STRING_EQUAL(c->procs[0].healthcheck, "/health");
	CU_ASSERT_FALSE(c->procs[1].https_only);
	CU_ASSERT_STRING_EQUAL(c->procs[1].healthcheck, "");
	CU_ASSERT(c->procs[2].https_only);   /* non-web: the class default true */
	CU_ASSERT_STRING_EQUAL(c->procs[2].healthcheck, "");
	lain_conf_free(c);
}

static void test_container_healthcheck(void)
{
	lain_conf_t *c = parse(HEAD "web:\n  container_healthcheck:\n    cmd: curl -f localhost\n"
			       "    options: {interval: 10, timeout: 3, retries: 3}\nworker: {}\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(c->procs[0].health_config);
	json_object *want = json_tokener_parse(
		"{\"cmd\": \"curl -f localhost\", \"options\": {\"interval\": 10, \"timeout\": 3, \"retries\": 3}}");
	CU_ASSERT(json_object_equal(want, c->procs[0].health_config));
	json_object_put(want);
	CU_ASSERT_PTR_NULL(c->procs[1].health_config);
	lain_conf_free(c);
	ASSERT_FAILS_WITH(HEAD "web:\n  container_healthcheck: curl\n", "web.container_healthcheck: must be a mapping");
	ASSERT_FAILS_WITH(HEAD "web:\n  container_healthcheck: {options: {}}\n", "cmd is required");
}

static void test_env(void)
{
	lain_conf_t *c = parse(HEAD "web:\n  env:\n    - A=1\n    - 'B=two words'\nworker: {}\n");
	STRS_EQ(c->procs[0].env, "A=1", "B=two words");
	STRS_EMPTY(c->procs[1].env);
	lain_conf_free(c);
	ASSERT_FAILS_WITH(HEAD "web:\n  env: {A: 1}\n", "web.env: must be a list of \"KEY=value\" strings, not a mapping (line 4)");
	ASSERT_FAILS_WITH(HEAD "web:\n  env: [1]\n", "web.env: entries must be");
}

static void test_volumes(void)
{
	lain_conf_t *c = parse(HEAD "web:\n  volumes: [data, /var/lib/x/, ./a/../b, /lain/logs]\n"
			       "worker:\n  persistent_dirs: [/srv//cache]\noneshot: {}\n");
	STRS_EQ(c->procs[0].volumes, "/lain/app/data", "/var/lib/x", "/lain/app/b", "/lain/logs");
	STRS_EQ(c->procs[1].volumes, "/srv/cache", "/lain/logs");
	STRS_EQ(c->procs[2].volumes, "/lain/logs");
	lain_conf_free(c);
}

static void test_volume_blacklist(void)
{
	ASSERT_FAILS_WITH(HEAD "web:\n  volumes: [/]\n", "web.volumes: volume '/' is not allowed (it would be /) (line 4)");
	ASSERT_FAILS_WITH(HEAD "web:\n  volumes: [/lain]\n", "volume '/lain' is not allowed");
	ASSERT_FAILS_WITH(HEAD "web:\n  volumes: [.]\n", "volume '.' is not allowed (it would be /lain/app)");
	ASSERT_FAILS_WITH(HEAD "web:\n  volumes: ['..']\n", "(it would be /lain)");
	ASSERT_FAILS_WITH(HEAD "web:\n  volumes: [[a]]\n", "a volume must be a path or a mapping");
}

static void test_backups(void)
{
	lain_conf_t *c = parse(HEAD "worker:\n  volumes:\n    - data:\n        backup_full:\n          schedule: '0 0 * * *'\n"
			       "          expire: 30d\n          pre_run: pre.sh\n          post_run: post.sh\n"
			       "        backup_increment:\n          schedule: '0 * * * *'\n    - /plain\n");
	const lain_proc_t *p = &c->procs[0];
	STRS_EQ(p->volumes, "/lain/app/data", "/plain", "/lain/logs");
	CU_ASSERT_EQUAL_FATAL(p->n_backups, 2);
	CU_ASSERT_STRING_EQUAL(p->backups[0].procname, "hello.worker.worker");
	CU_ASSERT_STRING_EQUAL(p->backups[0].volume, "data");
	CU_ASSERT_STRING_EQUAL(p->backups[0].mode, "full");
	CU_ASSERT_STRING_EQUAL(p->backups[0].schedule, "0 0 * * *");
	CU_ASSERT_STRING_EQUAL(p->backups[0].expire, "30d");
	CU_ASSERT_STRING_EQUAL(p->backups[0].pre_run, "pre.sh");
	CU_ASSERT_STRING_EQUAL(p->backups[0].post_run, "post.sh");
	CU_ASSERT_STRING_EQUAL(p->backups[1].mode, "increment");
	CU_ASSERT_STRING_EQUAL(p->backups[1].expire, "");
	lain_conf_free(c);
	ASSERT_FAILS_WITH(HEAD "worker:\n  volumes:\n    - data:\n        backup_full: daily\n", "worker.volumes.backup_full: must be a mapping");
	ASSERT_FAILS_WITH(HEAD "worker:\n  volumes:\n    - {a: {}, b: {}}\n", "a volume with options must be a mapping with one path");
}

static void test_system_volumes(void)
{
	lain_conf_t *c = parse(HEAD "web: {}\n");
	STRS_EQ(c->procs[0].system_volumes, "/data/lain/entrypoint:/lain/entrypoint:ro", "/etc/localtime:/etc/localtime:ro");
	lain_conf_free(c);
}

static void test_cloud_volumes(void)
{
	lain_conf_t *c = parse(HEAD "web:\n  cloud_volumes:\n    dirs: [share, /mnt/x]\nworker:\n  cloud_volumes: {type: single, dirs: [d]}\noneshot: {}\n");
	CU_ASSERT_STRING_EQUAL(c->procs[0].cloud_type, "multi");
	STRS_EQ(c->procs[0].cloud_dirs, "/lain/app/share", "/mnt/x");
	CU_ASSERT_STRING_EQUAL(c->procs[1].cloud_type, "single");
	CU_ASSERT_PTR_NULL(c->procs[2].cloud_type);
	lain_conf_free(c);
	ASSERT_FAILS_WITH(HEAD "web:\n  cloud_volumes: {type: double, dirs: [d]}\n", "web.cloud_volumes.type: 'double' is not multi or single (line 4)");
	ASSERT_FAILS_WITH(HEAD "web:\n  cloud_volumes: [d]\n", "web.cloud_volumes: must be a mapping");
}

static void test_secret_files(void)
{
	lain_conf_t *c = parse(HEAD "web:\n  secret_files: [config, 'conf/../secret.json', /etc/app/key, config]\n"
			       "  secret_files_bypass: True\nworker: {}\n");
	STRS_EQ(c->procs[0].secret_files, "/lain/app/config", "/lain/app/secret.json", "/etc/app/key");
	CU_ASSERT(c->procs[0].secret_files_bypass);
	STRS_EMPTY(c->procs[1].secret_files);
	CU_ASSERT_FALSE(c->procs[1].secret_files_bypass);
	lain_conf_free(c);
}

static void test_logs(void)
{
	lain_conf_t *c = parse(HEAD "web:\n  logs: [a.log, b.log, a.log]\n");
	STRS_EQ(c->procs[0].logs, "a.log", "b.log");
	lain_conf_free(c);
	ASSERT_FAILS_WITH(HEAD "web:\n  logs: [/var/log/a.log]\n", "web.logs: log '/var/log/a.log' must be relative to /lain/logs (line 4)");
}

static void test_use_services(void)
{
	lain_conf_t *c = parse(HEAD "use_services:\n  redis: [redis, cache]\n  mq: queue\n  empty:\n");
	CU_ASSERT_EQUAL_FATAL(c->n_use_services, 3);
	CU_ASSERT_STRING_EQUAL(c->use_services[0].app, "redis");
	STRS_EQ(c->use_services[0].services, "redis", "cache");
	STRS_EQ(c->use_services[1].services, "queue");
	STRS_EMPTY(c->use_services[2].services);
	lain_conf_free(c);
	ASSERT_FAILS_WITH(HEAD "use_services: [redis]\n", "use_services: must be a mapping");
}

static void test_use_resources(void)
{
	lain_conf_t *c = parse(HEAD "use_resources:\n  mysql:\n    services: [mysql]\n    memory: 128M\n    num_instances: 1\n"
			       "    stateful: false\n");
	CU_ASSERT_EQUAL_FATAL(c->n_use_resources, 1);
	CU_ASSERT_STRING_EQUAL(c->use_resources[0].resource, "mysql");
	STRS_EQ(c->use_resources[0].services, "mysql");
	json_object *want = json_tokener_parse("{\"memory\": \"128M\", \"num_instances\": 1, \"stateful\": false}");
	CU_ASSERT(json_object_equal(want, c->use_resources[0].context));
	json_object_put(want);
	lain_conf_free(c);
	ASSERT_FAILS_WITH(HEAD "use_resources:\n  mysql: [x]\n", "use_resources.mysql: must be a mapping");
	ASSERT_FAILS_WITH(HEAD "use_resources:\n  a.b: {}\n", "a resource name must be a string without dots");
}

/* ---- the stored-meta styles (§2.3) ---- */

static void test_meta_tagged_quoted(void)
{
	const char *yaml =
		"\"appname\": \"hello\"\n"
		"\"build\":\n  \"base\": \"golang\"\n"
		"\"giturl\": \"http://gitlab.example.com/team/hello\"\n"
		"\"web\":\n"
		"  \"cmd\": \"/hello\"\n"
		"  \"port\": !!int \"8080\"\n"
		"  \"https_only\": !!bool \"true\"\n"
		"  \"stateful\": !!bool \"false\"\n"
		"  \"env\": !!null \"null\"\n"
		"  \"cpu\": !!float \"1.5\"\n"
		"  \"num_instances\": !!int \"2\"\n"
		"  \"user\": !!str \"1000\"\n"
		"  \"mountpoint\":\n  - \"/api\"\n"
		"\"worker\":\n  \"port\":\n    !!int \"53\":\n    - \"type:udp\"\n";
	lain_conf_t *c = parse(yaml);
	const lain_proc_t *p = &c->procs[0];
	CU_ASSERT_STRING_EQUAL(c->giturl, "http://gitlab.example.com/team/hello");
	CU_ASSERT_EQUAL(p->ports[0].number, 8080);
	CU_ASSERT(p->https_only);
	CU_ASSERT_FALSE(p->stateful);   /* a quoted "false" without the tag would be truthy */
	STRS_EMPTY(p->env);
	CU_ASSERT_EQUAL(p->cpu, 1);
	CU_ASSERT_EQUAL(p->num_instances, 2);
	CU_ASSERT_STRING_EQUAL(p->user, "1000");
	STRS_EQ(p->mountpoints, "hello.lain.local/api", "hello.lain/api", "hello.lain.local", "hello.lain");
	CU_ASSERT_EQUAL(c->procs[1].ports[0].number, 53);   /* a tagged int key */
	CU_ASSERT_STRING_EQUAL(c->procs[1].ports[0].proto, "udp");
	lain_conf_free(c);
}

static void test_meta_tag_errors(void)
{
	ASSERT_FAILS_WITH(HEAD "web:\n  port: !!int \"eighty\"\n", "'eighty' is not a valid !!int (line 4)");
	ASSERT_FAILS_WITH(HEAD "web:\n  https_only: !!bool \"maybe\"\n", "'maybe' is not a valid !!bool (line 4)");
	ASSERT_FAILS_WITH(HEAD "web:\n  cpu: !!float \"x\"\n", "is not a valid !!float");
	ASSERT_FAILS_WITH(HEAD "web:\n  cmd: !!python/object:os.system \"ls\"\n", "unsupported tag");
	ASSERT_FAILS_WITH(HEAD "web: !custom {}\n", "unsupported tag '!custom'");
	ASSERT_FAILS_WITH(HEAD "web:\n  num_instances: 99999999999999999999\n", "an integer out of range");
}

static void test_meta_block_instance_style(void)
{
	/* resource instances: block YAML, plain scalars, appname set, no apptype */
	lain_conf_t *c = parse("appname: resource.redis.hello\nbuild:\n  base: redis\n"
			       "worker.redis:\n  cmd: redis-server\n  memory: 128M\n  num_instances: 1\n"
			       "portal.portal-redis:\n  service_name: redis\n  cmd: ./proxy\n");
	CU_ASSERT_STRING_EQUAL(c->procs[0].podname, "resource.redis.hello.worker.redis");
	STRS_EQ(c->procs[0].dns_search, "hello.redis.resource.lain");
	CU_ASSERT_EQUAL(c->procs[0].memory_bytes, 128 << 20);
	CU_ASSERT_STRING_EQUAL(c->procs[1].podname, "resource.redis.hello.portal.portal-redis");
	lain_conf_free(c);
	/* JSON text is YAML too (what tmpl_render_instance produces) */
	c = parse("{\"appname\": \"j\", \"build\": {\"base\": \"x\"}, \"web\": {\"port\": {\"81\": [\"type:udp\"]}}}");
	CU_ASSERT_EQUAL(c->procs[0].ports[0].number, 81);
	CU_ASSERT_STRING_EQUAL(c->procs[0].ports[0].proto, "udp");
	lain_conf_free(c);
}

static void test_plain_scalar_resolution(void)
{
	/* YAML 1.1 as PyYAML: yes/on are booleans, 0x/0o forms are ints */
	lain_conf_t *c = parse(HEAD "web:\n  stateful: on\n  port: 0x50\n  cpu: 0_1\nworker:\n  stateful: off\n  setup_time: 010\n");
	CU_ASSERT(c->procs[0].stateful);
	CU_ASSERT_EQUAL(c->procs[0].ports[0].number, 80);
	CU_ASSERT_EQUAL(c->procs[0].cpu, 1);
	CU_ASSERT_FALSE(c->procs[1].stateful);
	CU_ASSERT_EQUAL(c->procs[1].setup_time, 8);
	lain_conf_free(c);
}

static void test_anchors_and_merge(void)
{
	lain_conf_t *c = parse(HEAD "base: &base\n  memory: 64m\n  env: [A=1]\n"
			       "web:\n  <<: *base\n  cmd: /web\nworker:\n  <<: *base\n  memory: 128m\n");
	CU_ASSERT_EQUAL(c->procs[0].memory_bytes, 64 << 20);
	STRS_EQ(c->procs[0].env, "A=1");
	CU_ASSERT_EQUAL(c->procs[1].memory_bytes, 128 << 20);   /* own keys win */
	lain_conf_free(c);
	ASSERT_FAILS_WITH(HEAD "web: *nothing\n", "unknown alias '*nothing'");
	ASSERT_FAILS_WITH(HEAD "web:\n  <<: 3\n", "'<<' merges mappings only");
}

static void test_duplicate_keys_last_wins(void)
{
	lain_conf_t *c = parse(HEAD "web:\n  memory: 64m\n  memory: 128m\n");
	CU_ASSERT_EQUAL(c->procs[0].memory_bytes, 128 << 20);
	lain_conf_free(c);
}

static void test_size_limit(void)
{
	buf_t b = BUF_INIT;
	buf_addstr(&b, HEAD "web:\n  env:\n");
	while (b.len <= 1024 * 1024)
		buf_addstr(&b, "    - A=0123456789012345678901234567890123456789\n");
	lain_conf_t *c = NULL;
	err_t err = ERR_INIT;
	CU_ASSERT_EQUAL(lain_conf_parse(b.data, b.len, &opts, &c, &err), -ERR_TOO_BIG);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "larger than the limit of 1 MiB"));
	buf_release(&b);
}

static void test_nesting_limit(void)
{
	buf_t b = BUF_INIT;
	buf_addstr(&b, HEAD "x: ");
	for (int i = 0; i < 64; i++)
		buf_addch(&b, '[');
	for (int i = 0; i < 64; i++)
		buf_addch(&b, ']');
	buf_addch(&b, '\n');
	lain_conf_t *c = NULL;
	err_t err = ERR_INIT;
	/* the top-level map is level 1: 63 more fit, the 64th bracket does not */
	CU_ASSERT_EQUAL(lain_conf_parse(b.data, b.len, &opts, &c, &err), -ERR_TOO_BIG);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "nested deeper than 64 levels (line 3)"));
	buf_reset(&b);
	buf_addstr(&b, HEAD "x: ");
	for (int i = 0; i < 63; i++)
		buf_addch(&b, '[');
	for (int i = 0; i < 63; i++)
		buf_addch(&b, ']');
	buf_addch(&b, '\n');
	CU_ASSERT_EQUAL(lain_conf_parse(b.data, b.len, &opts, &c, &err), 0);
	lain_conf_free(c);
	buf_reset(&b);
	for (int i = 0; i < 100000; i++)
		buf_addch(&b, '[');
	CU_ASSERT_EQUAL(lain_conf_parse(b.data, b.len, &opts, &c, &err), -ERR_TOO_BIG);
	buf_release(&b);
}

static void test_alias_bomb(void)
{
	/* a billion laughs must not expand: lookups walk shared nodes, and
	 * conversions to JSON stop at a budget */
	const char *bomb = HEAD
		"a: &a [x, x, x, x, x, x, x, x, x, x]\n"
		"b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
		"c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
		"d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
		"e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
		"f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
		"use_resources:\n  r:\n    ctx: *f\n";
	ASSERT_FAILS_WITH(bomb, "expands to more than");
}

static void test_entry_caps(void)
{
	/* normalisations deduplicate in O(n^2): lists and procs are capped */
	buf_t b = BUF_INIT;
	buf_addstr(&b, HEAD "web:\n  dns_search:\n");
	for (int i = 0; i < 4097; i++)
		buf_addf(&b, "    - d%d.lain\n", i);
	ASSERT_FAILS_WITH(b.data, "web.dns_search: more than 4096 entries (line 5)");
	buf_reset(&b);
	buf_addstr(&b, HEAD);
	for (int i = 0; i < 1025; i++)
		buf_addf(&b, "worker.w%d: {}\n", i);
	ASSERT_FAILS_WITH(b.data, "worker.w1024: more than 1024 procs");
	buf_reset(&b);
	buf_addstr(&b, HEAD "big: &big {");
	for (int i = 0; i < 4000; i++)
		buf_addf(&b, "k%d: %d, ", i, i);
	buf_addstr(&b, "z: 0}\n");
	for (int i = 0; i < 2000; i++)
		buf_addf(&b, "m%d: {<<: *big, own: 1}\n", i);
	ASSERT_FAILS_WITH(b.data, "'<<' merges too much");
	buf_release(&b);
}

static void test_model_owns_its_strings(void)
{
	/* used to keep env entries pointing into the freed YAML tree (found by
	 * the fuzzer): run under ASan/valgrind, this reads every string after
	 * the input and the options are gone */
	char *text = strdup(HEAD "web:\n  env: [A=1]\n  cmd: x y\n  labels: [k:v]\n  volumes: [d]\n"
			    "  mountpoint: [/p]\n  logs: [l]\n  secret_files: [s]\n  dns_search: [q]\n"
			    "  filters: ['constraint:a==b']\n  user: u\nuse_services: {s: [a]}\n");
	char *image = strdup("reg/x:release-1");
	lain_parse_opts_t o = opts;
	o.default_image = image;
	lain_conf_t *c = NULL;
	err_t err = ERR_INIT;
	CU_ASSERT_EQUAL_FATAL(lain_conf_parse(text, strlen(text), &o, &c, &err), 0);
	memset(text, 'X', strlen(text));
	free(text);
	memset(image, 'X', strlen(image));
	free(image);
	const lain_proc_t *p = &c->procs[0];
	STRS_EQ(p->env, "A=1");
	STRS_EQ(p->cmd, "x", "y");
	CU_ASSERT_STRING_EQUAL(p->labels[0].key, "k");
	CU_ASSERT_STRING_EQUAL(p->labels[0].value, "v");
	STRS_EQ(p->volumes, "/lain/app/d", "/lain/logs");
	STRS_EQ(p->mountpoints, "hello.lain.local/p", "hello.lain/p", "hello.lain.local", "hello.lain");
	STRS_EQ(p->logs, "l");
	STRS_EQ(p->secret_files, "/lain/app/s");
	STRS_EQ(p->dns_search, "q", "hello.lain");
	STRS_EQ(p->filters, "constraint:a==b", "constraint:group==default");
	CU_ASSERT_STRING_EQUAL(p->user, "u");
	CU_ASSERT_STRING_EQUAL(p->image, "reg/x:release-1");
	CU_ASSERT_STRING_EQUAL(c->use_services[0].app, "s");
	STRS_EQ(c->use_services[0].services, "a");
	CU_ASSERT_STRING_EQUAL(c->appname, "hello");
	lain_conf_free(c);
}

static void test_error_names_path_and_line(void)
{
	const char *m = fails(HEAD "web: {}\n\n\nweb.foo:\n  cmd: x\n");
	CU_ASSERT_STRING_EQUAL(m, "web.foo: mountpoint is required for a web proc not named web (line 6)");
}

static CU_TestInfo tests[] = {
	{ "appname is required", test_appname_required },
	{ "appname service/resource/portal reserved", test_appname_reserved },
	{ "build with base is required", test_build_required },
	{ "build.volumes, release.script, prepare.version", test_build_rules },
	{ "lain.yaml must be a mapping", test_not_a_mapping },
	{ "yaml syntax errors name the line", test_yaml_syntax_error_line },
	{ "apptype app/resource", test_apptype },
	{ "giturl and its normalisation", test_giturl },
	{ "web section alone", test_section_web_alone },
	{ "<type>.<name> sections", test_section_typed_names },
	{ "proc.<name> with type:", test_section_proc_type },
	{ "portal.<name> needs service_name", test_section_portal },
	{ "service.<name> expands to proc + portal", test_section_service_expands },
	{ "service section errors", test_section_service_errors },
	{ "duplicate proc names", test_duplicate_proc },
	{ "null sections and values are absent", test_empty_section_and_nulls },
	{ "image default and override", test_image },
	{ "cmd/entrypoint string, list, other, absent", test_cmd_entrypoint },
	{ "user, workdir, working_dir", test_user_workdir },
	{ "dns_search gets <reversed app>.lain", test_dns_search },
	{ "cpu, memory, num_instances defaults", test_cpu_memory_instances },
	{ "integer and memory errors", test_int_errors },
	{ "port forms", test_port_forms },
	{ "port errors", test_port_errors },
	{ "stream ports", test_stream_ports },
	{ "stream port errors", test_stream_port_errors },
	{ "labels", test_labels },
	{ "filters and the group constraint", test_filters },
	{ "stateful, setup_time and kill_timeout clamps", test_stateful_clamps },
	{ "default mountpoints and extra domains", test_mountpoint_defaults },
	{ "web procs not named web need a mountpoint", test_mountpoint_named_web },
	{ "path mountpoints expand", test_mountpoint_paths },
	{ "https_only and healthcheck", test_https_only_healthcheck },
	{ "container_healthcheck", test_container_healthcheck },
	{ "env", test_env },
	{ "volumes normalised under /lain/app", test_volumes },
	{ "volume blacklist", test_volume_blacklist },
	{ "backups", test_backups },
	{ "system volumes", test_system_volumes },
	{ "cloud volumes", test_cloud_volumes },
	{ "secret files", test_secret_files },
	{ "logs", test_logs },
	{ "use_services", test_use_services },
	{ "use_resources", test_use_resources },
	{ "stored meta: quoted with !! tags", test_meta_tagged_quoted },
	{ "stored meta: bad tags", test_meta_tag_errors },
	{ "stored meta: instance block style and JSON", test_meta_block_instance_style },
	{ "plain scalars resolve as YAML 1.1", test_plain_scalar_resolution },
	{ "anchors, aliases and merge keys", test_anchors_and_merge },
	{ "duplicate keys: last wins", test_duplicate_keys_last_wins },
	{ "input over 1 MiB is rejected", test_size_limit },
	{ "nesting over 64 levels is rejected", test_nesting_limit },
	{ "alias bombs are bounded", test_alias_bomb },
	{ "lists, procs and merges are capped", test_entry_caps },
	{ "the model owns its strings", test_model_owns_its_strings },
	{ "errors name key path and line", test_error_names_path_and_line },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "lainyaml", NULL, NULL, NULL, NULL, tests },
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return test_main(suites);
}
