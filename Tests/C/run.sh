#!/usr/bin/env bash
# Tests/C/run.sh - the C side of libldredis: header, ABI, smoke test, valgrind (make test-c).
#
#   LDREDIS_STAGE=/abs/path/build/stage bash Tests/C/run.sh
#
# LDREDIS_STAGE is a staged install (lib/, include/, lib/pkgconfig/ from `make stage`);
# it defaults to build/stage. Everything built here goes to build/ctest. Each check prints one
# "ok"/"FAIL" line; the last line is "N passed, M failed"; the exit status is non-zero when
# anything failed.
set -u

root=$(cd "$(dirname "$0")/../.." && pwd)
stage=${LDREDIS_STAGE:-$root/build/stage}
here=$root/Tests/C
work=$root/build/ctest
header=$root/include/ldredis.h
lib=$stage/lib/libldredis.so
with_redis=(bash "$root/scripts/with-redis.sh")
CC=${CC:-cc}
CXX=${CXX:-g++}
CWARN=(-std=c99 -Wall -Wextra -pedantic -Werror)
CXXWARN=(-std=c++11 -Wall -Wextra -pedantic -Werror)

passed=0
failed=0
pass() { passed=$((passed + 1)); echo "ok   - $*"; }
fail() { failed=$((failed + 1)); echo "FAIL - $*"; }
section() { printf '\n== %s\n' "$*"; }
finish() {
  printf '\n%d passed, %d failed\n' "$passed" "$failed"
  [ "$failed" -eq 0 ]
  exit $?
}

if [ ! -e "$lib" ]; then
  echo "run.sh: no library at $lib (set LDREDIS_STAGE to a 'make stage' tree)" >&2
  exit 1
fi
rm -rf "$work"
mkdir -p "$work"
export PKG_CONFIG_PATH="$stage/lib/pkgconfig"
export LD_LIBRARY_PATH="$stage/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

# The functions the header declares: prototypes start in column 0 between the ffi.cdef markers.
mapfile -t functions < <(sed -n '/ffi.cdef begin/,/ffi.cdef end/p' "$header" |
  grep -oE '^[a-z][a-z0-9_ ]*[ *]ldredis_[a-z0-9_]+\(' | grep -oE 'ldredis_[a-z0-9_]+')
header_version=$(sed -n 's/^#define LDREDIS_VERSION_STRING "\(.*\)"$/\1/p' "$header")

# ---------------------------------------------------------------------------------------------
section "staged install ($stage)"
if [ "${#functions[@]}" -gt 0 ]; then
  pass "ldredis.h declares ${#functions[@]} functions, version $header_version"
else
  fail "found no function prototypes in $header"
fi
if cmp -s "$header" "$stage/include/ldredis.h"; then
  pass "the staged ldredis.h is include/ldredis.h"
else
  fail "$stage/include/ldredis.h differs from include/ldredis.h (or is missing)"
fi
pc_version=$(pkg-config --modversion ldredis 2>&1)
if [ "$pc_version" = "$header_version" ]; then
  pass "pkg-config --modversion ldredis is $pc_version"
else
  fail "pkg-config --modversion ldredis is '$pc_version', the header says '$header_version'"
fi
# shellcheck disable=SC2207  # pkg-config output is meant to be split into words
pc_flags=($(pkg-config --cflags --libs ldredis 2>/dev/null))
# shellcheck disable=SC2207
pc_cflags=($(pkg-config --cflags ldredis 2>/dev/null))
if [ "${#pc_flags[@]}" -gt 0 ]; then
  pass "pkg-config --cflags --libs ldredis: ${pc_flags[*]}"
else
  fail "pkg-config --cflags --libs ldredis gives nothing (PKG_CONFIG_PATH=$PKG_CONFIG_PATH)"
fi

