/* app/core: sizes (§3.7, §1.4), versions (§3.3, §8 1/6/7), templates (§3.6, §8 8). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>
#include <json-c/json.h>

#include "console/lainyaml.h"
#include "console/size.h"
#include "console/tmpl.h"
#include "console/urlpolicy.h"
#include "console/version.h"
#include "testlib.h"

/* ---- sizes ---- */

static void test_size_parse_table(void)
{
	static const struct {
		const char *in;
		int64_t want;
	} t[] = {
		{ "32m", 33554432 }, { "32M", 33554432 }, { "256m", 268435456 },
		{ "1.5g", 1610612736 }, { "1g", 1073741824 }, { "1G", 1073741824 },
		{ "64M", 67108864 }, { "128M", 134217728 }, { "0.5k", 512 },
		{ "1k", 1024 }, { "1K", 1024 }, { "1kb", 1024 }, { "1KiB", 1024 },
		{ "2 MB", 2097152 }, { "1t", 1099511627776LL }, { "1p", 1125899906842624LL },
		{ "100", 100 }, { "0", 0 }, { "100b", 100 }, { "100 bytes", 100 },
		{ "1.9", 1 }, { "1.0005k", 1024 }, { " 16G ", 17179869184LL }, { ".5m", 524288 },
		{ "1e", 1152921504606846976LL },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int64_t v = -1;
		err_t err = ERR_INIT;
		int rc = size_parse(t[i].in, &v, &err);
		if (rc || v != t[i].want)
			fprintf(stderr, "size_parse('%s') = %d, %lld\n", t[i].in, rc, (long long)v);
		CU_ASSERT_EQUAL(rc, 0);
		CU_ASSERT_EQUAL(v, t[i].want);
	}
}

static void test_size_parse_invalid(void)
{
	static const char *const bad[] = { "", "m", "-1m", "32x", "1.2.3m", "12 m b", "abc",
		"99999999999999999999", "16e", "8192p", "1,5g", NULL };
	for (size_t i = 0; bad[i]; i++) {
		int64_t v;
		err_t err = ERR_INIT;
		CU_ASSERT_EQUAL(size_parse(bad[i], &v, &err), -ERR_INVALID);
		CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "is invalid"));
	}
	err_t err = ERR_INIT;
	int64_t v;
	CU_ASSERT_EQUAL(size_parse(NULL, &v, &err), -ERR_INVALID);
}

static void test_size_format_table(void)
{
	static const struct {
		int64_t in;
		const char *want;
	} t[] = {
		{ 268435456, "256 MB" }, { 1572864, "1.5 MB" }, { 33554432, "32 MB" },
		{ 0, "0 bytes" }, { 1, "1 byte" }, { 512, "512 bytes" }, { 1023, "1023 bytes" },
		{ 1024, "1 KB" }, { 1536, "1.5 KB" }, { 1610612736, "1.5 GB" },
		{ 1073741824, "1 GB" }, { 1099511627776LL, "1 TB" }, { 1125899906842624LL, "1 PB" },
		{ 1048575, "1024 KB" }, { 1258291, "1.2 MB" }, { 1363149, "1.3 MB" },
		{ 67108864, "64 MB" },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char out[SIZE_FORMAT_MAX];
		size_format(t[i].in, out, sizeof(out));
		if (strcmp(out, t[i].want))
			fprintf(stderr, "size_format(%lld) = '%s'\n", (long long)t[i].in, out);
		CU_ASSERT_STRING_EQUAL(out, t[i].want);
	}
}

static void test_size_roundtrip(void)
{
	static const char *const in[] = { "32m", "256m", "1g", "1.5g", "64m" };
	static const char *const out[] = { "32 MB", "256 MB", "1 GB", "1.5 GB", "64 MB" };
	for (size_t i = 0; i < 5; i++) {
		int64_t v;
		char s[SIZE_FORMAT_MAX];
		CU_ASSERT_EQUAL(size_parse(in[i], &v, NULL), 0);
		CU_ASSERT_STRING_EQUAL(size_format(v, s, sizeof(s)), out[i]);
	}
}

