/// Streams an init transaction to Redis as the data set is parsed.
struct StreamingInit: DataSetObserver {
    static let flushBytes = 256 * 1024

    let store: RedisFeatureStore
    let session: RedisSession
    let deadline: Deadline
    private var encoder = CommandEncoder(reserving: StreamingInit.flushBytes + 64 * 1024)
    private var sent = 0
    private var hashKey = ""
    private var chunk: [(String, StoredItem)] = []
    private(set) var failure: StoreError?

    init(store: RedisFeatureStore, session: RedisSession, deadline: Deadline) {
        self.store = store
        self.session = session
        self.deadline = deadline
        encoder.command("MULTI")
    }

    mutating func beginKind(_ name: String) {
        hashKey = store.key(for: name)
        encoder.command("DEL", hashKey)
    }

    mutating func item(_ key: String, _ item: StoredItem) {
        chunk.append((key, item))
        if chunk.count == RedisFeatureStore.hsetChunkSize { encodeChunk() }
    }

    mutating func endKind() {
        encodeChunk()
    }

    private mutating func encodeChunk() {
        guard !chunk.isEmpty else { return }
        encoder.begin(argumentCount: 2 + 2 * chunk.count)
        encoder.argument("HSET")
        encoder.argument(hashKey)
        for (key, item) in chunk {
            encoder.argument(key)
            encoder.argument(item.json)
        }
        chunk.removeAll(keepingCapacity: true)
        if encoder.buffer.count >= StreamingInit.flushBytes { flush() }
    }

    private mutating func flush() {
        guard failure == nil else { encoder = CommandEncoder(); return }
        do {
            try session.send(encoder, deadline: deadline)
            sent += encoder.commandCount
        } catch {
            failure = error
        }
        encoder = CommandEncoder(reserving: StreamingInit.flushBytes + 64 * 1024)
    }

    /// The document was invalid: drop the queued commands (DISCARD), read what was answered.
    mutating func abort() {
        guard failure == nil else { return }
        encoder.command("DISCARD")
        flush()
        if failure == nil { _ = try? session.receive(sent, deadline: deadline) }
    }

    /// Sends `SET PREFIX:$inited ""` and `EXEC`, and checks every reply; the failure, if any.
    mutating func finish() -> StoreError? {
        encoder.command("SET", store.key(for: "$inited"), "")
        encoder.command("EXEC")
        flush()
        if let failure { return failure }
        store.counters.roundTrip()
        let replies: [RedisReply]
        do {
            replies = try session.receive(sent, deadline: deadline)
        } catch {
            return error
        }
        for reply in replies.dropLast() {
            if let message = reply.errorMessage {
                return ReplyError.storeError(message, replyingTo: "the init transaction")
            }
        }
        switch replies.last {
        case .array(let results)?:
            for result in results {
                if let message = result.errorMessage {
                    return ReplyError.storeError(message, replyingTo: "a command of the init transaction")
                }
            }
            return nil
        case .error(let message)?:
            return ReplyError.storeError(message, replyingTo: "the init transaction")
        default:
            return StoreError.redis("Redis aborted the init transaction")
        }
    }
}
