#!/usr/bin/env bash
# Installs the Debian packages ldredis needs when something is missing (apt-get update once).
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
command -v pkg-config >/dev/null || need+=(pkg-config)
command -v valgrind >/dev/null || need+=(valgrind)
[ ${#need[@]} -eq 0 ] && exit 0
echo "ensure-deps: installing ${need[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "ensure-deps: need root (or sudo) to install: ${need[*]}" >&2; exit 1; }
  sudo=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq "${need[@]}" >/dev/null
