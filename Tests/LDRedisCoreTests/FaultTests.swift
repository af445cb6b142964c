import Foundation
import Testing
@testable import LDRedisCore

/// Unreachable, frozen, restarted and misconfigured servers.
@Suite("Faults: unreachable, stalled and restarted Redis")
struct FaultTests {
    func isConnectionError(_ error: any Error) -> Bool {
        (error as? StoreError)?.isConnectionFailure ?? false
    }

    @Test("an unreachable server gives errors on every operation and initialized is an error, available false")
    func unreachable() throws {
        var config = StoreConfiguration()
        try config.setHost("127.0.0.1", port: RedisServer.unusedPort())
        try config.setConnectTimeout(milliseconds: 500)
        let store = try RedisFeatureStore(configuration: config)
        #expect(store.isAvailable() == false)
        #expect(performing: { try store.isInitialized() }, throws: isConnectionError)
        #expect(performing: { try store.get(kind: "features", key: "f") }, throws: isConnectionError)
        #expect(performing: { try store.all(kind: "features") }, throws: isConnectionError)
        #expect(performing: { try store.initialize(Fixture.dataSet()) }, throws: isConnectionError)
        #expect(performing: { try store.upsert(kind: "features", key: "f", item: Fixture.item("f", 1)) }, throws: isConnectionError)
        #expect(performing: { try store.delete(kind: "features", key: "f", version: 1) }, throws: isConnectionError)
    }

