/// The character data of Python 3.11's `_sre` for str patterns (PyUnicodeTables, generated from
/// Python itself): simple case mappings, the extra case equivalences, and the \d \w \s classes.
enum PyUnicode {
    private static func decode(_ text: String) -> [UInt32] {
        var out: [UInt32] = []
        var v: UInt32 = 0
        var any = false
        for b in text.utf8 {
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): v = v &* 16 &+ UInt32(b - 48); any = true
            case UInt8(ascii: "a")...UInt8(ascii: "f"): v = v &* 16 &+ UInt32(b - 87); any = true
            default:
                if any { out.append(v) }
                v = 0; any = false
            }
        }
        if any { out.append(v) }
        return out
    }

    private static let lowerPairs = decode(PyUnicodeTables.lower)
    private static let upperPairs = decode(PyUnicodeTables.upper)
    private static let decimalRanges = decode(PyUnicodeTables.decimal)
    private static let alnumRanges = decode(PyUnicodeTables.alnum)
    private static let spaceRanges = decode(PyUnicodeTables.space)
    private static let idStartRanges = decode(PyUnicodeTables.identifierStart)
    private static let idContinueRanges = decode(PyUnicodeTables.identifierContinue)
    /// `_EXTRA_CASES`: a lowercase character → the other lowercase characters equivalent to it.
    static let extraCases: [UInt32: [UInt32]] = {
        let n = decode(PyUnicodeTables.extraCases)
        var out: [UInt32: [UInt32]] = [:]
        var i = 0
        while i + 1 < n.count {
            let count = Int(n[i + 1])
            guard i + 2 + count <= n.count else { break }
            out[n[i]] = Array(n[(i + 2)..<(i + 2 + count)])
            i += 2 + count
        }
        return out
    }()

    /// Binary search in (from, to) pairs sorted by `from`.
    private static func mapped(_ pairs: [UInt32], _ c: UInt32) -> UInt32 {
        var lo = 0, hi = pairs.count / 2
        while lo < hi {
            let mid = (lo + hi) / 2
            let k = pairs[2 * mid]
            if k == c { return pairs[2 * mid + 1] }
            if k < c { lo = mid + 1 } else { hi = mid }
        }
        return c
    }

    /// Whether `c` is in (first, last) ranges sorted by `first`.
    static func inRanges(_ ranges: [UInt32], _ c: UInt32) -> Bool {
        var lo = 0, hi = ranges.count / 2
        while lo < hi {
            let mid = (lo + hi) / 2
            if c < ranges[2 * mid] { hi = mid } else if c > ranges[2 * mid + 1] { lo = mid + 1 } else { return true }
        }
        return false
    }

    static func lower(_ c: UInt32) -> UInt32 {
        if c < 0x80 { return c >= 0x41 && c <= 0x5A ? c + 32 : c }
        return mapped(lowerPairs, c)
    }

    static func upper(_ c: UInt32) -> UInt32 {
        if c < 0x80 { return c >= 0x61 && c <= 0x7A ? c - 32 : c }
        return mapped(upperPairs, c)
    }

    static func isCased(_ c: UInt32) -> Bool { lower(c) != c || upper(c) != c }

    static func isDecimal(_ c: UInt32) -> Bool {
        if c < 0x80 { return c >= 0x30 && c <= 0x39 }
        return inRanges(decimalRanges, c)
    }

    /// The digit value of a decimal character (Nd comes in runs of ten from 0).
    static func decimalValue(_ c: UInt32) -> Int? {
        if c < 0x80 { return c >= 0x30 && c <= 0x39 ? Int(c - 0x30) : nil }
        var lo = 0, hi = decimalRanges.count / 2
        while lo < hi {
            let mid = (lo + hi) / 2
            if c < decimalRanges[2 * mid] { hi = mid } else if c > decimalRanges[2 * mid + 1] { lo = mid + 1 } else {
                return Int((c - decimalRanges[2 * mid]) % 10)
            }
        }
        return nil
    }

    static func isAlnum(_ c: UInt32) -> Bool {
        if c < 0x80 { return (c >= 0x30 && c <= 0x39) || (c | 0x20 >= 0x61 && c | 0x20 <= 0x7A) }
        return inRanges(alnumRanges, c)
    }

    static func isSpace(_ c: UInt32) -> Bool {
        if c < 0x80 { return c == 0x20 || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F) }
        return inRanges(spaceRanges, c)
    }

    static func isWord(_ c: UInt32) -> Bool { c == 0x5F || isAlnum(c) }

    /// Python's `str.isidentifier()`.
    static func isIdentifier(_ s: [UInt32]) -> Bool {
        guard let first = s.first, first == 0x5F || inRanges(idStartRanges, first) else { return false }
        for c in s.dropFirst() where !inRanges(idContinueRanges, c) { return false }
        return true
    }

    // The ASCII flag's versions (_sre's ascii_tolower / SRE_IS_*).
    static func asciiLower(_ c: UInt32) -> UInt32 { c >= 0x41 && c <= 0x5A ? c + 32 : c }
    static func asciiIsCased(_ c: UInt32) -> Bool { c < 0x80 && (c | 0x20 >= 0x61 && c | 0x20 <= 0x7A) }
    static func asciiIsDecimal(_ c: UInt32) -> Bool { c >= 0x30 && c <= 0x39 }
    static func asciiIsSpace(_ c: UInt32) -> Bool { c == 0x20 || (c >= 0x09 && c <= 0x0D) }
    static func asciiIsWord(_ c: UInt32) -> Bool { c < 0x80 && (c == 0x5F || isAlnum(c)) }
}

