/// Reads item headers from JSON.
public enum ItemParser {
    /// The largest version accepted from callers: versions are compared as numbers by the
    /// server-side upsert script, exact for integers up to 2^53 - 1.
    public static let maximumVersion: Int64 = 9_007_199_254_740_991

    /// Parses an item supplied by a caller: a JSON object whose `version` is an integer in
    /// 0 ... `maximumVersion`. Throws `StoreError.invalidArgument` saying what is wrong.
    public static func parseInput(_ json: UnsafeBufferPointer<UInt8>) throws(StoreError) -> ItemHeader {
        var scanner = JSONScanner(json)
        do {
            let header = try scanItem(&scanner, strict: true)
            try scanner.expectEnd()
            return header
        } catch {
            throw StoreError.invalidArgument("invalid item JSON: \(error.message) (at byte \(error.offset))")
        }
    }

    /// Parses a value read from Redis, as any SDK may have written it; nil when it is not an
    /// item (not a JSON object, or no numeric `version`). Any JSON number is accepted as the
    /// version: data written by others is read leniently, caller input strictly.
    /// One pass: the scan validates the whole value while `StoredMembers` reads the top-level
    /// members it reaches, as `scanItem(strict: false)` would (the same value, accepted or not,
    /// gives the same header: the fuzzer and JSONScannerTests hold the two to it).
    public static func parseStored(_ json: UnsafeBufferPointer<UInt8>) -> ItemHeader? {
        var scanner = JSONScanner(json)
        scanner.skipWhitespace()
        guard scanner.current == UInt8(ascii: "{") else { return nil }
        var members = StoredMembers()
        guard (try? scanner.skipValue(observing: &members)) != nil, (try? scanner.expectEnd()) != nil,
              !members.failed, let (version, order) = members.version else { return nil }
        return ItemHeader(version: version, deleted: members.deleted || members.keyIsDeletedMarker, order: order)
    }

    /// The top-level members of a stored value that make its header, read leniently.
    private struct StoredMembers: MemberObserver {
        var version: (Int64, Double)?
        var deleted = false
        var keyIsDeletedMarker = false
        /// A version that is neither a number nor null: not an item.
        var failed = false

        mutating func member(_ bytes: UnsafeBufferPointer<UInt8>, name: Range<Int>, value: Int) {
            var s = JSONScanner(bytes)
            s.index = value
            switch memberKind(s, name) {
            case .version:
                // The scan validates the value; only its kind and the number are read here.
                if s.current == UInt8(ascii: "n") {
                    version = nil
                } else if s.current == UInt8(ascii: "-") || (s.current >= UInt8(ascii: "0") && s.current <= UInt8(ascii: "9")),
                          let token = try? s.scanNumber(), let number = try? versionValue(s, token, strict: false) {
                    version = number
                } else {
                    failed = true
                }
            case .deleted:
                deleted = s.current == UInt8(ascii: "t")
            case .key:
                if s.current == UInt8(ascii: "\""), let range = try? s.scanString() {
                    keyIsDeletedMarker = s.rawEquals(range, "$deleted")
                } else {
                    keyIsDeletedMarker = false
                }
            case .other:
                break
            }
        }
    }

    public static func parseStored(_ json: [UInt8]) -> ItemHeader? {
        json.withUnsafeBufferPointer { parseStored($0) }
    }

