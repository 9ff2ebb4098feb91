# Deploy tokens and signed, retried webhooks (issue 18), kept out of the
# directories' local.mk files that other work changes at the same time:
# secrets and HMACs (lib), what a token is (core), its records and the
# webhook deliveries (store), the checks and endpoints (api).
libconsole_a_SOURCES += app/lib/secret.c app/core/robot.c app/store/tokens.c app/store/webhooks.c app/store/fields.h \
	app/api/robots.c app/api/robots.h app/api/deliveries.c app/api/deliveries.h
