@testable import LDRedisCore

/// An in-memory Redis for deterministic tests: a `RedisClient` whose sessions decode each
/// RESP batch and run it against a model of the commands ldredis sends (strings, hashes, sets,
/// MULTI/EXEC with WATCH, SCRIPT LOAD, EVALSHA/EVAL of the upsert script). No server, no
/// socket, no sleeping: an outage, a frozen server or a Redis still loading its data set is a
/// flag the test sets. `FakeRedisClientTests` runs the same operations here and against a real
/// redis-server and asserts identical results.
///
/// Like the real pool, sessions (connections) are reused, and each keeps its own WATCH and
/// MULTI state. Thread-safe: one lock guards the data, the sessions' state and the counters.
/// The `beforeCommand` hook runs outside the lock, so it may block or act as another writer.
final class FakeRedisClient: RedisClient, @unchecked Sendable {
    /// What `failNext` makes the next occurrence of a command do.
    enum Injection {
        /// Answer with this error reply (the command is not executed).
        case reply(String)
        /// Fail the connection with this error (the command is not executed).
        case failure(StoreError)
    }

    static let wrongType = "WRONGTYPE Operation against a key holding the wrong kind of value"
    static let loadingMessage = "LOADING Redis is loading the dataset in memory"
    static let peer = "fake-redis:6379"

    private let lock = Lock()
    private var model = FakeRedisModel()
    private var scripts: [String: [UInt8]] = [:]
    /// Bumped when the connections are lost (`down`, `restartEmpty`): older sessions are broken.
    private var generation = 0
    private var idle: [Session] = []
    private var commandCounts: [String: Int] = [:]
    private var roundTripCount = 0
    private var sessionsOpened = 0
    private var injections: [String: [Injection]] = [:]
    private var isDown = false
    private var isFrozen = false
    private var isLoading = false
    private var isClosed = false
    private var hook: (@Sendable (_ command: [String]) -> Void)?

    init() {}

    // MARK: Knobs

    /// An outage: every operation throws `StoreError.unavailable` ("connection refused"), and
    /// the open connections are lost. Data survives (use `restartEmpty()` to lose it).
    var down: Bool {
        get { lock.withLock { isDown } }
        set {
            lock.withLock {
                if newValue && !isDown { dropConnections() }
                isDown = newValue
            }
        }
    }

    /// A frozen server: every operation throws `StoreError.timeout`; nothing is executed.
    var frozen: Bool {
        get { lock.withLock { isFrozen } }
        set { lock.withLock { isFrozen = newValue } }
    }

    /// A server loading its data set: every command is answered with `-LOADING`.
    var loading: Bool {
        get { lock.withLock { isLoading } }
        set { lock.withLock { isLoading = newValue } }
    }

    /// Called before each command is executed (outside the lock), with the command's arguments
    /// as text, the name upper-cased. A test can block here, or write as another client.
    var beforeCommand: (@Sendable (_ command: [String]) -> Void)? {
        get { lock.withLock { hook } }
        set { lock.withLock { hook = newValue } }
    }

    /// The next occurrence of `command` is answered with the error reply `message` (a leading
    /// "-" is dropped) instead of being executed. Several calls queue up.
    func failNext(_ command: String, with message: String) {
        let text = message.hasPrefix("-") ? String(message.dropFirst()) : message
        lock.withLock { injections[command.uppercased(), default: []].append(.reply(text)) }
    }

    /// The next occurrence of `command` fails the connection with `error` (not executed).
    func failNext(_ command: String, throwing error: StoreError) {
        lock.withLock { injections[command.uppercased(), default: []].append(.failure(error)) }
    }

    /// A restart that lost the data set: data and loaded scripts are wiped, connections lost.
    func restartEmpty() {
        lock.withLock {
            model.flushAll()
            scripts.removeAll()
            dropConnections()
        }
    }

    /// Loads a script as `SCRIPT LOAD` would, without a command (a server that has it cached).
    func preloadScript(_ source: String) {
        let bytes = Array(source.utf8)
        lock.withLock { scripts[SHA1.hex(bytes)] = bytes }
    }

    var loadedScripts: Set<String> { lock.withLock { Set(scripts.keys) } }