/// `unicodedata.lookup` as Python 3.11 does it for `\N{name}` (Modules/unicodedata.c `_getcode`):
/// Hangul syllables and unified ideographs by rule (upper case only), every other name and the
/// aliases (formal, control, abbreviation, ...) without regard to ASCII case. The names themselves come from Swift's Unicode data, limited
/// to characters of Unicode 14.0 (Python 3.11's version).
enum PyUnicodeNames {
    private static let cjkUnified = PyUnicodeTables.cjkUnified.split(separator: ",").compactMap { UInt32($0, radix: 16) }
    private static let hangulL = ["G", "GG", "N", "D", "DD", "R", "M", "B", "BB", "S", "SS", "", "J", "JJ", "C", "K", "T", "P", "H"]
    private static let hangulV = ["A", "AE", "YA", "YAE", "EO", "E", "YEO", "YE", "O", "WA", "WAE", "OE", "YO", "U", "WEO", "WE",
                                  "WI", "YU", "EU", "YI", "I"]
    private static let hangulT = ["", "G", "GG", "GS", "N", "NJ", "NH", "D", "L", "LG", "LM", "LB", "LS", "LT", "LP", "LH", "M",
                                  "B", "BS", "S", "SS", "NG", "J", "C", "K", "T", "P", "H"]

    /// Upper-cased names → code points, built on first use.
    private static let byName: [String: UInt32] = {
        var out: [String: UInt32] = [:]
        out.reserveCapacity(40_000)
        for c in UInt32(0)..<0x110000 {
            guard let scalar = Unicode.Scalar(c), let age = scalar.properties.age,
                  age.major < 14 || (age.major == 14 && age.minor == 0), let name = scalar.properties.name else { continue }
            if name.hasPrefix("CJK UNIFIED IDEOGRAPH-") || name.hasPrefix("HANGUL SYLLABLE ") || name.hasPrefix("TANGUT IDEOGRAPH-") { continue }
            out[name] = c
        }
        for (alias, code) in PyUnicodeTables.nameAliases where out[alias] == nil { out[alias] = code }
        return out
    }()

    static func asciiUpper(_ s: [UInt32]) -> [UInt32] { s.map { $0 >= 0x61 && $0 <= 0x7A ? $0 - 32 : $0 } }

    static func hasPrefix(_ s: [UInt32], _ prefix: String) -> Bool {
        let p = prefix.unicodeScalars.map(\.value)
        return s.count >= p.count && Array(s[0..<p.count]) == p
    }

    /// The longest of `options` at the start of `s` (the empty one matches too).
    static func syllable(_ s: ArraySlice<UInt32>, _ options: [String]) -> (index: Int, length: Int)? {
        var best: (Int, Int)? = nil
        for (i, o) in options.enumerated() {
            let u = o.unicodeScalars.map(\.value)
            if u.count > (best?.1 ?? -1), s.count >= u.count, Array(s.prefix(u.count)) == u { best = (i, u.count) }
        }
        return best
    }

    static func lookup(_ name: [UInt32]) -> UInt32? {
        if hasPrefix(name, "HANGUL SYLLABLE ") {
            var rest = name[16...]
            guard let l = syllable(rest, hangulL) else { return nil }
            rest = rest.dropFirst(l.length)
            guard let v = syllable(rest, hangulV) else { return nil }
            rest = rest.dropFirst(v.length)
            guard let t = syllable(rest, hangulT) else { return nil }
            rest = rest.dropFirst(t.length)
            guard rest.isEmpty else { return nil }
            return 0xAC00 + UInt32((l.index * 21 + v.index) * 28 + t.index)
        }
        if hasPrefix(name, "CJK UNIFIED IDEOGRAPH-") {
            let hex = name[22...]
            guard hex.count == 4 || hex.count == 5 else { return nil }
            var v: UInt32 = 0
            for c in hex {
                switch c {
                case 0x30...0x39: v = v * 16 + c - 0x30
                case 0x41...0x46: v = v * 16 + c - 0x41 + 10
                default: return nil
                }
            }
            return PyUnicode.inRanges(cjkUnified, v) ? v : nil
        }
        guard name.allSatisfy({ $0 < 0x80 }) else { return nil }
        let key = String(decoding: asciiUpper(name).map { UInt8($0) }, as: UTF8.self)
        return byName[key]
    }
}
