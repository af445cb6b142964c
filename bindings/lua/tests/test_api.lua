-- The store's API against a real Redis: init, get, all, upsert, delete, initialized, caching,
-- diagnostics, Big Segments.
local H = ...
local ldredis = require("ldredis")
local test, eq, ok = H.test, H.eq, H.ok

local DATA = '{"flags":{"f1":{"key":"f1","version":1,"on":true},"f2":{"key":"f2","version":5}},'
    .. '"segments":{"s1":{"key":"s1","version":2,"included":["u1"]}}}'

local function fresh(opts)
    opts = opts or {}
    opts.url = opts.url or H.url
    opts.prefix = opts.prefix or H.prefix()
    if opts.cache_ttl == nil then opts.cache_ttl = 0 end
    local s, err = ldredis.open(opts)
    assert(s, err)
    return s, opts.prefix
end

local function inited()
    local s, p = fresh()
    assert(s:init(DATA))
    return s, p
end

local function count(t)
    local n = 0
    for _ in pairs(t) do n = n + 1 end
    return n
end

-- all() keys without a JSON library: ldredis returns compact objects of items.
local function keys_of(json)
    local ks = {}
    for k in json:gmatch('"([^"]+)":{') do
        if k ~= "included" then ks[#ks + 1] = k end
    end
    table.sort(ks)
    return table.concat(ks, ",")
end

test("a store is not initialized before init", function()
    local s = fresh()
    eq(s:initialized(), false)
    s:close()
end)

test("init marks the store initialized with an empty $inited", function()
    local s, p = fresh()
    eq(s:init(DATA), true)
    eq(s:initialized(), true)
    eq(H.redis("EXISTS", p .. ":$inited"), "1")
    eq(H.redis("GET", p .. ":$inited"), "")
    eq(H.redis("TYPE", p .. ":features"), "hash")
    s:close()
end)

test("get returns the item's JSON byte for byte", function()
    local s = fresh()
    s:init('{"flags":{"x":{ "key" : "x", "version" : 3, "note": "caf\\u00e9" }}}')
    eq(s:get("features", "x"), '{ "key" : "x", "version" : 3, "note": "caf\\u00e9" }')
    s:close()
end)

test("get of a missing item is nil without an error", function()
    local s = inited()
    local v, err = s:get("features", "nope")
    eq(v, nil); eq(err, nil)
    s:close()
end)

test("all returns only that kind, and {} for an empty kind", function()
    local s = inited()
    eq(keys_of(s:all("features")), "f1,f2")
    eq(keys_of(s:all("segments")), "s1")
    eq(s:all("nothing-here"), "{}")
    s:close()
end)

test("init completely replaces previous data and leaves other kinds alone", function()
    local s = inited()
    assert(s:init('{"flags":{"f3":{"key":"f3","version":1}}}'))
    eq(s:get("features", "f1"), nil)
    eq(keys_of(s:all("features")), "f3")
    eq(keys_of(s:all("segments")), "s1")
    s:close()
end)

test("another store on the same prefix sees an init with no items", function()
    local s, p = fresh()
    assert(s:init("{}"))
    local other = fresh({ prefix = p })
    eq(other:initialized(), true)
    s:close(); other:close()
end)

test("upsert applies newer versions and rejects older and equal ones", function()
    local s = inited()
    eq(s:upsert("features", "f1", '{"key":"f1","version":2,"on":false}'), true)
    eq(s:get("features", "f1"), '{"key":"f1","version":2,"on":false}')
    eq(s:upsert("features", "f2", '{"key":"f2","version":4}'), false)
    eq(s:upsert("features", "f2", '{"key":"f2","version":5,"on":true}'), false)
    eq(s:get("features", "f2"), '{"key":"f2","version":5}')
    eq(s:upsert("features", "new", '{"key":"new","version":1}'), true)
    s:close()
end)

test("delete writes a tombstone with the version; older and equal are rejected", function()
    local s, p = inited()
    eq(s:delete("features", "f2", 4), false)
    eq(s:delete("features", "f2", 5), false)
    eq(s:delete("features", "f1", 2), true)
    eq(s:get("features", "f1"), nil)
    eq(H.redis("HGET", p .. ":features", "f1"), '{"key":"f1","version":2,"deleted":true}')
    eq(keys_of(s:all("features")), "f2")
    eq(s:delete("features", "ghost", 7), true)
    eq(H.redis("HGET", p .. ":features", "ghost"), '{"key":"ghost","version":7,"deleted":true}')
    eq(s:upsert("features", "f1", '{"key":"f1","version":1}'), false)
    eq(s:get("features", "f1"), nil)
    s:close()
end)

test("every upsert mode follows the version rule", function()
    for _, mode in ipairs({ "auto", "script", "watch" }) do
        local s = fresh({ upsert_mode = mode })
        eq(s:upsert("features", "m", '{"key":"m","version":2}'), true, mode)
        eq(s:upsert("features", "m", '{"key":"m","version":2}'), false, mode)
        eq(s:delete("features", "m", 3), true, mode)
        eq(s:get("features", "m"), nil, mode)
        eq(s:describe().upsert_mode, mode)
        s:close()
    end
end)

test("two prefixes are independent", function()
    local a, b = fresh(), fresh()
    assert(a:init('{"flags":{"x":{"key":"x","version":1}}}'))
    eq(b:initialized(), false)
    eq(b:get("features", "x"), nil)
    eq(b:upsert("features", "x", '{"key":"x","version":9}'), true)
    eq(a:upsert("features", "x", '{"key":"x","version":2}'), true)
    a:close(); b:close()
end)

test("a cached hit is served after Redis changes, until the TTL", function()
    local s, p = fresh({ cache_ttl = 0.4 })
    assert(s:init(DATA))
    eq(s:get("features", "f1"), '{"key":"f1","version":1,"on":true}')
    H.redis("HSET", p .. ":features", "f1", '{"key":"f1","version":9}')
    eq(s:get("features", "f1"), '{"key":"f1","version":1,"on":true}')
    H.sleep(0.6)
    eq(s:get("features", "f1"), '{"key":"f1","version":9}')
    s:close()
end)

test("cache hits cost no Redis round trip", function()
    local s = fresh({ cache_ttl = 30 })
    assert(s:init(DATA))
    s:get("features", "f1")
    local before = s:stats()
    for _ = 1, 100 do s:get("features", "f1") end
    local after = s:stats()
    eq(after.redis_round_trips, before.redis_round_trips)
    ok(after.cache_hits >= before.cache_hits + 100)
    s:close()
end)

test("cache_ttl seconds map to the library's modes", function()
    local cases = { { 15, "ttl", 15000 }, { 0, "off", 0 }, { 0.0001, "ttl", 1 },
                    { -1, "infinite" }, { math.huge, "infinite" } }
    for _, c in ipairs(cases) do
        local s = fresh({ cache_ttl = c[1] })
        local d = s:describe()
        eq(d.cache, c[2], "cache_ttl " .. c[1])
        if c[3] then eq(d.cache_ttl_ms, c[3]) end
        s:close()
    end
end)

test("refresh_ahead serves the stale value and then the new one", function()
    local s, p = fresh({ cache_ttl = 0.2, refresh_ahead = true })
    assert(s:init(DATA))
    s:get("features", "f1")
    H.redis("HSET", p .. ":features", "f1", '{"key":"f1","version":9}')
    H.sleep(0.3)
    local first = s:get("features", "f1")
    ok(first:find('"version":1', 1, true) or first:find('"version":9', 1, true))
    local deadline = os.time() + 5
    while not s:get("features", "f1"):find('"version":9', 1, true) do
        ok(os.time() <= deadline, "refresh did not arrive")
        H.sleep(0.05)
    end
    s:close()
end)

test("stats has every counter as a number", function()
    local s = inited()
    local st = s:stats()
    for _, k in ipairs({ "cache_hits", "cache_misses", "coalesced_waits", "redis_round_trips",
                         "redis_errors", "malformed_skipped", "cache_evictions", "cache_entries",
                         "write_back_written", "write_back_refused", "failovers", "redirects_moved",
                         "redirects_ask", "slot_map_refreshes" }) do
        eq(type(st[k]), "number", k)
    end
    eq(count(st), 14)
    s:close()
end)

test("describe shows settings and key names, never the password", function()
    local p = H.prefix()
    local s = assert(ldredis.open({ url = "redis://u:hunter2@127.0.0.1:" .. H.port .. "/0",
                                    prefix = p, cache_ttl = 2, cache_capacity = 7,
                                    pool_size = 3, connect_timeout = 0.5,
                                    operation_timeout = 0.25 }))
    local d = s:describe()
    eq(d.prefix, p); eq(d.features_key, p .. ":features"); eq(d.inited_key, p .. ":$inited")
    eq(d.cache_ttl_ms, 2000); eq(d.cache_capacity, 7); eq(d.pool_size, 3)
    eq(d.connect_timeout_ms, 500); eq(d.operation_timeout_ms, 250)
    ok(not s:describe_json():find("hunter2", 1, true))
    local v, err = s:get("features", "x") -- the server has no such user
    eq(v, nil)
    ok(err and not err:find("hunter2", 1, true), tostring(err))
    s:close()
end)

test("host and port options set the server", function()
    local s = assert(ldredis.open({ host = "127.0.0.1", port = H.port, cache_ttl = 0 }))
    eq(s:available(), true)
    ok(s:describe().server:find(tostring(H.port), 1, true))
    s:close()
end)

test("Big Segments metadata: nil before a sync, epoch ms after, malformed is an error", function()
    local s, p = fresh()
    eq(s:big_segments_metadata(), nil)
    H.redis("SET", p .. ":big_segments_synchronized_on", "1700000000123")
    eq(s:big_segments_metadata(), 1700000000123)
    H.redis("SET", p .. ":big_segments_synchronized_on", "soon")
    local v, err, rc = s:big_segments_metadata()
    eq(v, nil); H.err_like(err, "malformed: "); eq(rc, ldredis.ERR_MALFORMED)
    s:close()
end)

test("Big Segments membership: includes, excludes, include wins, hashes with + / =", function()
    local s, p = fresh()
    local h = "a+b/c=="
    eq(s:big_segment_membership(h), nil)
    H.redis("SADD", p .. ":big_segment_include:" .. h, "s1.g1", "s2.g1")
    H.redis("SADD", p .. ":big_segment_exclude:" .. h, "s2.g1", "s3.g2")
    local m = s:big_segment_membership(h)
    eq(m["s1.g1"], true); eq(m["s2.g1"], true); eq(m["s3.g2"], false); eq(count(m), 3)
    eq(s:big_segment_membership("a+b/c="), nil)
    H.redis("SADD", p .. ":big_segment_exclude:x", "k1")
    eq(s:big_segment_membership("x")["k1"], false)
    s:close()
end)

test("get_decoded and all_decoded use lua-cjson when it is there", function()
    local s = inited()
    if not ldredis.have_cjson then
        local v, err = s:get_decoded("features", "f1")
        eq(v, nil); ok(err:find("cjson", 1, true))
        s:close()
        H.skip("lua-cjson is not installed")
    end
    local f = assert(s:get_decoded("features", "f1"))
    eq(f.key, "f1"); eq(f.version, 1); eq(f.on, true)
    local v, err = s:get_decoded("features", "nope")
    eq(v, nil); eq(err, nil)
    local all = assert(s:all_decoded("features"))
    eq(all.f2.version, 5)
    s:close()
end)

test("the flat JSON reader handles escapes and unicode", function()
    local t = ldredis._decode_flat('{"a\\"b":true, "c":false,"n":-12,"s":"x\\n\\u00e9\\ud83d\\ude80\\/"}')
    eq(t['a"b'], true); eq(t.c, false); eq(t.n, -12); eq(t.s, "x\né🚀/")
    eq(next(ldredis._decode_flat("{}")), nil)
end)
