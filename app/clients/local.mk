# app/clients: outbound calls to the neighbours; http.c is the one libcurl wrapper.
libconsole_a_SOURCES += \
	app/clients/deployd.c \
	app/clients/deployd_view.c \
	app/clients/curl_common.h \
	app/clients/docker.c \
	app/clients/http.c \
	app/clients/httpm.c \
	app/clients/lvault.c \
	app/clients/registry.c \
	app/clients/registry_util.c \
	app/clients/sso.c
