#!/usr/bin/env bash
# run-tests.sh - the Lua (LuaJIT FFI) binding's tests against a staged libldredis, under a
# throwaway redis-server (scripts/with-redis.sh) and Sentinel setup (scripts/with-sentinel.sh).
#
#   LDREDIS_STAGE=/abs/path/build/stage bash bindings/lua/run-tests.sh [tests/test_x.lua ...]
#
# Prints "N passed, M failed" last and exits non-zero on any failure.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
stage=${LDREDIS_STAGE:-$root/build/stage}

if [ ! -e "$stage/lib/libldredis.so" ]; then
  echo "run-tests.sh: no library at $stage/lib/libldredis.so (run 'make stage')" >&2
  exit 1
fi
command -v luajit >/dev/null || { echo "run-tests.sh: luajit is not installed" >&2; exit 1; }

export LDREDIS_LIBRARY="$stage/lib/libldredis.so"
export LDREDIS_HEADER="$root/include/ldredis.h"
export LUA_PATH="$here/?.lua;$here/tests/?.lua;${LUA_PATH:-;}"
exec bash "$root/scripts/with-redis.sh" bash "$root/scripts/with-sentinel.sh" luajit "$here/tests/run.lua" "$@"
