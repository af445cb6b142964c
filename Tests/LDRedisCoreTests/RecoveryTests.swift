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

    /// A store whose background tick and clock the test runs (no thread, no sleeping).
    func manualStore(_ server: RedisServer, prefix: String = Fixture.uniquePrefix(), ttl: Int64, clock: ManualClock? = nil,
                     configure: (inout StoreConfiguration) throws -> Void = { _ in }) throws -> CachingStore {
        var c = server.configuration(prefix: prefix)
        c.cacheTTLMilliseconds = ttl
        try c.setOperationTimeout(milliseconds: 300)
        try c.setConnectTimeout(milliseconds: 300)
        try configure(&c)
        let s = try CachingStore(configuration: c, client: nil, clock: clock, manualBackground: true)
        opened.mutate { $0.append(s) }
        return s
    }

    @Test("an init made during the outage is applied on recovery: fields not in it removed, higher versions kept, no DEL")
    func initDuringOutage() throws {
        let server = try RedisServer()
        let prefix = Fixture.uniquePrefix()
        let s = try manualStore(server, prefix: prefix, ttl: -1)
        try s.initialize(Fixture.dataSet(features: [Fixture.item("a", 1), Fixture.item("b", 1), Fixture.item("c", 1)]))
        server.pause()
        #expect(throws: StoreError.self) {
            try s.initialize(Fixture.dataSet(features: [Fixture.item("a", 2), Fixture.item("b", 2), Fixture.item("d", 1)]))
        }
        #expect(throws: StoreError.self) { try s.upsert(kind: "features", key: "e", item: Fixture.item("e", 1)) }
        server.resume()
        let other = server.store(prefix: prefix)
        #expect(try other.upsert(kind: "features", key: "a", item: Fixture.item("a", 7)) == .applied)
        let deletesBefore = try server.calls("del")
        s.runBackgroundTick()
        #expect(s.currentStatus.available)
        let hash = s.core.key(for: "features")
        #expect(try version(server, hash, "a") == 7, "the other writer's higher version is kept")
        #expect(try version(server, hash, "b") == 2)
        #expect(try version(server, hash, "c") == nil, "the init made during the outage removed c")
        #expect(try version(server, hash, "d") == 1)
        #expect(try version(server, hash, "e") == 1, "a write made after that init is kept")
        #expect(try server.calls("del") == deletesBefore, "no DEL of a kind")
        #expect(try s.get(kind: "features", key: "a")?.version == 7, "the cache learned the winner")
        #expect(try server.cli("EXISTS", s.core.key(for: "$inited")) == "1")
    }

    @Test("promise 2: the write-back never replaces a higher version written during the outage")
    func writeBackKeepsHigherVersions() throws {
        let server = try RedisServer()
        let prefix = Fixture.uniquePrefix()
        let s = try manualStore(server, prefix: prefix, ttl: -1)
        try s.initialize(Fixture.dataSet(features: [Fixture.item("f", 1), Fixture.item("g", 1)]))
        server.pause()
        #expect(throws: StoreError.self) { try s.upsert(kind: "features", key: "f", item: Fixture.item("f", 2)) }
        server.resume()
        let other = server.store(prefix: prefix)
        #expect(try other.upsert(kind: "features", key: "f", item: Fixture.item("f", 9)) == .applied)
        #expect(try other.upsert(kind: "features", key: "g", item: Fixture.item("g", 9)) == .applied)
        s.runBackgroundTick()
        #expect(s.currentStatus.available && !s.currentStatus.needsRefresh)
        let hash = s.core.key(for: "features")
        #expect(try version(server, hash, "f") == 9 && version(server, hash, "g") == 9)
        #expect(try s.get(kind: "features", key: "f")?.version == 9)
    }

    @Test("a wait for a free pooled connection is BUSY, not an outage")
    func poolWaitIsBusy() throws {
        let server = try RedisServer()
        let s = try store(server, ttl: 0, timeout: 300) { c in
            try c.setPoolSize(1)
            c.upsertMode = .watch
        }
        let holding = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0)
        s.core.setBeforeUpsertWriteHook { _ in
            holding.signal()
            release.wait()
        }
        let done = DispatchSemaphore(value: 0)
        Thread {
            _ = try? s.upsert(kind: "features", key: "f", item: Fixture.item("f", 1))
            done.signal()
        }.start()
        holding.wait()
        #expect(throws: StoreError.busy("no free Redis connection within 300 ms (pool size 1)")) {
            try s.get(kind: "features", key: "f")
        }
        #expect(s.currentStatus.available, "back-pressure changes no status")
        #expect(s.statistics.redisErrors == 1, "and is counted")
        release.signal()
        done.wait()
    }

    @Test("fail fast: while unavailable, uncached reads fail without reaching Redis, one probe per poll interval")
    func failFast() throws {
        let server = try RedisServer()
        let clock = ManualClock()
        let s = try manualStore(server, ttl: 60_000, clock: clock) { $0.failFast = true }
        server.pause()
        defer { server.resume() }
        // What each read did is told by its error: a fail-fast refusal says so; a read that
        // went to the frozen Redis timed out. No wall-clock bound is asserted.
        func outcome(_ read: () throws -> Void) -> String {
            do { try read(); return "ok" } catch let error as StoreError {
                if case .unavailable(let m) = error, m.contains("fail fast") { return "refused" }
                if case .timeout = error { return "reached Redis" }
                return "\(error)"
            } catch { return "\(error)" }
        }
        #expect(outcome { _ = try s.get(kind: "features", key: "a") } == "reached Redis")  // the outage
        #expect(!s.currentStatus.available)
        for key in ["b", "c", "d"] {
            #expect(outcome { _ = try s.get(kind: "features", key: key) } == "refused")
        }
        #expect(outcome { _ = try s.all(kind: "features") } == "refused")
        #expect(outcome { _ = try s.isInitialized() } == "refused")
        clock.advance(milliseconds: 499)
        #expect(outcome { _ = try s.get(kind: "features", key: "e") } == "refused", "not before the interval")
        clock.advance(milliseconds: 1)
        #expect(outcome { _ = try s.get(kind: "features", key: "f") } == "reached Redis", "one probe per interval")
        #expect(outcome { _ = try s.get(kind: "features", key: "g") } == "refused", "counted from the probe's end")
        server.resume()
        s.runBackgroundTick()
        #expect(s.currentStatus.available)
        #expect(outcome { _ = try s.get(kind: "features", key: "h") } == "ok")
    }

    @Test("keys that Swift calls equal but Redis keeps apart (é as one or two code points) are both written back")
    func canonicallyEqualKeys() throws {
        let server = try RedisServer()
        let s = try manualStore(server, ttl: -1) { $0.repopulateOnRestart = true }
        let composed = "caf\u{e9}", decomposed = "cafe\u{301}"
        #expect(composed == decomposed && Array(composed.utf8) != Array(decomposed.utf8))
        try s.initialize(FullDataSet(kinds: [.init(name: "features", items: [
            (composed, Fixture.item(composed, 1)), (decomposed, Fixture.item(decomposed, 2))])]))
        try server.restart()                                   // empty
        #expect(try s.upsert(kind: "features", key: "x", item: Fixture.item("x", 1)) == .applied)
        s.runBackgroundTick()                                  // $inited is gone: repopulate
        #expect(s.currentStatus.available)
        let hash = s.core.key(for: "features")
        #expect(try server.cli("HLEN", hash) == "3")
        #expect(try version(server, hash, composed) == 1)
        #expect(try version(server, hash, decomposed) == 2)
        #expect(try s.all(kind: "features").count == 3, "the list cache keeps both too")
    }

    @Test("a server that refuses scripting (ACL) gets the write-back through WATCH, not a store stuck unavailable")
    func writeBackWithoutScripting() throws {
        let server = try RedisServer()
        try server.cli("ACL", "SETUSER", "noscripts", "on", ">pw", "~*", "+@all", "-@scripting")
        let s = try manualStore(server, ttl: -1) { c in
            try c.setURL("redis://noscripts:pw@127.0.0.1:\(server.port)/0")
        }
        server.pause()
        #expect(throws: StoreError.self) { try s.upsert(kind: "features", key: "f", item: Fixture.item("f", 1)) }
        server.resume()
        s.runBackgroundTick()
        #expect(s.currentStatus.available, "recovered: \(s.currentStatus.lastError ?? "")")
        #expect(try version(server, s.core.key(for: "features"), "f") == 1)
        #expect(try server.calls("evalsha") == 0, "no script ran")
    }

    @Test("an init made during an outage still reaches a server that refuses scripting (without removing fields: reported)")
    func initDuringOutageWithoutScripting() throws {
        let server = try RedisServer(arguments: ["--user", "noscripts", "on", ">pw", "~*", "+@all", "-@scripting"])
        let s = try manualStore(server, ttl: -1) { c in
            try c.setURL("redis://noscripts:pw@127.0.0.1:\(server.port)/0")
        }
        try s.initialize(Fixture.dataSet(features: [Fixture.item("a", 1), Fixture.item("b", 1)]))
        server.stop()
        #expect(throws: StoreError.self) { try s.initialize(Fixture.dataSet(features: [Fixture.item("a", 2), Fixture.item("c", 1)])) }
        try server.restart()                                   // empty: only the write-back can bring them
        s.runBackgroundTick()
        #expect(s.currentStatus.available)
        let hash = s.core.key(for: "features")
        #expect(try version(server, hash, "a") == 2 && version(server, hash, "c") == 1, "the init's items are in Redis")
        #expect(s.currentStatus.lastError?.contains("without removing the fields") == true, "and the status says what was not done: \(s.currentStatus.lastError ?? "nil")")
    }
}
