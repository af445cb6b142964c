import Glibc

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

    /// Validates and skips one value of any type; returns its byte range. One loop over a raw
    /// pointer with the position in a local and the container stack in a bit set (no call per
    /// token, no closure captures): this is the hot path of init, all and get.
    @discardableResult
    mutating func skipValue() throws(Failure) -> Range<Int> {
        var none = NoMembers()
        return try skipValue(observing: &none)
    }

    /// `skipValue`, telling `observer` about each member of the value when it is an object
    /// (its name, and where its value starts), in order, as the scan reaches them.
    @discardableResult
    mutating func skipValue<Observer: MemberObserver>(observing observer: inout Observer) throws(Failure) -> Range<Int> {
        skipWhitespace()
        let start = index
        guard let p = bytes.baseAddress else { throw fail("unexpected end of JSON") }
        let n = bytes.count
        let room = JSONScanner.maximumDepth - depth
        var i = index
        var message: String?
        var name = 0..<0
        var inObject: UInt64 = 0     // bit k: container k (k < 64) is an object
        var deeper: [Bool] = []      // containers 64 and up (rare)
        var level = 0
        var needValue = true
        scan: while true {
            if needValue {
                i = JSONScanner.skipSpace(p, n, i)
                let c = i < n ? p[i] : 0
                switch c {
                case 0x7B, 0x5B:     // { [
                    let isObject = c == 0x7B
                    i = JSONScanner.skipSpace(p, n, i &+ 1)
                    if i < n && p[i] == (isObject ? 0x7D : 0x5D) {
                        i &+= 1
                        needValue = false
                        continue scan
                    }
                    guard level < room else { message = "JSON nested too deeply"; break scan }
                    if level < 64 {
                        inObject = isObject ? inObject | (1 &<< UInt64(level)) : inObject & ~(1 &<< UInt64(level))
                    } else if level - 64 < deeper.count {
                        deeper[level - 64] = isObject
                    } else {
                        deeper.append(isObject)
                    }
                    level &+= 1
                    if isObject {
                        i = JSONScanner.memberName(bytes, p, n, i, &name, &message)
                        if message != nil { break scan }
                        if level == 1 { observer.member(bytes, name: name, value: JSONScanner.skipSpace(p, n, i)) }
                    }
                case 0x22:
                    i = JSONScanner.string(bytes, p, n, i, &message)
                    if message != nil { break scan }
                    needValue = false
                case 0x74, 0x66, 0x6E:   // true false null
                    let word: UInt32 = c == 0x74 ? 0x6575_7274 : (c == 0x66 ? 0x736C_6166 : 0x6C6C_756E)
                    let length = c == 0x66 ? 5 : 4
                    guard i &+ length <= n,
                          UnsafeRawPointer(p).loadUnaligned(fromByteOffset: i, as: UInt32.self) == word,
                          length == 4 || p[i &+ 4] == 0x65 else { message = "invalid literal"; break scan }
                    i &+= length
                    needValue = false
                case 0x2D, 0x30...0x39:
                    i = JSONScanner.number(p, n, i, &message)
                    if message != nil { break scan }
                    needValue = false
                default:
                    message = i >= n ? "unexpected end of JSON" : "unexpected character in JSON"
                    break scan
                }
            } else {
                if level == 0 { break scan }
                i = JSONScanner.skipSpace(p, n, i)
                let c = i < n ? p[i] : 0
                let top = level &- 1
                let object = top < 64 ? (inObject & (1 &<< UInt64(top))) != 0 : deeper[top - 64]
                if c == 0x2C {
                    i &+= 1
                    if object {
                        i = JSONScanner.memberName(bytes, p, n, JSONScanner.skipSpace(p, n, i), &name, &message)
                        if message != nil { break scan }
                        if level == 1 { observer.member(bytes, name: name, value: JSONScanner.skipSpace(p, n, i)) }
                    }
                    needValue = true
                } else if c == (object ? 0x7D : 0x5D) {
                    i &+= 1
                    level &-= 1
                } else {
                    message = object ? "expected ',' or '}' in an object" : "expected ',' or ']' in an array"
                    break scan
                }
            }
        }
        index = i
        if let message { throw Failure(message: message, offset: i) }
        return start..<index
    }

    @inline(__always)
    private static func skipSpace(_ p: UnsafePointer<UInt8>, _ n: Int, _ start: Int) -> Int {
        // Compact JSON: the next byte is rarely whitespace, and all whitespace is <= 0x20.
        if start < n && p[start] > 0x20 { return start }
        return skipSpaceLoop(p, n, start)
    }

    private static func skipSpaceLoop(_ p: UnsafePointer<UInt8>, _ n: Int, _ start: Int) -> Int {
        var i = start
        while i < n {
            let c = p[i]
            guard c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 else { break }
            i &+= 1
        }
        return i
    }

    /// Scans the string whose opening quote is at `start`; returns the index after it, or sets
    /// `message` (the returned index is then where the error is).
    @inline(__always)
    private static func string(_ bytes: UnsafeBufferPointer<UInt8>, _ p: UnsafePointer<UInt8>, _ n: Int,
                               _ start: Int, _ message: inout String?) -> Int {
        var i = start &+ 1
        let raw = UnsafeRawPointer(p)
        while true {
            if i &+ 8 <= n {
                let special = specialBytes(raw.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                if special == 0 { i &+= 8; continue }
                i &+= special.trailingZeroBitCount &>> 3
            }
            guard i < n else { message = "unterminated string"; return i }
            let c = p[i]
            if c == 0x22 { return i &+ 1 }
            if c == 0x5C || c >= 0x80 {
                // Escapes and UTF-8: the careful scanner, from here to the end of the string.
                var slow = JSONScanner(bytes)
                slow.index = i
                do {
                    try slow.continueString()
                    return slow.index
                } catch {
                    message = error.message
                    return error.offset
                }
            }
            if c < 0x20 { message = "control character in string"; return i }
            i &+= 1
        }
    }

    @inline(__always)
    private static func memberName(_ bytes: UnsafeBufferPointer<UInt8>, _ p: UnsafePointer<UInt8>, _ n: Int,
                                   _ start: Int, _ name: inout Range<Int>, _ message: inout String?) -> Int {
        guard start < n && p[start] == 0x22 else { message = "expected a member name"; return start }
        let end = string(bytes, p, n, start, &message)
        if message != nil { return end }
        name = (start &+ 1)..<(end &- 1)
        let i = skipSpace(p, n, end)
        guard i < n && p[i] == 0x3A else { message = "expected ':' after a member name"; return i }
        return i &+ 1
    }

    @inline(__always)
    private static func number(_ p: UnsafePointer<UInt8>, _ n: Int, _ start: Int, _ message: inout String?) -> Int {
        @inline(__always) func digit(_ k: Int) -> Bool { k < n && p[k] >= 0x30 && p[k] <= 0x39 }
        var i = start
        if p[i] == 0x2D { i &+= 1 }
        if i < n && p[i] == 0x30 {
            i &+= 1
        } else if digit(i) {
            while digit(i) { i &+= 1 }
        } else {
            message = "invalid number"
            return i
        }
        if i < n && p[i] == 0x2E {
            i &+= 1
            guard digit(i) else { message = "invalid number"; return i }
            while digit(i) { i &+= 1 }
        }
        if i < n && (p[i] == 0x65 || p[i] == 0x45) {
            i &+= 1
            if i < n && (p[i] == 0x2B || p[i] == 0x2D) { i &+= 1 }
            guard digit(i) else { message = "invalid number"; return i }
            while digit(i) { i &+= 1 }
        }
        return i
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
        guard let p = bytes.baseAddress else { throw fail("unterminated string") }
        let start = index + 1
        var message: String?
        let end = JSONScanner.string(bytes, p, bytes.count, index, &message)
        index = end
        if let message { throw Failure(message: message, offset: end) }
        return start..<(end - 1)
    }

    /// Scans the rest of a string from inside it, leaving the cursor after the closing quote.
    mutating func continueString() throws(Failure) {
        let count = bytes.count
        guard let base = bytes.baseAddress else { throw fail("unterminated string") }
        let raw = UnsafeRawPointer(base)
        while true {
            // Eight bytes at a time: skip straight to the first byte that needs a look (a
            // quote, a backslash, a control character or non-ASCII).
            if index &+ 8 <= count {
                let special = JSONScanner.specialBytes(raw.loadUnaligned(fromByteOffset: index, as: UInt64.self))
                if special == 0 {
                    index &+= 8
                    continue
                }
                index &+= special.trailingZeroBitCount &>> 3
            }
            guard index < count else { throw fail("unterminated string") }
            let b = base[index]
            if b == UInt8(ascii: "\"") {
                index += 1
                return
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

    /// Marks (with its high bit) each of the 8 little-endian bytes that is a quote, a
    /// backslash, a control character or non-ASCII: the bytes a string scan must look at. SWAR;
    /// the lowest mark is always exact (borrows only run upward from a marked byte), so
    /// `trailingZeroBitCount / 8` is the offset of the first such byte; 0 when there is none.
    @inline(__always)
    ///
    /// Below the first such byte nothing borrows and every result byte is below 0x80: an ASCII
    /// byte that is not a quote or a backslash gives 1 ... 0x7F after either xor (0x00 ... 0x7E
    /// after the subtraction), one from 0x20 to 0x7F gives 0x00 ... 0x5F after its subtraction.
    /// At the first such byte a term sets the high bit: a quote or a backslash subtracts 1 from
    /// 0x00, a control byte 0x20 from less; a non-ASCII byte keeps its high bit through both
    /// xors and loses it in a subtraction only from exactly 0x80, which cannot happen to both
    /// (0xA2 and 0xDC). Higher marks may be inexact; only the lowest is used (SpecialBytesTests
    /// tries every byte at every position).
    static func specialBytes(_ w: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let quote = w ^ (ones &* 0x22)
        let backslash = w ^ (ones &* 0x5C)
        return ((quote &- ones) | (backslash &- ones) | (w &- ones &* 0x20)) & highs
    }

    /// Whether `bytes` holds a quote, a backslash, a control character or non-ASCII: eight
    /// bytes at a time.
    static func containsSpecialByte(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var i = 0
        while i + 8 <= bytes.count {
            if specialBytes(bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)) != 0 { return true }
            i += 8
        }
        while i < bytes.count {
            let b = bytes[i]
            if b == 0x22 || b == 0x5C || b < 0x20 || b >= 0x80 { return true }
            i += 1
        }
        return false
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

    /// Whether `byte` occurs in `range` (a loop for a short range, such as a member name;
    /// memchr for a long one).
    func contains(_ byte: UInt8, in range: Range<Int>) -> Bool {
        guard let base = bytes.baseAddress, !range.isEmpty else { return false }
        if range.count <= 48 {
            for k in range where base[k] == byte { return true }
            return false
        }
        return memchr(base + range.lowerBound, Int32(byte), range.count) != nil
    }

    /// Decodes the raw contents of a string that `scanString` validated. A lone surrogate
    /// escape (`\ud800` without its pair) becomes U+FFFD.
    func decodeString(_ range: Range<Int>) -> String {
        var lone = false
        return decode(range, loneSurrogate: &lone)
    }

    /// Decodes a string that names something (a kind, an item key): nil when it has a lone
    /// surrogate escape, which no UTF-8 text (so no Redis field) can hold.
    func decodeName(_ range: Range<Int>) -> String? {
        var lone = false
        let text = decode(range, loneSurrogate: &lone)
        return lone ? nil : text
    }

    private func decode(_ range: Range<Int>, loneSurrogate: inout Bool) -> String {
        if !contains(UInt8(ascii: "\\"), in: range) {
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
                if (0xD800...0xDFFF).contains(scalar) { loneSurrogate = true }
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