# ---------------------------------------------------------------------------------------------
section "header: C99 and C++11, -Werror"
# Compiles one header test with the given compiler and flags, links it with pkg-config's
# flags, and runs it: a changed prototype, a warning or a missing symbol fails.
header_test() {
  local name=$1 src=$2 compiler=$3; shift 3
  if ! "$compiler" "$@" "${pc_cflags[@]}" -c "$src" -o "$work/$name.o" 2>"$work/$name.err"; then
    fail "$name: $compiler $* does not compile ldredis.h cleanly:"
    sed 's/^/    /' "$work/$name.err"
    return
  fi
  pass "$name: $compiler $* compiles"
  if ! "$compiler" "$work/$name.o" -o "$work/$name" "${pc_flags[@]}" 2>"$work/$name.err"; then
    fail "$name: linking against libldredis failed:"
    sed 's/^/    /' "$work/$name.err"
    return
  fi
  if "$work/$name"; then
    pass "$name: links, and ldredis_version() matches the version macros"
  else
    fail "$name: the run failed (see above)"
  fi
}
header_test header_c99 "$here/header_c99.c" "$CC" "${CWARN[@]}"
header_test header_cxx "$here/header_cxx.cpp" "$CXX" "${CXXWARN[@]}"

# The header promises its prototypes paste unchanged into LuaJIT's ffi.cdef.
if command -v luajit >/dev/null; then
  if luajit - "$header" "$lib" "${functions[@]}" >"$work/cdef.out" 2>&1 <<'LUA'
local ffi = require("ffi")
local header, lib_path = arg[1], arg[2]
local text = assert(io.open(header)):read("*a")
local block = assert(text:match("ffi%.cdef begin %-%-%-%- %*/(.-)/%* %-%-%-%- ffi%.cdef end"),
                     "no ffi.cdef markers")
ffi.cdef(block)
local lib = ffi.load(lib_path)
for i = 3, #arg do assert(lib[arg[i]] ~= nil, arg[i]) end
assert(ffi.string(lib.ldredis_version()) == text:match('LDREDIS_VERSION_STRING "([^"]+)"'))
LUA
  then
    pass "the ffi.cdef block loads in LuaJIT and binds all ${#functions[@]} functions"
  else
    fail "the ffi.cdef block does not work in LuaJIT:"
    sed 's/^/    /' "$work/cdef.out"
  fi
else
  echo "skip - luajit is not installed: the ffi.cdef block is not checked"
fi

# The tests keep up with the header: each of them uses every function.
for f in header_c99.c header_cxx.cpp smoke.c; do
  missing=()
  for fn in "${functions[@]}"; do
    grep -qE "\\b$fn\\b" "$here/$f" || missing+=("$fn")
  done
  if [ "${#missing[@]}" -eq 0 ]; then
    pass "$f uses all ${#functions[@]} functions of the header"
  else
    fail "$f does not use: ${missing[*]}"
  fi
done

# ---------------------------------------------------------------------------------------------
section "ABI: exports, dependencies, SONAME"
# Global and weak dynamic symbols (nm's upper-case types, plus w/v/u/i); symbol versions
# (name@@VERSION) stripped. Local entries of the dynamic table are not exports.
nm -D --defined-only "$lib" >"$work/nm.txt" 2>&1 || fail "nm -D --defined-only $lib failed"
awk 'NF >= 3 && $2 ~ /^([A-Z]|[wvui])$/ { sub(/@.*/, "", $3); print $2, $3 }' \
  "$work/nm.txt" | sort -u -k2 >"$work/exports.txt"
# Allowed: ldredis_*; _init/_fini; the version node of the linker version script (LDREDIS_1),
# which GNU ld records as an absolute symbol.
unexpected=$(awk '!($2 ~ /^ldredis_/ || $2 == "_init" || $2 == "_fini" ||
                    ($1 == "A" && $2 ~ /^LDREDIS_[0-9]+$/)) { print $2 }' "$work/exports.txt")
if [ -z "$unexpected" ]; then
  pass "nm -D exports only ldredis_* ($(grep -c ' ldredis_' "$work/exports.txt") symbols)"
else
  fail "nm -D exports symbols outside ldredis_*: $(echo "$unexpected" | head -20 | tr '\n' ' ')"
fi
locals=$(awk 'NF >= 3 && $2 !~ /^([A-Z]|[wvui])$/' "$work/nm.txt" | wc -l)
if [ "$locals" -gt 0 ]; then
  echo "note - nm -D also lists $locals local (not exported) symbols, e.g." \
    "$(awk 'NF >= 3 && $2 !~ /^([A-Z]|[wvui])$/ { print $3; exit }' "$work/nm.txt")"
