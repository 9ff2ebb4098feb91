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

#include <CUnit/CUnit.h>

int test_main(CU_SuiteInfo *suites);

/* Path of a file under tests/ in the source tree (srcdir-aware: uses
 * $srcdir when make check sets it). Static storage, overwritten per call. */
const char *test_path(const char *rel);

#endif
