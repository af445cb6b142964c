#!/usr/bin/env bash
# fuzz.sh [SECONDS] [TARGET...]
# Builds the libFuzzer targets in fuzz/ (json, url, resp; default all) with
# `swiftc -sanitize=fuzzer,address`, each compiled together with the LDRedisCore sources (so the
# harness sees the module's internal API) into build/fuzz/, then runs each for SECONDS
# (default 60) from the seeds in fuzz/corpus/TARGET (inputs found are kept in
# build/fuzz/corpus/TARGET for the next run). Prints one line per target; exits non-zero if any
# target crashed (the input is saved under build/fuzz/artifacts/TARGET/) or failed to build.
# A target is rebuilt only when a source is newer than it; FUZZ_JOBS (default 2) builds run at
# once. Reproduce a crash: build/fuzz/TARGET build/fuzz/artifacts/TARGET/crash-...
set -u
cd "$(dirname "$0")/.."

seconds=60
if [ $# -gt 0 ] && [[ "$1" =~ ^[0-9]+$ ]]; then seconds=$1; shift; fi
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(json url resp)

out=build/fuzz
mkdir -p "$out"
mapfile -t core < <(find Sources/LDRedisCore -name '*.swift' | sort)
mapfile -t evaluation < <(find Sources/LDEvaluation -name '*.swift' | sort)

# LDEvaluation, which the core imports: a static module of its own, built once for every
# target (with the same sanitizers).
build_evaluation() {
  local lib="$out/libLDEvaluation.a"
  if [ -f "$lib" ] && [ -z "$(find "${evaluation[@]}" -newer "$lib" -print -quit)" ]; then
    return 0
  fi
  swiftc -sanitize=fuzzer,address -parse-as-library -swift-version 6 -O -module-name LDEvaluation \
    -emit-library -static -emit-module -emit-module-path "$out/LDEvaluation.swiftmodule" \
    "${evaluation[@]}" -o "$lib" > "$out/LDEvaluation.build.log" 2>&1
}
if ! build_evaluation; then
  echo "fuzz.sh: LDEvaluation BUILD FAILED (log: $out/LDEvaluation.build.log)" >&2
  exit 1
fi

# Extra libFuzzer flags per target. resp: a small allocation limit, so a header that makes the
# reply parser allocate far more than the input (hiredis reserves an array's slots up front)
# is reported instead of passing unnoticed.
flags_for() {
  case "$1" in
    resp) echo "-malloc_limit_mb=128" ;;
    *) echo "" ;;
  esac
}

build() {
  local t=$1 bin="$out/$1"
  rm -f "$bin.failed"
  if [ -x "$bin" ] && [ -z "$(find "${core[@]}" "fuzz/$t.swift" Sources/CHiredis Sources/COpenSSL "$out/libLDEvaluation.a" -newer "$bin" -print -quit)" ]; then
    return 0
  fi
  swiftc -sanitize=fuzzer,address -parse-as-library -swift-version 6 -O \
    -module-name "fuzz_$t" -I Sources/CHiredis -I Sources/COpenSSL -I "$out" -L "$out" -lLDEvaluation \
    -lhiredis -lssl -lcrypto \
    "${core[@]}" "fuzz/$t.swift" -o "$bin.tmp" > "$out/$t.build.log" 2>&1 \
    && mv -f "$bin.tmp" "$bin" || { rm -f "$bin.tmp"; touch "$bin.failed"; }
}

# The resp target's Unix socket lives in here (a crash skips its own cleanup).
scratch=$(mktemp -d "${TMPDIR:-/tmp}/ldredis-fuzz.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

status=0
summary=()
start=$(date +%s)
pids=()
for t in "${targets[@]}"; do
  if [ ! -f "fuzz/$t.swift" ]; then echo "fuzz.sh: no target fuzz/$t.swift" >&2; exit 2; fi
  build "$t" &
  pids+=($!)
  if [ ${#pids[@]} -ge "${FUZZ_JOBS:-2}" ]; then wait "${pids[0]}"; pids=("${pids[@]:1}"); fi
done
wait
echo "fuzz: built ${targets[*]} in $(( $(date +%s) - start ))s"

for t in "${targets[@]}"; do
  if [ ! -x "$out/$t" ] || [ -e "$out/$t.failed" ]; then
    grep -v 'ld.gold: warning: Cannot export' "$out/$t.build.log" | tail -20 >&2
    summary+=("fuzz $t: BUILD FAILED (log: $out/$t.build.log)")
    status=1
    continue
  fi
  mkdir -p "$out/corpus/$t" "$out/artifacts/$t"
  log="$out/$t.log"
  # shellcheck disable=SC2046
  TMPDIR="$scratch" SWIFT_BACKTRACE=enable=no "$out/$t" -max_total_time="$seconds" -timeout=10 -max_len=4096 \
    -print_final_stats=1 -artifact_prefix="$out/artifacts/$t/" $(flags_for "$t") \
    "$out/corpus/$t" "fuzz/corpus/$t" > "$log" 2>&1
  rc=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  cov=$(grep -E '^#[0-9]+' "$log" | tail -1 | grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' )
  if [ $rc -eq 0 ]; then
    summary+=("fuzz $t: ok, ${runs:-?} runs in ${seconds}s, ${cov:-no stats}")
  else
    status=1
    artifact=$(sed -n "s/.*Test unit written to //p" "$log" | tail -1)
    reason=$(grep -m1 -E 'Fatal error|ERROR: (AddressSanitizer|libFuzzer)|^==[0-9]+== ERROR' "$log")
    grep -m1 -B2 -A25 -E 'Fatal error|ERROR: (AddressSanitizer|libFuzzer)|^==[0-9]+== ERROR' "$log" >&2
    summary+=("fuzz $t: CRASH after ${runs:-?} runs: ${reason:-exit $rc} (input: ${artifact:-none}; log: $log)")
  fi
done
printf '%s\n' "${summary[@]}"
exit $status
