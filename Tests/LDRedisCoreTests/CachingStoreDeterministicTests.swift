import Foundation
import Glibc
import Testing
@testable import LDRedisCore

/// The cache and outage cases of `CachingStoreTests` that used to sleep, run deterministically:
/// Redis is a `FakeRedisClient`, time is a `ManualClock` the test advances, and the background
/// worker has no thread (the test runs its 500 ms tick and its queued jobs when it chooses).
/// Nothing here depends on how long anything takes.
@Suite("CachingStore, deterministic: TTL, coalescing, refresh-ahead, outage status, write-back")
final class CachingStoreDeterministicTests {
    let fake = FakeRedisClient()
    let clock = ManualClock()
    private let opened = Box<[CachingStore]>([])

    deinit {
        for s in opened.value { s.close() }
    }

    func store(ttl: Int64, configure: (inout StoreConfiguration) throws -> Void = { _ in }) throws -> CachingStore {
        var c = StoreConfiguration()
        c.setPrefix("p")
        c.cacheTTLMilliseconds = ttl
        try configure(&c)
        let s = try CachingStore(configuration: c, client: fake, clock: clock, manualBackground: true)
        opened.mutate { $0.append(s) }
        return s
    }

    /// Another writer puts version `version` of `key` in `p:features`.
    func write(_ key: String, _ version: Int64, kind: String = "features") {
        fake.hset("p:\(kind)", key, Fixture.item(key, version).text)
    }

    /// Records the listener's calls as "available/needsRefresh".
    func listen(_ s: CachingStore) -> Box<[String]> {
        let events = Box<[String]>([])
        s.setStatusListener { available, refresh in events.mutate { $0.append("\(available)/\(refresh)") } }
        return events
    }

