/* The deploy foundations without I/O: oplog rendering, registry helpers
 * (Link, manifest lists, layers, untar) and deployd's JSON mapping. */
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>
#include <json-c/json.h>

#include "console/deployd.h"
#include "console/oplog.h"
#include "console/oplogs.h"
#include "console/registry.h"
#include "testlib.h"

/* ---- oplog */

static void test_oplog_time(void)
{
	char t[32];
	oplog_format_time(1524453165000000LL, t);
	CU_ASSERT_STRING_EQUAL(t, "2018-04-23T03:12:45Z");
	oplog_format_time(1524453165123456LL, t);
	CU_ASSERT_STRING_EQUAL(t, "2018-04-23T03:12:45.123Z");
	/* Microseconds but no milliseconds: Django still writes ".000". */
	oplog_format_time(1524453165000500LL, t);
	CU_ASSERT_STRING_EQUAL(t, "2018-04-23T03:12:45.000Z");
}

static void check_str(const char *in, const char *want)
{
	buf_t b = BUF_INIT;
	oplogs_json_string(in, &b);
	CU_ASSERT_STRING_EQUAL(b.data, want);
	buf_release(&b);
}

static void test_oplog_string(void)
{
	check_str("plain /path", "\"plain /path\"");
	check_str("q\"b\\n\nr\rt\t", "\"q\\\"b\\\\n\\nr\\rt\\t\"");
	check_str("\x01\x7f", "\"\\u0001\\u007f\"");
	check_str("caf\xc3\xa9", "\"caf\\u00e9\"");
	check_str("\xe4\xb8\xad", "\"\\u4e2d\"");
	check_str("\xf0\x9f\x98\x80", "\"\\ud83d\\ude00\"");
	check_str("a\xff" "b", "\"a\\ufffdb\"");
	check_str("\xc0\xaf", "\"\\ufffd\\ufffd\""); /* overlong '/' */
	check_str(NULL, "\"\"");
}

static void test_oplog_render(void)
{
	buf_t b = BUF_INIT;
	oplogs_render(NULL, 0, &b);
	CU_ASSERT_STRING_EQUAL(b.data, "[]");
	buf_reset(&b);
	oplog_row_t rows[2] = {
		{ .pk = 124, .user = "alice", .op = "DEPLOY", .app = "hello",
		  .app_version = "1524455982-f478328a58bc9725c19030e7663e2ee3fa87b02c",
		  .time = "2018-04-23T03:12:45.123Z", .message = "" },
		{ .pk = 9, .user = "unknown", .op = "REPOSIT", .app = "hello", .app_version = "",
		  .time = "2018-04-23T03:00:00Z", .message = "x\"y" },
	};
	oplogs_render(rows, 2, &b);
	CU_ASSERT_STRING_EQUAL(b.data,
		"[{\"model\": \"oplog.oplog\", \"pk\": 124, \"fields\": {\"user\": \"alice\", "
		"\"op\": \"DEPLOY\", \"app\": \"hello\", \"app_version\": "
		"\"1524455982-f478328a58bc9725c19030e7663e2ee3fa87b02c\", \"time\": "
		"\"2018-04-23T03:12:45.123Z\", \"message\": \"\"}}, "
		"{\"model\": \"oplog.oplog\", \"pk\": 9, \"fields\": {\"user\": \"unknown\", "
		"\"op\": \"REPOSIT\", \"app\": \"hello\", \"app_version\": \"\", \"time\": "
		"\"2018-04-23T03:00:00Z\", \"message\": \"x\\\"y\"}}]");
	/* What archon does with it: JSON.parse, then l.fields.*. */
	json_object *j = json_tokener_parse(b.data);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	json_object *f, *v;
	CU_ASSERT(json_object_object_get_ex(json_object_array_get_idx(j, 1), "fields", &f));
	CU_ASSERT(json_object_object_get_ex(f, "message", &v));
	CU_ASSERT_STRING_EQUAL(json_object_get_string(v), "x\"y");
	json_object_put(j);
	buf_release(&b);
}

