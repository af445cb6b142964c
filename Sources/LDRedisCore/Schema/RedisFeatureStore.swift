/// LaunchDarkly's Redis persistent feature store, without a cache: every call is one Redis
/// operation in the SDKs' schema (SPEC sections 1-3). Thread-safe.
public final class RedisFeatureStore: @unchecked Sendable {
    /// The largest number of field/value pairs sent in one `HSET` during init.
    static let hsetChunkSize = 1_000
    /// How often a WATCH upsert is tried before giving up with `.conflict`.
    static let maximumWatchAttempts = 10

    public let configuration: StoreConfiguration
    /// Round trips and errors, for diagnostics.
    public let counters: StoreCounters
    let client: RedisClient
    private let prefix: String
    private let initedKey: String

    private let lock = Lock()
    private var scriptRefused = false
    private var scriptSHA = UpsertScript.sha1
    private var malformedSkipped = 0
    /// The size of the last `allJSON` object of each kind (the first 64 kinds asked for): the
    /// next one's buffer starts that big.
    private var allJSONSizes: [String: Int] = [:]
    /// The verdicts of the last `allJSON` reply of each kind (the same kinds), with the values'
    /// bytes: a value that has not changed is compared, not scanned again.
    private var verdictMemos: [String: VerdictMemo] = [:]
    /// The most bytes the memos of all kinds hold together.
    static let verdictMemoLimit = 64 << 20
    private var hook: (@Sendable (Int) -> Void)?

    /// A store on the configured server(s): one server, the master the sentinels name, or a
    /// cluster (see `Topology/`). Invalid combinations are `.invalidArgument`.
    public convenience init(configuration: StoreConfiguration) throws(StoreError) {
        let counters = StoreCounters()
        let client = try Topologies.client(for: configuration, counters: counters)
        self.init(configuration: configuration, client: client, counters: counters)
    }

    init(configuration: StoreConfiguration, client: RedisClient, counters: StoreCounters = StoreCounters()) {
        self.configuration = configuration
        self.counters = counters
        self.client = client
        self.prefix = configuration.keyPrefix
        self.initedKey = configuration.keyPrefix + ":$inited"
    }

    /// Why the TLS settings could not be loaded (a missing or unparsable file ...), if so.
    public var tlsSetupError: StoreError? { client.tlsSetupError }

    /// Closes the connections. Later calls fail.
    public func close() {
        client.close()
        lock.withLock { verdictMemos.removeAll() }
    }

    /// For tests: called in every upsert attempt just before the write is sent (script mode:
    /// before `EVALSHA`; WATCH mode: after `WATCH`+`HGET`, before `MULTI`), with the attempt
    /// number (1 ...). Lets a test race a second writer against the upsert.
    public func setBeforeUpsertWriteHook(_ hook: (@Sendable (Int) -> Void)?) {
        lock.withLock { self.hook = hook }
    }

    /// How many stored values that are not items `all` has skipped so far.
    public var malformedSkippedCount: Int { lock.withLock { malformedSkipped } }

    /// `PREFIX:kind`.
    public func key(for kind: String) -> String { prefix + ":" + kind }

    // MARK: Init

    /// Replaces the given kinds and marks the store initialized, atomically and in one round
    /// trip: `MULTI`, per kind `DEL` + `HSET` (chunked), `SET PREFIX:$inited ""`, `EXEC`.
    public func initialize(_ data: FullDataSet) throws(StoreError) {
        for kind in data.kinds { try DataKind.validate(kind.name) }
        let failure = try client.withSession { (session, deadline) throws(StoreError) in
            var writer = StreamingInit(store: self, session: session, deadline: deadline)
            for kind in data.kinds {
                writer.beginKind(kind.name)
                for (key, item) in kind.items { writer.item(key, item) }
                writer.endKind()
            }
            return writer.finish()
        }
        if let failure { throw failure }
    }

