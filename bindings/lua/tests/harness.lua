-- harness.lua - a minimal test harness for the plain-luajit test scripts, plus helpers for the
-- redis-server that run-tests.sh started (through scripts/with-redis.sh: LDREDIS_TEST_PORT).
local H = { passed = 0, failed = 0, skipped = 0, tests = {} }

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
    return H.passed, H.failed, H.skipped
end

-- ---- redis-cli ------------------------------------------------------------------------------

local function shell_quote(s)
    return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

--- Runs redis-cli against the test server; returns its output without the final newline.
function H.redis(...)
    local args = { "redis-cli", "-h", "127.0.0.1", "-p", PORT, "--raw" }
    for _, a in ipairs({ ... }) do args[#args + 1] = shell_quote(a) end
    local p = assert(io.popen(table.concat(args, " ") .. " 2>&1"))
    local out = p:read("*a")
    p:close()
    return (out:gsub("\n$", ""))
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
