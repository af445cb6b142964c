-- Redis Sentinel: a store opened with a redis-sentinel:// URL (and with the sentinels option)
-- against the setup run-tests.sh started (scripts/with-sentinel.sh: a master, a replica, one
-- sentinel), through a failover the test asks for.
local H = ...
local ldredis = require("ldredis")
local test, eq, ok = H.test, H.eq, H.ok

local URL = os.getenv("LDREDIS_SENTINEL_URL")
local SENTINEL_PORT = os.getenv("LDREDIS_SENTINEL_PORT")
local MASTER_PORT = os.getenv("LDREDIS_SENTINEL_MASTER_PORT")
local REPLICA_PORT = os.getenv("LDREDIS_SENTINEL_REPLICA_PORT")

local function cli(port, command)
    local p = assert(io.popen("redis-cli -h 127.0.0.1 -p " .. port .. " " .. command .. " 2>&1"))
    local out = p:read("*a")
    p:close()
    return out
end

-- Polls fn every 50 ms for up to 60 s (a generous bound: a failover takes seconds).
local function wait_until(what, fn)
    for _ = 1, 1200 do
        if fn() then return end
        os.execute("sleep 0.05")
    end
    error("timed out waiting until " .. what)
end

local function need_setup()
    if not URL then H.skip("no sentinel setup (run under scripts/with-sentinel.sh)") end
end

test("a redis-sentinel:// URL finds the master; every operation works; describe names it", function()
    need_setup()
    local prefix = H.prefix()
    local s = assert(ldredis.open({ url = URL, prefix = prefix, cache_ttl = 0 }))
    eq(assert(s:init('{"flags":{"f1":{"key":"f1","version":1}},"segments":{}}')), true)
    eq(assert(s:get("features", "f1")), '{"key":"f1","version":1}')
    eq(s:upsert("features", "f1", '{"key":"f1","version":2}'), true)
    local d = assert(s:describe())
    eq(d.mode, "sentinel")
    eq(d.sentinel_master, "ldmaster")
    ok(d.master == "127.0.0.1:" .. MASTER_PORT or d.master == "127.0.0.1:" .. REPLICA_PORT, d.master)
    s:close()
end)

test("the sentinels option and bad sentinel options", function()
    need_setup()
    local s = assert(ldredis.open({ sentinels = { "127.0.0.1:" .. SENTINEL_PORT },
                                    sentinel_master = "ldmaster", prefix = H.prefix(), cache_ttl = 0 }))
    eq(s:initialized(), false)
    s:close()
    local s2, err, rc = ldredis.open({ sentinels = { "127.0.0.1:" .. SENTINEL_PORT } })
    eq(s2, nil)
    eq(rc, ldredis.ERR_INVALID_ARGUMENT)
    H.err_like(err, "invalid argument: ")
    ok(err:find("master name", 1, true), err)
    local s3, err3 = ldredis.open({ sentinels = { 42 }, sentinel_master = "m" })
    eq(s3, nil)
    ok(err3:find("host:port", 1, true), err3)
end)

test("a failover: the store follows the new master and an upsert lands there", function()
    need_setup()
    local prefix = H.prefix()
    local s = assert(ldredis.open({ url = URL, prefix = prefix, cache_ttl = 0 }))
    eq(s:upsert("features", "k", '{"key":"k","version":1}'), true)
    local before = assert(s:describe()).master
    wait_until("SENTINEL FAILOVER is accepted", function()
        return cli(SENTINEL_PORT, "SENTINEL FAILOVER ldmaster"):find("OK", 1, true) ~= nil
    end)
    wait_until("the store follows the switch", function()
        local d = s:describe()
        return d and d.master ~= before
    end)
    wait_until("an upsert succeeds on the new master", function()
        return s:upsert("features", "k", '{"key":"k","version":2}') == true
    end)
    local new_port = assert(s:describe()).master:match(":(%d+)$")
    ok(cli(new_port, "HGET " .. prefix .. ":features k"):find('"version":2', 1, true), "on the new master")
    ok(assert(s:stats()).failovers >= 1, "failovers counted")
    s:close()
end)