/* ---- registry helpers */

static void check_link(const char *link, const char *want)
{
	buf_t b = BUF_INIT;
	bool found = registry_link_next(link, &b);
	if (want) {
		CU_ASSERT(found);
		CU_ASSERT_STRING_EQUAL(b.data, want);
	} else {
		CU_ASSERT(!found);
	}
	buf_release(&b);
}

static void test_link(void)
{
	check_link("</v2/hello/tags/list?last=meta-2&n=2>; rel=\"next\"",
		   "/v2/hello/tags/list?last=meta-2&n=2");
	check_link("<http://r:5000/v2/a/tags/list?n=1&last=x>;rel=next",
		   "http://r:5000/v2/a/tags/list?n=1&last=x");
	check_link("</first>; rel=\"prev\", </second>; rel=\"next\"", "/second");
	check_link("</a>; title=\"x\"; REL=\"prev next\"", "/a");
	check_link("</a>; rel=\"prev\"", NULL);
	check_link("</a>; rel=\"nextpage\"", NULL);
	check_link("", NULL);
	check_link("garbage", NULL);
	check_link("<unterminated; rel=next", NULL);
}

static void test_pick_platform(void)
{
	json_object *l = json_tokener_parse(
		"{\"schemaVersion\":2,\"manifests\":["
		"{\"digest\":\"sha256:arm\",\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\"}},"
		"{\"digest\":\"sha256:win\",\"platform\":{\"os\":\"windows\",\"architecture\":\"amd64\"}},"
		"{\"digest\":\"sha256:amd\",\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}}]}");
	CU_ASSERT_STRING_EQUAL(registry_pick_platform(l), "sha256:amd");
	json_object_put(l);
	l = json_tokener_parse("{\"manifests\":[{\"digest\":\"sha256:arm\",\"platform\":"
			       "{\"os\":\"linux\",\"architecture\":\"arm64\"}}]}");
	CU_ASSERT_PTR_NULL(registry_pick_platform(l));
	json_object_put(l);
	l = json_tokener_parse("{\"manifests\":[{\"digest\":\"sha256:only\"}]}");
	CU_ASSERT_STRING_EQUAL(registry_pick_platform(l), "sha256:only");
	json_object_put(l);
	l = json_tokener_parse("{\"manifests\":[{\"digest\":\"a\"},{\"digest\":\"b\"}]}");
	CU_ASSERT_PTR_NULL(registry_pick_platform(l));
	json_object_put(l);
	CU_ASSERT_PTR_NULL(registry_pick_platform(NULL));
}

static void test_layers(void)
{
	const char *d[4];
	json_object *m = json_tokener_parse(
		"{\"schemaVersion\":2,\"layers\":[{\"digest\":\"sha256:base\"},{\"digest\":\"sha256:top\"}]}");
	CU_ASSERT_EQUAL(registry_layers_top_down(m, d, 4), 2);
	CU_ASSERT_STRING_EQUAL(d[0], "sha256:top");
	CU_ASSERT_STRING_EQUAL(d[1], "sha256:base");
	CU_ASSERT_EQUAL(registry_layers_top_down(m, d, 1), 1);
	CU_ASSERT_STRING_EQUAL(d[0], "sha256:top");
	json_object_put(m);
	m = json_tokener_parse("{\"schemaVersion\":1,\"fsLayers\":[{\"blobSum\":\"sha256:top\"},"
			       "{\"blobSum\":\"sha256:base\"}]}");
	CU_ASSERT_EQUAL(registry_layers_top_down(m, d, 4), 2);
	CU_ASSERT_STRING_EQUAL(d[0], "sha256:top");
	json_object_put(m);
	m = json_tokener_parse("{}");
	CU_ASSERT_EQUAL(registry_layers_top_down(m, d, 4), 0);
	json_object_put(m);
}

