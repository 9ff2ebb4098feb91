# tests/unit: CUnit suites, one per module, no network.
noinst_LIBRARIES += libtestlib.a
libtestlib_a_SOURCES = tests/lib/testlib.c tests/lib/testlib.h
libtestlib_a_CFLAGS = $(TESTS_CFLAGS)

UNIT_LIBS = libtestlib.a $(TESTS_LIBS)

include $(srcdir)/tests/unit/lib.mk
include $(srcdir)/tests/unit/core.mk
include $(srcdir)/tests/unit/jws.mk
