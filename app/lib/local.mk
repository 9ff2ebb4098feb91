# app/lib: small generic pieces, no domain knowledge: memory and text,
# encodings and signatures, outbound HTTP, logging, systemd readiness.
libconsole_a_SOURCES += app/lib/arena.c app/lib/buf.c app/lib/err.c app/lib/strx.c \
	app/lib/pyjson.c app/lib/xalloc.c app/lib/base32.c app/lib/base64.c app/lib/ipset.c app/lib/jws.c \
	app/lib/curl_common.h app/lib/httpc.c app/lib/httpm.c app/lib/log.c app/lib/metrics.c app/lib/podcache.c \
	app/lib/sdnotify.c app/lib/clock.c app/lib/child.c app/lib/logring.c
