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
