/// Hands out sessions to Redis, one connection per operation (never two).
protocol RedisClient: AnyObject, Sendable {
    /// Runs `body` with one session, exclusively; `deadline` bounds the operation's I/O.
    func withSession<T>(_ body: (RedisSession, Deadline) throws(StoreError) -> T) throws(StoreError) -> T
    /// Closes idle connections and refuses further operations.
    func close()
}
