# app/core: the registration name policy and the registry token policy (kept
# out of local.mk, which the lain.yaml work owns).
libconsole_a_SOURCES += app/core/appname.c app/core/token_policy.c
