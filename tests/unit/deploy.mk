# tests/unit/deploy.mk: the foundations of the deploy lifecycle (issue 5):
# the deployd and registry clients, the parallel HTTP calls, the oplog and the
# per-app deploy lock — their library sources, and their unit suite (the
# parts without I/O). The integration suites are in tests/integration/deploy.mk.
libconsole_a_SOURCES += \
	app/clients/httpm.c \
	app/clients/deployd.c \
	app/clients/deployd_view.c \
	app/clients/registry.c \
	app/clients/registry_util.c \
	app/store/oplog.c \
	app/store/locks.c \
	app/api/oplog.c \
	app/api/ports.c \
	app/api/versions.c

check_PROGRAMS += tests/unit/test_deploy
TESTS += tests/unit/test_deploy
tests_unit_test_deploy_SOURCES = tests/unit/test_deploy.c
tests_unit_test_deploy_CFLAGS = $(TESTS_CFLAGS)
tests_unit_test_deploy_LDADD = $(UNIT_LIBS)
