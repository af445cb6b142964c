#!/usr/bin/env bash
# check-version.sh - every place that states ldredis's version agrees with VERSION, the one
# source (make test-version; scripts/set-version.sh writes the literal copies).
#
#   LDREDIS_STAGE=/abs/path/build/stage bash scripts/check-version.sh   sources and the staged build
#   bash scripts/check-version.sh --sources                             sources only (no build)
#
# Sources: the Makefile's VERSION and SOMAJOR, the header's LDREDIS_VERSION_* macros,
# Library+C.swift, Python's __version__ and the version setuptools computes from pyproject.toml,
# the Lua module's _VERSION, the rockspec (file name, version, source archive), and the READMEs' versioned
# file names. Staged build (LDREDIS_STAGE, default build/stage from `make stage`): the library's
# file name, SONAME and pkg-config version, and at run time ldredis_version() from C, Python
# (with ldredis.__version__) and Lua (with the module's _VERSION).
# One "ok"/"FAIL" line per check, "N passed, M failed" last; non-zero exit on any failure.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 1
stage=${LDREDIS_STAGE:-$root/build/stage}
sources_only=0
[ "${1:-}" = "--sources" ] && sources_only=1

passed=0
failed=0
# agree LABEL VALUE [EXPECTED]: VALUE must be EXPECTED (default: the version).
agree() {
  local label=$1 got=$2 want=${3-$version}
  if [ "$got" = "$want" ]; then
    passed=$((passed + 1)); echo "ok   - $label: $got"
  else
    failed=$((failed + 1)); echo "FAIL - $label: '$got', expected '$want'"
  fi
}
finish() {
  printf '%d passed, %d failed\n' "$passed" "$failed"
  [ "$failed" -eq 0 ]
  exit $?
}

version=$(tr -d '[:space:]' < VERSION)
if ! [[ "$version" =~ ^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$ ]]; then
  agree "VERSION is MAJOR.MINOR.PATCH" "$version" "digits.digits.digits"
  finish
fi
major=${BASH_REMATCH[1]}
echo "# VERSION is $version"

# ---- sources --------------------------------------------------------------------------------
make_var() {
  make --no-print-directory -s --eval "print-$1: ; @echo \$($1)" "print-$1" 2>&1
}
agree "Makefile VERSION" "$(make_var VERSION)"
agree "Makefile SOMAJOR" "$(make_var SOMAJOR)" "$major"

macro() { sed -n -E "s/^#define LDREDIS_VERSION_$1 (.*)\$/\\1/p" include/ldredis.h; }
agree "include/ldredis.h LDREDIS_VERSION_STRING" "$(macro STRING)" "\"$version\""
agree "include/ldredis.h LDREDIS_VERSION_MAJOR.MINOR.PATCH" \
  "$(macro MAJOR).$(macro MINOR).$(macro PATCH)"
agree "Sources/CBridge/Library+C.swift versionString" \
  "$(sed -n -E 's/^private let versionString: StaticString = "(.*)"$/\1/p' \
     Sources/CBridge/Library+C.swift)"

agree "Sources/ldredis-cli/Version.swift ldredisVersion" \
  "$(sed -n -E 's/^let ldredisVersion = "(.*)"$/\1/p' Sources/ldredis-cli/Version.swift)"
agree "man/ldredis.1 .TH" "$(sed -n -E 's/^\.TH LDREDIS 1 "[^"]*" "ldredis ([^"]*)".*$/\1/p' man/ldredis.1)"

agree "bindings/python/ldredis/__init__.py __version__" \
  "$(sed -n -E 's/^__version__ = "(.*)"$/\1/p' bindings/python/ldredis/__init__.py)"
# What `pip install bindings/python` would record: pyproject.toml's dynamic version is the
# attribute ldredis.__version__ (checked above). Read as TOML, not through the local setuptools,
# which may be older than the build requires (pip builds with setuptools>=77).
agree "bindings/python/pyproject.toml (version from ldredis.__version__)" "$(cd bindings/python && python3 -c '
import re
text = open("pyproject.toml").read()
attr = re.search(r"^version = \{ attr = \"([\w.]+)\" \}$", text, re.M)
dynamic = re.search(r"^dynamic = \[\"version\"\]$", text, re.M)
if dynamic and attr and attr.group(1) == "ldredis.__version__":
    print(re.search(r"^__version__ = \"(.*)\"$", open("ldredis/__init__.py").read(), re.M).group(1))
