-- fail_fast, ERR_BUSY, and what counts as an outage: the test server stalled (SIGSTOP) against
-- a data error reply (WRONGTYPE).
local H = ...
local ldredis = require("ldredis")
local test, eq, ok = H.test, H.eq, H.ok

-- The OpenResty recipe's operation timeout: below the library's 500 ms probe interval.
local TIMEOUT = 0.25

test("every status of the header has a constant, a name and an error kind", function()
    eq(ldredis.ERR_BUSY, -8)
    eq(ldredis.status_name(-8), "LDREDIS_ERR_BUSY")
    eq(ldredis._error_kinds[-8], "busy")
    local n = 0
    for name, value in ldredis._cdef:gmatch("LDREDIS_(ERR_[%u_]+)%s*=%s*(%-%d+)") do
        value = tonumber(value)
        eq(ldredis[name], value, name)
        eq(ldredis.status_name(value), "LDREDIS_" .. name)
        ok(ldredis._error_kinds[value], "no error kind for " .. name)
        n = n + 1
    end
    eq(n, 8)
end)

test("fail_fast must be a boolean", function()
    H.raises(function() ldredis.open({ fail_fast = 1 }) end, "fail_fast")
    local s = assert(ldredis.open({ url = H.url, fail_fast = false }))
    s:close()
end)

-- Opens a store, pauses the server, lets one read mark the store unavailable, then times
-- `count` uncached reads: { { elapsed, err, rc }, ... }. After the server resumes, checks that
-- the status comes back and reads work.
local function reads_while_stalled(fail_fast, count)
    local p = H.prefix()
    local s = assert(ldredis.open({ url = H.url, prefix = p, cache_ttl = 0,
                                    operation_timeout = TIMEOUT, fail_fast = fail_fast }))
    assert(s:init('{"flags":{"f":{"key":"f","version":1}}}'))
    local results = H.while_paused(function()
        local _, err, rc = s:get("features", "first")
        H.err_like(err, "timeout: "); eq(rc, ldredis.ERR_TIMEOUT)
        eq(s:status().available, false)
        local out = {}
        for i = 1, count do
            local t0 = H.now()
            local v, e, code = s:get("features", "k" .. i)
            eq(v, nil, "read " .. i)
            out[i] = { elapsed = H.now() - t0, err = e, rc = code }
        end
        return out
    end)
    local deadline = H.now() + 10
    while not s:status().available do
        ok(H.now() < deadline, "the status did not come back")
        H.sleep(0.05)
    end
    eq(s:get("features", "f"), '{"key":"f","version":1}')
    s:close()
    return results
end

local function describe(results)
    local parts = {}
    for i, r in ipairs(results) do
        parts[i] = string.format("%.3fs %s", r.elapsed, tostring(r.err))
    end
    return table.concat(parts, "; ")
end

test("without fail_fast every read waits for the timeout while Redis is stalled", function()
    local results = reads_while_stalled(false, 3)
    for i, r in ipairs(results) do
        H.err_like(r.err, "timeout: ", "read " .. i)
        ok(r.elapsed > TIMEOUT * 0.8, describe(results))
    end
end)

test("with fail_fast reads fail at once while unavailable (one probe excepted)", function()
    local results = reads_while_stalled(true, 6)
    local fast, slow = 0, 0
    for _, r in ipairs(results) do
        if r.elapsed < TIMEOUT / 2 then
            fast = fast + 1
            H.err_like(r.err, "unavailable: ", describe(results))
            eq(r.rc, ldredis.ERR_UNAVAILABLE)
        else
            slow = slow + 1
        end
    end
    ok(slow <= 1, describe(results)) -- the reads take < 500 ms: at most one probe
    ok(fast >= 5, describe(results))
end)

test("fail_fast does not hold back writes", function()
    local s = assert(ldredis.open({ url = H.url, prefix = H.prefix(), cache_ttl = 0,
                                    operation_timeout = TIMEOUT, fail_fast = true }))
    H.while_paused(function()
        local _, err = s:get("features", "first")
        H.err_like(err, "timeout: ")
        for v = 1, 2 do
            local t0 = H.now()
            local _, e = s:upsert("features", "k", '{"key":"k","version":' .. v .. '}')
            H.err_like(e, "timeout: ")
            ok(H.now() - t0 > TIMEOUT * 0.8, "upsert " .. v .. " did not go to Redis")
        end
    end)
    s:close()
end)

for _, ttl in ipairs({ 0, -1 }) do
    test("a WRONGTYPE reply is a 'redis error' and no outage (cache_ttl " .. ttl .. ")", function()
        local p = H.prefix()
        local s = assert(ldredis.open({ url = H.url, prefix = p, cache_ttl = ttl,
                                        fail_fast = true }))
        assert(s:init('{"segments":{"s":{"key":"s","version":5}}}'))
        H.redis("HSET", p .. ":segments", "s", '{"key":"s","version":10}')
        H.redis("SET", p .. ":features", "a string, not a hash")
        for i = 1, 2 do -- the second would fail fast if the first had been an outage
            local v, err, rc = s:get("features", "f")
            eq(v, nil)
            H.err_like(err, "redis error: ", "get " .. i)
            ok(err:find("WRONGTYPE", 1, true), err)
            eq(rc, ldredis.ERR_REDIS)
        end
        local st = s:status()
        eq(st.available, true); eq(st.needs_refresh, false)
        eq(s:available(), true)
        H.sleep(0.7) -- more than a background tick: room for a wrong write-back
        eq(s:status().available, true)
        eq(H.redis("HGET", p .. ":segments", "s"), '{"key":"s","version":10}')
        s:close()
    end)
end
