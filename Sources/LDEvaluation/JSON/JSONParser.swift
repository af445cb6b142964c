/// A strict JSON parser with Python's `json.loads` value model (see `JSONValue`): also accepts
/// `NaN`, `Infinity` and `-Infinity` as Python does; rejects control characters in strings,
/// invalid UTF-8 and nesting deeper than `maxDepth`. Never traps on any input.
public struct JSONParser {
    public struct Failure: Error, Sendable {
        public let message: String
        public let offset: Int
    }

    public static let maxDepth = 512

    private let bytes: UnsafeBufferPointer<UInt8>
    private var pos = 0
    private var depth = 0

    private init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    public static func parse(_ bytes: UnsafeBufferPointer<UInt8>) throws(Failure) -> JSONValue {
        var parser = JSONParser(bytes)
        parser.skipSpace()
        let value = try parser.parseValue()
        parser.skipSpace()
        if parser.pos != bytes.count { throw parser.fail("extra data after the JSON value") }
        return value
    }

    public static func parse(_ bytes: [UInt8]) throws(Failure) -> JSONValue {
        let result: Result<JSONValue, Failure> = bytes.withUnsafeBufferPointer { buffer in
            do throws(Failure) { return .success(try parse(buffer)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    public static func parse(_ text: String) throws(Failure) -> JSONValue {
        try parse(Array(text.utf8))
    }

    private func fail(_ message: String) -> Failure { Failure(message: message, offset: pos) }

    private mutating func skipSpace() {
        while pos < bytes.count {
            switch bytes[pos] {
            case 0x20, 0x09, 0x0A, 0x0D: pos += 1
            default: return
            }
        }
    }

    private func peek() -> UInt8? { pos < bytes.count ? bytes[pos] : nil }

    private mutating func literal(_ word: StaticString, _ value: JSONValue) throws(Failure) -> JSONValue {
        let n = word.utf8CodeUnitCount
        guard bytes.count - pos >= n else { throw fail("invalid literal") }
        let w = word.utf8Start
        for i in 0..<n where bytes[pos + i] != w[i] { throw fail("invalid literal") }
        pos += n
        return value
    }

    private mutating func parseValue() throws(Failure) -> JSONValue {
        guard let c = peek() else { throw fail("unexpected end of input") }
        switch c {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): return try literal("true", .bool(true))
        case UInt8(ascii: "f"): return try literal("false", .bool(false))
        case UInt8(ascii: "n"): return try literal("null", .null)
        case UInt8(ascii: "N"): return try literal("NaN", .double(.nan))
        case UInt8(ascii: "I"): return try literal("Infinity", .double(.infinity))
        case UInt8(ascii: "-"):
            if pos + 1 < bytes.count && bytes[pos + 1] == UInt8(ascii: "I") {
                pos += 1
                return try literal("Infinity", .double(-.infinity))
            }
            return try parseNumber()
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw fail("unexpected character")
        }
    }

    private mutating func enter() throws(Failure) {
        depth += 1
        if depth > JSONParser.maxDepth { throw fail("JSON nested too deeply") }
    }

    private mutating func parseObject() throws(Failure) -> JSONValue {
        try enter()
        pos += 1
        var object = JSONObject()
        skipSpace()
        if peek() == UInt8(ascii: "}") { pos += 1; depth -= 1; return .object(object) }
        while true {
            skipSpace()
            guard peek() == UInt8(ascii: "\"") else { throw fail("expected a member name") }
            let key = try parseString()
            skipSpace()
            guard peek() == UInt8(ascii: ":") else { throw fail("expected ':'") }
            pos += 1
            skipSpace()
            let value = try parseValue()
            object.set(key, value)
            skipSpace()
            guard let c = peek() else { throw fail("unexpected end of input") }
            pos += 1
            if c == UInt8(ascii: "}") { break }
            if c != UInt8(ascii: ",") { throw fail("expected ',' or '}'") }
        }
        depth -= 1
        return .object(object)
    }

    private mutating func parseArray() throws(Failure) -> JSONValue {
        try enter()
        pos += 1
        var items: [JSONValue] = []
        skipSpace()
        if peek() == UInt8(ascii: "]") { pos += 1; depth -= 1; return .array(items) }
        while true {
            skipSpace()
            items.append(try parseValue())
            skipSpace()
            guard let c = peek() else { throw fail("unexpected end of input") }
            pos += 1
            if c == UInt8(ascii: "]") { break }
            if c != UInt8(ascii: ",") { throw fail("expected ',' or ']'") }
        }
        depth -= 1
        return .array(items)
    }

    private mutating func digits() -> Int {
        let start = pos
        while pos < bytes.count, bytes[pos] >= 0x30, bytes[pos] <= 0x39 { pos += 1 }
        return pos - start
    }

    private mutating func parseNumber() throws(Failure) -> JSONValue {
        let start = pos
        var negative = false
        if bytes[pos] == UInt8(ascii: "-") { negative = true; pos += 1 }
        let intStart = pos
        let intDigits = digits()
        if intDigits == 0 { throw fail("invalid number") }
        if intDigits > 1 && bytes[intStart] == UInt8(ascii: "0") { throw fail("invalid number") }
        var isFloat = false
        if peek() == UInt8(ascii: ".") {
            pos += 1
            if digits() == 0 { throw fail("invalid number") }
            isFloat = true
        }
        if let e = peek(), e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
            pos += 1
            if let s = peek(), s == UInt8(ascii: "+") || s == UInt8(ascii: "-") { pos += 1 }
            if digits() == 0 { throw fail("invalid number") }
            isFloat = true
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<pos]), as: UTF8.self)
        if isFloat {
            guard let d = Double(text) else { throw fail("invalid number") }
            return .double(d)
        }
        // Integer: Int64 when it fits, else the canonical decimal text.
        var value: Int64 = 0
        var overflow = false
        for i in intStart..<pos {
            let digit = Int64(bytes[i] &- 0x30)
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (s, o2) = negative ? m.subtractingReportingOverflow(digit) : m.addingReportingOverflow(digit)
            if o1 || o2 { overflow = true; break }
            value = s
        }
        if !overflow { return .int(value) }
        return .bigInt(text)
    }

