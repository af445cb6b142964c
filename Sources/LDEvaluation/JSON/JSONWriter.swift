/// Writes JSON text (compact; non-ASCII as UTF-8; floats as Python's `repr`, with Python's
/// `Infinity`/`NaN` spellings).
public struct JSONOutput {
    public var bytes: [UInt8] = []

    public init(capacity: Int = 128) { bytes.reserveCapacity(capacity) }

    public mutating func raw(_ s: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    public mutating func rawString(_ s: String) { bytes.append(contentsOf: s.utf8) }

    public mutating func string(_ s: String) {
        bytes.append(0x22)
        for b in s.utf8 {
            switch b {
            case 0x22: raw("\\\"")
            case 0x5C: raw("\\\\")
            case 0x0A: raw("\\n")
            case 0x0D: raw("\\r")
            case 0x09: raw("\\t")
            case 0x08: raw("\\b")
            case 0x0C: raw("\\f")
            case 0..<0x20:
                raw("\\u00")
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                bytes.append(hex[Int(b >> 4)])
                bytes.append(hex[Int(b & 15)])
            default: bytes.append(b)
            }
        }
        bytes.append(0x22)
    }

    public mutating func int(_ i: Int64) { rawString(String(i)) }

    public mutating func double(_ d: Double) {
        if d.isNaN { raw("NaN") } else if d == .infinity { raw("Infinity") } else if d == -.infinity { raw("-Infinity") }
        else { rawString(d.description) }
    }

    public mutating func value(_ v: JSONValue) {
        switch v {
        case .null: raw("null")
        case .bool(let b): if b { raw("true") } else { raw("false") }
        case .int(let i): int(i)
        case .bigInt(let t): rawString(t)
        case .double(let d): double(d)
        case .string(let s): string(s)
        case .array(let items):
            bytes.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { bytes.append(UInt8(ascii: ",")) }
                value(item)
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let o):
            bytes.append(UInt8(ascii: "{"))
            for i in 0..<o.count {
                if i > 0 { bytes.append(UInt8(ascii: ",")) }
                string(o.keys[i])
                bytes.append(UInt8(ascii: ":"))
                value(o.values[i])
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }
}
