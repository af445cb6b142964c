#!/usr/bin/env bash
# Copies the "ffi.cdef" section of include/ldredis.h into the CDEF block of ldredis.lua
# (tests/test_cdef.lua fails until this is run after a header change).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
python3 - "$here/../../include/ldredis.h" "$here/ldredis.lua" <<'PY'
import re, sys
header, module = sys.argv[1], sys.argv[2]
h = open(header).read()
m = re.search(r"/\* ---- ffi\.cdef begin ---- \*/\n(.*?)/\* ---- ffi\.cdef end ---- \*/", h, re.S)
if not m:
    sys.exit("ffi.cdef markers not found in " + header)
lua = open(module).read()
start = lua.index("local CDEF = [==[\n") + len("local CDEF = [==[\n")
end = lua.index("]==]", start)
open(module, "w").write(lua[:start] + m.group(1) + lua[end:])
PY
