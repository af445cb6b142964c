-- Errors: nil, err, status for runtime failures; error() only for wrong argument types.
local H = ...
local ldredis = require("ldredis")
local test, eq, ok = H.test, H.eq, H.ok

local function fresh()
    return assert(ldredis.open({ url = H.url, prefix = H.prefix(), cache_ttl = 0 }))
end

test("wrong argument types raise", function()
    local s = fresh()
    H.raises(function() s:get(1, "k") end, "kind must be a string")
    H.raises(function() s:get("features", nil) end, "key must be a string")
    H.raises(function() s:all({}) end, "kind")
    H.raises(function() s:init({}) end, "json")
    H.raises(function() s:upsert("features", "k", { version = 1 }) end, "json")
    H.raises(function() s:delete("features", "k", "3") end, "version")
    H.raises(function() s:big_segment_membership(5) end, "context_hash")
    H.raises(function() ldredis.open("redis://x") end, "options")
    H.raises(function() ldredis.open({ url = 5 }) end, "url")
    H.raises(function() ldredis.open({ cache_ttl = "15" }) end, "cache_ttl")
    H.raises(function() ldredis.open({ refresh_ahead = 1 }) end, "refresh_ahead")
    H.raises(function() ldredis.open({ uurl = "redis://x" }) end, "unknown option 'uurl'")
    s:close()
end)

test("bad settings are nil, 'invalid argument: ...'", function()
    local cases = {
        { url = "http://localhost" }, { url = "rediss://localhost:0" },
        { url = "redis://h:99999/0" }, { url = "" }, { pool_size = 0 }, { pool_size = 1.5 },
        { pool_size = 2 ^ 40 }, { database = -1 }, { connect_timeout = 0 },
        { operation_timeout = -1 }, { cache_capacity = -1 }, { upsert_mode = "fast" },
        { port = 0 }, { url = "redis://a\0b" }, { cache_ttl = 0 / 0 }, { operation_timeout = 0 / 0 },
    }
    for i, opts in ipairs(cases) do
        local s, err, rc = ldredis.open(opts)
        eq(s, nil, "case " .. i)
        H.err_like(err, "invalid argument: ", "case " .. i)
        eq(rc, ldredis.ERR_INVALID_ARGUMENT, "case " .. i)
    end
end)

test("bad item JSON is an invalid argument", function()
    local s = fresh()
    for _, bad in ipairs({ '{"key":"x"', '{"key":"x"}', '{"key":"x","version":-1}', "[1]",
                           '{"key":"x","version":"1"}' }) do
        local v, err, rc = s:upsert("features", "x", bad)
        eq(v, nil, bad); H.err_like(err, "invalid argument: ", bad); eq(rc, -1)
    end
    local v, err = s:init('{"flags":{"a":1}}')
    eq(v, nil); H.err_like(err, "invalid argument: ")
    eq(s:initialized(), false)
    v, err = s:delete("features", "x", 1.5)
    eq(v, nil); H.err_like(err, "invalid argument: ")
    v, err = s:delete("features", "x", -1)
    eq(v, nil); H.err_like(err, "invalid argument: ")
    s:close()
end)

test("a NUL in a kind or key is refused, not truncated", function()
    local s = fresh()
    local v, err = s:get("features", "a\0b")
    eq(v, nil); H.err_like(err, "invalid argument: ")
    v, err = s:upsert("feat\0ures", "a", '{"key":"a","version":1}')
    eq(v, nil); H.err_like(err, "invalid argument: ")
    s:close()
end)

test("a stored value that is not an item is 'malformed'", function()
    local p = H.prefix()
    local s = assert(ldredis.open({ url = H.url, prefix = p, cache_ttl = 0 }))
    H.redis("HSET", p .. ":features", "bad", "not json")
    local v, err, rc = s:get("features", "bad")
    eq(v, nil); H.err_like(err, "malformed: "); eq(rc, ldredis.ERR_MALFORMED)
    s:close()
end)

test("a Redis error reply is a 'redis error'", function()
    local p = H.prefix()
    local s = assert(ldredis.open({ url = H.url, prefix = p, cache_ttl = 0 }))
    H.redis("SET", p .. ":features", "a string, not a hash")
    local v, err, rc = s:get("features", "k")
    eq(v, nil); H.err_like(err, "redis error: "); eq(rc, ldredis.ERR_REDIS)
    ok(err:find("WRONGTYPE", 1, true), err)
    s:close()
end)
