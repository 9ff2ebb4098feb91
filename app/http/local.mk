# app/http: FastCGI request/response, router, JSON envelope, worker loop.
libconsole_a_SOURCES += app/http/request.c app/http/body.c app/http/response.c app/http/router.c \
	app/http/server.c
