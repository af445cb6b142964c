-- The ffi.cdef in ldredis.lua must be the header's "ffi.cdef" section, unchanged.
local H = ...
local ldredis = require("ldredis")

-- A file of the repository, by its path from the root (run.lua is bindings/lua/tests/run.lua).
local function repository_file(path)
    local dir = arg[0]:match("^(.*)/[^/]*$") or "."
    return dir .. "/../../../" .. path
end

local function header_path()
    local env = os.getenv("LDREDIS_HEADER")
    if env and env ~= "" then return env end
    return repository_file("include/ldredis.h")
end

H.test("the cdef is the header's section between the markers, unchanged", function()
    local f = assert(io.open(header_path(), "rb"), "cannot open " .. header_path())
    local header = f:read("*a")
    f:close()
    local section = header:match("/%* %-%-%-%- ffi%.cdef begin %-%-%-%- %*/\n(.-)/%* %-%-%-%- ffi%.cdef end %-%-%-%- %*/")
    assert(section, "markers not found in " .. header_path())
    if section ~= ldredis._cdef then
        -- Point at the first differing line.
        local a, b = {}, {}
        for l in (section .. "\n"):gmatch("(.-)\n") do a[#a + 1] = l end
        for l in (ldredis._cdef .. "\n"):gmatch("(.-)\n") do b[#b + 1] = l end
        for i = 1, math.max(#a, #b) do
            if a[i] ~= b[i] then
                error(string.format("line %d differs:\n  header: %s\n  ldredis.lua: %s\n"
                    .. "(regenerate the CDEF block of ldredis.lua from the header)",
                    i, tostring(a[i]), tostring(b[i])))
            end
        end
    end
end)

H.test("every function the cdef declares resolves in the library", function()
    local ffi = require("ffi")
    local lib = ffi.load(os.getenv("LDREDIS_LIBRARY") or "ldredis")
    local n = 0
    for name in ldredis._cdef:gmatch("(ldredis_[%w_]+)%s*%(") do
        assert(pcall(function() return lib[name] end), "missing symbol " .. name)
        n = n + 1
    end
    H.ok(n >= 30, "found only " .. n .. " functions")
end)

H.test("the module and the library report the repository's VERSION", function()
    local f = assert(io.open(repository_file("VERSION"), "rb"))
    local version = f:read("*a"):match("^%s*(.-)%s*$")
    f:close()
    H.eq(ldredis._VERSION, version, "ldredis._VERSION")
    H.eq(ldredis.library_version, version, "ldredis.library_version")
    H.ok(ldredis.library_version:match("^1%.%d+%.%d+"), ldredis.library_version)
    H.eq(ldredis.status_name(-3), "LDREDIS_ERR_TIMEOUT")
    H.eq(ldredis.status_name(99), "unknown status")
end)