    private mutating func hex4() throws(Failure) -> UInt32 {
        guard bytes.count - pos >= 4 else { throw fail("invalid \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[pos]
            let d: UInt32
            switch c {
            case 0x30...0x39: d = UInt32(c - 0x30)
            case 0x41...0x46: d = UInt32(c - 0x41 + 10)
            case 0x61...0x66: d = UInt32(c - 0x61 + 10)
            default: throw fail("invalid \\u escape")
            }
            v = v << 4 | d
            pos += 1
        }
        return v
    }

    private mutating func parseString() throws(Failure) -> String {
        pos += 1
        let start = pos
        // Fast path: no escapes.
        while pos < bytes.count {
            let c = bytes[pos]
            if c == UInt8(ascii: "\"") {
                let slice = UnsafeBufferPointer(rebasing: bytes[start..<pos])
                pos += 1
                guard let s = JSONParser.string(slice) else { throw fail("invalid UTF-8") }
                return s
            }
            if c == UInt8(ascii: "\\") || c < 0x20 { break }
            pos += 1
        }
        var out: [UInt8] = Array(UnsafeBufferPointer(rebasing: bytes[start..<pos]))
        while true {
            guard pos < bytes.count else { throw fail("unterminated string") }
            let c = bytes[pos]
            if c == UInt8(ascii: "\"") { pos += 1; break }
            if c < 0x20 { throw fail("control character in string") }
            if c != UInt8(ascii: "\\") { out.append(c); pos += 1; continue }
            pos += 1
            guard pos < bytes.count else { throw fail("unterminated string") }
            let e = bytes[pos]
            pos += 1
            switch e {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if scalar >= 0xD800 && scalar < 0xDC00, bytes.count - pos >= 6,
                   bytes[pos] == UInt8(ascii: "\\"), bytes[pos + 1] == UInt8(ascii: "u") {
                    let save = pos
                    pos += 2
                    let low = try hex4()
                    if low >= 0xDC00 && low < 0xE000 {
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else {
                        pos = save
                    }
                }
                // A lone surrogate (Python keeps it; a Swift String cannot) becomes U+FFFD.
                let u = Unicode.Scalar(scalar) ?? "\u{FFFD}"
                out.append(contentsOf: Array(String(Character(u)).utf8))
            default: throw fail("invalid escape")
            }
        }
        let result: String?? = out.withUnsafeBufferPointer { JSONParser.string($0) }
        guard let r = result, let s = r else { throw fail("invalid UTF-8") }
        return s
    }

    /// A String from UTF-8 bytes, or nil when they are not valid UTF-8 (checked here: the
    /// standard library's validating initializer is generic and slow).
    static func string(_ b: UnsafeBufferPointer<UInt8>) -> String? {
        var i = 0
        let n = b.count
        while i < n {
            let c = b[i]
            if c < 0x80 { i += 1; continue }
            let len: Int, min: UInt32
            var cp: UInt32
            if c & 0xE0 == 0xC0 { len = 2; cp = UInt32(c & 0x1F); min = 0x80 }
            else if c & 0xF0 == 0xE0 { len = 3; cp = UInt32(c & 0x0F); min = 0x800 }
            else if c & 0xF8 == 0xF0 { len = 4; cp = UInt32(c & 0x07); min = 0x10000 }
            else { return nil }
            guard i + len <= n else { return nil }
            for k in 1..<len {
                let d = b[i + k]
                guard d & 0xC0 == 0x80 else { return nil }
                cp = cp << 6 | UInt32(d & 0x3F)
            }
            guard cp >= min, cp <= 0x10FFFF, !(cp >= 0xD800 && cp < 0xE000) else { return nil }
            i += len
        }
        return String(decoding: b, as: UTF8.self)
    }
}
