/// Durability through a failover (Sentinel, Cluster): a write is acknowledged only once a
/// replica of the master has it (`WAIT 1`), whenever the master has replicas. Failovers promote
/// only replicas, so an acknowledged write survives them; a master demoted behind the store's
/// back (its replica promoted away) cannot confirm a write it would lose.
///
/// The number of replicas comes from the master's `ROLE`: set by the topology when it learns a
/// master (and every poll), and asked again after a write while it is 0, so a replica that
/// attached since is waited for at once. A master with no replica acknowledges alone (there is
/// nothing to promote). Counts belong to a topology generation: one measured for an older master
/// is not used for a newer one.
final class ReplicaWait: @unchecked Sendable {
    /// How long one `WAIT` blocks before the session checks that its master is still current.
    static let sliceMilliseconds: Int64 = 50

    private let lock = Lock()
    private var count = 0
    private var generation = Int.min

    /// The replicas the master of `generation` has (from its `ROLE`).
    func set(_ replicas: Int, generation: Int) {
        lock.withLock {
            guard generation >= self.generation else { return }
            self.generation = generation
            count = replicas
        }
    }

    /// The count for `generation`, or 0 when it was measured for another.
    func replicas(generation: Int) -> Int {
        lock.withLock { self.generation == generation ? count : 0 }
    }

    /// After a write on `session` (the master of `generation`): returns once a replica has it,
    /// or at once when the master has none. In slices, so that a switch learned meanwhile ends
    /// the wait: the session then refuses to send and the topology runs the operation again on
    /// the new master (every write of the store is version-checked or a replacement).
    func confirm(_ session: RedisSession, server: RedisEndpoint, generation: Int, deadline: Deadline) throws(StoreError) {
        if replicas(generation: generation) == 0 {
            var role = CommandEncoder()
            role.command("ROLE")
            let found = ReplicaWait.replicas(inRole: try session.pipeline(role, deadline: deadline).first)
            set(found, generation: generation)
            if found == 0 { return }
        }
        let started = Deadline.now()
        while true {
            let left = Int64(bitPattern: deadline.nanoseconds &- Deadline.now().nanoseconds) / 1_000_000
            guard left > 0 else { break }
            var wait = CommandEncoder()
            wait.command("WAIT", "1", String(min(left, ReplicaWait.sliceMilliseconds)))
            if case .integer(let acknowledged)? = try session.pipeline(wait, deadline: deadline).first, acknowledged >= 1 {
                return
            }
        }
        let waited = Int64(bitPattern: Deadline.now().nanoseconds &- started.nanoseconds) / 1_000_000
        throw StoreError.unavailable("Redis at \(server) did not confirm the write on a replica within \(waited) ms (WAIT 1): a failover may be under way, and the write may be lost")
    }

    /// The number of replicas in a master's `ROLE` reply (0 when it cannot be read: `ROLE`
    /// refused by an ACL, say; writes then are not waited for).
    static func replicas(inRole role: RedisReply?) -> Int {
        guard case .array(let parts)? = role, parts.count >= 3, parts[0].text == "master",
              case .array(let replicas) = parts[2] else { return 0 }
        return replicas.count
    }

    /// The master's `ROLE`, through its pool: the number of replicas, or nil when the server
    /// says it is not a master (or could not be asked).
    static func role(of pool: ConnectionPool) -> (isMaster: Bool, replicas: Int)? {
        let reply: RedisReply?? = try? pool.withSession { (session, deadline) throws(StoreError) -> RedisReply? in
            var command = CommandEncoder()
            command.command("ROLE")
            return try session.pipeline(command, deadline: deadline).first
        }
        guard let found = reply, let role = found else { return nil }
        if case .array(let parts) = role, let first = parts.first?.text, first != "master" { return (false, 0) }
        return (true, replicas(inRole: role))
    }
}
