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
