-- harness.lua - a minimal test harness for the plain-luajit test scripts, plus helpers for the
-- redis-server that run-tests.sh started (through scripts/with-redis.sh: LDREDIS_TEST_PORT),
-- and TLS-only redis-servers that tests start themselves (H.tls_server), with certificates
-- made by the openssl command (H.tls_files).
local H = { passed = 0, failed = 0, skipped = 0, tests = {}, cleanups = {} }

local PORT = assert(os.getenv("LDREDIS_TEST_PORT"), "LDREDIS_TEST_PORT is not set (run under scripts/with-redis.sh)")
H.port = tonumber(PORT)
H.url = "redis://127.0.0.1:" .. PORT .. "/0"

local prefix_counter = 0
--- A fresh key prefix per call (tests share one server).
function H.prefix()
    prefix_counter = prefix_counter + 1
    return string.format("lt%d_%d_%d", os.time() % 100000, math.random(1, 1e6), prefix_counter)
end

--- Registers a test.
function H.test(name, fn)
    H.tests[#H.tests + 1] = { name = name, fn = fn }
end

--- Marks the running test as skipped.
function H.skip(reason)
    error({ skip = reason }, 0)
end

local function fmt(v)
    if type(v) == "string" then return string.format("%q", v) end
    return tostring(v)
end

function H.eq(actual, expected, what)
    if actual ~= expected then
        error(string.format("%sexpected %s, got %s", what and (what .. ": ") or "", fmt(expected),
                            fmt(actual)), 2)
    end
end

function H.ok(cond, what)
    if not cond then error("assertion failed" .. (what and (": " .. what) or ""), 2) end
    return cond
end

--- Asserts that err starts with prefix.
function H.err_like(err, prefix, what)
    if type(err) ~= "string" or err:sub(1, #prefix) ~= prefix then
        error(string.format("%sexpected an error starting %q, got %s", what and (what .. ": ") or "",
                            prefix, fmt(err)), 2)
    end
end

--- Asserts that fn raises (a Lua error), with a message containing pattern (plain).
function H.raises(fn, pattern)
    local ok, err = pcall(fn)
    if ok then error("expected an error", 2) end
    if pattern and not tostring(err):find(pattern, 1, true) then
        error(string.format("expected an error containing %q, got %s", pattern, tostring(err)), 2)
    end
end

--- Runs all registered tests; returns passed, failed, skipped.
function H.run()
    for _, t in ipairs(H.tests) do
        local ok, err = xpcall(t.fn, function(e)
            if type(e) == "table" and e.skip then return e end
            return debug.traceback(tostring(e), 2)
        end)
        if ok then
            H.passed = H.passed + 1
            print("ok      " .. t.name)
        elseif type(err) == "table" and err.skip then
            H.skipped = H.skipped + 1
            print("skip    " .. t.name .. " (" .. err.skip .. ")")
        else
            H.failed = H.failed + 1
            print("FAILED  " .. t.name .. "\n" .. tostring(err))
        end
    end
    H.tests = {}
    -- What the file's tests left to clean up (servers they started), newest first.
    for i = #H.cleanups, 1, -1 do
        local ok, err = pcall(H.cleanups[i])
        if not ok then print("cleanup failed: " .. tostring(err)) end
    end
    H.cleanups = {}
    return H.passed, H.failed, H.skipped
end

--- Registers fn to run once the current file's tests have run.
function H.after_file(fn)
    H.cleanups[#H.cleanups + 1] = fn
end

-- ---- redis-cli ------------------------------------------------------------------------------

local function shell_quote(s)
    return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

-- Runs a shell command; returns its output (stderr included) without the final newline.
local function shell(command)
    local p = assert(io.popen(command .. " 2>&1"))
    local out = p:read("*a")
    p:close()
    return (out:gsub("\n$", ""))
end
H.shell = shell

-- redis-cli with the connection arguments given, then the command's arguments quoted.
local function redis_cli(connection, ...)
    local args = { "redis-cli", "-h", "127.0.0.1", "--raw", connection }
    for _, a in ipairs({ ... }) do args[#args + 1] = shell_quote(a) end
    return shell(table.concat(args, " "))
end

--- Runs redis-cli against the test server; returns its output without the final newline.
function H.redis(...)
    return redis_cli("-p " .. PORT, ...)
end

-- ---- TLS ------------------------------------------------------------------------------------

local tls_files

--- Certificates made once per process with openssl in a temporary directory (EC P-256 keys,
--- valid two days): { dir, ca, other_ca (an unrelated CA), server_cert, server_key (for
--- localhost and 127.0.0.1), client_cert, client_key }, all signed by ca but other_ca.
function H.tls_files()
    if tls_files then return tls_files end
    if shell("command -v openssl") == "" then H.skip("openssl is not installed") end
    local dir = shell("mktemp -d \"${TMPDIR:-/tmp}/ldredis-lua-tls.XXXXXX\"")
    local key = "-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes"
    local function ca(name)
        return string.format("openssl req -x509 %s -keyout %s.key -out %s.crt -days 2 "
                             .. "-subj '/CN=ldredis test %s'", key, name, name, name)
    end
    local function leaf(name, cn, extensions)
        return string.format("printf 'basicConstraints=CA:FALSE\\n%s\\n' > %s.ext && "
            .. "openssl req -new %s -keyout %s.key -out %s.csr -subj '/CN=%s' && "
            .. "openssl x509 -req -in %s.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 "
            .. "-extfile %s.ext -out %s.crt", extensions, name, key, name, name, cn, name, name,
            name)
    end
    local script = table.concat({
        "cd " .. shell_quote(dir), ca("ca"), ca("other-ca"),
        leaf("server", "localhost",
             "subjectAltName=DNS:localhost,IP:127.0.0.1\\nextendedKeyUsage=serverAuth"),
        leaf("client", "ldredis test client", "extendedKeyUsage=clientAuth"),
    }, " && ")
    local out = shell("(" .. script .. ") > /dev/null 2>&1 && echo made")
    H.after_file(function()
        os.execute("rm -rf " .. shell_quote(dir))
        tls_files = nil
    end)
    if out ~= "made" then error("openssl failed to make the test certificates in " .. dir) end
    tls_files = { dir = dir, ca = dir .. "/ca.crt", other_ca = dir .. "/other-ca.crt",
                  server_cert = dir .. "/server.crt", server_key = dir .. "/server.key",
                  client_cert = dir .. "/client.crt", client_key = dir .. "/client.key" }
    return tls_files
end

local function process_alive(pid)
    local status = os.execute("kill -0 " .. pid .. " 2>/dev/null")
    return status == 0 or status == true
end

--- Starts a TLS-only redis-server (--port 0 --tls-port P) on a free loopback port with the
--- certificates of H.tls_files(); auth_clients ("no" or "yes") is its --tls-auth-clients.
--- Returns { port, url ("rediss://127.0.0.1:P/0"), pid, redis(...) (redis-cli over TLS),
--- stop() }; stopped (by pid) after the file's tests if not before.
function H.tls_server(auth_clients)
    local files = H.tls_files()
    if shell("command -v redis-server") == "" then H.skip("redis-server is not installed") end
    local dir = shell("mktemp -d \"${TMPDIR:-/tmp}/ldredis-lua-tls-redis.XXXXXX\"")
    local tls_cli = string.format("--tls --cacert %s --cert %s --key %s",
        shell_quote(files.ca), shell_quote(files.client_cert), shell_quote(files.client_key))
    for _ = 1, 20 do
        local port = math.random(20000, 59999)
        local pid = tonumber(shell(table.concat({
            "redis-server", "--port 0 --tls-port", port, "--bind 127.0.0.1",
            "--tls-cert-file", shell_quote(files.server_cert),
            "--tls-key-file", shell_quote(files.server_key),
            "--tls-ca-cert-file", shell_quote(files.ca),
            "--tls-auth-clients", auth_clients or "no",
            "--save '' --appendonly no --dir", shell_quote(dir),
            "--logfile", shell_quote(dir .. "/redis.log"), "> /dev/null 2>&1 & echo $!" }, " ")))
        local server = { port = port, pid = pid,
                         url = "rediss://127.0.0.1:" .. port .. "/0" }
        function server.redis(...)
            return redis_cli("-p " .. port .. " " .. tls_cli, ...)
        end
        function server.stop()
            if not server.pid then return end
            os.execute("kill " .. server.pid .. " 2>/dev/null")
            for _ = 1, 100 do
                if not process_alive(server.pid) then break end
                H.sleep(0.05)
            end
            if process_alive(server.pid) then os.execute("kill -9 " .. server.pid) end
            server.pid = nil
        end
        for _ = 1, 100 do
            if not process_alive(pid) then break end -- the port was taken: try another
            if server.redis("PING") == "PONG" then
                H.after_file(function()
                    server.stop()
                    os.execute("rm -rf " .. shell_quote(dir))
                end)
                return server
            end
            H.sleep(0.05)
        end
        server.stop()
    end
    os.execute("rm -rf " .. shell_quote(dir))
    error("could not start a TLS redis-server on a free loopback port")
end

--- The test server's pid (for SIGSTOP / SIGCONT), from INFO.
function H.redis_pid()
    return tonumber(H.redis("INFO", "server"):match("process_id:(%d+)"))
end

--- Runs fn() while the test server is paused with SIGSTOP; resumes it (SIGCONT) whatever
--- happens, then returns fn's results or re-raises its error. Skips when the pid is unknown.
function H.while_paused(fn)
    local pid = H.redis_pid()
    if not pid then H.skip("cannot find the test server's pid") end
    os.execute("kill -STOP " .. pid)
    local res = { pcall(fn) }
    os.execute("kill -CONT " .. pid)
    if not res[1] then error(res[2], 0) end
    return unpack(res, 2, table.maxn(res))
end

local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } ldredis_test_timespec;
int clock_gettime(int clk_id, ldredis_test_timespec *tp);
]]
local ts = ffi.new("ldredis_test_timespec")

--- Monotonic seconds (Linux CLOCK_MONOTONIC), for timing a call.
function H.now()
    ffi.C.clock_gettime(1, ts)
    return tonumber(ts.tv_sec) + tonumber(ts.tv_nsec) / 1e9
end

function H.sleep(seconds)
    os.execute("sleep " .. tostring(seconds))
end

return H
