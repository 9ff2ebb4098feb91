# app/lib: small generic pieces, no domain knowledge.
libconsole_a_SOURCES += \
	app/lib/arena.c \
	app/lib/base32.c \
	app/lib/base64.c \
	app/lib/buf.c \
	app/lib/curl_common.h \
	app/lib/err.c \
	app/lib/httpc.c \
	app/lib/httpm.c \
	app/lib/ipset.c \
	app/lib/jws.c \
	app/lib/log.c \
	app/lib/strx.c \
	app/lib/xalloc.c