/* ---- versions ---- */

static void test_version_from_tag(void)   /* §8 case 1 */
{
	char *v = version_from_meta_tag("meta-123-abc");
	CU_ASSERT_STRING_EQUAL(v, "123-abc");
	free(v);
	static const char *const none[] = { "release-123-abc", "", "meta-", "123-abc", "fake-123-abc",
		"fake-123--abc", "meta-123", "meta-123-", "meta--abc", "meta-1 2-abc" };
	for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++) {
		v = version_from_meta_tag(none[i]);
		if (v)
			fprintf(stderr, "'%s' gave '%s'\n", none[i], v);
		CU_ASSERT_PTR_NULL(v);
		free(v);
	}
	CU_ASSERT_PTR_NULL(version_from_meta_tag(NULL));
	v = version_from_meta_tag("meta-1--abc");
	CU_ASSERT_STRING_EQUAL(v, "1--abc");
	free(v);
}

static const char *const tags6[] = {
	"meta-1439365340-06e92b4456116ad5e6875c8c34797d22156d44a5",
	"release-1439365340-06e92b4456116ad5e6875c8c34797d22156d44a5",
	"meta-1438850942-7d609bd0c5a8cae8e1f5c1dc3a1d30c4c14b0ef3",
	"release-1438850942-7d609bd0c5a8cae8e1f5c1dc3a1d30c4c14b0ef3",
	"meta-1439341249-fb30d3b2f62d2cbb7e3da5e89baac7e6e29c5f0d",
	"build-1439341249-fb30d3b2f62d2cbb7e3da5e89baac7e6e29c5f0d",
	"meta-1439338702-67ab2b0e58cf5c1ea5a0dcb0b3ddae1be3f44fd3",
	"release-1439338702-67ab2b0e58cf5c1ea5a0dcb0b3ddae1be3f44fd3",
	"prepare-0-1439338702-abc",
	"web-config-1522058193",
};

static void test_version_list_order(void)   /* §8 case 6 */
{
	char **l = version_list_meta(tags6, 10);
	CU_ASSERT_STRING_EQUAL(l[0], "1439365340-06e92b4456116ad5e6875c8c34797d22156d44a5");
	CU_ASSERT_STRING_EQUAL(l[1], "1439341249-fb30d3b2f62d2cbb7e3da5e89baac7e6e29c5f0d");
	CU_ASSERT_STRING_EQUAL(l[2], "1439338702-67ab2b0e58cf5c1ea5a0dcb0b3ddae1be3f44fd3");
	CU_ASSERT_STRING_EQUAL(l[3], "1438850942-7d609bd0c5a8cae8e1f5c1dc3a1d30c4c14b0ef3");
	CU_ASSERT_PTR_NULL(l[4]);
	version_list_free(l);
}

static void test_version_latest(void)   /* §8 case 7 */
{
	char *v = version_latest_usable(tags6, 10);
	CU_ASSERT_STRING_EQUAL(v, "1439365340-06e92b4456116ad5e6875c8c34797d22156d44a5");
	free(v);
	/* the newest meta has no release: fall back to the newest pair (§9.3 #27) */
	v = version_latest_usable(tags6 + 2, 8);
	CU_ASSERT_STRING_EQUAL(v, "1439338702-67ab2b0e58cf5c1ea5a0dcb0b3ddae1be3f44fd3");
	free(v);
	static const char *const only_meta[] = { "meta-1-a", "meta-2-b" };
	CU_ASSERT_PTR_NULL(version_latest_usable(only_meta, 2));
	CU_ASSERT_PTR_NULL(version_latest_usable(NULL, 0));
	CU_ASSERT(version_has_release(tags6, 10, "1438850942-7d609bd0c5a8cae8e1f5c1dc3a1d30c4c14b0ef3"));
	CU_ASSERT_FALSE(version_has_release(tags6, 10, "1439341249-fb30d3b2f62d2cbb7e3da5e89baac7e6e29c5f0d"));
}

