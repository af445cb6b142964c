import Glibc

/// Redis Cluster. Every key of the store carries the hash tag `{ld}` (go-server-sdk-redis-go-redis's
/// names), so every operation goes to one slot's master, found in the slot map (`CLUSTER
/// SHARDS`, or `CLUSTER SLOTS` before Redis 7) that the seeds and the nodes learnt from them
/// give, asked in order (dead ones skipped; a replica answers as well as a master). One pool
/// per node.
///
/// An operation is run again, on the right node, only when a reply says nothing was done
/// (`RoutedSession.signal`) or the session refused to send because the map changed:
/// - `MOVED`: the slot's owner is updated at once and the map refreshed (rate-limited);
/// - `ASK`: the operation on the node named, `ASKING` before each of its commands, for this
///   attempt only;
/// - `TRYAGAIN`, `CLUSTERDOWN`, `LOADING`, `MASTERDOWN`: again after a short backoff;
/// - a node that cannot be connected to: the map is refreshed from the others and the
///   operation goes to the new owner if there is one.
/// All within the operation timeout and `maximumRedirects`. A connection that fails once the
/// operation was sent is this operation's error (it may have been done), as with one server.
final class ClusterTopology: RedisClient, @unchecked Sendable {
    /// The most redirections (MOVED, ASK, a refusal to send) one operation follows.
    static let maximumRedirects = 16
    /// The slot map is asked for at most this often.
    static let refreshIntervalNanoseconds: UInt64 = 100_000_000
    /// The backoff after TRYAGAIN, CLUSTERDOWN, LOADING: doubles from the first to the last.
    static let backoffMilliseconds: ClosedRange<Int64> = 10...200

    private let settings: TransportSettings
    /// The seed nodes, as configured.
    let seeds: [RedisEndpoint]
    /// The slot of every key of the store (the slot of `{ld}`).
    let slot: Int
    private let lock = Lock()
    private var map = SlotMap()
    /// The master serving `slot`, when known.
    private var owner: RedisEndpoint?
    /// Bumped on every change of owner; a session of an older generation refuses to send.
    private var generation = 0
    /// One pool per node used.
    private var pools: [(endpoint: RedisEndpoint, pool: ConnectionPool)] = []
    /// Set when something suggests the map changed: the next operation (or the poll) refreshes it.
    private var suspect = true
    /// Nodes that could not be reached since they last answered: asked last.
    private var failed: [RedisEndpoint] = []
    /// When the map was last asked for (rate limit), and why that failed.
    private var lastRefresh: UInt64?
    private var lastRefreshError: StoreError?
    /// Refreshes finished (a thread that waited for another's refresh uses its result).
    private var refreshes = 0
    /// The nodes answered `CLUSTER SHARDS` with an error (Redis before 7): ask `CLUSTER SLOTS`.
    private var shardsRefused = false
    private var closed = false
    /// One refresh at a time.
    private let refreshing = Lock()
    /// Writes wait for a replica of the slot's master (see `ReplicaWait`).
    private let replicaWait = ReplicaWait()

    init(settings: TransportSettings) {
        self.settings = settings
        self.seeds = settings.config.clusterNodes
        self.slot = KeySlot.slot(of: settings.config.keyPrefix)
    }

    private var config: StoreConfiguration { settings.config }
    var tlsSetupError: StoreError? { settings.tlsSetupError }

    /// The master of the store's slot, when known.
    var currentOwner: RedisEndpoint? { lock.withLock { owner } }

    func currentServer() throws(StoreError) -> RedisEndpoint? {
        if currentOwner == nil { try refresh() }
        guard let owner = currentOwner else {
            throw StoreError.unavailable("no node of the cluster owns slot \(slot) yet")
        }
        return owner
    }

