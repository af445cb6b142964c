-- TLS: stores opened over TLS against TLS-only redis-servers started here (H.tls_server), with
-- certificates made by openssl at test time (H.tls_files).
local H = ...
local ldredis = require("ldredis")
local test, eq, ok = H.test, H.eq, H.ok

local DATA = '{"flags":{"f1":{"key":"f1","version":1,"on":true}},'
    .. '"segments":{"s1":{"key":"s1","version":2}}}'
-- Short timeouts: every failure must come well within them (FAILS_WITHIN), never hang.
local FAILS_WITHIN = 10

-- One server of each kind for the whole file (started by the first test that needs it).
local servers = {}
local function server(auth_clients)
    servers[auth_clients] = servers[auth_clients] or H.tls_server(auth_clients)
    return servers[auth_clients]
end

local function open(opts)
    opts.prefix = opts.prefix or H.prefix()
    if opts.cache_ttl == nil then opts.cache_ttl = 0 end
    return ldredis.open(opts)
end

-- Every data operation, checked.
local function exercise(s)
    eq(s:initialized(), false, "initialized before init")
    eq(assert(s:init(DATA)), true)
    eq(s:initialized(), true, "initialized after init")
    eq(assert(s:get("features", "f1")), '{"key":"f1","version":1,"on":true}')
    local v, err = s:get("features", "missing")
    eq(v, nil); eq(err, nil)
    eq(assert(s:all("segments")), '{"s1":{"key":"s1","version":2}}')
    eq(s:upsert("features", "f1", '{"key":"f1","version":2}'), true)
    eq(s:upsert("features", "f1", '{"key":"f1","version":1}'), false)
    eq(assert(s:get("features", "f1")), '{"key":"f1","version":2}')
    eq(s:delete("features", "f1", 3), true)
    eq(s:get("features", "f1"), nil)
    eq(assert(s:all("features")), "{}")
    eq(s:available(), true)
end

-- The error of a get on a store that cannot connect; it must come within FAILS_WITHIN and be
-- an outage: "unavailable: ...", or with or_timeout also "timeout: ...".
local function unavailable(s, or_timeout)
    local started = H.now()
    local v, err, rc = s:get("features", "f1")
    ok(H.now() - started < FAILS_WITHIN, "failed within " .. FAILS_WITHIN .. " s")
    eq(v, nil)
    if or_timeout and rc == ldredis.ERR_TIMEOUT then
        H.err_like(err, "timeout: ")
    else
        H.err_like(err, "unavailable: ")
        eq(rc, ldredis.ERR_UNAVAILABLE)
    end
    eq(s:status().available, false, "status after the failure")
    return err
end

test("rediss:// with the CA: every operation, in every cache mode", function()
    local files = H.tls_files()
    for _, ttl in ipairs({ 0, 15, -1 }) do
        local s = assert(open{ url = server("no").url, tls_ca_file = files.ca, cache_ttl = ttl })
        exercise(s)
        local d = assert(s:describe())
        eq(d.tls, "on"); eq(d.tls_verify, "on")
        s:close()
    end
end)

test("what is written over TLS is in Redis", function()
    local p = H.prefix()
    local s = assert(open{ url = server("no").url, prefix = p, tls_ca_file = H.tls_files().ca })
    assert(s:init(DATA))
    s:close()
    eq(server("no").redis("HGET", p .. ":features", "f1"), '{"key":"f1","version":1,"on":true}')
end)

test("tls = true turns TLS on for a redis:// URL; tls = false off for rediss://", function()
    local url = server("no").url:gsub("^rediss://", "redis://")
    local s = assert(open{ url = url, tls = true, tls_ca_file = H.tls_files().ca })
    eq(s:describe().tls, "on")
    exercise(s)
    s:close()
    s = assert(open{ url = H.url:gsub("^redis://", "rediss://"), tls = false })
    eq(s:describe().tls, "off")
    exercise(s)
    s:close()
end)

