--[[
bench.lua - the Lua side of `make bench`: the LuaJIT FFI module (bindings/lua/ldredis.lua).

  LDREDIS_LIBRARY=... LUA_PATH="bindings/lua/?.lua;;" luajit bench/lua/bench.lua URL DATADIR quick|full

Measures, through ldredis.open{...} and store:get / store:all: get (cache hit), get (cache
off) and all (1,000 flags, cache off); and, in the same process for comparison, the same
calls made straight through ffi on the C API (ldredis_store_get / ldredis_store_all_json +
ffi.string + ldredis_free): the difference is what the module's wrapper costs. The data must
already be in Redis under the prefix "bench1k" (bench/run.sh runs the C bench first, which
writes it). Prints JSON on stdout.
]]

local ffi = require("ffi")
local ok, ldredis = pcall(require, "ldredis")
local url, datadir, mode = arg[1], arg[2], arg[3]
local quick = mode == "quick"

local function out_json_skip(note)
    io.write('{"env": {"skipped": true}, "notes": ["', note:gsub('[%c"\\]', " "), '"], "series": {}}\n')
end

if not ok then
    out_json_skip("the Lua module is not loadable: " .. tostring(ldredis))
    os.exit(0)
end

ffi.cdef [[
typedef long time_t_;
struct ldbench_timespec { time_t_ tv_sec; long tv_nsec; };
int clock_gettime(int clk_id, struct ldbench_timespec *tp);
]]
local ts = ffi.new("struct ldbench_timespec")
local function now_ns()
    ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
    return tonumber(ts.tv_sec) * 1e9 + tonumber(ts.tv_nsec)
end

