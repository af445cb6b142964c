#!/usr/bin/env bash
# redis-cluster.sh start DIR   |   redis-cluster.sh stop DIR   |   redis-cluster.sh reshard DIR SLOT
# start: a throwaway Redis Cluster of 3 masters and 3 replicas on free loopback ports
#   (cluster-enabled, no persistence, node timeout 1000 ms), files in DIR (created), made with
#   redis-cli --cluster create ... --cluster-replicas 1 --cluster-yes; waits until every node
#   says cluster_state:ok; prints the redis-cluster:// URL of the six nodes on stdout. DIR/pids
#   holds their pids, DIR/ports their ports. On failure it stops what it
#   started and exits 1.
# stop: stops exactly the processes in DIR/pids (TERM, then KILL) and removes DIR.
# reshard: moves SLOT from its master to another master, as redis-cli --cluster reshard does:
#   CLUSTER SETSLOT IMPORTING on the target, MIGRATING on the source, MIGRATE of its keys 10 at a
#   time, then SETSLOT NODE on every master; prints "SOURCE_PORT TARGET_PORT".
# For the Python and Lua cluster tests (the Swift tests start their own: ClusterFixture).
set -u
cmd=${1-}
dir=${2-}
if [ -z "$dir" ] || { [ "$cmd" != start ] && [ "$cmd" != stop ] && [ "$cmd" != reshard ]; }; then
  echo "usage: redis-cluster.sh start|stop DIR, or reshard DIR SLOT" >&2
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

if [ "$cmd" = reshard ]; then
  slot=${3-}
  cli() { local port=$1; shift; redis-cli -h 127.0.0.1 -p "$port" "$@"; }
  first=$(head -n 1 "$dir/ports")
  # CLUSTER NODES: id host:port@bus flags master ... slots; the masters, and the slot's owner.
  nodes=$(cli "$first" cluster nodes)
  source=""; target=""; source_id=""; target_id=""; masters=()
  while read -r id address flags _ _ _ _ _ slots; do
    case "$flags" in *master*) ;; *) continue ;; esac
    port=${address%@*}; port=${port##*:}
    masters+=("$port")
    owns=0
    for range in $slots; do
      low=${range%-*}; high=${range#*-}
      case "$low$high" in *[!0-9]*) continue ;; esac
      if [ "$slot" -ge "$low" ] && [ "$slot" -le "$high" ]; then owns=1; fi
    done
    if [ "$owns" = 1 ]; then source=$port; source_id=$id
    elif [ -z "$target" ]; then target=$port; target_id=$id; fi
  done <<< "$nodes"
  if [ -z "$source" ] || [ -z "$target" ]; then
    echo "redis-cluster.sh: no master owns slot $slot, or no other master" >&2
    exit 1
  fi
  cli "$target" cluster setslot "$slot" importing "$source_id" > /dev/null || exit 1
  cli "$source" cluster setslot "$slot" migrating "$target_id" > /dev/null || exit 1
  while true; do
    keys=$(cli "$source" cluster getkeysinslot "$slot" 10)
    [ -z "$keys" ] && break
    # shellcheck disable=SC2086
    cli "$source" migrate 127.0.0.1 "$target" "" 0 5000 keys $keys > /dev/null || exit 1
  done
  cli "$target" cluster setslot "$slot" node "$target_id" > /dev/null || exit 1
  cli "$source" cluster setslot "$slot" node "$target_id" > /dev/null || exit 1
  for port in "${masters[@]}"; do
    if [ "$port" != "$source" ] && [ "$port" != "$target" ]; then
      cli "$port" cluster setslot "$slot" node "$target_id" > /dev/null || exit 1
    fi
  done
  echo "$source $target"
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
