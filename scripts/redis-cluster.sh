#!/usr/bin/env bash
# redis-cluster.sh start DIR   |   redis-cluster.sh stop DIR
# start: a throwaway Redis Cluster of 3 masters and 3 replicas on free loopback ports
#   (cluster-enabled, no persistence, node timeout 1000 ms), files in DIR (created), made with
#   redis-cli --cluster create ... --cluster-replicas 1 --cluster-yes; waits until every node
#   says cluster_state:ok; prints the redis-cluster:// URL of the six nodes on stdout. DIR/pids
#   holds their pids, DIR/ports their ports. On failure it stops what it
#   started and exits 1.
# stop: stops exactly the processes in DIR/pids (TERM, then KILL) and removes DIR.
# For the Python and Lua cluster tests (the Swift tests start their own: ClusterFixture).
set -u
cmd=${1-}
dir=${2-}
if [ -z "$dir" ] || { [ "$cmd" != start ] && [ "$cmd" != stop ]; }; then
  echo "usage: redis-cluster.sh start|stop DIR" >&2
  exit 2
fi

stop_all() {
  [ -f "$dir/pids" ] || return 0
  local p
  for p in $(cat "$dir/pids"); do kill "$p" 2>/dev/null; done
  for p in $(cat "$dir/pids"); do
    for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null
  done
  rm -f "$dir/pids"
}

if [ "$cmd" = stop ]; then
  stop_all
  rm -rf "$dir"
  exit 0
fi

mkdir -p "$dir" || exit 1
: > "$dir/pids"
: > "$dir/ports"
# The cluster bus listens on port + 10000: ports stay below 55536.
free_port() { echo $(( 20000 + (RANDOM * 32768 + RANDOM) % 30000 )); }

for _ in 1 2 3 4 5 6; do
  started=""
  for attempt in $(seq 1 20); do
    port=$(free_port)
    grep -qx "$port" "$dir/ports" && continue
    redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$dir" \
      --daemonize no --logfile "$dir/redis-$port.log" --cluster-enabled yes \
      --cluster-config-file "nodes-$port.conf" --cluster-node-timeout 1000 \
      --repl-diskless-sync-delay 0 >/dev/null 2>&1 &
    pid=$!
    for _ in $(seq 1 100); do
      if ! kill -0 "$pid" 2>/dev/null; then break; fi   # a port taken: try another
      if redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null | grep -q PONG; then started=$pid; break; fi
      sleep 0.05
    done
    if [ -n "$started" ]; then break; fi
    kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
  done
  if [ -z "$started" ]; then
    echo "redis-cluster.sh: could not start redis-server on a free loopback port" >&2
    stop_all; exit 1
  fi
  echo "$started" >> "$dir/pids"
  echo "$port" >> "$dir/ports"
done

addresses=$(sed 's/^/127.0.0.1:/' "$dir/ports" | tr '\n' ' ')
# shellcheck disable=SC2086
if ! redis-cli --cluster create $addresses --cluster-replicas 1 --cluster-yes > "$dir/create.log" 2>&1; then
  echo "redis-cluster.sh: redis-cli --cluster create failed:" >&2
  cat "$dir/create.log" >&2
  stop_all; exit 1
fi
for _ in $(seq 1 600); do
  ok=1
  for port in $(cat "$dir/ports"); do
    redis-cli -h 127.0.0.1 -p "$port" cluster info 2>/dev/null | grep -q "cluster_state:ok" || { ok=0; break; }
  done
  if [ "$ok" = 1 ]; then
    echo "redis-cluster://$(sed 's/^/127.0.0.1:/' "$dir/ports" | paste -sd, -)"
    exit 0
  fi
  sleep 0.1
done
echo "redis-cluster.sh: the cluster did not reach cluster_state:ok" >&2
stop_all
exit 1
