import Foundation
import Glibc
import Testing
@testable import LDRedisCore

/// TLS (issue 10): `rediss://` with a private CA, mutual TLS, SNI and host-name checks, the
/// failures (wrong CA, wrong name, expired, plain-vs-TLS, bad files) and recovery, against real
/// TLS-only redis-servers whose certificates `TLSCertificates` made with openssl.
/// Serialized: the timing bounds hold on a loaded 2-core machine only without our own contention.
@Suite("TLS: rediss://, custom CA, mutual TLS, server names, failures within the timeouts", .serialized)
final class TLSTests {
    /// Stores a test opened; closed when the test ends.
    private let opened = Box<[CachingStore]>([])
    let certs: TLSCertificates

    init() throws {
        certs = try TLSCertificates.shared()
    }

    deinit {
        for s in opened.value { s.close() }
    }

    static let timeoutMs: Int64 = 500
    /// What a failure may take beyond its timeout: generous (a loaded 2-core machine, suites
    /// in parallel), since the point is "bounded by the timeout, never a hang".
    static let slackMs: Int64 = 3_000

    /// A configuration for `server` (`rediss://` when it is a TLS server) trusting the test CA,
    /// with 500 ms timeouts.
    func configuration(_ server: RedisServer, prefix: String = Fixture.uniquePrefix(), ttl: Int64 = 0,
                       mode: UpsertMode = .auto,
                       configure: (inout StoreConfiguration) throws -> Void = { _ in }) throws -> StoreConfiguration {
        var c = StoreConfiguration()
        try c.setURL(server.url)
        c.setPrefix(prefix)
        c.upsertMode = mode
        c.cacheTTLMilliseconds = ttl
        try c.setOperationTimeout(milliseconds: TLSTests.timeoutMs)
        try c.setConnectTimeout(milliseconds: TLSTests.timeoutMs)
        if server.tls != nil { c.tlsCAFile = certs.caFile }
        try configure(&c)
        return c
    }

    func store(_ server: RedisServer, prefix: String = Fixture.uniquePrefix(), ttl: Int64 = 0,
               mode: UpsertMode = .auto,
               configure: (inout StoreConfiguration) throws -> Void = { _ in }) throws -> CachingStore {
        try opening(CachingStore(configuration: configuration(server, prefix: prefix, ttl: ttl, mode: mode,
                                                              configure: configure)))
    }

    func opening(_ s: CachingStore) -> CachingStore {
        opened.mutate { $0.append(s) }
        return s
    }

    func elapsedMs(since start: Deadline) -> Int64 {
        Int64((Deadline.now().nanoseconds - start.nanoseconds) / 1_000_000)
    }

    /// Expects `body` to fail with `.unavailable` (or, `timeoutAllowed`, `.timeout`) whose
    /// message contains every word (ignoring case) and no key material; returns the message.
    @discardableResult
    func expectUnavailable(_ what: String, mentioning words: [String], timeoutAllowed: Bool = false,
                           _ body: () throws -> Void) -> String? {
        do {
            try body()
            Issue.record("\(what): succeeded")
            return nil
        } catch {
            let message: String
            switch error as? StoreError {
            case .unavailable(let m)?: message = m
            case .timeout(let m)? where timeoutAllowed: message = m
            default:
                Issue.record("\(what): wrong error \(String(reflecting: error))")
                return nil
            }
            for word in words {
                #expect(message.lowercased().contains(word.lowercased()), "\(what): \(message)")
            }
            expectNoKeyMaterial(message, what)
            return message
        }
    }

    /// No line of any private key the tests use appears in `text`.
    func expectNoKeyMaterial(_ text: String, _ what: String) {
        for key in [certs.server.key, certs.client.key, certs.otherServer.key, certs.strayKey] {
            for line in TLSCertificates.body(ofPEM: key) where text.contains(line) {
                Issue.record("\(what): key material of \(key) in \(text)")
            }
        }
        #expect(!text.contains(certs.garbageKeyMarker), "\(what): \(text)")
    }

    func describe(_ s: CachingStore) -> String {
        String(decoding: s.describeJSON, as: UTF8.self)
    }

    // MARK: Every operation

