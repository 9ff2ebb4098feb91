#include <stdio.h>
#include <string.h>
#include <stdlib.h>

#include <CUnit/Basic.h>

#include "testlib.h"

int test_main(CU_SuiteInfo *suites)
{
	if (CU_initialize_registry() != CUE_SUCCESS) {
		fprintf(stderr, "cunit: %s\n", CU_get_error_msg());
		return 2;
	}
	if (CU_register_suites(suites) != CUE_SUCCESS) {
		fprintf(stderr, "cunit: %s\n", CU_get_error_msg());
		CU_cleanup_registry();
		return 2;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	unsigned failed = CU_get_number_of_failures() + CU_get_number_of_suites_failed() +
			  CU_get_number_of_tests_failed();
	unsigned run = CU_get_number_of_tests_run();
	CU_cleanup_registry();
	printf("\n");
	if (run == 0) {
		fprintf(stderr, "no test ran\n");
		return 1;
	}
	return failed ? 1 : 0;
}

const char *test_path(const char *rel)
{
	static char path[4096];
	const char *srcdir = getenv("srcdir");
	snprintf(path, sizeof(path), "%s/tests/%s", srcdir ? srcdir : ".", rel);
	return path;
}

bool test_has_prefix(const char *s, const char *prefix)
{
	if (s && !strncmp(s, prefix, strlen(prefix)))
		return true;
	fprintf(stderr, "  expected a string starting with \"%s\", got %s%s%s\n", prefix,
		s ? "\"" : "", s ? s : "NULL", s ? "\"" : "");
	return false;
}
