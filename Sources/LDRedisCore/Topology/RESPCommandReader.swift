/// Reads encoded commands back (RESP arrays of bulk strings, as `CommandEncoder` writes them),
/// for the checks and rewrites of a cluster session.
struct RESPCommandReader {
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
