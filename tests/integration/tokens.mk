# tests/integration/tokens.mk: deploy tokens and signed, retried webhooks
# (issue 18), against the deploy suites' neighbours (deploy_env.c).
check_PROGRAMS += tests/integration/it_tokens
TESTS += tests/integration/it_tokens
check_PROGRAMS += tests/integration/it_webhooks
TESTS += tests/integration/it_webhooks