test("a wrong CA: unavailable, certificate verify failed", function()
    local s = assert(open{ url = server("no").url, tls_ca_file = H.tls_files().other_ca,
                           connect_timeout = 1, operation_timeout = 1 })
    local err = unavailable(s)
    ok(err:find("certificate verify failed", 1, true), err)
    eq(s:available(), false)
    s:close()
end)

test("the server name is checked instead of the host", function()
    local files = H.tls_files()
    local s = assert(open{ url = server("no").url, tls_ca_file = files.ca,
                           tls_server_name = "localhost" })
    exercise(s)
    s:close()
    s = assert(open{ url = server("no").url, tls_ca_file = files.ca,
                     tls_server_name = "redis.invalid", connect_timeout = 1,
                     operation_timeout = 1 })
    local err = unavailable(s)
    ok(err:find("redis.invalid", 1, true), err)
    s:close()
end)

test("tls_verify = false connects without the CA", function()
    local s = assert(open{ url = server("no").url, tls_verify = false })
    eq(s:describe().tls_verify, "off")
    exercise(s)
    s:close()
end)

test("a server that requires a client certificate: without it fails, with it works", function()
    local files = H.tls_files()
    local s = assert(open{ url = server("yes").url, tls_ca_file = files.ca,
                           connect_timeout = 1, operation_timeout = 1 })
    unavailable(s)
    s:close()
    s = assert(open{ url = server("yes").url, tls_ca_file = files.ca,
                     tls_cert_file = files.client_cert, tls_key_file = files.client_key })
    exercise(s)
    s:close()
end)

test("a TLS client on a plain port fails within the timeouts", function()
    local s = assert(open{ url = H.url:gsub("^redis://", "rediss://"), tls_verify = false,
                           connect_timeout = 1, operation_timeout = 1 })
    unavailable(s, true) -- the plain server waits for a command: the handshake times out
    s:close()
end)

test("a plain client on a TLS port fails within the timeouts", function()
    local s = assert(open{ url = server("no").url:gsub("^rediss://", "redis://"),
                           connect_timeout = 1, operation_timeout = 1 })
    unavailable(s, true)
    s:close()
end)

test("bad TLS files are 'invalid argument' from open, naming the file", function()
    local files = H.tls_files()
    local missing = files.dir .. "/no-such-ca.pem"
    local s, err, rc = ldredis.open{ url = server("no").url, tls_ca_file = missing }
    eq(s, nil); H.err_like(err, "invalid argument: "); eq(rc, ldredis.ERR_INVALID_ARGUMENT)
    ok(err:find("no-such-ca.pem", 1, true), err)
    s, err = ldredis.open{ url = server("no").url, tls_cert_file = files.client_cert,
                           tls_key_file = files.server_key }
    eq(s, nil); H.err_like(err, "invalid argument: ")
    s, err = ldredis.open{ url = server("no").url, tls_ca_file = "a\0b" }
    eq(s, nil); H.err_like(err, "invalid argument: ")
    ok(err:find("tls_ca_file", 1, true), err)
end)

test("a TLS file or server name while TLS is off is 'invalid argument'", function()
    local files = H.tls_files()
    for _, opts in ipairs({
        { tls_ca_file = files.ca }, { tls_server_name = "localhost" },
        { tls_cert_file = files.client_cert, tls_key_file = files.client_key },
    }) do
        opts.url = "redis://127.0.0.1:1/0"
        local s, err, rc = ldredis.open(opts)
        eq(s, nil); H.err_like(err, "invalid argument: "); eq(rc, ldredis.ERR_INVALID_ARGUMENT)
        ok(err:find("TLS is off", 1, true), err)
        opts.url, opts.tls = "rediss://127.0.0.1:1/0", false
        s, err = ldredis.open(opts)
        eq(s, nil); ok(err:find("TLS is off", 1, true), err)
    end
end)

test("TLS options of the wrong type raise", function()
    H.raises(function() ldredis.open{ tls = 1 } end, "tls")
    H.raises(function() ldredis.open{ tls_verify = "no" } end, "tls_verify")
    H.raises(function() ldredis.open{ tls_ca_file = true } end, "tls_ca_file")
    H.raises(function() ldredis.open{ tls_server_name = 5 } end, "tls_server_name")
end)
