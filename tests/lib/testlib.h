/*
 * testlib — the common main() of every CUnit program.
 *
 *     static CU_TestInfo tests[] = { { "parses sizes", test_sizes }, CU_TEST_INFO_NULL };
 *     static CU_SuiteInfo suites[] = {
 *         { "sizes", NULL, NULL, NULL, NULL, tests }, CU_SUITE_INFO_NULL };
 *     int main(void) { return test_main(suites); }
 *
 * Runs every suite verbosely, prints CUnit's run summary, and exits non-zero
 * when any test or suite set-up failed (so automake's harness sees it).
 */
#ifndef CONSOLE_TESTLIB_H
#define CONSOLE_TESTLIB_H

#include <stdbool.h>

#include <CUnit/CUnit.h>

int test_main(CU_SuiteInfo *suites);

/* Asserts that the string s starts with prefix, the length counted here
 * (not by hand, as strncmp(s, prefix, N) had it); a NULL s fails. The two
 * are printed when they differ. */
#define CU_ASSERT_PREFIX(s, prefix)                                                       \
	CU_assertImplementation(test_has_prefix((s), (prefix)), __LINE__,                  \
				"CU_ASSERT_PREFIX(" #s ", " #prefix ")", __FILE__, "", CU_FALSE)
bool test_has_prefix(const char *s, const char *prefix);

/* Path of a file under tests/ in the source tree (srcdir-aware: uses
 * $srcdir when make check sets it). Static storage, overwritten per call. */
const char *test_path(const char *rel);

#endif
