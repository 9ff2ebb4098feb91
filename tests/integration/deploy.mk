# tests/integration/deploy.mk: the deploy suites against real neighbours
# (issue 5): the deployd stand-in, a real docker-registry seeded by
# tests/tools/push-image, the stack's etcd, nginx and lain-console. Each is
# its it_<name>.c alone: the harness library has deploy_env.c, and the
# flags and the LDADD are the integration suites' (local.mk).
DEPLOY_SUITES = tests/integration/it_deploy tests/integration/it_deploy_api \
	tests/integration/it_deploy_flow tests/integration/it_deploy_procs \
	tests/integration/it_deploy_resources tests/integration/it_notify \
	tests/integration/it_networks tests/integration/it_secrets tests/integration/it_guards \
	tests/integration/it_input tests/integration/it_meta \
	tests/integration/it_releases tests/integration/it_plans tests/integration/it_health \
	tests/integration/it_canary \
	tests/integration/it_metrics tests/integration/it_podstatus
check_PROGRAMS += $(DEPLOY_SUITES)
TESTS += $(DEPLOY_SUITES)
