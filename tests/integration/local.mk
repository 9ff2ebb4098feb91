# tests/integration: CUnit suites against a real stack on loopback
# (scripts/stack: etcd, nginx, lain-console), one stack per suite.
noinst_LIBRARIES += libitharness.a
libitharness_a_SOURCES = tests/integration/harness.c tests/integration/harness.h \
	tests/integration/itjson.c tests/integration/itjson.h
libitharness_a_CFLAGS = $(TESTS_CFLAGS)
IT_LIBS = libitharness.a $(UNIT_LIBS) -lpthread

# The suites drive ./lain-console: build it first.
IT_DEPS = lain-console$(EXEEXT)

check_PROGRAMS += tests/integration/it_api tests/integration/it_process tests/integration/it_etcd \
	tests/integration/it_auth tests/integration/it_legacy_login
TESTS += tests/integration/it_api tests/integration/it_process tests/integration/it_etcd \
	tests/integration/it_auth tests/integration/it_legacy_login
tests_integration_it_api_SOURCES = tests/integration/it_api.c
tests_integration_it_api_CFLAGS = $(TESTS_CFLAGS)
tests_integration_it_api_LDADD = $(IT_LIBS)
EXTRA_tests_integration_it_api_DEPENDENCIES = $(IT_DEPS)
tests_integration_it_process_SOURCES = tests/integration/it_process.c
tests_integration_it_process_CFLAGS = $(TESTS_CFLAGS)
tests_integration_it_process_LDADD = $(IT_LIBS)
EXTRA_tests_integration_it_process_DEPENDENCIES = $(IT_DEPS)
tests_integration_it_etcd_SOURCES = tests/integration/it_etcd.c
tests_integration_it_etcd_CFLAGS = $(TESTS_CFLAGS)
tests_integration_it_etcd_LDADD = $(IT_LIBS)
EXTRA_tests_integration_it_etcd_DEPENDENCIES = $(IT_DEPS)
tests_integration_it_auth_SOURCES = tests/integration/it_auth.c
tests_integration_it_auth_CFLAGS = $(TESTS_CFLAGS)
tests_integration_it_auth_LDADD = $(IT_LIBS)
EXTRA_tests_integration_it_auth_DEPENDENCIES = $(IT_DEPS)
tests_integration_it_legacy_login_SOURCES = tests/integration/it_legacy_login.c
tests_integration_it_legacy_login_CFLAGS = $(TESTS_CFLAGS)
tests_integration_it_legacy_login_LDADD = $(IT_LIBS)
EXTRA_tests_integration_it_legacy_login_DEPENDENCIES = $(IT_DEPS)
include $(srcdir)/tests/integration/registry.mk
include $(srcdir)/tests/integration/deploy.mk
