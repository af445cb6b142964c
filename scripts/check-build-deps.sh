#!/usr/bin/env bash
# What building libldredis needs, and nothing else: Swift 6, a C toolchain (cc, ld), pkg-config,
# hiredis and OpenSSL (headers and libraries). Installs nothing: it names what is missing and
# the Debian package that has it, and fails. (`make test`, `make demo` and `make bench` install
# their own tools with scripts/ensure-deps.sh.)
set -u
missing=()
hint=()
need() { missing+=("$1"); hint+=("$2"); }

if ! command -v swift >/dev/null 2>&1; then
  need "swift (the Swift 6 toolchain)" "https://www.swift.org/install/linux/ (then put its usr/bin on PATH)"
else
  # `swift --version` prints "Swift version 6.x ..." (or "swift-driver version: ... Swift version 6.x").
  major=$(swift --version 2>/dev/null | sed -n 's/.*Swift version \([0-9][0-9]*\).*/\1/p' | head -n 1)
  if [ -n "$major" ] && [ "$major" -lt 6 ]; then
    need "Swift 6 or later (found Swift $major)" "https://www.swift.org/install/linux/"
  fi
fi
command -v cc >/dev/null 2>&1 || need "a C compiler (cc)" "apt-get install build-essential"
command -v ld >/dev/null 2>&1 || need "a linker (ld)" "apt-get install binutils"
if ! command -v pkg-config >/dev/null 2>&1; then
  need "pkg-config" "apt-get install pkg-config"
else
  pkg-config --exists hiredis 2>/dev/null || need "hiredis (headers, library, hiredis.pc)" "apt-get install libhiredis-dev"
  pkg-config --exists openssl 2>/dev/null || [ -f /usr/include/openssl/ssl.h ] ||
    need "OpenSSL (headers and library)" "apt-get install libssl-dev"
fi

[ ${#missing[@]} -eq 0 ] && exit 0
echo "make: cannot build libldredis: missing build dependencies:" >&2
for i in "${!missing[@]}"; do
  echo "  - ${missing[$i]}: ${hint[$i]}" >&2
done
echo "(make test / make demo install everything they need themselves, as root or through sudo)" >&2
exit 1
