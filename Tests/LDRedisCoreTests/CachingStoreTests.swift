import Foundation
import Glibc
import Testing
@testable import LDRedisCore

/// The cache and status cases of SPEC section 7 (and issue 3), against a real redis-server;
/// outages are made by stopping, pausing and restarting it.
@Suite("CachingStore: cache modes, coalescing, refresh-ahead, status and recovery")
final class CachingStoreTests {
    /// Stores a test opened; closed when the test ends (a store lives until closed).
    private let opened = Box<[CachingStore]>([])

    deinit {
        for s in opened.value { s.close() }
    }

    /// `clock`: the cache's time, moved by the test (nil: the real clock). A TTL case moves it,
    /// so that it does not depend on how long the `redis-cli` calls between its reads take.
    func store(_ server: RedisServer, prefix: String = Fixture.uniquePrefix(), ttl: Int64, clock: ManualClock? = nil,
               configure: (inout StoreConfiguration) throws -> Void = { _ in }) throws -> CachingStore {
        var c = server.configuration(prefix: prefix)
        c.cacheTTLMilliseconds = ttl
        try c.setOperationTimeout(milliseconds: 500)
        try c.setConnectTimeout(milliseconds: 500)
        try configure(&c)
        let s = try CachingStore(configuration: c, client: nil, clock: clock, manualBackground: false)
        opened.mutate { $0.append(s) }
        return s
    }

    func hset(_ server: RedisServer, _ store: CachingStore, _ key: String, _ version: Int) throws {
        try server.cli("HSET", store.core.key(for: "features"), key, #"{"key":"\#(key)","version":\#(version)}"#)
    }

    /// Runs `body` on `count` dedicated threads at once; wait() joins them.
    func onThreads(_ count: Int, _ body: @escaping @Sendable () -> Void) -> DispatchGroup {
        let group = DispatchGroup()
        for _ in 0..<count {
            group.enter()
            Thread { body(); group.leave() }.start()
        }
        return group
    }

    /// Polls `condition` until true or the timeout passes.
    func eventually(_ seconds: Double = 5, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            usleep(20_000)
        }
        return try condition()
    }

    @Test("a cached hit is served after Redis changes, until the TTL; then the new value")
    func ttlHit() throws {
        let server = try RedisServer()
        let clock = ManualClock()
        let s = try store(server, ttl: 400, clock: clock)
        try hset(server, s, "f", 1)
        #expect(try s.get(kind: "features", key: "f")?.version == 1)
        try hset(server, s, "f", 2)
        clock.advance(milliseconds: 399)
        #expect(try s.get(kind: "features", key: "f")?.version == 1)
        clock.advance(milliseconds: 1)
        #expect(try s.get(kind: "features", key: "f")?.version == 2)
    }

    @Test("a cached miss is served after the item appears, until the TTL")
    func ttlMiss() throws {
        let server = try RedisServer()
        let clock = ManualClock()
        let s = try store(server, ttl: 400, clock: clock)
        #expect(try s.get(kind: "features", key: "f") == nil)
        try hset(server, s, "f", 1)
        clock.advance(milliseconds: 399)
        let before = try server.calls("hget")
        #expect(try s.get(kind: "features", key: "f") == nil)
        #expect(try server.calls("hget") == before, "a cached miss costs no Redis traffic")
        clock.advance(milliseconds: 1)
        #expect(try s.get(kind: "features", key: "f")?.version == 1)
    }

    @Test("with the cache off every call goes to Redis")
    func cacheOff() throws {
        let server = try RedisServer()
        let s = try store(server, ttl: 0)
        try s.initialize(Fixture.dataSet(features: [Fixture.item("f", 1)]))
        try hset(server, s, "f", 2)
        #expect(try s.get(kind: "features", key: "f")?.version == 2)
        let other = try store(server, prefix: s.core.configuration.prefix, ttl: 0)
        try server.cli("DEL", s.core.key(for: "$inited"))
        #expect(try other.isInitialized() == false, "a false answer is not cached with the cache off")
        try server.cli("SET", s.core.key(for: "$inited"), "")
        #expect(try other.isInitialized() == true)
        try server.cli("DEL", s.core.key(for: "$inited"))
        #expect(try s.isInitialized() == true, "true is sticky, as in the SDKs' wrapper")
        #expect(try other.isInitialized() == true)
    }