else:
    print("pyproject.toml does not take its version from ldredis.__version__")' 2>&1)"

agree "bindings/lua/ldredis.lua _VERSION" \
  "$(sed -n -E 's/^local _M = \{ _VERSION = "(.*)" \}$/\1/p' bindings/lua/ldredis.lua)"
rockspecs=$(cd bindings/lua && echo $(ls ldredis-*.rockspec 2>/dev/null))
agree "bindings/lua: the one rockspec" "$rockspecs" "ldredis-$version-1.rockspec"
for spec in $rockspecs; do
  agree "$spec version, source.url, source.dir" "$(ROCKSPEC="bindings/lua/$spec" luajit -e '
    local env = { source = {} }
    local chunk = assert(loadfile(os.getenv("ROCKSPEC")))
    setfenv(chunk, env)()
    io.write(tostring(env.version), " ", tostring(env.source.url), " ", tostring(env.source.dir))' 2>&1)" \
    "$version-1 ldredis-lua-$version.tar.gz ldredis-lua-$version"
done

for doc in README.md bindings/lua/README.md; do
  mentions=$(grep -ohE 'libldredis\.so\.[0-9]+\.[0-9]+\.[0-9]+|ldredis-[0-9.]+-[0-9]+\.rockspec' \
    "$doc" | sort -u)
  want=$(grep -ohE 'libldredis\.so\.[0-9]+\.[0-9]+\.[0-9]+|ldredis-[0-9.]+-[0-9]+\.rockspec' \
    "$doc" | sed -E -e "s/^libldredis\\.so\\..*/libldredis.so.$version/" \
    -e "s/^ldredis-.*\\.rockspec/ldredis-$version-1.rockspec/" | sort -u)
  agree "$doc: versioned file names" "$(echo $mentions)" "$(echo $want)"
done

[ "$sources_only" -eq 1 ] && finish

# ---- the staged build -------------------------------------------------------------------------
lib=$stage/lib/libldredis.so
if [ ! -e "$lib" ]; then
  agree "a staged library (make stage)" "missing: $lib" "$lib"
  finish
fi
# (A staged library of an earlier version may still be there: make install does not remove it.)
agree "$stage/lib/libldredis.so.$major -> (the versioned library)" \
  "$(readlink "$stage/lib/libldredis.so.$major")" "libldredis.so.$version"
agree "SONAME" "$(readelf -d "$lib" | sed -n 's/.*(SONAME).*\[\(.*\)\].*/\1/p')" \
  "libldredis.so.$major"
agree "pkg-config --modversion ldredis" \
  "$(PKG_CONFIG_PATH="$stage/lib/pkgconfig" pkg-config --modversion ldredis 2>&1)"

agree "the staged ldredis command: ldredis --version" "$("$stage/bin/ldredis" --version 2>&1)" "ldredis $version"

work=$(mktemp -d "${TMPDIR:-/tmp}/ldredis-version.XXXXXX")
trap 'rm -rf "$work"' EXIT
cat > "$work/version.c" <<'C'
#include <ldredis.h>
#include <stdio.h>
int main(void) { printf("%s %s\n", ldredis_version(), LDREDIS_VERSION_STRING); return 0; }
C
agree "C: ldredis_version(), LDREDIS_VERSION_STRING of the staged header" "$(
  cc -std=c99 -Wall -Werror -I"$stage/include" -o "$work/version" "$work/version.c" \
    -L"$stage/lib" -lldredis 2>&1 && LD_LIBRARY_PATH="$stage/lib" "$work/version" 2>&1)" \
  "$version $version"
agree "Python: ldredis.__version__, ldredis.library_version" "$(
  PYTHONPATH="$root/bindings/python" LDREDIS_LIBRARY="$lib" python3 -c '
import ldredis
print(ldredis.__version__, ldredis.library_version)' 2>&1)" "$version $version"
agree "Lua: ldredis._VERSION, ldredis.library_version" "$(
  LUA_PATH="$root/bindings/lua/?.lua" LDREDIS_LIBRARY="$lib" luajit -e '
local m = require("ldredis")
io.write(m._VERSION, " ", m.library_version)' 2>&1)" "$version $version"
finish
