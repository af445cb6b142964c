/// One slice of the item cache, with its own lock, loads and counters.
final class ItemShard: @unchecked Sendable {
    let lock = Lock(adaptive: true)
    var cache: LRUCache<ItemKey, StoredItem?>
    var loads: [ItemKey: InFlight<StoredItem?>] = [:]
    var refreshing: [ItemKey: RefreshToken] = [:]
    var hits = 0, misses = 0, coalesced = 0

    init(capacity: Int) {
        cache = LRUCache(capacity: capacity)
    }
}
