/// One connection to Redis: RESP over a `ByteStream` (a socket of ours today), parsed by
/// hiredis (`ReplyReader`). Used by one operation at a time (the pool sees to it). Any I/O
/// failure marks it broken, and the pool drops it; so does any byte it cannot account for.
final class RedisConnection: RedisSession {
    private let stream: any ByteStream
    private let reader: ReplyReader
    /// The configured secrets, taken out of every status and error reply and every message
    /// built from one.
    let redactor: Redactor
    private let counters: StoreCounters?
    private var receiveBuffer: [UInt8]
    private var pendingUnwatch = false
    /// UNWATCHes sent whose +OK has not been read (and must not be handed out as a reply).
    private var unansweredUnwatches = 0
    /// Replies owed by the server for the commands sent (UNWATCHes included) and not yet read.
    private var outstandingReplies = 0
    private(set) var isBroken = false
    /// The pool's generation when this connection was opened (see `ConnectionPool.drain`).
    var poolGeneration = 0

    /// A connection over `stream`, which it owns from now on.
    init(stream: any ByteStream, redactor: Redactor, counters: StoreCounters? = nil) throws(StoreError) {
        self.stream = stream
        self.redactor = redactor
        self.counters = counters
        do {
            self.reader = try ReplyReader(redactor: redactor)
        } catch {
            stream.close()
            throw error
        }
        self.receiveBuffer = [UInt8](repeating: 0, count: 64 * 1024)
    }

    /// Opens a connection to `target` (TCP or Unix; TLS over TCP when `tls` is given: the
    /// handshake), and authenticates / selects the database, all within the deadline.
    static func open(_ target: ConnectionTarget, redactor: Redactor, tls: TLSContext? = nil,
                     counters: StoreCounters? = nil, deadline: Deadline) throws(StoreError) -> RedisConnection {
        let socket = try Socket.connect(to: target.endpoint, deadline: deadline)
        let stream: any ByteStream = try tls.map { (context) throws(StoreError) in
            try TLSStream(socket: socket, context: context, serverName: target.tlsServerName ?? "", deadline: deadline)
        } ?? socket
        let connection = try RedisConnection(stream: stream, redactor: redactor, counters: counters)
        try connection.handshake(target, deadline: deadline)
        return connection
    }

    /// AUTH and SELECT as the target says; closes the connection when refused. Replies arrive
    /// redacted, and so is the message built from them.
    func handshake(_ target: ConnectionTarget, deadline: Deadline) throws(StoreError) {
        var handshake = CommandEncoder()
        if let password = target.password {
            if let user = target.username {
                handshake.command("AUTH", user, password)
            } else {
                handshake.command("AUTH", password)
            }
        }
        if target.database != 0 {
            handshake.command("SELECT", String(target.database))
        }
        guard handshake.commandCount > 0 else { return }
        let replies = try pipeline(handshake, deadline: deadline)
        for (k, reply) in replies.enumerated() {
            if let message = reply.errorMessage {
                close()
                let step = (k == 0 && target.password != nil) ? "authentication" : "SELECT \(target.database)"
                throw StoreError.redis(redactor.redacted("Redis at \(target.endpoint) refused \(step): \(message)"))
            }
        }
    }

    /// True when the operation that used the connection left it clean: not failed, no reply
    /// owed, no unread byte in the parser. Costs no system call (the pool asks on release).
    var isReusable: Bool {
        !isBroken && outstandingReplies == 0 && !reader.hasBufferedInput
    }

    /// True when an idle connection cannot carry another operation: not reusable, or the idle
    /// stream has input (the server closed it, a restarted Redis, or sent something unasked).
    /// Asks the stream, which knows what it buffers (TLS does), not the file descriptor.
    var isStale: Bool {
        !isReusable || stream.hasInputWhileIdle
    }

    func close() {
        isBroken = true
        stream.close()
    }

    func unwatchBeforeNextCommand() {
        pendingUnwatch = true
    }