    /// Parses an all-data document and writes it, streaming: the transaction's commands go to
    /// Redis while the rest of the document is still being parsed (Redis only queues them until
    /// EXEC), so parsing overlaps with the transfer. If the document turns out to be invalid,
    /// the transaction is discarded (DISCARD) and nothing is written. Returns the parsed data,
    /// and the Redis failure if the write failed (the data is complete either way).
    public func initialize(parsing json: UnsafeBufferPointer<UInt8>) throws(StoreError) -> (FullDataSet, StoreError?) {
        do throws(StoreError) {
            return try client.withSession { (session, deadline) throws(StoreError) in
                var writer = StreamingInit(store: self, session: session, deadline: deadline)
                let data: FullDataSet
                do throws(StoreError) {
                    data = try FullDataSet.parse(json, observer: &writer)
                } catch {
                    writer.abort()
                    throw error
                }
                return (data, writer.finish())
            }
        } catch .invalidArgument(let message) {
            throw StoreError.invalidArgument(message)
        } catch {
            // No connection at all: still parse, so the caller has the data (infinite cache).
            return (try FullDataSet.parse(json), error)
        }
    }

    // MARK: Reads

    /// One item (`HGET PREFIX:kind key`), tombstones included; nil when absent.
    public func get(kind: String, key itemKey: String) throws(StoreError) -> StoredItem? {
        let kind = try DataKind.name(kind)
        try DataKind.validateKey(itemKey)
        let hashKey = key(for: kind)
        var command = CommandEncoder()
        command.command("HGET", hashKey, itemKey)
        let reply = try singleReply(command, "HGET")
        switch reply {
        case .null:
            return nil
        case .bulk(let json):
            guard let header = ItemParser.parseStored(json) else {
                throw StoreError.malformed("the value of \"\(itemKey)\" in \(hashKey) is not a LaunchDarkly item (a JSON object with a version)")
            }
            return StoredItem(header: header, json: json)
        default:
            throw StoreError.redis("unexpected reply to HGET")
        }
    }

    /// Every item of a kind (`HGETALL PREFIX:kind`), tombstones included; values that are not
    /// items are skipped and counted.
    public func all(kind: String) throws(StoreError) -> KindItems {
        let kind = try DataKind.name(kind)
        var command = CommandEncoder()
        command.command("HGETALL", key(for: kind))
        guard case .array(let flat) = try singleReply(command, "HGETALL") else {
            throw StoreError.redis("unexpected reply to HGETALL")
        }
        var items: [(key: String, item: StoredItem)] = []
        items.reserveCapacity(flat.count / 2)
        var malformed: [(key: String, json: [UInt8])] = []
        var skipped = 0
        var k = 0
        while k + 1 < flat.count {
            if case .bulk(let field) = flat[k], case .bulk(let json) = flat[k + 1] {
                if let header = ItemParser.parseStored(json) {
                    items.append((String(decoding: field, as: UTF8.self), StoredItem(header: header, json: json)))
                } else {
                    malformed.append((String(decoding: field, as: UTF8.self), json))
                    skipped += 1
                }
            } else {
                skipped += 1
            }
            k += 2
        }
        if skipped > 0 { lock.withLock { malformedSkipped += skipped } }
        return KindItems(items: items, malformed: malformed, skippedMalformed: skipped)
    }

    /// The JSON object `{key: item, ...}` of a kind's live items (`HGETALL PREFIX:kind`), in a
    /// malloc'd, NUL-terminated buffer the caller frees: what `AllJSON.encodeMalloced` makes of
    /// `all`, byte for byte, with the same values skipped and counted, but built while the
    /// reply arrives: each value is checked where the parser holds it and copied once, into
    /// the buffer returned.
    public func allJSON(kind: String) throws(StoreError) -> (pointer: UnsafeMutablePointer<UInt8>, count: Int) {
        let kind = try DataKind.name(kind)
        var command = CommandEncoder()
        command.command("HGETALL", key(for: kind))
        let (expected, memo, room) = lock.withLock { () -> (Int, VerdictMemo?, Int) in
            (allJSONSizes[kind] ?? 0, verdictMemos[kind], max(0, Self.verdictMemoLimit - memoBytes(except: kind)))
        }
        // A sink per attempt: a topology that runs the body again starts from nothing.
        let (sink, other) = try client.withSession { (session, deadline) throws(StoreError) -> (AllJSON.HashSink, RedisReply?) in
            let sink = AllJSON.HashSink(expecting: expected, memo: VerdictMemo.Pass(old: memo, limit: room))
            return (sink, try session.streamArray(command, deadline: deadline, into: sink))
        }
        if let other {
            if let message = other.errorMessage {
                throw ReplyError.storeError(message, replyingTo: "HGETALL")
            }
            throw StoreError.redis("unexpected reply to HGETALL")
        }
        if sink.skipped > 0 { lock.withLock { malformedSkipped += sink.skipped } }
        guard let result = sink.finish() else { throw StoreError.internal("out of memory") }
        let next = sink.memo?.finish()
        lock.withLock {
            if allJSONSizes.count < 64 || allJSONSizes[kind] != nil {
                allJSONSizes[kind] = result.count
                // Passes of other kinds at the same time may have filled the room since.
                verdictMemos[kind] = memoBytes(except: kind) + (next?.count ?? 0) <= Self.verdictMemoLimit ? next : nil
            }
        }
        return result
    }

