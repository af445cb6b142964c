#!/usr/bin/env bash
# bench/run.sh - `make bench` (full) and `make bench-quick` (--quick): libldredis measured side
# by side with raw hiredis (C), the LaunchDarkly Python SDK's Redis store (Python) and direct
# FFI calls (Lua), on one throwaway redis-server, in one run. The server also listens for TLS
# (scripts/with-redis.sh --tls: a test CA and server certificate made with openssl in
# build/bench/tls), so the TLS cases compare with the plain ones on the same data.
#
#   bash bench/run.sh [--quick] [--out DIR]
#
# Full: writes bench/results/latest.md, latest.json and ratios.svg (under 10 minutes).
# Quick: a few seconds, smaller data (1,000 flags everywhere) and few samples; writes to
#   build/bench/quick/ (never over the committed results) and only checks that the harness
#   runs and produces its files. Benchmarks never pass or fail on their numbers.
#
# Needs a staged library (make stage: LDREDIS_STAGE, default build/stage), cc, pkg-config,
# hiredis, redis-server (built with TLS, as Debian's is), redis-cli, openssl, python3; the Python SDK (launchdarkly-server-sdk, redis) for the
# Python comparison (the full run installs it with pip when missing; the quick run skips its
# column with a note) and luajit for the Lua cases (skipped with a note when missing).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
stage=${LDREDIS_STAGE:-$root/build/stage}
work=$root/build/bench
quick=0
out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 ;;
    --out) out=$2; shift ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
if [ -z "$out" ]; then
  if [ "$quick" = 1 ]; then out=$work/quick; else out=$root/bench/results; fi
fi
mode=full; big=10000; hs_gets=10000
if [ "$quick" = 1 ]; then mode=quick; big=1000; hs_gets=1000; fi

log() { printf 'bench: %s\n' "$*" >&2; }

if [ ! -e "$stage/lib/libldredis.so" ]; then
  echo "run.sh: no library at $stage/lib/libldredis.so (run 'make stage')" >&2
  exit 1
fi
mkdir -p "$work" "$out"
raw=$work/raw-$mode
rm -rf "$raw"
mkdir -p "$raw"
export PKG_CONFIG_PATH="$stage/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
export LD_LIBRARY_PATH="$stage/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export LDREDIS_LIBRARY="$stage/lib/libldredis.so"
export PYTHONPATH="$root/bindings/python${PYTHONPATH:+:$PYTHONPATH}"
export LUA_PATH="$root/bindings/lua/?.lua;${LUA_PATH:-;}"

# 1. The C benchmark, optimised, against the staged library and the system hiredis.
log "building build/bench/ldbench"
# shellcheck disable=SC2046  # pkg-config output is meant to be split into words
${CC:-cc} -std=gnu11 -O2 -g -Wall -Wextra -pthread -o "$work/ldbench" "$root/bench/c/bench.c" \
  $(pkg-config --cflags --libs ldredis) $(pkg-config --cflags --libs hiredis) \
  -Wl,-rpath,"$stage/lib"

# 2. The data sets (fixed seed; regenerated only when the generator changed).
for n in 1000 $big; do
  if [ ! -s "$work/data-$n.json" ] || [ ! -s "$work/data-$n.tsv" ] ||
     [ "$root/bench/gen_data.py" -nt "$work/data-$n.json" ]; then
    python3 "$root/bench/gen_data.py" "$work" "$n"
  fi
done

# 3. The Python SDK to compare with.
notes=()
if ! python3 -c 'import ldclient, redis' 2>/dev/null; then
  if [ "$quick" = 1 ]; then
    notes+=("quick mode: launchdarkly-server-sdk/redis not installed, Python SDK column skipped")
  else
    log "installing the LaunchDarkly Python SDK and redis-py (pip)"
    python3 -m pip install --quiet launchdarkly-server-sdk redis >&2 ||
      notes+=("pip install launchdarkly-server-sdk redis failed: Python SDK column skipped")
  fi
