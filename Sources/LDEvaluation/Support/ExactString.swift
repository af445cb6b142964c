import Glibc

/// A string compared and hashed by its UTF-8 bytes, as Python compares `str` (code point by code
/// point). Swift's `String ==` uses canonical equivalence, which the SDKs do not.
struct ExactString: Hashable, Sendable {
    let value: String

    init(_ value: String) { self.value = value }

    static func == (a: ExactString, b: ExactString) -> Bool { a.value.utf8Equals(b.value) }

    func hash(into hasher: inout Hasher) {
        let done: Void? = value.utf8.withContiguousStorageIfAvailable { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        if done == nil { for byte in value.utf8 { hasher.combine(byte) } }
    }
}

extension String {
    /// Byte equality (code point equality for valid UTF-8).
    @inline(__always)
    func utf8Equals(_ other: String) -> Bool {
        let a = utf8, b = other.utf8
        let n = a.count
        guard n == b.count else { return false }
        if n == 0 { return true }
        let fast: Bool?? = a.withContiguousStorageIfAvailable { x in
            b.withContiguousStorageIfAvailable { y in
                guard let p = x.baseAddress, let q = y.baseAddress else { return false }
                return memcmp(p, q, n) == 0
            }
        }
        if let fast, let result = fast { return result }
        return a.elementsEqual(b)
    }

    /// Python's `str.startswith`.
    func utf8HasPrefix(_ prefix: String) -> Bool {
        let a = utf8, p = prefix.utf8
        return a.count >= p.count && a.prefix(p.count).elementsEqual(p)
    }

    /// Python's `str.endswith`.
    func utf8HasSuffix(_ suffix: String) -> Bool {
        let a = utf8, s = suffix.utf8
        return a.count >= s.count && a.suffix(s.count).elementsEqual(s)
    }

    /// Python's `needle in self` (a UTF-8 substring search equals a code point search).
    func utf8Contains(_ needle: String) -> Bool {
        let hay = Array(utf8), pat = Array(needle.utf8)
        if pat.isEmpty { return true }
        if pat.count > hay.count { return false }
        let first = pat[0]
        var i = 0
        let last = hay.count - pat.count
        while i <= last {
            if hay[i] == first {
                var j = 1
                while j < pat.count && hay[i + j] == pat[j] { j += 1 }
                if j == pat.count { return true }
            }
            i += 1
        }
        return false
    }
}
