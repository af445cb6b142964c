#!/usr/bin/env bash
# make test-packaging (part of make test): the packaging promises of issue 14.
#   1. `make` (the lib target) installs nothing: it runs with the test tools (redis, valgrind,
#      luajit, lua, luarocks) hidden from PATH and apt-get/apt/sudo replaced by stubs that
#      record any call; it must succeed without calling them. With pkg-config hidden too, it
#      must fail naming pkg-config, still without calling them.
#   2. The wheel: `make wheel` (scripts/build-wheel.sh) builds dist/ldredis-V-*-manylinux*.whl
#      with libldredis and the libraries it links inside, with no deprecation warning and
#      nothing left in bindings/python; installed into a fresh venv, it works against a
#      throwaway redis-server with LD_LIBRARY_PATH and LDREDIS_LIBRARY unset, from a directory
#      outside the checkout, in a mount namespace where build/ and .build/ are empty (when
#      unshare is allowed), and /proc/self/maps shows the library and hiredis came from the venv.
#   3. The rock: `luarocks lint`, `luarocks make` into a local tree for LuaJIT and a require of
#      the installed module; a plain-Lua LuaRocks refuses it; `make rock`'s source rock installs.
# Prints "ok"/"FAIL" per check and "N passed, M failed" last; exits non-zero on a failure.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
version=$(tr -d '[:space:]' < "$root/VERSION")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ldredis-packaging.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
passed=0; failed=0
check() {
  local desc=$1; shift
  if "$@"; then passed=$((passed + 1)); echo "ok   - $desc"
  else failed=$((failed + 1)); echo "FAIL - $desc"; fi
}
show() { sed 's/^/    /' "$1" | tail -n "${2:-20}"; }

# ---- 1. the build installs nothing -----------------------------------------------------------
echo "== make installs nothing"
farm=$tmp/path
mkdir -p "$farm"
for dir in /usr/local/bin /usr/bin /usr/sbin /bin /sbin; do
  [ -d "$dir" ] || continue
  for tool in "$dir"/*; do
    name=${tool##*/}
    case "$name" in
      redis-*|valgrind*|luajit*|lua|lua5*|luarocks*|apt|apt-get|sudo|dpkg) continue ;;
    esac
    [ -e "$farm/$name" ] || ln -s "$tool" "$farm/$name"
  done
done
for stub in apt apt-get sudo dpkg; do
  printf '#!/bin/sh\necho "%s $*" >> %s/installer-calls\nexit 1\n' "$stub" "$tmp" > "$farm/$stub"
  chmod +x "$farm/$stub"
done
swiftdir=$(dirname "$(command -v swift)")
(cd "$root" && env PATH="$farm:$swiftdir" make --no-print-directory lib) >"$tmp/make.log" 2>&1
status=$?
check "make (lib) succeeds with redis, valgrind, luajit, lua and luarocks not on PATH" test "$status" -eq 0
[ "$status" -eq 0 ] || show "$tmp/make.log"
check "... and never calls apt-get, apt, sudo or dpkg" test ! -e "$tmp/installer-calls"
[ -e "$tmp/installer-calls" ] && show "$tmp/installer-calls"
mv "$farm/pkg-config" "$tmp/pkg-config.hidden"
(cd "$root" && env PATH="$farm:$swiftdir" make --no-print-directory lib) >"$tmp/make-missing.log" 2>&1
status=$?
check "without pkg-config, make fails and names it" \
  sh -c "[ $status -ne 0 ] && grep -q 'missing build dependencies' '$tmp/make-missing.log' && grep -q 'pkg-config' '$tmp/make-missing.log'"
check "... still without calling an installer" test ! -e "$tmp/installer-calls"
mv "$tmp/pkg-config.hidden" "$farm/pkg-config"

