# ldredis - build, install, test, demo.
#   make              release libldredis.so (Swift runtime linked in statically) in build/lib,
#                     and the ldredis command (make cli) in build/bin;
#                     needs only the build tools (scripts/check-build-deps.sh names what is
#                     missing) and installs nothing
#   make install      PREFIX=/usr/local (DESTDIR honoured), the library stripped (STRIP= keeps
#                     its symbols); ldconfig only for a system prefix; make uninstall removes
#                     exactly that
#   make wheel        dist/ldredis-<v>-py3-none-manylinux_*.whl: the Python binding with the
#                     library (and what it links) inside (scripts/build-wheel.sh)
#   make rock         dist/ldredis-<v>-1.src.rock: the LuaJIT rock (scripts/build-rock.sh)
#   make test         every test: Swift (real redis-servers and a deterministic tier), C
#                     header/ABI/smoke (valgrind), Python, Lua, the fault matrix (quick),
#                     10 s of each fuzzer, the Swift tests under ASan and TSan, the benchmark
#                     harness (quick), the README's excerpts and the ldredis command (test-cli)
#   make cli          the ldredis command only (build/bin/ldredis; installed with its man page)
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
BINDIR    ?= $(PREFIX)/bin
MANDIR    ?= $(PREFIX)/share/man
LDCONFIG  ?= ldconfig
STRIP     ?= strip --strip-unneeded
CC        ?= cc
# Prefixes whose lib directory the system loader searches (ld.so.conf): install runs ldconfig
# for these only, and explains how to reach any other.
SYSTEM_PREFIXES := /usr /usr/local

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
# The ldredis command: the same compile flags (so neither build recompiles the other's objects),
# the library's link flags left out. It links the core statically, not libldredis.so.
SWIFT_CLI_FLAGS := -c release --experimental-lto-mode=full -Xswiftc -static-stdlib \
	-Xswiftc -experimental-hermetic-seal-at-link

.PHONY: all lib cli bench-sentinel test-cli deps build-deps wheel rock test-packaging install uninstall stage test test-swift test-c test-install test-python test-lua test-readme test-version set-version test-faults fuzz test-fuzz test-sanitizers demo clean

all: lib cli

# The test, demo and benchmark tools (and the build dependencies), installed when missing.
deps:
	@bash scripts/ensure-deps.sh

# The build dependencies, checked: nothing is installed.
build-deps:
	@bash scripts/check-build-deps.sh

lib: build-deps
	swift build $(SWIFT_RELEASE_FLAGS) --product ldredis
	@mkdir -p $(BUILD)/lib
	cp -f .build/release/$(LIBNAME) $(BUILD)/lib/$(REALNAME)
	ln -sf $(REALNAME) $(BUILD)/lib/$(SONAME)
	ln -sf $(REALNAME) $(BUILD)/lib/$(LIBNAME)

cli: build-deps
	swift build $(SWIFT_CLI_FLAGS) --product ldredis-cli
	@mkdir -p $(BUILD)/bin
	cp -f .build/release/ldredis-cli $(BUILD)/bin/ldredis

$(BUILD)/ldredis.pc: pkgconfig/ldredis.pc.in
	@mkdir -p $(BUILD)
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
	    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(VERSION)|' $< > $@

install: lib cli
	@rm -f $(BUILD)/ldredis.pc
	$(MAKE) --no-print-directory $(BUILD)/ldredis.pc
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(PCDIR)
	install -m 0755 $(BUILD)/lib/$(REALNAME) $(DESTDIR)$(LIBDIR)/$(REALNAME)
	$(if $(strip $(STRIP)),$(STRIP) $(DESTDIR)$(LIBDIR)/$(REALNAME))
	ln -sf $(REALNAME) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(REALNAME) $(DESTDIR)$(LIBDIR)/$(LIBNAME)
	install -m 0644 include/ldredis.h $(DESTDIR)$(INCLUDEDIR)/ldredis.h
	install -m 0644 $(BUILD)/ldredis.pc $(DESTDIR)$(PCDIR)/ldredis.pc
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	install -m 0755 $(BUILD)/bin/ldredis $(DESTDIR)$(BINDIR)/ldredis
	$(if $(strip $(STRIP)),$(STRIP) $(DESTDIR)$(BINDIR)/ldredis)
	install -m 0644 man/ldredis.1 $(DESTDIR)$(MANDIR)/man1/ldredis.1
	@if [ -n "$(DESTDIR)" ]; then :; \
	elif [ -n "$(filter $(SYSTEM_PREFIXES),$(PREFIX))" ]; then \
	  $(LDCONFIG) || echo "make install: $(LDCONFIG) failed: run it as root"; \
	else LIBDIR='$(LIBDIR)' PCDIR='$(PCDIR)' bash scripts/install-hint.sh; fi

uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/$(REALNAME) $(DESTDIR)$(LIBDIR)/$(SONAME) \
	      $(DESTDIR)$(LIBDIR)/$(LIBNAME) $(DESTDIR)$(INCLUDEDIR)/ldredis.h \
	      $(DESTDIR)$(PCDIR)/ldredis.pc
	rm -f $(DESTDIR)$(BINDIR)/ldredis $(DESTDIR)$(MANDIR)/man1/ldredis.1
	@if [ -z "$(DESTDIR)" ] && [ -n "$(filter $(SYSTEM_PREFIXES),$(PREFIX))" ]; then $(LDCONFIG) || true; fi

# A private install under build/stage, used by the C tests and the demo (pkg-config finds it).
# Unstripped, so that valgrind and debuggers name the library's functions.
stage: lib
	$(MAKE) --no-print-directory install PREFIX=$(STAGE) LDCONFIG=true STRIP= >/dev/null

# The Python wheel with the library inside (repaired with auditwheel when it can be installed).
wheel: lib
	bash scripts/build-wheel.sh

# The LuaJIT source rock: dist/ldredis-<v>-1.src.rock (scripts/build-rock.sh).
rock:
	bash scripts/build-rock.sh

# The packaging checks: `make` installs nothing, the wheel in a fresh venv, the LuaJIT rock.
test-packaging: lib
	bash scripts/check-packaging.sh

test: deps test-version test-swift test-c test-install test-packaging test-python test-lua test-faults test-fuzz test-sanitizers bench-quick test-readme test-cli

test-swift:
	swift test

test-c: stage
	LDREDIS_STAGE=$(STAGE) bash Tests/C/run.sh

test-install: lib
	bash scripts/check-install.sh

# The ldredis command against real redis-servers (Tests/cli; pytest, the LaunchDarkly SDK).
test-cli: cli
	LDREDIS_CLI=$(abspath $(BUILD)/bin/ldredis) bash Tests/cli/run.sh

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

demo: deps stage
	LDREDIS_STAGE=$(STAGE) bash examples/run-demo.sh

clean:
	rm -rf $(BUILD) .build dist

# Benchmarks (bench/README.md): libldredis against raw hiredis, the LaunchDarkly Python SDK's
# Redis store, and the Lua module, on a throwaway redis-server. Never pass/fail on numbers.
#   make bench        the full run (< 10 min): bench/results/latest.md, latest.json, ratios.svg
#   make bench-quick  seconds; checks that the harness runs (writes build/bench/quick/)
.PHONY: bench bench-quick
bench: deps stage
	LDREDIS_STAGE=$(STAGE) bash bench/run.sh

bench-quick: deps stage
	LDREDIS_STAGE=$(STAGE) bash bench/run.sh --quick

# Ten Sentinel failovers under upserts: Sentinel's switch time, what ldredis adds, writes lost.
bench-sentinel: deps stage
	LDREDIS_LIBRARY=$(STAGE)/lib/libldredis.so PYTHONPATH=bindings/python \
	  bash scripts/with-sentinel.sh python3 bench/sentinel/failover.py 10

# Only the flag evaluation benchmark (bench/eval/run.sh; also part of bench and bench-quick).
.PHONY: bench-eval
bench-eval: stage
	LDREDIS_STAGE=$(STAGE) bash bench/eval/run.sh
