#!/usr/bin/env bash
# with-sentinel.sh CMD [ARGS...]
# Starts a throwaway Redis Sentinel setup on free loopback ports: a master, one replica of it
# and one sentinel watching it under the name "ldmaster" (down-after 1000 ms, failover timeout
# 5000 ms), runs CMD with
#   LDREDIS_SENTINEL_URL=redis-sentinel://127.0.0.1:<sentinel>/ldmaster
#   LDREDIS_SENTINEL_PORT=<sentinel>  LDREDIS_SENTINEL_MASTER=ldmaster
#   LDREDIS_SENTINEL_MASTER_PORT=<master>  LDREDIS_SENTINEL_REPLICA_PORT=<replica>
# in its environment, then stops exactly those three processes (by pid) and exits with CMD's
# status. CMD may ask the sentinel for a failover (SENTINEL FAILOVER ldmaster).
set -u
dir=$(mktemp -d "${TMPDIR:-/tmp}/ldredis-sentinel.XXXXXX")
pids=()
cleanup() {
  for pid in "${pids[@]+"${pids[@]}"}"; do
    kill -CONT "$pid" 2>/dev/null; kill "$pid" 2>/dev/null
  done
  for pid in "${pids[@]+"${pids[@]}"}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null
  done
  rm -rf "$dir"
}
trap cleanup EXIT INT TERM

free_port() { echo $(( 20000 + (RANDOM * 32768 + RANDOM) % 40000 )); }

# start NAME ARGS...: a redis-server (or sentinel) on a free port; sets $port.
start() {
  local name=$1; shift
  for _ in $(seq 1 20); do
    port=$(free_port)
    if [ "$name" = sentinel ]; then
      cat >"$dir/sentinel-$port.conf" <<CONF
port $port
bind 127.0.0.1
daemonize no
dir $dir
logfile $dir/sentinel-$port.log
sentinel monitor ldmaster 127.0.0.1 $master_port 1
sentinel down-after-milliseconds ldmaster 1000
sentinel failover-timeout ldmaster 5000
CONF
      redis-server "$dir/sentinel-$port.conf" --sentinel &
    else
      redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$dir" \
        --repl-diskless-sync-delay 0 --daemonize no --logfile "$dir/$name-$port.log" "$@" &
    fi
    local pid=$!
    for _ in $(seq 1 100); do
      if ! kill -0 "$pid" 2>/dev/null; then pid=""; break; fi
      if redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null | grep -q PONG; then
        pids+=("$pid"); return 0
      fi
      sleep 0.05
    done
    if [ -n "$pid" ]; then kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; fi
  done
  echo "with-sentinel.sh: could not start the $name on a free loopback port" >&2
  exit 1
}

start master; master_port=$port
start replica --replicaof 127.0.0.1 "$master_port"; replica_port=$port
start sentinel; sentinel_port=$port

# Ready when the replica is in sync (the master counts it online: writes wait for it) and the
# sentinel knows it (so a failover can pick it).
for _ in $(seq 1 400); do
  if redis-cli -p "$replica_port" info replication 2>/dev/null | grep -q "master_link_status:up" &&
     redis-cli -p "$master_port" info replication 2>/dev/null | grep -q "state=online" &&
     redis-cli -p "$sentinel_port" sentinel replicas ldmaster 2>/dev/null | grep -q "$replica_port"; then
    ready=1; break
  fi
  sleep 0.05
done
if [ -z "${ready-}" ]; then
  echo "with-sentinel.sh: the sentinel setup did not become ready" >&2
  exit 1
fi

export LDREDIS_SENTINEL_URL="redis-sentinel://127.0.0.1:$sentinel_port/ldmaster"
export LDREDIS_SENTINEL_PORT="$sentinel_port" LDREDIS_SENTINEL_MASTER=ldmaster
export LDREDIS_SENTINEL_MASTER_PORT="$master_port" LDREDIS_SENTINEL_REPLICA_PORT="$replica_port"
"$@"
exit $?
