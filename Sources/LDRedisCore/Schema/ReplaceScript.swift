/// The server-side script that applies init semantics to one kind during a write-back, keeping
/// higher versions (SPEC section 5): writes each given item unless the stored one's version is
/// equal or higher (compared as the upsert script compares), then removes the fields that are
/// not among the given keys. One script, so readers never see the kind half replaced.
enum ReplaceScript {
    static let source = """
        -- ldredis replace: KEYS[1] is a hash; ARGV holds (field, version, json) triples. Writes
        -- each item whose version is strictly higher than the stored one's (a stored value that
        -- is not a JSON object with a numeric version counts as missing), removes every field
        -- not named, and returns the (field, stored) pairs it did not write.
        local keep, kept = {}, {}
        for i = 1, #ARGV, 3 do
          local field = ARGV[i]
          keep[field] = true
          local stored = redis.call('HGET', KEYS[1], field)
          local newer = true
          if stored then
            local ok, item = pcall(cjson.decode, stored)
            if ok and type(item) == 'table' and type(item.version) == 'number'
                and item.version >= tonumber(ARGV[i + 1]) then
              newer = false
              kept[#kept + 1] = field
              kept[#kept + 1] = stored
            end
          end
          if newer then redis.call('HSET', KEYS[1], field, ARGV[i + 2]) end
        end
        local fields = redis.call('HKEYS', KEYS[1])
        for _, field in ipairs(fields) do
          if not keep[field] then redis.call('HDEL', KEYS[1], field) end
        end
        return kept
        """

    /// Appends `EVAL source 1 hashKey (field version json)...`. EVAL, not EVALSHA: it runs
    /// once per kind per recovery, and a server that restarted has no scripts loaded.
    static func appendEval(_ encoder: inout CommandEncoder, hashKey: String,
                           items: [(key: String, item: StoredItem)]) {
        encoder.begin(argumentCount: 4 + 3 * items.count)
        encoder.argument("EVAL")
        encoder.argument(source)
        encoder.argument("1")
        encoder.argument(hashKey)
        for (key, item) in items {
            encoder.argument(key)
            encoder.argument(String(item.version))
            encoder.argument(item.json)
        }
    }
}
