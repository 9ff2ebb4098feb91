# app/api: one file per resource, and the route table.
libconsole_a_SOURCES += \
	app/api/answer.c \
	app/api/answer.h \
	app/api/appconf.c \
	app/api/appconf.h \
	app/api/apps.c \
	app/api/appview.c \
	app/api/appview.h \
	app/api/authorize.c \
	app/api/deploy.c \
	app/api/deployer.c \
	app/api/deployer.h \
	app/api/groups.c \
	app/api/groups.h \
	app/api/instances.c \
	app/api/instances.h \
	app/api/health.c \
	app/api/maintainers.c \
	app/api/networks.c \
	app/api/networks.h \
	app/api/notify.c \
	app/api/oplogs.c \
	app/api/peers.c \
	app/api/peers.h \
	app/api/permission.c \
	app/api/ports.c \
	app/api/procs.c \
	app/api/registry_auth.c \
	app/api/repos.c \
	app/api/routes.c \
	app/api/secrets.c \
	app/api/secrets.h \
	app/api/versions.c
