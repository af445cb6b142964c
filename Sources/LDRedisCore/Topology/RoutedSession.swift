/// A session on one server of a routed topology (Sentinel, Cluster). It watches the replies for
/// the ones that say the command reached the wrong server (`RouteSignal.routable`): the first
/// one is recorded and thrown as `.unavailable`, before the store turns it into the
/// operation's error, so the topology can route the operation again. It also refuses to send
/// once the topology knows its server is no longer the right one (`isCurrent`): no command
/// goes to a demoted master after the switch is known.
final class RoutedSession: RedisSession {
    private let inner: RedisSession
    private let server: RedisEndpoint
    private let isCurrent: () -> Bool
    /// Send `ASKING` before the next batch (after an `ASK` redirection). Inside `MULTI` the
    /// flag lasts until `EXEC`, so one `ASKING` in front covers a transaction.
    private var asking: Bool
    /// An `ASKING` was sent in front of a batch and its reply is still to be read (and dropped).
    private var askingReplyOwed = false
    private(set) var signal: RouteSignal?
    /// True when the session refused to send because its server is no longer current.
    private(set) var refusedStale = false
    /// True once a batch with a write was sent (see `CommandEncoder.hasWrite`).
    private(set) var wrote = false

    /// Where `pipeline` counts its round trips (it sends and receives through the inner
    /// session's `send`/`receive`, which do not).
    private let counters: StoreCounters?

    init(_ inner: RedisSession, server: RedisEndpoint, asking: Bool = false, counters: StoreCounters? = nil,
         isCurrent: @escaping () -> Bool) {
        self.inner = inner
        self.server = server
        self.asking = asking
        self.counters = counters
        self.isCurrent = isCurrent
    }

    func pipeline(_ commands: CommandEncoder, deadline: Deadline) throws(StoreError) -> [RedisReply] {
        try send(commands, deadline: deadline)
        counters?.roundTrip()
        return try receive(commands.commandCount, deadline: deadline)
    }

    func send(_ commands: CommandEncoder, deadline: Deadline) throws(StoreError) {
        guard isCurrent() else {
            refusedStale = true
            throw StoreError.unavailable("Redis at \(server) is no longer the server for these keys (the topology changed)")
        }
        if asking {
            var prefix = CommandEncoder()
            prefix.command("ASKING")
            try inner.send(prefix, deadline: deadline)
            asking = false
            askingReplyOwed = true
        }
        try inner.send(commands, deadline: deadline)
        if commands.hasWrite { wrote = true }
    }

    func receive(_ count: Int, deadline: Deadline) throws(StoreError) -> [RedisReply] {
        var replies = try inner.receive(askingReplyOwed ? count + 1 : count, deadline: deadline)
        if askingReplyOwed {
            askingReplyOwed = false
            let asked = replies.removeFirst()
            if let message = asked.errorMessage {
                throw StoreError.redis("Redis at \(server) refused ASKING: \(message)")
            }
        }
        for reply in replies {
            guard let message = reply.errorMessage else { continue }
            let kind = ReplyError(message: message)
            if RouteSignal.routable.contains(kind) {
                signal = RouteSignal(kind: kind, message: message)
                throw StoreError.unavailable("Redis at \(server) answered \(message)")
            }
        }
        return replies
    }

    func unwatchBeforeNextCommand() {
        inner.unwatchBeforeNextCommand()
    }
}
