check_PROGRAMS += tests/unit/test_lib
TESTS += tests/unit/test_lib
tests_unit_test_lib_SOURCES = tests/unit/test_lib.c
tests_unit_test_lib_CFLAGS = $(TESTS_CFLAGS)
tests_unit_test_lib_LDADD = $(UNIT_LIBS)

check_PROGRAMS += tests/unit/test_metrics
TESTS += tests/unit/test_metrics
tests_unit_test_metrics_SOURCES = tests/unit/test_metrics.c
tests_unit_test_metrics_CFLAGS = $(TESTS_CFLAGS)
tests_unit_test_metrics_LDADD = $(UNIT_LIBS)

check_PROGRAMS += tests/unit/test_log
TESTS += tests/unit/test_log
tests_unit_test_log_SOURCES = tests/unit/test_log.c
tests_unit_test_log_CFLAGS = $(TESTS_CFLAGS)
tests_unit_test_log_LDADD = $(UNIT_LIBS)

check_PROGRAMS += tests/unit/test_podcache
TESTS += tests/unit/test_podcache
tests_unit_test_podcache_SOURCES = tests/unit/test_podcache.c
tests_unit_test_podcache_CFLAGS = $(TESTS_CFLAGS)
tests_unit_test_podcache_LDADD = $(UNIT_LIBS)
