# ldredis - build, install, test, demo.
#   make              release libldredis.so (Swift runtime linked in statically) in build/lib
#   make install      PREFIX=/usr/local (DESTDIR honoured); make uninstall removes exactly that
#   make test         every test: Swift (real redis-servers and a deterministic tier), C
#                     header/ABI/smoke (valgrind), Python, Lua, the fault matrix (quick),
#                     10 s of each fuzzer, the Swift tests under ASan and TSan, the benchmark
#                     harness (quick) and the README's excerpts
#   make fuzz         each libFuzzer target for 60 s (scripts/fuzz.sh)
#   make test-sanitizers  swift test under AddressSanitizer and ThreadSanitizer
#   make demo         a throwaway redis-server and the store used from C, Python and Lua
# The version's one source is the file VERSION; scripts/set-version.sh writes it where it must be
# literal (header, Swift, Python, Lua), make test-version checks that all agree.
VERSION   := $(strip $(file < VERSION))
SOMAJOR   := $(firstword $(subst ., ,$(VERSION)))
PREFIX    ?= /usr/local
LIBDIR    ?= $(PREFIX)/lib
INCLUDEDIR?= $(PREFIX)/include
PCDIR     ?= $(LIBDIR)/pkgconfig
LDCONFIG  ?= ldconfig
CC        ?= cc

LIBNAME   := libldredis.so
REALNAME  := $(LIBNAME).$(VERSION)
SONAME    := $(LIBNAME).$(SOMAJOR)
BUILD     := build
STAGE     := $(abspath $(BUILD)/stage)
# -z nodelete: a store's background thread may outlive ldredis_store_free by one Redis timeout,
# so the library must never be unmapped under it (LuaJIT dlcloses ffi.load'ed libraries).
# Full LTO with a hermetic seal: the core's public Swift symbols are internalized, so the
# version script leaves nothing but ldredis_* in the dynamic symbol table.
SWIFT_RELEASE_FLAGS := -c release --experimental-lto-mode=full -Xswiftc -static-stdlib \
	-Xswiftc -experimental-hermetic-seal-at-link \
	-Xlinker -soname=$(SONAME) -Xlinker -z -Xlinker nodelete \
	-Xlinker --version-script=$(abspath Sources/CBridge/ldredis.map)

.PHONY: all lib deps install uninstall stage test test-swift test-c test-install test-python test-lua test-readme test-version set-version test-faults fuzz test-fuzz test-sanitizers demo clean

all: lib

deps:
	@bash scripts/ensure-deps.sh

lib: deps
	swift build $(SWIFT_RELEASE_FLAGS) --product ldredis
	@mkdir -p $(BUILD)/lib
	cp -f .build/release/$(LIBNAME) $(BUILD)/lib/$(REALNAME)
	ln -sf $(REALNAME) $(BUILD)/lib/$(SONAME)
	ln -sf $(REALNAME) $(BUILD)/lib/$(LIBNAME)

$(BUILD)/ldredis.pc: pkgconfig/ldredis.pc.in
	@mkdir -p $(BUILD)
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
	    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(VERSION)|' $< > $@

install: lib
	@rm -f $(BUILD)/ldredis.pc
	$(MAKE) --no-print-directory $(BUILD)/ldredis.pc
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(PCDIR)
	install -m 0755 $(BUILD)/lib/$(REALNAME) $(DESTDIR)$(LIBDIR)/$(REALNAME)
	ln -sf $(REALNAME) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(REALNAME) $(DESTDIR)$(LIBDIR)/$(LIBNAME)
	install -m 0644 include/ldredis.h $(DESTDIR)$(INCLUDEDIR)/ldredis.h
	install -m 0644 $(BUILD)/ldredis.pc $(DESTDIR)$(PCDIR)/ldredis.pc
	@if [ -z "$(DESTDIR)" ]; then $(LDCONFIG) || true; fi

uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/$(REALNAME) $(DESTDIR)$(LIBDIR)/$(SONAME) \
	      $(DESTDIR)$(LIBDIR)/$(LIBNAME) $(DESTDIR)$(INCLUDEDIR)/ldredis.h \
	      $(DESTDIR)$(PCDIR)/ldredis.pc
	@if [ -z "$(DESTDIR)" ]; then $(LDCONFIG) || true; fi

# A private install under build/stage, used by the C tests and the demo (pkg-config finds it).
stage: lib
	$(MAKE) --no-print-directory install PREFIX=$(STAGE) LDCONFIG=true

test: deps test-version test-swift test-c test-install test-python test-lua test-faults test-fuzz test-sanitizers bench-quick test-readme

test-swift:
	swift test

test-c: stage
	LDREDIS_STAGE=$(STAGE) bash Tests/C/run.sh

test-install: lib
	bash scripts/check-install.sh

test-readme:
	bash scripts/check-readme.sh

# Every place that states the version agrees with VERSION, the staged library at run time included.
test-version: stage
	LDREDIS_STAGE=$(STAGE) bash scripts/check-version.sh

# After editing VERSION (or: make set-version V=1.2.3): writes it where it must be literal.
set-version:
	bash scripts/set-version.sh $(V)

test-python: stage
	LDREDIS_STAGE=$(STAGE) bash bindings/python/run-tests.sh

test-lua: stage
	LDREDIS_STAGE=$(STAGE) bash bindings/lua/run-tests.sh

# The fault matrix (Tests/faults, issue 16), quick: prints its table, fails if a cell is not OK.
test-faults: stage
	LDREDIS_STAGE=$(STAGE) bash Tests/faults/run.sh --quick

# Evaluation against the LaunchDarkly Python SDK (Tests/eval, issue 13): random flags, segments and
# contexts; ldredis_evaluate/ldredis_all_flags_state must equal LDClient's, member by member.
#   make test-eval-diff        200,000 evaluations (seeded: EVAL_DIFF_SEED, default 1), a few minutes
#   make test-eval-diff-quick  hand-picked cases, the harness self-test, 10,000 evaluations (in make test)
.PHONY: test-eval-diff test-eval-diff-quick
test: test-eval-diff-quick

test-eval-diff: stage
	LDREDIS_STAGE=$(STAGE) bash Tests/eval/run.sh

test-eval-diff-quick: stage
	LDREDIS_STAGE=$(STAGE) bash Tests/eval/run.sh --quick

# libFuzzer targets (fuzz/): the JSON parsers (differential against Foundation), the URL parser,
# the RESP path. A crash fails; its input is kept in build/fuzz/artifacts/.
fuzz:
	bash scripts/fuzz.sh 60

test-fuzz:
	bash scripts/fuzz.sh 10

test-sanitizers:
	bash scripts/sanitizers.sh

demo: stage
	LDREDIS_STAGE=$(STAGE) bash examples/run-demo.sh

clean:
	rm -rf $(BUILD) .build

# Benchmarks (bench/README.md): libldredis against raw hiredis, the LaunchDarkly Python SDK's
# Redis store, and the Lua module, on a throwaway redis-server. Never pass/fail on numbers.
#   make bench        the full run (< 10 min): bench/results/latest.md, latest.json, ratios.svg
#   make bench-quick  seconds; checks that the harness runs (writes build/bench/quick/)
.PHONY: bench bench-quick
bench: stage
	LDREDIS_STAGE=$(STAGE) bash bench/run.sh

bench-quick: stage
	LDREDIS_STAGE=$(STAGE) bash bench/run.sh --quick

# Only the flag evaluation benchmark (bench/eval/run.sh; also part of bench and bench-quick).
.PHONY: bench-eval
bench-eval: stage
	LDREDIS_STAGE=$(STAGE) bash bench/eval/run.sh
