#!/usr/bin/env bash
# run.sh - the ldredis command's tests (pytest) against real redis-servers.
#
#   LDREDIS_CLI=/abs/path/build/bin/ldredis bash Tests/cli/run.sh [PYTEST ARGS...]
#
# LDREDIS_CLI defaults to build/bin/ldredis (make cli). Installs what is missing, quietly:
# pytest, the LaunchDarkly SDK and redis-py (the SDK's Redis store writes what watch must see).
# Each test starts its own redis-server on a free loopback port and stops it by pid.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
python=${PYTHON:-python3}
export LDREDIS_CLI=${LDREDIS_CLI:-$root/build/bin/ldredis}
export LDREDIS_ROOT=$root

if [ ! -x "$LDREDIS_CLI" ]; then
  echo "run.sh: no ldredis command at $LDREDIS_CLI (run 'make cli')" >&2
  exit 1
fi

missing=()
"$python" -c "import pytest" 2>/dev/null || missing+=("pytest>=7")
"$python" -c "import ldclient" 2>/dev/null || missing+=("launchdarkly-server-sdk>=9")
"$python" -c "import redis" 2>/dev/null || missing+=("redis>=4")
if [ ${#missing[@]} -gt 0 ]; then
  echo "run.sh: installing ${missing[*]}"
  "$python" -m pip install --quiet --disable-pip-version-check "${missing[@]}" 2>&1 \
    | grep -v -e "Running pip as the 'root' user" -e "^\[notice\]" >&2
  [ "${PIPESTATUS[0]}" -eq 0 ] || { echo "run.sh: pip install failed" >&2; exit 1; }
fi
cd "$here" || exit 1
# No inherited connection settings: each test says what it connects to.
unset LDREDIS_URL LDREDIS_PREFIX LDREDIS_PASSWORD LDREDIS_USERNAME LDREDIS_DB LDREDIS_TLS \
      LDREDIS_TLS_CA_FILE LDREDIS_TLS_CERT_FILE LDREDIS_TLS_KEY_FILE LDREDIS_TLS_SERVER_NAME \
      LDREDIS_TLS_INSECURE LDREDIS_CONNECT_TIMEOUT LDREDIS_TIMEOUT LDREDIS_PASSWORD_FILE
"$python" -m pytest -p no:cacheprovider -q "${@:-.}"
