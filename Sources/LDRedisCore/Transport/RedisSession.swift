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
    /// Sends one command whose reply is expected to be an array and hands its elements to
    /// `sink` as they arrive; returns nil when the reply was an array (every element went to
    /// the sink), else the reply (an error reply ...), for the caller to judge.
    func streamArray(_ command: CommandEncoder, deadline: Deadline, into sink: ArrayReplySink) throws(StoreError) -> RedisReply?
}

extension RedisSession {
    /// The reply read whole, then handed over element by element (sessions that wrap another
    /// and test doubles; a connection streams them straight from the parser).
    func streamArray(_ command: CommandEncoder, deadline: Deadline, into sink: ArrayReplySink) throws(StoreError) -> RedisReply? {
        guard let reply = try pipeline(command, deadline: deadline).first else {
            throw StoreError.internal("no reply")
        }
        guard case .array(let elements) = reply else { return reply }
        for element in elements {
            if case .bulk(let bytes) = element {
                bytes.withUnsafeBytes { sink.element($0) }
            } else {
                sink.element(nil)
            }
        }
        return nil
    }
}
