/// The item cache (SPEC section 4): each item result, including not found and deleted, in
/// shards of an LRU map, each shard with its own lock, its in-flight loads (concurrent misses
/// for one key share one Redis read) and its background refreshes. Thread-safe.
final class ItemCache: @unchecked Sendable {
    /// What a lookup decided, in one critical section.
    enum Lookup {
        /// Fresh (or stale, served while another refresh runs): the answer.
        case value(StoredItem?)
        /// Stale with refresh-ahead: serve it, and the caller schedules the one refresh.
        case valueAndRefresh(StoredItem?)
        /// Another caller is reading it from Redis: wait for that read.
        case wait(InFlight<StoredItem?>)
        /// A miss: the caller reads it from Redis, then calls `finishLoad`.
        case load(InFlight<StoredItem?>)
    }

    /// The shards, retained here and released in deinit; held as Unmanaged so the hit path can
    /// borrow them (a retain on an object every thread shares would be a contended atomic
    /// write per hit).
    private let shardRefs: UnsafeMutableBufferPointer<Unmanaged<ItemShard>>

    /// `capacity` entries at most (0: unbounded), spread over up to 16 shards.
    init(capacity: Int) {
        let shardCount = capacity == 0 ? 16 : max(1, min(16, capacity / 64))
        shardRefs = .allocate(capacity: shardCount)
        _ = shardRefs.initialize(from: (0..<shardCount).map { i in
            Unmanaged.passRetained(ItemShard(capacity: capacity == 0 ? 0 : capacity / shardCount + (i < capacity % shardCount ? 1 : 0)))
        })
    }

    deinit {
        for shard in shardRefs { shard.release() }
        shardRefs.deallocate()
    }

    /// Looks `key` up and decides, in one critical section, what the caller does next.
    @inline(__always)
    func lookup(_ key: ItemKey, now: UInt64, refreshAhead: Bool, canRefresh: () -> Bool) -> Lookup {
        shardRefs[shardIndex(key)]._withUnsafeGuaranteedRef { shard in
            shard.lock.lock()
            defer { shard.lock.unlock() }
            if let cached = shard.cache.lookup(key, now: now) {
                if cached.fresh {
                    shard.hits += 1
                    return .value(cached.value)
                }
                if refreshAhead {
                    shard.hits += 1
                    guard shard.refreshing[key] == nil && canRefresh() else { return .value(cached.value) }
                    shard.refreshing[key] = RefreshToken()
                    return .valueAndRefresh(cached.value)
                }
            }
            shard.misses += 1
            if let load = shard.loads[key] {
                shard.coalesced += 1
                return .wait(load)
            }
            let load = InFlight<StoredItem?>()
            shard.loads[key] = load
            return .load(load)
        }
    }

    /// Ends a load: caches a successful result unless a write superseded it, and hands the
    /// result to the waiters.
    func finishLoad(_ key: ItemKey, _ load: InFlight<StoredItem?>, _ result: Result<StoredItem?, StoreError>,
                    expiresAt: UInt64) {
        let shard = shard(for: key)
        shard.lock.withLock {
            if shard.loads[key] === load { shard.loads[key] = nil }
            if case .success(let item) = result, !load.superseded {
                shard.cache.set(key, item, expiresAt: expiresAt)
            }
        }
        load.finish(result)
    }

    /// Ends a background refresh: caches its result unless a write superseded it.
    func finishRefresh(_ key: ItemKey, _ result: Result<StoredItem?, StoreError>, expiresAt: UInt64) {
        let shard = shard(for: key)
        shard.lock.withLock {
            let token = shard.refreshing.removeValue(forKey: key)
            if case .success(let item) = result, let token, !token.superseded {
                shard.cache.set(key, item, expiresAt: expiresAt)
            }
        }
    }

    /// Caches an item after a write and cancels older loads and refreshes of it. Never replaces
    /// a higher cached version (two writers of one key may finish in either order): false then.
    func remember(_ key: ItemKey, _ item: StoredItem, expiresAt: UInt64) -> Bool {
        let shard = shard(for: key)
        return shard.lock.withLock {
            if let cached = shard.cache.lookup(key, now: 0), let existing = cached.value,
               existing.header.order > item.header.order {
                return false
            }
            shard.cache.set(key, item, expiresAt: expiresAt)
            shard.loads[key]?.superseded = true
            shard.refreshing[key]?.superseded = true
            return true
        }
    }

    /// Caches an item as it is (init).
    func set(_ key: ItemKey, _ item: StoredItem?, expiresAt: UInt64) {
        let shard = shard(for: key)
        shard.lock.withLock { shard.cache.set(key, item, expiresAt: expiresAt) }
    }

    /// Drops an item and cancels its loads and refreshes.
    func forget(_ key: ItemKey) {
        let shard = shard(for: key)
        shard.lock.withLock {
            shard.cache.removeValue(forKey: key)
            shard.loads[key]?.superseded = true
            shard.refreshing[key]?.superseded = true
        }
    }

    /// Empties every shard; the old entries go to `garbage`.
    func clear(into garbage: Disposal) {
        for ref in shardRefs {
            let shard = ref.takeUnretainedValue()
            shard.lock.withLock {
                garbage.add(shard.cache)
                shard.cache = LRUCache(capacity: shard.cache.capacity)
                for (_, load) in shard.loads { load.superseded = true }
                for (_, token) in shard.refreshing { token.superseded = true }
            }
        }
    }

    /// Hits, misses, coalesced waits, evictions and entries, summed over the shards.
    var counters: (hits: Int, misses: Int, coalesced: Int, evictions: Int, entries: Int) {
        var c = (hits: 0, misses: 0, coalesced: 0, evictions: 0, entries: 0)
        for ref in shardRefs {
            let shard = ref.takeUnretainedValue()
            shard.lock.withLock {
                c.hits += shard.hits
                c.misses += shard.misses
                c.coalesced += shard.coalesced
                c.evictions += shard.cache.evictions
                c.entries += shard.cache.count
            }
        }
        return c
    }

    private func shard(for key: ItemKey) -> ItemShard {
        shardRefs[shardIndex(key)].takeUnretainedValue()
    }

    @inline(__always)
    private func shardIndex(_ key: ItemKey) -> Int {
        Int((key.hash >> 32) % UInt64(shardRefs.count))
    }
}
