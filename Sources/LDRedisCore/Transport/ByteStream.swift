/// A connected, ordered byte stream to one Redis server whose every wait is bounded by a
/// deadline: a plain socket (`Socket`) today, a TLS session next. `RedisConnection` speaks RESP
/// over it and knows nothing else about it. Owned by one connection; not thread-safe.
protocol ByteStream: AnyObject {
    /// The server, for messages (`host:port` or the Unix socket path; never secrets).
    var peer: String { get }

    /// Reads what is available, waiting for at least one byte until `deadline`; returns the
    /// count (never 0: a closed stream throws `.unavailable`, a passed deadline `.timeout`).
    func read(into buffer: UnsafeMutableRawBufferPointer, deadline: Deadline) throws(StoreError) -> Int

    /// Writes all of `bytes` before `deadline`.
    func write(_ bytes: UnsafeRawBufferPointer, deadline: Deadline) throws(StoreError)

    /// True when the stream, idle between requests, has input to deliver (bytes buffered inside
    /// the stream, like decrypted TLS records, or readable from the wire) or was closed by the
    /// server. Such a stream must not carry another request. Does not block.
    var hasInputWhileIdle: Bool { get }

    /// Closes the stream; later reads and writes fail. Idempotent.
    func close()
}
