#!/usr/bin/env bash
# run-tests.sh - the Python binding's tests (pytest) against a staged libldredis.
#
#   LDREDIS_STAGE=/abs/path/build/stage bash bindings/python/run-tests.sh [PYTEST ARGS...]
#
# LDREDIS_STAGE defaults to build/stage. Installs what is missing, quietly: pytest, mypy, the
# LaunchDarkly SDK and redis-py (for the interop tests); tests import this source tree. Each test
# that needs Redis starts its own redis-server on a free loopback port (tests/conftest.py).
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
stage=${LDREDIS_STAGE:-$root/build/stage}
python=${PYTHON:-python3}

if [ ! -e "$stage/lib/libldredis.so" ]; then
  echo "run-tests.sh: no library at $stage/lib/libldredis.so (run 'make stage')" >&2
  exit 1
fi

pip_install() {
  "$python" -m pip install --quiet --disable-pip-version-check "$@" 2>&1 \
    | grep -v -e "Running pip as the 'root' user" -e "^\[notice\]" >&2
  return "${PIPESTATUS[0]}"
}

missing=()
"$python" -c "import pytest" 2>/dev/null || missing+=("pytest>=7")
"$python" -c "import ldclient" 2>/dev/null || missing+=("launchdarkly-server-sdk>=9")
"$python" -c "import redis" 2>/dev/null || missing+=("redis>=4")
"$python" -c "import mypy" 2>/dev/null || missing+=("mypy")  # the Kind type is checked
if [ ${#missing[@]} -gt 0 ]; then
  echo "run-tests.sh: installing ${missing[*]}"
  pip_install "${missing[@]}" || { echo "run-tests.sh: pip install failed" >&2; exit 1; }
fi
# The package under test is this source tree (pip install -e would do the same, but needs a
# build backend download; `pip install bindings/python` is how users install it).
export PYTHONPATH="$here${PYTHONPATH:+:$PYTHONPATH}"
export LDREDIS_LIBRARY="$stage/lib/libldredis.so"
cd "$here" || exit 1
"$python" -m pytest -p no:cacheprovider -q "${@:-tests}"
