-- Redis down (nothing listening) and stalled (the test server paused with SIGSTOP).
local H = ...
local ldredis = require("ldredis")
local test, eq, ok = H.test, H.eq, H.ok

local DOWN = "redis://127.0.0.1:1/0" -- nothing listens on port 1

test("a store opens while Redis is down, and available() is false", function()
    local s = assert(ldredis.open({ url = DOWN, connect_timeout = 0.5 }))
    eq(s:available(), false)
    s:close()
end)

test("every operation on an unreachable server is nil, 'unavailable: ...'", function()
    local s = assert(ldredis.open({ url = DOWN, cache_ttl = 0, connect_timeout = 0.5 }))
    local calls = {
        function() return s:init("{}") end,
        function() return s:get("features", "k") end,
        function() return s:all("features") end,
        function() return s:upsert("features", "k", '{"key":"k","version":1}') end,
        function() return s:delete("features", "k", 1) end,
        function() return s:initialized() end,
        function() return s:big_segments_metadata() end,
        function() return s:big_segment_membership("h") end,
    }
    for i, call in ipairs(calls) do
        local v, err, rc = call()
        eq(v, nil, "call " .. i)
        H.err_like(err, "unavailable: ", "call " .. i)
        eq(rc, ldredis.ERR_UNAVAILABLE, "call " .. i)
        ok(err:find("127.0.0.1", 1, true), err)
    end
    local st = s:status()
    eq(st.available, false)
    ok(st.last_error and #st.last_error > 0)
    ok(s:stats().redis_errors >= 1)
    s:close()
end)

test("a stalled server gives 'timeout' after the operation timeout", function()
    local pid = H.redis_pid()
    if not pid then H.skip("cannot find the test server's pid") end
    local s = assert(ldredis.open({ url = H.url, cache_ttl = 0, operation_timeout = 0.3 }))
    assert(s:available())
    os.execute("kill -STOP " .. pid)
    local okc, v, err, rc = pcall(s.get, s, "features", "k")
    os.execute("kill -CONT " .. pid)
    assert(okc, v)
    eq(v, nil); H.err_like(err, "timeout: "); eq(rc, ldredis.ERR_TIMEOUT)
    eq(s:status().available, false)
    -- the background check finds the server back
    local deadline = os.time() + 10
    while not s:status().available do
        ok(os.time() <= deadline, "status did not come back")
        H.sleep(0.1)
    end
    eq(s:status().needs_refresh, true)
    assert(s:init("{}"))
    eq(s:status().needs_refresh, false)
    s:close()
end)

test("with refresh_ahead, an expired entry is served at once while Redis is stalled", function()
    local pid = H.redis_pid()
    if not pid then H.skip("cannot find the test server's pid") end
    local p = H.prefix()
    local s = assert(ldredis.open({ url = H.url, prefix = p, cache_ttl = 0.2,
                                    refresh_ahead = true, operation_timeout = 0.3 }))
    assert(s:init('{"flags":{"warm":{"key":"warm","version":1}}}'))
    eq(s:get("features", "warm"), '{"key":"warm","version":1}')
    os.execute("kill -STOP " .. pid)
    local okc, res = pcall(function()
        local _, err = s:get("features", "cold") -- a miss: times out, marks unavailable
        H.err_like(err, "timeout: ")
        H.sleep(0.3)                              -- "warm" has expired
        local t0 = H.now()
        local v = s:get("features", "warm")
        return { v = v, elapsed = H.now() - t0 }
    end)
    os.execute("kill -CONT " .. pid)
    assert(okc, res)
    eq(res.v, '{"key":"warm","version":1}')
    ok(res.elapsed < 0.1, "took " .. res.elapsed .. " s")
    s:close()
end)