    func withSession<T>(_ body: (RedisSession, Deadline) throws(StoreError) -> T) throws(StoreError) -> T {
        let timeout = UInt64(config.operationTimeoutMilliseconds) &* 1_000_000
        let retryEnd = Deadline(nanoseconds: Deadline.now().nanoseconds &+ timeout)
        // Each attempt's I/O ends by then (a first connection may take the connect timeout).
        let operationEnd = Deadline(nanoseconds: retryEnd.nanoseconds &+ UInt64(config.connectTimeoutMilliseconds) &* 1_000_000)
        var asking: RedisEndpoint?
        var redirects = 0
        var backoff = ClusterTopology.backoffMilliseconds.lowerBound
        while true {
            let (endpoint, pool, seen) = try route(asking: asking)
            var signal: RouteSignal?
            var refusedStale = false
            var started = false
            let result = Result { () throws(StoreError) -> T in
                try pool.withSession { (session, deadline) throws(StoreError) -> T in
                    started = true
                    // After ASK: ASKING before each command of the attempt (`AskingSession`).
                    let node: RedisSession = asking != nil ? AskingSession(session, server: endpoint) : session
                    let routed = RoutedSession(node, server: endpoint, counters: settings.counters) { [self] in
                        lock.withLock { generation == seen }
                    }
                    // Also when the body kept the error as a value (the init's failure).
                    defer {
                        signal = routed.signal
                        refusedStale = routed.refusedStale
                    }
                    let end = min(deadline, operationEnd)
                    let value = try body(checked(routed), end)
                    if routed.wrote {
                        // An ASK target is not the owner: its replicas are asked each time.
                        try replicaWait.confirm(routed, server: endpoint, generation: asking == nil ? seen : Int.min + 1,
                                                deadline: end)
                    }
                    return value
                }
            }
            asking = nil
            let problem: String
            if let signal {
                switch signal.kind {
                case .moved, .ask:
                    guard let (movedSlot, target) = signal.redirect else {
                        markSuspect(seen)
                        throw StoreError.redis("Redis at \(endpoint) answered a malformed redirection: \(signal.message)")
                    }
                    guard movedSlot == slot else {
                        throw StoreError.internal("Redis at \(endpoint) redirected slot \(movedSlot), but every key of the store is in slot \(slot): \(signal.message)")
                    }
                    if signal.kind == .moved {
                        settings.counters?.moved()
                        learn(owner: target, seen: seen)
                    } else {
                        settings.counters?.ask()
                        asking = target
                    }
                    redirects += 1
                case .readOnly:
                    // A replica answered (the map is out of date): ask for it again.
                    markSuspect(seen)
                    redirects += 1
                default:
                    // TRYAGAIN (keys moving), CLUSTERDOWN, LOADING, MASTERDOWN: wait, then again.
                    if signal.kind != .tryAgain { markSuspect(seen) }
                    pause(milliseconds: backoff, before: retryEnd)
                    backoff = min(backoff * 2, ClusterTopology.backoffMilliseconds.upperBound)
                }
                problem = "Redis at \(endpoint) answered \(signal.message)"
            } else if refusedStale {
                redirects += 1
                problem = "the owner of slot \(slot) changed while the operation was being sent to \(endpoint)"
            } else {
                let error: StoreError
                switch result {
                case .success(let value): return value
                case .failure(let e): error = e
                }
                guard error.isOutage else { throw error }
                nodeFailed(endpoint, seen: seen, pool: pool)
                // Connected and sent: the operation may have been done; not run again.
                guard !started else { throw error }
                // Nothing was sent: another node may own the slot by now.
                try? refresh()
                guard lock.withLock({ generation != seen }) else { throw error }
                redirects += 1
                problem = error.description
            }
            guard redirects < ClusterTopology.maximumRedirects, !retryEnd.hasPassed else {
                throw StoreError.unavailable("Redis Cluster did not serve the operation within \(config.operationTimeoutMilliseconds) ms and \(redirects) redirections (last: \(problem))")
            }
        }
    }

    /// Debug builds check every batch's keys against the store's slot (`SlotCheckedSession`).
    private func checked(_ session: RedisSession) -> RedisSession {
        #if DEBUG
        return SlotCheckedSession(session, slot: slot)
        #else
        return session
        #endif
    }

    private func pause(milliseconds: Int64, before end: Deadline) {
        let left = Int64(end.remainingMilliseconds)
        let ms = min(milliseconds, left)
        if ms > 0 { usleep(UInt32(ms) * 1_000) }
    }

