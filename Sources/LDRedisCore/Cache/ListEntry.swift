/// A cached list and when it goes stale.
struct ListEntry {
    var items: [(key: String, item: StoredItem)]
    let expiresAt: UInt64

    /// Replaces or appends an item (infinite mode keeps lists current instead of dropping them).
    mutating func patch(_ key: String, _ item: StoredItem) {
        if let i = items.firstIndex(where: { $0.key.utf8.elementsEqual(key.utf8) }) {   // bytes, as Redis
            items[i].item = item
        } else {
            items.append((key, item))
        }
    }
}
