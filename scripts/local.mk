# scripts: the dev stack, the test and bench drivers and the key tools. The
# integration suites start their stacks with scripts/stack (which renders the
# nginx templates with render-template and makes certificates with gen-cert),
# so make dist carries them all.
EXTRA_DIST += scripts/bench scripts/bench-noop.c scripts/bootstrap scripts/dev \
	scripts/gen-cert scripts/gen-registry-key scripts/render-template scripts/stack \
	scripts/test
