# app/clients: outbound calls to the neighbours; http.c is the one libcurl wrapper.
libconsole_a_SOURCES += \
	app/clients/http.c \
	app/clients/sso.c
