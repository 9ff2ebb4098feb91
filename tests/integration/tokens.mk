# tests/integration/tokens.mk: deploy tokens (issue 18), against the deploy
# suites' neighbours (deploy_env.c).
check_PROGRAMS += tests/integration/it_tokens
TESTS += tests/integration/it_tokens
