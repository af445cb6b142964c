-- LuaRocks package for the LuaJIT FFI binding: LuaJIT (or OpenResty) only.
--
-- From a checkout (no download; the module is taken from this directory):
--   cd bindings/lua && luarocks make ldredis-1.0.0-1.rockspec
-- As a self-contained source rock (`make rock` writes dist/ldredis-<version>-1.src.rock, which
-- holds the source archive this rockspec names, built from the checkout):
--   luarocks install dist/ldredis-<version>-1.src.rock
-- LuaRocks must run for LuaJIT (its lua_interpreter is luajit, e.g.
-- `luarocks --lua-version 5.1 config lua_interpreter luajit`): the "luajit" dependency is
-- provided only there, so a plain-Lua LuaRocks refuses the rock. The shared library itself
-- (libldredis.so.1) is installed separately (`make install`, or a system package); the module
-- finds it through the system loader or $LDREDIS_LIBRARY.
rockspec_format = "3.0"
package = "ldredis"
version = "1.0.0-1"
source = {
   -- The archive `make rock` builds from the checkout (scripts/build-rock.sh); inside the
   -- source rock. `luarocks make` in a checkout does not use it.
   url = "ldredis-lua-1.0.0.tar.gz",
   dir = "ldredis-lua-1.0.0",
}
description = {
   summary = "LaunchDarkly's Redis persistent feature store (libldredis) for LuaJIT and OpenResty",
   detailed = [[
Reads and writes LaunchDarkly flag and segment data in the Redis schema the server-side SDKs
and the Relay Proxy use, through libldredis (LuaJIT FFI): get/all/init/upsert/delete, an
in-process cache with TTL, infinite and refresh-ahead modes, availability status, log lines,
Big Segments. Needs LuaJIT (or OpenResty) and libldredis.so.1.
]],
   license = "Apache-2.0",
}
dependencies = {
   -- LuaJIT implements Lua 5.1; the FFI it needs exists only in LuaJIT. lua-cjson is optional
   -- (store:get_decoded / store:all_decoded).
   "lua >= 5.1, < 5.2",
   "luajit >= 2.0",
}
build = {
   type = "builtin",
   modules = {
      ldredis = "ldredis.lua",
   },
}
