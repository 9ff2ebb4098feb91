# tests/integration/registry.mk: the registry token server against the real
# docker-registry, the SSO fake, push-image and skopeo (issue 6).
check_PROGRAMS += tests/integration/it_registry
TESTS += tests/integration/it_registry