    /// Runs `body` on `count` threads while the first `command` sent to the fake is held, and
    /// lets it go once the other `count - 1` threads wait for that load (the cache's
    /// coalesced-waits counter says so). False if that state was not reached, or a thread did
    /// not return.
    func whileOneLoadIsHeld(_ command: String, threads count: Int, _ s: CachingStore,
                            _ body: @escaping @Sendable () -> Void) -> Bool {
        let loading = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0)
        fake.beforeCommand = { sent in
            guard sent[0] == command else { return }
            loading.signal()
            release.wait()
        }
        let group = DispatchGroup()
        for _ in 0..<count { group.enter(); Thread { body(); group.leave() }.start() }
        let arrived = loading.wait(timeout: .now() + 10) == .success
            && waitUntil { s.statistics.coalescedWaits == count - 1 }
        fake.beforeCommand = nil
        for _ in 0..<count { release.signal() }       // one is needed; more free any extra loader
        return group.wait(timeout: .now() + 10) == .success && arrived
    }

    /// Waits until `condition` holds (threads reaching a known state); false after 10 s, which
    /// only a hang reaches. A poll for a state, not a bet on how long something takes.
    func waitUntil(_ condition: () -> Bool) -> Bool {
        for _ in 0..<100_000 {
            if condition() { return true }
            usleep(100)
        }
        return condition()
    }

    // MARK: TTL

    @Test("a cached hit is served after Redis changes, until the TTL has passed; then the new value")
    func ttlHit() throws {
        let s = try store(ttl: 400)
        write("f", 1)
        #expect(try s.get(kind: "features", key: "f")?.version == 1)
        write("f", 2)
        clock.advance(milliseconds: 399)
        #expect(try s.get(kind: "features", key: "f")?.version == 1)
        #expect(fake.calls("HGET") == 1)
        clock.advance(milliseconds: 1)
        #expect(try s.get(kind: "features", key: "f")?.version == 2)
        #expect(fake.calls("HGET") == 2)
    }

    @Test("a cached miss is served after the item appears, until the TTL, at no Redis cost")
    func ttlMiss() throws {
        let s = try store(ttl: 400)
        #expect(try s.get(kind: "features", key: "f") == nil)
        write("f", 1)
        clock.advance(milliseconds: 399)
        #expect(try s.get(kind: "features", key: "f") == nil)
        #expect(fake.calls("HGET") == 1, "a cached miss costs no Redis traffic")
        clock.advance(milliseconds: 1)
        #expect(try s.get(kind: "features", key: "f")?.version == 1)
    }

    @Test("a cached all() expires with the TTL")
    func ttlAll() throws {
        let s = try store(ttl: 400)
        write("a", 1)
        #expect(try s.all(kind: "features").map(\.key) == ["a"])
        write("b", 1)
        clock.advance(milliseconds: 399)
        #expect(try s.all(kind: "features").map(\.key) == ["a"])
        clock.advance(milliseconds: 1)
        #expect(try s.all(kind: "features").map(\.key) == ["a", "b"])
        #expect(fake.calls("HGETALL") == 2)
    }

    @Test("a cached false initialized expires with the TTL; true is sticky")
    func initializedCaching() throws {
        let s = try store(ttl: 300)
        #expect(try s.isInitialized() == false)
        fake.set("p:$inited", "")
        clock.advance(milliseconds: 299)
        #expect(try s.isInitialized() == false)
        #expect(fake.calls("EXISTS") == 1)
        clock.advance(milliseconds: 1)
        #expect(try s.isInitialized())
        fake.del("p:$inited")
        clock.advance(milliseconds: 10_000)
        #expect(try s.isInitialized(), "true is sticky")
        #expect(fake.calls("EXISTS") == 2)
    }

    @Test("the infinite cache never expires and keeps serving after the data is wiped")
    func infiniteNeverExpires() throws {
        let s = try store(ttl: -1)
        try s.initialize(Fixture.dataSet(features: [Fixture.item("f", 1)], segments: [Fixture.item("s", 2)]))
        fake.restartEmpty()
        clock.advance(milliseconds: 365 * 86_400_000)
        #expect(try s.get(kind: "features", key: "f")?.version == 1)
        #expect(try s.get(kind: "segments", key: "s")?.version == 2)
        #expect(try s.all(kind: "features").count == 1)
        #expect(try s.isInitialized())
        #expect(fake.calls("HGET") + fake.calls("HGETALL") + fake.calls("EXISTS") == 0)
    }

    // MARK: Coalescing

    @Test("16 threads missing the same cold key cause exactly one HGET")
    func coalescedGet() throws {
        let s = try store(ttl: 60_000)
        write("cold", 1)
        let results = Box<[Int64?]>([])
        #expect(whileOneLoadIsHeld("HGET", threads: 16, s) {
            let v = (try? s.get(kind: "features", key: "cold"))??.version
            results.mutate { $0.append(v) }
        })
        #expect(results.value.count == 16 && results.value.allSatisfy { $0 == 1 })
        #expect(fake.calls("HGET") == 1)
        #expect(s.statistics.coalescedWaits == 15)
    }

    @Test("8 threads missing the same all() cause exactly one HGETALL")
    func coalescedAll() throws {
        let s = try store(ttl: 60_000)
        write("a", 1)
        let counts = Box<[Int]>([])
        #expect(whileOneLoadIsHeld("HGETALL", threads: 8, s) {
            let n = (try? s.all(kind: "features"))?.count ?? -1
            counts.mutate { $0.append(n) }
        })
        #expect(counts.value == Array(repeating: 1, count: 8))
        #expect(fake.calls("HGETALL") == 1)
    }

    @Test("a failed load is handed to its waiters and not cached")
    func coalescedFailure() throws {
        let s = try store(ttl: 60_000)
        write("f", 1)
        fake.failNext("HGET", with: "-OOM command not allowed when used memory > 'maxmemory'.")
        let failures = Counter(start: 0)
        #expect(whileOneLoadIsHeld("HGET", threads: 4, s) {
            if (try? s.get(kind: "features", key: "f")) == nil { _ = failures.next() }
        })
        #expect(failures.value == 4, "the one error reached every waiter")
        #expect(try s.get(kind: "features", key: "f")?.version == 1, "the error was not cached")
        #expect(fake.calls("HGET") == 2)
    }

    // MARK: Refresh-ahead

    @Test("refresh-ahead: a stale value is served at once, one refresh is queued, and its result served next")
    func refreshAhead() throws {
        let s = try store(ttl: 100) { $0.cacheRefreshAhead = true }
        write("f", 1)
        #expect(try s.get(kind: "features", key: "f")?.version == 1)
        write("f", 2)
        clock.advance(milliseconds: 150)
        for _ in 0..<5 {
            #expect(try s.get(kind: "features", key: "f")?.version == 1, "stale value while refreshing")
        }
        #expect(fake.calls("HGET") == 1, "no caller read Redis")
        s.runPendingBackgroundJobs()
        #expect(fake.calls("HGET") == 2, "exactly one refresh")
        #expect(try s.get(kind: "features", key: "f")?.version == 2)
        #expect(fake.calls("HGET") == 2)
    }

    @Test("refresh-ahead during a frozen Redis: stale values are served without a caller reading Redis; the failed refresh marks the store unavailable")
    func refreshAheadFrozen() throws {
        let s = try store(ttl: 100) { $0.cacheRefreshAhead = true }
        write("f", 2)
        #expect(try s.get(kind: "features", key: "f")?.version == 2)
        fake.frozen = true
        clock.advance(milliseconds: 150)
        #expect(try s.get(kind: "features", key: "f")?.version == 2)
        #expect(fake.calls("HGET") == 1)
        s.runPendingBackgroundJobs()                  // the refresh times out
        #expect(s.currentStatus.available == false)
        clock.advance(milliseconds: 150)
        #expect(try s.get(kind: "features", key: "f")?.version == 2, "still served while unavailable")
        s.runPendingBackgroundJobs()
        #expect(fake.calls("HGET") == 2, "no refresh is queued while unavailable")
    }

    @Test("a write while a refresh is queued wins over the refresh's older read")
    func refreshSuperseded() throws {
        let s = try store(ttl: 100) { $0.cacheRefreshAhead = true }
        write("f", 1)
        #expect(try s.get(kind: "features", key: "f")?.version == 1)
        clock.advance(milliseconds: 150)
        #expect(try s.get(kind: "features", key: "f")?.version == 1)      // queues the refresh
        fake.beforeCommand = { [fake] command in
            // The refresh's HGET reads version 1; the upsert below already wrote 3.
            if command[0] == "HGET" { fake.hset("p:features", "f", Fixture.item("f", 1).text) }
        }
        #expect(try s.upsert(kind: "features", key: "f", item: Fixture.item("f", 3)) == .applied)
        s.runPendingBackgroundJobs()
        fake.beforeCommand = nil
        #expect(try s.get(kind: "features", key: "f")?.version == 3)
    }

    // MARK: Outage status

    @Test("TTL and off modes: the listener sees exactly unavailable, then available with needs-refresh",
          arguments: [Int64(60_000), 0])
    func finiteOutageNotifications(ttl: Int64) throws {
        let s = try store(ttl: ttl)
        let events = listen(s)
        #expect(try s.isInitialized() == false)
        fake.down = true
        for k in 0..<5 {
            #expect(throws: StoreError.self) { try s.get(kind: "features", key: "f\(k)") }
        }
        s.runBackgroundTick()                         // still down: nothing changes
        s.runPendingBackgroundJobs()
        #expect(events.value == ["false/false"])
        #expect(s.currentStatus.available == false)
        #expect(s.currentStatus.lastError?.contains("Connection refused") == true)
        fake.down = false
        s.runBackgroundTick()
        s.runBackgroundTick()
        s.runPendingBackgroundJobs()
        #expect(events.value == ["false/false", "true/true"])
        #expect(s.currentStatus.needsRefresh)
        try s.initialize(Fixture.dataSet())
        #expect(s.currentStatus.needsRefresh == false)
    }

    @Test("LOADING and a frozen Redis are outages; an error reply (OOM, WRONGTYPE) is not")
    func whatIsAnOutage() throws {
        let s = try store(ttl: 60_000)
        fake.failNext("HGET", with: "-OOM command not allowed when used memory > 'maxmemory'.")
        #expect(throws: StoreError.self) { try s.get(kind: "features", key: "a") }
        fake.set("p:segments", "a string")
        #expect(throws: StoreError.self) { try s.get(kind: "segments", key: "a") }
        #expect(s.currentStatus.available)
        fake.loading = true
        #expect(throws: StoreError.self) { try s.get(kind: "features", key: "b") }
        #expect(s.currentStatus.available == false)
        s.runBackgroundTick()
        #expect(s.currentStatus.available == false, "still loading")
        fake.loading = false
        s.runBackgroundTick()
        #expect(s.currentStatus.available)
        fake.frozen = true
        #expect(throws: StoreError.self) { try s.get(kind: "features", key: "c") }
        #expect(s.currentStatus.available == false)
    }

    @Test("infinite mode: unavailable, then available without needs-refresh once the write-back is done")
    func infiniteOutageNotifications() throws {
        let s = try store(ttl: -1)
        let events = listen(s)
        try s.initialize(Fixture.dataSet(features: [Fixture.item("f", 1)]))
        fake.down = true
        #expect(throws: StoreError.self) { try s.upsert(kind: "features", key: "f", item: Fixture.item("f", 2)) }
        s.runBackgroundTick()
        s.runPendingBackgroundJobs()
        #expect(events.value == ["false/false"])
        fake.down = false
        s.runBackgroundTick()
        s.runBackgroundTick()
        s.runPendingBackgroundJobs()
        #expect(events.value == ["false/false", "true/false"])
        #expect(s.currentStatus.needsRefresh == false)
    }

    // MARK: Write-back

    @Test("infinite mode: changes made during an outage are in Redis after it restarts empty, nothing else lost")
    func infiniteRecovery() throws {
        let s = try store(ttl: -1)
        try s.initialize(Fixture.dataSet(features: [Fixture.item("keep", 1), Fixture.item("change", 1), Fixture.item("gone", 1)],
                                         segments: [Fixture.item("seg", 1)]))
        fake.resetCounters()
        fake.down = true
        #expect(throws: StoreError.self) { try s.upsert(kind: "features", key: "change", item: Fixture.item("change", 2)) }
        #expect(throws: StoreError.self) { try s.delete(kind: "features", key: "gone", version: 2) }
        #expect(throws: StoreError.self) { try s.upsert(kind: "features", key: "new", item: Fixture.item("new", 1)) }
        #expect(try s.get(kind: "features", key: "change")?.version == 2, "the cache serves the write")
        fake.restartEmpty()
        s.runBackgroundTick()                         // still down
        #expect(!fake.exists("p:features"))
        fake.down = false
        s.runBackgroundTick()
        #expect(s.currentStatus.available)
        #expect(fake.hget("p:features", "keep") == Fixture.item("keep", 1).text)
        #expect(fake.hget("p:features", "change") == Fixture.item("change", 2).text)
        #expect(fake.hget("p:features", "gone") == StoredItem.tombstone(key: "gone", version: 2).text)
        #expect(fake.hget("p:features", "new") == Fixture.item("new", 1).text)
        #expect(fake.hget("p:segments", "seg") == Fixture.item("seg", 1).text)
        #expect(fake.exists("p:$inited"))
        #expect(fake.calls("DEL") == 0, "the write-back never deletes a kind")
    }

    @Test("infinite mode without an init of its own writes back only its changes, with the version rule")
    func infinitePartialRecovery() throws {
        let s = try store(ttl: -1)
        write("a", 1)
        write("b", 1)
        write("c", 1)
        #expect(try s.get(kind: "features", key: "a")?.version == 1)
        fake.down = true
        #expect(throws: StoreError.self) { try s.upsert(kind: "features", key: "a", item: Fixture.item("a", 2)) }
        #expect(throws: StoreError.self) { try s.upsert(kind: "features", key: "c", item: Fixture.item("c", 2)) }
        fake.down = false
        write("c", 7)                                  // another writer, during the outage
        s.runBackgroundTick()
        #expect(s.currentStatus.available)
        #expect(fake.hget("p:features", "a") == Fixture.item("a", 2).text)
        #expect(fake.hget("p:features", "b") == Fixture.item("b", 1).text, "the other flag is not erased (go-server-sdk#92)")
        #expect(fake.hget("p:features", "c") == Fixture.item("c", 7).text, "a higher version is never replaced")
        #expect(try s.get(kind: "features", key: "c")?.version == 7, "the cache learned the winner")
        #expect(!fake.exists("p:$inited"), "a store that never initialized does not claim it")
    }

    @Test("infinite mode: an outage during the write-back leaves it for the next tick")
    func writeBackInterrupted() throws {
        let s = try store(ttl: -1)
        try s.initialize(Fixture.dataSet(features: [Fixture.item("f", 1)]))
        fake.down = true
        #expect(throws: StoreError.self) { try s.upsert(kind: "features", key: "f", item: Fixture.item("f", 2)) }
        fake.down = false
        fake.beforeCommand = { [fake] command in if command[0] == "EVALSHA" { fake.down = true } }
        s.runBackgroundTick()
        fake.beforeCommand = nil
        #expect(s.currentStatus.available == false)
        #expect(fake.hget("p:features", "f") == Fixture.item("f", 1).text)
        fake.down = false
        s.runBackgroundTick()
        #expect(s.currentStatus.available)
        #expect(fake.hget("p:features", "f") == Fixture.item("f", 2).text)
    }

    @Test("infinite mode with repopulate-on-restart writes the data back when Redis restarts empty")
    func repopulate() throws {
        let s = try store(ttl: -1) { $0.repopulateOnRestart = true }
        try s.initialize(Fixture.dataSet(features: [Fixture.item("f", 3)]))
        s.runBackgroundTick()
        #expect(fake.calls("EVALSHA") == 0, "nothing to repopulate while $inited exists")
        fake.restartEmpty()
        s.runBackgroundTick()
        #expect(fake.hget("p:features", "f") == Fixture.item("f", 3).text)
        #expect(fake.exists("p:$inited"))
    }
}