static void test_version_non_numeric_skipped(void)   /* §9.3 #26 */
{
	static const char *const tags[] = { "meta-latest-x", "meta-2-b", "meta-v1-a", "meta-1-a",
		"meta-99999999999999999999999-a", "meta-1.5-c" };
	char **l = version_list_meta(tags, 6);
	CU_ASSERT_STRING_EQUAL(l[0], "2-b");
	CU_ASSERT_STRING_EQUAL(l[1], "1-a");
	CU_ASSERT_PTR_NULL(l[2]);
	version_list_free(l);
}

static void test_version_equal_timestamps(void)   /* §9.3 #26 */
{
	static const char *const tags[] = { "meta-5-aaa", "meta-5-ccc", "meta-7-x", "meta-5-bbb",
		"meta-5-ccc", "release-5-bbb" };
	char **l = version_list_meta(tags, 6);
	CU_ASSERT_STRING_EQUAL(l[0], "7-x");
	CU_ASSERT_STRING_EQUAL(l[1], "5-ccc");   /* all kept, one each, a stable order */
	CU_ASSERT_STRING_EQUAL(l[2], "5-bbb");
	CU_ASSERT_STRING_EQUAL(l[3], "5-aaa");
	CU_ASSERT_PTR_NULL(l[4]);
	version_list_free(l);
	char *v = version_latest_usable(tags, 6);
	CU_ASSERT_STRING_EQUAL(v, "5-bbb");
	free(v);
}

static void test_version_normalize_canonical(void)
{
	char *v = version_normalize("release-1439365340-06e9");
	CU_ASSERT_STRING_EQUAL(v, "1439365340-06e9");
	free(v);
	v = version_normalize("meta-build-1-a");
	CU_ASSERT_STRING_EQUAL(v, "1-a");
	free(v);
	v = version_normalize("memeta-ta-1");   /* one pass, as str.replace */
	CU_ASSERT_STRING_EQUAL(v, "meta-1");
	free(v);
	CU_ASSERT(version_is_canonical("1439365340-06e92b4456116ad5e6875c8c34797d22156d44a5"));
	CU_ASSERT_FALSE(version_is_canonical("143936534-06e92b4456116ad5e6875c8c34797d22156d44a5"));
	CU_ASSERT_FALSE(version_is_canonical("1439365340-06e92b4456116ad5e6875c8c34797d22156d44a"));
	CU_ASSERT_FALSE(version_is_canonical("1439365340_06e92b4456116ad5e6875c8c34797d22156d44a5"));
	CU_ASSERT_FALSE(version_is_canonical(NULL));
}

/* ---- templates ---- */

static json_object *ctx_of(const char *json)
{
	return json_tokener_parse(json);
}

/* Renders tmpl with ctx and compares to the JSON text want ("null" for null). */
static void check_render(const char *tmpl, const char *ctx_json, const char *want)
{
	json_object *ctx = ctx_json ? ctx_of(ctx_json) : NULL;
	json_object *out = NULL, *w = json_tokener_parse(want);
	err_t err = ERR_INIT;
	int rc = tmpl_render_string(tmpl, ctx, &out, &err);
	if (rc)
		fprintf(stderr, "render '%s': %s\n", tmpl, err.msg);
	CU_ASSERT_EQUAL(rc, 0);
	if (!json_object_equal(out, w))
		fprintf(stderr, "render '%s' = %s, want %s\n", tmpl, json_object_to_json_string(out), want);
	CU_ASSERT(json_object_equal(out, w));
	json_object_put(out);
	json_object_put(w);
	json_object_put(ctx);
}

static void check_render_fails(const char *tmpl, const char *needle)
{
	json_object *out = NULL;
	err_t err = ERR_INIT;
	CU_ASSERT_EQUAL(tmpl_render_string(tmpl, NULL, &out, &err), -ERR_INVALID);
	CU_ASSERT_PTR_NULL(out);
	if (!strstr(err.msg, needle))
		fprintf(stderr, "'%s' lacks '%s'\n", err.msg, needle);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, needle));
}

