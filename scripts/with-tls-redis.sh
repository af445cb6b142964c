#!/usr/bin/env bash
# with-tls-redis.sh CMD [ARGS...]
# Makes test certificates (scripts/make-test-certs.sh), starts a throwaway redis-server that
# speaks only TLS on a free loopback port, runs CMD with
#   LDREDIS_TLS_PORT=<port>  LDREDIS_TLS_DIR=<certificates>  LDREDIS_URL=rediss://localhost:<port>/0
# in its environment, then stops exactly that server (by pid) and exits with CMD's status.
set -u
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d "${TMPDIR:-/tmp}/ldredis-tls.XXXXXX")
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
bash "$here/make-test-certs.sh" "$dir/certs" || { echo "with-tls-redis: cannot make certificates" >&2; exit 1; }
for attempt in $(seq 1 20); do
  port=$(( 20000 + (RANDOM * 32768 + RANDOM) % 40000 ))
  redis-server --port 0 --tls-port "$port" --bind 127.0.0.1 --save "" --appendonly no \
    --tls-cert-file "$dir/certs/server.crt" --tls-key-file "$dir/certs/server.key" \
    --tls-ca-cert-file "$dir/certs/ca.crt" --tls-auth-clients no \
    --dir "$dir" --logfile "$dir/redis.log" &
  pid=$!
  for _ in $(seq 1 100); do
    if redis-cli --tls --cacert "$dir/certs/ca.crt" -h 127.0.0.1 -p "$port" ping 2>/dev/null | grep -q PONG; then
      LDREDIS_TLS_PORT=$port LDREDIS_TLS_DIR="$dir/certs" LDREDIS_URL="rediss://localhost:$port/0" "$@"
      exit $?
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; pid=""
done
echo "with-tls-redis: could not start a TLS redis-server" >&2
exit 1