fi
missing=()
for fn in "${functions[@]}"; do
  grep -qE "^T $fn\$" "$work/exports.txt" || missing+=("$fn")
done
if [ "${#missing[@]}" -eq 0 ]; then
  pass "every function in ldredis.h is exported as code (T)"
else
  fail "declared in ldredis.h but not exported: ${missing[*]}"
fi
extra=()
for sym in $(awk '$2 ~ /^ldredis_/ { print $2 }' "$work/exports.txt"); do
  printf '%s\n' "${functions[@]}" | grep -qx "$sym" || extra+=("$sym")
done
if [ "${#extra[@]}" -eq 0 ]; then
  pass "every exported ldredis_* symbol is declared in ldredis.h"
else
  fail "exported but not in ldredis.h: ${extra[*]}"
fi

ldd "$lib" >"$work/ldd.txt" 2>&1
swift_deps=$(grep -iE 'swift|libdispatch|foundation|BlocksRuntime' "$work/ldd.txt")
if [ -z "$swift_deps" ]; then
  pass "ldd: no Swift runtime libraries ($(awk '{print $1}' "$work/ldd.txt" | tr '\n' ' '))"
else
  fail "ldd shows Swift runtime libraries: $(echo "$swift_deps" | tr '\n' ' ')"
fi
if grep -q 'not found' "$work/ldd.txt"; then
  fail "ldd: unresolved dependencies: $(grep 'not found' "$work/ldd.txt" | tr '\n' ' ')"
else
  pass "ldd: every dependency resolves"
fi

soname=$(readelf -d "$lib" 2>/dev/null | sed -n 's/.*(SONAME).*\[\(.*\)\].*/\1/p')
if [ "$soname" = "libldredis.so.1" ]; then
  pass "SONAME is libldredis.so.1"
else
  fail "SONAME is '$soname', expected libldredis.so.1"
fi
if [ -e "$stage/lib/$soname" ] && [ -n "$soname" ]; then
  pass "$stage/lib/$soname exists (what programs load at run time)"
else
  fail "$stage/lib/${soname:-libldredis.so.1} is missing"
fi

# ---------------------------------------------------------------------------------------------
section "smoke test against a throwaway redis-server"
# Exactly what a user's build does: pkg-config, nothing else (-pthread for the test's threads).
smoke_ok=1
if "$CC" "${CWARN[@]}" -o "$work/smoke" "$here/smoke.c" "${pc_flags[@]}" -pthread \
    2>"$work/smoke-build.err"; then
  pass "smoke.c builds with pkg-config --cflags --libs ldredis and -pthread"
else
  fail "smoke.c does not build:"
  sed 's/^/    /' "$work/smoke-build.err"
  smoke_ok=0
fi

# Runs a test program under valgrind against a throwaway redis-server: under_valgrind NAME
# PROGRAM [with-redis.sh options and command prefix...]. Definite and indirect leaks and memory
# errors fail (exit 99); "possibly lost" blocks of the Swift runtime's caches are reported but
# tolerated; the program's own checks must pass too.
under_valgrind() {
  local name=$1 program=$2 status
  shift 2
  if ! command -v valgrind >/dev/null; then
    fail "valgrind is not installed (make deps installs it)"
    return
  fi
  "${with_redis[@]}" "$@" timeout 1800 \
    valgrind --leak-check=full --show-leak-kinds=definite,indirect \
    --errors-for-leak-kinds=definite,indirect --error-exitcode=99 \
    --log-file="$work/$name-valgrind.log" "$program" >"$work/$name-valgrind-run.log" 2>&1
  status=$?
  if [ "$status" -eq 99 ]; then
    fail "valgrind found memory errors or definite/indirect leaks ($work/$name-valgrind.log):"
    grep -E 'ERROR SUMMARY|definitely lost|indirectly lost|Invalid|uninitialised' \
      "$work/$name-valgrind.log" | head -20 | sed 's/^/    /'
  else
    pass "valgrind: $(grep -o 'ERROR SUMMARY: .*' "$work/$name-valgrind.log" | tail -n 1)"
    grep -E '(definitely|indirectly|possibly) lost:' "$work/$name-valgrind.log" |
      sed 's/^==[0-9]*== */    /'
  fi
  smoke_result "$name under valgrind" "$([ "$status" -eq 99 ] && echo 0 || echo "$status")" \
    "$work/$name-valgrind-run.log"
}