# ---- 2. the wheel ----------------------------------------------------------------------------
echo "== the Python wheel"
# What git sees in the binding directories before (edits and untracked files are fine): the
# builds must add nothing to it.
snapshot() { (cd "$root" && git status --porcelain --ignored -- "$1" | grep -v '__pycache__'); }
snapshot bindings/python >"$tmp/python-before"
snapshot bindings/lua >"$tmp/lua-before"
(cd "$root" && make --no-print-directory wheel) >"$tmp/wheel.log" 2>&1
status=$?
check "make wheel succeeds" test "$status" -eq 0
[ "$status" -eq 0 ] || show "$tmp/wheel.log"
wheel=$(ls "$root"/dist/ldredis-"$version"-py3-none-manylinux*_"$(uname -m)".whl 2>/dev/null | head -n 1)
check "dist/ldredis-$version-py3-none-manylinux*_$(uname -m).whl exists" test -n "$wheel"
check "no deprecation warning while building" sh -c "! grep -qi deprecat '$tmp/wheel.log'"
stray=$(snapshot bindings/python | diff "$tmp/python-before" - | grep '^>' || true)
check "nothing left behind in bindings/python (no build/, no *.egg-info)" test -z "$stray"
[ -n "$stray" ] && echo "$stray" | sed 's/^/    /'
if [ -n "$wheel" ]; then
  python3 - "$wheel" >"$tmp/contents" <<'PY'
