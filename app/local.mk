# app: the command-line pieces that are not main() itself.
libconsole_a_SOURCES += \
	app/config.c
