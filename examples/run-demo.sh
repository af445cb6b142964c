#!/usr/bin/env bash
# run-demo.sh - `make demo`: the examples against a throwaway redis-server.
#
#   LDREDIS_STAGE=/abs/path/build/stage bash examples/run-demo.sh
#
# LDREDIS_STAGE is a staged install (lib/, include/, lib/pkgconfig/ from `make stage`);
# it defaults to build/stage. Each language has an optional build step, run first (PREPARE),
# and a section, run in order against one throwaway server (SECTIONS, under
# scripts/with-redis.sh). To add a language, write build_<lang> and section_<lang> functions
# and append their names to PREPARE and SECTIONS.
set -u

root=$(cd "$(dirname "$0")/.." && pwd)
stage=${LDREDIS_STAGE:-$root/build/stage}
work=$root/build/demo
data=$root/examples/data/flags.json

if [ ! -e "$stage/lib/libldredis.so" ]; then
  echo "run-demo.sh: no library at $stage/lib/libldredis.so (run 'make stage')" >&2
  exit 1
fi
mkdir -p "$work"
export PKG_CONFIG_PATH="$stage/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
export LD_LIBRARY_PATH="$stage/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

banner() { printf '\n==== %s ====\n\n' "$*"; }

# Builds examples/c/demo.c with nothing but what pkg-config says about ldredis.
build_c() {
  # shellcheck disable=SC2046  # pkg-config output is meant to be split into words
  ${CC:-cc} -std=c99 -Wall -Wextra -pedantic -O2 -o "$work/demo" "$root/examples/c/demo.c" \
    $(pkg-config --cflags --libs ldredis)
}

section_c() {
  banner "C: examples/c/demo.c"
  "$work/demo" "$LDREDIS_URL" "$data"
}

# What the store left in Redis: the same schema the SDKs and the Relay Proxy use.
section_redis_keys() {
  local cli=(redis-cli -h 127.0.0.1 -p "$LDREDIS_TEST_PORT")
  banner "Redis: the keys the store wrote"
  echo "\$ redis-cli KEYS 'launchdarkly:*'"
  "${cli[@]}" KEYS 'launchdarkly:*' || return 1
  echo
  echo "\$ redis-cli TYPE launchdarkly:features"
  "${cli[@]}" TYPE launchdarkly:features || return 1
  echo
  echo "\$ redis-cli HKEYS launchdarkly:features   # field = flag key"
  "${cli[@]}" HKEYS launchdarkly:features || return 1
  echo
  echo "\$ redis-cli HGET launchdarkly:features pricing-page-config   # a delete's tombstone"
  "${cli[@]}" HGET launchdarkly:features pricing-page-config || return 1
}

PREPARE=(build_c)
SECTIONS=(section_c section_redis_keys)

# Python and Lua read what the C demo wrote (bindings/python, bindings/lua).
section_python() {
  banner "Python: examples/python/demo.py"
  LDREDIS_LIBRARY="$stage/lib/libldredis.so" PYTHONPATH="$root/bindings/python${PYTHONPATH:+:$PYTHONPATH}" \
    "${PYTHON:-python3}" "$root/examples/python/demo.py" "$LDREDIS_URL"
}
section_lua() {
  banner "Lua: examples/lua/demo.lua"
  LDREDIS_LIBRARY="$stage/lib/libldredis.so" LUA_PATH="$root/bindings/lua/?.lua;${LUA_PATH:-;}" \
    luajit "$root/examples/lua/demo.lua" "$LDREDIS_URL"
}
SECTIONS+=(section_python section_lua)

# Runs inside scripts/with-redis.sh (LDREDIS_URL and LDREDIS_TEST_PORT are set).
run_sections() {
  local s
  for s in "${SECTIONS[@]}"; do
    "$s" || { echo "run-demo.sh: $s failed" >&2; return 1; }
  done
}

if [ "${1:-}" = "--run-sections" ]; then
  run_sections
  exit $?
fi

for p in "${PREPARE[@]}"; do
  "$p" || { echo "run-demo.sh: $p failed" >&2; exit 1; }
done
bash "$root/scripts/with-redis.sh" bash "$root/examples/run-demo.sh" --run-sections