static void test_digest(void)
{
	/* sha256("abc") */
	const char *d = "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
	CU_ASSERT(registry_digest_matches("abc", 3, d));
	CU_ASSERT(!registry_digest_matches("abd", 3, d));
	CU_ASSERT(!registry_digest_matches("abc", 3, "sha256:BA7816BF"));
	CU_ASSERT(!registry_digest_matches("abc", 3, "sha512:ba78"));
	CU_ASSERT(!registry_digest_matches("abc", 3, NULL));
}

/* A gzip tar in memory with the given (name, content) pairs. */
static void make_tgz(buf_t *out, const char *const *files, size_t n)
{
	struct archive *a = archive_write_new();
	archive_write_add_filter_gzip(a);
	archive_write_set_format_pax_restricted(a);
	size_t cap = 1 << 20, used = 0;
	char *mem = malloc(cap);
	CU_ASSERT_EQUAL_FATAL(archive_write_open_memory(a, mem, cap, &used), ARCHIVE_OK);
	for (size_t i = 0; i < n; i++) {
		struct archive_entry *e = archive_entry_new();
		archive_entry_set_pathname(e, files[2 * i]);
		archive_entry_set_size(e, (la_int64_t)strlen(files[2 * i + 1]));
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_write_header(a, e);
		archive_write_data(a, files[2 * i + 1], strlen(files[2 * i + 1]));
		archive_entry_free(e);
	}
	archive_write_close(a);
	archive_write_free(a);
	buf_add(out, mem, used);
	free(mem);
}

static int untar(const buf_t *tgz, size_t len, const char *name, size_t max, buf_t *out,
		 err_t *err)
{
	registry_budget_t budget = REGISTRY_BUDGET_INIT;
	return registry_untar_file(tgz->data, len, name, max, &budget, out, err);
}

static void test_untar(void)
{
	buf_t tgz = BUF_INIT, out = BUF_INIT;
	err_t err = ERR_INIT;
	const char *files[] = { "etc/other", "x", "./lain.yaml", "appname: hello\n" };
	make_tgz(&tgz, files, 2);
	CU_ASSERT_EQUAL(untar(&tgz, tgz.len, "lain.yaml", 1024, &out, &err), 0);
	CU_ASSERT_STRING_EQUAL(out.data, "appname: hello\n");
	buf_reset(&out);
	CU_ASSERT_EQUAL(untar(&tgz, tgz.len, "lain.yaml", 4, &out, &err), -ERR_NOT_ACCEPTABLE);
	CU_ASSERT_STRING_EQUAL(err.msg, "'lain.yaml' in the image is larger than 4 bytes");
	CU_ASSERT_EQUAL(untar(&tgz, tgz.len, "missing.yaml", 1024, &out, &err), -ERR_NOT_FOUND);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "missing.yaml"));
	buf_t junk = BUF_INIT;
	buf_addstr(&junk, "not a tar at all");
	CU_ASSERT_EQUAL(untar(&junk, junk.len, "lain.yaml", 1024, &out, &err), -ERR_BAD_GATEWAY);
	buf_release(&junk);
	/* A truncated archive is an error, not a crash. */
	CU_ASSERT(untar(&tgz, tgz.len / 2, "lain.yaml", 1024, &out, &err) < 0);
	buf_reset(&tgz);
	const char *abs[] = { "/lain.yaml", "a: 1\n" };
	make_tgz(&tgz, abs, 1);
	buf_reset(&out);
	CU_ASSERT_EQUAL(untar(&tgz, tgz.len, "lain.yaml", 1024, &out, &err), 0);
	CU_ASSERT_STRING_EQUAL(out.data, "a: 1\n");
	buf_release(&tgz);
	buf_release(&out);
}

/* A tar (gzip: compressed) of an entry "zeros" of n zero bytes, then
 * lain.yaml. */
