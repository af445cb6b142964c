/// Raw access for the `ldredis` command (status, verify, watch): arbitrary read commands, the
/// keys under the prefix, memory usage, a kind's hash as stored (values that are not items
/// included), and an init that reports its progress. Not used by the library's store paths.
extension RedisFeatureStore {
    /// What every key starts with, before its ":" (the prefix; in cluster mode behind the
    /// `{ld}.` hash tag).
    public var keyPrefix: String { configuration.keyPrefix }

    /// Sends `commands` (each a list of arguments) in one round trip and returns one reply per
    /// command; error replies come back as `.error` (already redacted of the configured
    /// secrets), failures of the connection throw.
    public func rawCommands(_ commands: [[String]]) throws(StoreError) -> [RedisReply] {
        guard !commands.isEmpty else { return [] }
        var encoder = CommandEncoder()
        for arguments in commands {
            encoder.begin(argumentCount: arguments.count)
            for argument in arguments { encoder.argument(argument) }
        }
        return try pipeline(encoder)
    }

    /// One command; an error reply throws (`.redis`, or `.unavailable` for `LOADING`).
    public func rawCommand(_ arguments: String...) throws(StoreError) -> RedisReply {
        let reply = try rawCommands([arguments])[0]
        if let message = reply.errorMessage {
            throw ReplyError.storeError(message, replyingTo: arguments.first ?? "a command")
        }
        return reply
    }

    /// Every key that starts with `PREFIX:` (`SCAN` with a glob that escapes the prefix's
    /// glob characters), sorted by their UTF-8 bytes. `COUNT` bounds each step, not the total.
    public func keysUnderPrefix() throws(StoreError) -> [String] {
        let pattern = RedisFeatureStore.globEscaped(keyPrefix + ":") + "*"
        var cursor = "0"
        var keys: Set<String> = []
        repeat {
            guard case .array(let parts) = try rawCommand("SCAN", cursor, "MATCH", pattern, "COUNT", "1000"),
                  parts.count == 2, case .bulk(let next) = parts[0], case .array(let found) = parts[1] else {
                throw StoreError.redis("unexpected reply to SCAN")
            }
            cursor = String(decoding: next, as: UTF8.self)
            for case .bulk(let key) in found { keys.insert(String(decoding: key, as: UTF8.self)) }
        } while cursor != "0"
        return keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    }

    /// `text` with the glob characters `* ? [ ] \` escaped, for `SCAN MATCH` / `PSUBSCRIBE`.
    public static func globEscaped(_ text: String) -> String {
        var out = ""
        for c in text {
            if c == "*" || c == "?" || c == "[" || c == "]" || c == "\\" { out.append("\\") }
            out.append(c)
        }
        return out
    }

    /// `MEMORY USAGE` of each key, in one round trip (nil for a key that does not exist);
    /// throws when the server refuses the command (an old server, or an ACL).
    public func memoryUsage(_ keys: [String]) throws(StoreError) -> [Int64?] {
        let replies = try rawCommands(keys.map { ["MEMORY", "USAGE", $0] })
        return try replies.map { (reply) throws(StoreError) -> Int64? in
            switch reply {
            case .integer(let n): return n
            case .null: return nil
            case .error(let message): throw ReplyError.storeError(message, replyingTo: "MEMORY USAGE")
            default: throw StoreError.redis("unexpected reply to MEMORY USAGE")
            }
        }
    }

    /// The hash of a kind as stored, field by field, values that are not items included (an
    /// absent key is empty); throws `.redis` (WRONGTYPE) when the key is not a hash.
    public func rawHash(kind: String) throws(StoreError) -> [(field: [UInt8], value: [UInt8])] {
        try DataKind.validate(kind)
        guard case .array(let flat) = try rawCommand("HGETALL", key(for: kind)) else {
            throw StoreError.redis("unexpected reply to HGETALL")
        }
        var fields: [(field: [UInt8], value: [UInt8])] = []
        var k = 0
        while k + 1 < flat.count {
            if case .bulk(let field) = flat[k], case .bulk(let value) = flat[k + 1] {
                fields.append((field, value))
            }
            k += 2
        }
        return fields
    }

    /// The version and tombstone state of a stored value as the store reads it, or nil when
    /// it is not an item (not a JSON object with a numeric version).
    public static func storedHeader(_ json: [UInt8]) -> ItemHeader? {
        ItemParser.parseStored(json)
    }

    /// The library's atomic init of an all-data document (see `initialize(parsing:)`), calling
    /// `progress(itemsSent)` as items are queued to Redis (every `every` items, and once at the
    /// end). An invalid document throws `.invalidArgument` and changes nothing.
    public func initialize(parsing json: UnsafeBufferPointer<UInt8>, every: Int,
                           progress: @escaping (Int) -> Void) throws(StoreError) -> FullDataSet {
        let data = try client.withSession { (session, deadline) throws(StoreError) -> (FullDataSet, StoreError?) in
            var observer = ProgressObserver(inner: StreamingInit(store: self, session: session, deadline: deadline),
                                            every: max(1, every), progress: progress)
            let data: FullDataSet
            do throws(StoreError) {
                data = try FullDataSet.parse(json, observer: &observer)
            } catch {
                observer.inner.abort()
                throw error
            }
            let failure = observer.inner.finish()
            progress(observer.count)
            return (data, failure)
        }
        if let failure = data.1 { throw failure }
        return data.0
    }
}

/// Forwards to the streaming init and counts the items.
private struct ProgressObserver: DataSetObserver {
    var inner: StreamingInit
    let every: Int
    let progress: (Int) -> Void
    var count = 0

    mutating func beginKind(_ name: String) { inner.beginKind(name) }
    mutating func endKind() { inner.endKind() }
    mutating func item(_ key: String, _ item: StoredItem) {
        inner.item(key, item)
        count += 1
        if count % every == 0 { progress(count) }
    }
}

extension RedisReply {
    /// The text of an error reply (redacted), else nil.
    public var errorText: String? { errorMessage }
}
