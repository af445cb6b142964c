/// The SDKs' persistent-store wrapper (SPEC sections 4 and 5): an in-process cache in front
/// of `RedisFeatureStore`, status tracking and outage recovery. Thread-safe.
///
/// Cache modes: off (TTL 0: every call goes to Redis), TTL (entries expire), infinite (TTL < 0:
/// entries never expire, the cache is the source of truth during outages).
public final class CachingStore: @unchecked Sendable {
    public enum Mode: Equatable, Sendable {
        case off
        case ttl(milliseconds: Int64)
        case infinite
    }

    /// How often an unavailable store checks whether Redis is back (the SDKs' 500 ms).
    public static let pollIntervalMilliseconds: Int64 = 500

    public let core: RedisFeatureStore
    public let mode: Mode
    let refreshAhead: Bool
    let repopulateOnRestart: Bool
    private let ttlNanoseconds: UInt64

    /// The cache's shards, retained here and released in deinit; held as Unmanaged so the hit
    /// path can borrow them.
    private let shardRefs: UnsafeMutableBufferPointer<Unmanaged<ItemShard>>
    private let lists = Lock()
    private var listCache: [String: ListEntry] = [:]
    private var listLoads: [String: InFlight<[(key: String, item: StoredItem)]>] = [:]
    private var listHits = 0, listMisses = 0, listCoalesced = 0

    private let state = Lock()
    private var initialized: InitializedState = .unknown
    /// Infinite mode: every item of the kinds given by the last init, patched by every write
    /// since (also failed ones): what a recovery writes back.
    private var fullData: [String: [String: StoredItem]]?
    /// Infinite mode without a full data set: the writes made during an outage, to write back
    /// one by one (with the version rule) on recovery.
    private var pendingWrites: [ItemKey: StoredItem] = [:]
    private var closed = false

    let worker: BackgroundWorker
    let status: StatusTracker

    public init(configuration: StoreConfiguration) throws(StoreError) {
        core = RedisFeatureStore(configuration: configuration)
        let ttl = configuration.cacheTTLMilliseconds
        mode = ttl == 0 ? .off : (ttl < 0 ? .infinite : .ttl(milliseconds: ttl))
        ttlNanoseconds = ttl > 0 ? UInt64(ttl) &* 1_000_000 : 0
        refreshAhead = configuration.cacheRefreshAhead && ttl > 0
        repopulateOnRestart = configuration.repopulateOnRestart && ttl < 0
        let capacity = configuration.cacheCapacity
        let shardCount = capacity == 0 ? 16 : max(1, min(16, capacity / 64))
        shardRefs = .allocate(capacity: shardCount)
        _ = shardRefs.initialize(from: (0..<shardCount).map { i in
            Unmanaged.passRetained(ItemShard(capacity: capacity == 0 ? 0 : capacity / shardCount + (i < capacity % shardCount ? 1 : 0)))
        })
        worker = BackgroundWorker(tickMilliseconds: CachingStore.pollIntervalMilliseconds)
        status = StatusTracker(worker: worker)
        // The tick holds the store until close() stops the thread (no weak reference: a weak
        // reference would move the store's refcount to a side table and make every retain on
        // the read path a slow, contended atomic).
        try worker.start { [self] in backgroundTick() }
    }

    /// Stops the background thread (at once: it exits after the job it is running), removes
    /// the listener (waiting for a running callback) and closes the connections. A store must be
    /// closed: until then its background thread keeps it alive.
    public func close() {
        state.withLock { closed = true }
        status.setListener(nil)
        core.close()
        worker.stop(waitingUpTo: 50)
    }

    deinit {
        worker.stop()
        for shard in shardRefs { shard.release() }
        shardRefs.deallocate()
    }

    // MARK: Reads