static void make_bomb(buf_t *out, size_t n, bool gzip)
{
	struct archive *a = archive_write_new();
	if (gzip)
		archive_write_add_filter_gzip(a);
	archive_write_set_format_pax_restricted(a);
	size_t cap = n + (1 << 20), used = 0;
	char *mem = malloc(cap);
	static const char zeros[65536];
	CU_ASSERT_EQUAL_FATAL(archive_write_open_memory(a, mem, cap, &used), ARCHIVE_OK);
	struct archive_entry *e = archive_entry_new();
	archive_entry_set_pathname(e, "zeros");
	archive_entry_set_size(e, (la_int64_t)n);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_write_header(a, e);
	for (size_t left = n; left;) {
		size_t k = left < sizeof(zeros) ? left : sizeof(zeros);
		archive_write_data(a, zeros, k);
		left -= k;
	}
	archive_entry_clear(e);
	archive_entry_set_pathname(e, "lain.yaml");
	archive_entry_set_size(e, 6);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_write_header(a, e);
	archive_write_data(a, "a: 1\n\n", 6);
	archive_entry_free(e);
	archive_write_close(a);
	archive_write_free(a);
	buf_add(out, mem, used);
	free(mem);
}

/* Issue 14 #2: the unpacked bytes are counted while an entry is skipped,
 * not between entries; the budget is shared by the calls given it. */
static void test_untar_caps(void)
{
	buf_t bomb = BUF_INIT, out = BUF_INIT;
	err_t err = ERR_INIT;
	make_bomb(&bomb, 8u << 20, true);
	registry_budget_t b = { 8u << 20, 100 };
	CU_ASSERT_EQUAL(registry_untar_file(bomb.data, bomb.len, "lain.yaml", 1024, &b, &out, &err),
			-ERR_NOT_ACCEPTABLE);
	CU_ASSERT_PREFIX(err.msg, "image layers expand past REGISTRY_MAX_UNPACKED (67108864 bytes "
				  "unpacked): reading stopped there, in 'zeros'");
	CU_ASSERT_EQUAL(b.bytes, 0);
	CU_ASSERT_EQUAL(b.entries, 99);
	/* Enough of it: lain.yaml is found, what it took is charged. */
	b = (registry_budget_t){ 9u << 20, 100 };
	CU_ASSERT_EQUAL(registry_untar_file(bomb.data, bomb.len, "lain.yaml", 1024, &b, &out, &err), 0);
	CU_ASSERT_STRING_EQUAL(out.data, "a: 1\n\n");
	CU_ASSERT(b.bytes < (1u << 20));
	CU_ASSERT_EQUAL(b.entries, 98);
	/* Shared: a second read with what is left runs out. */
	buf_reset(&out);
	CU_ASSERT_EQUAL(registry_untar_file(bomb.data, bomb.len, "lain.yaml", 1024, &b, &out, &err),
			-ERR_NOT_ACCEPTABLE);

	/* What was read: past 4 MiB the stream is cut off, so a reader that went
	 * on to the end of "zeros" (as one that skips an entry whole does)
	 * would fail on the cut; one that stops at a 2 MiB budget never sees it. */
	buf_t cut = BUF_INIT;
	buf_add(&cut, bomb.data, bomb.len / 2);
	b = (registry_budget_t){ 2u << 20, 100 };
	CU_ASSERT_EQUAL(registry_untar_file(cut.data, cut.len, "lain.yaml", 1024, &b, &out, &err),
			-ERR_NOT_ACCEPTABLE);
	CU_ASSERT_PREFIX(err.msg, "image layers expand past REGISTRY_MAX_UNPACKED");
	b = (registry_budget_t){ 64u << 20, 100 };
	CU_ASSERT_EQUAL(registry_untar_file(cut.data, cut.len, "lain.yaml", 1024, &b, &out, &err),
			-ERR_BAD_GATEWAY);
	buf_release(&cut);

	/* Uncompressed, the same. */
	buf_reset(&bomb);
	make_bomb(&bomb, 4u << 20, false);
	b = (registry_budget_t){ 1u << 20, 100 };
	CU_ASSERT_EQUAL(registry_untar_file(bomb.data, bomb.len, "lain.yaml", 1024, &b, &out, &err),
			-ERR_NOT_ACCEPTABLE);

	/* Entries. */
	const char *many[2 * 12];
	for (int i = 0; i < 12; i++) {
		many[2 * i] = i == 11 ? "lain.yaml" : "f";
		many[2 * i + 1] = "x";
	}
	buf_t tgz = BUF_INIT;
	make_tgz(&tgz, many, 12);
	b = (registry_budget_t){ 64u << 20, 10 };
	CU_ASSERT_EQUAL(registry_untar_file(tgz.data, tgz.len, "lain.yaml", 1024, &b, &out, &err),
			-ERR_NOT_ACCEPTABLE);
	CU_ASSERT_STRING_EQUAL(err.msg, "image layers hold more than REGISTRY_MAX_ENTRIES (10000) "
					"entries: reading stopped there");
	b = (registry_budget_t){ 64u << 20, 12 };
	buf_reset(&out);
	CU_ASSERT_EQUAL(registry_untar_file(tgz.data, tgz.len, "lain.yaml", 1024, &b, &out, &err), 0);
	CU_ASSERT_STRING_EQUAL(out.data, "x");
	buf_release(&tgz);
	buf_release(&bomb);
	buf_release(&out);
}

