# tests/fuzz: libFuzzer targets. Not part of `make` or `make check` (they
# need clang); `make fuzz [FUZZ_SECONDS=60]` builds and runs each of them
# for FUZZ_SECONDS and fails on any crash, leak, sanitizer report or broken
# invariant (the targets abort on one).
#
#   fuzz_lainyaml    lain.yaml parser, templates, spec builder (core only)
#   fuzz_json_body   JSON request bodies: NUL check, typed getters, answers
#   fuzz_router      FastCGI parameters through the router and the real
#                    route table
#   fuzz_scopes      the registry token server's scope parsing and grants
FUZZ_CC = clang
FUZZ_SECONDS = 60
FUZZ_CFLAGS = -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer -D_GNU_SOURCE -I$(srcdir)/include $(JSONC_CFLAGS) $(YAML_CFLAGS)
FUZZ_CORE_SRC = \
	$(srcdir)/app/core/ynode.c $(srcdir)/app/core/yread.c $(srcdir)/app/core/lainparse.c $(srcdir)/app/core/lainproc.c $(srcdir)/app/core/lainports.c $(srcdir)/app/core/lainyaml.c $(srcdir)/app/core/size.c \
	$(srcdir)/app/core/version.c $(srcdir)/app/core/tmpl.c $(srcdir)/app/core/spec.c \
	$(srcdir)/app/lib/arena.c $(srcdir)/app/lib/buf.c $(srcdir)/app/lib/err.c \
	$(srcdir)/app/lib/strx.c $(srcdir)/app/lib/xalloc.c

# The other targets need more than core (the route table names every
# handler): all of libconsole, compiled once with the fuzzer's coverage but
# without its main() (fuzzer-no-link) into tests/fuzz/libfuzz.a.
FUZZ_LIB_CFLAGS = -std=c11 -g -O1 -fsanitize=fuzzer-no-link,address,undefined \
	-fno-sanitize-recover=all -fno-omit-frame-pointer -D_GNU_SOURCE -I$(srcdir)/include \
	$(DEPS_CFLAGS)
FUZZ_APP = tests/fuzz/fuzz_json_body tests/fuzz/fuzz_router tests/fuzz/fuzz_scopes

EXTRA_DIST += tests/fuzz/fuzz_lainyaml.c tests/fuzz/lainyaml.dict \
	tests/fuzz/fuzz_json_body.c tests/fuzz/fuzz_router.c tests/fuzz/fuzz_scopes.c \
	tests/fuzz/json.dict tests/fuzz/router.dict tests/fuzz/scopes.dict tests/fuzz/seeds
CLEANFILES += tests/fuzz/fuzz_lainyaml $(FUZZ_APP) tests/fuzz/libfuzz.a

tests/fuzz/fuzz_lainyaml: $(srcdir)/tests/fuzz/fuzz_lainyaml.c $(FUZZ_CORE_SRC)
	@mkdir -p tests/fuzz
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $(srcdir)/tests/fuzz/fuzz_lainyaml.c $(FUZZ_CORE_SRC) \
		$(JSONC_LIBS) $(YAML_LIBS)

# Rebuilt whenever libconsole.a is (it depends on the same sources); the
# generated app/api/openapi_doc.c is in the build tree, the rest in srcdir.
tests/fuzz/libfuzz.a: libconsole.a
	@rm -rf tests/fuzz/obj && mkdir -p tests/fuzz/obj
	@for f in $(libconsole_a_SOURCES) $(nodist_libconsole_a_SOURCES); do \
	  case $$f in *.c) ;; *) continue ;; esac; \
	  src=$$f; test -f "$$src" || src=$(srcdir)/$$f; \
	  o=tests/fuzz/obj/`echo "$$f" | sed -e 's|^app/||' -e 's|/|_|g' -e 's|\.c$$|.o|'`; \
	  $(FUZZ_CC) $(FUZZ_LIB_CFLAGS) -c "$$src" -o "$$o" || exit 1; \
	done
	rm -f $@ && $(AR) $(ARFLAGS) $@ tests/fuzz/obj/*.o && rm -rf tests/fuzz/obj

tests/fuzz/fuzz_json_body: $(srcdir)/tests/fuzz/fuzz_json_body.c tests/fuzz/libfuzz.a
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(DEPS_CFLAGS) -o $@ $(srcdir)/tests/fuzz/fuzz_json_body.c \
		tests/fuzz/libfuzz.a $(DEPS_LIBS)
tests/fuzz/fuzz_router: $(srcdir)/tests/fuzz/fuzz_router.c tests/fuzz/libfuzz.a
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(DEPS_CFLAGS) -o $@ $(srcdir)/tests/fuzz/fuzz_router.c \
		tests/fuzz/libfuzz.a $(DEPS_LIBS)
tests/fuzz/fuzz_scopes: $(srcdir)/tests/fuzz/fuzz_scopes.c tests/fuzz/libfuzz.a
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(DEPS_CFLAGS) -o $@ $(srcdir)/tests/fuzz/fuzz_scopes.c \
		tests/fuzz/libfuzz.a $(DEPS_LIBS)

FUZZ_RUN = ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
FUZZ_ARGS = -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 -print_final_stats=1

# Each corpus starts from its seeds (lain.yaml: the render goldens) and
# grows in the build tree.
fuzz: tests/fuzz/fuzz_lainyaml $(FUZZ_APP)
	@mkdir -p tests/fuzz/corpus-lainyaml tests/fuzz/corpus-json_body tests/fuzz/corpus-router \
		tests/fuzz/corpus-scopes
	cp $(srcdir)/tests/unit/data/render/*.yaml tests/fuzz/corpus-lainyaml/
	cp $(srcdir)/tests/fuzz/seeds/json_body/* tests/fuzz/corpus-json_body/
	cp $(srcdir)/tests/fuzz/seeds/router/* tests/fuzz/corpus-router/
	cp $(srcdir)/tests/fuzz/seeds/scopes/* tests/fuzz/corpus-scopes/
	$(FUZZ_RUN) ./tests/fuzz/fuzz_lainyaml $(FUZZ_ARGS) -max_len=16384 \
		-dict=$(srcdir)/tests/fuzz/lainyaml.dict tests/fuzz/corpus-lainyaml
	$(FUZZ_RUN) ./tests/fuzz/fuzz_json_body $(FUZZ_ARGS) -max_len=4096 \
		-dict=$(srcdir)/tests/fuzz/json.dict tests/fuzz/corpus-json_body
	$(FUZZ_RUN) ./tests/fuzz/fuzz_router $(FUZZ_ARGS) -max_len=4096 \
		-dict=$(srcdir)/tests/fuzz/router.dict tests/fuzz/corpus-router
	$(FUZZ_RUN) ./tests/fuzz/fuzz_scopes $(FUZZ_ARGS) -max_len=2048 \
		-dict=$(srcdir)/tests/fuzz/scopes.dict tests/fuzz/corpus-scopes

.PHONY: fuzz
