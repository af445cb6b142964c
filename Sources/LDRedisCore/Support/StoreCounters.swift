import Synchronization

/// Redis-side counters for diagnostics (`ldredis_store_stats_json`); the cache counts its own
/// hits and misses per shard, under the shard's lock, so readers share no counter.
public final class StoreCounters: Sendable {
    private let roundTripCount = Atomic<Int>(0)
    private let errorCount = Atomic<Int>(0)
    private let failoverCount = Atomic<Int>(0)
    private let movedCount = Atomic<Int>(0)
    private let askCount = Atomic<Int>(0)
    private let slotMapRefreshCount = Atomic<Int>(0)

    public init() {}

    func failover() { failoverCount.wrappingAdd(1, ordering: .relaxed) }
    func moved() { movedCount.wrappingAdd(1, ordering: .relaxed) }
    func ask() { askCount.wrappingAdd(1, ordering: .relaxed) }
    func slotMapRefresh() { slotMapRefreshCount.wrappingAdd(1, ordering: .relaxed) }

    /// Sentinel: master switches seen (each a failover). Cluster: redirections followed and
    /// slot map refreshes.
    public var failovers: Int { failoverCount.load(ordering: .relaxed) }
    public var movedRedirects: Int { movedCount.load(ordering: .relaxed) }
    public var askRedirects: Int { askCount.load(ordering: .relaxed) }
    public var slotMapRefreshes: Int { slotMapRefreshCount.load(ordering: .relaxed) }

    func roundTrip() { roundTripCount.wrappingAdd(1, ordering: .relaxed) }
    func error() { errorCount.wrappingAdd(1, ordering: .relaxed) }

    /// Batches of commands sent and answered (one network round trip each).
    public var roundTrips: Int { roundTripCount.load(ordering: .relaxed) }
    /// Operations that failed on the Redis side (connection, timeout, error reply).
    public var errors: Int { errorCount.load(ordering: .relaxed) }
}
