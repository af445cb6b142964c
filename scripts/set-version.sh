#!/usr/bin/env bash
# set-version.sh - writes the version from VERSION (the one source) into the places that must
# hold it literally: the header's LDREDIS_VERSION_* macros, ldredis_version() in
# Sources/CBridge/Library+C.swift, Python's ldredis.__version__ (pyproject.toml takes it from
# there: dynamic version), the Lua module's _VERSION, the rockspec (its file name, version and
# source archive) and the READMEs' mentions of the versioned file names. The Makefile reads VERSION itself.
#
#   bash scripts/set-version.sh            rewrite everything from VERSION
#   bash scripts/set-version.sh 1.2.3      write 1.2.3 to VERSION first, then the same
#
# scripts/check-version.sh (make test-version) checks that they all agree.
set -eu
cd "$(dirname "$0")/.."

if [ $# -gt 1 ]; then
  echo "usage: $0 [MAJOR.MINOR.PATCH]" >&2
  exit 2
fi
if [ $# -eq 1 ]; then
  printf '%s\n' "$1" > VERSION.tmp
  mv VERSION.tmp VERSION
fi
version=$(tr -d '[:space:]' < VERSION)
if ! [[ "$version" =~ ^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$ ]]; then
  echo "set-version.sh: VERSION must be MAJOR.MINOR.PATCH (digits only), not '$version'" >&2
  exit 1
fi
major=${BASH_REMATCH[1]} minor=${BASH_REMATCH[2]} patch=${BASH_REMATCH[3]}

# Rewrites FILE with sed EXPRESSIONs; fails when a line that must be there is not.
rewrite() {
  local file=$1 must=$2; shift 2
  grep -qE "$must" "$file" || { echo "set-version.sh: no '$must' in $file" >&2; exit 1; }
  sed -i -E "$@" "$file"
}

rewrite include/ldredis.h '^#define LDREDIS_VERSION_STRING ' \
  -e "s/^(#define LDREDIS_VERSION_MAJOR )[0-9]+\$/\\1$major/" \
  -e "s/^(#define LDREDIS_VERSION_MINOR )[0-9]+\$/\\1$minor/" \
  -e "s/^(#define LDREDIS_VERSION_PATCH )[0-9]+\$/\\1$patch/" \
  -e "s/^(#define LDREDIS_VERSION_STRING )\"[^\"]*\"\$/\\1\"$version\"/"
rewrite Sources/CBridge/Library+C.swift '^private let versionString: StaticString = ' \
  -e "s/^(private let versionString: StaticString = )\"[^\"]*\"/\\1\"$version\"/"
rewrite Sources/ldredis-cli/Version.swift '^let ldredisVersion = ' \
  -e "s/^(let ldredisVersion = )\"[^\"]*\"/\\1\"$version\"/"
rewrite man/ldredis.1 '^\.TH LDREDIS 1 ' \
  -e "s/^(\\.TH LDREDIS 1 \"[^\"]*\" \"ldredis )[^\"]*\"/\\1$version\"/"
rewrite bindings/python/ldredis/__init__.py '^__version__ = ' \
  -e "s/^(__version__ = )\"[^\"]*\"/\\1\"$version\"/"
rewrite bindings/lua/ldredis.lua '^local _M = \{ _VERSION = ' \
  -e "s/^(local _M = \\{ _VERSION = )\"[^\"]*\"/\\1\"$version\"/"

# The rockspec's name is package-VERSION-REVISION.rockspec (LuaRocks requires it); the revision
# starts again at 1 for a new version.
rockspec=bindings/lua/ldredis-$version-1.rockspec
mapfile -t old < <(ls bindings/lua/ldredis-*-*.rockspec)
if [ "${#old[@]}" -ne 1 ]; then
  echo "set-version.sh: expected one bindings/lua/ldredis-*-*.rockspec, found ${#old[@]}" >&2
  exit 1
fi
if [ "${old[0]}" != "$rockspec" ]; then
  if git ls-files --error-unmatch "${old[0]}" >/dev/null 2>&1; then
    git mv "${old[0]}" "$rockspec"
  else
    mv "${old[0]}" "$rockspec"
  fi
fi
rewrite "$rockspec" '^version = ' \
  -e "s/^(version = )\"[^\"]*\"/\\1\"$version-1\"/" \
  -e "s/ldredis-lua-[0-9]+\\.[0-9]+\\.[0-9]+/ldredis-lua-$version/g" \
  -e "s/ldredis-[0-9.]+-[0-9]+\\.rockspec/ldredis-$version-1.rockspec/g"

# Documentation that names the versioned files.
sed -i -E -e "s/ldredis-[0-9]+\\.[0-9]+\\.[0-9]+-[0-9]+\\.rockspec/ldredis-$version-1.rockspec/g" \
  -e "s/libldredis\\.so\\.[0-9]+\\.[0-9]+\\.[0-9]+/libldredis.so.$version/g" \
  README.md bindings/lua/README.md

echo "set-version.sh: $version (run 'make test-version' to check)"
