/* app/lib/log.c: the text and JSON lines, and the id of the request being
 * served on every line logged meanwhile, whoever logs it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CUnit/CUnit.h>
#include <json-c/json.h>

#include "console/log.h"
#include "testlib.h"

static char path[] = "/tmp/lain-console-test-log-XXXXXX";
static int saved_stderr = -1;

/* stderr into the file at path (emptied) until captured() gives it back. */
static void capture(void)
{
	FILE *f = fopen(path, "w");
	CU_ASSERT_FATAL(f != NULL);
	fflush(stderr);
	saved_stderr = dup(2);
	dup2(fileno(f), 2);
	fclose(f);
}

/* What was logged since capture(), line by line (NULL-terminated; free
 * each line and the array). */
static char **captured(void)
{
	dup2(saved_stderr, 2);
	close(saved_stderr);
	FILE *f = fopen(path, "r");
	char **lines = calloc(64, sizeof(*lines));
	char line[8192];
	int n = 0;
	while (f && n < 63 && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		lines[n++] = strdup(line);
	}
	if (f)
		fclose(f);
	return lines;
}

static void free_lines(char **lines)
{
	for (int i = 0; lines[i]; i++)
		free(lines[i]);
	free(lines);
}

static int setup(void)
{
	int fd = mkstemp(path);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static int teardown(void)
{
	unlink(path);
	log_set_format(LOG_TEXT);
	log_set_request(NULL);
	return 0;
}

static void test_text_lines_carry_the_request_id(void)
{
	log_set_format(LOG_TEXT);
	log_set_level(LOG_INFO);
	capture();
	log_warn("before any request");
	log_set_request("req-1");
	log_warn("cannot release the lock of app '%s'", "hello");
	log_msg_id(LOG_ERROR, "other-2", "about another request");
	log_access("GET", "/api/v1/apps/", 200, 1234, "req-1");
	log_debug("not shown at info");
	log_set_request(NULL);
	log_error("after it");
	char **l = captured();
	CU_ASSERT(strstr(l[0], "] warn: before any request") && !strstr(l[0], "id="));
	CU_ASSERT(test_has_prefix(strstr(l[1], "] warn: "),
				  "] warn: cannot release the lock of app 'hello' id=req-1"));
	CU_ASSERT(l[2] && strstr(l[2], "] error: about another request id=other-2"));
	CU_ASSERT(l[3] && strstr(l[3], "] info: GET /api/v1/apps/ 200 1234us id=req-1"));
	CU_ASSERT(l[4] && strstr(l[4], "] error: after it") && !strstr(l[4], "id="));
	CU_ASSERT_PTR_NULL(l[5]);
	/* "2026-11-25T14:03:07.123Z [pid] " */
	CU_ASSERT(l[0] && strlen(l[0]) > 25 && l[0][10] == 'T' && l[0][23] == 'Z' && l[0][25] == '[');
	free_lines(l);
}

static json_object *field(json_object *o, const char *key)
{
	json_object *v = NULL;
	json_object_object_get_ex(o, key, &v);
	return v;
}

static void test_json_lines(void)
{
	log_set_format(LOG_JSON);
	CU_ASSERT_EQUAL(log_format_parse("JSON"), LOG_JSON);
	CU_ASSERT_EQUAL(log_format_parse("text"), LOG_TEXT);
	CU_ASSERT_EQUAL(log_format_parse("yaml"), -1);
	capture();
	log_info("listening on %s", "/run/x.sock");
	log_set_request("req-\"9\"");
	log_warn("quote \" backslash \\ newline \n tab \t done");
	log_access("POST", "/api/v1/repos/", 201, 42, NULL);
	log_set_request(NULL);
	char big[6000];
	memset(big, '\x01', sizeof(big) - 1);   /* each escaped as \u0001: 6 bytes */
	big[sizeof(big) - 1] = '\0';
	log_error("%s", big);
	char **l = captured();
	json_object *o[4];
	for (int i = 0; i < 4; i++) {
		o[i] = l[i] ? json_tokener_parse(l[i]) : NULL;
		CU_ASSERT_FATAL(o[i] && json_object_is_type(o[i], json_type_object));
		CU_ASSERT(strlen(l[i]) < 4096);
		CU_ASSERT_EQUAL(json_object_get_int64(field(o[i], "pid")), (int64_t)getpid());
		CU_ASSERT_EQUAL(strlen(json_object_get_string(field(o[i], "time"))), 24);
	}
	CU_ASSERT_PTR_NULL(l[4]);
	CU_ASSERT_STRING_EQUAL(json_object_get_string(field(o[0], "level")), "info");
	CU_ASSERT_STRING_EQUAL(json_object_get_string(field(o[0], "msg")), "listening on /run/x.sock");
	CU_ASSERT_PTR_NULL(field(o[0], "id"));
	CU_ASSERT_STRING_EQUAL(json_object_get_string(field(o[1], "level")), "warn");
	CU_ASSERT_STRING_EQUAL(json_object_get_string(field(o[1], "msg")),
			       "quote \" backslash \\ newline \n tab \t done");
	CU_ASSERT_STRING_EQUAL(json_object_get_string(field(o[1], "id")), "req-\"9\"");
	CU_ASSERT_STRING_EQUAL(json_object_get_string(field(o[2], "method")), "POST");
	CU_ASSERT_STRING_EQUAL(json_object_get_string(field(o[2], "path")), "/api/v1/repos/");
	CU_ASSERT_EQUAL(json_object_get_int(field(o[2], "status")), 201);
	CU_ASSERT_EQUAL(json_object_get_int64(field(o[2], "duration_us")), 42);
	CU_ASSERT_STRING_EQUAL(json_object_get_string(field(o[2], "id")), "req-\"9\"");
	/* the long message is cut so that the line is still one JSON object */
	CU_ASSERT_STRING_EQUAL(json_object_get_string(field(o[3], "level")), "error");
	CU_ASSERT(json_object_get_string_len(field(o[3], "msg")) > 100);
	for (int i = 0; i < 4; i++)
		json_object_put(o[i]);
	free_lines(l);
	log_set_format(LOG_TEXT);
}

/* The pid of a line is the process's own: a forked child's lines carry
 * the child's, though its parent had logged (and known its pid) before. */
static void test_child_lines_carry_its_pid(void)
{
	log_set_format(LOG_TEXT);
	log_set_level(LOG_INFO);
	capture();
	log_info("parent");
	fflush(stderr);
	pid_t child = fork();
	if (child == 0) {
		log_info("child");
		log_access("GET", "/x", 200, 1, NULL);
		_exit(0);
	}
	CU_ASSERT_FATAL(child > 0);
	waitpid(child, NULL, 0);
	log_info("parent again");
	char **l = captured();
	char want[64];
	snprintf(want, sizeof(want), " [%ld] info: parent", (long)getpid());
	CU_ASSERT(l[0] && strstr(l[0], want));
	snprintf(want, sizeof(want), " [%ld] info: child", (long)child);
	CU_ASSERT(l[1] && strstr(l[1], want));
	snprintf(want, sizeof(want), " [%ld] info: GET /x 200 1us", (long)child);
	CU_ASSERT(l[2] && strstr(l[2], want));
	snprintf(want, sizeof(want), " [%ld] info: parent again", (long)getpid());
	CU_ASSERT(l[3] && strstr(l[3], want));
	/* "2026-11-25T14:03:07.123Z": the time to the millisecond, every line */
	for (int i = 0; i < 4 && l[i]; i++)
		CU_ASSERT(strlen(l[i]) > 24 && l[i][4] == '-' && l[i][10] == 'T' && l[i][19] == '.' &&
			  strspn(l[i] + 20, "0123456789") == 3 && l[i][23] == 'Z');
	free_lines(l);
}

static CU_TestInfo tests[] = {
	{ "text: a forked child's lines carry its pid", test_child_lines_carry_its_pid },
	{ "text: the request id on every line meanwhile", test_text_lines_carry_the_request_id },
	{ "json: one object per line, same fields", test_json_lines },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "log", setup, teardown, NULL, NULL, tests },
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return test_main(suites);
}