static void test_tmpl_var(void)
{
	check_render("{{ memory }}", "{\"memory\": \"128M\"}", "\"128M\"");
	check_render("{{memory}}", "{\"memory\": \"128M\"}", "\"128M\"");
	check_render("{{ n }}", "{\"n\": 3}", "3");
	check_render("plain text", NULL, "\"plain text\"");
	check_render("80", NULL, "\"80\"");   /* no template: left as it is */
}

static void test_tmpl_undefined_empty(void)
{
	check_render("{{ nothing }}", "{}", "\"\"");
	check_render("a{{ nothing }}b", NULL, "\"ab\"");
}

static void test_tmpl_default(void)
{
	check_render("{{ memory|default('64M') }}", "{}", "\"64M\"");
	check_render("{{ memory|default('64M') }}", "{\"memory\": \"128M\"}", "\"128M\"");
	check_render("{{ memory | default(\"64M\") }}", NULL, "\"64M\"");
	check_render("{{ x|d(5) }}", NULL, "5");
	check_render("{{ x|default }}", NULL, "\"\"");
	/* Jinja's default only replaces undefined, not null/false */
	check_render("{{ x|default(1) }}", "{\"x\": null}", "null");
	check_render("{{ x|default(true) }}", "{\"x\": false}", "false");
}

static void test_tmpl_int(void)
{
	check_render("{{ num_instances|default(2)|int(2) }}", "{}", "2");
	check_render("{{ num_instances|default(2)|int(2) }}", "{\"num_instances\": 1}", "1");
	check_render("{{ n|int }}", "{\"n\": \"7\"}", "7");
	check_render("{{ n|int }}", "{\"n\": \"3.9\"}", "3");
	check_render("{{ n|int }}", "{\"n\": 2.5}", "2");
	check_render("{{ n|int }}", "{\"n\": \"lots\"}", "0");
	check_render("{{ n|int(4) }}", "{\"n\": \"lots\"}", "4");
	check_render("{{ n|int(4) }}", "{}", "4");
	check_render("{{ n|int }}", "{\"n\": true}", "1");
	check_render("{{ n|int(9) }}", "{\"n\": null}", "9");
}

static void test_tmpl_typed_values(void)   /* §9.3 #20 fixed */
{
	check_render("{{ stateful }}", "{\"stateful\": false}", "false");
	check_render("{{ stateful|default(true) }}", "{}", "true");
	check_render("{{ x }}", "{\"x\": null}", "null");
	check_render("{{ x|default(none) }}", NULL, "null");
	check_render("{{ x }}", "{\"x\": 1.5}", "1.5");
	/* a string that is an integer becomes one, as the original did */
	check_render("{{ x }}", "{\"x\": \"42\"}", "42");
}

static void test_tmpl_mixed_text(void)
{
	check_render("{{ a }}-{{ b }}", "{\"a\": \"x\", \"b\": 2}", "\"x-2\"");
	check_render("mem {{ m|default('64M') }}", NULL, "\"mem 64M\"");
	check_render("{{ a }}{{ b }}", "{\"a\": 1, \"b\": 2}", "12");
	check_render("is {{ b }}", "{\"b\": true}", "\"is True\"");
	check_render("{ not a template }", NULL, "\"{ not a template }\"");
}

static void test_tmpl_literals(void)
{
	check_render("{{ 'text' }}", NULL, "\"text\"");
	check_render("{{ 12 }}", NULL, "12");
	check_render("{{ -3 }}", NULL, "-3");
	check_render("{{ True }}", NULL, "true");
	check_render("{{ x|default('it\\'s') }}", NULL, "\"it's\"");
}

static void test_tmpl_errors(void)
{
	check_render_fails("{% if x %}a{% endif %}", "only {{ ... }} expressions are supported");
	check_render_fails("{# comment #}", "only {{ ... }} expressions");
	check_render_fails("{{ x|upper }}", "only the filters default(<literal>) and int are supported");
	check_render_fails("{{ x.y }}", "expected '}}'");
	check_render_fails("{{ x", "expected '}}'");
	check_render_fails("{{ x|default(y) }}", "a filter argument must be a literal");
	check_render_fails("{{ x|default('a) }}", "unterminated string literal");
	check_render_fails("{{ x|int(1, 2) }}", "a filter takes one literal argument");
	check_render_fails("{{- x -}}", "whitespace control");
	check_render_fails("{{ }}", "expected a literal");
	json_object *ctx = json_tokener_parse("{\"x\": {\"a\": 1}}"), *out = NULL;
	err_t err = ERR_INIT;
	CU_ASSERT_EQUAL(tmpl_render_string("{{ x }}", ctx, &out, &err), -ERR_INVALID);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "context value 'x' must be a string, number, boolean or null"));
	json_object_put(ctx);
}