    // MARK: Another writer (direct access, counted as no command)

    func hset(_ key: String, _ field: String, _ value: String) {
        lock.withLock { _ = model.hset(Array(key.utf8), [(Array(field.utf8), Array(value.utf8))]) }
    }

    func hget(_ key: String, _ field: String) -> String? {
        lock.withLock {
            guard case .hash(let h)? = model.values[Array(key.utf8)], let v = h.values[Array(field.utf8)] else { return nil }
            return String(decoding: v, as: UTF8.self)
        }
    }

    /// The fields of a hash in Redis's order (insertion order, as a small hash's listpack).
    func hkeys(_ key: String) -> [String] {
        lock.withLock {
            guard case .hash(let h)? = model.values[Array(key.utf8)] else { return [] }
            return h.fields.map { String(decoding: $0, as: UTF8.self) }
        }
    }

    func set(_ key: String, _ value: String) {
        lock.withLock { model.set(Array(key.utf8), Array(value.utf8)) }
    }

    func get(_ key: String) -> String? {
        lock.withLock {
            guard case .string(let s)? = model.values[Array(key.utf8)] else { return nil }
            return String(decoding: s, as: UTF8.self)
        }
    }

    func sadd(_ key: String, _ members: String...) {
        lock.withLock { _ = model.sadd(Array(key.utf8), members.map { Array($0.utf8) }) }
    }

    func del(_ key: String) {
        lock.withLock { _ = model.del([Array(key.utf8)]) }
    }

    func exists(_ key: String) -> Bool {
        lock.withLock { model.values[Array(key.utf8)] != nil }
    }

    // MARK: Counters

    /// Commands received so far with this name (upper case), including queued ones and the
    /// automatic UNWATCH; not counting the direct helpers above.
    func calls(_ command: String) -> Int {
        lock.withLock { commandCounts[command.uppercased(), default: 0] }
    }

    /// Round trips: one per `pipeline` call, one per `receive` call.
    var roundTrips: Int { lock.withLock { roundTripCount } }

    /// Connections opened (sessions created).
    var connectionsOpened: Int { lock.withLock { sessionsOpened } }

    func resetCounters() {
        lock.withLock {
            commandCounts.removeAll()
            roundTripCount = 0
            sessionsOpened = 0
        }
    }

    // MARK: RedisClient

    func withSession<T>(_ body: (RedisSession, Deadline) throws(StoreError) -> T) throws(StoreError) -> T {
        let session = try acquire()
        defer { release(session) }
        return try body(session, Deadline.after(milliseconds: 60_000))
    }

    func close() {
        lock.withLock {
            isClosed = true
            idle.removeAll()
        }
    }

    private func acquire() throws(StoreError) -> Session {
        try locked { () throws(StoreError) -> Session in
            if isClosed { throw StoreError.internal("the store is closed") }
            if isDown { throw StoreError.unavailable("cannot connect to Redis at \(FakeRedisClient.peer): Connection refused") }
            if let session = idle.popLast() { return session }
            sessionsOpened += 1
            return Session(server: self, generation: generation)
        }
    }

    private func release(_ session: Session) {
        lock.withLock {
            if !isClosed && !session.broken && session.generation == generation { idle.append(session) }
        }
    }

    /// `lock.withLock`, keeping the error typed.
    private func locked<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    /// Called with the lock held.
    private func dropConnections() {
        generation += 1
        idle.removeAll()
    }

    // MARK: Sessions

    /// One connection: its WATCHed keys, its MULTI queue, replies sent but not yet received.
    final class Session: RedisSession {
        unowned let server: FakeRedisClient
        let generation: Int
        var broken = false
        var watched: [[UInt8]: UInt64] = [:]
        var queued: [[[UInt8]]]?
        var transactionFailed = false
        var pendingUnwatch = false
        var replies: [RedisReply] = []

        init(server: FakeRedisClient, generation: Int) {
            self.server = server
            self.generation = generation
        }

        func pipeline(_ commands: CommandEncoder, deadline: Deadline) throws(StoreError) -> [RedisReply] {
            try send(commands, deadline: deadline)
            return try receive(commands.commandCount, deadline: deadline)
        }

