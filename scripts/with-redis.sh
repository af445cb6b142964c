#!/usr/bin/env bash
# with-redis.sh CMD [ARGS...]
# Starts a throwaway redis-server on a free loopback port, runs CMD with
#   LDREDIS_TEST_PORT=<port>  LDREDIS_URL=redis://127.0.0.1:<port>/0
# in its environment, then stops exactly that server (by pid) and exits with CMD's status.
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

for attempt in $(seq 1 20); do
  port=$(( 20000 + (RANDOM * 32768 + RANDOM) % 40000 ))
  redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no \
    --dir "$dir" --daemonize no --logfile "$dir/redis.log" &
  pid=$!
  for _ in $(seq 1 100); do
    if ! kill -0 "$pid" 2>/dev/null; then pid=""; break; fi   # port taken: try another
    if redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null | grep -q PONG; then break 2; fi
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
"$@"
status=$?
exit "$status"
