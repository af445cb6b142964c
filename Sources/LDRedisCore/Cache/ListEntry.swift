/// A cached list and when it goes stale.
struct ListEntry {
    var items: [(key: String, item: StoredItem)]
    /// The values `all` skipped (not items), for the evaluator.
    var malformed: [(key: String, json: [UInt8])] = []
    let expiresAt: UInt64

    /// Replaces or appends an item (infinite mode keeps lists current instead of dropping them).
    mutating func patch(_ key: String, _ item: StoredItem) {
        if !malformed.isEmpty { malformed.removeAll { $0.key.utf8.elementsEqual(key.utf8) } }
        if let i = items.firstIndex(where: { $0.key.utf8.elementsEqual(key.utf8) }) {   // bytes, as Redis
            items[i].item = item
        } else {
            items.append((key, item))
        }
    }
}
