/// Redis Sentinel: the master is the one the sentinels name (`SENTINEL get-master-addr-by-name`),
/// confirmed with `ROLE`; a failover is followed through a subscription to `+switch-master` on
/// one sentinel (`SentinelWatcher`) and by asking again after connection errors, `READONLY`,
/// `LOADING` and `MASTERDOWN` replies, and in the store's 500 ms poll while the store is
/// unavailable or the subscription is down. On a switch the old master's pool is drained, and
/// sessions opened on it refuse to send (`RoutedSession`): nothing is sent to a demoted master
/// once the switch is known.
final class SentinelTopology: RedisClient, @unchecked Sendable {
    private let settings: TransportSettings
    private let masterName: String
    private let lock = Lock()
    /// Asked in this order; one that answered moves to the front.
    private var sentinels: [RedisEndpoint]
    private var master: ConnectionPool?
    /// Bumped on every change of master; a session of an older generation refuses to send.
    private var generation = 0
    /// Set when something suggests the master moved: the next operation asks the sentinels.
    private var suspect = true
    /// Writes wait for a replica of the master (see `ReplicaWait`).
    private let replicaWait = ReplicaWait()
    private var closed = false
    /// One discovery at a time; others wait for its result.
    private let discovery = Lock()
    /// Discoveries that succeeded (a thread that waited for another's discovery uses its result).
    private var discoveries = 0
    private let watcher = SentinelWatcher()

    init(settings: TransportSettings) {
        self.settings = settings
        self.masterName = settings.config.sentinelMaster ?? ""
        self.sentinels = settings.config.sentinels
    }

    /// Starts the `+switch-master` subscription (a thread of its own).
    func start() throws(StoreError) {
        try watcher.start(self)
    }

    private var config: StoreConfiguration { settings.config }
    var settingsForWatcher: TransportSettings { settings }
    var tlsSetupError: StoreError? { settings.tlsSetupError }

    /// The sentinels in the order they are asked now.
    var sentinelOrder: [RedisEndpoint] { lock.withLock { sentinels } }
    var watchedMaster: String { masterName }
    var isClosed: Bool { lock.withLock { closed } }

    /// The master's address, when known.
    var currentMaster: RedisEndpoint? { lock.withLock { master?.target.endpoint } }

    func currentServer() throws(StoreError) -> RedisEndpoint? {
        try currentPool().0.target.endpoint
    }

    func withSession<T>(_ body: (RedisSession, Deadline) throws(StoreError) -> T) throws(StoreError) -> T {
        var attempt = 0
        while true {
            attempt += 1
            let (pool, seen) = try currentPool()
            var signal: RouteSignal?
            var refusedStale = false
            do throws(StoreError) {
                return try pool.withSession { (session, deadline) throws(StoreError) in
                    let routed = RoutedSession(session, server: pool.target.endpoint, counters: settings.counters) { [self] in
                        lock.withLock { generation == seen }
                    }
                    do throws(StoreError) {
                        let value = try body(routed, deadline)
                        if routed.wrote {
                            try replicaWait.confirm(routed, server: pool.target.endpoint, generation: seen, deadline: deadline)
                        }
                        return value
                    } catch {
                        signal = routed.signal
                        refusedStale = routed.refusedStale
                        throw error
                    }
                }
            } catch {
                guard signal != nil || refusedStale || error.isOutage else { throw error }
                markSuspect(seen)
                // READONLY: the command was refused, so it can go to the new master, if the
                // sentinels already name one. A session that refused to send did nothing.
                let retriable = refusedStale || signal?.kind == .readOnly
                guard retriable, attempt < 3 else { throw error }
                let (_, now) = try currentPool()
                guard now != seen else {
                    if let signal {
                        throw StoreError.unavailable("Redis at \(pool.target.endpoint) answered \(signal.message) and the sentinels name no other master for \(masterName) yet")
                    }
                    throw error
                }
            }
        }
    }

