# app/lib: small generic pieces, no domain knowledge.
libconsole_a_SOURCES += \
	app/lib/arena.c \
	app/lib/base32.c \
	app/lib/base64.c \
	app/lib/buf.c \
	app/lib/err.c \
	app/lib/ipset.c \
	app/lib/jws.c \
	app/lib/log.c \
	app/lib/notify.c \
	app/lib/strx.c \
	app/lib/xalloc.c