    /// The node to send to (the ASK target, else the slot's owner), its pool and the map's
    /// generation. Refreshes the map first when it is unknown or suspect (rate-limited).
    private func route(asking: RedisEndpoint?) throws(StoreError) -> (RedisEndpoint, ConnectionPool, Int) {
        if let asking {
            return try locked { () throws(StoreError) in (asking, try poolLocked(asking), generation) }
        }
        let known = try locked { () throws(StoreError) -> (RedisEndpoint, ConnectionPool, Int)? in
            guard !suspect, let owner else { return nil }
            return (owner, try poolLocked(owner), generation)
        }
        if let known { return known }
        do {
            try refresh()
        } catch {
            // No node answered: the owner last known keeps serving; none known is the error.
        }
        return try locked { () throws(StoreError) in
            guard let owner else {
                throw lastRefreshError ?? StoreError.unavailable("no node of Redis Cluster has named the master of slot \(slot) yet (seeds: \(seedList))")
            }
            return (owner, try poolLocked(owner), generation)
        }
    }

    /// The pool of `node` (made on first use). Under `lock`.
    private func poolLocked(_ node: RedisEndpoint) throws(StoreError) -> ConnectionPool {
        if closed { throw StoreError.internal("the store is closed") }
        if let pool = pools.first(where: { $0.endpoint == node })?.pool { return pool }
        let pool = ConnectionPool(target: .node(config, node), settings: settings)
        pools.append((node, pool))
        return pool
    }

    /// `lock.withLock` keeping the error typed.
    private func locked<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    private var seedList: String { seeds.map(\.description).joined(separator: ",") }

    private func markSuspect(_ seenGeneration: Int) {
        lock.withLock { if generation == seenGeneration { suspect = true } }
    }

    /// `MOVED`: `target` serves the slot now.
    private func learn(owner target: RedisEndpoint, seen: Int) {
        lock.withLock {
            if owner != target {
                owner = target
                generation += 1
                replicaWait.learned(0, generation: generation)
            }
            failed.removeAll { $0 == target }
            suspect = true
        }
    }

    /// A connection to `node` failed: it is asked last for the map, and the map is suspect.
    private func nodeFailed(_ node: RedisEndpoint, seen: Int, pool: ConnectionPool) {
        lock.withLock {
            if !failed.contains(node) { failed.append(node) }
            if generation == seen { suspect = true }
        }
        pool.drain()
    }

    func close() {
        let all: [ConnectionPool] = lock.withLock {
            closed = true
            return pools.map(\.pool)
        }
        for pool in all { pool.close() }
    }

    func maintain(available: Bool) {
        guard !available || lock.withLock({ suspect }) else {
            // The owner's replicas (for the writes' wait); a replica now is a stale map.
            guard let (_, pool, seen) = try? locked({ () throws(StoreError) -> (RedisEndpoint, ConnectionPool, Int)? in
                guard let owner else { return nil }
                return (owner, try poolLocked(owner), generation)
            }), let role = ReplicaWait.role(of: pool) else { return }
            // The owner's own ROLE only raises the count; the slot map lowers it (`apply`).
            if role.isMaster { replicaWait.raise(role.replicas, generation: seen) } else { markSuspect(seen) }
            return
        }
        try? refresh()
    }

