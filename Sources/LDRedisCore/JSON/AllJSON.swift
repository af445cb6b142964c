import Glibc

/// Builds the JSON object `{key: item, ...}` of a kind's live items from the stored bytes, in
/// one pass into one malloc'd buffer: the one the C API hands to its caller.
public enum AllJSON {
    /// The object, written into a buffer from `malloc` (NUL-terminated; the caller frees it);
    /// nil when out of memory.
    public static func encodeMalloced(_ items: [(key: String, item: StoredItem)]) -> (pointer: UnsafeMutablePointer<UInt8>, count: Int)? {
        let writer = Writer()
        for (key, item) in items where !item.deleted {
            var key = key
            key.withUTF8 { name in
                item.json.withUnsafeBytes { json in writer.append(key: UnsafeRawBufferPointer(name), json: json) }
            }
        }
        return writer.finish()
    }

    /// The same object as an array (tests, Swift callers).
    public static func encode(_ items: [(key: String, item: StoredItem)]) -> [UInt8] {
        guard let (pointer, count) = encodeMalloced(items) else { return [] }
        defer { free(pointer) }
        return Array(UnsafeBufferPointer(start: pointer, count: count))
    }

    /// The object being written: `{`, then `"key":json` per item, comma-separated, into a
    /// malloc'd buffer that grows by doubling; `finish` closes it and hands the buffer over.
    class Writer {
        private var base: UnsafeMutablePointer<UInt8>?
        private var capacity = 0
        private var count = 0
        private var first = true
        private var failed = false

        /// `capacity`: the size expected (more is reserved as needed, by doubling, which
        /// copies what was written: a good guess saves that).
        init(capacity: Int = 2) {
            reserve(max(2, capacity))
            if let base { base[0] = UInt8(ascii: "{") }
            count = 1
        }

        deinit { free(base) }

        /// Appends `"key":json`; the key is written as a JSON string (the bytes of the item key
        /// as Redis holds them, as `String(decoding:as: UTF8.self)` reads them), the item as is.
        final func append(key: UnsafeRawBufferPointer, json: UnsafeRawBufferPointer) {
            // An upper bound: a key byte escapes to at most 6 bytes ("\u00XX"), or is a
            // replacement character (3 bytes) when it is not UTF-8.
            let (k, overflowK) = key.count.multipliedReportingOverflow(by: 6)
            let (need, overflowN) = k.addingReportingOverflow(json.count &+ 6)
            guard !overflowK && !overflowN, reserve(need), let base else { return }
            if !first { base[count] = UInt8(ascii: ","); count += 1 }
            first = false
            count = JSONWriter.writeKey(key, to: base, at: count)
            base[count] = UInt8(ascii: ":"); count += 1
            if let src = json.baseAddress { memcpy(base + count, src, json.count) }
            count += json.count
        }

        /// Closes the object (NUL-terminated) and hands the buffer over; nil when out of memory.
        final func finish() -> (pointer: UnsafeMutablePointer<UInt8>, count: Int)? {
            guard reserve(2), let base else { return nil }
            base[count] = UInt8(ascii: "}")
            base[count + 1] = 0
            self.base = nil
            return (base, count + 1)
        }

        /// Out of memory: `finish` returns nil.
        final func fail() {
            failed = true
        }

        /// Room for `extra` more bytes; false (for good) when out of memory.
        @discardableResult
        private final func reserve(_ extra: Int) -> Bool {
            guard !failed else { return false }
            let (needed, overflow) = count.addingReportingOverflow(extra)
            guard !overflow else { failed = true; return false }
            if needed <= capacity { return true }
            let grown = capacity.multipliedReportingOverflow(by: 2)
            let size = grown.overflow ? needed : max(needed, grown.partialValue, 4096)
            guard let raw = realloc(base, size) else { failed = true; return false }
            base = raw.assumingMemoryBound(to: UInt8.self)
            capacity = size
            return true
        }
    }

    /// Takes the field/value pairs of a kind's `HGETALL` reply as they are parsed: each value is
    /// checked where it lies in the reply buffer (`ItemParser.parseStored`, or the verdict of the
    /// same bytes in the last reply: `VerdictMemo`), a live item is
    /// written to the object at once, a tombstone left out, a value that is not an item (or a
    /// pair with a non-string element) skipped and counted.
    final class HashSink: Writer, ArrayReplySink {
        /// Written into a buffer of `capacity` bytes at first: the size of the last object made
        /// for the kind, and an eighth more. `memo`: the verdicts of the last reply, for values
        /// that are the same bytes (nil: every value is scanned).
        init(expecting capacity: Int, memo: VerdictMemo.Pass? = nil) {
            self.memo = memo
            super.init(capacity: capacity.addingReportingOverflow(capacity / 8).partialValue)
        }

        let memo: VerdictMemo.Pass?


        private(set) var skipped = 0
        /// The pending field, in a buffer reused for every key (no allocation per item).
        private var key: UnsafeMutableRawPointer?
        private var keyCapacity = 0
        private var keyCount = 0
        private var keyIsBulk = false
        private var expectingValue = false

        deinit { free(key) }

        func element(_ bulk: UnsafeRawBufferPointer?) {
            guard expectingValue else {
                // A field: kept until its value arrives (the parser's buffer moves on).
                expectingValue = true
                keyIsBulk = bulk != nil
                keyCount = 0
                guard let bulk, let source = bulk.baseAddress, bulk.count > 0 else { return }
                if bulk.count > keyCapacity {
                    guard let grown = realloc(key, bulk.count) else { keyIsBulk = false; fail(); return }
                    key = grown
                    keyCapacity = bulk.count
                }
                guard let buffer = key else { return }
                memcpy(buffer, source, bulk.count)
                keyCount = bulk.count
                return
            }
            expectingValue = false
            guard keyIsBulk, let bulk else {
                skipped += 1
                return
            }
            let verdict = memo?.verdict(bulk, scan: HashSink.scan) ?? HashSink.scan(bulk)
            switch verdict {
            case .live: append(key: UnsafeRawBufferPointer(start: key, count: keyCount), json: bulk)
            case .deleted: return
            case .malformed: skipped += 1
            }
        }

        @inline(__always)
        static func scan(_ value: UnsafeRawBufferPointer) -> VerdictMemo.Verdict {
            guard let header = ItemParser.parseStored(value.assumingMemoryBound(to: UInt8.self)) else { return .malformed }
            return header.deleted ? .deleted : .live
        }
    }
}