    /// One item, tombstones included; nil when absent. Served from the cache when fresh.
    public func get(kind: String, key: String) throws(StoreError) -> StoredItem? {
        guard mode != .off else { return try tracked { () throws(StoreError) in try core.get(kind: kind, key: key) } }
        try DataKind.validate(kind)
        try DataKind.validateKey(key)
        let itemKey = ItemKey(kind: kind, key: key)
        let now = clock()
        // One critical section decides; the shard is borrowed, not retained (a retain on an
        // object every thread shares would be a contended atomic write per hit).
        let found: Lookup = shardRefs[shardIndex(itemKey)]._withUnsafeGuaranteedRef { shard in
            shard.lock.lock()
            defer { shard.lock.unlock() }
            if let cached = shard.cache.lookup(itemKey, now: now) {
                if cached.fresh {
                    shard.hits += 1
                    return .value(cached.value)
                }
                if refreshAhead {
                    shard.hits += 1
                    guard shard.refreshing[itemKey] == nil && status.isAvailable else { return .value(cached.value) }
                    shard.refreshing[itemKey] = RefreshToken()
                    return .valueAndRefresh(cached.value)
                }
            }
            shard.misses += 1
            if let load = shard.loads[itemKey] {
                shard.coalesced += 1
                return .wait(load)
            }
            let load = InFlight<StoredItem?>()
            shard.loads[itemKey] = load
            return .load(load)
        }
        let load: InFlight<StoredItem?>
        switch found {
        case .value(let item):
            return item
        case .valueAndRefresh(let item):
            scheduleRefresh(itemKey)
            return item
        case .wait(let other):
            return try other.wait().get()
        case .load(let mine):
            load = mine
        }

        let result = Result { () throws(StoreError) -> StoredItem? in
            try tracked { () throws(StoreError) in try core.get(kind: kind, key: key) }
        }
        let shard = shard(for: itemKey)
        shard.lock.withLock {
            if shard.loads[itemKey] === load { shard.loads[itemKey] = nil }
            if case .success(let item) = result, !load.superseded {
                shard.cache.set(itemKey, item, expiresAt: expiry(now: clock()))
            }
        }
        load.finish(result)
        return try result.get()
    }

    /// Every item of a kind, tombstones included, in Redis's order (stable while the hash is
    /// unchanged). Served from the cache when fresh.
    public func all(kind: String) throws(StoreError) -> [(key: String, item: StoredItem)] {
        guard mode != .off else { return try loadAll(kind) }
        try DataKind.validate(kind)
        let now = clock()
        lists.lock()
        if let entry = listCache[kind] {
            if now < entry.expiresAt {
                listHits += 1
                lists.unlock()
                return entry.items
            }
            listCache[kind] = nil
        }
        listMisses += 1
        if let load = listLoads[kind] {
            listCoalesced += 1
            lists.unlock()
            return try load.wait().get()
        }
        let load = InFlight<[(key: String, item: StoredItem)]>()
        listLoads[kind] = load
        lists.unlock()

        let result = Result { () throws(StoreError) -> [(key: String, item: StoredItem)] in try loadAll(kind) }
        lists.withLock {
            if listLoads[kind] === load { listLoads[kind] = nil }
            if case .success(let items) = result, !load.superseded {
                listCache[kind] = ListEntry(items: items, expiresAt: expiry(now: clock()))
            }
        }
        load.finish(result)
        return try result.get()
    }

    private func loadAll(_ kind: String) throws(StoreError) -> [(key: String, item: StoredItem)] {
        try tracked { () throws(StoreError) in try core.all(kind: kind) }.items
    }

    /// Whether the prefix was initialized: sticky once true (in every mode, as the SDKs'
    /// wrapper); a false answer is cached for the TTL (forever with the infinite cache, never
    /// with the cache off).
    public func isInitialized() throws(StoreError) -> Bool {
        let now = clock()
        switch state.withLock({ initialized }) {
        case .yes: return true
        case .no(let until) where now < until: return false
        default: break
        }
        let answer = try tracked { () throws(StoreError) in try core.isInitialized() }
        state.withLock {
            if case .yes = initialized { return }
            initialized = answer ? .yes : (mode == .off ? .unknown : .no(until: expiry(now: now)))
        }
        return answer
    }

    /// Whether Redis answers now.
    public func isAvailable() -> Bool {
        core.isAvailable()
    }

    // MARK: Writes

    /// Writes the data set to Redis, then replaces the cache with it. On failure: finite TTL
    /// or off, the cache is emptied; infinite, it is filled anyway. Either way the error is
    /// thrown.
    public func initialize(_ data: FullDataSet) throws(StoreError) {
        var failure: StoreError?
        do {
            try tracked { () throws(StoreError) in try core.initialize(data) }
        } catch {
            failure = error
        }
        try applyInitialize(data, failure: failure)
    }