static void test_tmpl_instance_naming(void)
{
	char *n = tmpl_instance_name("redis", "hello");
	CU_ASSERT_STRING_EQUAL(n, "resource.redis.hello");
	char *r, *c;
	CU_ASSERT_EQUAL(tmpl_instance_split(n, &r, &c), 0);
	CU_ASSERT_STRING_EQUAL(r, "redis");
	CU_ASSERT_STRING_EQUAL(c, "hello");
	free(r);
	free(c);
	free(n);
	static const char *const bad[] = { "redis.hello", "resource.redis", "resource..hello",
		"resource.redis.", "resource", NULL };
	for (size_t i = 0; bad[i]; i++) {
		CU_ASSERT_EQUAL(tmpl_instance_split(bad[i], &r, &c), -ERR_INVALID);
		CU_ASSERT_PTR_NULL(r);
	}
}

static const char redis_yaml[] =
	"appname: redis\napptype: resource\nbuild:\n  base: redis:3\n"
	"service.redis:\n"
	"  cmd: redis-server\n"
	"  num_instances: \"{{ num_instances|default(2)|int(2) }}\"\n"
	"  memory: \"{{ memory|default('64M') }}\"\n"
	"  stateful: \"{{ stateful|default(true) }}\"\n"
	"  port: {6379: ['type:tcp']}\n"
	"  portal:\n    allow_clients: \"**\"\n    cmd: ./proxy\n";

static void test_tmpl_resource_instance(void)   /* §8 case 8 */
{
	json_object *ctx = json_tokener_parse("{\"memory\": \"128M\", \"num_instances\": 1, \"stateful\": false}");
	char *out = NULL;
	err_t err = ERR_INIT;
	CU_ASSERT_EQUAL_FATAL(tmpl_render_instance(redis_yaml, strlen(redis_yaml), ctx,
						   "resource.redis.hello", &out, &err), 0);
	lain_parse_opts_t o = { .domain = "lain.local", .registry = "registry.lain.local",
				.meta_version = "1-abc",
				.default_image = "registry.lain.local/redis:release-1-abc" };
	lain_conf_t *c = NULL;
	CU_ASSERT_EQUAL_FATAL(lain_conf_parse(out, strlen(out), &o, &c, &err), 0);
	CU_ASSERT_STRING_EQUAL(c->appname, "resource.redis.hello");
	CU_ASSERT_STRING_EQUAL(c->apptype, "app");   /* apptype dropped */
	const lain_proc_t *p = lain_conf_proc(c, "redis"), *portal = lain_conf_proc(c, "portal-redis");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_PTR_NOT_NULL_FATAL(portal);
	CU_ASSERT_STRING_EQUAL(p->image, "registry.lain.local/redis:release-1-abc");
	CU_ASSERT_STRING_EQUAL(p->memory, "128M");
	CU_ASSERT_EQUAL(p->num_instances, 1);
	CU_ASSERT_FALSE(p->stateful);   /* the original made it "False", truthy */
	CU_ASSERT_EQUAL(p->ports[0].number, 6379);
	CU_ASSERT_STRING_EQUAL(portal->image, "registry.lain.local/redis:release-1-abc");
	CU_ASSERT_STRING_EQUAL(portal->service_name, "redis");
	lain_conf_free(c);
	free(out);
	json_object_put(ctx);
	/* defaults without a context */
	CU_ASSERT_EQUAL_FATAL(tmpl_render_instance(redis_yaml, strlen(redis_yaml), NULL,
						   "resource.redis.x", &out, &err), 0);
	CU_ASSERT_EQUAL_FATAL(lain_conf_parse(out, strlen(out), &o, &c, &err), 0);
	CU_ASSERT_EQUAL(c->procs[0].num_instances, 2);
	CU_ASSERT_STRING_EQUAL(c->procs[0].memory, "64M");
	CU_ASSERT(c->procs[0].stateful);
	lain_conf_free(c);
	free(out);
}

