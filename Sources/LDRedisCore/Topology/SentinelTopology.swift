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
    /// Replicas connected to the master, from its `ROLE` (at discovery, at a switch, every poll,
    /// and after each write while it is 0). While there are any, a write is acknowledged only
    /// once a replica has it (`WAIT 1`): Sentinel promotes only replicas, so an acknowledged
    /// write survives the failover, and a master demoted behind the store's back (its replica
    /// promoted away) cannot confirm a write it would lose.
    private var replicaCount = 0
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
                            try confirmReplicated(routed, server: pool.target.endpoint, seen: seen, deadline: deadline)
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

    /// After a write: `WAIT 1` within what is left of the operation's time, so a replica has
    /// it. A master with no replica known is asked for its `ROLE` first (one more round trip
    /// while it has none): a replica that attached since the last poll is waited for at once.
    private func confirmReplicated(_ session: RoutedSession, server: RedisEndpoint, seen: Int,
                                   deadline: Deadline) throws(StoreError) {
        if lock.withLock({ replicaCount }) == 0 {
            var role = CommandEncoder()
            role.command("ROLE")
            let reply = try session.pipeline(role, deadline: deadline).first
            let count = SentinelTopology.replicas(inRole: reply)
            lock.withLock { if generation == seen { replicaCount = count } }
            if count == 0 { return }
        }
        // In slices, so that a switch learned meanwhile ends the wait at once: the session then
        // refuses to send, and the operation runs again on the new master (every write of
        // the store is version-checked or a replacement: running it again is safe).
        let started = Deadline.now()
        while true {
            let left = Int64(bitPattern: deadline.nanoseconds &- Deadline.now().nanoseconds) / 1_000_000
            guard left > 0 else { break }
            var wait = CommandEncoder()
            wait.command("WAIT", "1", String(min(left, SentinelTopology.waitSliceMilliseconds)))
            let reply = try session.pipeline(wait, deadline: deadline)
            if case .integer(let acknowledged)? = reply.first, acknowledged >= 1 { return }
        }
        let waited = Int64(bitPattern: Deadline.now().nanoseconds &- started.nanoseconds) / 1_000_000
        throw StoreError.unavailable("Redis at \(server) did not confirm the write on a replica within \(waited) ms (WAIT 1): a failover may be under way, and the write may be lost")
    }

    /// How long one `WAIT` may block before the store checks for a switch.
    static let waitSliceMilliseconds: Int64 = 50

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
        let role: RedisReply? = try pool.withSession { (session, deadline) throws(StoreError) in
            var command = CommandEncoder()
            command.command("ROLE")
            return try session.pipeline(command, deadline: deadline).first
        }
        if case .array(let parts)? = role, let first = parts.first?.text, first != "master" {
            if current == nil { pool.close() }
            throw StoreError.unavailable("Redis at \(address) is a \(first), not a master")
        }
        switchMaster(to: pool, replicas: SentinelTopology.replicas(inRole: role))
    }

    /// The number of replicas in a master's `ROLE` reply (0 when it cannot be read: `ROLE`
    /// refused by an ACL, say; writes then are not waited for).
    private static func replicas(inRole role: RedisReply?) -> Int {
        guard case .array(let parts)? = role, parts.count >= 3, case .array(let replicas) = parts[2] else { return 0 }
        return replicas.count
    }

    /// Every poll: the master's `ROLE` (its replicas; and a master that says it is a replica
    /// now is suspect).
    private func refreshRole() {
        guard let (pool, seen) = lock.withLock({ master.map { ($0, generation) } }) else { return }
        let role: RedisReply?? = try? pool.withSession { (session, deadline) throws(StoreError) -> RedisReply? in
            var command = CommandEncoder()
            command.command("ROLE")
            return try session.pipeline(command, deadline: deadline).first
        }
        guard let found = role, let role = found else { return }
        if case .array(let parts) = role, let first = parts.first?.text, first != "master" {
            markSuspect(seen)
            return
        }
        let count = SentinelTopology.replicas(inRole: role)
        lock.withLock { if generation == seen { replicaCount = count } }
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
            replicaCount = replicas
            guard master !== pool else { return nil }
            if closed { return pool }
            let old = master
            master = pool
            generation += 1
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
         ("master_replicas", String(lock.withLock { replicaCount }))]
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
