/// What the store logic needs from a connection: send a batch of commands in one write and
/// read one reply per command. The seam between the store and the network (tests can supply
/// their own).
protocol RedisSession: AnyObject {
    /// Sends the encoded commands and returns their replies, in order. Error replies are
    /// returned as `.error`; failures of the connection throw.
    func pipeline(_ commands: CommandEncoder, deadline: Deadline) throws(StoreError) -> [RedisReply]
    /// Sends commands without waiting for their replies (a long pipeline streamed in parts);
    /// `receive` collects the replies afterwards, in order.
    func send(_ commands: CommandEncoder, deadline: Deadline) throws(StoreError)
    /// Reads the replies to `count` commands sent with `send`.
    func receive(_ count: Int, deadline: Deadline) throws(StoreError) -> [RedisReply]
    /// Asks for UNWATCH to be sent before the next commands on this connection (for free,
    /// in the same write), so a rejected WATCH upsert costs no extra round trip.
    func unwatchBeforeNextCommand()
}

/// One connection to Redis: a socket of ours, hiredis's reply parser. Used by one operation at
/// a time (the pool sees to it). Any I/O failure marks it broken, and the pool drops it.
final class RedisConnection: RedisSession {
    private let socket: Socket
    private let reader: ReplyReader
    private let counters: StoreCounters?
    private var receiveBuffer: [UInt8]
    private var pendingUnwatch = false
    /// UNWATCHes sent whose +OK has not been read (and must not be handed out as a reply).
    private var unansweredUnwatches = 0
    private(set) var isBroken = false

    private init(socket: Socket, counters: StoreCounters?) throws(StoreError) {
        self.socket = socket
        self.counters = counters
        self.reader = try ReplyReader()
        self.receiveBuffer = [UInt8](repeating: 0, count: 64 * 1024)
    }

    /// Opens a connection and authenticates / selects the database, within the deadline.
    static func open(_ config: StoreConfiguration, counters: StoreCounters? = nil,
                     deadline: Deadline) throws(StoreError) -> RedisConnection {
        let connection = try RedisConnection(socket: Socket.connect(to: config.endpoint, deadline: deadline),
                                             counters: counters)
        var handshake = CommandEncoder()
        if let password = config.password {
            if let user = config.username {
                handshake.command("AUTH", user, password)
            } else {
                handshake.command("AUTH", password)
            }
        }
        if config.database != 0 {
            handshake.command("SELECT", String(config.database))
        }
        if handshake.commandCount > 0 {
            let replies = try connection.pipeline(handshake, deadline: deadline)
            for (k, reply) in replies.enumerated() {
                if let message = reply.errorMessage {
                    connection.close()
                    // Redis's AUTH errors never echo the password; say which step failed.
                    let step = (k == 0 && config.password != nil) ? "authentication" : "SELECT \(config.database)"
                    throw StoreError.redis("Redis at \(config.endpoint) refused \(step): \(message)")
                }
            }
        }
        return connection
    }

    /// True when the connection cannot be reused: it failed, or the server closed it while it
    /// sat idle in the pool (a restarted Redis).
    var isStale: Bool { isBroken || socket.hasPendingInputWhileIdle }

    func close() {
        isBroken = true
        socket.close()
    }

    func unwatchBeforeNextCommand() {
        pendingUnwatch = true
    }

    func pipeline(_ commands: CommandEncoder, deadline: Deadline) throws(StoreError) -> [RedisReply] {
        try send(commands, deadline: deadline)
        counters?.roundTrip()
        return try receive(commands.commandCount, deadline: deadline)
    }

    func send(_ commands: CommandEncoder, deadline: Deadline) throws(StoreError) {
        guard !isBroken else { throw StoreError.unavailable("the connection to Redis at \(socket.peer) is closed") }
        do throws(StoreError) {
            if pendingUnwatch {
                var unwatch = CommandEncoder()
                unwatch.command("UNWATCH")
                try unwatch.buffer.withBytes { (b) throws(StoreError) in try socket.write(UnsafeRawBufferPointer(b), deadline: deadline) }
                pendingUnwatch = false
                unansweredUnwatches += 1
            }
            try commands.buffer.withBytes { (b) throws(StoreError) in try socket.write(UnsafeRawBufferPointer(b), deadline: deadline) }
        } catch {
            close()
            throw error
        }
    }

    func receive(_ count: Int, deadline: Deadline) throws(StoreError) -> [RedisReply] {
        guard !isBroken else { throw StoreError.unavailable("the connection to Redis at \(socket.peer) is closed") }
        do throws(StoreError) {
            var replies: [RedisReply] = []
            replies.reserveCapacity(count)
            while replies.count < count {
                if let reply = try reader.next() {
                    if unansweredUnwatches > 0 { unansweredUnwatches -= 1; continue }
                    replies.append(reply)
                    continue
                }
                try receiveBuffer.withMutableBytes { (b) throws(StoreError) in
                    let n = try socket.read(into: b, deadline: deadline)
                    try reader.feed(UnsafeRawBufferPointer(rebasing: b[0..<n]))
                }
            }
            return replies
        } catch {
            close()
            throw error
        }
    }
}
