#!/usr/bin/env bash
# run.sh - the fault matrix (Tests/faults/matrix.py) against a staged libldredis.
#
#   LDREDIS_STAGE=/abs/path/build/stage bash Tests/faults/run.sh [--quick] [--fault F] [--mode M]
#
# LDREDIS_STAGE defaults to build/stage ('make stage'). Prints a markdown table; exits 1 if any
# cell is not OK. Every redis-server it needs is started on a free loopback port and stopped by pid.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
stage=${LDREDIS_STAGE:-$root/build/stage}
python=${PYTHON:-python3}
if [ ! -e "$stage/lib/libldredis.so" ]; then
  echo "run.sh: no library at $stage/lib/libldredis.so (run 'make stage')" >&2
  exit 2
fi
export LDREDIS_LIBRARY="$stage/lib/libldredis.so"
export PYTHONPATH="$root/bindings/python${PYTHONPATH:+:$PYTHONPATH}"
exec "$python" "$here/matrix.py" "$@"
