# app/core: the domain, no I/O — lain.yaml model and parser, spec builder,
# resource templates, sizes, versions; plus the render command built on them.
libconsole_a_SOURCES += app/core/ynode.c app/core/yread.c app/core/ynode.h app/core/lainparse.h \
	app/core/lainparse.c app/core/lainproc.c app/core/lainports.c app/core/lainyaml.c \
	app/core/size.c app/core/version.c app/core/tmpl.c app/core/spec.c app/core/urlpolicy.c \
	app/core/mountpolicy.c app/core/plandiff.c \
	app/cmd_render.c
