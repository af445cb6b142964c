import Glibc
import Testing
@testable import LDRedisCore

/// The transport against a fake server that misbehaves on purpose (FakeRedisServer): extra
/// replies, huge aggregate headers, replies cut short or trickled, secrets echoed in errors.
@Suite("Transport faults: a misbehaving server")
struct TransportFaultTests {
    static let password = "Sup3rS3cret-pw"
    static let username = "ld-user-7f3a"

    /// Milliseconds of wall clock and of this thread's CPU spent in `body`.
    func measure(_ body: () -> Void) -> (wallMs: UInt64, cpuMs: UInt64) {
        func cpuNanoseconds() -> UInt64 {
            var ts = timespec()
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
            return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
        }
        let wall0 = Deadline.now().nanoseconds
        let cpu0 = cpuNanoseconds()
        body()
        return ((Deadline.now().nanoseconds - wall0) / 1_000_000, (cpuNanoseconds() - cpu0) / 1_000_000)
    }

    /// What a failure may take beyond its timeout on a loaded 2-core machine.
    static let slackMs: UInt64 = 3_000

    /// Expects a get of `key` to time out within the fake server's operation timeout (1,000 ms)
    /// plus a generous `slackMs` (the point: bounded by the timeout, never a hang), using less
    /// than 500 ms of this thread's CPU (a busy loop would use about all of the second).
    func expectTimelyTimeout(getting key: String, from store: RedisFeatureStore,
                             sourceLocation: SourceLocation = #_sourceLocation) {
        var failure: StoreError?
        let cost = measure {
            do { _ = try store.get(kind: "features", key: key) } catch { failure = error as? StoreError }
        }
        guard case .timeout? = failure else {
            Issue.record("expected a timeout, got \(String(describing: failure))", sourceLocation: sourceLocation)
            return
        }
        #expect(cost.wallMs < 1_000 + TransportFaultTests.slackMs, "took \(cost.wallMs) ms", sourceLocation: sourceLocation)
        #expect(cost.cpuMs < 500, "used \(cost.cpuMs) ms of CPU", sourceLocation: sourceLocation)
    }

    /// A fake server answering `HGET` of `key` with `actions`, and of any other key with that
    /// key's item at `version`.
    static func server(answering key: String, with actions: [FakeRedisServer.Action],
                       othersAt version: Int) throws -> FakeRedisServer {
        try FakeRedisServer { command in
            switch hgetKey(command) {
            case key?: return actions
            case let other?: return [.send(RESP.item(other, version))]
            default: return []
            }
        }
    }

    /// Expects a get of `bad` to fail with a connection error, and the next get to be
    /// answered (on a fresh connection) with version `version`.
    func expectRecovery(after bad: String, from store: RedisFeatureStore, version: Int,
                        sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(sourceLocation: sourceLocation, performing: { try store.get(kind: "features", key: bad) },
                throws: { ($0 as? StoreError)?.isConnectionFailure == true })
        #expect(try store.get(kind: "features", key: "next")?.version == Int64(version), sourceLocation: sourceLocation)
    }

    /// The HGET of `key` in the fake server's hash, or nil for another command.
    static func hgetKey(_ command: FakeRedisServer.Command) -> String? {
        command.name == "HGET" && command.arguments.count == 3 ? command.arguments[2] : nil
    }

    // MARK: Item 6: a reply left over in the parser is never handed to a later request

    @Test("an extra reply sent in the same packet is never handed to the next get")
    func extraReplyInSamePacket() throws {
        let server = try TransportFaultTests.server(
            answering: "a", with: [.send(RESP.item("a", 1) + RESP.item("a", 99))], othersAt: 2)
        defer { server.stop() }
        var config = server.configuration
        try config.setPoolSize(1)
        let store = try RedisFeatureStore(configuration: config)
        for _ in 0..<3 {
            #expect(try store.get(kind: "features", key: "a")?.version == 1)
            let b = try store.get(kind: "features", key: "b")
            #expect(b?.version == 2 && b?.text.contains("\"b\"") == true, "got \(b?.text ?? "nil") for b")
        }
    }

