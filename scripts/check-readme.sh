#!/usr/bin/env bash
# Checks that every README code block marked <!-- excerpt: FILE --> appears, line for line and
# in order, in FILE: the README shows the code `make demo` runs, not a copy that drifts.
set -u
cd "$(dirname "$0")/.."
python3 - <<'PY'
import re, sys
readme = open("README.md").read()
blocks = re.findall(r"<!-- excerpt: (\S+) -->\n```\w*\n(.*?)```", readme, re.S)
failed = 0
for path, block in blocks:
    source = open(path).read().splitlines()
    lines = block.rstrip("\n").splitlines()
    ok = any(source[i:i + len(lines)] == lines for i in range(len(source)))
    print(("ok  " if ok else "FAIL") + f" - README excerpt of {path} ({len(lines)} lines)")
    failed += not ok
print(f"{len(blocks) - failed} passed, {failed} failed")
sys.exit(1 if failed or not blocks else 0)
PY
