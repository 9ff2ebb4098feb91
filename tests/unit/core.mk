# tests/unit/core.mk: app/core — lain.yaml model, sizes, versions, templates,
# spec builder and the render command's golden files.
check_PROGRAMS += tests/unit/test_core_lainyaml tests/unit/test_core_misc tests/unit/test_core_spec
TESTS += tests/unit/test_core_lainyaml tests/unit/test_core_misc tests/unit/test_core_spec

tests_unit_test_core_lainyaml_SOURCES = tests/unit/test_core_lainyaml.c
tests_unit_test_core_lainyaml_CFLAGS = $(TESTS_CFLAGS)
tests_unit_test_core_lainyaml_LDADD = $(UNIT_LIBS)

tests_unit_test_core_misc_SOURCES = tests/unit/test_core_misc.c
tests_unit_test_core_misc_CFLAGS = $(TESTS_CFLAGS)
tests_unit_test_core_misc_LDADD = $(UNIT_LIBS)

tests_unit_test_core_spec_SOURCES = tests/unit/test_core_spec.c
tests_unit_test_core_spec_CFLAGS = $(TESTS_CFLAGS)
tests_unit_test_core_spec_LDADD = $(UNIT_LIBS)

EXTRA_DIST += tests/unit/data/render
