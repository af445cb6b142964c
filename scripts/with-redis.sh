#!/usr/bin/env bash
# with-redis.sh [--tls[=DIR]] CMD [ARGS...]
# Starts a throwaway redis-server on a free loopback port, runs CMD with
#   LDREDIS_TEST_PORT=<port>  LDREDIS_URL=redis://127.0.0.1:<port>/0
# in its environment, then stops exactly that server (by pid) and exits with CMD's status.
#
# --tls: the same server also listens for TLS on a second free loopback port (--tls-port,
# clients not authenticated), with certificates made now by scripts/make-test-certs.sh (the
# openssl CLI: a test CA and a server certificate for localhost and 127.0.0.1, EC P-256) in
# DIR (default: the server's temporary directory, removed afterwards). CMD then also gets
#   LDREDIS_TLS_PORT=<port>  LDREDIS_TLS_URL=rediss://127.0.0.1:<port>/0
#   LDREDIS_TLS_CA_FILE=DIR/ca.crt
# Plain and TLS clients see the same data (one server).
set -u
dir=$(mktemp -d "${TMPDIR:-/tmp}/ldredis-redis.XXXXXX")
pid=""
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null
  fi
  rm -rf "$dir"
}
trap cleanup EXIT INT TERM

tls=""
case "${1-}" in
  --tls) tls=$dir/tls; shift ;;
  --tls=*) tls=${1#--tls=}; shift ;;
esac

tls_args=()
if [ -n "$tls" ]; then
  if ! bash "$(dirname "$0")/make-test-certs.sh" "$tls"; then
    echo "with-redis.sh: could not make the test certificates in $tls (openssl)" >&2
    exit 1
  fi
  tls=$(cd "$tls" && pwd)
fi

free_port() { echo $(( 20000 + (RANDOM * 32768 + RANDOM) % 40000 )); }

tls_port=""
for attempt in $(seq 1 20); do
  port=$(free_port)
  if [ -n "$tls" ]; then
    tls_port=$(free_port)
    [ "$tls_port" = "$port" ] && continue
    tls_args=(--tls-port "$tls_port" --tls-cert-file "$tls/server.crt" --tls-key-file "$tls/server.key"
              --tls-ca-cert-file "$tls/ca.crt" --tls-auth-clients no)
  fi
  redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no \
    --dir "$dir" --daemonize no --logfile "$dir/redis.log" "${tls_args[@]+"${tls_args[@]}"}" &
  pid=$!
  for _ in $(seq 1 100); do
    if ! kill -0 "$pid" 2>/dev/null; then pid=""; break; fi   # a port taken: try others
    if redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null | grep -q PONG; then
      if [ -z "$tls" ] || redis-cli --tls --cacert "$tls/ca.crt" -h 127.0.0.1 -p "$tls_port" ping 2>/dev/null |
         grep -q PONG; then
        break 2
      fi
    fi
    sleep 0.05
  done
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; pid=""; fi
done
if [ -z "$pid" ]; then
  echo "with-redis.sh: could not start redis-server on a free loopback port" >&2
  cat "$dir/redis.log" >&2 2>/dev/null
  exit 1
fi

export LDREDIS_TEST_PORT="$port" LDREDIS_URL="redis://127.0.0.1:$port/0"
if [ -n "$tls" ]; then
  export LDREDIS_TLS_PORT="$tls_port" LDREDIS_TLS_URL="rediss://127.0.0.1:$tls_port/0"
  export LDREDIS_TLS_CA_FILE="$tls/ca.crt"
fi
"$@"
status=$?
exit "$status"
