# tests/unit/robots.mk: deploy tokens and signed webhooks, the parts without
# I/O (issue 18).
check_PROGRAMS += tests/unit/test_robots
TESTS += tests/unit/test_robots
tests_unit_test_robots_SOURCES = tests/unit/test_robots.c
tests_unit_test_robots_CFLAGS = $(TESTS_CFLAGS)
tests_unit_test_robots_LDADD = $(UNIT_LIBS)