    @Test("rediss:// with the CA: every operation, both upsert modes", arguments: [Int64(0), 30_000, -1])
    func everyOperation(ttl: Int64) throws {
        let server = try TLSRedisServer.start()
        for mode in [UpsertMode.script, .watch] {
            let s = try store(server, ttl: ttl, mode: mode)
            let core = s.core
            #expect(s.core.configuration.tlsEnabled, "a rediss:// URL turns TLS on")
            #expect(try s.isInitialized() == false)
            try s.initialize(Fixture.dataSet(features: [Fixture.item("f", 1), Fixture.item("g", 1)],
                                             segments: [Fixture.item("seg", 1)]))
            #expect(try s.isInitialized())
            #expect(try server.cli("EXISTS", core.key(for: "$inited")) == "1")
            #expect(try s.get(kind: "features", key: "f")?.version == 1)
            #expect(try s.get(kind: "features", key: "absent") == nil)
            #expect(try s.get(kind: "segments", key: "seg")?.version == 1)
            #expect(try s.all(kind: "features").map(\.key).sorted() == ["f", "g"])
            #expect(try s.upsert(kind: "features", key: "f", item: Fixture.item("f", 2)) == .applied)
            #expect(try s.upsert(kind: "features", key: "f", item: Fixture.item("f", 1)).applied == false)
            #expect(try server.cli("HGET", core.key(for: "features"), "f") == Fixture.item("f", 2).text)
            #expect(try s.get(kind: "features", key: "f")?.version == 2)
            #expect(try s.delete(kind: "features", key: "g", version: 2) == .applied)
            #expect(try s.get(kind: "features", key: "g")?.deleted == true)
            #expect(try server.cli("HGET", core.key(for: "features"), "g")
                    == StoredItem.tombstone(key: "g", version: 2).text)

            let keys = core.bigSegmentKeys(contextHash: "ctx")
            #expect(try s.bigSegmentsSynchronizedOn() == nil)
            #expect(try s.bigSegmentMembership(contextHash: "ctx") == nil)
            try server.cli("SET", core.bigSegmentsSyncTimeKey, "1700000000123")
            try server.cli("SADD", keys.include, "seg-in")
            try server.cli("SADD", keys.exclude, "seg-out")
            #expect(try s.bigSegmentsSynchronizedOn() == 1_700_000_000_123)
            #expect(try s.bigSegmentMembership(contextHash: "ctx") == ["seg-in": true, "seg-out": false])
            #expect(describe(s).contains(#""tls":"on""#), "\(describe(s))")
            s.close()
        }
    }

    @Test("the server name may differ from the URL's host: SNI localhost to 127.0.0.1")
    func serverNameLocalhost() throws {
        let server = try TLSRedisServer.start()
        let s = try store(server) { $0.tlsServerName = "localhost" }
        #expect(try s.isInitialized() == false)
    }

    @Test("a redis:// URL with TLS turned on by the setting speaks TLS")
    func enabledBySetting() throws {
        let server = try TLSRedisServer.start()
        let s = try store(server) { c in
            try c.setURL("redis://127.0.0.1:\(server.port)/0")
            c.tlsOverride = true
        }
        #expect(try s.isInitialized() == false)
    }

    // MARK: Mutual TLS

    @Test("--tls-auth-clients yes: without a client certificate a clear unavailable error; with it, works")
    func mutualTLS() throws {
        let server = try TLSRedisServer.start(authClients: true)
        let without = try store(server)
        expectUnavailable("no client certificate", mentioning: ["certificate"]) {
            _ = try without.get(kind: "features", key: "f")
        }
        let with = try store(server) { c in
            c.tlsCertFile = certs.client.cert
            c.tlsKeyFile = certs.client.key
        }
        try with.initialize(Fixture.dataSet(features: [Fixture.item("f", 1)]))
        #expect(try with.get(kind: "features", key: "f")?.version == 1)
    }

    // MARK: Verification failures

    @Test("a server certificate from another CA: unavailable, certificate verify failed")
    func wrongCA() throws {
        let server = try TLSRedisServer.start(.otherCA)
        let s = try store(server)
        expectUnavailable("wrong CA", mentioning: ["certificate verify failed"]) {
            _ = try s.get(kind: "features", key: "f")
        }
        #expect(s.isAvailable() == false)
        let systemRoots = try store(server) { $0.tlsCAFile = nil }
        expectUnavailable("the system's roots", mentioning: ["certificate verify failed"]) {
            _ = try systemRoots.get(kind: "features", key: "f")
        }
    }

    @Test("a server name the certificate does not carry: unavailable, naming the expected name")
    func wrongServerName() throws {
        let server = try TLSRedisServer.start()
        let s = try store(server) { $0.tlsServerName = "redis.internal" }
        expectUnavailable("wrong server name", mentioning: ["mismatch", "redis.internal"]) {
            _ = try s.isInitialized()
        }
    }

    @Test("an expired server certificate: unavailable, saying it expired")
    func expiredCertificate() throws {
        let server = try TLSRedisServer.start(.expired)
        let s = try store(server)
        expectUnavailable("expired certificate", mentioning: ["expired"]) {
            _ = try s.all(kind: "features")
        }
    }

    @Test("verify off connects to the unrelated CA's server and to the expired one; describe says so")
    func verifyOff() throws {
        for identity in [TLSServerIdentity.otherCA, .expired] {
            let server = try TLSRedisServer.start(identity)
            let s = try store(server) { $0.tlsVerify = false }
            try s.initialize(Fixture.dataSet(features: [Fixture.item("f", 1)]))
            #expect(try s.get(kind: "features", key: "f")?.version == 1)
            #expect(describe(s).contains(#""tls_verify":"off""#), "\(describe(s))")
        }
    }

    // MARK: Plain TCP against TLS

    @Test("a plain-TCP client to the TLS port fails within the timeouts, never hangs")
    func plainClientToTLSPort() throws {
        let server = try TLSRedisServer.start()
        let s = try store(server) { c in
            try c.setURL("redis://127.0.0.1:\(server.port)/0")
            c.tlsCAFile = nil
        }
        let start = Deadline.now()
        #expect(throws: StoreError.self) { _ = try s.get(kind: "features", key: "f") }
        let ms = elapsedMs(since: start)
        #expect(ms < TLSTests.timeoutMs + TLSTests.slackMs, "took \(ms) ms")
        #expect(s.isAvailable() == false)
    }

    @Test("a TLS client to a plain redis-server fails within the connect timeout, never hangs")
    func tlsClientToPlainServer() throws {
        let server = try RedisServer()
        let s = try store(server) { c in
            try c.setURL("rediss://127.0.0.1:\(server.port)/0")
            c.tlsCAFile = certs.caFile
        }
        let start = Deadline.now()
        // A plain redis-server waits for a line that never comes: the handshake times out.
        expectUnavailable("TLS to plain", mentioning: ["TLS"], timeoutAllowed: true) {
            _ = try s.get(kind: "features", key: "f")
        }
        let ms = elapsedMs(since: start)
        #expect(ms < TLSTests.timeoutMs + TLSTests.slackMs, "took \(ms) ms")
        // The same through RedisFeatureStore directly.
        let core = try RedisFeatureStore(configuration: try configuration(server) { c in
            try c.setURL("rediss://127.0.0.1:\(server.port)/0")
            c.tlsCAFile = certs.caFile
        })
        let again = Deadline.now()
        #expect(throws: StoreError.self) { _ = try core.isInitialized() }
        #expect(elapsedMs(since: again) < TLSTests.timeoutMs + TLSTests.slackMs)
        core.close()
    }

    // MARK: Files

    /// Connections the server has accepted so far (redis-cli's own INFO connection included).
    func connectionsReceived(_ server: RedisServer) throws -> Int {
        let info = try server.cli("INFO", "stats")
        let line = info.split(whereSeparator: \.isNewline).first { $0.hasPrefix("total_connections_received:") }
        return Int(line?.split(separator: ":").last ?? "") ?? -1
    }

    @Test("a missing, garbage or mismatched file is invalidArgument from CachingStore(configuration:), naming it; nothing connects")
    func badFiles() throws {
        let server = try TLSRedisServer.start()
        let missing = certs.directory + "/no-such-ca.pem"
        let cases: [(what: String, names: [String], configure: (inout StoreConfiguration) -> Void)] = [
            ("missing CA file", ["no-such-ca.pem"], { $0.tlsCAFile = missing }),
            ("garbage CA file", ["garbage.pem"], { $0.tlsCAFile = self.certs.garbage }),
            ("missing client certificate", ["no-such-cert.pem"], { c in
                c.tlsCertFile = self.certs.directory + "/no-such-cert.pem"
                c.tlsKeyFile = self.certs.client.key
            }),
            ("garbage client certificate", ["garbage.pem"], { c in
                c.tlsCertFile = self.certs.garbage
                c.tlsKeyFile = self.certs.client.key
            }),
            ("garbage client key", ["garbage.key"], { c in
                c.tlsCertFile = self.certs.client.cert
                c.tlsKeyFile = self.certs.garbageKey
            }),
            ("a client certificate without its key", ["key"], { $0.tlsCertFile = self.certs.client.cert }),
            ("a client key without its certificate", ["cert"], { $0.tlsKeyFile = self.certs.client.key }),
            ("key not matching the certificate", ["stray.key", "client.pem"], { c in
                c.tlsCertFile = self.certs.client.cert
                c.tlsKeyFile = self.certs.strayKey
            }),
        ]
        for item in cases {
            let before = try connectionsReceived(server)
            let config = try configuration(server) { item.configure(&$0) }
            do {
                let s = try CachingStore(configuration: config)
                s.close()
                Issue.record("\(item.what): accepted")
            } catch {
                guard case .invalidArgument(let message) = error else {
                    Issue.record("\(item.what): wrong error \(String(reflecting: error))")
                    continue
                }
                // The key-mismatch case may name either file.
                #expect(item.names.contains { message.contains($0) }, "\(item.what): \(message)")
                expectNoKeyMaterial(message, item.what)
            }
            #expect(try connectionsReceived(server) == before + 1, "\(item.what): only redis-cli connected")
        }
    }

    // MARK: Credentials and database

    @Test("AUTH with requirepass, an ACL user and database 2 and 3 over TLS")
    func credentialsAndDatabase() throws {
        let server = try TLSRedisServer.start(arguments: ["--requirepass", "tls-pass"])
        let s = try store(server) { try $0.setURL("rediss://:tls-pass@127.0.0.1:\(server.port)/2") }
        try s.initialize(Fixture.dataSet(features: [Fixture.item("f", 1)]))
        let inited = s.core.key(for: "$inited")
        #expect(try server.cli("-a", "tls-pass", "--no-auth-warning", "-n", "2", "EXISTS", inited) == "1")
        #expect(try server.cli("-a", "tls-pass", "--no-auth-warning", "EXISTS", inited) == "0")

        try server.cli("-a", "tls-pass", "--no-auth-warning", "ACL", "SETUSER", "app", "on", ">app-pass", "~*", "&*", "+@all")
        let user = try store(server) { try $0.setURL("rediss://app:app-pass@127.0.0.1:\(server.port)/3") }
        try user.initialize(Fixture.dataSet(features: [Fixture.item("f", 2)]))
        #expect(try user.get(kind: "features", key: "f")?.version == 2)
        #expect(try server.cli("-a", "tls-pass", "--no-auth-warning", "-n", "3", "EXISTS", user.core.key(for: "$inited")) == "1")

        let wrong = try store(server) { try $0.setURL("rediss://app:wr0ng-s3cret@127.0.0.1:\(server.port)/3") }
        do {
            _ = try wrong.isInitialized()
            Issue.record("a wrong password was accepted")
        } catch {
            #expect(!error.description.contains("wr0ng-s3cret"), "\(error)")
        }
    }

    // MARK: Outages

    @Test("a TLS Redis restarted is reconnected to: the operation after a failed one succeeds")
    func restart() throws {
        let server = try TLSRedisServer.start()
        let s = try store(server)
        try s.initialize(Fixture.dataSet(features: [Fixture.item("f", 1)]))
        try server.restart()
        // (The cache is off: get reads Redis. isInitialized would not: once true it stays true.)
        var failures: [String] = []
        var answered = false
        for _ in 0..<2 where !answered {
            do {
                #expect(try s.get(kind: "features", key: "f") == nil, "the restarted server is empty")
                answered = true
            } catch {
                failures.append(error.description)
            }
        }
        #expect(answered, "after the restart: \(failures)")
        try s.initialize(Fixture.dataSet(features: [Fixture.item("f", 2)]))
        #expect(try s.get(kind: "features", key: "f")?.version == 2)
    }

    @Test("a TLS Redis frozen with SIGSTOP: operations time out within the timeouts; it works again after")
    func frozen() throws {
        let server = try TLSRedisServer.start()
        let config = try configuration(server)
        let core = try RedisFeatureStore(configuration: config)
        defer { core.close() }
        #expect(try core.isInitialized() == false)       // a pooled TLS connection
        server.pause()
        defer { server.resume() }
        var start = Deadline.now()
        #expect(throws: StoreError.self) { _ = try core.get(kind: "features", key: "f") }
        var ms = elapsedMs(since: start)
        #expect(ms < TLSTests.timeoutMs + TLSTests.slackMs, "on a pooled connection: \(ms) ms")
        // The next operation needs a new connection: a handshake the frozen server never answers.
        start = Deadline.now()
        #expect(throws: StoreError.self) { _ = try core.upsert(kind: "features", key: "f", item: Fixture.item("f", 1)) }
        ms = elapsedMs(since: start)
        #expect(ms < 2 * TLSTests.timeoutMs + TLSTests.slackMs, "with a handshake: \(ms) ms")
        server.resume()
        var result: UpsertResult?
        for _ in 0..<3 where result == nil {
            result = try? core.upsert(kind: "features", key: "f", item: Fixture.item("f", 5))
        }
        #expect(result != nil)
        #expect(try core.get(kind: "features", key: "f")?.version == 5)
    }

    // MARK: Leaks

    /// Our file descriptors: all of them, the sockets connected to `port`, and the files open in
    /// the certificate directory.
    func descriptors(port: Int) -> (all: Int, toServer: Int, certificateFiles: Int) {
        let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        var socketInodes: Set<String> = []
        var certificateFiles = 0
        for fd in fds {
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(fd)") else { continue }
            if target.hasPrefix("socket:[") {
                socketInodes.insert(String(target.dropFirst(8).dropLast()))
            } else if target.hasPrefix(certs.directory) {
                certificateFiles += 1
            }
        }
        // /proc/self/net/tcp: "sl local rem st ... inode": the connections to 127.0.0.1:port.
        let remote = String(format: "0100007F:%04X", port)
        // (Read to the end: String(contentsOfFile:) stops after the first read of a /proc file.)
        let table = String(decoding: FileHandle(forReadingAtPath: "/proc/self/net/tcp")?.readDataToEndOfFile() ?? Data(),
                           as: UTF8.self)
        var toServer = 0
        for line in table.split(whereSeparator: \.isNewline).dropFirst() {
            let fields = line.split(separator: " ")
            if fields.count > 9, fields[2] == remote, socketInodes.contains(String(fields[9])) { toServer += 1 }
        }
        return (fds.count, toServer, certificateFiles)
    }

    func threads() -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").count) ?? 0
    }

    @Test("200 stores over mutual TLS created, used and closed leak no descriptors and no threads")
    func noLeaks() throws {
        let server = try TLSRedisServer.start(authClients: true)
        let config = try configuration(server) { c in
            c.tlsCertFile = certs.client.cert
            c.tlsKeyFile = certs.client.key
        }
        func cycle() throws {
            let s = try CachingStore(configuration: config)
            _ = try s.isInitialized()
            s.close()
        }
        try cycle()                                  // one-time initialization (OpenSSL's own)
        let before = descriptors(port: server.port)
        let threadsBefore = threads()
        for _ in 0..<200 { try cycle() }
        var after = descriptors(port: server.port)
        for _ in 0..<100 where after.toServer > 0 || after.all > before.all + 20 || threads() > threadsBefore + 2 {
            usleep(20_000)
            after = descriptors(port: server.port)
        }
        #expect(after.toServer == 0, "sockets still connected to the server: \(after.toServer)")
        #expect(after.certificateFiles == 0, "PEM files left open: \(after.certificateFiles)")
        // Other suites may run at the same time: a slack, far below one descriptor per cycle.
        #expect(after.all <= before.all + 20, "descriptors: \(after.all), were \(before.all)")
        #expect(threads() <= threadsBefore + 2, "threads: \(threads()), were \(threadsBefore)")
    }

    // MARK: Describe

    @Test("describe shows tls on, the file names and verify; never key material")
    func describeTLS() throws {
        let server = try TLSRedisServer.start(authClients: true)
        let s = try store(server) { c in
            c.tlsCertFile = certs.client.cert
            c.tlsKeyFile = certs.client.key
        }
        let text = describe(s)
        #expect(text.contains(#""tls":"on""#), "\(text)")
        #expect(text.contains(#""tls_verify":"on""#), "\(text)")
        for (field, file) in [("tls_ca_file", "ca.pem"), ("tls_cert_file", "client.pem"), ("tls_key_file", "client.key")] {
            let value = text.range(of: "\"\(field)\":\"").map { text[$0.upperBound...].prefix { $0 != "\"" } } ?? ""
            #expect(value.hasSuffix(file), "\(field) in \(text)")
        }
        expectNoKeyMaterial(text, "describe")

        let plain = try store(try RedisServer())
        let plainText = describe(plain)
        #expect(plainText.contains(#""tls":"off""#), "\(plainText)")
        #expect(!plainText.contains(#""tls_verify":"on""#), "\(plainText)")
    }
}
