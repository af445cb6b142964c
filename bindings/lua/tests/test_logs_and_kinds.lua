-- Issue 14: log lines queued by the library and delivered on the Lua thread (drain_log, status,
-- close), never a password; kinds as names (ldredis.FEATURES/SEGMENTS, "flags" is "features");
-- under plain Lua, require names LuaJIT.
local H = ...
local ldredis = require("ldredis")
local test, eq, ok = H.test, H.eq, H.ok

local SECRET = "lu4-s3cret"

local function recorder()
    local lines = {}
    return lines, function(level, message)
        lines[#lines + 1] = { level = level, message = message }
    end
end

local function sleep(seconds)
    os.execute("sleep " .. tostring(seconds))
end

test("the start line arrives during open; the outage when drained; no password", function()
    local lines, log = recorder()
    local s = assert(ldredis.open({ url = "redis://user:" .. SECRET .. "@127.0.0.1:1/0",
                                    connect_timeout = 0.3, log = log }))
    eq(#lines, 1)
    eq(lines[1].level, "info")
    ok(lines[1].message:find("store started: redis://user:xxxxx@127.0.0.1:1/0 prefix=launchdarkly",
                             1, true), lines[1].message)
    local v, err = s:get(ldredis.FEATURES, "f")
    eq(v, nil)
    H.err_like(err, "unavailable: ")
    -- The outage is logged by the library's own thread: it waits in the queue until drained.
    local delivered = 0
    for _ = 1, 100 do
        delivered = delivered + s:drain_log()
        if #lines >= 2 then break end
        sleep(0.05)
    end
    eq(#lines, 2, "the outage line")
    eq(delivered, 1)
    eq(lines[2].level, "warn")
    ok(lines[2].message:find("Redis is unavailable (redis://user:xxxxx@", 1, true), lines[2].message)
    s:close()
    for _, line in ipairs(lines) do ok(not line.message:find(SECRET, 1, true), line.message) end
end)

test("log_level filters; status() delivers; without a log function nothing is queued", function()
    local lines, log = recorder()
    local s = assert(ldredis.open({ url = H.url, prefix = H.prefix(), log = log,
                                    log_level = "warn" }))
    eq(#lines, 0, "the start line is info")
    s:status()
    eq(s:drain_log(), 0)
    s:close()
    local quiet = assert(ldredis.open({ url = H.url }))
    eq(quiet:drain_log(), 0)
    quiet:close()
    local debug_lines, debug_log = recorder()
    local d = assert(ldredis.open({ url = H.url, log = debug_log, log_level = "debug" }))
    d:close()
    eq(debug_lines[1].level, "info")
    local _, err = ldredis.open({ url = H.url, log = log, log_level = "verbose" })
    H.err_like(err, "invalid argument: log_level must be")
    H.raises(function() ldredis.open({ log = "ngx.log" }) end, "option 'log'")
end)

test("ldredis.FEATURES and \"flags\" are one kind; SEGMENTS another", function()
    eq(ldredis.FEATURES, "features")
    eq(ldredis.SEGMENTS, "segments")
    local s = assert(ldredis.open({ url = H.url, prefix = H.prefix(), cache_ttl = 0 }))
    assert(s:init('{"flags":{"a":{"key":"a","version":1}},"segments":{}}'))
    eq(s:get("flags", "a"), '{"key":"a","version":1}')
    eq(s:get(ldredis.FEATURES, "a"), '{"key":"a","version":1}')
    eq(s:upsert("flags", "b", '{"key":"b","version":1}'), true)
    eq(s:get(ldredis.FEATURES, "b"), '{"key":"b","version":1}')
    eq(s:get(ldredis.SEGMENTS, "a"), nil)
    s:close()
end)

test("under plain Lua, require(\"ldredis\") is an error naming LuaJIT", function()
    local lua = io.popen("command -v lua5.1 || command -v lua5.4 || command -v lua"):read("*l")
    if not lua or lua == "" then H.skip("no plain Lua interpreter installed") end
    local module_dir = package.searchpath("ldredis", package.path):match("^(.*)/[^/]*$")
    local p = io.popen(string.format("%q -e 'package.path=%q; require(\"ldredis\")' 2>&1",
                                     lua, module_dir .. "/?.lua"))
    local out = p:read("*a")
    p:close()
    ok(out:find("this module needs LuaJIT", 1, true), out)
    ok(not out:find("module 'ffi' not found", 1, true), out)
end)
