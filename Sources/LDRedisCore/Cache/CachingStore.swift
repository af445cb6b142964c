/// The SDKs' persistent-store wrapper (SPEC sections 4 and 5): the policy that ties the item
/// cache, the list cache, the outage journal and the status together in front of
/// `RedisFeatureStore`. Thread-safe.
///
/// Cache modes: off (TTL 0: every call goes to Redis), TTL (entries expire), infinite (TTL < 0:
/// entries never expire, the cache is the source of truth during outages, and what the store
/// wrote is written back after one: see `WriteBack`).
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
    let failFast: Bool
    private let ttlNanoseconds: UInt64
    private let timeSource: StoreClock

    private let items: ItemCache
    private let lists = ListCache()
    /// Infinite mode only: what the store wrote, for the write-back.
    private let journal: OutageJournal?
    /// Writes hold it shared; an init and the init step of a write-back hold it exclusively.
    private let gate = ReadWriteGate()

    private let state = Lock()
    private var initialized: InitializedState = .unknown
    private var closed = false
    /// Fail fast: when the next read may go to Redis as a probe while unavailable, and whether
    /// one is on its way.
    private var nextProbe: UInt64 = 0
    private var probing = false
    private var writeBackWritten = 0, writeBackRefused = 0

    let worker: BackgroundWorker
    let status: StatusTracker
    let log: StoreLog

    /// A store for `configuration`, logging to `log` (nil: no logging).
    public convenience init(configuration: StoreConfiguration, log: LogDestination? = nil) throws(StoreError) {
        try self.init(configuration: configuration, client: nil, clock: nil, manualBackground: false, log: log)
    }

    /// The test seam: a client other than the connection pool, a clock the test moves, and a
    /// background worker without a thread (the test runs its tick and jobs).
    init(configuration: StoreConfiguration, client: RedisClient?, clock: ManualClock?,
         manualBackground: Bool, log destination: LogDestination? = nil) throws(StoreError) {
        if let client {
            core = RedisFeatureStore(configuration: configuration, client: client)
        } else {
            core = try RedisFeatureStore(configuration: configuration)
        }
        if let error = core.tlsSetupError { throw error }
        let ttl = configuration.cacheTTLMilliseconds
        mode = ttl == 0 ? .off : (ttl < 0 ? .infinite : .ttl(milliseconds: ttl))
        ttlNanoseconds = ttl > 0 ? UInt64(ttl) &* 1_000_000 : 0
        refreshAhead = configuration.cacheRefreshAhead && ttl > 0
        repopulateOnRestart = configuration.repopulateOnRestart && ttl < 0
        failFast = configuration.failFast
        timeSource = StoreClock(manual: clock)
        items = ItemCache(capacity: configuration.cacheCapacity)
        journal = ttl < 0 ? OutageJournal() : nil
        worker = BackgroundWorker(tickMilliseconds: CachingStore.pollIntervalMilliseconds, manual: manualBackground)
        log = StoreLog(destination)
        status = StatusTracker(worker: worker, log: log, server: configuration.redactedDescription)
        // The tick holds the store until close() stops the thread (no weak reference: a weak
        // reference would move the store's refcount to a side table and make every retain on
        // the read path a slow, contended atomic).
        try worker.start { [self] in backgroundTick() }
        log(.info, "store started: \(configuration.redactedDescription), cache \(CachingStore.describe(mode))")
    }

    /// The oldest queued log line (a store configured with `LogDestination.queue`), or nil.
    public func nextLogLine() -> LogLine? { log.queue?.pop() }

    /// Stops the background thread (at once: it exits after the job it is running), removes
    /// the listener (waiting for a running callback) and closes the connections. A store must be
    /// closed: until then its background thread keeps it alive.
    public func close() {
        state.withLock { closed = true }
        log(.debug, "store closed (\(core.configuration.redactedDescription))")
        log.close()
        status.setListener(nil)
        core.close()
        worker.stop(waitingUpTo: 50)
    }

    deinit {
        worker.stop()
    }

    // MARK: Reads

    /// One item, tombstones included; nil when absent. Served from the cache when fresh.
    public func get(kind: String, key: String) throws(StoreError) -> StoredItem? {
        let kind = try DataKind.name(kind)
        guard mode != .off else {
            return try read { () throws(StoreError) in try core.get(kind: kind, key: key) }
        }
        try DataKind.validateKey(key)
        let itemKey = ItemKey(kind: kind, key: key)
        let load: InFlight<StoredItem?>
        switch items.lookup(itemKey, now: clock(), refreshAhead: refreshAhead, canRefresh: { status.isAvailable }) {
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
            try read { () throws(StoreError) in try core.get(kind: kind, key: key) }
        }
        items.finishLoad(itemKey, load, result, expiresAt: expiry(now: clock()))
        return try result.get()
    }

    /// Every item of a kind, tombstones included, in Redis's order (stable while the hash is
    /// unchanged). Served from the cache when fresh.
    public func all(kind: String) throws(StoreError) -> [(key: String, item: StoredItem)] {
        try allItems(kind: kind).items
    }

    /// `all`, with the values that are not items (skipped by `all`) beside them.
    public func allItems(kind: String) throws(StoreError) -> KindItems {
        let kind = try DataKind.name(kind)
        guard mode != .off else { return try loadAll(kind) }
        let load: InFlight<ListCache.Items>
        switch lists.lookup(kind, now: clock()) {
        case .value(let items):
            return items
        case .wait(let other):
            return try other.wait().get()
        case .load(let mine):
            load = mine
        }
        let result = Result { () throws(StoreError) -> ListCache.Items in try loadAll(kind) }
        lists.finishLoad(kind, load, result, expiresAt: expiry(now: clock()))
        return try result.get()
    }

    private func loadAll(_ kind: String) throws(StoreError) -> KindItems {
        try read { () throws(StoreError) in try core.all(kind: kind) }
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
        let answer = try read { () throws(StoreError) in try core.isInitialized() }
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
    /// or off, the cache is emptied; infinite, it is filled anyway (and the init is applied to
    /// Redis by the write-back after the outage). Either way the error is thrown.
    public func initialize(_ data: FullDataSet) throws(StoreError) {
        try gate.exclusive { () throws(StoreError) in
            var failure: StoreError?
            do throws(StoreError) {
                try tracked { () throws(StoreError) in try core.initialize(data) }
            } catch {
                failure = error
            }
            try applyInitialize(data, failure: failure)
        }
    }

    /// The same for an all-data JSON document, parsed while it streams to Redis: an invalid
    /// document throws `.invalidArgument` and changes nothing, in Redis or in the cache.
    public func initialize(parsing json: UnsafeBufferPointer<UInt8>) throws(StoreError) {
        try gate.exclusive { () throws(StoreError) in
            let (data, failure) = try core.initialize(parsing: json)
            if let failure { record(failure) }
            try applyInitialize(data, failure: failure)
        }
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
        for kind in data.kinds {
            for (key, item) in kind.items {
                items.set(ItemKey(kind: kind.name, key: key), item, expiresAt: expiresAt)
            }
        }
        lists.replace(data.kinds, expiresAt: expiresAt)
        state.withLock { initialized = .yes }
        journal?.recordInit(data, reachedRedis: failure == nil)
        if let failure { throw failure }
    }

    /// Upsert with the version rule; the cache ends up holding the winner.
    public func upsert(kind: String, key: String, item: StoredItem) throws(StoreError) -> UpsertResult {
        let kind = try DataKind.name(kind)
        guard mode != .off else {
            return try tracked { () throws(StoreError) in try core.upsert(kind: kind, key: key, item: item) }
        }
        return try gate.shared { () throws(StoreError) -> UpsertResult in
            let result = Result { () throws(StoreError) -> UpsertResult in
                try tracked { () throws(StoreError) in try core.upsert(kind: kind, key: key, item: item) }
            }
            let itemKey = ItemKey(kind: kind, key: key)
            switch result {
            case .success(.applied):
                remember(itemKey, item)
                journal?.record(kind: kind, key: key, item: item)
            case .success(.rejected(let stored)):
                if let stored {
                    remember(itemKey, stored)
                    journal?.recordWinner(kind: kind, key: key, item: stored)
                } else {
                    forget(itemKey)
                }
            case .failure(let error):
                if let journal, error.isOutage {
                    // The cache is the truth during an outage: keep the write; the write-back
                    // makes it in Redis afterwards (version-checked).
                    remember(itemKey, item)
                    journal.record(kind: kind, key: key, item: item)
                }
            }
            return try result.get()
        }
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
        /// Items the write-backs after outages wrote, and items or kinds Redis refused.
        public let writeBackWritten: Int
        public let writeBackRefused: Int
    }

    public var statistics: Statistics {
        let i = items.counters, l = lists.counters
        let (written, refused) = state.withLock { (writeBackWritten, writeBackRefused) }
        return Statistics(cacheHits: i.hits + l.hits, cacheMisses: i.misses + l.misses,
                          coalescedWaits: i.coalesced + l.coalesced,
                          redisRoundTrips: core.counters.roundTrips, redisErrors: core.counters.errors,
                          malformedSkipped: core.malformedSkippedCount, cacheEvictions: i.evictions,
                          cacheEntries: i.entries + l.entries, writeBackWritten: written, writeBackRefused: refused)
    }

    // MARK: Internals

    /// Runs a Redis operation; counts a Redis-side failure, and an outage marks the store
    /// unavailable. An error reply about data, OOM or a full pool changes no status.
    func tracked<T>(_ operation: () throws(StoreError) -> T) throws(StoreError) -> T {
        do {
            return try operation()
        } catch {
            record(error)
            throw error
        }
    }

    private func record(_ error: StoreError) {
        if error.isRedisFailure { core.counters.error() }
        if error.isOutage {
            if failFast {
                let now = clock()
                state.withLock { nextProbe = max(nextProbe, now &+ CachingStore.pollIntervalNanoseconds) }
            }
            status.markUnavailable(error)
        }
    }

    /// A read that goes to Redis, tracked. Fail fast: while the store is unavailable it fails
    /// at once, except one read at a time, at most one per poll interval (counted from the
    /// outage and from the end of the previous probe), which goes to Redis as a probe.
    @inline(__always)
    func read<T>(_ operation: () throws(StoreError) -> T) throws(StoreError) -> T {
        guard failFast, !status.isAvailable else { return try tracked(operation) }
        let now = clock()
        let probe: Bool = state.withLock {
            guard !probing, now >= nextProbe else { return false }
            probing = true
            return true
        }
        guard probe else {
            let last = status.current.lastError.map { ": \($0)" } ?? ""
            throw StoreError.unavailable("Redis is unavailable (fail fast)\(last)")
        }
        defer {
            let end = clock()
            state.withLock {
                probing = false
                nextProbe = end &+ CachingStore.pollIntervalNanoseconds
            }
        }
        return try tracked(operation)
    }

    private static let pollIntervalNanoseconds = UInt64(pollIntervalMilliseconds) * 1_000_000

    @inline(__always)
    private func clock() -> UInt64 {
        mode == .infinite && !failFast ? 0 : timeSource.now()
    }

    private func expiry(now: UInt64) -> UInt64 {
        mode == .infinite ? UInt64.max : now &+ ttlNanoseconds
    }

    /// Caches an item after a write, and drops (finite) or patches (infinite) its kind's list.
    private func remember(_ key: ItemKey, _ item: StoredItem) {
        guard items.remember(key, item, expiresAt: expiry(now: clock())) else { return }
        lists.itemChanged(kind: key.kind, key: key.key, item: item, patch: mode == .infinite)
    }

    private func forget(_ key: ItemKey) {
        items.forget(key)
        lists.drop(key.kind)
    }

    /// Empties the cache; the old entries are released on the background thread.
    private func clearCache() {
        let garbage = Disposal()
        items.clear(into: garbage)
        lists.clear(into: garbage)
        worker.enqueue { garbage.empty() }
    }

    private func scheduleRefresh(_ key: ItemKey) {
        worker.enqueue { [self] in
            let result = Result { () throws(StoreError) -> StoredItem? in
                try self.tracked { () throws(StoreError) in try self.core.get(kind: key.kind, key: key.key) }
            }
            items.finishRefresh(key, result, expiresAt: expiry(now: clock()))
        }
    }

    /// Tests with a manual background worker: the 500 ms tick, now, on this thread.
    func runBackgroundTick() { worker.runTick() }

    /// Tests with a manual background worker: the queued jobs (notifications, refreshes), now.
    func runPendingBackgroundJobs() { worker.runPendingJobs() }

    /// Every 500 ms on the background thread: while unavailable, check whether Redis is back
    /// and recover; with repopulate-on-restart, check that `$inited` still exists.
    func backgroundTick() {
        if state.withLock({ closed }) { return }
        core.client.maintain(available: status.isAvailable)
        if !status.isAvailable {
            guard core.isAvailable() else { return }
            guard journal != nil else {
                status.markAvailable(needsRefresh: true)
                return
            }
            guard let report = writeBack() else { return }
            logWriteBack(report, "after the outage")
            status.markAvailable(needsRefresh: false, note: report.summary)
            return
        }
        if repopulateOnRestart, let journal, journal.wasInitialized,
           let inited = try? core.isInitialized(), !inited {
            log(.warn, "\(core.key(for: "$inited")) vanished (a Redis that restarted empty?): writing the cached data back")
            if let report = writeBack() {
                logWriteBack(report, "after \(core.key(for: "$inited")) vanished")
                if let summary = report.summary { status.markAvailable(needsRefresh: false, note: summary) }
            }
        }
    }

    /// The write-back's result, in the log: what was written, what Redis kept, what it refused.
    private func logWriteBack(_ report: WriteBack.Report, _ when: String) {
        log(.info, "write-back \(when): \(report.written) item(s) written, "
            + "\(report.winners.count) kept at a higher version in Redis, \(report.refusedCount) refused")
        if let summary = report.summary { log(.warn, summary) }
    }

    static func describe(_ mode: Mode) -> String {
        switch mode {
        case .off: return "off"
        case .ttl(let ms): return "TTL \(ms) ms"
        case .infinite: return "infinite (written back after an outage)"
        }
    }

    /// Runs the write-back; nil (and unavailable) after an outage during it.
    private func writeBack() -> WriteBack.Report? {
        guard let journal else { return nil }
        do {
            let report = try WriteBack(core: core, journal: journal, gate: gate).run()
            for winner in report.winners {
                remember(ItemKey(kind: winner.kind, key: winner.key), winner.item)
                journal.recordWinner(kind: winner.kind, key: winner.key, item: winner.item)
            }
            state.withLock {
                writeBackWritten += report.written
                writeBackRefused += report.refusedCount
            }
            return report
        } catch {
            record(error)
            return nil
        }
    }
}
