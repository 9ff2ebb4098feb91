# tests/integration/deploy.mk: the deploy foundations against real neighbours
# (issue 5): the deployd stand-in, a real docker-registry seeded by
# tests/tools/push-image, the stack's etcd, nginx and lain-console.
check_PROGRAMS += tests/integration/it_deploy
TESTS += tests/integration/it_deploy
tests_integration_it_deploy_SOURCES = tests/integration/it_deploy.c \
	tests/integration/deploy_env.c tests/integration/deploy_env.h
tests_integration_it_deploy_CFLAGS = $(TESTS_CFLAGS)
tests_integration_it_deploy_LDADD = $(IT_LIBS)
EXTRA_tests_integration_it_deploy_DEPENDENCIES = $(IT_DEPS)

check_PROGRAMS += tests/integration/it_deploy_api
TESTS += tests/integration/it_deploy_api
tests_integration_it_deploy_api_SOURCES = tests/integration/it_deploy_api.c \
	tests/integration/deploy_env.c tests/integration/deploy_env.h
tests_integration_it_deploy_api_CFLAGS = $(TESTS_CFLAGS)
tests_integration_it_deploy_api_LDADD = $(IT_LIBS)
EXTRA_tests_integration_it_deploy_api_DEPENDENCIES = $(IT_DEPS)

check_PROGRAMS += tests/integration/it_deploy_flow
TESTS += tests/integration/it_deploy_flow
tests_integration_it_deploy_flow_SOURCES = tests/integration/it_deploy_flow.c \
	tests/integration/deploy_env.c tests/integration/deploy_env.h
tests_integration_it_deploy_flow_CFLAGS = $(TESTS_CFLAGS)
tests_integration_it_deploy_flow_LDADD = $(IT_LIBS)
EXTRA_tests_integration_it_deploy_flow_DEPENDENCIES = $(IT_DEPS)

check_PROGRAMS += tests/integration/it_deploy_procs
TESTS += tests/integration/it_deploy_procs
tests_integration_it_deploy_procs_SOURCES = tests/integration/it_deploy_procs.c \
	tests/integration/deploy_env.c tests/integration/deploy_env.h
tests_integration_it_deploy_procs_CFLAGS = $(TESTS_CFLAGS)
tests_integration_it_deploy_procs_LDADD = $(IT_LIBS)
EXTRA_tests_integration_it_deploy_procs_DEPENDENCIES = $(IT_DEPS)

check_PROGRAMS += tests/integration/it_deploy_resources
TESTS += tests/integration/it_deploy_resources
tests_integration_it_deploy_resources_SOURCES = tests/integration/it_deploy_resources.c \
	tests/integration/deploy_env.c tests/integration/deploy_env.h
tests_integration_it_deploy_resources_CFLAGS = $(TESTS_CFLAGS)
tests_integration_it_deploy_resources_LDADD = $(IT_LIBS)
EXTRA_tests_integration_it_deploy_resources_DEPENDENCIES = $(IT_DEPS)

check_PROGRAMS += tests/integration/it_notify
TESTS += tests/integration/it_notify
tests_integration_it_notify_SOURCES = tests/integration/it_notify.c \
	tests/integration/deploy_env.c tests/integration/deploy_env.h
tests_integration_it_notify_CFLAGS = $(TESTS_CFLAGS)
tests_integration_it_notify_LDADD = $(IT_LIBS)
EXTRA_tests_integration_it_notify_DEPENDENCIES = $(IT_DEPS)

check_PROGRAMS += tests/integration/it_networks
TESTS += tests/integration/it_networks
tests_integration_it_networks_SOURCES = tests/integration/it_networks.c \
	tests/integration/deploy_env.c tests/integration/deploy_env.h
tests_integration_it_networks_CFLAGS = $(TESTS_CFLAGS)
tests_integration_it_networks_LDADD = $(IT_LIBS)
EXTRA_tests_integration_it_networks_DEPENDENCIES = $(IT_DEPS)

check_PROGRAMS += tests/integration/it_secrets
TESTS += tests/integration/it_secrets
tests_integration_it_secrets_SOURCES = tests/integration/it_secrets.c \
	tests/integration/deploy_env.c tests/integration/deploy_env.h
tests_integration_it_secrets_CFLAGS = $(TESTS_CFLAGS)
tests_integration_it_secrets_LDADD = $(IT_LIBS)
EXTRA_tests_integration_it_secrets_DEPENDENCIES = $(IT_DEPS)