    /// The bytes the memos of the other kinds hold (at most 64 kinds). Called with the lock held.
    private func memoBytes(except kind: String) -> Int {
        verdictMemos.reduce(0) { $0 + ($1.key == kind ? 0 : $1.value.count) }
    }

    /// Whether anyone initialized this prefix (`EXISTS PREFIX:$inited`).
    public func isInitialized() throws(StoreError) -> Bool {
        var command = CommandEncoder()
        command.command("EXISTS", initedKey)
        guard case .integer(let n) = try singleReply(command, "EXISTS") else {
            throw StoreError.redis("unexpected reply to EXISTS")
        }
        return n > 0
    }

    /// Whether Redis answers now (`EXISTS PREFIX:$inited` succeeds).
    public func isAvailable() -> Bool {
        (try? isInitialized()) != nil
    }

    /// Sends commands on one connection in one round trip.
    func pipeline(_ commands: CommandEncoder) throws(StoreError) -> [RedisReply] {
        try client.withSession { (session, deadline) throws(StoreError) in
            try session.pipeline(commands, deadline: deadline)
        }
    }

    func singleReply(_ command: CommandEncoder, _ name: String) throws(StoreError) -> RedisReply {
        let replies = try pipeline(command)
        guard let reply = replies.first else { throw StoreError.internal("no reply to \(name)") }
        if let message = reply.errorMessage {
            throw ReplyError.storeError(message, replyingTo: name)
        }
        return reply
    }

    // MARK: Writes

    /// Writes `item` under `key` if its version is strictly higher than the stored one's.
    public func upsert(kind: String, key itemKey: String, item: StoredItem) throws(StoreError) -> UpsertResult {
        let kind = try DataKind.name(kind)
        try DataKind.validateKey(itemKey)
        guard item.version >= 0 && item.version <= ItemParser.maximumVersion else {
            throw StoreError.invalidArgument("the version must be from 0 to \(ItemParser.maximumVersion)")
        }
        if usesWatch {
            return try upsertWithWatch(kind: kind, key: itemKey, item: item)
        }
        do {
            return try upsertWithScript(kind: kind, key: itemKey, item: item)
        } catch .redis(let message) where noteScriptingRefusal(message) {
            return try upsertWithWatch(kind: kind, key: itemKey, item: item)
        }
    }

    /// In the automatic mode, an error reply that means the server refuses scripting switches
    /// upserts to WATCH for good; true when it did.
    func noteScriptingRefusal(_ message: String) -> Bool {
        guard configuration.upsertMode == .auto, UpsertScript.isRefusal(message) else { return false }
        lock.withLock { scriptRefused = true }
        return true
    }

    /// True when upserts use WATCH: configured so, or the server refused scripting.
    var usesWatch: Bool {
        let mode = configuration.upsertMode
        return mode == .watch || (mode == .auto && lock.withLock({ scriptRefused }))
    }

    /// Deletes by writing the tombstone `{"key":K,"version":N,"deleted":true}`.
    public func delete(kind: String, key itemKey: String, version: Int64) throws(StoreError) -> UpsertResult {
        guard version >= 0 && version <= ItemParser.maximumVersion else {
            throw StoreError.invalidArgument("the version must be from 0 to \(ItemParser.maximumVersion)")
        }
        return try upsert(kind: kind, key: itemKey, item: .tombstone(key: itemKey, version: version))
    }