        func send(_ commands: CommandEncoder, deadline: Deadline) throws(StoreError) {
            let batch = try RESPDecoder.commands(in: commands.buffer, expected: commands.commandCount)
            let unwatch = server.lock.withLock { () -> Bool in
                defer { pendingUnwatch = false }
                return pendingUnwatch
            }
            if unwatch { try server.run([Array("UNWATCH".utf8)], on: self, keepReply: false) }
            for argv in batch { try server.run(argv, on: self, keepReply: true) }
        }

        func receive(_ count: Int, deadline: Deadline) throws(StoreError) -> [RedisReply] {
            try server.locked { () throws(StoreError) -> [RedisReply] in
                server.roundTripCount += 1
                guard !broken else { throw StoreError.unavailable("the connection to Redis at \(FakeRedisClient.peer) is closed") }
                guard count <= replies.count else {
                    broken = true
                    throw StoreError.timeout("timed out reading from Redis at \(FakeRedisClient.peer): \(count) replies expected, \(replies.count) sent")
                }
                let answered = Array(replies.prefix(count))
                replies.removeFirst(count)
                return answered
            }
        }

        func unwatchBeforeNextCommand() {
            server.lock.withLock { pendingUnwatch = true }
        }
    }

    /// Runs one command of a session: the hook, then the outage checks and the command, under
    /// the lock. Outages throw (and break the session), as a lost connection does.
    private func run(_ argv: [[UInt8]], on session: Session, keepReply: Bool) throws(StoreError) {
        let name = argv.first.map { String(decoding: $0, as: UTF8.self).uppercased() } ?? ""
        if let hook = lock.withLock({ self.hook }) {
            hook([name] + argv.dropFirst().map { String(decoding: $0, as: UTF8.self) })
        }
        try locked { () throws(StoreError) in
            commandCounts[name, default: 0] += 1
            do throws(StoreError) {
                if session.broken || session.generation != generation {
                    throw StoreError.unavailable("Redis at \(FakeRedisClient.peer) closed the connection")
                }
                if isDown { throw StoreError.unavailable("lost the connection to Redis at \(FakeRedisClient.peer): Connection refused") }
                if isFrozen { throw StoreError.timeout("timed out reading from Redis at \(FakeRedisClient.peer)") }
                var reply: RedisReply
                if var pending = injections[name], !pending.isEmpty {
                    let injection = pending.removeFirst()
                    injections[name] = pending
                    switch injection {
                    case .failure(let error): throw error
                    case .reply(let message):
                        reply = .error(message)
                        if session.queued != nil && !FakeRedisClient.immediateInMulti.contains(name) {
                            session.transactionFailed = true
                        }
                    }
                } else if isLoading {
                    reply = .error(FakeRedisClient.loadingMessage)
                } else {
                    reply = dispatch(name, argv, session)
                }
                if keepReply { session.replies.append(reply) }
            } catch {
                session.broken = true
                throw error
            }
        }
    }

    // MARK: Commands (all called with the lock held)

    /// Commands run at once inside MULTI; every other one is queued.
    private static let immediateInMulti: Set<String> = ["EXEC", "DISCARD", "MULTI", "WATCH"]

    /// Redis's arity: positive = exactly, negative = at least (the name counts).
    private static let arity: [String: Int] = [
        "HGET": 3, "HGETALL": 2, "HSET": -4, "HDEL": -3, "HKEYS": 2, "HLEN": 2, "DEL": -2,
        "SET": -3, "GET": 2, "EXISTS": -2, "SMEMBERS": 2, "SADD": -3, "MULTI": 1, "EXEC": 1,
        "DISCARD": 1, "WATCH": -2, "UNWATCH": 1, "SCRIPT": -2, "EVALSHA": -3, "EVAL": -3,
        "PING": -1, "FLUSHALL": -1,
    ]