/* ---- deployd mapping */

static void test_judge(void)
{
	deployd_result_t r = DEPLOYD_RESULT_INIT;
	err_t err = ERR_INIT;
	const char *ok = "{\"message\": \"Accepted\", \"check_url\": \"/api/podgroups?name=a\"}";
	CU_ASSERT_EQUAL(deployd_judge(202, ok, strlen(ok), "create podgroup 'a'", &r, &err), 0);
	CU_ASSERT_EQUAL(r.status, 202);
	CU_ASSERT_STRING_EQUAL(r.message, "Accepted");
	CU_ASSERT_PTR_NOT_NULL(r.json);

	const char *e405 = "{\"message\":\"PodGroup has already existed\",\"data\":\"\"}";
	CU_ASSERT_EQUAL(deployd_judge(405, e405, strlen(e405), "create podgroup 'a'", &r, &err),
			-ERR_CONFLICT);
	CU_ASSERT_STRING_EQUAL(err.msg, "deployd refused to create podgroup 'a' (405): PodGroup "
					"has already existed");
	const char *e404 = "{\"message\":\"PodGroup not existed\"}";
	CU_ASSERT_EQUAL(deployd_judge(404, e404, strlen(e404), "x", &r, &err), -ERR_NOT_FOUND);
	CU_ASSERT_EQUAL(deployd_judge(423, "{\"message\":\"Another operation\"}", 31, "x", &r, &err),
			-ERR_CONFLICT);
	CU_ASSERT_EQUAL(deployd_judge(400, "{\"message\":\"Conflicted ports: [9501]\"}", 38, "x", &r,
				      &err), -ERR_INVALID);
	CU_ASSERT_STRING_EQUAL(r.message, "Conflicted ports: [9501]");
	/* The read-only switch answers plain text. */
	const char *ro = "Do ReadOnly Permitted.\n";
	CU_ASSERT_EQUAL(deployd_judge(403, ro, strlen(ro), "x", &r, &err), -ERR_BAD_GATEWAY);
	CU_ASSERT_STRING_EQUAL(r.message, "Do ReadOnly Permitted.");
	CU_ASSERT_EQUAL(deployd_judge(500, "", 0, "x", &r, &err), -ERR_BAD_GATEWAY);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "no message"));
	/* Go's nil slice. */
	CU_ASSERT_EQUAL(deployd_judge(200, "null\n", 5, "x", &r, &err), 0);
	CU_ASSERT_PTR_NULL(r.json);
	CU_ASSERT_EQUAL(deployd_judge(202, "\"Accept\"", 8, "x", &r, &err), 0);
	CU_ASSERT_STRING_EQUAL(r.message, "Accept");
	deployd_result_release(&r);
}