-- The flag keys of the 1,000-flag data set, from its TSV twin.
local keys = {}
for line in io.lines(datadir .. "/data-1000.tsv") do
    local kind, key = line:match("^([^\t]+)\t([^\t]+)\t")
    if kind == "features" then keys[#keys + 1] = key end
end
local nkeys = #keys

local C = ffi.load(os.getenv("LDREDIS_LIBRARY") or "ldredis")
local out_str = ffi.new("char *[1]")
local out_len = ffi.new("size_t[1]")

local function direct_store(ttl_ms)
    local pcfg = ffi.new("ldredis_config *[1]")
    assert(C.ldredis_config_new(pcfg) == 0)
    local cfg = pcfg[0]
    assert(C.ldredis_config_set_url(cfg, url) == 0)
    assert(C.ldredis_config_set_prefix(cfg, "bench1k") == 0)
    assert(C.ldredis_config_set_cache_ttl_ms(cfg, ttl_ms) == 0)
    local pst = ffi.new("ldredis_store *[1]")
    assert(C.ldredis_store_new(pst, cfg) == 0)
    C.ldredis_config_free(cfg)
    return ffi.gc(pst[0], C.ldredis_store_free)
end

local function direct_get(st, key)
    local rc = C.ldredis_store_get(out_str, out_len, st, "features", key)
    if rc ~= 0 then error("direct get: " .. rc) end
    local s = ffi.string(out_str[0], out_len[0])
    C.ldredis_free(out_str[0])
    return s
end

local function direct_all(st)
    local rc = C.ldredis_store_all_json(out_str, out_len, st, "features")
    if rc ~= 0 then error("direct all: " .. rc) end
    local s = ffi.string(out_str[0], out_len[0])
    C.ldredis_free(out_str[0])
    return s
end

local function open(ttl)
    local st, err = ldredis.open { url = url, prefix = "bench1k", cache_ttl = ttl }
    if not st then error("ldredis.open: " .. tostring(err)) end
    return st
end

local m_off, m_hit = open(0), open(3600)
local d_off, d_hit = direct_store(0), direct_store(3600 * 1000)

local function m_get(st) return function(i)
    local v, err = st:get("features", keys[i % nkeys + 1])
    if not v then error("get: " .. tostring(err)) end
end end
local function d_get(st) return function(i) direct_get(st, keys[i % nkeys + 1]) end end
local function m_all(st) return function()
    local v, err = st:all("features")
    if not v then error("all: " .. tostring(err)) end
end end
local function d_all(st) return function() direct_all(st) end end

-- Warm the caches.
for i = 0, nkeys - 1 do m_get(m_hit)(i); d_get(d_hit)(i) end

-- rounds, blocks per round (the cases alternate block by block), samples per round
local rounds, blocks, get_n, hit_n, hit_batch, all_n
if quick then rounds, blocks, get_n, hit_n, hit_batch, all_n = 2, 1, 200, 100, 100, 3
else rounds, blocks, get_n, hit_n, hit_batch, all_n = 9, 4, 3000, 2000, 200, 40 end

local cases = {
    { "lua_get_off", "Lua module store:get, cache off", m_get(m_off), get_n, 1 },
    { "ffi_get_off", "direct FFI ldredis_store_get, cache off", d_get(d_off), get_n, 1 },
    { "lua_get_hit", "Lua module store:get, cache hit", m_get(m_hit), hit_n, hit_batch },
    { "ffi_get_hit", "direct FFI ldredis_store_get, cache hit", d_get(d_hit), hit_n, hit_batch },
    { "lua_all_off", "Lua module store:all, 1,000 flags, cache off", m_all(m_off), all_n, 1 },
    { "ffi_all_off", "direct FFI ldredis_store_all_json, cache off", d_all(d_off), all_n, 1 },
}
local results = {}
for _, c in ipairs(cases) do results[c[1]] = { samples = {}, round_medians = {} } end

local function median(t)
    local s = {}
    for i = 1, #t do s[i] = t[i] end
    table.sort(s)
    local pos = 0.5 * (#s - 1)
    local i = math.floor(pos)
    local f = pos - i
    if i + 1 < #s then return s[i + 1] * (1 - f) + s[i + 2] * f end
    return s[i + 1]
end

local function quantile(sorted, q)
    local pos = q * (#sorted - 1)
    local i = math.floor(pos)
    local f = pos - i
    if i + 1 < #sorted then return sorted[i + 1] * (1 - f) + sorted[i + 2] * f end
    return sorted[i + 1]
end

for _, c in ipairs(cases) do for i = 0, 2 do c[3](i) end end -- warm-up (JIT, connections)

for r = 1, rounds do
    io.stderr:write(string.format("bench.lua: Lua round %d/%d\n", r, rounds))
    local this, index = {}, {}
    for k = 1, #cases do this[k], index[k] = {}, (r - 1) * 7919 end
    for _ = 1, blocks do
        for k, c in ipairs(cases) do
            local op, batch = c[3], c[5]
            local per = math.max(1, math.floor(c[4] / blocks))
            local i, out = index[k], this[k]
            for _ = 1, per do
                local t0 = now_ns()
                for _ = 1, batch do op(i); i = i + 1 end
                out[#out + 1] = (now_ns() - t0) / batch
            end
            index[k] = i
        end
    end
    for k, c in ipairs(cases) do
        local res = results[c[1]]
        for _, v in ipairs(this[k]) do res.samples[#res.samples + 1] = v end
        res.round_medians[#res.round_medians + 1] = median(this[k])
    end
end

local parts = {}
for idx, c in ipairs(cases) do
    local res = results[c[1]]
    local s = res.samples
    table.sort(s)
    local sum = 0
    for _, v in ipairs(s) do sum = sum + v end
    local rm = {}
    for k, v in ipairs(res.round_medians) do rm[k] = string.format("%.1f", v) end
    parts[idx] = string.format(
        '    "%s": {"desc": "%s", "unit": "ns/op", "batch": %d, "samples": %d, "median": %.1f, ' ..
        '"p99": %.1f, "mean": %.1f, "min": %.1f, "round_medians": [%s]}',
        c[1], c[2], c[5], #s, quantile(s, 0.5), quantile(s, 0.99), sum / #s, s[1], table.concat(rm, ", "))
end
m_off:close()
m_hit:close()
io.write(string.format('{\n  "env": {"luajit": "%s", "module_version": "%s", "quick": %s, "rounds": %d},\n',
    jit.version, ldredis._VERSION, tostring(quick), rounds))
io.write('  "notes": [],\n  "series": {\n', table.concat(parts, ",\n"), "\n  }\n}\n")
