# tests/integration: CUnit suites against a real stack on loopback
# (scripts/stack: etcd, nginx, lain-console), one stack per suite.
#
# Every suite is its tests/integration/it_<name>.c on the harness library:
# the stack (harness.c), JSON helpers (itjson.c) and the deploy suites'
# neighbours (deploy_env.c). It is the one LDADD of the programs here (a
# program with its own, the unit suites', keeps it). The suites drive
# ./lain-console, which `make check` builds (all) before them.
noinst_LIBRARIES += libitharness.a
libitharness_a_SOURCES = tests/integration/harness.c tests/integration/harness.h \
	tests/integration/itjson.c tests/integration/itjson.h \
	tests/integration/deploy_env.c tests/integration/deploy_env.h
libitharness_a_CFLAGS = $(TESTS_CFLAGS)
IT_LIBS = libitharness.a $(UNIT_LIBS) -lpthread
LDADD = $(IT_LIBS)

check_PROGRAMS += tests/integration/it_api tests/integration/it_process tests/integration/it_etcd \
	tests/integration/it_auth tests/integration/it_legacy_login tests/integration/it_access \
	tests/integration/it_parity tests/integration/it_nginx tests/integration/it_logs \
	tests/integration/it_snapshot
TESTS += tests/integration/it_api tests/integration/it_process tests/integration/it_etcd \
	tests/integration/it_auth tests/integration/it_legacy_login tests/integration/it_access \
	tests/integration/it_parity tests/integration/it_nginx tests/integration/it_logs \
	tests/integration/it_snapshot
include $(srcdir)/tests/integration/registry.mk
include $(srcdir)/tests/integration/deploy.mk
include $(srcdir)/tests/integration/tokens.mk

# Several lain-console hosts on one 3-member etcd cluster behind one nginx,
# under a bounded load while an etcd leader is killed, a host is killed in
# the middle of a deploy and a member is frozen (Python, about 1.5 minutes;
# it prints a table of what was answered how). It drives ./lain-console.
TESTS += tests/integration/it_hosts.py
EXTRA_DIST += tests/integration/it_hosts.py tests/integration/hosts_cluster.py
