/// A strict (RFC 8259) JSON scanner over UTF-8 bytes. It validates without building a tree:
/// the store only needs a few top-level properties of each item and the byte ranges of the
/// items in an all-data document. Nesting is bounded so hostile input cannot exhaust the stack.
struct JSONScanner {
    static let maximumDepth = 512

    struct Failure: Error {
        let message: String
        let offset: Int
    }

    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0
    private var depth = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    var atEnd: Bool { index >= bytes.count }

    func fail(_ message: String) -> Failure { Failure(message: message, offset: index) }

    /// The byte at the cursor, or 0 at the end (0 is never valid JSON outside strings).
    @inline(__always) var current: UInt8 { index < bytes.count ? bytes[index] : 0 }

    @inline(__always) mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    /// Skips whitespace and requires the end of the input.
    mutating func expectEnd() throws(Failure) {
        skipWhitespace()
        if !atEnd { throw fail("unexpected data after the JSON value") }
    }

    /// Consumes `byte` (after whitespace) or fails.
    mutating func expect(_ byte: UInt8, _ what: String) throws(Failure) {
        skipWhitespace()
        guard current == byte else { throw fail("expected \(what)") }
        index += 1
    }

    // MARK: Objects

    /// Starts an object at the cursor. Use `nextMember` to walk its members.
    mutating func beginObject() throws(Failure) {
        skipWhitespace()
        guard current == UInt8(ascii: "{") else { throw fail("expected an object") }
        try enter()
        index += 1
    }

    /// Reads the next member name of the current object, leaving the cursor on its value; nil
    /// after the closing brace. `first` tells whether this is the first call for the object.
    mutating func nextMember(first: Bool) throws(Failure) -> Range<Int>? {
        skipWhitespace()
        if current == UInt8(ascii: "}") {
            index += 1
            depth -= 1
            return nil
        }
        if !first {
            guard current == UInt8(ascii: ",") else { throw fail("expected ',' or '}' in an object") }
            index += 1
            skipWhitespace()
        }
        guard current == UInt8(ascii: "\"") else { throw fail("expected a member name") }
        let name = try scanString()
        try expect(UInt8(ascii: ":"), "':' after a member name")
        skipWhitespace()
        return name
    }

    private mutating func enter() throws(Failure) {
        depth += 1
        if depth > JSONScanner.maximumDepth { throw fail("JSON nested too deeply") }
    }

    // MARK: Values

