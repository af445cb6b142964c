#!/usr/bin/env bash
# run.sh - the evaluation differential test (Tests/eval/diff.py) against a staged libldredis.
#
#   LDREDIS_STAGE=/abs/path/build/stage bash Tests/eval/run.sh [--quick] [DIFF.PY ARGS...]
#
# --quick (make test): the hand-picked cases (cases.py), the self-test (a candidate with swapped
# operators must be caught), then
# 10,000 evaluations over many small datasets (about 5 s). Without it (make test-eval-diff): 200,000
# evaluations, and every generator item and reason kind must have been produced, and a few
# hundred with redis-server stopped (EXCEPTION, as the SDK says during an outage); then 50,000
# with the library called from 4 threads at once and its cache off; then 30,000 while another
# writer changes flags and segments (the library's cache off).
# Installs what is missing, quietly: the LaunchDarkly SDK (the reference) and redis-py.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
stage=${LDREDIS_STAGE:-$root/build/stage}
python=${PYTHON:-python3}

missing=()
"$python" -c "import ldclient" 2>/dev/null || missing+=("launchdarkly-server-sdk>=9")
"$python" -c "import redis" 2>/dev/null || missing+=("redis>=4")
if [ ${#missing[@]} -gt 0 ]; then
  echo "run.sh: installing ${missing[*]}"
  "$python" -m pip install --quiet --disable-pip-version-check "${missing[@]}" ||
    { echo "run.sh: pip install failed" >&2; exit 1; }
fi
export LDREDIS_LIBRARY="$stage/lib/libldredis.so"

if [ "${1-}" = "--quick" ]; then
  shift
  failed=0
  out=$("$python" "$here/cases.py") || failed=1
  printf '%s\n' "$out" | grep -v '^same '
  "$python" "$here/diff.py" --self-test --evaluations 3000 --max-contexts 10 --quiet --no-shrink \
    --out "$root/build/eval-diff/self-test" || failed=1
  "$python" "$here/diff.py" --seed "${EVAL_DIFF_SEED:-1}" --evaluations 10000 --max-contexts 10 \
    --require-coverage --quiet "$@" || failed=1
  exit $failed
fi
seed=${EVAL_DIFF_SEED:-1}
"$python" "$here/diff.py" --seed "$seed" --evaluations 200000 --require-coverage --outage --quiet "$@" || exit 1
# the library called from 4 threads at once, its cache off: results must not change
"$python" "$here/diff.py" --seed $((seed + 1000)) --evaluations 50000 --threads 4 --cache-ttl-ms 0 \
  --quiet --out "$root/build/eval-diff/threads" "$@" || exit 1
# another writer changes a flag or segment every 15 calls; the library's cache off sees each
exec "$python" "$here/diff.py" --seed $((seed + 2000)) --evaluations 30000 --changes 15 \
  --quiet --out "$root/build/eval-diff/changes" "$@"
