import Foundation
import Testing
@testable import LDRedisCore

/// Proves `FakeRedisClient` answers as a real redis-server does, for what the store sends:
/// the same scripts of commands, and of store operations, run against both, must give the
/// same transcript. Then the fake's own knobs.
@Suite("FakeRedisClient: the same answers as redis-server")
struct FakeRedisClientTests {
    /// One side of the comparison: a client for raw commands (a second writer) and stores.
    struct Backend {
        let client: RedisClient
        let store: (UpsertMode) -> RedisFeatureStore
    }

    static let prefix = "cmp"

    static func configuration(_ server: RedisServer, _ mode: UpsertMode) -> StoreConfiguration {
        server.configuration(prefix: prefix, mode: mode)
    }

    static func real(_ server: RedisServer) -> Backend {
        Backend(client: ConnectionPool(config: configuration(server, .auto)),
                store: { mode in server.store(prefix: prefix, mode: mode) })
    }

    static func fake(_ server: RedisServer, _ fake: FakeRedisClient = FakeRedisClient()) -> Backend {
        Backend(client: fake,
                store: { mode in RedisFeatureStore(configuration: configuration(server, mode), client: fake) })
    }

    /// Sends commands in one batch on one session.
    static func send(_ client: RedisClient, _ commands: [[String]]) throws(StoreError) -> [RedisReply] {
        try client.withSession { (session, deadline) throws(StoreError) in
            try session.pipeline(encode(commands), deadline: deadline)
        }
    }

    static func encode(_ commands: [[String]]) -> CommandEncoder {
        var encoder = CommandEncoder()
        for command in commands {
            encoder.begin(argumentCount: command.count)
            for argument in command { encoder.argument(argument) }
        }
        return encoder
    }

    static func render(_ reply: RedisReply, sorted: Bool = false) -> String {
        switch reply {
        case .status(let s): return "+" + s
        case .error(let e): return "-" + e
        case .integer(let n): return ":\(n)"
        case .bulk(let b): return "$" + String(decoding: b, as: UTF8.self)
        case .null: return "nil"
        case .array(let parts):
            let items = parts.map { render($0) }
            return "[" + (sorted ? items.sorted() : items).joined(separator: ", ") + "]"
        }
    }

    /// Runs `transcript` against a fresh redis-server and against the fake, and compares the
    /// two line by line (a difference names its step).
    static func compare(_ transcript: (Backend) throws -> [String]) throws {
        let server = try RedisServer()
        let real = try transcript(Self.real(server))
        let fake = try transcript(Self.fake(server))
        #expect(fake.count == real.count)
        for (k, (f, r)) in zip(fake, real).enumerated() {
            #expect(f == r, "step \(k)")
        }
    }

    static let item = #"{"key":"f","version":5}"#