    @Test("an extra reply arriving after the answer makes the idle connection unusable")
    func extraReplyInLaterPacket() throws {
        let server = try TransportFaultTests.server(
            answering: "a", with: [.send(RESP.item("a", 1)), .trickle(RESP.item("a", 99), microseconds: 200)], othersAt: 2)
        defer { server.stop() }
        var config = server.configuration
        try config.setPoolSize(1)
        let store = try RedisFeatureStore(configuration: config)
        #expect(try store.get(kind: "features", key: "a")?.version == 1)
        usleep(100_000)  // the trickled extra reply has arrived
        #expect(try store.get(kind: "features", key: "b")?.version == 2)
        #expect(server.connectionCount == 2)
    }

    // MARK: Item 7: huge aggregate headers cost neither time past the deadline nor CPU

    @Test("a huge array header then silence fails within the timeout, without burning CPU")
    func hugeArrayHeader() throws {
        let server = try FakeRedisServer { command in
            TransportFaultTests.hgetKey(command) != nil ? [.send(Array("*2147483647\r\n".utf8))] : []
        }
        defer { server.stop() }
        let store = try RedisFeatureStore(configuration: server.configuration)  // timeout 1,000 ms
        for _ in 0..<2 {
            var failure: StoreError?
            let cost = measure {
                do { _ = try store.get(kind: "features", key: "f") } catch { failure = error as? StoreError }
            }
            #expect(failure?.isConnectionFailure == true, "\(String(describing: failure))")
            #expect(cost.wallMs < 1_000 + TransportFaultTests.slackMs, "took \(cost.wallMs) ms")
            #expect(cost.cpuMs < 500, "used \(cost.cpuMs) ms of CPU")
        }
    }

    @Test("an array header below the size cap then silence times out on time, without burning CPU")
    func largeArrayHeaderThenSilence() throws {
        let server = try FakeRedisServer { command in
            TransportFaultTests.hgetKey(command) != nil
                ? [.send(Array("*100000000\r\n$3\r\nabc\r\n*50000000\r\n:1\r\n".utf8))] : []
        }
        defer { server.stop() }
        let store = try RedisFeatureStore(configuration: server.configuration)
        expectTimelyTimeout(getting: "f", from: store)
    }

    @Test("arrays nested deeper than the cap are a protocol error that drops the connection")
    func nestingCap() throws {
        let deep = Array(String(repeating: "*1\r\n", count: 8).utf8) + RESP.integer(1)
        let server = try TransportFaultTests.server(answering: "deep", with: [.send(deep)], othersAt: 3)
        defer { server.stop() }
        try expectRecovery(after: "deep", from: try RedisFeatureStore(configuration: server.configuration), version: 3)
    }

    // MARK: Replies trickled, cut short, or never finished

    @Test("a reply written one byte at a time is read whole")
    func byteByByteReply() throws {
        let server = try FakeRedisServer { command in
            guard let key = TransportFaultTests.hgetKey(command) else { return [] }
            return [.trickle(RESP.item(key, 7), microseconds: 300)]
        }
        defer { server.stop() }
        let store = try RedisFeatureStore(configuration: server.configuration)
        #expect(try store.get(kind: "features", key: "slow")?.version == 7)
        #expect(try store.get(kind: "features", key: "again")?.version == 7)
    }

    @Test("a byte-by-byte HGETALL with nested nulls and errors parses like the real thing")
    func trickledAggregate() throws {
        let reply = RESP.array([RESP.bulk("k1"), RESP.bulk("{\"key\":\"k1\",\"version\":1}"),
                                RESP.bulk("k2"), RESP.bulk("not json")])
        let server = try FakeRedisServer { command in
            command.name == "HGETALL" ? [.trickle(reply, microseconds: 50)] : []
        }
        defer { server.stop() }
        let store = try RedisFeatureStore(configuration: server.configuration)
        let all = try store.all(kind: "features")
        #expect(all.items.map(\.key) == ["k1"])
        #expect(all.skippedMalformed == 1)
    }

    @Test("silence in the middle of a reply is a timeout within the bound, and the next get reconnects")
    func silenceMidReply() throws {
        let server = try TransportFaultTests.server(
            answering: "stall", with: [.send(Array(RESP.item("stall", 1).prefix(9)))], othersAt: 4)
        defer { server.stop() }
        var config = server.configuration
        try config.setPoolSize(1)
        let store = try RedisFeatureStore(configuration: config)
        expectTimelyTimeout(getting: "stall", from: store)
        #expect(try store.get(kind: "features", key: "next")?.version == 4)
        #expect(server.connectionCount == 2)
    }

