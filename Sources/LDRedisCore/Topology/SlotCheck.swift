/// The check, at the routing point, that an operation's commands touch only keys of the slot
/// they are routed by: with the `{ld}.` hash tag every key of a store is in one slot, so a
/// command that would cross slots (`CROSSSLOT`) or land on another node is a bug of ldredis.
/// It reads the encoded commands (RESP arrays of bulk strings) and knows where the keys of
/// each command the store sends are.
enum SlotCheck {
    /// What is wrong with `commands` routed by `slot`: a key of another slot, or a command the
    /// check does not know; nil when every key is in `slot`.
    static func problem(_ commands: CommandEncoder, slot: Int) -> String? {
        var reader = Reader(bytes: commands.buffer)
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

    private static let keyless: Set<String> = ["MULTI", "EXEC", "DISCARD", "UNWATCH", "ASKING", "PING", "SCRIPT",
                                               "INFO", "CLUSTER", "ROLE", "READONLY", "READWRITE", "ECHO"]
    private static let firstKey: Set<String> = ["GET", "SET", "HGET", "HGETALL", "HSET", "HDEL", "HEXISTS", "HLEN",
                                                "HKEYS", "SMEMBERS", "SISMEMBER", "SADD", "TYPE"]
    private static let allKeys: Set<String> = ["DEL", "UNLINK", "EXISTS", "WATCH", "MGET"]

    /// The indexes of the keys among a command's arguments; nil for a command not known here.
    private static func keyPositions(_ name: String, _ arguments: [ArraySlice<UInt8>]) -> Range<Int>? {
        if keyless.contains(name) { return 0..<0 }
        if firstKey.contains(name) { return 1..<min(2, arguments.count) }
        if allKeys.contains(name) { return 1..<arguments.count }
        if name == "EVAL" || name == "EVALSHA", arguments.count >= 3,
           let n = Int(String(decoding: arguments[2], as: UTF8.self)), n >= 0, n <= arguments.count - 3 {
            return 3..<(3 + n)
        }
        return nil
    }

    /// Reads RESP arrays of bulk strings.
    private struct Reader {
        let bytes: [UInt8]
        var offset = 0

        var atEnd: Bool { offset >= bytes.count }

        mutating func command() -> [ArraySlice<UInt8>]? {
            guard let count = header(UInt8(ascii: "*")) else { return nil }
            var arguments: [ArraySlice<UInt8>] = []
            for _ in 0..<count {
                guard let length = header(UInt8(ascii: "$")), length <= bytes.count - offset - 2 else { return nil }
                arguments.append(bytes[offset..<(offset + length)])
                offset += length + 2
            }
            return arguments
        }

        /// `<marker><decimal>\r\n`: the number.
        private mutating func header(_ marker: UInt8) -> Int? {
            guard offset < bytes.count, bytes[offset] == marker else { return nil }
            offset += 1
            var n = 0
            var digits = 0
            while offset < bytes.count, bytes[offset] >= UInt8(ascii: "0"), bytes[offset] <= UInt8(ascii: "9"), digits < 12 {
                n = n * 10 + Int(bytes[offset] - UInt8(ascii: "0"))
                offset += 1
                digits += 1
            }
            guard digits > 0, offset + 1 < bytes.count, bytes[offset] == 0x0D, bytes[offset + 1] == 0x0A else { return nil }
            offset += 2
            return n
        }
    }
}