    /// The master's pool and its generation; asks the sentinels first when the master is
    /// unknown or suspect.
    private func currentPool() throws(StoreError) -> (ConnectionPool, Int) {
        if let known = lock.withLock({ () -> (ConnectionPool, Int)? in
            guard !suspect, let master else { return nil }
            return (master, generation)
        }) {
            return known
        }
        do {
            try discover()
        } catch {
            // Sentinels unreachable: the last master known keeps serving (a demoted one
            // answers writes with READONLY, which fails them); none known is the error.
            guard let known = lock.withLock({ master.map { ($0, generation) } }) else { throw error }
            return known
        }
        guard let found = lock.withLock({ master.map { ($0, generation) } }) else {
            throw StoreError.unavailable("no master for \(masterName) is known")
        }
        return found
    }

    private func markSuspect(_ seenGeneration: Int) {
        lock.withLock { if generation == seenGeneration { suspect = true } }
    }

    func close() {
        let pool: ConnectionPool? = lock.withLock {
            closed = true
            return master
        }
        watcher.stop()
        pool?.close()
    }

    func maintain(available: Bool) {
        guard !available || !watcher.isSubscribed || lock.withLock({ suspect }) else {
            refreshRole()
            return
        }
        try? discover()
    }

    /// Asks the sentinels in order for the master's address, confirms it with `ROLE`, and
    /// switches to it if it changed. `.unavailable` naming the master and the sentinels tried
    /// when none gave a usable answer.
    func discover() throws(StoreError) {
        let before = lock.withLock { discoveries }
        discovery.lock()
        defer { discovery.unlock() }
        // Another thread found the master while this one waited.
        if lock.withLock({ discoveries != before && !suspect && master != nil }) { return }
        if isClosed { throw StoreError.internal("the store is closed") }
        var tried: [String] = []
        for sentinel in sentinelOrder {
            let address: RedisEndpoint
            do {
                guard let answer = try ask(sentinel) else {
                    tried.append("\(sentinel): does not know \(masterName)")
                    continue
                }
                address = answer
            } catch {
                tried.append("\(sentinel): \(error.description)")
                continue
            }
            lock.withLock {
                if let k = sentinels.firstIndex(of: sentinel), k > 0 {
                    sentinels.remove(at: k)
                    sentinels.insert(sentinel, at: 0)
                }
            }
            do {
                try confirmAndSwitch(to: address)
                return
            } catch {
                tried.append("\(sentinel) named \(address): \(error.description)")
            }
        }
        throw StoreError.unavailable("no usable master for \(masterName) from the sentinels (" + tried.joined(separator: "; ") + ")")
    }

    /// `SENTINEL get-master-addr-by-name`: the address, or nil when the sentinel does not know
    /// the name.
    private func ask(_ sentinel: RedisEndpoint) throws(StoreError) -> RedisEndpoint? {
        let connection = try settings.open(.sentinel(config, sentinel))
        defer { connection.close() }
        var command = CommandEncoder()
        command.command("SENTINEL", "get-master-addr-by-name", masterName)
        let replies = try connection.pipeline(command, deadline: .after(milliseconds: config.operationTimeoutMilliseconds))
        switch replies.first {
        case .null?, .array([])?:
            return nil
        case .array(let parts)? where parts.count == 2:
            guard let host = parts[0].text, let portText = parts[1].text, let port = Int(portText),
                  (1...65535).contains(port), !host.isEmpty else { break }
            return .tcp(host: host, port: port)
        case .error(let message)?:
            throw StoreError.redis("refused SENTINEL get-master-addr-by-name: \(message)")
        default:
            break
        }
        throw StoreError.redis("gave an unexpected answer to SENTINEL get-master-addr-by-name")
    }