    private func dispatch(_ name: String, _ argv: [[UInt8]], _ session: Session) -> RedisReply {
        guard let arity = FakeRedisClient.arity[name] else {
            if session.queued != nil { session.transactionFailed = true }
            let original = String(decoding: argv.first ?? [], as: UTF8.self)
            let args = argv.dropFirst().map { "'\(String(decoding: $0, as: UTF8.self))' " }.joined()
            return .error("ERR unknown command '\(original)', with args beginning with: \(args)")
        }
        if arity > 0 ? argv.count != arity : argv.count < -arity {
            if session.queued != nil { session.transactionFailed = true }
            return .error("ERR wrong number of arguments for '\(name.lowercased())' command")
        }
        if session.queued != nil && !FakeRedisClient.immediateInMulti.contains(name) {
            session.queued?.append(argv)
            return .status("QUEUED")
        }
        switch name {
        case "MULTI":
            if session.queued != nil { return .error("ERR MULTI calls can not be nested") }
            session.queued = []
            session.transactionFailed = false
            return .status("OK")
        case "EXEC":
            guard let queued = session.queued else { return .error("ERR EXEC without MULTI") }
            let failed = session.transactionFailed
            let dirty = session.watched.contains { model.stamp(of: $0.key) != $0.value }
            session.queued = nil
            session.transactionFailed = false
            session.watched.removeAll()
            if failed { return .error("EXECABORT Transaction discarded because of previous errors.") }
            if dirty { return .null }
            return .array(queued.map { execute($0, session) })
        case "DISCARD":
            guard session.queued != nil else { return .error("ERR DISCARD without MULTI") }
            session.queued = nil
            session.transactionFailed = false
            session.watched.removeAll()
            return .status("OK")
        case "WATCH":
            if session.queued != nil { return .error("ERR WATCH inside MULTI is not allowed") }
            for key in argv.dropFirst() where session.watched[key] == nil {
                session.watched[key] = model.stamp(of: key)
            }
            return .status("OK")
        default:
            return execute(argv, session)
        }
    }

    /// Runs a data command (directly or from EXEC); arity already checked.
    private func execute(_ argv: [[UInt8]], _ session: Session) -> RedisReply {
        let name = String(decoding: argv[0], as: UTF8.self).uppercased()
        let args = Array(argv.dropFirst())
        switch name {
        case "UNWATCH":
            session.watched.removeAll()
            return .status("OK")
        case "PING":
            return args.first.map { .bulk($0) } ?? .status("PONG")
        case "FLUSHALL":
            model.flushAll()
            return .status("OK")
        case "HGET":
            return model.hash(args[0]).map { h in h?.values[args[1]].map { .bulk($0) } ?? .null } ?? .error(FakeRedisClient.wrongType)
        case "HGETALL":
            return model.hash(args[0]).map { h in
                .array((h?.fields ?? []).flatMap { f in [RedisReply.bulk(f), .bulk(h?.values[f] ?? [])] })
            } ?? .error(FakeRedisClient.wrongType)
        case "HKEYS":
            return model.hash(args[0]).map { h in .array((h?.fields ?? []).map { .bulk($0) }) } ?? .error(FakeRedisClient.wrongType)
        case "HLEN":
            return model.hash(args[0]).map { h in .integer(Int64(h?.fields.count ?? 0)) } ?? .error(FakeRedisClient.wrongType)
        case "HSET":
            guard args.count % 2 == 1 else { return .error("ERR wrong number of arguments for 'hset' command") }
            let pairs = stride(from: 1, to: args.count, by: 2).map { (args[$0], args[$0 + 1]) }
            return model.hset(args[0], pairs).map { .integer(Int64($0)) } ?? .error(FakeRedisClient.wrongType)
        case "HDEL":
            return model.hdel(args[0], Array(args.dropFirst())).map { .integer(Int64($0)) } ?? .error(FakeRedisClient.wrongType)
        case "DEL":
            return .integer(Int64(model.del(args)))
        case "EXISTS":
            return .integer(Int64(args.filter { model.values[$0] != nil }.count))
        case "SET":
            guard args.count == 2 else { return .error("ERR fake redis: SET options are not modelled") }
            model.set(args[0], args[1])
            return .status("OK")
        case "GET":
            switch model.values[args[0]] {
            case nil: return .null
            case .string(let s)?: return .bulk(s)
            default: return .error(FakeRedisClient.wrongType)
            }
        case "SMEMBERS":
            switch model.values[args[0]] {
            case nil: return .array([])
            case .set(let s)?: return .array(s.members.map { .bulk($0) })
            default: return .error(FakeRedisClient.wrongType)
            }
        case "SADD":
            return model.sadd(args[0], Array(args.dropFirst())).map { .integer(Int64($0)) } ?? .error(FakeRedisClient.wrongType)
        case "SCRIPT":
            return script(args)
        case "EVALSHA":
            let sha = String(decoding: args[0], as: UTF8.self).lowercased()
            guard let source = scripts[sha] else { return .error("NOSCRIPT No matching script. Please use EVAL.") }
            return evaluate(source, sha: sha, Array(args.dropFirst()))
        case "EVAL":
            let sha = SHA1.hex(args[0])
            scripts[sha] = args[0]
            return evaluate(args[0], sha: sha, Array(args.dropFirst()))
        default:
            return .error("ERR fake redis: '\(name)' is not modelled")
        }
    }

