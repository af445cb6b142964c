/// Where each item key of a kind is, by its UTF-8 bytes, as Redis compares fields (a Swift
/// String compares by canonical equivalence: "\u{E9}" == "e\u{301}", two fields for Redis).
/// Open addressing over a seeded multiply-xorshift hash of the bytes, each key hashed once (a
/// `Dictionary<String, Int>` made a 10,000-flag init measurably slower).
struct KeyPositions {
    private static let seed = UInt64.random(in: 1...UInt64.max)
    private var slots: [Int32] = []       // item index + 1; 0 is empty
    private var hashes: [UInt64] = []     // by item index
    private var mask = -1

    /// The index of `key` in `items` when it is there; otherwise records it at `items.count`
    /// (the caller appends it) and returns nil.
    mutating func existing(_ key: String, orAppendedTo items: [(key: String, item: StoredItem)]) -> Int? {
        let hash = key.utf8.withContiguousStorageIfAvailable(KeyPositions.hash) ?? KeyPositions.hash(Array(key.utf8))
        if (hashes.count + 1) * 2 > slots.count { grow() }
        var slot = Int(truncatingIfNeeded: hash) & mask
        while slots[slot] != 0 {
            let index = Int(slots[slot]) - 1
            if hashes[index] == hash && items[index].key.utf8.elementsEqual(key.utf8) { return index }
            slot = (slot + 1) & mask
        }
        slots[slot] = Int32(truncatingIfNeeded: hashes.count + 1)
        hashes.append(hash)
        return nil
    }

    private mutating func grow() {
        let size = max(64, slots.count * 2)
        slots = [Int32](repeating: 0, count: size)
        mask = size - 1
        for (index, hash) in hashes.enumerated() {
            var slot = Int(truncatingIfNeeded: hash) & mask
            while slots[slot] != 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(truncatingIfNeeded: index + 1)
        }
    }

    private static func hash(_ bytes: [UInt8]) -> UInt64 {
        bytes.withUnsafeBufferPointer(hash)
    }

    private static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h = seed ^ (UInt64(bytes.count) &* 0x9E37_79B9_7F4A_7C15)
        let raw = UnsafeRawBufferPointer(bytes)
        var i = 0
        while i + 8 <= bytes.count {
            h = (h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xFF51_AFD7_ED55_8CCD
            h ^= h >> 32
            i += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < bytes.count {
            tail |= UInt64(bytes[i]) << shift
            shift += 8
            i += 1
        }
        h = (h ^ tail) &* 0xC4CE_B9FE_1A85_EC53
        return h ^ (h >> 29)
    }
}
