#!/usr/bin/env bash
# make-test-certs.sh DIR
# Test certificates for TLS (EC P-256, made with the openssl CLI in well under a second):
#   ca.crt/ca.key             a private CA
#   server.crt/server.key     signed by it, for DNS:localhost and IP:127.0.0.1
#   client.crt/client.key     signed by it, for mutual TLS
#   other-ca.crt, other-server.crt/.key   an unrelated CA and a server certificate it signed
set -eu
dir=$1
mkdir -p "$dir"
cd "$dir"
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
ca() { # name subject
  key "$1.key"
  openssl req -x509 -new -key "$1.key" -out "$1.crt" -days 30 -subj "$2" 2>/dev/null
}
leaf() { # name ca subject [san]
  key "$1.key"
  openssl req -new -key "$1.key" -out "$1.csr" -subj "$3" 2>/dev/null
  if [ -n "${4:-}" ]; then printf 'subjectAltName=%s\n' "$4" > "$1.ext"; else : > "$1.ext"; fi
  openssl x509 -req -in "$1.csr" -CA "$2.crt" -CAkey "$2.key" -CAcreateserial -out "$1.crt" \
    -days 30 -extfile "$1.ext" 2>/dev/null
  rm -f "$1.csr" "$1.ext"
}
ca ca "/CN=ldredis test CA"
leaf server ca "/CN=localhost" "DNS:localhost,IP:127.0.0.1"
leaf client ca "/CN=ldredis test client"
ca other-ca "/CN=unrelated test CA"
leaf other-server other-ca "/CN=localhost" "DNS:localhost,IP:127.0.0.1"
