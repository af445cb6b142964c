/// A bounded, thread-safe pool of `RedisConnection`s. Connections are opened on demand (so a
/// store can be created while Redis is down), reused while clean, and dropped after any I/O
/// failure, when an operation left replies owed or bytes unread, or when the server closed
/// them (or sent anything) while idle.
final class ConnectionPool: RedisClient, @unchecked Sendable {
    /// The server this pool connects to.
    let target: ConnectionTarget
    private let settings: TransportSettings
    private var config: StoreConfiguration { settings.config }
    private let lock = Lock()
    private let connectionReturned = Condition()
    private var idle: [RedisConnection] = []
    private var open = 0
    private var closed = false
    /// Bumped by `drain`: connections of an older generation are closed when they come back.
    private var generation = 0

    /// A pool of connections to `target`.
    init(target: ConnectionTarget, settings: TransportSettings) {
        self.target = target
        self.settings = settings
    }

    /// A pool of connections to the configured server (a standalone store's).
    convenience init(config: StoreConfiguration, counters: StoreCounters? = nil) {
        self.init(target: .node(config), settings: TransportSettings(config: config, counters: counters))
    }

    var tlsSetupError: StoreError? { settings.tlsSetupError }

    func currentServer() throws(StoreError) -> RedisEndpoint? { target.endpoint }

    /// One deadline bounds the whole operation: the wait for a free connection and the I/O
    /// share the operation timeout; only the time spent opening a new connection (bounded by
    /// the connect timeout) is added to it.
    func withSession<T>(_ body: (RedisSession, Deadline) throws(StoreError) -> T) throws(StoreError) -> T {
        let deadline = Deadline.after(milliseconds: config.operationTimeoutMilliseconds)
        let (connection, connectNanoseconds) = try acquire(until: deadline)
        defer { release(connection) }
        return try body(connection, Deadline(nanoseconds: deadline.nanoseconds &+ connectNanoseconds))
    }

    /// Drops every connection, idle ones now and busy ones when their operation returns them,
    /// and keeps serving: later operations open new connections (after a failover to another
    /// master, or when the endpoint's address changed). Unlike `close`, not final.
    func drain() {
        closeIdle { generation += 1 }
    }

    /// Connections open now (idle and busy).
    var openConnections: Int { lock.withLock { open } }

    func close() {
        closeIdle { closed = true }
    }

    /// Under the lock: `change`, then take the idle connections (waking waiters); then closes
    /// them outside the lock. Busy ones are dropped when they come back.
    private func closeIdle(after change: () -> Void) {
        let connections: [RedisConnection] = lock.withLock {
            change()
            let all = idle
            idle.removeAll()
            open -= all.count
            connectionReturned.broadcast()
            return all
        }
        for c in connections { c.close() }
    }

    /// A connection, and how long opening it took (0 for a pooled one).
    private func acquire(until waitDeadline: Deadline) throws(StoreError) -> (RedisConnection, UInt64) {
        lock.lock()
        while true {
            if closed {
                lock.unlock()
                throw StoreError.internal("the store is closed")
            }
            if let connection = idle.popLast() {
                if connection.isStale {
                    open -= 1
                    lock.unlock()
                    connection.close()
                    lock.lock()
                    continue
                }
                lock.unlock()
                return (connection, 0)
            }
            if open < config.poolSize {
                open += 1
                lock.unlock()
                do {
                    let opening = Deadline.now()
                    let generationOpened = lock.withLock { generation }
                    let connection = try settings.open(target)
                    connection.poolGeneration = generationOpened
                    return (connection, Deadline.now().nanoseconds &- opening.nanoseconds)
                } catch {
                    lock.withLock {
                        open -= 1
                        connectionReturned.signal()
                    }
                    throw error
                }
            }
            if !connectionReturned.wait(lock, until: waitDeadline) && waitDeadline.hasPassed {
                lock.unlock()
                throw StoreError.busy("no free Redis connection within \(config.operationTimeoutMilliseconds) ms (pool size \(config.poolSize))")
            }
        }
    }

    private func release(_ connection: RedisConnection) {
        let drop: Bool = lock.withLock {
            let drop = closed || !connection.isReusable || connection.poolGeneration != generation
            if drop {
                open -= 1
            } else {
                idle.append(connection)
            }
            connectionReturned.signal()
            return drop
        }
        if drop { connection.close() }
    }
}
