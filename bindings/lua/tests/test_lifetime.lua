-- Lifetimes: close is idempotent, use after close is nil, "closed", unclosed stores are
-- released by the garbage collector.
local H = ...
local ldredis = require("ldredis")
local test, eq, ok = H.test, H.eq, H.ok

test("close is idempotent", function()
    local s = assert(ldredis.open({ url = H.url }))
    eq(s:closed(), false)
    eq(s:close(), true)
    eq(s:close(), true)
    eq(s:closed(), true)
    eq(tostring(s), "ldredis.store (closed)")
end)

test("every call after close is nil, 'closed'", function()
    local s = assert(ldredis.open({ url = H.url }))
    s:close()
    local calls = {
        init = function() return s:init("{}") end,
        get = function() return s:get("features", "k") end,
        get_decoded = function() return s:get_decoded("features", "k") end,
        all = function() return s:all("features") end,
        upsert = function() return s:upsert("features", "k", '{"key":"k","version":1}') end,
        delete = function() return s:delete("features", "k", 1) end,
        initialized = function() return s:initialized() end,
        available = function() return s:available() end,
        status = function() return s:status() end,
        stats = function() return s:stats() end,
        describe = function() return s:describe() end,
        big_segments_metadata = function() return s:big_segments_metadata() end,
        big_segment_membership = function() return s:big_segment_membership("h") end,
    }
    for name, call in pairs(calls) do
        local v, err = call()
        eq(v, nil, name)
        if name == "get_decoded" and not ldredis.have_cjson then
            H.ok(err:find("cjson", 1, true))
        else
            eq(err, "closed", name)
        end
    end
end)

-- The test server's connected clients (redis-cli's own connection included).
local function connected_clients()
    return tonumber(H.redis("INFO", "clients"):match("connected_clients:(%d+)"))
end

test("stores that are never closed are released by the garbage collector", function()
    collectgarbage()
    collectgarbage()
    local before = connected_clients()
    local stores = {}
    for i = 1, 200 do
        stores[i] = assert(ldredis.open({ url = H.url, cache_ttl = 0 }))
        stores[i]:get("features", "k") -- the store now holds a pooled connection
    end
    local open = connected_clients()
    ok(open >= before + 200, string.format("%d clients with 200 stores open, %d before", open, before))
    stores = nil
    collectgarbage()
    collectgarbage()
    -- Freed stores close their connections; Redis notices each close a little later.
    local deadline = H.now() + 10
    while connected_clients() > before do
        ok(H.now() < deadline, string.format("%d clients 10 s after the collection, %d before",
                                             connected_clients(), before))
        H.sleep(0.05)
    end
    local s = assert(ldredis.open({ url = H.url }))
    eq(s:available(), true)
    s:close()
end)

test("a closed store can be collected without a second free", function()
    local s = assert(ldredis.open({ url = H.url }))
    s:close()
    s = nil
    collectgarbage()
    collectgarbage()
end)
