# Deploy tokens (issue 18), kept out of the directories' local.mk files
# that other work changes at the same time: secrets (lib), what a token is
# (core), its records (store), the checks and endpoints (api).
libconsole_a_SOURCES += app/lib/secret.c app/core/robot.c app/store/tokens.c \
	app/api/robots.c app/api/robots.h