    /// The same for an all-data JSON document, parsed while it streams to Redis: an invalid
    /// document throws `.invalidArgument` and changes nothing, in Redis or in the cache.
    public func initialize(parsing json: UnsafeBufferPointer<UInt8>) throws(StoreError) {
        let (data, failure) = try core.initialize(parsing: json)
        if let failure, failure.isRedisFailure {
            core.counters.error()
            status.markUnavailable(failure)
        }
        try applyInitialize(data, failure: failure)
    }

    private func applyInitialize(_ data: FullDataSet, failure: StoreError?) throws(StoreError) {
        if failure == nil {
            status.clearNeedsRefresh()
            state.withLock { initialized = .yes }
        }
        guard mode != .off else {
            if let failure { throw failure }
            return
        }
        if let failure, mode != .infinite {
            clearCache()
            throw failure
        }
        clearCache()
        let expiresAt = expiry(now: clock())
        var keyed: [String: [String: StoredItem]] = [:]
        for kind in data.kinds {
            var items: [String: StoredItem] = [:]
            if mode == .infinite { items.reserveCapacity(kind.items.count) }
            for (key, item) in kind.items {
                if mode == .infinite { items[key] = item }
                let itemKey = ItemKey(kind: kind.name, key: key)
                let shard = shard(for: itemKey)
                shard.lock.withLock { shard.cache.set(itemKey, item, expiresAt: expiresAt) }
            }
            keyed[kind.name] = items
        }
        lists.withLock {
            for kind in data.kinds { listCache[kind.name] = ListEntry(items: kind.items, expiresAt: expiresAt) }
        }
        state.withLock {
            initialized = .yes
            if mode == .infinite {
                let old = Disposal()
                old.add(fullData as Any)
                fullData = keyed
                pendingWrites.removeAll()
                worker.enqueue { old.empty() }
            }
        }
        if let failure { throw failure }
    }

    /// Upsert with the version rule; the cache ends up holding the winner.
    public func upsert(kind: String, key: String, item: StoredItem) throws(StoreError) -> UpsertResult {
        let result = Result { () throws(StoreError) -> UpsertResult in
            try tracked { () throws(StoreError) in try core.upsert(kind: kind, key: key, item: item) }
        }
        guard mode != .off else { return try result.get() }
        let itemKey = ItemKey(kind: kind, key: key)
        switch result {
        case .success(.applied):
            remember(itemKey, item)
        case .success(.rejected(let stored)):
            if let stored {
                remember(itemKey, stored)
            } else {
                forget(itemKey)
            }
        case .failure(let error):
            if mode == .infinite && error.isRedisFailure {
                // The cache is the truth during an outage: keep the write, replay it later.
                let newer = cachedVersion(itemKey).map { $0 < item.version } ?? true
                if newer {
                    remember(itemKey, item)
                    state.withLock { if fullData == nil { pendingWrites[itemKey] = item } }
                }
            }
        }
        return try result.get()
    }

    public func delete(kind: String, key: String, version: Int64) throws(StoreError) -> UpsertResult {
        guard version >= 0 && version <= ItemParser.maximumVersion else {
            throw StoreError.invalidArgument("the version must be from 0 to \(ItemParser.maximumVersion)")
        }
        return try upsert(kind: kind, key: key, item: .tombstone(key: key, version: version))
    }

    // MARK: Status and diagnostics

    public var currentStatus: StoreStatus { status.current }

    public func setStatusListener(_ listener: StatusListener?) {
        status.setListener(listener)
    }

    public struct Statistics: Sendable {
        public let cacheHits: Int
        public let cacheMisses: Int
        public let coalescedWaits: Int
        public let redisRoundTrips: Int
        public let redisErrors: Int
        public let malformedSkipped: Int
        public let cacheEvictions: Int
        public let cacheEntries: Int
    }

