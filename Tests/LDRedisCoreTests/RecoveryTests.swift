import Foundation
import Glibc
import Testing
@testable import LDRedisCore

/// The four promises of outage recovery (SPEC section 5, issue 16) and what counts as an
/// outage, against a real redis-server that is stopped, paused, restarted empty or given data
/// of the wrong type.
@Suite("Recovery: no acknowledged write lost, nobody rolled back, errors classified")
final class RecoveryTests {
    private let opened = Box<[CachingStore]>([])

    deinit {
        for s in opened.value { s.close() }
    }

    func store(_ server: RedisServer, prefix: String = Fixture.uniquePrefix(), ttl: Int64,
               timeout: Int64 = 500,
               configure: (inout StoreConfiguration) throws -> Void = { _ in }) throws -> CachingStore {
        var c = server.configuration(prefix: prefix)
        c.cacheTTLMilliseconds = ttl
        try c.setOperationTimeout(milliseconds: timeout)
        try c.setConnectTimeout(milliseconds: timeout)
        try configure(&c)
        let s = try CachingStore(configuration: c)
        opened.mutate { $0.append(s) }
        return s
    }

    func eventually(_ seconds: Double = 10, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            usleep(20_000)
        }
        return try condition()
    }

    func version(_ server: RedisServer, _ hash: String, _ key: String) throws -> Int64? {
        let text = try server.cli("HGET", hash, key)
        guard !text.isEmpty, let header = ItemParser.parseStored(Array(text.utf8)) else { return nil }
        return header.version
    }

    @Test("promise 1: upserts acknowledged while the write-back runs are all in Redis afterwards")
    func acknowledgedDuringWriteBack() throws {
        let server = try RedisServer()
        let s = try store(server, ttl: -1)
        let flags = (0..<3_000).map { Fixture.item("f\($0)", 1) }
        try s.initialize(Fixture.dataSet(features: flags))
        let acknowledged = Box<[String: Int64]>([:])
        let stop = Box(false)
        let group = DispatchGroup()
        for t in 0..<4 {
            group.enter()
            Thread {
                var n = 0
                while !stop.value {
                    n += 1
                    let key = "t\(t)-\(n)"
                    if let r = try? s.upsert(kind: "features", key: key, item: Fixture.item(key, 1)), r.applied {
                        acknowledged.mutate { $0[key] = 1 }
                    }
                    usleep(200)
                }
                group.leave()
            }.start()
        }
        usleep(100_000)
        server.stop()
        usleep(300_000)
        try server.restart()                                  // empty
        #expect(eventually { s.currentStatus.available })
        usleep(300_000)                                       // writes keep landing after recovery
        stop.value = true
        #expect(group.wait(timeout: .now() + 10) == .success, "the writer threads finished")
        let hash = s.core.key(for: "features")
        var lost: [String] = []
        for (key, v) in acknowledged.value where try version(server, hash, key) != v { lost.append(key) }
        #expect(lost.isEmpty, "acknowledged writes missing from Redis: \(lost.count) of \(acknowledged.value.count)")
        // Writes that failed during the outage are written back too (the infinite cache is the
        // truth meanwhile): at least the init and every acknowledged write.
        #expect(try Int(server.cli("HLEN", hash)) ?? 0 >= 3_000 + acknowledged.value.count)
        #expect(try version(server, hash, "f0") == 1 && version(server, hash, "f2999") == 1)
    }

    @Test("promise 3: kinds that were not in the last init are written back too")
    func kindsOutsideTheInit() throws {
        let server = try RedisServer()
        let s = try store(server, ttl: -1)
        try s.initialize(Fixture.dataSet(features: [Fixture.item("f", 1)]))
        server.stop()
        #expect(throws: StoreError.self) { try s.upsert(kind: "segments", key: "s1", item: Fixture.item("s1", 1)) }
        #expect(throws: StoreError.self) { try s.upsert(kind: "custom", key: "c1", item: Fixture.item("c1", 1)) }
        try server.restart()
        #expect(eventually { s.currentStatus.available })
        #expect(try eventually { try version(server, s.core.key(for: "segments"), "s1") == 1 })
        #expect(try version(server, s.core.key(for: "custom"), "c1") == 1)
        #expect(try version(server, s.core.key(for: "features"), "f") == 1)
    }

    @Test("promise 3: an init of segments only does not drop the features from a repopulation")
    func repopulateKeepsEarlierKinds() throws {
        let server = try RedisServer()
        let s = try store(server, ttl: -1) { $0.repopulateOnRestart = true }
        try s.initialize(Fixture.dataSet(features: [Fixture.item("f", 1)]))
        try s.initialize(FullDataSet(kinds: [.init(name: "segments", items: [("s", Fixture.item("s", 1))])]))
        try server.restart()
        #expect(try eventually { try version(server, s.core.key(for: "segments"), "s") == 1 })
        #expect(try eventually { try version(server, s.core.key(for: "features"), "f") == 1 })
    }

    @Test("an error reply is not an outage: nobody is rolled back and nothing needs a refresh",
          arguments: [Int64(-1), 60_000, 0])
    func errorReplyIsNotAnOutage(ttl: Int64) throws {
        let server = try RedisServer()
        let prefix = Fixture.uniquePrefix()
        let a = try store(server, prefix: prefix, ttl: ttl)
        try a.initialize(Fixture.dataSet(features: [Fixture.item("f", 5)]))
        let b = server.store(prefix: prefix)
        #expect(try b.upsert(kind: "features", key: "f", item: Fixture.item("f", 10)) == .applied)
        try server.cli("SET", a.core.key(for: "wrong"), "a string, not a hash")
        #expect(throws: StoreError.self) { try a.get(kind: "wrong", key: "x") }
        #expect(throws: StoreError.self) { try a.all(kind: "wrong") }
        #expect(a.currentStatus.available, "a WRONGTYPE reply does not make the store unavailable")
        a.backgroundTick()
        a.backgroundTick()
        #expect(try version(server, a.core.key(for: "features"), "f") == 10, "B's newer version stays")
        #expect(a.currentStatus.available && !a.currentStatus.needsRefresh)
    }

    @Test("promise 4: an item Redis refuses is reported and skipped; the rest are written back")
    func refusedItemIsSkipped() throws {
        let server = try RedisServer()
        let s = try store(server, ttl: -1, timeout: 100)
        try server.cli("SET", s.core.key(for: "segments"), "a string, not a hash")
        server.pause()
        for k in 0..<20 {
            #expect(throws: StoreError.self) { try s.upsert(kind: "features", key: "f\(k)", item: Fixture.item("f\(k)", 1)) }
        }
        #expect(throws: StoreError.self) { try s.upsert(kind: "segments", key: "s", item: Fixture.item("s", 1)) }
        #expect(!s.currentStatus.available)
        server.resume()
        #expect(eventually { s.currentStatus.available }, "recovered although one item was refused")
        let hash = s.core.key(for: "features")
        for k in 0..<20 { #expect(try version(server, hash, "f\(k)") == 1) }
        #expect(s.currentStatus.lastError?.contains("WRONGTYPE") == true, "the status says what failed: \(s.currentStatus.lastError ?? "nil")")
    }
}
