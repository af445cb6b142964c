/// Hands out sessions to Redis, one connection per operation (never two). The seam between
/// the store and the topology: a standalone server is one `ConnectionPool`; Sentinel and
/// Cluster route each operation to the right server's pool (`Topology/`).
protocol RedisClient: AnyObject, Sendable {
    /// Runs `body` with one session, exclusively; `deadline` bounds the operation's I/O. A
    /// routed topology may run `body` again, on another server, when a reply says the first
    /// one was the wrong one (nothing was done there).
    func withSession<T>(_ body: (RedisSession, Deadline) throws(StoreError) -> T) throws(StoreError) -> T
    /// Closes idle connections and refuses further operations.
    func close()
    /// Every poll interval, on the store's background thread: check the route (Sentinel asks
    /// the sentinels where the master is when it cannot be reached). `available` is the
    /// store's status.
    func maintain(available: Bool)
    /// How the store finds its server, for `describe`: name/value pairs.
    var routeDescription: [(name: String, value: String)] { get }
    /// Why the TLS settings could not be loaded, if so.
    var tlsSetupError: StoreError? { get }
    /// The server the store's keys are on now (one server's, the master the sentinels name,
    /// the owner of the cluster slot), for a connection of its own (`Subscription`); nil for a
    /// client that has no address (a test's fake).
    func currentServer() throws(StoreError) -> RedisEndpoint?
}

extension RedisClient {
    func maintain(available: Bool) {}
    var routeDescription: [(name: String, value: String)] { [] }
    var tlsSetupError: StoreError? { nil }
    func currentServer() throws(StoreError) -> RedisEndpoint? { nil }
}
