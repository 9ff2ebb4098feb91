# tests/unit/deploy.mk: the unit suite of the deploy lifecycle's foundations
# (issue 5): deployd and registry clients, parallel calls, oplog, deploy lock
# — the parts without I/O. The integration suites: tests/integration/deploy.mk.
check_PROGRAMS += tests/unit/test_deploy
TESTS += tests/unit/test_deploy
tests_unit_test_deploy_SOURCES = tests/unit/test_deploy.c
tests_unit_test_deploy_CFLAGS = $(TESTS_CFLAGS)
tests_unit_test_deploy_LDADD = $(UNIT_LIBS)

# Issue 13's pure parts: the plan's diff and the health gate's judgement.
check_PROGRAMS += tests/unit/test_release
TESTS += tests/unit/test_release
tests_unit_test_release_SOURCES = tests/unit/test_release.c
tests_unit_test_release_CFLAGS = $(TESTS_CFLAGS)
tests_unit_test_release_LDADD = $(UNIT_LIBS)
