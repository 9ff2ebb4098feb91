# tests/unit/tokens.mk: the registry token server's unit suite (issue 6).
check_PROGRAMS += tests/unit/test_tokens
TESTS += tests/unit/test_tokens
tests_unit_test_tokens_SOURCES = tests/unit/test_tokens.c
tests_unit_test_tokens_CFLAGS = $(TESTS_CFLAGS)
tests_unit_test_tokens_LDADD = $(UNIT_LIBS)
