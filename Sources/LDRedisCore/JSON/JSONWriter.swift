import Glibc

/// Writes JSON text.
public enum JSONWriter {
    /// Appends `text` as a JSON string literal (quotes included).
    public static func appendString<S: Sequence>(_ utf8: S, to out: inout [UInt8]) where S.Element == UInt8 {
        out.append(UInt8(ascii: "\""))
        for b in utf8 {
            switch b {
            case UInt8(ascii: "\""): out.append(UInt8(ascii: "\\")); out.append(b)
            case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\")); out.append(b)
            case 0x0A: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "n"))
            case 0x0D: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "r"))
            case 0x09: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "t"))
            case 0..<0x20:
                out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"),
                                        UInt8(ascii: "0"), hexDigit(b >> 4), hexDigit(b & 15)])
            default: out.append(b)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    public static func appendString(_ text: String, to out: inout [UInt8]) {
        appendString(text.utf8, to: &out)
    }

    /// Writes an item key as a JSON string literal at `base + at`, which has room for 6 bytes
    /// per byte of key plus 2; returns the offset after it. The key is Redis's field, bytes
    /// that need not be UTF-8: they are written as `String(decoding:as: UTF8.self)` reads them
    /// (each ill-formed sequence a U+FFFD), as every item key handed out is such a String.
    static func writeKey(_ key: UnsafeRawBufferPointer, to base: UnsafeMutablePointer<UInt8>, at start: Int) -> Int {
        if !JSONScanner.containsSpecialByte(key) {
            // Printable ASCII without a quote or a backslash (the usual key): as it is.
            base[start] = UInt8(ascii: "\"")
            if let source = key.baseAddress { memcpy(base + start + 1, source, key.count) }
            base[start + 1 + key.count] = UInt8(ascii: "\"")
            return start + key.count + 2
        }
        if key.allSatisfy({ $0 < 0x80 }) { return writeEscaped(key, to: base, at: start) }
        var text = String(decoding: key, as: UTF8.self)
        return text.withUTF8 { writeEscaped(UnsafeRawBufferPointer($0), to: base, at: start) }
    }

    /// Writes UTF-8 `text` as a JSON string literal at `base + at` (room: 6 bytes per byte
    /// plus 2); returns the offset after it.
    private static func writeEscaped(_ text: UnsafeRawBufferPointer, to base: UnsafeMutablePointer<UInt8>, at start: Int) -> Int {
        var n = start
        base[n] = UInt8(ascii: "\""); n += 1
        for b in text {
            switch b {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                base[n] = UInt8(ascii: "\\"); base[n + 1] = b; n += 2
            case 0x0A: base[n] = UInt8(ascii: "\\"); base[n + 1] = UInt8(ascii: "n"); n += 2
            case 0x0D: base[n] = UInt8(ascii: "\\"); base[n + 1] = UInt8(ascii: "r"); n += 2
            case 0x09: base[n] = UInt8(ascii: "\\"); base[n + 1] = UInt8(ascii: "t"); n += 2
            case 0..<0x20:
                base[n] = UInt8(ascii: "\\"); base[n + 1] = UInt8(ascii: "u")
                base[n + 2] = UInt8(ascii: "0"); base[n + 3] = UInt8(ascii: "0")
                base[n + 4] = hexDigit(b >> 4); base[n + 5] = hexDigit(b & 15)
                n += 6
            default:
                base[n] = b; n += 1
            }
        }
        base[n] = UInt8(ascii: "\""); n += 1
        return n
    }

    @inline(__always)
    private static func hexDigit(_ v: UInt8) -> UInt8 {
        v < 10 ? UInt8(ascii: "0") + v : UInt8(ascii: "a") + v - 10
    }
}
