import Synchronization

/// Redis-side counters for diagnostics (`ldredis_store_stats_json`); the cache counts its own
/// hits and misses per shard, under the shard's lock, so readers share no counter.
public final class StoreCounters: Sendable {
    private let roundTripCount = Atomic<Int>(0)
    private let errorCount = Atomic<Int>(0)

    public init() {}

    func roundTrip() { roundTripCount.wrappingAdd(1, ordering: .relaxed) }
    func error() { errorCount.wrappingAdd(1, ordering: .relaxed) }

    /// Batches of commands sent and answered (one network round trip each).
    public var roundTrips: Int { roundTripCount.load(ordering: .relaxed) }
    /// Operations that failed on the Redis side (connection, timeout, error reply).
    public var errors: Int { errorCount.load(ordering: .relaxed) }
}