import sys, zipfile
print("\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))
PY
  check "the wheel holds ldredis/_native/libldredis.so.1" grep -qx 'ldredis/_native/libldredis.so.1' "$tmp/contents"
  check "... and the hiredis, libssl and libcrypto it links (ldredis.libs/)" \
    sh -c "grep -q '^ldredis.libs/libhiredis' '$tmp/contents' && grep -q '^ldredis.libs/libssl' '$tmp/contents' && grep -q '^ldredis.libs/libcrypto' '$tmp/contents'"
  check "... and the LICENSE" grep -q 'dist-info/licenses/LICENSE$' "$tmp/contents"

  venv=$tmp/venv
  python3 -m venv "$venv" >"$tmp/venv.log" 2>&1 &&
    "$venv/bin/python" -m pip install --quiet --no-index --no-deps --disable-pip-version-check \
      "$wheel" >>"$tmp/venv.log" 2>&1
  status=$?
  check "pip install of the wheel into a fresh venv (no index, no dependencies)" test "$status" -eq 0
  [ "$status" -eq 0 ] || show "$tmp/venv.log"
  cat >"$tmp/smoke.py" <<'PY'
import os, sys
import ldredis
venv = sys.prefix
assert ldredis.library_path.startswith(venv), ldredis.library_path
with ldredis.Store(os.environ["LDREDIS_URL"], "wheel-smoke", cache_ttl=0) as store:
    store.init({"flags": {"f": {"key": "f", "version": 1, "on": True}}, "segments": {}})
    assert store.get(ldredis.FEATURES, "f") == {"key": "f", "version": 1, "on": True}
    assert store.upsert("flags", "f", {"key": "f", "version": 2}) is True
    assert store.get("flags", "f")["version"] == 2
maps = open("/proc/self/maps").read()
paths = {line.split()[-1] for line in maps.splitlines() if ".so" in line.split()[-1]}
ldredis_libs = [p for p in paths if "libldredis" in p]
hiredis = [p for p in paths if "libhiredis" in p]
assert ldredis_libs and all(p.startswith(venv) for p in ldredis_libs), ldredis_libs
assert hiredis and all(p.startswith(venv) for p in hiredis), hiredis
print("wheel smoke: ok,", ldredis.library_version, "from", ldredis.library_path)
PY
  # Outside the checkout, with the loader variables unset; build/ and .build/ emptied in a
  # private mount namespace when possible (root, or unprivileged user namespaces).
  run_smoke='cd "$0" && exec env -u LD_LIBRARY_PATH -u LDREDIS_LIBRARY -u PYTHONPATH "$1/bin/python" "$0/smoke.py"'
  hide="mount -t tmpfs none '$root/build' && mount -t tmpfs none '$root/.build' 2>/dev/null; true"
  if unshare -m sh -c "mount -t tmpfs none '$root/build'" 2>/dev/null; then
    bash "$root/scripts/with-redis.sh" unshare -m sh -c "$hide; sh -c '$run_smoke' '$tmp' '$venv'" \
      >"$tmp/smoke.log" 2>&1
    where="build/ and .build/ hidden (unshare -m)"
  else
    bash "$root/scripts/with-redis.sh" sh -c "$run_smoke" "$tmp" "$venv" >"$tmp/smoke.log" 2>&1
    where="unshare not allowed: build/ visible, /proc/self/maps checked"
  fi
  status=$?
  check "the installed wheel works with LD_LIBRARY_PATH and LDREDIS_LIBRARY unset ($where)" \
    sh -c "[ $status -eq 0 ] && grep -q 'wheel smoke: ok' '$tmp/smoke.log'"
  [ "$status" -eq 0 ] || show "$tmp/smoke.log"
fi

# ---- 3. the LuaJIT rock ----------------------------------------------------------------------
echo "== the LuaJIT rock"
rockspec=$root/bindings/lua/ldredis-$version-1.rockspec
if ! command -v luarocks >/dev/null; then
  check "luarocks is installed (make deps installs it)" false
else
  # LuaRocks for LuaJIT (Debian's is configured for lua5.1).
  cat >"$tmp/luarocks-luajit.lua" <<LUA
lua_interpreter = "luajit"
variables = { LUA = "$(command -v luajit)", LUA_BINDIR = "$(dirname "$(command -v luajit)")" }
LUA
  export LUAROCKS_CONFIG=$tmp/luarocks-luajit.lua
  check "luarocks lint $(basename "$rockspec")" luarocks lint "$rockspec"
  (cd "$root/bindings/lua" && luarocks --tree "$tmp/rocks" make "$(basename "$rockspec")") \
    >"$tmp/rock.log" 2>&1
  status=$?
  check "luarocks make into a local tree, for LuaJIT" test "$status" -eq 0
  [ "$status" -eq 0 ] || show "$tmp/rock.log"
  stray=$(snapshot bindings/lua | diff "$tmp/lua-before" - | grep '^>' || true)
  check "nothing left behind in bindings/lua" test -z "$stray"
  [ -n "$stray" ] && echo "$stray" | sed 's/^/    /'
  module=$(ls "$tmp"/rocks/share/lua/5.1/ldredis.lua 2>/dev/null)
  check "the installed module loads in LuaJIT and finds the library" \
    sh -c "cd '$tmp' && LDREDIS_LIBRARY='$root/build/lib/libldredis.so.1' luajit -e 'package.path=\"$tmp/rocks/share/lua/5.1/?.lua\"; local l = require(\"ldredis\"); assert(l.FEATURES == \"features\"); io.write(l.library_version)' | grep -qx '$version'"
  check "the installed module is the checkout's" cmp -s "$module" "$root/bindings/lua/ldredis.lua"
  unset LUAROCKS_CONFIG
  # The default LuaRocks, when it runs a plain Lua (Debian's: lua5.1), must refuse the rock.
  if [ "$(luarocks config lua_interpreter 2>/dev/null)" != luajit ] &&
     { command -v lua5.1 >/dev/null || command -v lua >/dev/null; }; then
    mkdir -p "$tmp/no-server"
    (cd "$root/bindings/lua" && luarocks --tree "$tmp/rocks-plain" --only-server="$tmp/no-server" \
      make "$(basename "$rockspec")") >"$tmp/rock-plain.log" 2>&1
    status=$?
    check "a plain-Lua LuaRocks refuses the rock (the luajit dependency)" \
      sh -c "[ $status -ne 0 ] && grep -q 'luajit' '$tmp/rock-plain.log' && [ ! -e '$tmp/rocks-plain/share/lua/5.1/ldredis.lua' ]"
  fi
  export LUAROCKS_CONFIG=$tmp/luarocks-luajit.lua
  (cd "$root" && make --no-print-directory rock && cd "$tmp" &&
    luarocks --tree "$tmp/rocks-src" install "$root/dist/ldredis-$version-1.src.rock") \
    >"$tmp/src-rock.log" 2>&1
  status=$?
  check "make rock; luarocks install dist/ldredis-$version-1.src.rock" \
    sh -c "[ $status -eq 0 ] && [ -e '$tmp/rocks-src/share/lua/5.1/ldredis.lua' ]"
  [ "$status" -eq 0 ] || show "$tmp/src-rock.log"
  unset LUAROCKS_CONFIG
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
