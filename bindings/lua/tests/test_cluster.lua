-- Redis Cluster: a throwaway cluster of 3 masters and 3 replicas (scripts/redis-cluster.sh,
-- stopped by pid) used through a redis-cluster:// url and the cluster_nodes option; the data
-- lands at go-redis's {ld}. keys.
local H = ...
local ldredis = require("ldredis")
local test, eq, ok = H.test, H.eq, H.ok

local DATA = '{"flags":{"f1":{"key":"f1","version":1,"on":true}},'
    .. '"segments":{"s1":{"key":"s1","version":2}}}'

local root = assert(os.getenv("LDREDIS_HEADER"), "LDREDIS_HEADER is not set"):match("^(.*)/include/[^/]*$")
local SCRIPT = root .. "/scripts/redis-cluster.sh"

local sh = H.shell

-- One cluster for the file, started by the first test that needs it.
local cluster
local function get_cluster()
    if cluster then return cluster end
    if sh("command -v redis-server") == "" then H.skip("redis-server is not installed") end
    local dir = sh('mktemp -d "${TMPDIR:-/tmp}/ldredis-lua-cluster.XXXXXX"')
    H.after_file(function()
        os.execute("bash " .. SCRIPT .. " stop " .. dir .. "/c")
        os.execute("rm -rf " .. dir)
        cluster = nil
    end)
    local url = sh("bash " .. SCRIPT .. " start " .. dir .. "/c")
    if not url:match("^redis%-cluster://") then error("could not start a cluster: " .. url) end
    local nodes = {}
    for address in url:sub(#"redis-cluster://" + 1):gmatch("[^,]+") do nodes[#nodes + 1] = address end
    cluster = { url = url, nodes = nodes, port = nodes[1]:match(":(%d+)$") }
    return cluster
end

-- redis-cli -c (follows redirections) on the first node.
local function cli(...)
    local args = { "redis-cli", "-c", "-h", "127.0.0.1", "-p", get_cluster().port, "--raw" }
    for _, a in ipairs({ ... }) do args[#args + 1] = "'" .. a:gsub("'", "'\\''") .. "'" end
    return sh(table.concat(args, " "))
end

local function exercise(s, prefix)
    eq(s:initialized(), false, "initialized before init")
    eq(assert(s:init(DATA)), true)
    eq(s:initialized(), true, "initialized after init")
    eq(assert(s:get("features", "f1")), '{"key":"f1","version":1,"on":true}')
    eq(s:upsert("features", "f1", '{"key":"f1","version":2}'), true)
    eq(s:upsert("features", "f1", '{"key":"f1","version":1}'), false)
    eq(assert(s:all("segments")), '{"s1":{"key":"s1","version":2}}')
    eq(s:delete("features", "f1", 3), true)
    eq(s:get("features", "f1"), nil)
    ok(cli("HGET", "{ld}." .. prefix .. ":features", "f1"):find('"version":3', 1, true), "the tombstone at {ld}.")
    eq(cli("EXISTS", "{ld}." .. prefix .. ":$inited"), "1")
end

test("a redis-cluster:// url: every operation at the {ld}. keys, described", function()
    local c = get_cluster()
    for _, ttl in ipairs({ 0, 30, -1 }) do
        local prefix = H.prefix()
        local s = assert(ldredis.open({ url = c.url, prefix = prefix, cache_ttl = ttl }))
        exercise(s, prefix)
        local d = assert(s:describe())
        eq(d.mode, "cluster")
        eq(d.features_key, "{ld}." .. prefix .. ":features")
        eq(d.slot, "8805")
        ok(d.master:match("^127%.0%.0%.1:%d+$"), "the master of the {ld} slot: " .. tostring(d.master))
        ok(assert(s:stats()).slot_map_refreshes >= 1, "the slot map was read")
        s:close()
    end
end)

test("the cluster_nodes option: a dead seed is skipped", function()
    local c = get_cluster()
    local prefix = H.prefix()
    local s = assert(ldredis.open({ cluster_nodes = { "127.0.0.1:1", c.nodes[2] }, prefix = prefix,
                                    cache_ttl = 0, connect_timeout = 1 }))
    exercise(s, prefix)
    eq(s:describe().cluster_nodes, "127.0.0.1:1," .. c.nodes[2])
    s:close()
end)

test("cluster_nodes must be a list of strings; a cluster has only database 0", function()
    H.raises(function() ldredis.open({ cluster_nodes = "127.0.0.1:7000" }) end, "cluster_nodes")
    local s, err, rc = ldredis.open({ cluster_nodes = { 7000 } })
    eq(s, nil); H.err_like(err, "invalid argument: cluster_nodes"); eq(rc, ldredis.ERR_INVALID_ARGUMENT)
    s, err, rc = ldredis.open({ cluster_nodes = { "127.0.0.1:7000" }, database = 2 })
    eq(s, nil); H.err_like(err, "invalid argument: "); eq(rc, ldredis.ERR_INVALID_ARGUMENT)
    ok(err:find("database", 1, true), err)
    s, err, rc = ldredis.open({ url = "redis-cluster://127.0.0.1:7000/3" })
    eq(s, nil); eq(rc, ldredis.ERR_INVALID_ARGUMENT)
end)
