/// The server-side compare-and-set that makes an upsert one round trip (SPEC section 3).
enum UpsertScript {
    /// The Lua source. It reads the field, compares versions exactly as the WATCH path does
    /// (as numbers; a stored value that is not a JSON object with a numeric top-level version
    /// counts as missing), writes only when newer, and returns the stored winner when it does
    /// not.
    ///
    /// It decides exactly as `cjson.decode` of the whole stored value would (the original
    /// script decoded it), but without building the table in the common case of a write: a
    /// fast path that only ever concludes "the stored value does not win", and only when that
    /// holds whatever `cjson.decode` makes of the value, valid or not. With no backslash and no
    /// NUL in the value, every match of `"version"` in a value cjson accepts is a whole string
    /// token (after a closing quote cjson accepts no letter), and it is a member name exactly
    /// when `:` follows. With at most one such member, whose value is not a number `>=` the new
    /// version (an integer followed by a delimiter, read by strtod as cjson reads it; or a
    /// string, object, array, true, false, null or nan), no top-level numeric version `>=` the
    /// new one can exist, nested or not, valid JSON or not. Everything else (escapes, NULs,
    /// repeated "version" members, other number forms, and every case where the stored value
    /// may win) is decided by `cjson.decode`, as before. Checked against the original script by
    /// a differential test (UpsertScriptTests).
    static let source = #"""
        -- ldredis upsert: write ARGV[3] as field ARGV[1] of hash KEYS[1] if version ARGV[2] is
        -- strictly higher than the stored item's. Returns {1} when written, {0, stored} when not.
        -- A stored value that is not a JSON object with a numeric top-level version counts as
        -- missing, exactly as cjson.decode reads it. Fast path, no table built: it only decides
        -- "the stored value does not win", and only when that holds for any value cjson accepts
        -- (no backslash or NUL: each "version" match is a whole string token, a name if ':'
        -- follows; at most one such name, its value not a number >= ARGV[2]). Else cjson.decode.
        local stored = redis.call('HGET', KEYS[1], ARGV[1])
        if stored then
          local new = tonumber(ARGV[2])
          local decode = true
          if new and not string.find(stored, '\\', 1, true) and not string.find(stored, '\0', 1, true) then
            decode = false
            local value, from = nil, 1
            while true do
              local s, e = string.find(stored, '"version"', from, true)
              if not s then break end
              local at = string.match(stored, '^[ \t\n\r]*:[ \t\n\r]*()', e + 1)
              if at then
                if value then decode = true break end
                value = at
              end
              from = e + 1
            end
            if value and not decode then
              local c = string.byte(stored, value)
              if not (c == 34 or c == 123 or c == 91 or c == 116 or c == 102 or c == 110) then
                local digits = string.match(stored, '^(%-?%d+)[ \t\n\r,}%]]', value)
                decode = not digits or tonumber(digits) >= new
              end
            end
          end
          if decode then
            local ok, item = pcall(cjson.decode, stored)
            if ok and type(item) == 'table' and type(item.version) == 'number'
                and item.version >= tonumber(ARGV[2]) then
              return {0, stored}
            end
          end
        end
        redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
        return {1}
        """#

    /// SHA-1 of `source` (checked against `SCRIPT LOAD` by the tests).
    static let sha1 = "dd27d8e0599767e150d651a9aa32f33243ebf66f"

    /// Appends `EVALSHA sha 1 hashKey field version json`.
    static func appendEvalSHA(_ encoder: inout CommandEncoder, sha: String, hashKey: String,
                              field: String, version: String, json: [UInt8]) {
        encoder.begin(argumentCount: 7)
        encoder.argument("EVALSHA")
        encoder.argument(sha)
        encoder.argument("1")
        encoder.argument(hashKey)
        encoder.argument(field)
        encoder.argument(version)
        encoder.argument(json)
    }

    /// Reads the script's reply.
    static func result(_ reply: RedisReply, hashKey: String, field: String) throws(StoreError) -> UpsertResult {
        switch reply {
        case .array(let parts):
            if case .integer(1)? = parts.first { return .applied }
            if case .integer(0)? = parts.first {
                if parts.count > 1, case .bulk(let json) = parts[1], let header = ItemParser.parseStored(json) {
                    return .rejected(stored: StoredItem(header: header, json: json))
                }
                return .rejected(stored: nil)
            }
        case .error(let message):
            throw StoreError.redis("Redis error reply to EVALSHA: \(message)")
        default:
            break
        }
        throw StoreError.redis("unexpected reply from the upsert script for \"\(field)\" in \(hashKey)")
    }

    /// Whether an error reply means the server does not allow the script's commands at all, so
    /// the automatic mode should use WATCH from now on: an ACL refusal of the command
    /// (`NOPERM ... to run the 'evalsha' command`, also `'script|load'`) or an unknown command
    /// (`ERR unknown command 'EVALSHA'`, renamed away; Redis 6 quotes with backticks). Nothing
    /// else: an error raised while the script runs (OOM, WRONGTYPE, a key NOPERM, READONLY)
    /// is about this write, not about scripting, and is reported as it is.
    /// `message` is the server's error, or the error `result` throws for it.
    static func isRefusal(_ message: String) -> Bool {
        var text = Substring(message.lowercased())
        if let wrapped = text.firstRange(of: "error reply to evalsha: ") { text = text[wrapped.upperBound...] }
        let commands = ["evalsha", "script"]
        if text.hasPrefix("noperm") {
            return commands.contains { text.contains("run the '\($0)") }
        }
        guard text.hasPrefix("err unknown command ") else { return false }
        let name = text.dropFirst("err unknown command ".count)
        return commands.contains { name.hasPrefix("'\($0)'") || name.hasPrefix("`\($0)`") }
    }
}