static void test_uptime(void)
{
	char t[20];
	CU_ASSERT_EQUAL(deployd_uptime("2018-04-23T03:12:45.123456789Z", t), 0);
	CU_ASSERT_STRING_EQUAL(t, "2018-04-23 11:12:45");
	CU_ASSERT_EQUAL(deployd_uptime("2018-12-31T20:00:00Z", t), 0);
	CU_ASSERT_STRING_EQUAL(t, "2019-01-01 04:00:00");
	CU_ASSERT_EQUAL(deployd_uptime("2018-04-23T11:12:45+08:00", t), 0);
	CU_ASSERT_STRING_EQUAL(t, "2018-04-23 11:12:45");
	CU_ASSERT_EQUAL(deployd_uptime("2018-04-23T00:00:00.5-02:00", t), 0);
	CU_ASSERT_STRING_EQUAL(t, "2018-04-23 10:00:00");
	CU_ASSERT_EQUAL(deployd_uptime("0001-01-01T00:00:00Z", t), -ERR_INVALID);
	CU_ASSERT_STRING_EQUAL(t, "");
	CU_ASSERT_EQUAL(deployd_uptime("2018-04-23 03:12:45", t), -ERR_INVALID);
	CU_ASSERT_EQUAL(deployd_uptime("2018-13-23T03:12:45Z", t), -ERR_INVALID);
	CU_ASSERT_EQUAL(deployd_uptime("2018-04-23T03:12:45Zjunk", t), -ERR_INVALID);
	CU_ASSERT_EQUAL(deployd_uptime(NULL, t), -ERR_INVALID);
}

static const char *POD =
	"{\"InstanceNo\":1,\"LastError\":\"\",\"Containers\":[{\"Id\":\"abc123\","
	"\"Runtime\":{\"Name\":\"/hello.web.web.v0-i1-d0\",\"State\":{\"Running\":true,"
	"\"StartedAt\":\"2018-04-23T03:12:45.1Z\"},\"Config\":{\"Env\":[\"A=1\",\"B=2\"]}},"
	"\"NodeName\":\"node1\",\"NodeIp\":\"10.0.0.1\",\"ContainerIp\":\"172.20.0.5\","
	"\"ContainerPort\":80}]}";

static void test_render_pod(void)
{
	json_object *pod = json_tokener_parse(POD);
	json_object *o = deployd_render_pod(pod);
	CU_ASSERT_STRING_EQUAL(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							       JSON_C_TO_STRING_NOSLASHESCAPE),
		"{\"containerid\":\"abc123\",\"containername\":\"/hello.web.web.v0-i1-d0\","
		"\"containerip\":\"172.20.0.5\",\"containerport\":80,\"nodeip\":\"10.0.0.1\","
		"\"status\":\"True\",\"uptime\":\"2018-04-23 11:12:45\",\"envs\":[\"A=1\",\"B=2\"]}");
	json_object_put(o);
	json_object_put(pod);
	/* A pod not scheduled yet: no containers. */
	pod = json_tokener_parse("{\"InstanceNo\":1,\"Containers\":[]}");
	o = deployd_render_pod(pod);
	json_object *s;
	CU_ASSERT(json_object_object_get_ex(o, "status", &s));
	CU_ASSERT_STRING_EQUAL(json_object_get_string(s), "False");
	json_object_put(o);
	json_object_put(pod);
}