    @Test("values from init are served from the cache", arguments: [Int64(60_000), -1])
    func initServedFromCache(ttl: Int64) throws {
        let server = try RedisServer()
        let s = try store(server, ttl: ttl)
        try s.initialize(Fixture.dataSet(features: [Fixture.item("f", 1), Fixture.item("g", 1)]))
        try hset(server, s, "f", 5)
        let before = try server.calls("hget") + server.calls("hgetall")
        #expect(try s.get(kind: "features", key: "f")?.version == 1)
        #expect(try s.all(kind: "features").count == 2)
        #expect(try s.isInitialized())
        #expect(try server.calls("hget") + server.calls("hgetall") == before)
    }

    @Test("a successful upsert is served even if Redis is changed behind it")
    func upsertServed() throws {
        let server = try RedisServer()
        let s = try store(server, ttl: 60_000)
        try s.initialize(Fixture.dataSet(features: [Fixture.item("f", 1)]))
        _ = try s.all(kind: "features")
        #expect(try s.upsert(kind: "features", key: "f", item: Fixture.item("f", 2)) == .applied)
        try hset(server, s, "f", 9)
        #expect(try s.get(kind: "features", key: "f")?.version == 2)
        #expect(try s.all(kind: "features").first { $0.key == "f" }?.item.version == 9, "finite mode drops the list, which is read again")
    }

    @Test("a rejected upsert leaves the stored winner cached", arguments: [UpsertMode.script, .watch])
    func rejectedCachesWinner(mode: UpsertMode) throws {
        let server = try RedisServer()
        let s = try store(server, ttl: 60_000) { $0.upsertMode = mode }
        try s.initialize(Fixture.dataSet(features: [Fixture.item("f", 1)]))
        try hset(server, s, "f", 5)                      // another writer, unseen by the cache
        #expect(try s.get(kind: "features", key: "f")?.version == 1)
        #expect(try s.upsert(kind: "features", key: "f", item: Fixture.item("f", 3)) != .applied)
        let before = try server.calls("hget")
        #expect(try s.get(kind: "features", key: "f")?.version == 5)
        #expect(try server.calls("hget") == before, "the winner came back with the rejection")
    }

    @Test("a cached false initialized expires with the TTL; true is sticky")
    func initializedCaching() throws {
        let server = try RedisServer()
        let clock = ManualClock()
        let s = try store(server, ttl: 300, clock: clock)
        #expect(try s.isInitialized() == false)
        try server.cli("SET", s.core.key(for: "$inited"), "")
        clock.advance(milliseconds: 299)
        #expect(try s.isInitialized() == false)
        clock.advance(milliseconds: 1)
        #expect(try s.isInitialized())
        try server.cli("DEL", s.core.key(for: "$inited"))
        clock.advance(milliseconds: 10_000)
        #expect(try s.isInitialized(), "true is sticky")
    }

    @Test("the infinite cache keeps serving after the data is wiped")
    func infiniteAfterWipe() throws {
        let server = try RedisServer()
        let s = try store(server, ttl: -1)
        try s.initialize(Fixture.dataSet(features: [Fixture.item("f", 1)], segments: [Fixture.item("s", 2)]))
        try server.cli("FLUSHALL")
        usleep(100_000)
        #expect(try s.get(kind: "features", key: "f")?.version == 1)
        #expect(try s.get(kind: "segments", key: "s")?.version == 2)
        #expect(try s.all(kind: "features").count == 1)
        #expect(try s.isInitialized())
    }