static void test_tmpl_instance_errors(void)
{
	char *out = NULL;
	err_t err = ERR_INIT;
	const char *y = "appname: r\nweb:\n  cmd: \"{{ x|upper }}\"\n";
	CU_ASSERT_EQUAL(tmpl_render_instance(y, strlen(y), NULL, "resource.r.c", &out, &err), -ERR_INVALID);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "line 3"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "resource.r.c"));
	CU_ASSERT_PTR_NULL(out);
	CU_ASSERT_EQUAL(tmpl_render_instance("- a\n", 4, NULL, "resource.r.c", &out, &err), -ERR_INVALID);
	CU_ASSERT_EQUAL(tmpl_render_instance("a: [\n", 5, NULL, "resource.r.c", &out, &err), -ERR_INVALID);
}

static void test_tmpl_stored_meta_style(void)
{
	/* the resource's stored meta in the quoted/tagged style renders too */
	const char *y = "\"appname\": \"redis\"\n\"apptype\": \"resource\"\n\"build\": {\"base\": \"redis\"}\n"
			"\"worker\":\n  \"memory\": \"{{ memory|default('64M') }}\"\n  \"cpu\": !!int \"1\"\n";
	char *out = NULL;
	err_t err = ERR_INIT;
	CU_ASSERT_EQUAL_FATAL(tmpl_render_instance(y, strlen(y), NULL, "resource.redis.c", &out, &err), 0);
	json_object *j = json_tokener_parse(out), *w;
	w = json_tokener_parse("{\"appname\": \"resource.redis.c\", \"build\": {\"base\": \"redis\"},"
			       " \"worker\": {\"memory\": \"64M\", \"cpu\": 1}}");
	CU_ASSERT(json_object_equal(j, w));
	json_object_put(j);
	json_object_put(w);
	free(out);
}

static void test_tmpl_load_conf(void)
{
	lain_parse_opts_t o = { .domain = "lain.local", .registry = "registry.lain.local",
				.meta_version = "1-abc" };
	lain_conf_t *c = NULL;
	err_t err = ERR_INIT;
	/* a resource app itself: parses once rendered with its defaults */
	CU_ASSERT_EQUAL_FATAL(tmpl_load_conf(redis_yaml, strlen(redis_yaml), &o, NULL, NULL, &c, &err), 0);
	CU_ASSERT_STRING_EQUAL(c->appname, "redis");
	CU_ASSERT_STRING_EQUAL(c->apptype, "resource");
	CU_ASSERT_EQUAL(c->procs[0].num_instances, 2);
	lain_conf_free(c);
	/* an instance */
	json_object *ctx = json_tokener_parse("{\"num_instances\": 3}");
	o.default_image = "registry.lain.local/redis:release-1-abc";
	CU_ASSERT_EQUAL_FATAL(tmpl_load_conf(redis_yaml, strlen(redis_yaml), &o, "resource.redis.app", ctx, &c, &err), 0);
	CU_ASSERT_STRING_EQUAL(c->appname, "resource.redis.app");
	CU_ASSERT_EQUAL(c->procs[0].num_instances, 3);
	CU_ASSERT_STRING_EQUAL(c->procs[0].image, "registry.lain.local/redis:release-1-abc");
	lain_conf_free(c);
	json_object_put(ctx);
	o.default_image = NULL;
	/* an ordinary app keeps its first error, templates are not its syntax */
	const char *app = "appname: a\nbuild: {base: x}\nweb:\n  num_instances: \"{{ n|default(2) }}\"\n";
	CU_ASSERT_EQUAL(tmpl_load_conf(app, strlen(app), &o, NULL, NULL, &c, &err), -ERR_INVALID);
	CU_ASSERT_PTR_NULL(c);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "web.num_instances: must be an integer"));
	/* a resource whose rendering is still invalid reports the plain error */
	const char *bad = "appname: r\napptype: resource\nbuild: {base: x}\nweb:\n  num_instances: \"{{ n|default('x') }}\"\n";
	CU_ASSERT_EQUAL(tmpl_load_conf(bad, strlen(bad), &o, NULL, NULL, &c, &err), -ERR_INVALID);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "must be an integer, not '{{ n|default('x') }}'"));
	/* templates in an instance that do not render fail with the line */
	const char *t = "appname: r\nbuild: {base: x}\nweb:\n  cmd: \"{% x %}\"\n";
	CU_ASSERT_EQUAL(tmpl_load_conf(t, strlen(t), &o, "resource.r.c", NULL, &c, &err), -ERR_INVALID);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "line 4"));
}

