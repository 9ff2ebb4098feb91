/* app/config.c: defaults, file, environment, validation, printing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "console/config.h"
#include "testlib.h"

static char path[64];

static void write_file(const char *text)
{
	snprintf(path, sizeof(path), "/tmp/console-conf-XXXXXX");
	int fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static void clear_env(void)
{
	unsetenv("CONSOLE_ETCD_HOST");
	unsetenv("CONSOLE_WORKERS");
	unsetenv("SSO_CLIENT_SECRET");
	unsetenv("CONSOLE_FCGI_SOCKET_MODE");
	unsetenv("CONSOLE_LEGACY_LOGIN");
}

static void test_defaults(void)
{
	config_t cfg;
	err_t err = ERR_INIT;
	clear_env();
	write_file("");
	CU_ASSERT_EQUAL_FATAL(config_load(&cfg, path, &err), 0);
	CU_ASSERT_STRING_EQUAL(cfg.etcd_host, "etcd.lain:4001");
	CU_ASSERT_STRING_EQUAL(cfg.apps_prefix, "/lain/console/apps");
	CU_ASSERT_STRING_EQUAL(cfg.fcgi_socket, "/run/lain-console/fcgi.sock");
	CU_ASSERT_EQUAL(cfg.fcgi_socket_mode, 0660);
	CU_ASSERT_STRING_EQUAL(cfg.etcd_config_api, "v3");
	CU_ASSERT_STRING_EQUAL(cfg.registry_issuer, "auth server");
	CU_ASSERT_EQUAL(cfg.registry_token_ttl, 1800);
	CU_ASSERT(!cfg.registry_anonymous_pull);
	CU_ASSERT(!cfg.legacy_login);
	CU_ASSERT_STRING_EQUAL(cfg.metrics_allow, "127.0.0.0/8,::1");
	CU_ASSERT_STRING_EQUAL(cfg.log_format, "text");
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	CU_ASSERT_EQUAL(cfg.workers, 4 * cores < 8 ? 8 : 4 * cores);
	CU_ASSERT_EQUAL(config_default_workers(), cfg.workers);
	config_release(&cfg);
	unlink(path);
}

static void test_file_then_env(void)
{
	config_t cfg;
	err_t err = ERR_INIT;
	clear_env();
	write_file("# comment\n\nCONSOLE_ETCD_HOST = 10.0.0.1:2379,10.0.0.2:2379\n"
		   "CONSOLE_WORKERS=3\nSSO_CLIENT_SECRET='s3cret'\n"
		   "CONSOLE_REGISTRY_ANONYMOUS_PULL=true\nCONSOLE_FCGI_SOCKET_MODE=0666\n"
		   "CONSOLE_LEGACY_LOGIN=1\n");
	setenv("CONSOLE_WORKERS", "5", 1);
	CU_ASSERT_EQUAL_FATAL(config_load(&cfg, path, &err), 0);
	CU_ASSERT_STRING_EQUAL(cfg.etcd_host, "10.0.0.1:2379,10.0.0.2:2379");
	CU_ASSERT_EQUAL(cfg.workers, 5); /* the environment wins */
	CU_ASSERT_STRING_EQUAL(cfg.sso_client_secret, "s3cret");
	CU_ASSERT(cfg.registry_anonymous_pull);
	CU_ASSERT(cfg.legacy_login);
	CU_ASSERT_EQUAL(cfg.fcgi_socket_mode, 0666);
	/* A flag wins over both. */
	CU_ASSERT_EQUAL(config_set(&cfg, "CONSOLE_WORKERS", "9", &err), 0);
	CU_ASSERT_EQUAL(cfg.workers, 9);

	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	config_print(&cfg, f);
	fclose(f);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\nSSO_CLIENT_SECRET=********\n"));
	CU_ASSERT_PTR_NULL(strstr(out, "s3cret"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\nCONSOLE_WORKERS=9\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\nCONSOLE_FCGI_SOCKET_MODE=0666\n"));
	free(out);
	config_release(&cfg);
	clear_env();
	unlink(path);
}

static void test_invalid(void)
{
	static const struct {
		const char *text;
		const char *needle;
	} rows[] = {
		{ "CONSOLE_WORKERS=abc\n", "CONSOLE_WORKERS: 'abc' is not an integer" },
		{ "CONSOLE_WORKERS=0\n", "CONSOLE_WORKERS" },
		{ "CONSOLE_NO_SUCH=1\n", "unknown setting 'CONSOLE_NO_SUCH'" },
		{ "just text\n", "expected NAME=value" },
		{ "CONSOLE_ETCD_CONFIG_API=v4\n", "CONSOLE_ETCD_CONFIG_API: 'v4' is not v3 or v2" },
		{ "CONSOLE_LOG_LEVEL=loud\n", "CONSOLE_LOG_LEVEL" },
		{ "CONSOLE_FCGI_SOCKET_MODE=999\n", "not an octal file mode" },
		{ "CONSOLE_REGISTRY_ANONYMOUS_PULL=perhaps\n", "not a boolean" },
		{ "CONSOLE_APPS_ETCD_PREFIX=lain/apps/\n", "CONSOLE_APPS_ETCD_PREFIX" },
		{ "CONSOLE_ETCD_HOST=\n", "CONSOLE_ETCD_HOST: must not be empty" },
		{ "CONSOLE_METRICS_ALLOW=127.0.0.1,localhost\n",
		  "CONSOLE_METRICS_ALLOW: '127.0.0.1,localhost' has 1 entries that are not" },
		{ "CONSOLE_LOG_FORMAT=xml\n", "CONSOLE_LOG_FORMAT: 'xml' is not text or json" },
	};
	clear_env();
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		config_t cfg;
		err_t err = ERR_INIT;
		write_file(rows[i].text);
		CU_ASSERT_EQUAL(config_load(&cfg, path, &err), -ERR_INVALID);
		CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, rows[i].needle));
		CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, ":1"));
		unlink(path);
	}
	/* An invalid environment value names the variable too. */
	config_t cfg;
	err_t err = ERR_INIT;
	setenv("CONSOLE_WORKERS", "-3", 1);
	CU_ASSERT_EQUAL(config_load(&cfg, "/dev/null", &err), -ERR_INVALID);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "CONSOLE_WORKERS"));
	clear_env();
	/* A named file that does not exist is an error; the default path may be absent. */
	CU_ASSERT_EQUAL(config_load(&cfg, "/nonexistent/console.conf", &err), -ERR_INVALID);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "/nonexistent/console.conf"));
}

static CU_TestInfo config_tests[] = {
	{ "defaults", test_defaults },
	{ "file, then environment, then flags", test_file_then_env },
	{ "invalid values name the key", test_invalid },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "config", NULL, NULL, NULL, NULL, config_tests },
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return test_main(suites);
}
