# app/core/appname.c: the registration name policy (kept out of local.mk,
# which the lain.yaml work owns).
libconsole_a_SOURCES += app/core/appname.c