static void test_view(void)
{
	char *text = NULL;
	int n = asprintf(&text, "{\"Spec\":{\"NumInstances\":2,\"Pod\":{\"Containers\":[{"
				"\"Image\":\"r/hello:release-1\",\"CpuLimit\":1,\"MemoryLimit\":"
				"268435456}]}},\"Pods\":[%s,%s],\"LastError\":\"boom\"}",
			 POD, POD);
	CU_ASSERT(n > 0);
	json_object *st = json_tokener_parse(text);
	deployd_view_t v;
	deployd_view(st, DEPLOYD_PODGROUP, NULL, &v);
	CU_ASSERT(v.has_spec);
	CU_ASSERT_EQUAL(v.num_instances, 2);
	CU_ASSERT_EQUAL(v.cpu, 1);
	CU_ASSERT_EQUAL(v.memory, 268435456);
	CU_ASSERT_STRING_EQUAL(v.image, "r/hello:release-1");
	CU_ASSERT_STRING_EQUAL(v.last_error, "boom");
	CU_ASSERT_EQUAL(json_object_array_length(v.pods), 2);
	json_object_put(v.pods);
	json_object_put(st);
	free(text);

	/* "Pods": null until scheduled. */
	st = json_tokener_parse("{\"Spec\":{\"NumInstances\":1},\"Pods\":null,\"LastError\":\"\"}");
	deployd_view(st, DEPLOYD_PODGROUP, NULL, &v);
	CU_ASSERT(v.has_spec);
	CU_ASSERT_EQUAL(json_object_array_length(v.pods), 0);
	CU_ASSERT_STRING_EQUAL(v.image, "");
	json_object_put(v.pods);
	json_object_put(st);

	/* A portal: pods per client namespace, flattened or filtered. */
	n = asprintf(&text, "{\"Spec\":{},\"Pods\":{\"app1\":[%s],\"app2\":[%s,%s]}}", POD, POD, POD);
	CU_ASSERT(n > 0);
	st = json_tokener_parse(text);
	deployd_view(st, DEPLOYD_DEPENDS, NULL, &v);
	CU_ASSERT(!v.has_spec);
	CU_ASSERT_EQUAL(json_object_array_length(v.pods), 3);
	json_object_put(v.pods);
	deployd_view(st, DEPLOYD_DEPENDS, "app2", &v);
	CU_ASSERT_EQUAL(json_object_array_length(v.pods), 2);
	json_object_put(v.pods);
	json_object_put(st);
	free(text);
}

/* A row's value as a kv of hello's oplog, read back by oplog_last_take. */
static bool take(arena_t *a, const char *key, const char *value, int64_t mod, oplog_last_t *last)
{
	etcd_kv_t kv = { .key = key, .key_len = strlen(key), .value = value,
			 .value_len = strlen(value), .mod_revision = mod };
	return oplog_last_take(a, "hello", &kv, last);
}

