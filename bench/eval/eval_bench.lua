-- bench/eval: Lua store:evaluate (warm cache; the context as a Lua table, the detail decoded to a
-- table) and store:evaluate_json (context and result as JSON text, what the C call does), per
-- call. Prints one JSON object.
--   luajit eval_bench.lua REDIS_URL DATA_JSON_FILE SECONDS
local ldredis = require("ldredis")
local url, data_file, seconds = arg[1], arg[2], tonumber(arg[3])
local f = assert(io.open(data_file))
local data = f:read("*a")
f:close()
local store = assert(ldredis.open({ url = url, prefix = "evalbench-lua", cache_ttl = 3600 }))
assert(store:init(data))
local ctx = { kind = "user", key = "user-12345", email = "someone@example.com", plan = "silver", country = "fr" }
local ctx_json = ldredis.encode_json(ctx)

local ffi = require("ffi")
ffi.cdef[[
struct ldredis_bench_timespec { long tv_sec; long tv_nsec; };
int clock_gettime(int clk_id, struct ldredis_bench_timespec *tp);
]]
local ts = ffi.new("struct ldredis_bench_timespec")
-- Wall-clock (CLOCK_MONOTONIC), as the C benchmark measures.
local function now()
    ffi.C.clock_gettime(1, ts)
    return tonumber(ts.tv_sec) + tonumber(ts.tv_nsec) * 1e-9
end

-- Best of 10 rounds (a shared machine's load comes and goes), as the C benchmark does.
local function per_call(fn)
    fn()
    local best, total = math.huge, 0
    for _ = 1, 10 do
        local n, t0 = 0, now()
        while now() - t0 < seconds / 10 do
            for _ = 1, 1000 do fn() end
            n = n + 1000
        end
        best = math.min(best, (now() - t0) / n * 1e9)
        total = total + n
    end
    return best, total
end

local v, detail = store:evaluate("bench-flag", ctx)
assert(v == "treatment-a", tostring(v))
local eval_ns, n1 = per_call(function() store:evaluate("bench-flag", ctx) end)
local json_ns, n2 = per_call(function() store:evaluate_json("bench-flag", ctx_json, "null") end)
store:close()
print(string.format('{"lua_evaluate_ns": %.1f, "lua_evaluations": %d, "lua_evaluate_json_ns": %.1f, '
    .. '"lua_evaluate_json_evaluations": %d, "cjson": %s}', eval_ns, n1, json_ns, n2, tostring(ldredis.have_cjson)))
