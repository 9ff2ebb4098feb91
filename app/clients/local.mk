# app/clients: the neighbours' APIs, over lib's one outbound HTTP wrapper (httpc, httpm).
libconsole_a_SOURCES += app/clients/deployd.c app/clients/deployd_view.c app/clients/deployd_health.c \
	app/clients/registry.c app/clients/registry_util.c \
	app/clients/sso.c app/clients/lvault.c app/clients/docker.c app/clients/gitlab.c \
	app/clients/webrouter.c