    private func script(_ args: [[UInt8]]) -> RedisReply {
        let sub = String(decoding: args[0], as: UTF8.self).uppercased()
        switch (sub, args.count) {
        case ("LOAD", 2):
            let sha = SHA1.hex(args[1])
            scripts[sha] = args[1]
            return .bulk(Array(sha.utf8))
        case ("EXISTS", 2...):
            return .array(args.dropFirst().map { .integer(scripts[String(decoding: $0, as: UTF8.self).lowercased()] == nil ? 0 : 1) })
        case ("FLUSH", 1):
            scripts.removeAll()
            return .status("OK")
        default:
            return .error("ERR unknown subcommand or wrong number of arguments for '\(String(decoding: args[0], as: UTF8.self))'. Try SCRIPT HELP.")
        }
    }

    /// EVAL/EVALSHA after the script lookup: `numkeys key... arg...`. ldredis's two scripts
    /// are modelled (the upsert script, the write-back's replace script); no other.
    private func evaluate(_ source: [UInt8], sha: String, _ args: [[UInt8]]) -> RedisReply {
        guard let numberOfKeys = Int(String(decoding: args[0], as: UTF8.self)) else {
            return .error("ERR value is not an integer or out of range")
        }
        if numberOfKeys < 0 { return .error("ERR Number of keys can't be negative") }
        if numberOfKeys > args.count - 1 { return .error("ERR Number of keys can't be greater than number of args") }
        let keys = Array(args[1..<(1 + numberOfKeys)])
        let argv = Array(args[(1 + numberOfKeys)...])
        let script: LuaScript
        if source == LuaScript.upsert.source {
            script = .upsert
            guard keys.count == 1, argv.count >= 3 else {
                return .error("ERR fake redis: the upsert script takes 1 key and 3 arguments")
            }
        } else if source == LuaScript.replace.source {
            script = .replace
            guard keys.count == 1, argv.count % 3 == 0 else {
                return .error("ERR fake redis: the replace script takes 1 key and (field, version, json) triples")
            }
        } else {
            return .error("ERR fake redis: only ldredis's scripts are modelled")
        }
        /// A Lua error at the line of the script holding `code`, as Redis 7 words it.
        func scriptError(_ message: String, at code: String, prefixed: Bool) -> RedisReply {
            let line = script.line(of: code)
            return .error(prefixed ? "ERR user_script:\(line): \(message) script: \(sha), on @user_script:\(line)."
                                   : "\(message) script: \(sha), on @user_script:\(line).")
        }
        guard case .some(let existing) = model.hash(keys[0]) else {
            return scriptError(FakeRedisClient.wrongType, at: argv.isEmpty ? "redis.call('HKEYS'" : "redis.call('HGET'", prefixed: false)
        }
        // For each (field, version, json): the stored value wins when it is a JSON object with
        // a numeric version >= tonumber(version) (a version that is no number fails in Lua).
        var hash = existing ?? FakeRedisModel.OrderedHash()
        var kept: [RedisReply] = []
        var named: Set<[UInt8]> = []
        let step = script == .upsert ? argv.count : 3
        for i in stride(from: 0, to: argv.count, by: step) {
            let (field, version, json) = (argv[i], argv[i + 1], argv[i + 2])
            named.insert(field)
            if let stored = hash.values[field], let header = ItemParser.parseStored(stored) {
                guard let wanted = Double(String(decoding: version, as: UTF8.self)) else {
                    return scriptError("attempt to compare nil with number", at: "item.version >= tonumber", prefixed: true)
                }
                if header.order >= wanted {
                    if script == .upsert { return .array([.integer(0), .bulk(stored)]) }
                    kept += [.bulk(field), .bulk(stored)]
                    continue
                }
            }
            _ = model.hset(keys[0], [(field, json)])
            if case .hash(let h)? = model.values[keys[0]] { hash = h }
        }
        if script == .upsert { return .array([.integer(1)]) }
        for field in hash.fields where !named.contains(field) { _ = model.hdel(keys[0], [field]) }
        return .array(kept)
    }