    @Test("a close in the middle of a reply is a connection error, and the next get reconnects")
    func closeMidReply() throws {
        let server = try TransportFaultTests.server(
            answering: "cut", with: [.send(Array(RESP.item("cut", 1).prefix(12))), .close], othersAt: 5)
        defer { server.stop() }
        try expectRecovery(after: "cut", from: try RedisFeatureStore(configuration: server.configuration), version: 5)
    }

    // MARK: Item 5: secrets never appear in messages

    static func secretsConfiguration(_ server: FakeRedisServer) -> StoreConfiguration {
        var config = server.configuration
        config.passwordOverride = .some(password)
        config.usernameOverride = .some(username)
        return config
    }

    static func expectNoSecrets(_ error: (any Error)?, sourceLocation: SourceLocation = #_sourceLocation) {
        guard let error = error as? StoreError else {
            Issue.record("expected a StoreError, got \(String(describing: error))", sourceLocation: sourceLocation)
            return
        }
        let text = "\(error)"
        #expect(!text.contains(password) && !text.contains(username), "\(text)", sourceLocation: sourceLocation)
        #expect(!text.contains("Sup3r"), "a prefix of the password leaked: \(text)", sourceLocation: sourceLocation)
        #expect(text.contains("***"), "\(text)", sourceLocation: sourceLocation)
    }

    @Test("a server echoing the AUTH arguments in its error: neither password nor user in the message")
    func authEcho() throws {
        let server = try FakeRedisServer { command in
            guard command.name == "AUTH" else { return [.send(RESP.null)] }
            let echoed = command.arguments.dropFirst().map { "'\($0)'" }.joined(separator: " ")
            return [.send(RESP.error("ERR unknown command 'AUTH', with args beginning with: \(echoed) "))]
        }
        defer { server.stop() }
        let store = try RedisFeatureStore(configuration: TransportFaultTests.secretsConfiguration(server))
        var failure: (any Error)?
        do { _ = try store.get(kind: "features", key: "f") } catch { failure = error }
        TransportFaultTests.expectNoSecrets(failure)
    }

    @Test("secrets are redacted from error replies after the handshake, nested ones (EXEC) included, and when cut short")
    func secretsInLaterErrors() throws {
        let password = TransportFaultTests.password
        let server = try FakeRedisServer { command in
            switch command.name {
            case "AUTH": return [.send(RESP.status("OK"))]
            case "HGET": return [.send(RESP.error("ERR you said \(password) and \(TransportFaultTests.username)"))]
            case "HGETALL": return [.send(RESP.error("ERR args beginning with: '\(password.prefix(9))"))]
            case "MULTI": return [.send(RESP.status("OK"))]
            case "EXEC": return [.send(RESP.array([RESP.integer(1), RESP.error("ERR nested \(password)"), RESP.status("OK")]))]
            default: return [.send(RESP.status("QUEUED"))]
            }
        }
        defer { server.stop() }
        let store = try RedisFeatureStore(configuration: TransportFaultTests.secretsConfiguration(server))
        var failures: [(any Error)?] = [nil, nil, nil]
        do { _ = try store.get(kind: "features", key: "f") } catch { failures[0] = error }
        do { _ = try store.all(kind: "features") } catch { failures[1] = error }
        do { try store.initialize(Fixture.dataSet(features: [Fixture.item("f", 1)])) } catch { failures[2] = error }
        for failure in failures { TransportFaultTests.expectNoSecrets(failure) }
    }

    @Test("a real redis-server with AUTH renamed away: neither password nor user in the message")
    func authEchoRealServer() throws {
        let server = try RedisServer(arguments: ["--rename-command", "AUTH", ""])
        var config = server.configuration(prefix: Fixture.uniquePrefix())
        config.passwordOverride = .some(TransportFaultTests.password)
        config.usernameOverride = .some(TransportFaultTests.username)
        let store = try RedisFeatureStore(configuration: config)
        var failure: (any Error)?
        do { _ = try store.get(kind: "features", key: "f") } catch { failure = error }
        TransportFaultTests.expectNoSecrets(failure)
    }
}

