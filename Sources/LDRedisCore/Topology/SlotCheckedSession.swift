/// A cluster session that refuses to send commands whose keys are not all in the slot the
/// operation was routed by (`SlotCheck`): an error of this operation, never a crash and never
/// a `CROSSSLOT` at the server. Debug builds wrap every cluster session in it; release builds
/// skip the scan (the `{ld}.` hash tag guarantees the slot).
final class SlotCheckedSession: RedisSession {
    private let inner: RedisSession
    private let slot: Int

    init(_ inner: RedisSession, slot: Int) {
        self.inner = inner
        self.slot = slot
    }

    private func check(_ commands: CommandEncoder) throws(StoreError) {
        if let problem = SlotCheck.problem(commands, slot: slot) {
            throw StoreError.internal("ldredis refused to send a command to Redis Cluster: \(problem) (the store's keys are all in slot \(slot))")
        }
    }

    func pipeline(_ commands: CommandEncoder, deadline: Deadline) throws(StoreError) -> [RedisReply] {
        try check(commands)
        return try inner.pipeline(commands, deadline: deadline)
    }

    func send(_ commands: CommandEncoder, deadline: Deadline) throws(StoreError) {
        try check(commands)
        try inner.send(commands, deadline: deadline)
    }

    func receive(_ count: Int, deadline: Deadline) throws(StoreError) -> [RedisReply] {
        try inner.receive(count, deadline: deadline)
    }

    func unwatchBeforeNextCommand() {
        inner.unwatchBeforeNextCommand()
    }
}
