# tests/fuzz: libFuzzer targets. Not part of `make` or `make check` (they
# need clang); `make fuzz [FUZZ_SECONDS=60]` builds and runs them and fails
# on any crash, leak or sanitizer report.
FUZZ_CC = clang
FUZZ_SECONDS = 60
FUZZ_CFLAGS = -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer -D_GNU_SOURCE -I$(srcdir)/include $(JSONC_CFLAGS) $(YAML_CFLAGS)
FUZZ_CORE_SRC = \
	$(srcdir)/app/core/ynode.c $(srcdir)/app/core/yread.c $(srcdir)/app/core/lainparse.c $(srcdir)/app/core/lainproc.c $(srcdir)/app/core/lainports.c $(srcdir)/app/core/lainyaml.c $(srcdir)/app/core/size.c \
	$(srcdir)/app/core/version.c $(srcdir)/app/core/tmpl.c $(srcdir)/app/core/spec.c \
	$(srcdir)/app/lib/arena.c $(srcdir)/app/lib/buf.c $(srcdir)/app/lib/err.c \
	$(srcdir)/app/lib/strx.c $(srcdir)/app/lib/xalloc.c

EXTRA_DIST += tests/fuzz/fuzz_lainyaml.c tests/fuzz/lainyaml.dict
CLEANFILES += tests/fuzz/fuzz_lainyaml

tests/fuzz/fuzz_lainyaml: $(srcdir)/tests/fuzz/fuzz_lainyaml.c $(FUZZ_CORE_SRC)
	@mkdir -p tests/fuzz
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $(srcdir)/tests/fuzz/fuzz_lainyaml.c $(FUZZ_CORE_SRC) \
		$(JSONC_LIBS) $(YAML_LIBS)

# The corpus starts from the render goldens; it grows in the build tree.
fuzz: tests/fuzz/fuzz_lainyaml
	@mkdir -p tests/fuzz/corpus-lainyaml
	cp $(srcdir)/tests/unit/data/render/*.yaml tests/fuzz/corpus-lainyaml/
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	./tests/fuzz/fuzz_lainyaml -max_total_time=$(FUZZ_SECONDS) -max_len=16384 -timeout=10 \
		-rss_limit_mb=2048 -print_final_stats=1 -dict=$(srcdir)/tests/fuzz/lainyaml.dict \
		tests/fuzz/corpus-lainyaml

.PHONY: fuzz
