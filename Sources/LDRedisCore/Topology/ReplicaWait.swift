/// Durability through a failover (Sentinel, Cluster): a write is acknowledged only once a
/// replica of the master has it (`WAIT 1`), whenever the master has replicas. Failovers promote
/// only replicas, so an acknowledged write survives them; a master demoted behind the store's
/// back (its replica promoted away) cannot confirm a write it would lose.
///
/// The number of replicas comes from the master's `INFO replication` when the store learns the
/// master, and is raised by later ones (every poll, and after a write while it is 0, so a replica that
/// attached since is waited for at once). It is lowered only on the word of the topology's
/// authority (the sentinels, the cluster's slot map) that the master has no healthy replica: a
/// master whose replica was promoted away also says "no replica", and must not be believed. A
/// master with no replica acknowledges alone (there is nothing to promote). Counts belong to a
/// topology generation: one measured for an older master is not used for a newer one.
final class ReplicaWait: @unchecked Sendable {
    /// How long one `WAIT` blocks before the session checks that its master is still current.
    static let sliceMilliseconds: Int64 = 50
    /// What is kept of the operation's time for the last WAIT's answer.
    static let marginMilliseconds: Int64 = 25

    private let lock = Lock()
    private var count = 0
    private var generation = Int.min

    /// A new master (`generation` newer than any seen): its replicas as its `INFO replication` says (often 0
    /// right after a failover, until the old master attaches: writes are then acknowledged
    /// alone, as there is nothing to promote yet). For the current generation: as `raise`.
    func learned(_ replicas: Int, generation: Int) {
        lock.withLock {
            if generation > self.generation {
                self.generation = generation
                count = replicas
            } else if generation == self.generation {
                count = max(count, replicas)
            }
        }
    }

    /// The master's own view for the current generation: only ever raises the count. A master
    /// that lost its replicas says 0, and so does one whose replica was just promoted away
    /// (split brain): only the topology's authority (`confirmedByAuthority`) may lower it.
    func raise(_ replicas: Int, generation: Int) {
        lock.withLock { if generation == self.generation { count = max(count, replicas) } }
    }

    /// The sentinels (or the cluster's map) say the master has `replicas` healthy replicas:
    /// sets the count, lower or higher.
    func confirmedByAuthority(_ replicas: Int, generation: Int) {
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
            var info = CommandEncoder()
            info.command("INFO", "replication")
            let found = ReplicaWait.replicas(inInfo: try session.pipeline(info, deadline: deadline).first)?.replicas ?? 0
            raise(found, generation: generation)
            if found == 0 { return }
        }
        let started = Deadline.now()
        while true {
            // Each WAIT ends (answering 0) a little before the operation's deadline, so that
            // the outcome is this message, not a timeout of the reply.
            let left = Int64(bitPattern: deadline.nanoseconds &- Deadline.now().nanoseconds) / 1_000_000 - ReplicaWait.marginMilliseconds
            guard left > 0 else { break }
            var wait = CommandEncoder()
            wait.command("WAIT", "1", String(min(left, ReplicaWait.sliceMilliseconds)))
            let reply: RedisReply?
            do throws(StoreError) {
                reply = try session.pipeline(wait, deadline: deadline).first
            } catch {
                // The last WAIT's answer missed the operation's deadline (a loaded machine):
                // the outcome is the same, not confirmed.
                guard case .timeout = error else { throw error }
                break
            }
            if case .integer(let acknowledged)? = reply, acknowledged >= 1 { return }
        }
        let waited = Int64(bitPattern: Deadline.now().nanoseconds &- started.nanoseconds) / 1_000_000
        throw StoreError.unavailable("Redis at \(server) did not confirm the write on a replica within \(waited) ms (WAIT 1): a failover may be under way, and the write may be lost")
    }

    /// The master and its replicas from `INFO replication`: `role:master` and
    /// `connected_slaves:N`, which counts every attached replica, also one still in its first
    /// sync (`ROLE` lists only those "online": a write acknowledged alone while a replica is
    /// still syncing would be lost if that replica were promoted). nil when unreadable (INFO
    /// refused by an ACL, say: writes are then not waited for).
    static func replicas(inInfo reply: RedisReply?) -> (isMaster: Bool, replicas: Int)? {
        guard let text = reply?.text else { return nil }
        var isMaster: Bool?
        var replicas = 0
        for line in text.split(whereSeparator: \.isNewline) {
            if line.hasPrefix("role:") { isMaster = line.dropFirst(5) == "master" }
            if line.hasPrefix("connected_slaves:"), let n = Int(line.dropFirst(17)), n >= 0 { replicas = n }
        }
        guard let isMaster else { return nil }
        return (isMaster, isMaster ? replicas : 0)
    }

    /// The master's `INFO replication`, through its pool (nil when it could not be asked).
    static func role(of pool: ConnectionPool) -> (isMaster: Bool, replicas: Int)? {
        let reply: RedisReply?? = try? pool.withSession { (session, deadline) throws(StoreError) -> RedisReply? in
            var command = CommandEncoder()
            command.command("INFO", "replication")
            return try session.pipeline(command, deadline: deadline).first
        }
        guard let found = reply else { return nil }
        return replicas(inInfo: found)
    }
}
