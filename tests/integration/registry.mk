# tests/integration/registry.mk: the registry token server against the real
# docker-registry, the SSO fake, push-image and skopeo (issue 6).
check_PROGRAMS += tests/integration/it_registry
TESTS += tests/integration/it_registry
tests_integration_it_registry_SOURCES = tests/integration/it_registry.c
tests_integration_it_registry_CFLAGS = $(TESTS_CFLAGS)
tests_integration_it_registry_LDADD = $(IT_LIBS)
EXTRA_tests_integration_it_registry_DEPENDENCIES = $(IT_DEPS)