fi
if [ "$quick" = 0 ] && ! python3 -c 'import orjson, sys; sys.exit(tuple(map(int, orjson.__version__.split(".")[:2])) < (3, 10))' 2>/dev/null; then
  # ldredis's optional fast JSON extra, as a user installs it: pip install 'ldredis[fast]'
  # (orjson>=3.10.15, which bindings/python/pyproject.toml asks for).
  python3 -m pip install --quiet 'orjson>=3.10.15' >&2 || notes+=("orjson>=3.10.15 not installed: ldredis uses what is there")
fi

# 4. Everything against one throwaway redis-server (scripts/with-redis.sh picks free loopback
#    ports, plain and TLS, and stops exactly that server afterwards).
inner() {
  set -euo pipefail
  log "redis-server on $LDREDIS_URL and $LDREDIS_TLS_URL ($mode)"
  log "C: libldredis vs raw hiredis"
  "$work/ldbench" run "$LDREDIS_URL" "$work" "$big" "$mode" > "$raw/c.json"
  log "C: memory of a process caching $big flags"
  # benchinit-ld holds the $big-flag data set (the C init case wrote it last).
  "$work/ldbench" mem "$LDREDIS_URL" benchinit-ld "$work/data-$big.tsv" > "$raw/mem.json"
  log "C: connections (TLS handshakes) per $hs_gets gets over TLS, cache off"
  # The server's count of accepted connections, read over TLS with redis-cli before and after
  # each run; the redis-cli connection that reads "after" is one of them (subtracted).
  conns() {
    redis-cli --tls --cacert "$LDREDIS_TLS_CA_FILE" -h 127.0.0.1 -p "$LDREDIS_TLS_PORT" INFO stats |
      tr -d '\r' | sed -n 's/^total_connections_received://p'
  }
  {
    printf '{"gets": %d, "runs": [' "$hs_gets"
    sep=""
    for t in 1 8; do
      before=$(conns)
      client=$("$work/ldbench" handshakes "$LDREDIS_TLS_URL" "$work" "$hs_gets" "$t")
      after=$(conns)
      printf '%s\n {"threads": %d, "server_connections": %d, "client": %s}' "$sep" "$t" \
        $(( after - before - 1 )) "$client"
      sep=","
    done
    printf '\n]}\n'
  } > "$raw/tls.json"
  log "Python: ldredis.launchdarkly vs ldclient.integrations.Redis"
  python3 "$root/bench/python/bench.py" "$LDREDIS_URL" "$work" "$big" "$mode" > "$raw/py.json"
  if command -v luajit >/dev/null; then
    log "Lua: the FFI module"
    luajit "$root/bench/lua/bench.lua" "$LDREDIS_URL" "$work" "$mode" > "$raw/lua.json"
  else
    echo '{"env": {"skipped": true}, "notes": ["luajit is not installed: Lua cases skipped"], "series": {}}' \
      > "$raw/lua.json"
  fi
  redis-server --version > "$raw/redis-version.txt"
}
export -f inner log
export root work raw mode big hs_gets
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
t0=$(date +%s)
bash "$root/scripts/with-redis.sh" --tls="$work/tls" bash -c inner
elapsed=$(( $(date +%s) - t0 ))

# 5. Ratios, table, JSON, chart.
cmd="make bench"
[ "$quick" = 1 ] && cmd="make bench-quick"
note_args=()
for n in "${notes[@]+"${notes[@]}"}"; do note_args+=(--note "$n"); done
python3 "$root/bench/report.py" --raw "$raw" --out "$out" --command "$cmd" \
  --started "$started" --elapsed "$elapsed" "${note_args[@]+"${note_args[@]}"}"

# Flag evaluation (issue 13): its own section, appended to latest.md (bench/eval/run.sh).
eval_seconds=2
[ "$quick" = 1 ] && eval_seconds=0.2
log "evaluation: bench/eval/run.sh"
if LDREDIS_STAGE="$stage" bash "$root/bench/eval/run.sh" --seconds "$eval_seconds" --json "$raw" \
    > "$work/eval-$mode.md"; then
  { echo; cat "$work/eval-$mode.md"; } >> "$out/latest.md"
else
  log "the evaluation benchmark failed (see above)"
fi

for f in latest.md latest.json ratios.svg; do
  [ -s "$out/$f" ] || { echo "run.sh: $out/$f was not written" >&2; exit 1; }
done
log "done in ${elapsed}s: $out/latest.md, latest.json, ratios.svg"