    /// Validates and skips one value of any type; returns its byte range.
    @discardableResult
    mutating func skipValue() throws(Failure) -> Range<Int> {
        skipWhitespace()
        let start = index
        switch current {
        case UInt8(ascii: "{"):
            try beginObject()
            var first = true
            while try nextMember(first: first) != nil {
                first = false
                try skipValue()
            }
        case UInt8(ascii: "["):
            try enter()
            index += 1
            skipWhitespace()
            if current == UInt8(ascii: "]") {
                index += 1
            } else {
                while true {
                    try skipValue()
                    skipWhitespace()
                    if current == UInt8(ascii: ",") { index += 1; continue }
                    guard current == UInt8(ascii: "]") else { throw fail("expected ',' or ']' in an array") }
                    index += 1
                    break
                }
            }
            depth -= 1
        case UInt8(ascii: "\""):
            _ = try scanString()
        case UInt8(ascii: "t"):
            try literal("true")
        case UInt8(ascii: "f"):
            try literal("false")
        case UInt8(ascii: "n"):
            try literal("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            _ = try scanNumber()
        default:
            throw fail(atEnd ? "unexpected end of JSON" : "unexpected character in JSON")
        }
        return start..<index
    }

    mutating func literal(_ word: StaticString) throws(Failure) {
        let count = word.utf8CodeUnitCount
        guard bytes.count - index >= count else { throw fail("invalid literal") }
        let text = word.utf8Start
        for k in 0..<count where bytes[index + k] != text[k] {
            throw fail("invalid literal")
        }
        index += count
    }

    /// Scans a string at the cursor (which must be on its opening quote), validating escapes
    /// and UTF-8. Returns the range of its raw contents, between the quotes.
    mutating func scanString() throws(Failure) -> Range<Int> {
        index += 1
        let start = index
        while true {
            guard index < bytes.count else { throw fail("unterminated string") }
            let b = bytes[index]
            if b == UInt8(ascii: "\"") {
                let range = start..<index
                index += 1
                return range
            } else if b == UInt8(ascii: "\\") {
                index += 1
                switch current {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
                     UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    index += 1
                case UInt8(ascii: "u"):
                    index += 1
                    for _ in 0..<4 {
                        guard JSONScanner.hexValue(current) != nil else { throw fail("invalid \\u escape") }
                        index += 1
                    }
                default:
                    throw fail("invalid escape in string")
                }
            } else if b < 0x20 {
                throw fail("control character in string")
            } else if b < 0x80 {
                index += 1
            } else {
                try skipUTF8Sequence()
            }
        }
    }

    private mutating func skipUTF8Sequence() throws(Failure) {
        let b0 = bytes[index]
        let length: Int
        var lower: UInt8 = 0x80, upper: UInt8 = 0xBF
        switch b0 {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; lower = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; upper = 0x9F
        case 0xF0: length = 4; lower = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; upper = 0x8F
        default: throw fail("invalid UTF-8 in string")
        }
        guard bytes.count - index >= length else { throw fail("invalid UTF-8 in string") }
        let b1 = bytes[index + 1]
        guard b1 >= lower && b1 <= upper else { throw fail("invalid UTF-8 in string") }
        for k in 2..<max(2, length) where bytes[index + k] & 0xC0 != 0x80 {
            throw fail("invalid UTF-8 in string")
        }
        index += length
    }

    static func hexValue(_ b: UInt8) -> UInt32? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(b - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(b - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(b - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }

    /// A scanned number: its byte range and whether it has a fraction or exponent.
    struct NumberToken {
        let range: Range<Int>
        let isInteger: Bool
        let isNegative: Bool
    }

    mutating func scanNumber() throws(Failure) -> NumberToken {
        let start = index
        let negative = current == UInt8(ascii: "-")
        if negative { index += 1 }
        if current == UInt8(ascii: "0") {
            index += 1
        } else if isDigit(current) {
            while isDigit(current) { index += 1 }
        } else {
            throw fail("invalid number")
        }
        var integer = true
        if current == UInt8(ascii: ".") {
            integer = false
            index += 1
            guard isDigit(current) else { throw fail("invalid number") }
            while isDigit(current) { index += 1 }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            integer = false
            index += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
            guard isDigit(current) else { throw fail("invalid number") }
            while isDigit(current) { index += 1 }
        }
        return NumberToken(range: start..<index, isInteger: integer, isNegative: negative)
    }

    @inline(__always) private func isDigit(_ b: UInt8) -> Bool {
        b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")
    }

    // MARK: Reading scanned tokens

    /// Whether the raw contents of a scanned string are exactly `word` (no escapes involved).
    func rawEquals(_ range: Range<Int>, _ word: StaticString) -> Bool {
        guard range.count == word.utf8CodeUnitCount else { return false }
        let text = word.utf8Start
        for k in 0..<range.count where bytes[range.lowerBound + k] != text[k] { return false }
        return true
    }

    /// Decodes the raw contents of a string that `scanString` validated.
    func decodeString(_ range: Range<Int>) -> String {
        var hasEscape = false
        for k in range where bytes[k] == UInt8(ascii: "\\") { hasEscape = true; break }
        if !hasEscape {
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
        }
        var out: [UInt8] = []
        out.reserveCapacity(range.count)
        var k = range.lowerBound
        while k < range.upperBound {
            let b = bytes[k]
            guard b == UInt8(ascii: "\\") else { out.append(b); k += 1; continue }
            let e = bytes[k + 1]
            k += 2
            switch e {
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = hex4(at: k)
                k += 4
                if (0xD800...0xDBFF).contains(scalar), k + 6 <= range.upperBound,
                   bytes[k] == UInt8(ascii: "\\"), bytes[k + 1] == UInt8(ascii: "u") {
                    let low = hex4(at: k + 2)
                    if (0xDC00...0xDFFF).contains(low) {
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        k += 6
                    }
                }
                let value = Unicode.Scalar(scalar) ?? "\u{FFFD}"
                out.append(contentsOf: Array(String(Character(value)).utf8))
            default: out.append(e) // \" \\ \/
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private func hex4(at k: Int) -> UInt32 {
        var v: UInt32 = 0
        for j in 0..<4 { v = v << 4 | (JSONScanner.hexValue(bytes[k + j]) ?? 0) }
        return v
    }
}

/// Writes JSON text.
public enum JSONWriter {
    /// Appends `text` as a JSON string literal (quotes included).
    public static func appendString<S: Sequence>(_ utf8: S, to out: inout [UInt8]) where S.Element == UInt8 {
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
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
                                        UInt8(ascii: "0"), hex[Int(b >> 4)], hex[Int(b & 15)]])
            default: out.append(b)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    public static func appendString(_ text: String, to out: inout [UInt8]) {
        appendString(text.utf8, to: &out)
    }
}