    @Test("the infinite cache patches the kind's list on upsert instead of dropping it")
    func infinitePatchesList() throws {
        let server = try RedisServer()
        let s = try store(server, ttl: -1)
        try s.initialize(Fixture.dataSet(features: [Fixture.item("a", 1)]))
        #expect(try s.upsert(kind: "features", key: "b", item: Fixture.item("b", 1)) == .applied)
        let before = try server.calls("hgetall")
        #expect(try s.all(kind: "features").map(\.key) == ["a", "b"])
        #expect(try server.calls("hgetall") == before)
    }

    @Test("the capacity bound holds under a workload of 10x capacity distinct keys")
    func capacityBound() throws {
        let server = try RedisServer()
        let s = try store(server, ttl: 60_000) { try $0.setCacheCapacity(100) }
        for k in 0..<1_000 { _ = try s.get(kind: "features", key: "k\(k)") }
        let stats = s.statistics
        #expect(stats.cacheEntries <= 100)
        #expect(stats.cacheEvictions >= 900)
        #expect(try s.get(kind: "features", key: "k999") == nil)
        #expect(s.statistics.cacheHits >= 1, "the most recent key is still cached")
    }

    @Test("16 threads missing the same cold key cause exactly one HGET")
    func coalescedGet() throws {
        let server = try RedisServer()
        let s = try store(server, ttl: 60_000)
        try hset(server, s, "cold", 1)
        #expect(try s.isInitialized() == false)      // warms a pooled connection
        let before = try server.calls("hget")
        server.pause()
        let results = Box<[Int64?]>([])
        let threads = onThreads(16) {
            let v = (try? s.get(kind: "features", key: "cold"))??.version
            results.mutate { $0.append(v) }
        }
        usleep(300_000)
        server.resume()
        threads.wait()
        #expect(results.value.count == 16 && results.value.allSatisfy { $0 == 1 })
        #expect(try server.calls("hget") - before == 1)
        #expect(s.statistics.coalescedWaits == 15)
    }

    @Test("concurrent misses on the same all() are coalesced into one HGETALL")
    func coalescedAll() throws {
        let server = try RedisServer()
        let s = try store(server, ttl: 60_000)
        try hset(server, s, "a", 1)
        #expect(try s.isInitialized() == false)
        server.pause()
        let threads = onThreads(8) { _ = try? s.all(kind: "features") }
        usleep(300_000)
        server.resume()
        threads.wait()
        #expect(try server.calls("hgetall") == 1)
        #expect(s.statistics.coalescedWaits == 7)
    }

    @Test("errors are never cached")
    func errorsNotCached() throws {
        let server = try RedisServer()
        let s = try store(server, ttl: 60_000)
        try server.cli("SET", s.core.key(for: "features"), "a string, not a hash")
        #expect(throws: StoreError.self) { try s.get(kind: "features", key: "f") }
        try server.cli("DEL", s.core.key(for: "features"))
        try hset(server, s, "f", 1)
        #expect(try s.get(kind: "features", key: "f")?.version == 1)
    }

    @Test("refresh-ahead serves stale values during a SIGSTOP of Redis without a caller waiting")
    func refreshAhead() throws {
        let server = try RedisServer()
        let clock = ManualClock()
        let s = try store(server, ttl: 100, clock: clock) { $0.cacheRefreshAhead = true }
        try hset(server, s, "f", 1)
        #expect(try s.get(kind: "features", key: "f")?.version == 1)
        try hset(server, s, "f", 2)
        clock.advance(milliseconds: 150)
        #expect(try s.get(kind: "features", key: "f")?.version == 1, "stale value while refreshing")
        #expect(try eventually { try s.get(kind: "features", key: "f")?.version == 2 })
        server.pause()
        defer { server.resume() }
        var slowest: UInt64 = 0
        let end = Deadline.after(milliseconds: 1_200)
        while !end.hasPassed {
            clock.advance(milliseconds: 20)   // the entry expires every fifth read
            let start = Deadline.now()
            #expect(try s.get(kind: "features", key: "f")?.version == 2)
            slowest = max(slowest, Deadline.now().nanoseconds - start.nanoseconds)
            usleep(5_000)
        }
        // A read that waited on the stopped Redis would take the whole 500 ms operation timeout.
        #expect(slowest < 250_000_000, "slowest read took \(slowest / 1_000) µs: it waited on Redis")
        #expect(eventually { !s.currentStatus.available }, "the failed refresh marks the store unavailable")
    }