    /// Asks the nodes in order (the owner, the nodes of the last map, the seeds; unreachable
    /// ones last) for the slot map, and takes the first that names a master for the store's
    /// slot. At most one refresh per `refreshIntervalNanoseconds`: a call within it does
    /// nothing (it throws the last refresh's error while no owner is known). `.unavailable`
    /// naming every node tried when none answered usefully.
    func refresh() throws(StoreError) {
        let before = lock.withLock { refreshes }
        refreshing.lock()
        defer { refreshing.unlock() }
        let now = Deadline.now().nanoseconds
        let candidates: [RedisEndpoint]? = try locked { () throws(StoreError) -> [RedisEndpoint]? in
            if closed { throw StoreError.internal("the store is closed") }
            // Another thread refreshed while this one waited, or one did a moment ago.
            let recent = lastRefresh.map { now &- $0 < ClusterTopology.refreshIntervalNanoseconds } ?? false
            if refreshes != before || recent {
                if owner == nil, let lastRefreshError { throw lastRefreshError }
                return nil
            }
            lastRefresh = now
            var order: [RedisEndpoint] = []
            for node in (owner.map { [$0] } ?? []) + map.nodes + seeds where !order.contains(node) { order.append(node) }
            return order.filter { !failed.contains($0) } + order.filter { failed.contains($0) }
        }
        guard let candidates else { return }
        var tried: [String] = []
        for node in candidates {
            let found: SlotMap
            do {
                found = try fetchMap(from: node)
            } catch {
                lock.withLock { if !failed.contains(node) { failed.append(node) } }
                tried.append("\(node): \(error.description)")
                continue
            }
            guard found.master(of: slot) != nil else {
                tried.append("\(node): no master for slot \(slot)")
                continue
            }
            apply(found, from: node)
            return
        }
        let error = StoreError.unavailable("no node of Redis Cluster gave a slot map with a master for slot \(slot) (" + tried.joined(separator: "; ") + ")")
        lock.withLock {
            lastRefreshError = error
            refreshes += 1
        }
        throw error
    }

    private func apply(_ found: SlotMap, from node: RedisEndpoint) {
        let dropped: [ConnectionPool] = lock.withLock {
            map = found
            refreshes += 1
            lastRefreshError = nil
            failed.removeAll { $0 == node }
            let master = found.master(of: slot)
            if master != owner {
                owner = master
                generation += 1
            }
            // The cluster's word on the owner's healthy replicas (for the writes' wait).
            replicaWait.confirmedByAuthority(found.onlineReplicas(of: slot), generation: generation)
            suspect = false
            // Pools of nodes that left the cluster: drained (an operation still on one ends).
            let nodes = found.nodes
            let gone = pools.filter { !nodes.contains($0.endpoint) && !seeds.contains($0.endpoint) }
            pools.removeAll { !nodes.contains($0.endpoint) && !seeds.contains($0.endpoint) }
            return gone.map(\.pool)
        }
        settings.counters?.slotMapRefresh()
        for pool in dropped { pool.drain() }
    }

    /// The slot map as `node` sees it: `CLUSTER SHARDS`, else `CLUSTER SLOTS`, on a connection
    /// of its own (closed after).
    private func fetchMap(from node: RedisEndpoint) throws(StoreError) -> SlotMap {
        let connection = try settings.open(.node(config, node))
        defer { connection.close() }
        let deadline = Deadline.after(milliseconds: config.operationTimeoutMilliseconds)
        if !lock.withLock({ shardsRefused }) {
            var shards = CommandEncoder()
            shards.command("CLUSTER", "SHARDS")
            guard let reply = try connection.pipeline(shards, deadline: deadline).first else {
                throw StoreError.internal("no reply to CLUSTER SHARDS")
            }
            guard let message = reply.errorMessage else {
                return try SlotMap.parsingShards(reply, asked: node, tls: config.tlsEnabled)
            }
            if ReplyError(message: message) == .unknownCommand || message.lowercased().contains("unknown subcommand") {
                lock.withLock { shardsRefused = true }
            }
        }
        var slots = CommandEncoder()
        slots.command("CLUSTER", "SLOTS")
        guard let reply = try connection.pipeline(slots, deadline: deadline).first else {
            throw StoreError.internal("no reply to CLUSTER SLOTS")
        }
        if let message = reply.errorMessage {
            throw StoreError.redis("refused CLUSTER SLOTS: \(message)")
        }
        return try SlotMap.parsingSlots(reply, asked: node)
    }

    var routeDescription: [(name: String, value: String)] {
        [("mode", "cluster"),
         ("cluster_nodes", seedList),
         ("slot", String(slot)),
         ("master", currentOwner?.description ?? ""),
         ("master_replicas", String(replicaWait.replicas(generation: lock.withLock { generation })))]
    }
}
