/// A semantic version as the Python SDK reads one (the `semver` 3 package's strict grammar,
/// then with ".0" added once or twice before the first non-numeric part, so "1" and "1.2-beta"
/// are accepted), compared as `semver.Version.compare` does (build metadata ignored).
struct SemanticVersion: Sendable {
    /// major, minor, patch as canonical digit strings (they may exceed any fixed width).
    let numbers: [[UInt8]]
    let prerelease: [[UInt8]]?

    static func parse(_ text: String) -> SemanticVersion? {
        let bytes = Array(text.utf8)
        if let v = strict(bytes) { return v }
        let once = addZero(bytes)
        if let v = strict(once) { return v }
        return strict(addZero(once))
    }

    /// Python: `re.search("^([0-9.]*)(.*)", s)`, then group1 + ".0" + group2.
    private static func addZero(_ b: [UInt8]) -> [UInt8] {
        var i = 0
        while i < b.count, (b[i] >= 0x30 && b[i] <= 0x39) || b[i] == UInt8(ascii: ".") { i += 1 }
        return Array(b[0..<i]) + Array(".0".utf8) + Array(b[i...])
    }

    private static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
    private static func isIdent(_ c: UInt8) -> Bool {
        isDigit(c) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == UInt8(ascii: "-")
    }

    private static func strict(_ b: [UInt8]) -> SemanticVersion? {
        var i = 0
        var numbers: [[UInt8]] = []
        for part in 0..<3 {
            if part > 0 {
                guard i < b.count, b[i] == UInt8(ascii: ".") else { return nil }
                i += 1
            }
            let start = i
            while i < b.count, isDigit(b[i]) { i += 1 }
            if i == start { return nil }
            if i - start > 1 && b[start] == UInt8(ascii: "0") { return nil }
            numbers.append(Array(b[start..<i]))
        }
        var prerelease: [[UInt8]]? = nil
        if i < b.count, b[i] == UInt8(ascii: "-") {
            i += 1
            var ids: [[UInt8]] = []
            while true {
                let start = i
                while i < b.count, isIdent(b[i]) { i += 1 }
                if i == start { return nil }
                let id = Array(b[start..<i])
                if id.allSatisfy(isDigit) && id.count > 1 && id[0] == UInt8(ascii: "0") { return nil }
                ids.append(id)
                if i < b.count, b[i] == UInt8(ascii: ".") { i += 1; continue }
                break
            }
            prerelease = ids
        }
        if i < b.count, b[i] == UInt8(ascii: "+") {
            i += 1
            while true {
                let start = i
                while i < b.count, isIdent(b[i]) { i += 1 }
                if i == start { return nil }
                if i < b.count, b[i] == UInt8(ascii: ".") { i += 1; continue }
                break
            }
        }
        guard i == b.count else { return nil }
        return SemanticVersion(numbers: numbers, prerelease: prerelease)
    }

    private static func compareNumeric(_ a: [UInt8], _ b: [UInt8]) -> Int {
        if a.count != b.count { return a.count < b.count ? -1 : 1 }
        if a == b { return 0 }
        return a.lexicographicallyPrecedes(b) ? -1 : 1
    }

    func compare(_ other: SemanticVersion) -> Int {
        for i in 0..<3 {
            let c = SemanticVersion.compareNumeric(numbers[i], other.numbers[i])
            if c != 0 { return c }
        }
        switch (prerelease, other.prerelease) {
        case (nil, nil): return 0
        case (nil, _): return 1
        case (_, nil): return -1
        case (let a?, let b?):
            for (x, y) in zip(a, b) {
                let xNum = x.allSatisfy(SemanticVersion.isDigit), yNum = y.allSatisfy(SemanticVersion.isDigit)
                let c: Int
                if xNum && yNum {
                    c = SemanticVersion.compareNumeric(SemanticVersion.stripZeros(x), SemanticVersion.stripZeros(y))
                } else if xNum != yNum {
                    c = xNum ? -1 : 1
                } else {
                    c = x == y ? 0 : (x.lexicographicallyPrecedes(y) ? -1 : 1)
                }
                if c != 0 { return c }
            }
            return a.count == b.count ? 0 : (a.count < b.count ? -1 : 1)
        }
    }

    private static func stripZeros(_ a: [UInt8]) -> [UInt8] {
        let s = a.drop(while: { $0 == UInt8(ascii: "0") })
        return s.isEmpty ? [UInt8(ascii: "0")] : Array(s)
    }
}