    /// Checks with `ROLE` that `address` is a master (a server that may not run `ROLE` is
    /// taken at the sentinel's word), then makes it the master.
    private func confirmAndSwitch(to address: RedisEndpoint) throws(StoreError) {
        let current: ConnectionPool? = lock.withLock { master?.target.endpoint == address ? master : nil }
        let pool = current ?? ConnectionPool(target: .node(config, address), settings: settings)
        let replies: [RedisReply] = try pool.withSession { (session, deadline) throws(StoreError) in
            var commands = CommandEncoder()
            commands.command("ROLE")
            commands.command("INFO", "replication")
            return try session.pipeline(commands, deadline: deadline)
        }
        let role = replies.first
        if case .array(let parts)? = role, let first = parts.first?.text, first != "master" {
            if current == nil { pool.close() }
            throw StoreError.unavailable("Redis at \(address) is a \(first), not a master")
        }
        switchMaster(to: pool, replicas: ReplicaWait.replicas(inInfo: replies.dropFirst().first)?.replicas ?? 0)
    }

    /// Every poll: the master's `ROLE` (its replicas; and a master that says it is a replica
    /// now is suspect). Fewer replicas than known lowers the count only when the sentinels know
    /// no healthy replica of the master either (a replica promoted away, in a failover the
    /// store has not heard of yet, is still a healthy replica to them).
    private func refreshRole() {
        guard let (pool, seen) = lock.withLock({ master.map { ($0, generation) } }),
              let role = ReplicaWait.role(of: pool) else { return }
        guard role.isMaster else {
            markSuspect(seen)
            return
        }
        if role.replicas >= replicaWait.replicas(generation: seen) {
            replicaWait.raise(role.replicas, generation: seen)
        } else if let healthy = healthyReplicas(), healthy == 0 {
            replicaWait.confirmedByAuthority(role.replicas, generation: seen)
        }
    }

    /// The replicas of the master the first answering sentinel knows and does not think down
    /// (`SENTINEL REPLICAS`: flags without s_down or o_down; "disconnected" is not enough, as a
    /// failover drops the sentinel's own links for a moment); nil when no sentinel answered.
    private func healthyReplicas() -> Int? {
        for sentinel in sentinelOrder {
            guard let connection = try? settings.open(.sentinel(config, sentinel)) else { continue }
            defer { connection.close() }
            var command = CommandEncoder()
            command.command("SENTINEL", "REPLICAS", masterName)
            guard let reply = try? connection.pipeline(command, deadline: .after(milliseconds: config.operationTimeoutMilliseconds)).first,
                  case .array(let replicas) = reply else { continue }
            return replicas.filter { entry in
                guard case .array(let fields) = entry else { return false }
                var k = 0
                while k + 1 < fields.count {
                    if fields[k].text == "flags", let flags = fields[k + 1].text {
                        let down = flags.split(separator: ",").contains { ["s_down", "o_down"].contains($0) }
                        return !down
                    }
                    k += 2
                }
                return false
            }.count
        }
        return nil
    }

    /// Makes `address` the master (from a `+switch-master` event: Sentinel just promoted it),
    /// then reads its replicas.
    func switchMaster(to address: RedisEndpoint) {
        if lock.withLock({ master?.target.endpoint == address }) { return }
        switchMaster(to: ConnectionPool(target: .node(config, address), settings: settings), replicas: 0)
        refreshRole()
    }

    private func switchMaster(to pool: ConnectionPool, replicas: Int) {
        let old: ConnectionPool? = lock.withLock {
            suspect = false
            discoveries += 1
            guard master !== pool else {
                // The same master confirmed again: its ROLE may only raise the count.
                replicaWait.raise(replicas, generation: generation)
                return nil
            }
            if closed { return pool }
            let old = master
            master = pool
            generation += 1
            replicaWait.learned(replicas, generation: generation)
            if old != nil { settings.counters?.failover() }
            return old
        }
        old?.close()
    }

    var routeDescription: [(name: String, value: String)] {
        [("mode", "sentinel"),
         ("sentinels", sentinelOrder.map(\.description).joined(separator: ",")),
         ("sentinel_master", masterName),
         ("master", currentMaster?.description ?? ""),
         ("master_replicas", String(replicaWait.replicas(generation: lock.withLock { generation })))]
    }
}

extension RedisReply {
    /// A bulk or status reply as text.
    var text: String? {
        switch self {
        case .bulk(let bytes): return String(decoding: bytes, as: UTF8.self)
        case .status(let s): return s
        default: return nil
        }
    }
}
