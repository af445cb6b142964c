/// Encodes commands in RESP, appending to one buffer so a batch goes out in one write.
struct CommandEncoder {
    private(set) var buffer: [UInt8] = []
    private(set) var commandCount = 0
    /// True once a command that writes data was encoded (`EXEC`, `EVALSHA`, `EVAL`, `SET`,
    /// `DEL`, `HSET`, `HDEL`): Sentinel mode waits for a replica's acknowledgement of writes.
    private(set) var hasWrite = false
    /// The next argument is a command's name.
    private var nameExpected = false

    init(reserving capacity: Int = 256) {
        buffer.reserveCapacity(capacity)
    }

    /// Appends a whole command whose arguments are all strings.
    mutating func command(_ args: String...) {
        begin(argumentCount: args.count)
        for a in args { argument(a) }
    }

    /// Starts a command of `argumentCount` arguments; append exactly that many next.
    mutating func begin(argumentCount: Int) {
        commandCount += 1
        nameExpected = true
        buffer.append(UInt8(ascii: "*"))
        appendDecimal(argumentCount)
        buffer.append(0x0D); buffer.append(0x0A)
    }

    mutating func argument(_ text: String) {
        var text = text
        text.withUTF8 { argument(UnsafeRawBufferPointer($0)) }
    }

    mutating func argument(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { argument($0) }
    }

    mutating func argument(_ bytes: UnsafeRawBufferPointer) {
        if nameExpected {
            nameExpected = false
            if !hasWrite && CommandEncoder.isWrite(bytes) { hasWrite = true }
        }
        buffer.append(UInt8(ascii: "$"))
        appendDecimal(bytes.count)
        buffer.append(0x0D); buffer.append(0x0A)
        buffer.append(contentsOf: bytes)
        buffer.append(0x0D); buffer.append(0x0A)
    }

    private static let writeCommands: [[UInt8]] = ["EXEC", "EVALSHA", "EVAL", "SET", "DEL", "HSET", "HDEL"].map { Array($0.utf8) }

    private static func isWrite(_ name: UnsafeRawBufferPointer) -> Bool {
        guard (3...7).contains(name.count) else { return false }
        return writeCommands.contains { $0.count == name.count && $0.elementsEqual(name) }
    }

    private mutating func appendDecimal(_ value: Int) {
        if value < 10 {
            buffer.append(UInt8(ascii: "0") + UInt8(truncatingIfNeeded: value))
            return
        }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                      UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var n = value
        var count = 0
        withUnsafeMutableBytes(of: &digits) { d in
            while n > 0 && count < 20 {
                d[count] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: n % 10)
                n /= 10
                count += 1
            }
            for k in stride(from: count - 1, through: 0, by: -1) { buffer.append(d[k]) }
        }
    }
}
