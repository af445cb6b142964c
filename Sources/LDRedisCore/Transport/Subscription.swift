/// A connection of its own in subscriber mode (`PSUBSCRIBE`), for `ldredis watch`: the pool's
/// connections answer one reply per command, a subscriber receives messages nobody asked for.
/// Opened like a pool connection (TLS, AUTH, SELECT); not thread-safe.
public final class Subscription {
    private let stream: any ByteStream
    private let reader: ReplyReader
    private var buffer = [UInt8](repeating: 0, count: 16 * 1024)

    /// Connects to the server `store` talks to (the URL's, the master the sentinels name, or the
    /// cluster node that owns the store's slot, where every key of the store lives)
    /// within the connect timeout and subscribes to `patterns` (glob patterns of channels),
    /// waiting for the server's confirmation within the operation timeout.
    public init(store: RedisFeatureStore, patterns: [String]) throws(StoreError) {
        let config = store.configuration
        let endpoint = try store.client.currentServer() ?? config.endpoint
        let target = ConnectionTarget.node(config, endpoint)
        let connectBy = Deadline.after(milliseconds: config.connectTimeoutMilliseconds)
        let tls: TLSContext? = config.tlsEnabled ? try TLSContext(config) : nil
        let socket = try Socket.connect(to: target.endpoint, deadline: connectBy)
        let stream: any ByteStream = try tls.map { (context) throws(StoreError) in
            try TLSStream(socket: socket, context: context, serverName: target.tlsServerName ?? "", deadline: connectBy)
        } ?? socket
        // The pool's handshake (AUTH, SELECT, redaction), on a connection over our stream;
        // it leaves nothing buffered, and the stream stays ours.
        let redactor = Redactor(config)
        try RedisConnection(stream: stream, redactor: redactor).handshake(target, deadline: connectBy)
        self.stream = stream
        self.reader = try ReplyReader(redactor: redactor)
        var subscribe = CommandEncoder()
        subscribe.begin(argumentCount: 1 + patterns.count)
        subscribe.argument("PSUBSCRIBE")
        for pattern in patterns { subscribe.argument(pattern) }
        let by = Deadline.after(milliseconds: config.operationTimeoutMilliseconds)
        try subscribe.buffer.withBytes { (b) throws(StoreError) in try stream.write(UnsafeRawBufferPointer(b), deadline: by) }
        for _ in patterns {
            guard let reply = try next(until: by) else {
                throw StoreError.timeout("Redis did not confirm PSUBSCRIBE in time")
            }
            if let message = reply.errorMessage {
                throw ReplyError.storeError(message, replyingTo: "PSUBSCRIBE")
            }
        }
    }

    deinit { stream.close() }

    /// The next message `(channel, payload)` published to a pattern, or nil when none arrived
    /// within `milliseconds`. A lost connection throws.
    public func nextMessage(waitingUpTo milliseconds: Int64) throws(StoreError) -> (channel: String, payload: String)? {
        let by = Deadline.after(milliseconds: milliseconds)
        while let reply = try next(until: by) {
            // ["pmessage", pattern, channel, payload]
            if case .array(let parts) = reply, parts.count == 4, case .bulk(let kind) = parts[0],
               kind == Array("pmessage".utf8), case .bulk(let channel) = parts[2], case .bulk(let payload) = parts[3] {
                return (String(decoding: channel, as: UTF8.self), String(decoding: payload, as: UTF8.self))
            }
        }
        return nil
    }

    /// The next reply, or nil at the deadline (a read that times out consumes nothing).
    private func next(until deadline: Deadline) throws(StoreError) -> RedisReply? {
        while true {
            if let reply = try reader.next() { return reply }
            do throws(StoreError) {
                try buffer.withMutableBytes { (b) throws(StoreError) in
                    let n = try stream.read(into: b, deadline: deadline)
                    try reader.feed(UnsafeRawBufferPointer(rebasing: b[0..<n]))
                }
            } catch .timeout {
                return nil
            }
        }
    }
}
