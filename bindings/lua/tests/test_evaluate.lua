-- test_evaluate.lua - store:evaluate / store:evaluate_json / store:all_flags_state.
local H = ...
local ldredis = require("ldredis")

local DATA = [[{"flags":{
 "f":{"key":"f","version":1,"on":true,"salt":"s","variations":["hello","hallo",{"n":[1,null]}],
      "offVariation":0,"fallthrough":{"variation":0},"targets":[{"variation":1,"values":["anna"]}],
      "rules":[{"id":"r0","variation":2,"clauses":[{"attribute":"country","op":"in","values":["fr"]}]}]},
 "off":{"key":"off","version":1,"on":false,"variations":[1,2]}},"segments":{}}]]

H.stores = H.stores or {}

local function open(opts)
    opts = opts or {}
    opts.url = H.url
    opts.prefix = opts.prefix or H.prefix()
    local s = assert(ldredis.open(opts))
    assert(s:init(DATA))
    return s
end

H.test("evaluate: a target match, with the context as a table or JSON text", function()
    local s = open()
    H.stores[#H.stores + 1] = s
    local value, detail = s:evaluate("f", { kind = "user", key = "anna" }, "dflt")
    H.eq(value, "hallo")
    H.eq(detail.variationIndex, 1)
    H.eq(detail.reason.kind, "TARGET_MATCH")
    value = s:evaluate("f", '{"kind":"user","key":"anna"}', "dflt")
    H.eq(value, "hallo")
end)

H.test("evaluate: a rule match returns any JSON value; the reason carries ruleIndex and ruleId", function()
    local s = open()
    H.stores[#H.stores + 1] = s
    local value, detail = s:evaluate("f", { kind = "user", key = "bob", country = "fr" })
    H.eq(type(value), "table")
    H.eq(value.n[1], 1)
    H.eq(detail.reason.kind, "RULE_MATCH")
    H.eq(detail.reason.ruleIndex, 0)
    H.eq(detail.reason.ruleId, "r0")
end)

H.test("evaluate: the default when the flag is missing, off without offVariation, or the context invalid", function()
    local s = open()
    H.stores[#H.stores + 1] = s
    local value, detail = s:evaluate("nope", { kind = "user", key = "a" }, { x = 1 })
    H.eq(value.x, 1)
    H.eq(detail.variationIndex, nil)
    H.eq(detail.reason.errorKind, "FLAG_NOT_FOUND")
    value, detail = s:evaluate("off", { key = "a" }, 7)
    H.eq(value, 7)
    H.eq(detail.reason.kind, "OFF")
    value, detail = s:evaluate("f", { kind = "user" }, false)
    H.eq(value, false)
    H.eq(detail.reason.errorKind, "USER_NOT_SPECIFIED")
end)

H.test("evaluate_json: the detail text exactly", function()
    local s = open()
    H.stores[#H.stores + 1] = s
    H.eq(s:evaluate_json("f", { kind = "user", key = "zed" }, '"d"'),
         '{"value":"hello","variationIndex":0,"reason":{"kind":"FALLTHROUGH"}}')
end)

H.test("evaluate: a context that is not JSON is an invalid-argument error", function()
    local s = open()
    H.stores[#H.stores + 1] = s
    local v, err, status = s:evaluate("f", "{nope", 1)
    H.eq(v, nil)
    H.err_like(err, "invalid argument")
    H.eq(status, ldredis.ERR_INVALID_ARGUMENT)
end)

H.test("all_flags_state: values, $flagsState and $valid", function()
    local s = open()
    H.stores[#H.stores + 1] = s
    local state = s:all_flags_state({ kind = "user", key = "anna" }, { with_reasons = true })
    H.eq(state["$valid"], true)
    H.eq(state.f, "hallo")
    H.eq(state["$flagsState"].f.reason.kind, "TARGET_MATCH")
    H.eq(state["$flagsState"].f.version, 1)
    local invalid = s:all_flags_state({ kind = "user" })
    H.eq(invalid["$valid"], false)
    H.ok(s:all_flags_state({ key = "a" }, { raw = true }):find('"$valid":true', 1, true))
end)

H.test("encode_json: tables, arrays, escapes", function()
    local t = ldredis._decode_value(ldredis.encode_json({ 1, "a\"b", true, 2 ^ 53 }))
    H.eq(t[2], "a\"b")
    H.eq(t[4], 2 ^ 53)
    H.eq(ldredis.encode_json({ k = ldredis.null }), '{"k":null}')
    H.eq(ldredis.encode_json(nil), "null")
end)

H.test("the built-in JSON reader (used without lua-cjson)", function()
    local v = ldredis._decode_value('{"value":{"a":[1,null,"x\\u00e9"],"b":-2.5e1},"variationIndex":0,"reason":{"kind":"OFF"}}')
    H.eq(v.value.a[1], 1)
    H.eq(v.value.a[2], ldredis.null)
    H.eq(v.value.a[3], "x\195\169")
    H.eq(v.value.b, -25)
    H.eq(v.reason.kind, "OFF")
    H.eq(ldredis._decode_value("[]")[1], nil)
end)

H.test("close the stores", function()
    for _, s in ipairs(H.stores) do s:close() end
    H.stores = {}
end)
