-- Data written the way the LaunchDarkly Python SDK (and others) write it, with redis-cli.
local H = ...
local ldredis = require("ldredis")
local test, eq, ok = H.test, H.eq, H.ok

-- json.dumps(item) with the Python SDK's default separators (", " and ": ").
local PY_FLAG = '{"key": "py-flag", "version": 4, "on": true, "variations": [true, false], '
    .. '"fallthrough": {"variation": 0}, "deleted": false}'

local function setup()
    local p = H.prefix()
    local s = assert(ldredis.open({ url = H.url, prefix = p, cache_ttl = 0 }))
    H.redis("HSET", p .. ":features", "py-flag", PY_FLAG)
    H.redis("SET", p .. ":$inited", p .. ":$inited") -- the Python SDK's $inited value
    return s, p
end

test("the Python SDK's json.dumps spacing reads byte for byte", function()
    local s = setup()
    eq(s:initialized(), true)
    eq(s:get("features", "py-flag"), PY_FLAG)
    ok(s:all("features"):find('"py-flag":', 1, true))
    s:close()
end)

test("all three tombstone shapes read as absent, without breaking other items", function()
    local s, p = setup()
    H.redis("HSET", p .. ":features", "t-python", '{"key": "t-python", "version": 3, "deleted": true}')
    H.redis("HSET", p .. ":features", "t-java", '{"version":3,"deleted":true}')
    H.redis("HSET", p .. ":features", "t-go", '{"key":"$deleted","version":3,"deleted":true,"on":false}')
    for _, k in ipairs({ "t-python", "t-java", "t-go" }) do
        local v, err = s:get("features", k)
        eq(v, nil, k); eq(err, nil, k)
        eq(s:upsert("features", k, '{"key":"' .. k .. '","version":3}'), false, k)
    end
    local all = s:all("features")
    ok(all:find('"py-flag":', 1, true) and not all:find("t-", 1, true), all)
    eq(s:upsert("features", "t-java", '{"key":"t-java","version":4}'), true)
    s:close()
end)

test("a stray 'null' field is skipped by all() and counted", function()
    local s, p = setup()
    H.redis("HSET", p .. ":features", "null", "null")
    local before = s:stats().malformed_skipped
    local all = assert(s:all("features"))
    ok(all:find('"py-flag":', 1, true) and not all:find('"null"', 1, true), all)
    eq(s:stats().malformed_skipped, before + 1)
    local v, err = s:get("features", "null")
    eq(v, nil); H.err_like(err, "malformed: ")
    s:close()
end)

test("a Python SDK upsert over ours follows the version rule both ways", function()
    local s, p = setup()
    eq(s:upsert("features", "py-flag", '{"key":"py-flag","version":4}'), false)
    eq(s:upsert("features", "py-flag", '{"key":"py-flag","version":5,"on":false}'), true)
    eq(H.redis("HGET", p .. ":features", "py-flag"), '{"key":"py-flag","version":5,"on":false}')
    s:close()
end)

test("get_decoded reads the Python SDK's shape", function()
    if not ldredis.have_cjson then H.skip("lua-cjson is not installed") end
    local s = setup()
    local f = assert(s:get_decoded("features", "py-flag"))
    eq(f.version, 4); eq(f.variations[2], false); eq(f.fallthrough.variation, 0)
    s:close()
end)
