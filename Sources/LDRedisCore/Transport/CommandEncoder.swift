/// Encodes commands in RESP, appending to one buffer so a batch goes out in one write.
struct CommandEncoder {
    private(set) var buffer: [UInt8] = []
    private(set) var commandCount = 0

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
        buffer.append(UInt8(ascii: "$"))
        appendDecimal(bytes.count)
        buffer.append(0x0D); buffer.append(0x0A)
        buffer.append(contentsOf: bytes)
        buffer.append(0x0D); buffer.append(0x0A)
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
