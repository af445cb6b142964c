/// A session on the node an `ASK` redirection named, for one attempt of an operation. Redis
/// honours `ASKING` for the next command only (or, sent before `MULTI`, for the whole
/// transaction), so this session puts `ASKING` in front of every command it sends outside a
/// transaction and drops the replies to them: an operation of several commands or batches
/// (`WATCH` + `HGET`, then `MULTI` … `EXEC`; an init streamed in parts) is served by the
/// importing node from its first command to its last. An error reply to `ASKING` fails the
/// operation.
final class AskingSession: RedisSession {
    private let inner: RedisSession
    private let server: RedisEndpoint
    /// Between `MULTI` and `EXEC`/`DISCARD`, across batches.
    private var inTransaction = false
    /// For each command sent and not yet answered, in order: whether it is an added `ASKING`.
    private var added: [Bool] = []
    private var nextReply = 0

    init(_ inner: RedisSession, server: RedisEndpoint) {
        self.inner = inner
        self.server = server
    }

    func pipeline(_ commands: CommandEncoder, deadline: Deadline) throws(StoreError) -> [RedisReply] {
        try send(commands, deadline: deadline)
        return try receive(commands.commandCount, deadline: deadline)
    }

    func send(_ commands: CommandEncoder, deadline: Deadline) throws(StoreError) {
        var reader = RESPCommandReader(bytes: commands.buffer)
        var rewritten = CommandEncoder(reserving: commands.buffer.count + 16 * commands.commandCount)
        var marks: [Bool] = []
        while !reader.atEnd {
            guard let arguments = reader.command(), let first = arguments.first else {
                throw StoreError.internal("ldredis could not read back the commands to send with ASKING")
            }
            let name = String(decoding: first, as: UTF8.self).uppercased()
            if !inTransaction {
                rewritten.command("ASKING")
                marks.append(true)
            }
            rewritten.begin(argumentCount: arguments.count)
            for argument in arguments { argument.withUnsafeBytes { rewritten.argument($0) } }
            marks.append(false)
            if name == "MULTI" { inTransaction = true }
            if name == "EXEC" || name == "DISCARD" { inTransaction = false }
        }
        try inner.send(rewritten, deadline: deadline)
        added += marks
    }

    /// The replies to the next `count` commands of the caller's, without those to `ASKING`.
    func receive(_ count: Int, deadline: Deadline) throws(StoreError) -> [RedisReply] {
        var total = 0
        var callers = 0
        while callers < count && nextReply + total < added.count {
            if !added[nextReply + total] { callers += 1 }
            total += 1
        }
        let replies = try inner.receive(total, deadline: deadline)
        var kept: [RedisReply] = []
        kept.reserveCapacity(count)
        for (k, reply) in replies.enumerated() {
            guard nextReply + k < added.count, added[nextReply + k] else { kept.append(reply); continue }
            if let message = reply.errorMessage {
                throw StoreError.redis("Redis at \(server) refused ASKING: \(message)")
            }
        }
        nextReply = min(nextReply + total, added.count)
        if nextReply == added.count {
            added.removeAll(keepingCapacity: true)
            nextReply = 0
        }
        return kept
    }

    func unwatchBeforeNextCommand() {
        inner.unwatchBeforeNextCommand()
    }
}
