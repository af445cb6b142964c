-- demo.lua - the same Redis data from LuaJIT: what examples/c/demo.c left under "launchdarkly".
--
--   LDREDIS_LIBRARY=build/stage/lib/libldredis.so LUA_PATH='bindings/lua/?.lua;;' \
--       luajit examples/lua/demo.lua [REDIS_URL]
--
-- REDIS_URL defaults to $LDREDIS_URL, then redis://localhost:6379/0. `make demo` runs it after
-- the C and Python demos, against the same throwaway redis-server. Read only.
local ldredis = require("ldredis")

local url = arg[1] or os.getenv("LDREDIS_URL") or "redis://localhost:6379/0"
local store, err = ldredis.open({ url = url, prefix = "launchdarkly", cache_ttl = 30 })
if not store then
    io.stderr:write("demo: ", err, "\n")
    os.exit(1)
end

local function check(value, err)
    if value == nil and err ~= nil then
        io.stderr:write("demo: ", err, "\n")
        store:close()
        os.exit(1)
    end
    return value
end

print(string.format('ldredis %s from LuaJIT: Redis at %s, prefix "launchdarkly"\n',
                    ldredis.library_version, store:describe().server))

print("1. initialized: " .. tostring(check(store:initialized())))

local banner = check(store:get("features", "banner-color")) -- JSON text, or nil
if not banner then
    io.stderr:write("demo: no banner-color: run the C demo first (examples/run-demo.sh does)\n")
    os.exit(1)
end
print("2. banner-color, as stored: " .. banner:sub(1, 60) .. "...")
print("   version " .. banner:match('"version":(%d+)') .. " (the C demo's upsert)")

print("3. pricing-page-config: " .. tostring(check(store:get("features", "pricing-page-config")))
      .. " (deleted by the C demo: a tombstone reads as nil)")

local all = check(store:all("features"))
if ldredis.have_cjson then
    local keys = {}
    for k in pairs(store:all_decoded("features")) do keys[#keys + 1] = k end
    table.sort(keys)
    print("4. all features (decoded with lua-cjson): " .. table.concat(keys, ", "))
else
    print("4. all features: " .. #all .. " bytes of JSON (install lua-cjson for all_decoded)")
end

for _ = 1, 1000 do store:get("features", "banner-color") end -- served by the cache
local st = store:stats()
print(string.format("5. 1000 more gets: cache_hits=%d, redis_round_trips=%d", st.cache_hits,
                    st.redis_round_trips))

local s = store:status()
print(string.format("6. status: available=%s needs_refresh=%s", tostring(s.available),
                    tostring(s.needs_refresh)))

-- Evaluation, as LaunchDarkly's SDKs do it (a context is a table or JSON text).
local value, detail = store:evaluate("banner-color", { kind = "user", key = "user-design-lead" }, "blue")
print(string.format("7. evaluate banner-color for user-design-lead: %s (reason %s)", tostring(value),
                    detail and detail.reason and detail.reason.kind or "?"))
store:close()
