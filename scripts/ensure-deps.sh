#!/usr/bin/env bash
# Installs the Debian packages that `make test`, `make demo` and `make bench` need when
# something is missing (apt-get update once): the build dependencies and the test tools
# (redis-server, redis-sentinel, valgrind, luajit, lua-cjson, luarocks, python3-venv ...).
# `make` itself (the build) never runs this: it only checks (scripts/check-build-deps.sh).
set -eu
need=()
pkg-config --exists hiredis 2>/dev/null || need+=(libhiredis-dev)
[ -f /usr/include/openssl/ssl.h ] || need+=(libssl-dev)
command -v openssl >/dev/null || need+=(openssl)
command -v redis-server >/dev/null || need+=(redis-server)
command -v redis-cli >/dev/null || need+=(redis-tools)
command -v redis-sentinel >/dev/null || need+=(redis-sentinel)
command -v luajit >/dev/null || need+=(luajit)
luajit -e 'require("cjson")' >/dev/null 2>&1 || need+=(lua-cjson)
command -v luarocks >/dev/null || need+=(luarocks)
command -v pkg-config >/dev/null || need+=(pkg-config)
command -v valgrind >/dev/null || need+=(valgrind)
command -v python3 >/dev/null || need+=(python3)
# The wheel test makes a fresh virtual environment (Debian's python3 needs python3-venv).
if command -v python3 >/dev/null && ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
  need+=(python3-venv)
fi
[ ${#need[@]} -eq 0 ] && exit 0
echo "ensure-deps: installing ${need[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || {
    echo "ensure-deps: need root (or sudo) to install the test tools: ${need[*]}" >&2
    echo "ensure-deps: (building needs none of them: plain 'make' only builds)" >&2
    exit 1
  }
  sudo=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq "${need[@]}" >/dev/null
