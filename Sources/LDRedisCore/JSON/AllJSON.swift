import Glibc

/// Builds the JSON object `{key: item, ...}` of a kind's live items from the stored bytes, in
/// one pass into one malloc'd buffer: the one the C API hands to its caller.
public enum AllJSON {
    /// The object, written into a buffer from `malloc` (NUL-terminated; the caller frees it);
    /// nil when out of memory.
    public static func encodeMalloced(_ items: [(key: String, item: StoredItem)]) -> (pointer: UnsafeMutablePointer<UInt8>, count: Int)? {
        // An upper bound: a key byte escapes to at most 6 bytes ("\u00XX").
        var capacity = 3
        for (key, item) in items where !item.deleted {
            let (k, overflowK) = key.utf8.count.multipliedReportingOverflow(by: 6)
            let (sum, overflowS) = capacity.addingReportingOverflow(k &+ item.json.count &+ 4)
            guard !overflowK && !overflowS else { return nil }
            capacity = sum
        }
        guard let raw = malloc(capacity) else { return nil }
        let base = raw.assumingMemoryBound(to: UInt8.self)
        var n = 0
        base[n] = UInt8(ascii: "{"); n += 1
        var first = true
        for (key, item) in items where !item.deleted {
            if !first { base[n] = UInt8(ascii: ","); n += 1 }
            first = false
            n = JSONWriter.writeString(key, to: base, at: n)
            base[n] = UInt8(ascii: ":"); n += 1
            item.json.withUnsafeBufferPointer { json in
                if let src = json.baseAddress { memcpy(base + n, src, json.count) }
            }
            n += item.json.count
        }
        base[n] = UInt8(ascii: "}"); n += 1
        base[n] = 0
        return (base, n)
    }

    /// The same object as an array (tests, Swift callers).
    public static func encode(_ items: [(key: String, item: StoredItem)]) -> [UInt8] {
        guard let (pointer, count) = encodeMalloced(items) else { return [] }
        defer { free(pointer) }
        return Array(UnsafeBufferPointer(start: pointer, count: count))
    }
}
