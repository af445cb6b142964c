/// The infinite cache's record of what this store wrote (SPEC section 5): per kind, the items
/// of its latest init of that kind patched by every write since (applied, or failed by an
/// outage), and which kinds' latest init did not reach Redis. Every kind the store wrote is
/// here, not only the kinds of the last init. `WriteBack` writes it to Redis after an outage
/// and when Redis restarted empty; reads never use it. Thread-safe.
///
/// Keys are `ItemKey`s, which hash the UTF-8 bytes: two keys Swift calls equal but Redis keeps
/// apart ("é" as one code point or as "e" and a combining accent) stay two entries.
final class OutageJournal: @unchecked Sendable {
    private let lock = Lock()
    /// Per kind (an `ItemKey` with an empty key, for the same reason), the items by key.
    private var kinds: [ItemKey: [ItemKey: StoredItem]] = [:]
    /// Kinds whose latest init did not reach Redis: written back with init semantics.
    private var unappliedInits: Set<String> = []
    /// Whether this store ever initialized (a write-back then also restores `$inited`).
    private var initialized = false

    /// What a write-back needs, taken at one instant.
    struct Snapshot {
        /// Kinds to write back with init semantics (their init did not reach Redis).
        var replacements: [FullDataSet.Kind] = []
        /// Every other item, to write back version-checked.
        var writes: [RedisFeatureStore.PendingWrite] = []
        var initialized = false
    }

    /// Records an init: its kinds' items replace what the journal held for them.
    func recordInit(_ data: FullDataSet, reachedRedis: Bool) {
        var replaced: [(String, [ItemKey: StoredItem])] = []
        for kind in data.kinds {
            var items: [ItemKey: StoredItem] = [:]
            items.reserveCapacity(kind.items.count)
            for (key, item) in kind.items { items[ItemKey(kind: kind.name, key: key)] = item }
            replaced.append((kind.name, items))
        }
        let old = lock.withLock { () -> [[ItemKey: StoredItem]] in
            var old: [[ItemKey: StoredItem]] = []
            for (name, items) in replaced {
                if let previous = kinds.updateValue(items, forKey: OutageJournal.kindKey(name)) { old.append(previous) }
                if reachedRedis { unappliedInits.remove(name) } else { unappliedInits.insert(name) }
            }
            initialized = true
            return old
        }
        withExtendedLifetime(old) {}    // freed outside the lock
    }

    /// Records a write (or a stored winner learned from Redis); never replaces a higher version.
    func record(kind: String, key: String, item: StoredItem) {
        let name = OutageJournal.kindKey(kind), itemKey = ItemKey(kind: kind, key: key)
        lock.withLock {
            if let current = kinds[name]?[itemKey], current.header.order > item.header.order { return }
            kinds[name, default: [:]][itemKey] = item
        }
    }

    /// Records a stored winner for an item the journal holds (others are not this store's).
    func recordWinner(kind: String, key: String, item: StoredItem) {
        let name = OutageJournal.kindKey(kind), itemKey = ItemKey(kind: kind, key: key)
        lock.withLock {
            guard let current = kinds[name]?[itemKey], current.header.order < item.header.order else { return }
            kinds[name]?[itemKey] = item
        }
    }

    var wasInitialized: Bool { lock.withLock { initialized } }
    var hasUnappliedInits: Bool { lock.withLock { !unappliedInits.isEmpty } }

    /// The data to write back. Call `replacementsApplied` once the replacements are in Redis.
    func snapshot() -> Snapshot {
        lock.withLock {
            var s = Snapshot(initialized: initialized)
            for (name, items) in kinds {
                if unappliedInits.contains(name.kind) {
                    s.replacements.append(FullDataSet.Kind(name: name.kind, items: items.map { ($0.key.key, $0.value) }))
                } else {
                    for (key, item) in items { s.writes.append(.init(kind: name.kind, key: key.key, item: item)) }
                }
            }
            return s
        }
    }

    private static func kindKey(_ name: String) -> ItemKey { ItemKey(kind: name, key: "") }

    /// The inits of these kinds are now in Redis.
    func replacementsApplied(_ names: [String]) {
        lock.withLock { unappliedInits.subtract(names) }
    }
}
