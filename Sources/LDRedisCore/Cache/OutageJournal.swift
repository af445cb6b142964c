/// The infinite cache's record of what this store wrote (SPEC section 5): per kind, the items
/// of its latest init of that kind patched by every write since (applied, or failed by an
/// outage), and which kinds' latest init did not reach Redis. Every kind the store wrote is
/// here, not only the kinds of the last init. `WriteBack` writes it to Redis after an outage
/// and when Redis restarted empty; reads never use it. Thread-safe.
final class OutageJournal: @unchecked Sendable {
    private let lock = Lock()
    private var kinds: [String: [String: StoredItem]] = [:]
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
        var replaced: [(String, [String: StoredItem])] = []
        for kind in data.kinds {
            var items: [String: StoredItem] = [:]
            items.reserveCapacity(kind.items.count)
            for (key, item) in kind.items { items[key] = item }
            replaced.append((kind.name, items))
        }
        let old = lock.withLock { () -> [[String: StoredItem]] in
            var old: [[String: StoredItem]] = []
            for (name, items) in replaced {
                if let previous = kinds.updateValue(items, forKey: name) { old.append(previous) }
                if reachedRedis { unappliedInits.remove(name) } else { unappliedInits.insert(name) }
            }
            initialized = true
            return old
        }
        withExtendedLifetime(old) {}    // freed outside the lock
    }

    /// Records a write (or a stored winner learned from Redis); never replaces a higher version.
    func record(kind: String, key: String, item: StoredItem) {
        lock.withLock {
            if let current = kinds[kind]?[key], current.header.order > item.header.order { return }
            kinds[kind, default: [:]][key] = item
        }
    }

    /// Records a stored winner for an item the journal holds (others are not this store's).
    func recordWinner(kind: String, key: String, item: StoredItem) {
        lock.withLock {
            guard let current = kinds[kind]?[key], current.header.order < item.header.order else { return }
            kinds[kind]?[key] = item
        }
    }

    var wasInitialized: Bool { lock.withLock { initialized } }
    var hasUnappliedInits: Bool { lock.withLock { !unappliedInits.isEmpty } }

    /// The data to write back. Call `replacementsApplied` once the replacements are in Redis.
    func snapshot() -> Snapshot {
        lock.withLock {
            var s = Snapshot(initialized: initialized)
            for (name, items) in kinds {
                if unappliedInits.contains(name) {
                    s.replacements.append(FullDataSet.Kind(name: name, items: items.map { ($0.key, $0.value) }))
                } else {
                    for (key, item) in items { s.writes.append(.init(kind: name, key: key, item: item)) }
                }
            }
            return s
        }
    }

    /// The inits of these kinds are now in Redis.
    func replacementsApplied(_ names: [String]) {
        lock.withLock { unappliedInits.subtract(names) }
    }
}