    func pipeline(_ commands: CommandEncoder, deadline: Deadline) throws(StoreError) -> [RedisReply] {
        try send(commands, deadline: deadline)
        counters?.roundTrip()
        return try receive(commands.commandCount, deadline: deadline)
    }

    /// Streams the elements of the reply from the parser as each arrives (no reply tree, no
    /// copy of a bulk string), so the caller's work on them overlaps the rest of the transfer.
    func streamArray(_ command: CommandEncoder, deadline: Deadline, into sink: ArrayReplySink) throws(StoreError) -> RedisReply? {
        reader.sink = sink
        defer { reader.sink = nil }
        guard let reply = try pipeline(command, deadline: deadline).first else {
            throw StoreError.internal("no reply")
        }
        if case .array = reply { return nil }
        return reply
    }

    func send(_ commands: CommandEncoder, deadline: Deadline) throws(StoreError) {
        guard !isBroken else { throw StoreError.unavailable("the connection to Redis at \(stream.peer) is closed") }
        do throws(StoreError) {
            if pendingUnwatch {
                var unwatch = CommandEncoder()
                unwatch.command("UNWATCH")
                try unwatch.buffer.withBytes { (b) throws(StoreError) in try stream.write(UnsafeRawBufferPointer(b), deadline: deadline) }
                pendingUnwatch = false
                unansweredUnwatches += 1
                outstandingReplies += 1
            }
            try commands.buffer.withBytes { (b) throws(StoreError) in try stream.write(UnsafeRawBufferPointer(b), deadline: deadline) }
            outstandingReplies += commands.commandCount
        } catch {
            close()
            throw error
        }
    }

    /// Pub/sub: the next message the server pushes, or nil when none came before `deadline`
    /// (the connection stays usable: a wait that timed out consumed nothing). Any other
    /// failure breaks the connection.
    func nextPush(deadline: Deadline) throws(StoreError) -> RedisReply? {
        guard !isBroken else { throw StoreError.unavailable("the connection to Redis at \(stream.peer) is closed") }
        do throws(StoreError) {
            while true {
                if let reply = try reader.next() { return reply }
                let n = try receiveBuffer.withMutableBytes { (b) throws(StoreError) -> Int in
                    do throws(StoreError) {
                        let n = try stream.read(into: b, deadline: deadline)
                        try reader.feed(UnsafeRawBufferPointer(rebasing: b[0..<n]))
                        return n
                    } catch {
                        if case .timeout = error { return 0 }
                        throw error
                    }
                }
                if n == 0 { return nil }
            }
        } catch {
            close()
            throw error
        }
    }

    func receive(_ count: Int, deadline: Deadline) throws(StoreError) -> [RedisReply] {
        guard !isBroken else { throw StoreError.unavailable("the connection to Redis at \(stream.peer) is closed") }
        guard count + unansweredUnwatches <= outstandingReplies else {
            close()
            throw StoreError.internal("asked for \(count) replies from Redis at \(stream.peer) but only \(outstandingReplies - unansweredUnwatches) are owed")
        }
        do throws(StoreError) {
            var replies: [RedisReply] = []
            replies.reserveCapacity(count)
            while replies.count < count {
                if let reply = try reader.next() {
                    outstandingReplies -= 1
                    if unansweredUnwatches > 0 { unansweredUnwatches -= 1; continue }
                    replies.append(reply)
                    continue
                }
                try receiveBuffer.withMutableBytes { (b) throws(StoreError) in
                    let n = try stream.read(into: b, deadline: deadline)
                    try reader.feed(UnsafeRawBufferPointer(rebasing: b[0..<n]))
                }
            }
            // Bytes beyond the last reply owed belong to no request: a later one would take
            // them for its own answer. Such a connection is never reused.
            if outstandingReplies == 0 && reader.hasBufferedInput { close() }
            return replies
        } catch {
            close()
            throw error
        }
    }
}