    public var statistics: Statistics {
        var hits = 0, misses = 0, coalesced = 0, evictions = 0, entries = 0
        for shard in shards {
            shard.lock.withLock {
                hits += shard.hits
                misses += shard.misses
                coalesced += shard.coalesced
                evictions += shard.cache.evictions
                entries += shard.cache.count
            }
        }
        lists.withLock {
            hits += listHits
            misses += listMisses
            coalesced += listCoalesced
            entries += listCache.count
        }
        return Statistics(cacheHits: hits, cacheMisses: misses, coalescedWaits: coalesced,
                          redisRoundTrips: core.counters.roundTrips, redisErrors: core.counters.errors,
                          malformedSkipped: core.malformedSkippedCount, cacheEvictions: evictions,
                          cacheEntries: entries)
    }

    // MARK: Internals

    /// Runs a Redis operation; a Redis-side failure marks the store unavailable.
    func tracked<T>(_ operation: () throws(StoreError) -> T) throws(StoreError) -> T {
        do {
            return try operation()
        } catch {
            if error.isRedisFailure {
                core.counters.error()
                status.markUnavailable(error)
            }
            throw error
        }
    }

    /// The cache's clock: the coarse monotonic clock (a few ns to read, ms resolution); the
    /// infinite cache never reads it.
    @inline(__always)
    private func clock() -> UInt64 {
        mode == .infinite ? 0 : Deadline.coarseNanoseconds()
    }

    private func expiry(now: UInt64) -> UInt64 {
        mode == .infinite ? UInt64.max : now &+ ttlNanoseconds
    }

    private func shard(for key: ItemKey) -> ItemShard {
        shardRefs[shardIndex(key)].takeUnretainedValue()
    }

    private var shards: [ItemShard] { shardRefs.map { $0.takeUnretainedValue() } }

    @inline(__always)
    private func shardIndex(_ key: ItemKey) -> Int {
        Int((key.hash >> 32) % UInt64(shardRefs.count))
    }

    private func cachedVersion(_ key: ItemKey) -> Int64? {
        let shard = shard(for: key)
        return shard.lock.withLock {
            shard.cache.lookup(key, now: 0).flatMap { $0.value?.version }
        }
    }

    /// Caches an item after a write, cancels older loads and refreshes of it, and drops
    /// (finite) or patches (infinite) its kind's list. Never replaces a higher cached version:
    /// two writers of one key may finish in either order.
    private func remember(_ key: ItemKey, _ item: StoredItem) {
        let shard = shard(for: key)
        let expiresAt = expiry(now: clock())
        let newest: Bool = shard.lock.withLock {
            if let cached = shard.cache.lookup(key, now: 0), let existing = cached.value,
               existing.header.order > item.header.order {
                return false
            }
            shard.cache.set(key, item, expiresAt: expiresAt)
            shard.loads[key]?.superseded = true
            shard.refreshing[key]?.superseded = true
            return true
        }
        guard newest else { return }
        lists.withLock {
            listLoads[key.kind]?.superseded = true
            if mode == .infinite {
                listCache[key.kind]?.patch(key.key, item)
            } else {
                listCache[key.kind] = nil
            }
        }
        if mode == .infinite {
            state.withLock {
                if let current = fullData?[key.kind]?[key.key], current.header.order > item.header.order { return }
                if fullData?[key.kind] != nil { fullData?[key.kind]?[key.key] = item }
            }
        }
    }

    private func forget(_ key: ItemKey) {
        let shard = shard(for: key)
        shard.lock.withLock {
            shard.cache.removeValue(forKey: key)
            shard.loads[key]?.superseded = true
            shard.refreshing[key]?.superseded = true
        }
        lists.withLock {
            listLoads[key.kind]?.superseded = true
            listCache[key.kind] = nil
        }
    }

    /// Empties the cache. The old entries are released on the background thread: freeing ten
    /// thousand items is work a caller of init need not wait for.
    private func clearCache() {
        let garbage = Disposal()
        for shard in shards {
            shard.lock.withLock {
                garbage.add(shard.cache)
                shard.cache = LRUCache(capacity: shard.cache.capacity)
                for (_, load) in shard.loads { load.superseded = true }
                for (_, token) in shard.refreshing { token.superseded = true }
            }
        }
        lists.withLock {
            garbage.add(listCache)
            listCache = [:]
            for (_, load) in listLoads { load.superseded = true }
        }
        worker.enqueue { garbage.empty() }
    }