    /// The scripts the fake runs: ldredis's own, recognized by their source.
    enum LuaScript {
        case upsert, replace

        var source: [UInt8] { Array((self == .upsert ? UpsertScript.source : ReplaceScript.source).utf8) }

        /// The 1-based line of the script that holds `code` (what Redis names in a script error).
        func line(of code: String) -> Int {
            let text = self == .upsert ? UpsertScript.source : ReplaceScript.source
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            return (lines.firstIndex { $0.contains(code) } ?? 0) + 1
        }
    }
}

/// The data of the fake: keys to values, and per key the stamp of its last modification
/// (what WATCH compares, as Redis's "touched" keys).
struct FakeRedisModel {
    enum Value {
        case string([UInt8])
        case hash(OrderedHash)
        case set(OrderedSet)
    }

    /// A hash in insertion order (a small Redis hash is a listpack: new fields go last, an
    /// update stays in place).
    struct OrderedHash {
        var fields: [[UInt8]] = []
        var values: [[UInt8]: [UInt8]] = [:]
    }

    struct OrderedSet {
        var members: [[UInt8]] = []
        var index: Set<[UInt8]> = []
    }

    var values: [[UInt8]: Value] = [:]
    private var stamps: [[UInt8]: UInt64] = [:]
    private var modifications: UInt64 = 0

    func stamp(of key: [UInt8]) -> UInt64 { stamps[key] ?? 0 }

    mutating func touch(_ key: [UInt8]) {
        modifications += 1
        stamps[key] = modifications
    }

    /// The hash at `key`: .some(nil) when absent, nil when the key holds another type.
    func hash(_ key: [UInt8]) -> OrderedHash?? {
        switch values[key] {
        case nil: return .some(nil)
        case .hash(let h)?: return .some(h)
        default: return nil
        }
    }

    /// Fields added, or nil for the wrong type.
    mutating func hset(_ key: [UInt8], _ pairs: [([UInt8], [UInt8])]) -> Int? {
        guard case .some(let existing) = hash(key) else { return nil }
        var h = existing ?? OrderedHash()
        var added = 0
        for (field, value) in pairs {
            if h.values.updateValue(value, forKey: field) == nil {
                h.fields.append(field)
                added += 1
            }
        }
        values[key] = .hash(h)
        touch(key)   // Redis signals a modified key on every HSET, even one that changes nothing
        return added
    }

    mutating func hdel(_ key: [UInt8], _ fields: [[UInt8]]) -> Int? {
        guard case .some(let existing) = hash(key) else { return nil }
        guard var h = existing else { return 0 }
        var removed = 0
        for field in fields where h.values.removeValue(forKey: field) != nil {
            h.fields.removeAll { $0 == field }
            removed += 1
        }
        if removed > 0 {
            values[key] = h.fields.isEmpty ? nil : .hash(h)
            touch(key)
        }
        return removed
    }

    mutating func set(_ key: [UInt8], _ value: [UInt8]) {
        values[key] = .string(value)
        touch(key)
    }

    mutating func sadd(_ key: [UInt8], _ members: [[UInt8]]) -> Int? {
        var s: OrderedSet
        switch values[key] {
        case nil: s = OrderedSet()
        case .set(let existing)?: s = existing
        default: return nil
        }
        var added = 0
        for m in members where s.index.insert(m).inserted {
            s.members.append(m)
            added += 1
        }
        if added > 0 {
            values[key] = .set(s)
            touch(key)
        }
        return added
    }

    /// Keys removed (a missing key is not touched, as in Redis).
    mutating func del(_ keys: [[UInt8]]) -> Int {
        var removed = 0
        for key in keys where values.removeValue(forKey: key) != nil {
            touch(key)
            removed += 1
        }
        return removed
    }