/* ---- urlpolicy (issue 14 #3) */

static void check_class(const char *ip, enum urlpolicy_class want)
{
	enum urlpolicy_class c = URLPOLICY_PUBLIC;
	bool ok = urlpolicy_classify(ip, &c);
	if (!ok || c != want)
		fprintf(stderr, "\n  %s: %s %d, want %d\n", ip, ok ? "class" : "not an address", c, want);
	CU_ASSERT(ok && c == want);
}

static void test_urlpolicy_classify(void)
{
	check_class("8.8.8.8", URLPOLICY_PUBLIC);
	check_class("127.0.0.1", URLPOLICY_LOOPBACK);
	check_class("127.1", URLPOLICY_LOOPBACK);
	check_class("0x7f000001", URLPOLICY_LOOPBACK);
	check_class("2130706433", URLPOLICY_LOOPBACK);
	check_class("0177.0.0.1", URLPOLICY_LOOPBACK);
	check_class("0.0.0.0", URLPOLICY_LOOPBACK);
	check_class("169.254.169.254", URLPOLICY_LINK_LOCAL);
	check_class("10.1.2.3", URLPOLICY_PRIVATE);
	check_class("172.31.255.255", URLPOLICY_PRIVATE);
	check_class("172.32.0.1", URLPOLICY_PUBLIC);
	check_class("192.168.0.1", URLPOLICY_PRIVATE);
	check_class("100.64.0.1", URLPOLICY_PRIVATE);
	check_class("224.0.0.1", URLPOLICY_OTHER);
	check_class("255.255.255.255", URLPOLICY_OTHER);
	check_class("::1", URLPOLICY_LOOPBACK);
	check_class("[::1]", URLPOLICY_LOOPBACK);
	check_class("::", URLPOLICY_LOOPBACK);
	check_class("::ffff:127.0.0.1", URLPOLICY_LOOPBACK);
	check_class("::ffff:169.254.1.1", URLPOLICY_LINK_LOCAL);
	check_class("64:ff9b::a00:1", URLPOLICY_PRIVATE);
	check_class("fe80::1%eth0", URLPOLICY_LINK_LOCAL);
	check_class("fd12::1", URLPOLICY_PRIVATE);
	check_class("ff02::1", URLPOLICY_OTHER);
	check_class("2001:4860:4860::8888", URLPOLICY_PUBLIC);
	enum urlpolicy_class c;
	CU_ASSERT(!urlpolicy_classify("hooks.example.com", &c));
	CU_ASSERT(!urlpolicy_classify("127.0.0.1 x", &c));
	CU_ASSERT(!urlpolicy_classify("", &c));
}