    private func scheduleRefresh(_ key: ItemKey) {
        worker.enqueue { [self] in
            let shard = self.shard(for: key)
            let result = Result { () throws(StoreError) -> StoredItem? in
                try self.tracked { () throws(StoreError) in try self.core.get(kind: key.kind, key: key.key) }
            }
            shard.lock.withLock {
                let token = shard.refreshing.removeValue(forKey: key)
                if case .success(let item) = result, let token, !token.superseded {
                    shard.cache.set(key, item, expiresAt: self.expiry(now: clock()))
                }
            }
        }
    }

    /// Every 500 ms on the background thread: while unavailable, check whether Redis is back
    /// and recover; with repopulate-on-restart, check that `$inited` still exists.
    func backgroundTick() {
        if state.withLock({ closed }) { return }
        if !status.isAvailable {
            guard core.isAvailable() else { return }
            if mode == .infinite {
                do {
                    try writeBack()
                } catch {
                    status.markUnavailable(error)
                    return
                }
                status.markAvailable(needsRefresh: false)
            } else {
                status.markAvailable(needsRefresh: true)
            }
            return
        }
        if repopulateOnRestart, state.withLock({ fullData != nil }) {
            if let inited = try? core.isInitialized(), !inited {
                do {
                    try writeBack()
                } catch {
                    core.counters.error()
                    status.markUnavailable(error)
                }
            }
        }
    }

    /// Infinite mode recovery: the full data set when known (never less), else only the writes
    /// made during the outage, each with the version rule.
    private func writeBack() throws(StoreError) {
        let (full, pending) = state.withLock { (fullData, pendingWrites) }
        if let full {
            let kinds = full.map { FullDataSet.Kind(name: $0.key, items: $0.value.map { ($0.key, $0.value) }) }
            try core.initialize(FullDataSet(kinds: kinds))
            return
        }
        for (key, item) in pending {
            let result = try core.upsert(kind: key.kind, key: key.key, item: item)
            if case .rejected(let stored?) = result { remember(key, stored) }
            state.withLock {
                if pendingWrites[key] == item { pendingWrites[key] = nil }
            }
        }
    }
}

/// What the critical section of `get` decided.
private enum Lookup {
    case value(StoredItem?)
    case valueAndRefresh(StoredItem?)
    case wait(InFlight<StoredItem?>)
    case load(InFlight<StoredItem?>)
}

/// A cached item's identity. Its hash is computed once (FNV-1a over both strings, seeded per
/// process) and serves both the shard choice and the shard's dictionary.
struct ItemKey: Hashable, Sendable {
    let kind: String
    let key: String
    let hash: UInt64

    private static let seed: UInt64 = 0xCBF2_9CE4_8422_2325 ^ UInt64.random(in: 0...UInt64.max)

    init(kind: String, key: String) {
        self.kind = kind
        self.key = key
        var h = ItemKey.fnv(kind, ItemKey.seed)
        h = (h ^ 0xFF) &* 0x0000_0100_0000_01B3       // separator: no valid UTF-8 byte
        hash = ItemKey.fnv(key, h)
    }

    @inline(__always)
    private static func fnv(_ text: String, _ start: UInt64) -> UInt64 {
        var text = text
        return text.withUTF8 { bytes in
            var h = start
            for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
            return h
        }
    }

    static func == (a: ItemKey, b: ItemKey) -> Bool {
        a.hash == b.hash && a.key == b.key && a.kind == b.kind
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(hash)
    }
}

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

/// Values whose release is handed to the background thread.
final class Disposal: @unchecked Sendable {
    private var values: [Any] = []
    func add(_ value: Any) { values.append(value) }
    func empty() { values.removeAll() }
}

/// Marks a background refresh; a write in the meantime supersedes it.
final class RefreshToken: @unchecked Sendable {
    var superseded = false
}

struct ListEntry {
    var items: [(key: String, item: StoredItem)]
    let expiresAt: UInt64

    /// Replaces or appends an item (infinite mode keeps lists current instead of dropping them).
    mutating func patch(_ key: String, _ item: StoredItem) {
        if let i = items.firstIndex(where: { $0.key == key }) {
            items[i].item = item
        } else {
            items.append((key, item))
        }
    }
}

enum InitializedState {
    case unknown
    case yes
    case no(until: UInt64)
}