/// The parser and the redactor on their own, fed bytes directly (no server, no clock).
@Suite("Transport: reply parsing and redaction")
struct ReplyParsingTests {
    /// Every reply in `bytes`, fed `chunk` bytes at a time.
    func parse(_ bytes: [UInt8], chunk: Int, redactor: Redactor = Redactor(password: nil, username: nil)) throws -> [RedisReply] {
        let reader = try ReplyReader(redactor: redactor)
        var replies: [RedisReply] = []
        var offset = 0
        while offset < bytes.count {
            let end = min(bytes.count, offset + chunk)
            try bytes[offset..<end].withUnsafeBytes { try reader.feed($0) }
            offset = end
            while let reply = try reader.next() { replies.append(reply) }
        }
        #expect(!reader.hasBufferedInput)
        return replies
    }

    @Test("every reply type parses the same whole or split at any byte")
    func everyType() throws {
        let bytes = RESP.status("OK") + RESP.error("ERR x") + RESP.integer(-42) + RESP.null + RESP.bulk("")
            + RESP.array([RESP.bulk("a\r\nb"), RESP.array([]), RESP.array([RESP.integer(1), RESP.null]),
                          Array("*-1\r\n".utf8), RESP.error("ERR in")])
            + RESP.bulk(String(repeating: "x", count: 70_000))
        let expected: [RedisReply] = [
            .status("OK"), .error("ERR x"), .integer(-42), .null, .bulk([]),
            .array([.bulk(Array("a\r\nb".utf8)), .array([]), .array([.integer(1), .null]), .null, .error("ERR in")]),
            .bulk([UInt8](repeating: UInt8(ascii: "x"), count: 70_000)),
        ]
        for chunk in [1, 2, 3, 7, 1024, bytes.count] {
            #expect(try parse(bytes, chunk: chunk) == expected, "chunk \(chunk)")
        }
    }

    @Test("nesting up to the cap parses; one level more is refused")
    func depthCap() throws {
        let depth = ReplyBuilder.maximumDepth
        var expected = RedisReply.integer(1)
        for _ in 0..<depth { expected = .array([expected]) }
        let ok = Array(String(repeating: "*1\r\n", count: depth).utf8) + RESP.integer(1)
        #expect(try parse(ok, chunk: 3) == [expected])
        let tooDeep = Array(String(repeating: "*1\r\n", count: depth + 1).utf8) + RESP.integer(1)
        #expect(throws: StoreError.self) { try parse(tooDeep, chunk: 3) }
    }

    @Test("aggregate headers beyond the element cap, or negative, are refused")
    func elementCap() throws {
        for header in ["*\(ReplyBuilder.maximumElements + 1)\r\n", "*2147483647\r\n", "*-2\r\n", "*4294967297\r\n"] {
            #expect(throws: StoreError.self, "\(header)") { try parse(Array(header.utf8), chunk: 100) }
        }
    }

    @Test("a reply after the one asked for stays buffered and is reported")
    func bufferedInput() throws {
        let reader = try ReplyReader(redactor: Redactor(password: nil, username: nil))
        try (RESP.integer(1) + RESP.integer(2)).withUnsafeBytes { try reader.feed($0) }
        #expect(try reader.next() == .integer(1))
        #expect(reader.hasBufferedInput)
        #expect(try reader.next() == .integer(2))
        #expect(!reader.hasBufferedInput)
        try Array("*2\r\n:1".utf8).withUnsafeBytes { try reader.feed($0) }
        #expect(try reader.next() == nil)
        #expect(reader.hasBufferedInput, "a partial reply counts too")
    }

    @Test("status and error replies are redacted, nested ones too; bulk strings are data and are not")
    func redactsReplies() throws {
        let redactor = Redactor(password: "hunter2-long", username: "bob")
        let bytes = RESP.error("ERR 'bob' 'hunter2-long'") + RESP.status("hunter2-lo")
            + RESP.array([RESP.error("ERR x hunter2-long y")]) + RESP.bulk("hunter2-long")
        #expect(try parse(bytes, chunk: 5, redactor: redactor) == [
            .error("ERR '***' '***'"), .status("***"), .array([.error("ERR x *** y")]), .bulk(Array("hunter2-long".utf8)),
        ])
    }

    @Test("the redactor replaces secrets and long enough prefixes, and nothing else")
    func redactor() {
        let r = Redactor(password: "Sup3rS3cret-pw", username: "ab")
        #expect(r.redacted("no secrets here") == "no secrets here")
        #expect(r.redacted("ab Sup3rS3cret-pwSup3rS3cret-pw") == "*** ******")
        #expect(r.redacted("cut: 'Sup3rS3c") == "cut: '***")
        #expect(r.redacted("short: 'Sup3r'") == "short: 'Sup3r'")
        #expect(Redactor(password: "", username: nil).isEmpty)
        #expect(Redactor(password: "p", username: nil).redacted("a p q") == "a *** q")
    }
}

