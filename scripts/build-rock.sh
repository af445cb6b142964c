#!/usr/bin/env bash
# make rock: the LuaJIT rock as a self-contained source rock, from this checkout:
#   dist/ldredis-lua-VERSION.tar.gz        the module, its README and the LICENSE (the archive
#                                          the rockspec's source.url names)
#   dist/ldredis-VERSION-1.src.rock        `luarocks pack` of the rockspec with that archive:
#                                          `luarocks install dist/ldredis-VERSION-1.src.rock`
# Needs tar and python3 (for the zip), not luarocks. Writes nothing outside dist/ (and a temp
# dir).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
version=$(tr -d '[:space:]' < "$root/VERSION")
dist=$root/dist
name=ldredis-lua-$version
rockspec=$root/bindings/lua/ldredis-$version-1.rockspec

work=$(mktemp -d "${TMPDIR:-/tmp}/ldredis-rock.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/$name" "$dist"
cp "$root/bindings/lua/ldredis.lua" "$root/bindings/lua/README.md" "$root/LICENSE" "$work/$name/"
tar -C "$work" --owner=0 --group=0 --sort=name --mtime=@0 -czf "$dist/$name.tar.gz" "$name"
# A source rock is a zip of the rockspec and the archive its source.url names (what
# `luarocks pack` makes after downloading it; here the archive is local, so zipped directly).
rock=$dist/ldredis-$version-1.src.rock
rm -f "$rock"
python3 - "$rock" "$rockspec" "$dist/$name.tar.gz" <<'PY'
import os, sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    for path in sys.argv[2:]:
        z.write(path, os.path.basename(path))
PY
echo "build-rock.sh: $dist/ldredis-$version-1.src.rock ($dist/$name.tar.gz inside)"
