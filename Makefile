# cull — build, test, demo, bench.  `make help` lists the targets.
#
# Objects go to $(BUILD)/; the sanitizer build is the same tree built again with SAN=1 into
# build-asan/. Every src/ file except the CLI goes into libcull.a, which the binary, the unit
# tests and the benchmarks link.

BUILD   ?= build
CC      ?= cc
VERSION := 0.1.0
PREFIX  ?= /usr/local
DESTDIR ?=
PKGS    := vips libjpeg libraw sqlite3 openblas jansson glib-2.0 libcrypto libmicrohttpd libcurl exempi-2.0 libxml-2.0
CFLAGS  ?= -O2 -g
CFLAGS  += -std=c17 -D_GNU_SOURCE -Wall -Wextra -Wshadow -Wno-unused-parameter -pthread \
           -Isrc $(shell pkg-config --cflags $(PKGS))
# oneDNN (libdnnl-dev) ships no pkg-config file.
LDLIBS  += $(shell pkg-config --libs $(PKGS)) -ldnnl -lm -pthread
ifeq ($(SAN),1)
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif
ifeq ($(SAN),fuzz)
CFLAGS  += -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif

LIB_SRC  := $(sort $(wildcard src/library/*.c src/media/*.c src/encoders/*.c src/nn/*.c src/learn/*.c src/pipeline/*.c src/safety/*.c src/util/*.c src/review/*.c src/fetch/*.c src/report/*.c))
CLI_SRC  := $(sort $(wildcard src/cli/*.c))
TEST_SRC := $(sort $(wildcard tests/unit/test_*.c))
BENCH_SRC:= $(sort $(wildcard bench/*.c))
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))

LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/%.o)
TESTS    := $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)
BENCHES  := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)
FUZZERS  := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)
REPLAYS  := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/tests/replay_%)
FUZZ_SECONDS ?= 60

.PHONY: all deps deps-tests deps-package tests check demo bench clean help asan fuzz fuzzers mutate man install uninstall deb FORCE

all: $(BUILD)/cull

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

# Made afresh each time: ar would keep the objects of source files removed or renamed since.
$(BUILD)/libcull.a: $(LIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $^

# Files built into the binary as byte arrays (od is in coreutils; xxd often is not installed).
$(BUILD)/gen/nsfwjs_to_tfjs.h: scripts/nsfwjs-to-tfjs.js
	@mkdir -p $(dir $@)
	{ echo '/* generated from $< by the Makefile */'; \
	  echo 'static const unsigned char nsfwjs_to_tfjs_js[] = {'; \
	  od -An -v -tx1 $< | sed -e 's/\([0-9a-f][0-9a-f]\)/0x\1,/g'; \
	  echo '};'; } >$@.tmp && mv $@.tmp $@
$(BUILD)/src/fetch/npm_fetch.o: $(BUILD)/gen/nsfwjs_to_tfjs.h
$(BUILD)/src/fetch/npm_fetch.o: CFLAGS += -I$(BUILD)/gen

# The review page (src/review/assets/: plain HTML, CSS, JavaScript) as byte arrays in one generated
# C file with a table of {name, data, length}; each array ends in a NUL that the length leaves out.
REVIEW_ASSETS := $(sort $(wildcard src/review/assets/*))
$(BUILD)/gen/review_assets.c: $(REVIEW_ASSETS)
	@mkdir -p $(dir $@)
	{ echo '/* generated from src/review/assets/ by the Makefile */'; \
	  echo '#include "review/assets.h"'; \
	  n=0; for f in $(REVIEW_ASSETS); do \
	    echo "static const unsigned char asset$$n[] = {"; \
	    od -An -v -tx1 "$$f" | sed -e 's/\([0-9a-f][0-9a-f]\)/0x\1,/g'; \
	    echo '0};'; n=$$((n + 1)); \
	  done; \
	  echo 'const review_asset review_assets[] = {'; \
	  n=0; for f in $(REVIEW_ASSETS); do \
	    echo "    {\"$${f##*/}\", asset$$n, sizeof asset$$n - 1},"; n=$$((n + 1)); \
	  done; \
	  echo '    {0, 0, 0},'; \
	  echo '};'; } >$@.tmp && mv $@.tmp $@
$(BUILD)/gen/review_assets.o: $(BUILD)/gen/review_assets.c
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@
$(BUILD)/libcull.a: $(BUILD)/gen/review_assets.o

$(BUILD)/cull: $(CLI_OBJ) $(BUILD)/libcull.a
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

# The version and the commit the binary is built from ("release" outside a git checkout, "-dirty"
# with uncommitted changes). Rewritten only when it changes, so main.o rebuilds only then.
$(BUILD)/gen/version.h: FORCE
	@mkdir -p $(dir $@)
	@c=$$(git rev-parse --short=12 HEAD 2>/dev/null) && { git diff --quiet HEAD -- 2>/dev/null || c="$$c-dirty"; } || c=release; \
	 printf '#define CULL_VERSION "%s"\n#define CULL_COMMIT "%s"\n' '$(VERSION)' "$$c" >$@.tmp; \
	 cmp -s $@.tmp $@ && rm $@.tmp || mv $@.tmp $@
$(BUILD)/src/cli/main.o: $(BUILD)/gen/version.h
$(BUILD)/src/cli/main.o: CFLAGS += -I$(BUILD)/gen
FORCE:

# cull(1), made from the --help texts (scripts/make-man.sh): one source, so the two never drift.
$(BUILD)/cull.1: $(BUILD)/cull scripts/make-man.sh
	scripts/make-man.sh $(BUILD)/cull >$@.tmp && mv $@.tmp $@
man: $(BUILD)/cull.1

# Only under $(DESTDIR)$(PREFIX): the binary, the man page, the shell completions, the docs.
BINDIR  := $(DESTDIR)$(PREFIX)/bin
MANDIR  := $(DESTDIR)$(PREFIX)/share/man/man1
DOCDIR  := $(DESTDIR)$(PREFIX)/share/doc/cull
BASHDIR := $(DESTDIR)$(PREFIX)/share/bash-completion/completions
ZSHDIR  := $(DESTDIR)$(PREFIX)/share/zsh/vendor-completions
FISHDIR := $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
install: $(BUILD)/cull $(BUILD)/cull.1
	install -d $(BINDIR) $(MANDIR) $(DOCDIR) $(BASHDIR) $(ZSHDIR) $(FISHDIR)
	install -m 755 $(BUILD)/cull $(BINDIR)/cull
	install -m 644 $(BUILD)/cull.1 $(MANDIR)/cull.1
	install -m 644 completions/bash/cull $(BASHDIR)/cull
	install -m 644 completions/zsh/_cull $(ZSHDIR)/_cull
	install -m 644 completions/fish/cull.fish $(FISHDIR)/cull.fish
	install -m 644 README.md docs/ARCHITECTURE.md $(DOCDIR)/

uninstall:
	rm -f $(BINDIR)/cull $(MANDIR)/cull.1 $(BASHDIR)/cull $(ZSHDIR)/_cull $(FISHDIR)/cull.fish \
	      $(DOCDIR)/README.md $(DOCDIR)/ARCHITECTURE.md
	-rmdir $(DOCDIR) 2>/dev/null

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libcull.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests $(LDFLAGS) $< $(BUILD)/libcull.a $(LDLIBS) -lcmocka -o $@

# The option parser lives with the commands (src/cli/), outside the library: its test links it.
CLI_PARSER_OBJ := $(BUILD)/src/cli/options.o $(BUILD)/src/cli/common.o
$(BUILD)/tests/test_cli: tests/unit/test_cli.c $(CLI_PARSER_OBJ) $(BUILD)/libcull.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests $(LDFLAGS) $< $(CLI_PARSER_OBJ) $(BUILD)/libcull.a $(LDLIBS) -lcmocka -o $@

$(BUILD)/bench/%: bench/%.c bench/timing.h $(BUILD)/libcull.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) $< $(BUILD)/libcull.a $(LDLIBS) -o $@

# libFuzzer targets (clang, SAN=fuzz) and the same targets with a plain main() that replays the
# seeds and the crashers kept so far: the replays are part of every test run.
$(BUILD)/fuzz/%: tests/fuzz/%.c $(BUILD)/libcull.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fsanitize=fuzzer $(LDFLAGS) $< $(BUILD)/libcull.a $(LDLIBS) -o $@

$(BUILD)/tests/replay_%: tests/fuzz/%.c tests/fuzz/replay_main.c $(BUILD)/libcull.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) $< tests/fuzz/replay_main.c $(BUILD)/libcull.a $(LDLIBS) -o $@

# An LD_PRELOAD library for tests/e2e/changing_files.sh. Built without the sanitizers (and without
# the project's pkg-config flags): preloaded, it loads before any sanitizer runtime could.
$(BUILD)/tests/change_shim.so: tests/tools/change_shim.c
	@mkdir -p $(dir $@)
	$(CC) -std=c17 -D_GNU_SOURCE -O2 -g -Wall -Wextra -fPIC -shared $< -ldl -o $@

# An LD_PRELOAD library for tests/e2e/crash.sh and apply.sh: stops cull at a chosen step (a write
# or a move), so kills land at the same point on any machine. Built like change_shim.so.
$(BUILD)/tests/stop_shim.so: tests/tools/stop_shim.c
	@mkdir -p $(dir $@)
	$(CC) -std=c17 -D_GNU_SOURCE -O2 -g -Wall -Wextra -fPIC -shared $< -ldl -o $@

# What cull decodes from a file, as a PPM, for tests/e2e/raw.sh to look at pixels.
$(BUILD)/tests/decode_dump: tests/tools/decode_dump.c $(BUILD)/libcull.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) $< $(BUILD)/libcull.a $(LDLIBS) -o $@

