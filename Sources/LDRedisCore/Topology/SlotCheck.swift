/// The check, at the routing point, that an operation's commands touch only keys of the slot
/// they are routed by: with the `{ld}.` hash tag every key of a store is in one slot, so a
/// command that would cross slots (`CROSSSLOT`) or land on another node is a bug of ldredis.
/// It reads the encoded commands (RESP arrays of bulk strings) and knows where the keys of
/// each command the store sends are.
enum SlotCheck {
    /// What is wrong with `commands` routed by `slot`: a key of another slot, or a command the
    /// check does not know; nil when every key is in `slot`.
    static func problem(_ commands: CommandEncoder, slot: Int) -> String? {
        var reader = RESPCommandReader(bytes: commands.buffer)
        while !reader.atEnd {
            guard let arguments = reader.command() else { return "the commands are not well-formed RESP" }
            guard let name = arguments.first.map({ String(decoding: $0, as: UTF8.self).uppercased() }) else {
                return "an empty command"
            }
            guard let keys = keyPositions(name, arguments) else { return "the command \(name) (its keys are unknown to the slot check)" }
            for k in keys where k < arguments.count && KeySlot.slot(of: arguments[k]) != slot {
                return "the key \(String(decoding: arguments[k], as: UTF8.self)) of \(name) is in slot \(KeySlot.slot(of: arguments[k])), not \(slot)"
            }
        }
        return nil
    }

    /// Commands without keys, served by the node the operation is routed to (the owner of the
    /// store's slot: `SCAN` there sees every key of the store, all in that slot).
    private static let keyless: Set<String> = ["MULTI", "EXEC", "DISCARD", "UNWATCH", "ASKING", "PING", "SCRIPT",
                                               "INFO", "CLUSTER", "ROLE", "READONLY", "READWRITE", "ECHO",
                                               "WAIT", "SCAN", "CONFIG", "DBSIZE", "TIME"]
    private static let firstKey: Set<String> = ["GET", "SET", "HGET", "HGETALL", "HSET", "HDEL", "HEXISTS", "HLEN",
                                                "HKEYS", "SMEMBERS", "SISMEMBER", "SADD", "TYPE"]
    private static let allKeys: Set<String> = ["DEL", "UNLINK", "EXISTS", "WATCH", "MGET"]

    /// The indexes of the keys among a command's arguments; nil for a command not known here.
    private static func keyPositions(_ name: String, _ arguments: [ArraySlice<UInt8>]) -> Range<Int>? {
        if keyless.contains(name) { return 0..<0 }
        if firstKey.contains(name) { return 1..<min(2, arguments.count) }
        if allKeys.contains(name) { return 1..<arguments.count }
        // MEMORY USAGE key [SAMPLES n]
        if name == "MEMORY", arguments.count >= 3,
           String(decoding: arguments[1], as: UTF8.self).uppercased() == "USAGE" { return 2..<3 }
        if name == "EVAL" || name == "EVALSHA", arguments.count >= 3,
           let n = Int(String(decoding: arguments[2], as: UTF8.self)), n >= 0, n <= arguments.count - 3 {
            return 3..<(3 + n)
        }
        return nil
    }
}
