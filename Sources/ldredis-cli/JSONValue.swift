import LDRedisCore

/// A parsed JSON value, for showing and checking items (the store itself keeps items as bytes).
/// Object members keep their order; numbers keep their text.
enum JSONValue: Equatable {
    case object([(key: String, value: JSONValue)])
    case array([JSONValue])
    case string(String)
    case number(String)
    case bool(Bool)
    case null

    static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.object(let x), .object(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        case (.array(let x), .array(let y)): return x == y
        case (.string(let x), .string(let y)), (.number(let x), .number(let y)): return x == y
        case (.bool(let x), .bool(let y)): return x == y
        case (.null, .null): return true
        default: return false
        }
    }

    /// The member `name` of an object (the last one, as JSON decoders do), else nil.
    subscript(_ name: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.last { $0.key == name }?.value
    }

    var members: [(key: String, value: JSONValue)]? {
        if case .object(let m) = self { return m }
        return nil
    }

    var count: Int? {
        switch self {
        case .array(let a): return a.count
        case .object(let m): return m.count
        default: return nil
        }
    }

    var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    /// The number's text, else nil.
    var numberText: String? {
        if case .number(let n) = self { return n }
        return nil
    }

    // MARK: Parsing

    struct ParseError: Error {
        let message: String
        let offset: Int
    }

    /// Parses one JSON document: the core validates it (RFC 8259, nesting up to 512 levels)
    /// and decodes its strings; this only builds the tree.
    static func parse(_ bytes: [UInt8]) throws(ParseError) -> JSONValue {
        if let failure = JSONSyntax.check(bytes) { throw ParseError(message: failure.message, offset: failure.offset) }
        var builder = TreeBuilder(bytes: bytes)
        return builder.value()
    }

    /// Builds the tree of a document the core validated (so no error paths here).
    private struct TreeBuilder {
        let bytes: [UInt8]
        var index = 0

        var current: UInt8 { index < bytes.count ? bytes[index] : 0 }

        mutating func skipWhitespace() {
            while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x09 || bytes[index] == 0x0A || bytes[index] == 0x0D {
                index += 1
            }
        }

        mutating func value() -> JSONValue {
            skipWhitespace()
            switch current {
            case UInt8(ascii: "{"):
                var members: [(key: String, value: JSONValue)] = []
                index += 1
                while more(closing: UInt8(ascii: "}")) {
                    let name = string()
                    skipWhitespace()
                    index += 1   // ':'
                    members.append((name, value()))
                }
                return .object(members)
            case UInt8(ascii: "["):
                var elements: [JSONValue] = []
                index += 1
                while more(closing: UInt8(ascii: "]")) { elements.append(value()) }
                return .array(elements)
            case UInt8(ascii: "\""):
                return .string(string())
            case UInt8(ascii: "t"): index += 4; return .bool(true)
            case UInt8(ascii: "f"): index += 5; return .bool(false)
            case UInt8(ascii: "n"): index += 4; return .null
            default:
                let start = index
                while index < bytes.count, "-+.eE0123456789".utf8.contains(bytes[index]) { index += 1 }
                return .number(String(decoding: bytes[start..<index], as: UTF8.self))
            }
        }

        /// Before a member or element: false (after consuming it) at the closing bracket.
        mutating func more(closing: UInt8) -> Bool {
            skipWhitespace()
            if current == UInt8(ascii: ",") { index += 1; skipWhitespace() }
            if current == closing || index >= bytes.count { index += 1; return false }
            return true
        }

        /// The string at the cursor (on its opening quote).
        mutating func string() -> String {
            skipWhitespace()
            let start = index + 1
            index = start
            while index < bytes.count, bytes[index] != UInt8(ascii: "\"") {
                index += bytes[index] == UInt8(ascii: "\\") ? 2 : 1
            }
            let contents = start..<max(start, min(index, bytes.count))
            index += 1
            return JSONSyntax.decodeString(bytes, contents: contents)
        }
    }

    // MARK: Writing

    /// Compact JSON.
    var compact: String {
        var out = ""
        write(to: &out, indent: nil, level: 0, style: nil)
        return out
    }

    /// Indented by two spaces; member names and values coloured when `style` is given.
    func pretty(style: Style?) -> String {
        var out = ""
        write(to: &out, indent: "  ", level: 0, style: style)
        return out
    }

    private func write(to out: inout String, indent: String?, level: Int, style: Style?) {
        func newline(_ level: Int) {
            guard let indent else { return }
            out += "\n" + String(repeating: indent, count: level)
        }
        switch self {
        case .object(let members):
            if members.isEmpty { out += "{}"; return }
            out += "{"
            for (k, member) in members.enumerated() {
                if k > 0 { out += "," }
                newline(level + 1)
                out += style.map { $0.key(JSONValue.quoted(member.key)) } ?? JSONValue.quoted(member.key)
                out += indent == nil ? ":" : ": "
                member.value.write(to: &out, indent: indent, level: level + 1, style: style)
            }
            newline(level)
            out += "}"
        case .array(let elements):
            if elements.isEmpty { out += "[]"; return }
            out += "["
            for (k, element) in elements.enumerated() {
                if k > 0 { out += "," }
                newline(level + 1)
                element.write(to: &out, indent: indent, level: level + 1, style: style)
            }
            newline(level)
            out += "]"
        case .string(let s):
            out += style.map { $0.string(JSONValue.quoted(s)) } ?? JSONValue.quoted(s)
        case .number(let n):
            out += style.map { $0.number(n) } ?? n
        case .bool(let b):
            out += style.map { $0.number(b ? "true" : "false") } ?? (b ? "true" : "false")
        case .null:
            out += style.map { $0.dim("null") } ?? "null"
        }
    }

    /// `text` as a JSON string literal.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for u in text.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{00}"..."\u{1F}":
                let hex = String(u.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }
}