tests: $(BUILD)/cull $(TESTS) $(REPLAYS) $(BUILD)/tests/change_shim.so $(BUILD)/tests/stop_shim.so $(BUILD)/tests/decode_dump

fuzzers: $(FUZZERS)

# Every parser cull owns, fuzzed for FUZZ_SECONDS each; new crashers land in tests/fuzz/regressions.
fuzz: deps-tests
	$(MAKE) BUILD=build-fuzz CC=clang SAN=fuzz fuzzers
	tests/fuzz/run.sh build-fuzz $(FUZZ_SECONDS)

# What building and running need (make, demo, install); what the tests and benchmarks add.
deps:
	scripts/install-deps.sh
deps-tests:
	scripts/install-deps.sh --tests
deps-package:
	scripts/install-deps.sh --package

# A Debian package: dpkg-buildpackage (debian/: the Makefile builds into debian/build, debhelper
# lays out the files and computes Depends), then lintian. The files land in $(BUILD)/deb/; debian/
# is left as it was.
deb: deps-package
	dpkg-buildpackage -us -uc -b
	mkdir -p $(BUILD)/deb
	mv ../cull_$(VERSION)_amd64.deb ../cull-dbgsym_$(VERSION)_amd64.deb ../cull_$(VERSION)_amd64.buildinfo \
	   ../cull_$(VERSION)_amd64.changes $(BUILD)/deb/
	debian/rules clean
	lintian --fail-on error,warning $(BUILD)/deb/cull_$(VERSION)_amd64.changes