    /// One round trip: `EVALSHA` (on `NOSCRIPT`: `SCRIPT LOAD` + `EVALSHA` in one more).
    private func upsertWithScript(kind: String, key itemKey: String, item: StoredItem) throws(StoreError) -> UpsertResult {
        let hashKey = key(for: kind)
        let version = String(item.version)
        let (sha, hook) = lock.withLock { (scriptSHA, self.hook) }
        hook?(1)
        return try client.withSession { (session, deadline) throws(StoreError) in
            var eval = CommandEncoder(reserving: item.json.count + 128)
            UpsertScript.appendEvalSHA(&eval, sha: sha, hashKey: hashKey, field: itemKey, version: version, json: item.json)
            var reply = try session.pipeline(eval, deadline: deadline)[0]
            if let message = reply.errorMessage, message.hasPrefix("NOSCRIPT") {
                var load = CommandEncoder(reserving: item.json.count + 1024)
                load.command("SCRIPT", "LOAD", UpsertScript.source)
                UpsertScript.appendEvalSHA(&load, sha: sha, hashKey: hashKey, field: itemKey, version: version, json: item.json)
                let replies = try session.pipeline(load, deadline: deadline)
                if case .bulk(let loaded) = replies[0] {
                    let loadedSHA = String(decoding: loaded, as: UTF8.self)
                    if loadedSHA != sha {
                        // Cannot happen with a correct constant; recover anyway.
                        lock.withLock { scriptSHA = loadedSHA }
                        var retry = CommandEncoder(reserving: item.json.count + 128)
                        UpsertScript.appendEvalSHA(&retry, sha: loadedSHA, hashKey: hashKey, field: itemKey, version: version, json: item.json)
                        reply = try session.pipeline(retry, deadline: deadline)[0]
                    } else {
                        reply = replies[1]
                    }
                } else {
                    reply = replies[0]
                }
            }
            return try UpsertScript.result(reply, hashKey: hashKey, field: itemKey)
        }
    }

    /// The SDKs' optimistic transaction, on one connection: `WATCH` + `HGET`; compare; then
    /// `MULTI`/`HSET`/`EXEC`, retried while another writer changes the hash.
    private func upsertWithWatch(kind: String, key itemKey: String, item: StoredItem) throws(StoreError) -> UpsertResult {
        let hashKey = key(for: kind)
        let hook = lock.withLock { self.hook }
        return try client.withSession { (session, deadline) throws(StoreError) in
            for attempt in 1...RedisFeatureStore.maximumWatchAttempts {
                var read = CommandEncoder()
                read.command("WATCH", hashKey)
                read.command("HGET", hashKey, itemKey)
                let replies = try session.pipeline(read, deadline: deadline)
                for reply in replies {
                    if let message = reply.errorMessage {
                        session.unwatchBeforeNextCommand()
                        throw ReplyError.storeError(message, replyingTo: "WATCH/HGET")
                    }
                }
                if case .bulk(let json) = replies[1], let header = ItemParser.parseStored(json),
                   header.wins(against: item.version) {
                    session.unwatchBeforeNextCommand()
                    return .rejected(stored: StoredItem(header: header, json: json))
                }
                hook?(attempt)
                var write = CommandEncoder(reserving: item.json.count + 128)
                write.command("MULTI")
                write.begin(argumentCount: 4)
                write.argument("HSET")
                write.argument(hashKey)
                write.argument(itemKey)
                write.argument(item.json)
                write.command("EXEC")
                let results = try session.pipeline(write, deadline: deadline)
                switch results[2] {
                case .array(let executed):
                    if let message = executed.first?.errorMessage {
                        throw ReplyError.storeError(message, replyingTo: "HSET")
                    }
                    return .applied
                case .null:
                    continue  // the hash changed under WATCH: read again
                case .error(let message):
                    throw ReplyError.storeError(message, replyingTo: "EXEC")
                default:
                    throw StoreError.redis("unexpected reply to EXEC")
                }
            }
            throw StoreError.conflict("upsert of \"\(itemKey)\" in \(hashKey) gave up after \(RedisFeatureStore.maximumWatchAttempts) attempts: other writers kept changing the hash")
        }
    }
}
