# app/store: the etcd v3 client and the typed stores built on it.
libconsole_a_SOURCES += app/store/etcd.c app/store/etcd_wire.c app/store/etcd_wire.h \
	app/store/ctx.c app/store/cluster.c app/store/auth.c \
	app/store/apps.c app/store/settings.c app/store/notifies.c app/store/oplog.c \
	app/store/locks.c app/store/calico.c app/store/releases.c app/store/snapshot.c