static void test_urlpolicy_webhook(void)
{
	const urlpolicy_t none = { false, false }, both = { true, true };
	err_t err = ERR_INIT;
	CU_ASSERT_EQUAL(urlpolicy_webhook(&none, "https://hooks.example.com/x?a=1", &err), 0);
	CU_ASSERT_EQUAL(urlpolicy_webhook(&none, "HTTP://Hooks.Example.com:8080/", &err), 0);
	CU_ASSERT_EQUAL(urlpolicy_webhook(&none, "http://[2001:db8::1]/", &err), 0);
	CU_ASSERT_EQUAL(urlpolicy_webhook(&none, "http://127.0.0.1:9/", &err), -ERR_INVALID);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "loopback"));
	CU_ASSERT_EQUAL(urlpolicy_webhook(&both, "http://127.0.0.1:9/", &err), 0);
	CU_ASSERT_EQUAL(urlpolicy_webhook(&both, "http://10.0.0.1/", &err), 0);
	CU_ASSERT_EQUAL(urlpolicy_webhook(&both, "http://169.254.169.254/", &err), -ERR_INVALID);
	CU_ASSERT_EQUAL(urlpolicy_webhook(&both, "http://[fe80::1]/", &err), -ERR_INVALID);
	CU_ASSERT_EQUAL(urlpolicy_webhook(&both, "http://u:p@hooks.example.com/", &err), -ERR_INVALID);
	CU_ASSERT_PTR_NULL(strstr(err.msg, "u:p@"));
	CU_ASSERT_EQUAL(urlpolicy_webhook(&both, "http://hooks.example.com/\r\nX: y", &err),
			-ERR_INVALID);
	CU_ASSERT_EQUAL(urlpolicy_webhook(&both, "http:///x", &err), -ERR_INVALID);
	CU_ASSERT_EQUAL(urlpolicy_webhook(&both, "file:///etc/passwd", &err), -ERR_INVALID);
	CU_ASSERT_EQUAL(urlpolicy_webhook(&none, "http://Localhost./", &err), -ERR_INVALID);
	CU_ASSERT(urlpolicy_addr_allowed(&none, "93.184.216.34"));
	CU_ASSERT(!urlpolicy_addr_allowed(&none, "127.0.0.1"));
	CU_ASSERT(urlpolicy_addr_allowed(&both, "::1"));
	CU_ASSERT(!urlpolicy_addr_allowed(&both, "169.254.169.254"));
	CU_ASSERT(!urlpolicy_addr_allowed(&both, "hooks.example.com"));
}

static CU_TestInfo urlpolicy_tests[] = {
	{ "addresses by class", test_urlpolicy_classify },
	{ "webhook URLs", test_urlpolicy_webhook },
	CU_TEST_INFO_NULL,
};

static CU_TestInfo size_tests[] = {
	{ "parse table", test_size_parse_table },
	{ "parse rejects", test_size_parse_invalid },
	{ "format table", test_size_format_table },
	{ "parse then format", test_size_roundtrip },
	CU_TEST_INFO_NULL,
};

static CU_TestInfo version_tests[] = {
	{ "meta tag -> version (§8 1)", test_version_from_tag },
	{ "newest first (§8 6)", test_version_list_order },
	{ "latest usable (§8 7)", test_version_latest },
	{ "non-numeric tags skipped", test_version_non_numeric_skipped },
	{ "equal timestamps kept", test_version_equal_timestamps },
	{ "normalise and canonical form", test_version_normalize_canonical },
	CU_TEST_INFO_NULL,
};

static CU_TestInfo tmpl_tests[] = {
	{ "{{ var }}", test_tmpl_var },
	{ "undefined renders empty", test_tmpl_undefined_empty },
	{ "default(<literal>)", test_tmpl_default },
	{ "int and int(<literal>)", test_tmpl_int },
	{ "values keep their type", test_tmpl_typed_values },
	{ "text around expressions", test_tmpl_mixed_text },
	{ "literals", test_tmpl_literals },
	{ "anything else is an error", test_tmpl_errors },
	{ "instance naming", test_tmpl_instance_naming },
	{ "resource instance (§8 8)", test_tmpl_resource_instance },
	{ "instance rendering errors", test_tmpl_instance_errors },
	{ "stored-meta style resource", test_tmpl_stored_meta_style },
	{ "load a conf as a deploy does", test_tmpl_load_conf },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "size", NULL, NULL, NULL, NULL, size_tests },
	{ "version", NULL, NULL, NULL, NULL, version_tests },
	{ "tmpl", NULL, NULL, NULL, NULL, tmpl_tests },
	{ "urlpolicy", NULL, NULL, NULL, NULL, urlpolicy_tests },
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return test_main(suites);
}