static void test_oplog_reads(void)
{
	arena_t *a = arena_new();
	etcd_cmp_t cmp[OPLOG_READ_CMPS];
	etcd_op_t put;
	bool fresh = false;
	const int64_t t0 = 1524453165123456LL;
	const char *robot = "robot:hello:ci", *what = "GET /v1/apps/hello/";
	/* an empty oplog: a new row, if the oplog is still empty */
	oplog_last_t last = { 0 };
	CU_ASSERT_EQUAL(oplog_read_write(a, "hello", &last, robot, what, t0, cmp, &put, &fresh), 1);
	CU_ASSERT(fresh);
	CU_ASSERT_STRING_EQUAL(cmp[0].key, "/lain/console/oplog/hello/");
	CU_ASSERT_STRING_EQUAL(cmp[0].range_end, "/lain/console/oplog/hello0");
	CU_ASSERT(cmp[0].target == ETCD_CMP_CREATE && cmp[0].result == ETCD_EQUAL && !cmp[0].revision);
	CU_ASSERT_PREFIX(put.key, "/lain/console/oplog/hello/1524453165123456-");
	CU_ASSERT_STRING_EQUAL(put.value, "{\"user\":\"robot:hello:ci\",\"op\":\"READ\",\"app\":\"hello\","
			       "\"app_version\":\"\",\"time\":\"2018-04-23T03:12:45.123Z\",\"message\":"
			       "\"1 read, the last GET \\/v1\\/apps\\/hello\\/ at 2018-04-23T03:12:45Z\","
			       "\"reads\":1}");
	/* that row newest: updated in place, if it is unchanged and still newest */
	const char *key = arena_strdup(a, put.key);
	CU_ASSERT(take(a, key, put.value, 77, &last));
	CU_ASSERT_EQUAL(last.reads, 1);
	CU_ASSERT_EQUAL(oplog_read_write(a, "hello", &last, robot, what, t0 + 9000000, cmp, &put,
					 &fresh), 2);
	CU_ASSERT(!fresh);
	CU_ASSERT_STRING_EQUAL(cmp[0].key, arena_printf(a, "%s\x01", key));
	CU_ASSERT_STRING_EQUAL(cmp[0].range_end, "/lain/console/oplog/hello0");
	CU_ASSERT_STRING_EQUAL(cmp[1].key, key);
	CU_ASSERT(cmp[1].target == ETCD_CMP_MOD && cmp[1].revision == 77);
	CU_ASSERT_STRING_EQUAL(put.key, key);
	CU_ASSERT_PTR_NOT_NULL(strstr(put.value, "\"time\":\"2018-04-23T03:12:45.123Z\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(put.value, "\"message\":\"2 reads, the last GET \\/v1\\/apps\\/hello\\/ at 2018-04-23T03:12:54Z\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(put.value, "\"reads\":2}"));
	/* another robot's read, or another op newest: a new row after it, even
	 * when this clock is behind that row's writer's */
	CU_ASSERT_EQUAL(oplog_read_write(a, "hello", &last, "robot:hello:other", what, t0 - 5, cmp,
					 &put, &fresh), 1);
	CU_ASSERT(fresh);
	CU_ASSERT_PREFIX(put.key, "/lain/console/oplog/hello/1524453165123457-");
	CU_ASSERT(take(a, "/lain/console/oplog/hello/1524453165123456-1-0",
		       "{\"user\":\"robot:hello:ci\",\"op\":\"DEPLOY\"}", 80, &last));
	CU_ASSERT_EQUAL(oplog_read_write(a, "hello", &last, robot, what, t0 + 1, cmp, &put, &fresh), 1);
	CU_ASSERT(fresh);
	CU_ASSERT_PTR_NOT_NULL(strstr(put.value, "\"reads\":1}"));
	/* not a row of hello's: another app's, or no row at all */
	CU_ASSERT(!take(a, "/lain/console/oplog/hello2/1", "{}", 1, &last));
	CU_ASSERT(!take(a, "/lain/console/tokens/hello/ci", "{}", 1, &last));
	CU_ASSERT(take(a, "/lain/console/oplog/hello/1", "not json", 1, &last));
	CU_ASSERT_STRING_EQUAL(last.user, "");
	arena_free(a);
}

static CU_TestInfo oplog_tests[] = {
	{ "time as Django wrote it", test_oplog_time },
	{ "strings as json.dumps wrote them", test_oplog_string },
	{ "rows as the serializer array", test_oplog_render },
	{ "a read row: a new one or the newest updated, by compare", test_oplog_reads },
	CU_TEST_INFO_NULL,
};

static CU_TestInfo registry_tests[] = {
	{ "Link rel=next", test_link },
	{ "manifest list -> linux/amd64", test_pick_platform },
	{ "layers top down", test_layers },
	{ "sha256 digests", test_digest },
	{ "one file out of a gzip tar", test_untar },
	{ "unpacked bytes and entries capped while reading", test_untar_caps },
	CU_TEST_INFO_NULL,
};

static CU_TestInfo deployd_tests[] = {
	{ "answers judged, deployd's message kept", test_judge },
	{ "uptime in Asia/Shanghai", test_uptime },
	{ "Pod object", test_render_pod },
	{ "podgroup and portal views", test_view },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "oplog", NULL, NULL, NULL, NULL, oplog_tests },
	{ "registry helpers", NULL, NULL, NULL, NULL, registry_tests },
	{ "deployd mapping", NULL, NULL, NULL, NULL, deployd_tests },
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return test_main(suites);
}