    @Test("finite mode: the listener sees exactly unavailable, then available with needs-refresh")
    func finiteOutageNotifications() throws {
        let server = try RedisServer()
        let s = try store(server, ttl: 0)
        let events = Box<[String]>([])
        s.setStatusListener { available, refresh in events.mutate { $0.append("\(available)/\(refresh)") } }
        #expect(try s.isInitialized() == false)
        server.stop()
        for _ in 0..<5 { #expect(throws: StoreError.self) { try s.get(kind: "features", key: "f") } }
        #expect(s.currentStatus.available == false)
        #expect(s.currentStatus.lastError != nil)
        try server.restart()
        #expect(eventually { events.value.count >= 2 })
        usleep(700_000)
        #expect(events.value == ["false/false", "true/true"])
        #expect(s.currentStatus.needsRefresh)
        try s.initialize(Fixture.dataSet())
        #expect(s.currentStatus.needsRefresh == false)
    }

    @Test("infinite mode: changes made during an outage are in Redis after it restarts empty, nothing else lost")
    func infiniteRecovery() throws {
        let server = try RedisServer()
        let s = try store(server, ttl: -1)
        let events = Box<[String]>([])
        s.setStatusListener { available, refresh in events.mutate { $0.append("\(available)/\(refresh)") } }
        try s.initialize(Fixture.dataSet(features: [Fixture.item("keep", 1), Fixture.item("change", 1), Fixture.item("gone", 1)],
                                         segments: [Fixture.item("seg", 1)]))
        server.stop()
        #expect(throws: StoreError.self) { try s.upsert(kind: "features", key: "change", item: Fixture.item("change", 2)) }
        #expect(throws: StoreError.self) { try s.delete(kind: "features", key: "gone", version: 2) }
        #expect(throws: StoreError.self) { try s.upsert(kind: "features", key: "new", item: Fixture.item("new", 1)) }
        #expect(try s.get(kind: "features", key: "change")?.version == 2, "the cache serves the write")
        try server.restart()
        #expect(eventually { events.value == ["false/false", "true/false"] })
        let hash = s.core.key(for: "features")
        #expect(try server.cli("HGET", hash, "keep") == Fixture.item("keep", 1).text)
        #expect(try server.cli("HGET", hash, "change") == Fixture.item("change", 2).text)
        #expect(try server.cli("HGET", hash, "gone") == StoredItem.tombstone(key: "gone", version: 2).text)
        #expect(try server.cli("HGET", hash, "new") == Fixture.item("new", 1).text)
        #expect(try server.cli("HGET", s.core.key(for: "segments"), "seg") == Fixture.item("seg", 1).text)
        #expect(try server.cli("EXISTS", s.core.key(for: "$inited")) == "1")
    }

    @Test("infinite mode without a full data set writes back only the outage's changes, with the version rule")
    func infinitePartialRecovery() throws {
        let server = try RedisServer()
        let prefix = Fixture.uniquePrefix()
        let s = try store(server, prefix: prefix, ttl: -1)
        let other = server.store(prefix: prefix)
        try other.initialize(Fixture.dataSet(features: [Fixture.item("a", 1), Fixture.item("b", 1)]))
        #expect(try s.get(kind: "features", key: "a")?.version == 1)
        server.pause()
        #expect(throws: StoreError.self) { try s.upsert(kind: "features", key: "a", item: Fixture.item("a", 2)) }
        server.resume()
        #expect(eventually { s.currentStatus.available })
        let hash = s.core.key(for: "features")
        #expect(try server.cli("HGET", hash, "a") == Fixture.item("a", 2).text)
        #expect(try server.cli("HGET", hash, "b") == Fixture.item("b", 1).text, "the other flag is not erased (go-server-sdk#92)")
    }

    @Test("infinite mode with repopulate-on-restart writes the data back when Redis restarts empty")
    func repopulate() throws {
        let server = try RedisServer()
        let s = try store(server, ttl: -1) { $0.repopulateOnRestart = true }
        try s.initialize(Fixture.dataSet(features: [Fixture.item("f", 3)]))
        try server.restart()
        #expect(try eventually { try server.cli("HGET", s.core.key(for: "features"), "f") == Fixture.item("f", 3).text })
        #expect(try server.cli("EXISTS", s.core.key(for: "$inited")) == "1")
    }

    @Test("a failed init empties a finite cache and fills an infinite one", arguments: [Int64(60_000), -1])
    func failedInit(ttl: Int64) throws {
        let server = try RedisServer()
        let s = try store(server, ttl: ttl)
        try s.initialize(Fixture.dataSet(features: [Fixture.item("old", 1)]))
        server.stop()
        #expect(throws: StoreError.self) { try s.initialize(Fixture.dataSet(features: [Fixture.item("new", 1)])) }
        if ttl < 0 {
            #expect(try s.get(kind: "features", key: "new")?.version == 1)
        } else {
            #expect(throws: StoreError.self) { try s.get(kind: "features", key: "old") }
        }
    }

    @Test("closing a store during an outage returns promptly")
    func closeDuringOutage() throws {
        let server = try RedisServer()
        let s = try store(server, ttl: 60_000)
        server.pause()
        defer { server.resume() }
        #expect(throws: StoreError.self) { try s.get(kind: "features", key: "f") }
        usleep(600_000)   // the background poll is now waiting on the frozen server
        let start = Deadline.now()
        s.close()
        #expect(Deadline.now().nanoseconds - start.nanoseconds < 100_000_000)
    }

    @Test("closing a store while its listener runs waits for the callback, and a listener may remove itself")
    func closeDuringCallback() throws {
        let server = try RedisServer()
        let s = try store(server, ttl: 0)
        let entered = DispatchSemaphore(value: 0)
        let finished = Box(false)
        s.setStatusListener { _, _ in
            s.setStatusListener(nil)          // from inside the callback: must not deadlock
            entered.signal()
            usleep(300_000)
            finished.value = true
        }
        server.stop()
        #expect(throws: StoreError.self) { try s.get(kind: "features", key: "f") }
        #expect(entered.wait(timeout: .now() + 5) == .success)
        s.close()
        #expect(finished.value, "close returned only after the running callback")
    }

    @Test("1,000 stores created and closed leak no threads and no connections")
    func noLeaks() throws {
        let server = try RedisServer()
        func threads() -> Int { (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").count) ?? 0 }
        func clients() throws -> Int {
            let info = try server.cli("INFO", "clients")
            let line = info.split(whereSeparator: \.isNewline).first { $0.hasPrefix("connected_clients:") }
            return Int(line?.split(separator: ":")[1] ?? "0") ?? 0
        }
        let threadsBefore = threads()
        let clientsBefore = try clients()
        for _ in 0..<1_000 {
            let s = try store(server, ttl: 1_000)
            _ = try s.get(kind: "features", key: "f")
            s.close()
        }
        #expect(eventually { threads() <= threadsBefore + 2 }, "threads: \(threads()) vs \(threadsBefore)")
        #expect(try eventually { try clients() <= clientsBefore })
    }

    @Test("describe names the keys and settings without the password")
    func describe() throws {
        let server = try RedisServer()
        let s = try store(server, prefix: "pfx", ttl: -1) { c in
            try c.setURL("redis://u:topsecret@127.0.0.1:\(server.port)/2")
            c.failFast = true
        }
        let text = String(decoding: s.describeJSON, as: UTF8.self)
        #expect(text.contains(#""features_key":"pfx:features""#))
        #expect(text.contains(#""inited_key":"pfx:$inited""#))
        #expect(text.contains(#""cache":"infinite""#))
        #expect(text.contains(#""fail_fast":"on""#))
        #expect(!text.contains("topsecret") && text.contains("xxxxx"))
    }
}