    /// Raw commands, one batch per line; SMEMBERS answers are sorted (a set has no order).
    static func commandTranscript(_ b: Backend) throws -> [String] {
        let sha = UpsertScript.sha1
        let batches: [[[String]]] = [
            [["HSET", "h", "a", "1", "b", "2"], ["HGET", "h", "a"], ["HGET", "h", "zz"], ["HGETALL", "h"],
             ["HKEYS", "h"], ["HLEN", "h"], ["HSET", "h", "a", "3", "c", "4"], ["HGETALL", "h"],
             ["HDEL", "h", "b", "zz"], ["HGETALL", "h"], ["HDEL", "h", "a", "c"], ["EXISTS", "h"], ["HGETALL", "nope"]],
            [["SET", "s", "x"], ["GET", "s"], ["HGET", "s", "f"], ["HSET", "s", "f", "v"], ["HGETALL", "s"],
             ["HDEL", "s", "f"], ["HLEN", "s"], ["HKEYS", "s"], ["SMEMBERS", "s"], ["SADD", "s", "m"],
             ["HSET", "h", "a", "1"], ["GET", "h"], ["SADD", "h", "m"], ["GET", "nope"]],
            [["EXISTS", "s", "h", "nope", "s"], ["DEL", "s", "nope"], ["EXISTS", "s"], ["SET", "s", "y"], ["GET", "s"]],
            [["SADD", "set", "a", "b", "a"], ["SADD", "set", "b"], ["SMEMBERS", "set"], ["SMEMBERS", "nope"], ["SET", "set2", "x"], ["SADD", "set2", "x"]],
            [["FOO", "a", "b"], ["FOO"], ["HSET", "h", "odd"], ["HSET", "h", "a", "1", "b"], ["HGET", "h"], ["SET", "k"], ["PING"]],
            [["MULTI"], ["HSET", "t", "a", "1"], ["FOO"], ["EXEC"], ["EXISTS", "t"]],
            [["MULTI"], ["HGET", "s", "f"], ["HSET", "t", "a", "1"], ["HSET", "t", "b"], ["EXEC"], ["HGETALL", "t"]],
            [["MULTI"], ["HGET", "s", "f"], ["HSET", "t", "a", "2"], ["EXEC"], ["HGETALL", "t"]],
            [["MULTI"], ["MULTI"], ["WATCH", "x"], ["DISCARD"], ["DISCARD"], ["EXEC"]],
            // WATCH on this connection, a modification by this same connection: EXEC aborts.
            [["WATCH", "w"], ["HSET", "w", "f", "1"], ["MULTI"], ["HSET", "w", "g", "2"], ["EXEC"], ["HGETALL", "w"]],
            [["WATCH", "w"], ["HSET", "w", "f", "1"], ["UNWATCH"], ["MULTI"], ["HSET", "w", "g", "2"], ["EXEC"]],
            [["WATCH", "w"], ["HDEL", "w", "zz"], ["DEL", "missing"], ["MULTI"], ["HLEN", "w"], ["EXEC"]],
            [["SCRIPT", "LOAD", UpsertScript.source], ["SCRIPT", "EXISTS", sha, "abc"], ["EVALSHA", "abc", "0"],
             ["EVALSHA", sha, "1", "u", "f", "5", item], ["EVALSHA", sha, "1", "u", "f", "4", "{}"],
             ["EVALSHA", sha, "1", "u", "f", "5", "{}"], ["EVALSHA", sha, "1", "u", "f", "6", #"{"version":5.5}"#],
             ["EVALSHA", sha, "1", "u", "f", "5", "{}"], ["EVALSHA", sha, "1", "u", "f", "6", "{}"],
             ["EVALSHA", sha, "1", "u", "f", "1", "not json"], ["EVALSHA", sha, "1", "u", "f", "1", #"{"version":"9"}"#],
             ["EVALSHA", sha, "1", "u", "f", "1", #"[1,{"version":9}]"#], ["EVALSHA", sha, "1", "u", "f", "1", item],
             ["EVALSHA", sha, "1", "u", "f", "2", item], ["EVALSHA", sha, "1", "u", "f", "abc", item],
             ["EVALSHA", sha, "1", "s", "f", "1", item], ["EVALSHA", sha, "2", "u"], ["EVALSHA", sha, "x", "u"],
             ["EVALSHA", sha.uppercased(), "1", "u", "g", "1", item], ["HGETALL", "u"]],
            [["HSET", "k", "old", "{}", "keep", #"{"version":9}"#, "junk", "x", "same", #"{"version":2}"#],
             ["EVAL", ReplaceScript.source, "1", "k", "keep", "3", item, "new", "1", item, "same", "2", item, "junk", "1", item],
             ["HGETALL", "k"], ["EVAL", ReplaceScript.source, "1", "k"], ["EXISTS", "k"],
             ["EVAL", ReplaceScript.source, "1", "k2", "a", "1", item], ["HGETALL", "k2"],
             ["EVAL", ReplaceScript.source, "1", "s", "a", "1", item], ["EVAL", ReplaceScript.source, "1", "s"],
             ["EVAL", ReplaceScript.source, "1", "k2", "a", "x", item]],
            [["EVAL", UpsertScript.source, "1", "v", "f", "3", item], ["EVAL", UpsertScript.source, "1", "v", "f", "3", item],
             ["SCRIPT", "FLUSH"], ["EVALSHA", sha, "1", "v", "f", "9", item], ["SCRIPT", "EXISTS", sha]],
        ]
        var lines: [String] = []
        for batch in batches {
            let replies = try send(b.client, batch)
            for (command, reply) in zip(batch, replies) {
                let shown = command.map { $0.count > 40 ? $0.prefix(20) + "..." : $0 }.joined(separator: " ")
                lines.append("\(shown) -> \(render(reply, sorted: command[0] == "SMEMBERS"))")
            }
        }
        // WATCH, then another connection writes: EXEC returns nil. Writes that change
        // nothing (a DEL of a missing key, an HDEL of a missing field) do not abort it.
        for other in [["HSET", "w", "f", "1"], ["DEL", "never"], ["HDEL", "w", "zz"], ["SADD", "w2", "m"]] {
            let watched = other[1] == "w2" ? "w2" : (other[1] == "never" ? "never" : "w")
            let replies = try b.client.withSession { (session, deadline) throws(StoreError) in
                _ = try session.pipeline(encode([["WATCH", watched]]), deadline: deadline)
                let written = try send(b.client, [other])
                return try written + session.pipeline(encode([["MULTI"], ["EXISTS", watched], ["EXEC"]]), deadline: deadline)
            }
            lines.append("WATCH \(watched); other: \(other.joined(separator: " ")) -> \(replies.map { render($0) })")
        }
        return lines
    }

    @Test("raw commands: hashes, strings, sets, WRONGTYPE, errors, MULTI/EXEC, WATCH, scripts")
    func commands() throws {
        try Self.compare(Self.commandTranscript)
    }

    /// Runs `body`, rendering its result or its error.
    static func show(_ body: () throws -> Any?) -> String {
        do {
            guard let value = try body() else { return "nil" }
            switch value {
            case let item as StoredItem: return item.text
            case let result as UpsertResult:
                if case .rejected(let stored) = result { return "rejected \(stored?.text ?? "nil")" }
                return "applied"
            case let items as KindItems:
                return items.items.map { "\($0.key)=\($0.item.version)\($0.item.deleted ? "(deleted)" : "")" }.joined(separator: ",")
                    + " skipped \(items.skippedMalformed)"
            case let membership as [String: Bool]:
                return membership.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
            default: return "\(value)"
            }
        } catch {
            return "error \(error)"
        }
    }

    /// Store operations in both upsert modes, including races with another writer.
    static func storeTranscript(_ b: Backend) throws -> [String] {
        var lines: [String] = []
        func step(_ name: String, _ body: () throws -> Any?) { lines.append("\(name): \(show(body))") }
        let script = b.store(.script), watch = b.store(.watch), auto = b.store(.auto)
        let features = script.key(for: "features")
        step("initialized") { try script.isInitialized() }
        step("init") { try script.initialize(Fixture.dataSet(features: [Fixture.item("a", 1), Fixture.item("b", 2)],
                                                                  segments: [Fixture.item("s", 1)])) }
        step("initialized") { try watch.isInitialized() }
        step("get a") { try script.get(kind: "features", key: "a") }
        step("get missing") { try script.get(kind: "features", key: "zz") }
        step("all features") { try script.all(kind: "features") }
        step("all segments") { try watch.all(kind: "segments") }
        for (round, (name, store)) in [("script", script), ("watch", watch), ("auto", auto)].enumerated() {
            let newer = 10 + Int64(round)
            step("\(name) upsert newer") { try store.upsert(kind: "features", key: "a", item: Fixture.item("a", newer)) }
            step("\(name) upsert older") { try store.upsert(kind: "features", key: "a", item: Fixture.item("a", 3)) }
            step("\(name) upsert equal") { try store.upsert(kind: "features", key: "b", item: Fixture.item("b", 2)) }
            step("\(name) upsert new key") { try store.upsert(kind: "features", key: "n-\(name)", item: Fixture.item("n-\(name)", 1)) }
            step("\(name) delete") { try store.delete(kind: "features", key: "b", version: newer) }
            step("\(name) get deleted") { try store.get(kind: "features", key: "b") }
            // The other writer wins the race with a higher version, then loses it with a lower one.
            for (racing, mine) in [(Int64(1_000), Int64(500)), (Int64(1_001), Int64(2_000))] {
                let attempts = Counter(start: 0)
                let other = b.client
                let key = "r-\(name)"
                store.setBeforeUpsertWriteHook { attempt in
                    _ = attempts.next()
                    if attempt == 1 { _ = try? send(other, [["HSET", features, key, Fixture.item(key, racing).text]]) }
                }
                step("\(name) race \(racing) vs \(mine)") { try store.upsert(kind: "features", key: key, item: Fixture.item(key, mine)) }
                store.setBeforeUpsertWriteHook(nil)
                lines.append("\(name) attempts: \(attempts.value)")
            }
        }
        step("all features") { try watch.all(kind: "features") }
        _ = try send(b.client, [["HSET", features, "bad", "not json"], ["HSET", features, "nover", #"{"key":"nover"}"#]])
        step("all with malformed") { try script.all(kind: "features") }
        step("get malformed") { try script.get(kind: "features", key: "bad") }
        step("upsert over malformed") { try script.upsert(kind: "features", key: "bad", item: Fixture.item("bad", 1)) }
        step("watch upsert over malformed") { try watch.upsert(kind: "features", key: "nover", item: Fixture.item("nover", 1)) }
        _ = try send(b.client, [["SET", script.key(for: "segments"), "a string"]])
        step("get wrong type") { try script.get(kind: "segments", key: "s") }
        step("all wrong type") { try script.all(kind: "segments") }
        step("script upsert wrong type") { try script.upsert(kind: "segments", key: "s", item: Fixture.item("s", 9)) }
        step("watch upsert wrong type") { try watch.upsert(kind: "segments", key: "s", item: Fixture.item("s", 9)) }
        step("watch upsert after error") { try watch.upsert(kind: "features", key: "after", item: Fixture.item("after", 1)) }
        step("init over wrong type") { try watch.initialize(Fixture.dataSet(features: [Fixture.item("a", 1)])) }
        step("get after init") { try script.get(kind: "segments", key: "s") }
        // The write-back's operations (version-checked, pipelined; init semantics by script).
        let writes = [("a", 1), ("a", 100), ("w1", 1), ("s", 1)].map { key, v in
            RedisFeatureStore.PendingWrite(kind: key == "s" ? "segments" : "features", key: key, item: Fixture.item(key, Int64(v)))
        }
        for (name, store) in [("script", script), ("watch", watch)] {
            step("\(name) upsertMany") {
                try store.upsertMany(writes).map { r in show { try r.get() } }.joined(separator: "; ")
            }
        }
        _ = try send(b.client, [["SET", script.key(for: "other"), "a string"]])
        step("replaceKeepingNewer") {
            let (kept, refused) = try script.replaceKeepingNewer([
                FullDataSet.Kind(name: "features", items: [("a", Fixture.item("a", 2)), ("z", Fixture.item("z", 1))]),
                FullDataSet.Kind(name: "segments", items: [("s", Fixture.item("s", 1))]),
                FullDataSet.Kind(name: "other", items: []),
            ])
            return "kept \(kept.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value.map { $0.item.text })" }) refused \(refused.sorted { $0.key < $1.key })"
        }
        step("all after replace") { try watch.all(kind: "features") }
        step("markInitialized") { try script.markInitialized() }
        // Big Segments (read side).
        step("sync time unset") { try script.bigSegmentsSynchronizedOn() }
        _ = try send(b.client, [["SET", script.bigSegmentsSyncTimeKey, "1700000000123"]])
        step("sync time") { try script.bigSegmentsSynchronizedOn() }
        _ = try send(b.client, [["SET", script.bigSegmentsSyncTimeKey, "12x"]])
        step("sync time malformed") { try script.bigSegmentsSynchronizedOn() }
        _ = try send(b.client, [["DEL", script.bigSegmentsSyncTimeKey], ["HSET", script.bigSegmentsSyncTimeKey, "f", "v"]])
        step("sync time wrong type") { try script.bigSegmentsSynchronizedOn() }
        step("membership none") { try script.bigSegmentMembership(contextHash: "ctx") }
        let keys = script.bigSegmentKeys(contextHash: "ctx")
        _ = try send(b.client, [["SADD", keys.include, "seg1", "seg2"], ["SADD", keys.exclude, "seg2", "seg3"]])
        step("membership") { try script.bigSegmentMembership(contextHash: "ctx") }
        _ = try send(b.client, [["SET", script.bigSegmentKeys(contextHash: "bad").exclude, "x"]])
        step("membership wrong type") { try script.bigSegmentMembership(contextHash: "bad") }
        step("initialized") { try auto.isInitialized() }
        _ = try send(b.client, [["DEL", script.key(for: "$inited")]])
        step("initialized after DEL") { try auto.isInitialized() }
        return lines
    }

    @Test("store operations: init, get, all, upsert (script, WATCH, auto), delete, races, WRONGTYPE, Big Segments")
    func storeOperations() throws {
        try Self.compare(Self.storeTranscript)
    }

    // MARK: The fake's own behaviour

    @Test("SHA-1 of known texts, and of the upsert script")
    func sha1() {
        #expect(SHA1.hex([]) == "da39a3ee5e6b4b0d3255bfef95601890afd80709")
        #expect(SHA1.hex(Array("abc".utf8)) == "a9993e364706816aba3e25717850c26c9cd0d89d")
        #expect(SHA1.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)) == "84983e441c3bd26ebaae4aa1f95129e5e54670f1")
        #expect(SHA1.hex(Array(UpsertScript.source.utf8)) == UpsertScript.sha1)
    }

    func fakeStore(_ fake: FakeRedisClient, mode: UpsertMode = .auto) -> RedisFeatureStore {
        var c = StoreConfiguration()
        c.setPrefix("p")
        c.upsertMode = mode
        return RedisFeatureStore(configuration: c, client: fake)
    }

    @Test("down, frozen and loading fail every operation the way a real outage does")
    func outageKnobs() throws {
        let fake = FakeRedisClient()
        let store = fakeStore(fake)
        fake.hset("p:features", "f", Fixture.item("f", 1).text)
        fake.down = true
        #expect { try store.get(kind: "features", key: "f") } throws: { ($0 as? StoreError).map { if case .unavailable = $0 { true } else { false } } ?? false }
        fake.down = false
        fake.frozen = true
        #expect { try store.upsert(kind: "features", key: "f", item: Fixture.item("f", 2)) } throws: { ($0 as? StoreError).map { if case .timeout = $0 { true } else { false } } ?? false }
        fake.frozen = false
        fake.loading = true
        #expect(throws: StoreError.unavailable("Redis cannot serve EXISTS now: LOADING Redis is loading the dataset in memory")) { try store.isInitialized() }
        fake.loading = false
        #expect(try store.get(kind: "features", key: "f")?.version == 1, "the data survived the outage")
    }

    @Test("a connection lost during an outage is not reused; a batch fails where the outage begins")
    func outageInsideBatch() throws {
        let fake = FakeRedisClient()
        let store = fakeStore(fake, mode: .watch)
        fake.beforeCommand = { command in if command[0] == "MULTI" { fake.down = true } }
        #expect(throws: StoreError.self) { try store.upsert(kind: "features", key: "f", item: Fixture.item("f", 1)) }
        #expect(fake.calls("WATCH") == 1 && fake.calls("HGET") == 1)
        fake.beforeCommand = nil
        fake.down = false
        #expect(try store.upsert(kind: "features", key: "f", item: Fixture.item("f", 1)) == .applied)
        #expect(fake.connectionsOpened == 2)
    }

    @Test("failNext answers one command with an error reply, once")
    func injectedErrors() throws {
        let fake = FakeRedisClient()
        let store = fakeStore(fake, mode: .script)
        fake.preloadScript(UpsertScript.source)
        fake.failNext("EVALSHA", with: "-OOM command not allowed when used memory > 'maxmemory'.")
        #expect(throws: StoreError.redis("Redis error reply to EVALSHA: OOM command not allowed when used memory > 'maxmemory'.")) {
            try store.upsert(kind: "features", key: "f", item: Fixture.item("f", 1))
        }
        #expect(fake.hget("p:features", "f") == nil)
        #expect(try store.upsert(kind: "features", key: "f", item: Fixture.item("f", 1)) == .applied)
        #expect(fake.calls("SCRIPT") == 0, "the preloaded script needed no SCRIPT LOAD")
        fake.failNext("HGET", throwing: .unavailable("reset by peer"))
        #expect(throws: StoreError.unavailable("reset by peer")) { try store.get(kind: "features", key: "f") }
        #expect(try store.get(kind: "features", key: "f")?.version == 1)
    }

    @Test("a writer between WATCH and EXEC (a direct edit) makes EXEC return nil, and the upsert retries")
    func watchConflictByDirectEdit() throws {
        let fake = FakeRedisClient()
        let store = fakeStore(fake, mode: .watch)
        let raced = Box(false)
        fake.beforeCommand = { command in
            if command[0] == "EXEC" && !raced.value {
                raced.value = true
                fake.hset("p:features", "other", Fixture.item("other", 1).text)
            }
        }
        #expect(try store.upsert(kind: "features", key: "f", item: Fixture.item("f", 1)) == .applied)
        #expect(fake.calls("EXEC") == 2 && fake.calls("WATCH") == 2)
        #expect(fake.hkeys("p:features") == ["other", "f"])
    }

    @Test("a rejected WATCH upsert sends UNWATCH before the next command on that connection")
    func unwatchAfterRejection() throws {
        let fake = FakeRedisClient()
        let store = fakeStore(fake, mode: .watch)
        fake.hset("p:features", "f", Fixture.item("f", 5).text)
        #expect(try store.upsert(kind: "features", key: "f", item: Fixture.item("f", 1)) != .applied)
        #expect(fake.calls("UNWATCH") == 0)
        fake.resetCounters()
        #expect(try store.get(kind: "features", key: "f")?.version == 5)
        #expect(fake.calls("UNWATCH") == 1 && fake.calls("HGET") == 1 && fake.roundTrips == 1)
    }

    @Test("restartEmpty loses the data and the scripts: the store loads the script again")
    func restartEmpty() throws {
        let fake = FakeRedisClient()
        let store = fakeStore(fake, mode: .script)
        #expect(try store.upsert(kind: "features", key: "f", item: Fixture.item("f", 1)) == .applied)
        #expect(fake.calls("SCRIPT") == 1 && fake.loadedScripts == [UpsertScript.sha1])
        fake.restartEmpty()
        #expect(fake.loadedScripts.isEmpty && !fake.exists("p:features"))
        #expect(try store.get(kind: "features", key: "f") == nil)
        #expect(try store.upsert(kind: "features", key: "f", item: Fixture.item("f", 1)) == .applied)
        #expect(fake.calls("SCRIPT") == 2 && fake.calls("EVALSHA") == 4)
    }

    @Test("a closed client refuses operations")
    func closed() {
        let fake = FakeRedisClient()
        let store = fakeStore(fake)
        store.close()
        #expect(throws: StoreError.internal("the store is closed")) { try store.isInitialized() }
    }
}