    /// Scans an item object at the scanner's cursor, leaving the cursor after it.
    /// strict: the version must be a plain non-negative integer within range (caller input).
    /// lenient: any integral number is accepted (data written by others).
    static func scanItem(_ s: inout JSONScanner, strict: Bool) throws(JSONScanner.Failure) -> ItemHeader {
        try s.beginObject()
        var version: (Int64, Double)?
        var deleted = false
        var keyIsDeletedMarker = false
        var first = true
        while let name = try s.nextMember(first: first) {
            first = false
            let member: Member = memberKind(s, name)
            switch member {
            case .version:
                if s.current == UInt8(ascii: "n") {
                    try s.literal("null")
                    version = nil
                    continue
                }
                guard s.current == UInt8(ascii: "-") || (s.current >= UInt8(ascii: "0") && s.current <= UInt8(ascii: "9")) else {
                    throw s.fail("\"version\" must be an integer")
                }
                let token = try s.scanNumber()
                version = try versionValue(s, token, strict: strict)
            case .deleted:
                switch s.current {
                case UInt8(ascii: "t"): try s.literal("true"); deleted = true
                case UInt8(ascii: "f"): try s.literal("false"); deleted = false
                case UInt8(ascii: "n"): try s.literal("null"); deleted = false
                default:
                    if strict { throw s.fail("\"deleted\" must be a boolean") }
                    try s.skipValue()
                    deleted = false
                }
            case .key:
                if s.current == UInt8(ascii: "\"") {
                    let range = try s.scanString()
                    keyIsDeletedMarker = s.rawEquals(range, "$deleted")
                } else {
                    try s.skipValue()
                    keyIsDeletedMarker = false
                }
            case .other:
                try s.skipValue()
            }
        }
        guard let (v, order) = version else { throw s.fail("the item has no \"version\"") }
        return ItemHeader(version: v, deleted: deleted || keyIsDeletedMarker, order: order)
    }

    private enum Member { case version, deleted, key, other }

    private static func memberKind(_ s: JSONScanner, _ name: Range<Int>) -> Member {
        switch name.count {
        case 7:
            if s.rawEquals(name, "version") { return .version }
            if s.rawEquals(name, "deleted") { return .deleted }
            return .other
        case 3:
            return s.rawEquals(name, "key") ? .key : .other
        case 8...42:
            // Spelled with escapes ("vers\u0069on")? Rare: decode only when there is one.
            guard s.contains(UInt8(ascii: "\\"), in: name) else { return .other }
            switch s.decodeString(name) {
            case "version": return .version
            case "deleted": return .deleted
            case "key": return .key
            default: return .other
            }
        default:
            return .other
        }
    }

    private static func versionValue(_ s: JSONScanner, _ token: JSONScanner.NumberToken,
                                     strict: Bool) throws(JSONScanner.Failure) -> (Int64, Double) {
        let digits = UnsafeBufferPointer(rebasing: s.bytes[token.range])
        if strict {
            guard token.isInteger else { throw s.fail("\"version\" must be an integer") }
            var value: Int64 = 0
            for b in digits where b != UInt8(ascii: "-") {
                let (m, o1) = value.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(Int64(b - UInt8(ascii: "0")))
                if o1 || o2 || a > maximumVersion {
                    throw s.fail("\"version\" is out of range (0 ... \(maximumVersion))")
                }
                value = a
            }
            if token.isNegative && value != 0 { throw s.fail("\"version\" must not be negative") }
            return (value, Double(value))
        }
        // Lenient: the number as a JSON decoder (and the script's cjson) reads it. An integer
        // of up to 15 digits is below 2^53, so exact as a Double: no text, no strtod.
        let magnitude = token.isNegative ? digits.count - 1 : digits.count
        if token.isInteger && magnitude <= 15 {
            var value: Int64 = 0
            for b in digits where b != UInt8(ascii: "-") { value = value &* 10 &+ Int64(b &- UInt8(ascii: "0")) }
            return token.isNegative ? (-value, -Double(value)) : (value, Double(value))
        }
        let text = String(decoding: digits, as: UTF8.self)
        guard let d = Double(text) else { throw s.fail("\"version\" is not a number") }
        let clamped: Int64
        if d.isNaN {
            clamped = 0
        } else if d >= 9.223372036854775e18 {
            clamped = Int64.max
        } else if d <= -9.223372036854775e18 {
            clamped = Int64.min
        } else {
            clamped = Int64(d.rounded(.towardZero))
        }
        return (clamped, d)
    }
}
