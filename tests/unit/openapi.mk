# The OpenAPI document against the route table, and the route serving it.
check_PROGRAMS += tests/unit/test_openapi
TESTS += tests/unit/test_openapi
tests_unit_test_openapi_SOURCES = tests/unit/test_openapi.c
tests_unit_test_openapi_CFLAGS = $(TESTS_CFLAGS)
tests_unit_test_openapi_LDADD = $(UNIT_LIBS)
EXTRA_DIST += tests/unit/openapi.mk