asan:
	$(MAKE) BUILD=build-asan SAN=1 tests

# All tests, on the plain and the sanitizer build; ends with "N passed, N failed, N skipped".
check: deps-tests
	scripts/setup-browser-tests.sh
	$(MAKE) tests
	scripts/fetch-models.sh --optional $(BUILD)/cull
	scripts/setup-reference.sh --optional
	scripts/fetch-demo-images.sh "$${XDG_CACHE_HOME:-$$HOME/.cache}/cull/demo" || \
	    echo "make check: no demo images (tests/e2e/explain.sh skips its demo-split part)"
	$(MAKE) asan
	tests/run.sh build build-asan

demo: deps all
	scripts/fetch-models.sh --optional $(BUILD)/cull
	scripts/demo.sh $(BUILD)/cull

bench: deps-tests all $(BENCHES)
	bench/run.sh $(BUILD)

# Planted bugs (tests/mutants/*.patch) that the tests must notice; not part of check.
mutate: deps-tests
	scripts/mutate.sh

clean:
	rm -rf build build-asan build-fuzz

help:
	@echo "make demo   install dependencies, build, index + label + train + rank a demo library"
	@echo "make check  install dependencies, build (plain and ASan/UBSan), run every test"
	@echo "make bench  benchmarks; results in bench/results.txt"
	@echo "make fuzz   run every fuzz target for FUZZ_SECONDS (default 60) each"
	@echo "make deb    a Debian package in build/deb/ (dpkg-buildpackage, checked by lintian)"
	@echo "make mutate plant each bug of tests/mutants and report the ones no test notices"
	@echo "make install  PREFIX=/usr/local DESTDIR=: the binary, cull(1) and the docs; make uninstall"
	@echo "make        build build/cull"

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d)
