# tests/unit/jws.mk: base32 and JWS signing (app/lib/base32.c, app/lib/jws.c).
check_PROGRAMS += tests/unit/test_jws
TESTS += tests/unit/test_jws
tests_unit_test_jws_SOURCES = tests/unit/test_jws.c
tests_unit_test_jws_CFLAGS = $(TESTS_CFLAGS)
tests_unit_test_jws_LDADD = $(UNIT_LIBS)
EXTRA_DIST += tests/unit/data/jws
