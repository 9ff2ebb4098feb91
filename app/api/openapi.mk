# The OpenAPI document (app/api/openapi.json) served by app/api/openapi.c:
# built into the binary as a C array, made here with od and sed.
libconsole_a_SOURCES += app/api/openapi.c
nodist_libconsole_a_SOURCES = app/api/openapi_doc.c
EXTRA_DIST += app/api/openapi.json app/api/openapi.mk
CLEANFILES += app/api/openapi_doc.c

app/api/openapi_doc.c: $(srcdir)/app/api/openapi.json
	$(AM_V_GEN)$(MKDIR_P) app/api && { \
	  echo '/* Generated from app/api/openapi.json by app/api/openapi.mk: do not edit. */'; \
	  echo 'extern const unsigned char api_openapi_doc[];'; \
	  echo 'const unsigned char api_openapi_doc[] = {'; \
	  od -An -v -tx1 $(srcdir)/app/api/openapi.json | sed -e 's/ *\([0-9a-f][0-9a-f]\)/0x\1,/g'; \
	  echo '0x00 };'; \
	} > $@.tmp && mv $@.tmp $@