extension ReplyParsingTests {
    @Test("a reply begun counts as buffered input, even when every byte received was consumed")
    func partialReplyIsBuffered() throws {
        for partial in ["$", "*2\r\n:1\r\n", "*1\r\n*1\r\n", "+O"] {
            let reader = try ReplyReader(redactor: Redactor(password: nil, username: nil))
            #expect(try reader.next() == nil)
            #expect(!reader.hasBufferedInput)
            try Array(partial.utf8).withUnsafeBytes { try reader.feed($0) }
            #expect(try reader.next() == nil)
            #expect(reader.hasBufferedInput, "\(partial)")
        }
    }
}

/// A `ByteStream` in memory: hands out scripted chunks, records what is written, and says it
/// buffers input when told to (as a TLS stream holding a decrypted record would).
final class MemoryStream: ByteStream {
    var inbound: [[UInt8]]
    var written: [UInt8] = []
    var buffersInput = false
    private(set) var closed = false
    let peer = "memory"

    init(inbound: [[UInt8]]) { self.inbound = inbound }

    func read(into buffer: UnsafeMutableRawBufferPointer, deadline: Deadline) throws(StoreError) -> Int {
        guard !closed, !inbound.isEmpty else { throw StoreError.timeout("nothing more to read") }
        let chunk = inbound.removeFirst()
        let n = min(chunk.count, buffer.count)
        buffer.copyBytes(from: chunk[0..<n])
        if n < chunk.count { inbound.insert(Array(chunk[n...]), at: 0) }
        return n
    }

    func write(_ bytes: UnsafeRawBufferPointer, deadline: Deadline) throws(StoreError) {
        guard !closed else { throw StoreError.unavailable("closed") }
        written += bytes
    }

    var hasInputWhileIdle: Bool { closed || buffersInput }
    func close() { closed = true }
}

extension ReplyParsingTests {
    func connection(_ stream: MemoryStream) throws -> RedisConnection {
        try RedisConnection(stream: stream, redactor: Redactor(password: nil, username: nil))
    }

    func hget() -> CommandEncoder {
        var command = CommandEncoder()
        command.command("HGET", "h", "k")
        return command
    }

    @Test("a connection over any ByteStream: reusable when clean, stale when the stream buffers input")
    func streamSeam() throws {
        let stream = MemoryStream(inbound: [RESP.bulk("v1"), RESP.bulk("v2")])
        let c = try connection(stream)
        #expect(try c.pipeline(hget(), deadline: .after(milliseconds: 100)) == [.bulk(Array("v1".utf8))])
        #expect(String(decoding: stream.written, as: UTF8.self) == "*3\r\n$4\r\nHGET\r\n$1\r\nh\r\n$1\r\nk\r\n")
        #expect(c.isReusable && !c.isStale)
        stream.buffersInput = true
        #expect(c.isReusable && c.isStale, "the idle check asks the stream, not a file descriptor")
    }

    @Test("bytes after the last reply owed, or replies left unread, make the connection unusable")
    func unaccountedBytes() throws {
        let extra = MemoryStream(inbound: [RESP.bulk("v1") + RESP.bulk("extra")])
        let c1 = try connection(extra)
        #expect(try c1.pipeline(hget(), deadline: .after(milliseconds: 100)) == [.bulk(Array("v1".utf8))])
        #expect(!c1.isReusable && extra.closed)

        let unread = MemoryStream(inbound: [])
        let c2 = try connection(unread)
        try c2.send(hget(), deadline: .after(milliseconds: 100))
        #expect(!c2.isReusable, "a reply is owed")
        #expect(throws: StoreError.self) { try c2.receive(2, deadline: .after(milliseconds: 100)) }
    }
}
