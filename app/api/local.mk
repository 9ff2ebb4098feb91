# app/api: the handlers, one file per resource, and the route table ...
libconsole_a_SOURCES += app/api/routes.c app/api/apps.c app/api/repos.c app/api/versions.c \
	app/api/deploy.c app/api/procs.c app/api/maintainers.c app/api/authorize.c \
	app/api/notify.c app/api/oplogs.c app/api/ports.c app/api/health.c app/api/registry_auth.c \
	app/api/scrape.c
# ... and what they share: answers, the route checks, the neighbours' clients,
# lain.yaml, App objects, the deploy steps, instances, groups, networks, secrets,
# an image push's commits.
libconsole_a_SOURCES += app/api/answer.c app/api/answer.h app/api/permission.c \
	app/api/peers.c app/api/peers.h app/api/appconf.c app/api/appconf.h app/api/appview.c \
	app/api/appview.h app/api/deployer.c app/api/deployer.h app/api/instances.c \
	app/api/instances.h app/api/groups.c app/api/groups.h app/api/networks.c app/api/networks.h \
	app/api/secrets.c app/api/secrets.h app/api/commits.c app/api/commits.h \
	app/api/podgroups.c app/api/podgroups.h \
	app/api/history.c app/api/history.h app/api/gate.c app/api/gate.h app/api/rollback.c \
	app/api/rollback.h app/api/scale.c app/api/scale.h \
	app/api/canary.c app/api/canary.h app/api/podstatus.c app/api/podstatus.h

include $(srcdir)/app/api/openapi.mk