# Checks a smoke run: its exit status, and its last line "N passed, 0 failed".
smoke_result() {
  local label=$1 status=$2 log=$3 last
  last=$(tail -n 1 "$log")
  if [ "$status" -eq 0 ] && [[ "$last" =~ ^[0-9]+\ passed,\ 0\ failed$ ]]; then
    pass "$label: $last"
  else
    fail "$label: exit status $status, last line '$last' (full output: $log)"
    grep '^FAIL' "$log" | head -40 | sed 's/^/    /'
  fi
}

if [ "$smoke_ok" -eq 1 ]; then
  "${with_redis[@]}" timeout 600 "$work/smoke" 2>&1 | tee "$work/smoke.log"
  smoke_result "smoke" "${PIPESTATUS[0]}" "$work/smoke.log"

  section "smoke test under valgrind"
  # Fewer thread iterations: valgrind serializes the threads and is ~50x slower.
  under_valgrind "smoke" "$work/smoke" env LDREDIS_SMOKE_ITERATIONS=40
fi

section "flag evaluation: ldredis_evaluate, ldredis_all_flags_state (Tests/C/evaluate.c)"
if "$CC" "${CWARN[@]}" -o "$work/evaluate" "$here/evaluate.c" "${pc_flags[@]}" 2>"$work/evaluate-build.err"; then
  "${with_redis[@]}" timeout 300 "$work/evaluate" >"$work/evaluate.log" 2>&1
  smoke_result "evaluate" "$?" "$work/evaluate.log"
  under_valgrind "evaluate" "$work/evaluate"
else
  fail "Tests/C/evaluate.c does not build:"
  sed 's/^/    /' "$work/evaluate-build.err" | head -20
fi

section "TLS: a throwaway redis-server with a TLS port (scripts/with-redis.sh --tls)"
if "$CC" "${CWARN[@]}" -o "$work/tls" "$here/tls.c" "${pc_flags[@]}" 2>"$work/tls-build.err"; then
  "${with_redis[@]}" --tls="$work/tls-certs" timeout 300 "$work/tls" > "$work/tls.log" 2>&1
  smoke_result "tls" "$?" "$work/tls.log"
  under_valgrind "tls" "$work/tls" --tls="$work/tls-certs" env LDREDIS_TLS_CYCLES=100
else
  fail "tls.c does not build:"
  sed 's/^/    /' "$work/tls-build.err" | head -20
fi

section "outputs of failed calls (no Redis needed)"
if "$CC" "${CWARN[@]}" -o "$work/outputs" "$here/outputs.c" "${pc_flags[@]}" 2>"$work/outputs-build.err"; then
  "$work/outputs" >"$work/outputs.log" 2>&1
  smoke_result "outputs" "$?" "$work/outputs.log"
else
  fail "Tests/C/outputs.c does not build:"
  sed 's/^/    /' "$work/outputs-build.err"
fi

section "unloading the library while a store's thread winds down"
if ${CC} -std=c99 -Wall -Wextra -Werror -o "$work/dlclose" "$here/dlclose.c" -ldl; then
  # The URL comes from with-redis.sh, hence sh -c. Its exit status counts, not only its output.
  "${with_redis[@]}" sh -c '"$0" "$1" "$LDREDIS_URL"' "$work/dlclose" "$lib" \
    >"$work/dlclose.log" 2>&1
  status=$?
  cat "$work/dlclose.log"
  if [ "$status" -eq 0 ] && grep -q "survived 50 exits" "$work/dlclose.log"; then
    pass "dlclose, and process exit, right after ldredis_store_free: no crash"
  else
    fail "the process died after dlclose (exit status $status: $(cat "$work/dlclose.log"))"
  fi
else
  fail "Tests/C/dlclose.c does not compile"
fi

finish
