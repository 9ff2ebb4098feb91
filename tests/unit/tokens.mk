# tests/unit/tokens.mk: the registry token server (issue 6). Its library
# sources are listed here too, so that the whole feature is wired by the one
# include line in tests/unit/local.mk (they may move to app/*/local.mk).
libconsole_a_SOURCES += \
	app/lib/ipset.c \
	app/core/token_policy.c \
	app/api/registry_auth.c

check_PROGRAMS += tests/unit/test_tokens
TESTS += tests/unit/test_tokens
tests_unit_test_tokens_SOURCES = tests/unit/test_tokens.c
tests_unit_test_tokens_CFLAGS = $(TESTS_CFLAGS)
tests_unit_test_tokens_LDADD = $(UNIT_LIBS)
