/// The server-side compare-and-set that makes an upsert one round trip (SPEC section 3).
enum UpsertScript {
    /// The Lua source. It reads the field, compares versions exactly as the WATCH path does
    /// (as numbers; a stored value that is not a JSON object with a numeric version counts as
    /// missing), writes only when newer, and returns the stored winner when it does not.
    static let source = """
        -- ldredis upsert: write ARGV[3] as field ARGV[1] of hash KEYS[1] if version ARGV[2] is
        -- strictly higher than the stored item's. Returns {1} when written, {0, stored} when not.
        -- A stored value that is not a JSON object with a numeric version counts as missing.
        local stored = redis.call('HGET', KEYS[1], ARGV[1])
        if stored then
          local ok, item = pcall(cjson.decode, stored)
          if ok and type(item) == 'table' and type(item.version) == 'number'
              and item.version >= tonumber(ARGV[2]) then
            return {0, stored}
          end
        end
        redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
        return {1}
        """

    /// SHA-1 of `source` (checked against `SCRIPT LOAD` by the tests).
    static let sha1 = "dfc527d7de95893c9fbc5e7b58282b8a57c4764f"

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
