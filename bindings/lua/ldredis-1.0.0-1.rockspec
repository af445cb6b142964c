-- LuaRocks package for the LuaJIT FFI binding. The shared library itself (libldredis.so.1) is
-- installed separately (`make install` at the repository root, or a system package); the module
-- finds it through the system loader or $LDREDIS_LIBRARY.
--   cd bindings/lua && luarocks make ldredis-1.0.0-1.rockspec
package = "ldredis"
version = "1.0.0-1"
source = {
   -- Where the repository is published; `luarocks make` in a checkout does not use it.
   url = "git+https://example.invalid/ldredis.git",
   tag = "v1.0.0",
}
description = {
   summary = "LaunchDarkly's Redis persistent feature store (libldredis) for LuaJIT and OpenResty",
   detailed = [[
Reads and writes LaunchDarkly flag and segment data in the Redis schema the server-side SDKs
and the Relay Proxy use, through libldredis (LuaJIT FFI): get/all/init/upsert/delete, an
in-process cache with TTL, infinite and refresh-ahead modes, availability status, Big Segments.
]],
   license = "Apache-2.0",
}
dependencies = {
   "lua >= 5.1",
   -- LuaJIT's ffi is required at run time (LuaJIT or OpenResty); lua-cjson is optional
   -- (store:get_decoded / store:all_decoded).
}
build = {
   type = "builtin",
   modules = {
      ldredis = "ldredis.lua",
   },
}
