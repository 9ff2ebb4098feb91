# tests/unit: CUnit suites, one per module, no network.
noinst_LIBRARIES += libtestlib.a
libtestlib_a_SOURCES = tests/lib/testlib.c tests/lib/testlib.h tests/lib/exposition.c \
	tests/lib/exposition.h
libtestlib_a_CFLAGS = $(TESTS_CFLAGS)

UNIT_LIBS = libtestlib.a $(TESTS_LIBS)

include $(srcdir)/tests/unit/lib.mk
include $(srcdir)/tests/unit/core.mk
include $(srcdir)/tests/unit/jws.mk
include $(srcdir)/tests/unit/deploy.mk
include $(srcdir)/tests/unit/tokens.mk
include $(srcdir)/tests/unit/robots.mk
include $(srcdir)/tests/unit/openapi.mk

check_PROGRAMS += tests/unit/test_http tests/unit/test_config tests/unit/test_etcd
TESTS += tests/unit/test_http tests/unit/test_config tests/unit/test_etcd
tests_unit_test_http_SOURCES = tests/unit/test_http.c
tests_unit_test_http_CFLAGS = $(TESTS_CFLAGS)
tests_unit_test_http_LDADD = $(UNIT_LIBS)
tests_unit_test_config_SOURCES = tests/unit/test_config.c
tests_unit_test_config_CFLAGS = $(TESTS_CFLAGS)
tests_unit_test_config_LDADD = $(UNIT_LIBS)
tests_unit_test_etcd_SOURCES = tests/unit/test_etcd.c
tests_unit_test_etcd_CFLAGS = $(TESTS_CFLAGS)
tests_unit_test_etcd_LDADD = $(UNIT_LIBS)