    mutating func flushAll() {
        for key in Array(values.keys) { touch(key) }
        values.removeAll()
    }
}

/// Decodes the RESP commands of a `CommandEncoder` buffer (arrays of bulk strings).
enum RESPDecoder {
    static func commands(in buffer: [UInt8], expected: Int) throws(StoreError) -> [[[UInt8]]] {
        var commands: [[[UInt8]]] = []
        var i = 0
        func fail(_ what: String) -> StoreError { StoreError.internal("fake redis: \(what) at byte \(i) of the batch") }
        func number(after marker: UInt8) throws(StoreError) -> Int {
            guard i < buffer.count, buffer[i] == marker else { throw fail("expected '\(Character(UnicodeScalar(marker)))'") }
            i += 1
            var value = 0
            var digits = 0
            while i < buffer.count, buffer[i] >= 0x30, buffer[i] <= 0x39, digits < 12 {
                value = value * 10 + Int(buffer[i] - 0x30)
                i += 1
                digits += 1
            }
            guard digits > 0, i + 1 < buffer.count, buffer[i] == 0x0D, buffer[i + 1] == 0x0A else { throw fail("bad length") }
            i += 2
            return value
        }
        while i < buffer.count {
            let count = try number(after: UInt8(ascii: "*"))
            guard count > 0 else { throw fail("empty command") }
            var argv: [[UInt8]] = []
            for _ in 0..<count {
                let length = try number(after: UInt8(ascii: "$"))
                guard length <= buffer.count - i - 2, buffer[i + length] == 0x0D, buffer[i + length + 1] == 0x0A else {
                    throw fail("bad bulk string")
                }
                argv.append(Array(buffer[i..<(i + length)]))
                i += length + 2
            }
            commands.append(argv)
        }
        guard commands.count == expected else {
            throw StoreError.internal("fake redis: the batch holds \(commands.count) commands, its encoder counted \(expected)")
        }
        return commands
    }
}

/// SHA-1 (FIPS 180-4), for the script cache's names.
enum SHA1 {
    static func hex(_ message: [UInt8]) -> String {
        var h: (UInt32, UInt32, UInt32, UInt32, UInt32) = (0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476, 0xC3D2_E1F0)
        var padded = message
        padded.append(0x80)
        while padded.count % 64 != 56 { padded.append(0) }
        let bits = UInt64(message.count) &* 8
        for shift in stride(from: 56, through: 0, by: -8) { padded.append(UInt8(truncatingIfNeeded: bits >> UInt64(shift))) }
        var w = [UInt32](repeating: 0, count: 80)
        for block in stride(from: 0, to: padded.count, by: 64) {
            for t in 0..<16 {
                let b = block + 4 * t
                w[t] = UInt32(padded[b]) << 24 | UInt32(padded[b + 1]) << 16 | UInt32(padded[b + 2]) << 8 | UInt32(padded[b + 3])
            }
            for t in 16..<80 { w[t] = rotate(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1) }
            var (a, b, c, d, e) = h
            for t in 0..<80 {
                let (f, k): (UInt32, UInt32)
                switch t {
                case 0..<20: (f, k) = ((b & c) | (~b & d), 0x5A82_7999)
                case 20..<40: (f, k) = (b ^ c ^ d, 0x6ED9_EBA1)
                case 40..<60: (f, k) = ((b & c) | (b & d) | (c & d), 0x8F1B_BCDC)
                default: (f, k) = (b ^ c ^ d, 0xCA62_C1D6)
                }
                let temp = rotate(a, 5) &+ f &+ e &+ k &+ w[t]
                (e, d, c, b, a) = (d, c, rotate(b, 30), a, temp)
            }
            h = (h.0 &+ a, h.1 &+ b, h.2 &+ c, h.3 &+ d, h.4 &+ e)
        }
        return [h.0, h.1, h.2, h.3, h.4].map { word in
            let text = String(word, radix: 16)
            return String(repeating: "0", count: 8 - text.count) + text
        }.joined()
    }

    private static func rotate(_ x: UInt32, _ n: UInt32) -> UInt32 { x << n | x >> (32 - n) }
}