    @Test("a server that accepts connections but never answers fails within the operation timeout")
    func frozenServer() throws {
        let server = try RedisServer()
        var config = server.configuration(prefix: Fixture.uniquePrefix())
        try config.setOperationTimeout(milliseconds: 300)
        try config.setConnectTimeout(milliseconds: 300)
        let store = try RedisFeatureStore(configuration: config)
        #expect(try store.isInitialized() == false)     // a pooled, healthy connection
        server.pause()
        defer { server.resume() }
        for op in 0..<3 {
            let start = Deadline.now()
            #expect(throws: StoreError.self) {
                switch op {
                case 0: _ = try store.get(kind: "features", key: "f")
                case 1: _ = try store.upsert(kind: "features", key: "f", item: Fixture.item("f", 1))
                default: try store.initialize(Fixture.dataSet())
                }
            }
            let elapsedMs = (Deadline.now().nanoseconds - start.nanoseconds) / 1_000_000
            #expect(elapsedMs < 300 + 300 + 700, "operation \(op) took \(elapsedMs) ms")
        }
        server.resume()
        // Whether Redis ran the timed-out commands is unknowable; what must hold is that the
        // store works again and no late reply is handed to a later operation.
        #expect(try store.upsert(kind: "features", key: "f", item: Fixture.item("f", 5)) == .applied)
        #expect(try store.get(kind: "features", key: "f")?.version == 5)
        #expect(try store.get(kind: "features", key: "absent") == nil)
    }

    @Test("a Redis restarted mid-run is reconnected to without an error")
    func restartedServer() throws {
        let server = try RedisServer()
        let store = server.store(prefix: Fixture.uniquePrefix())
        try store.initialize(Fixture.dataSet(features: [Fixture.item("f", 1)]))
        try server.restart()
        #expect(try store.isInitialized() == false, "the restarted server is empty")
        try store.initialize(Fixture.dataSet(features: [Fixture.item("f", 2)]))
        #expect(try store.get(kind: "features", key: "f")?.version == 2)
    }

    @Test("a store created while Redis is down works once Redis is up")
    func createdWhileDown() throws {
        let server = try RedisServer()
        let store = server.store(prefix: Fixture.uniquePrefix())
        server.stop()
        #expect(store.isAvailable() == false)
        try server.restart()
        #expect(store.isAvailable() == true)
    }

    @Test("waiting for a free pooled connection is bounded by the operation timeout")
    func poolWaitBounded() throws {
        let server = try RedisServer()
        var config = server.configuration(prefix: Fixture.uniquePrefix(), mode: .watch)
        try config.setPoolSize(1)
        try config.setOperationTimeout(milliseconds: 300)
        let store = try RedisFeatureStore(configuration: config)
        let started = DispatchSemaphore(value: 0)
        store.setBeforeUpsertWriteHook { _ in started.signal(); usleep(800_000) }
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) {
            _ = try? store.upsert(kind: "features", key: "f", item: Fixture.item("f", 1))
        }
        started.wait()
        let start = Deadline.now()
        #expect(throws: StoreError.self) { try store.get(kind: "features", key: "f") }
        let elapsedMs = (Deadline.now().nanoseconds - start.nanoseconds) / 1_000_000
        #expect(elapsedMs >= 250 && elapsedMs < 700, "waited \(elapsedMs) ms")
        group.wait()
    }

    @Test("a wrong password is a Redis error whose message does not contain the password")
    func wrongPassword() throws {
        let server = try RedisServer(arguments: ["--requirepass", "right-pass"])
        var config = server.configuration(prefix: Fixture.uniquePrefix())
        try config.setURL("redis://:wr0ng-s3cret@127.0.0.1:\(server.port)")
        let store = try RedisFeatureStore(configuration: config)
        do {
            _ = try store.isInitialized()
            Issue.record("succeeded with a wrong password")
        } catch {
            #expect(!error.description.contains("wr0ng-s3cret"))
            #expect(error.description.contains("authentication"))
        }
        config.passwordOverride = .some("right-pass")
        #expect(try RedisFeatureStore(configuration: config).isInitialized() == false)
    }

    @Test("username and database from the URL are used (ACL AUTH and SELECT)")
    func aclAndDatabase() throws {
        let server = try RedisServer()
        try server.cli("ACL", "SETUSER", "app", "on", ">app-pass", "~*", "&*", "+@all")
        var config = server.configuration(prefix: Fixture.uniquePrefix())
        try config.setURL("redis://app:app-pass@127.0.0.1:\(server.port)/3")
        let store = try RedisFeatureStore(configuration: config)
        try store.initialize(Fixture.dataSet(features: [Fixture.item("f", 1)]))
        #expect(try server.cli("-n", "3", "EXISTS", "\(config.prefix):$inited") == "1")
        #expect(try server.cli("EXISTS", "\(config.prefix):$inited") == "0")
    }

    @Test("a Unix socket URL connects")
    func unixSocket() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ldr-\(UUID().uuidString.prefix(8)).sock").path
        let server = try RedisServer(arguments: ["--unixsocket", path])
        var config = StoreConfiguration()
        try config.setURL("unix://\(path)")
        let store = try RedisFeatureStore(configuration: config)
        try store.initialize(Fixture.dataSet(features: [Fixture.item("f", 1)]))
        #expect(try server.cli("HLEN", "launchdarkly:features") == "1")
    }

    @Test("many threads calling every operation on one store at once")
    func manyThreads() throws {
        let server = try RedisServer()
        var config = server.configuration(prefix: Fixture.uniquePrefix())
        try config.setPoolSize(4)
        let store = try RedisFeatureStore(configuration: config)
        try store.initialize(Fixture.dataSet(features: (0..<20).map { Fixture.item("f\($0)", 0) }))
        let failures = Counter(start: 0)
        DispatchQueue.concurrentPerform(iterations: 16) { worker in
            let mine = "w\(worker)"
            for v in 1...60 {
                do {
                    guard try store.upsert(kind: "features", key: mine, item: Fixture.item(mine, Int64(v))) == .applied,
                          try store.get(kind: "features", key: mine)?.version == Int64(v),
                          try store.all(kind: "features").items.count >= 20,
                          try store.isInitialized() else { _ = failures.next(); continue }
                    if v % 20 == 0 { _ = try store.delete(kind: "features", key: "f\(worker)", version: Int64(v)) }
                    _ = try store.upsert(kind: "features", key: "shared", item: Fixture.item("shared", Int64(v)))
                } catch {
                    _ = failures.next()
                }
            }
        }
        #expect(failures.value == 0)
        #expect(try store.get(kind: "features", key: "shared")?.version == 60)
        #expect(try store.all(kind: "features").items.count == 20 + 16 + 1)
    }
}
