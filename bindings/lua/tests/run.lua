-- run.lua - runs every tests/test_*.lua in one luajit process and prints the totals:
--   luajit tests/run.lua [FILE...]       (run-tests.sh sets LUA_PATH, LDREDIS_LIBRARY, the port)
local dir = arg[0]:match("^(.*)/[^/]*$") or "."
package.path = dir .. "/?.lua;" .. package.path
local H = require("harness")

local files = {}
if #arg > 0 then
    for i = 1, #arg do files[#files + 1] = arg[i] end
else
    local p = assert(io.popen("ls " .. dir .. "/test_*.lua"))
    for line in p:lines() do files[#files + 1] = line end
    p:close()
end

math.randomseed(os.time())
for _, file in ipairs(files) do
    print("# " .. file)
    local chunk, err = loadfile(file)
    if not chunk then
        H.failed = H.failed + 1
        print("FAILED  loading " .. file .. ": " .. tostring(err))
    else
        local ok, lerr = pcall(chunk, H)
        if not ok then
            H.failed = H.failed + 1
            print("FAILED  running " .. file .. ": " .. tostring(lerr))
        end
        H.run()
    end
    collectgarbage()
end
local line = string.format("%d passed, %d failed", H.passed, H.failed)
if H.skipped > 0 then line = line .. string.format(", %d skipped", H.skipped) end
print(line)
os.exit(H.failed == 0 and 0 or 1)
