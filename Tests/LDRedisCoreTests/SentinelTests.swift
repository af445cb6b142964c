import Foundation
import Glibc
import Testing
@testable import LDRedisCore

/// Redis Sentinel (issue 11) against real redis-sentinel processes: discovery, every store
/// operation, bad names and dead sentinels, and failovers (manual and by SIGKILL) during
/// reads and upserts, with no acknowledged write lost and nothing sent to a demoted master.
@Suite("Sentinel: discovery and failover", .serialized)
final class SentinelTests {
    private let stores = OpenedStores()

    func store(_ config: StoreConfiguration) throws -> CachingStore { try stores.open(config) }

    func describe(_ store: CachingStore) -> String { store.describeText }

    @Test("the store finds the master through the sentinels and every operation works there")
    func discoveryAndEveryOperation() throws {
        let f = try SentinelFixture()
        let prefix = Fixture.uniquePrefix("sent")
        let s = try store(try f.configuration(prefix: prefix))
        try s.initialize(Fixture.dataSet(features: [Fixture.item("a", 1)], segments: [Fixture.item("s", 2)]))
        #expect(try s.isInitialized())
        #expect(try s.get(kind: "features", key: "a")?.header.version == 1)
        #expect(try s.all(kind: "segments").map(\.key) == ["s"])
        #expect(try s.upsert(kind: "features", key: "a", item: Fixture.item("a", 5)) == .applied)
        #expect(try s.delete(kind: "features", key: "b", version: 3) == .applied)
        // The data is on the master, and replicated.
        #expect(try f.master.cli("HGET", "\(prefix):features", "a").contains("\"version\":5"))
        let d = describe(s)
        #expect(d.contains("\"mode\":\"sentinel\""), "\(d)")
        #expect(d.contains("\"sentinel_master\":\"\(SentinelFixture.masterName)\""), "\(d)")
        #expect(d.contains("\"master\":\"127.0.0.1:\(f.master.port)\""), "\(d)")
        #expect(d.contains("redis-sentinel://"), "\(d)")
        #expect(d.contains("\"master_replicas\":\"1\""), "\(d)")
    }

    @Test("a master name no sentinel knows is unavailable, naming the master and the sentinels asked")
    func unknownMasterName() throws {
        let f = try SentinelFixture(sentinels: 1)
        var c = try f.configuration(prefix: "x")
        try c.setSentinelMaster("nosuchmaster")
        let s = try store(c)
        do {
            _ = try s.get(kind: "features", key: "a")
            Issue.record("a get without a master succeeded")
        } catch {
            #expect(error.isOutage)
            #expect(error.description.contains("nosuchmaster"), "\(error)")
            #expect(error.description.contains("127.0.0.1:\(f.sentinelPorts[0])"), "\(error)")
        }
        #expect(!s.isAvailable())
    }

    @Test("no sentinel reachable is unavailable, naming every sentinel tried")
    func allSentinelsDown() throws {
        let dead = [RedisServer.unusedPort(), RedisServer.unusedPort()]
        var c = StoreConfiguration()
        for p in dead { try c.addSentinel("127.0.0.1:\(p)") }
        try c.setSentinelMaster("m")
        c.cacheTTLMilliseconds = 0
        try c.setConnectTimeout(milliseconds: 500)
        let s = try store(c)
        do {
            _ = try s.get(kind: "features", key: "a")
            Issue.record("succeeded without sentinels")
        } catch {
            #expect(error.isOutage)
            for p in dead { #expect(error.description.contains("127.0.0.1:\(p)"), "\(error)") }
            #expect(error.description.contains("m"), "\(error)")
        }
    }

    @Test("a dead first sentinel is skipped; the one that answered moves to the front")
    func oneSentinelDown() throws {
        let f = try SentinelFixture(sentinels: 1)
        let dead = "127.0.0.1:\(RedisServer.unusedPort())"
        let s = try store(try f.configuration(prefix: Fixture.uniquePrefix(), sentinels: [dead] + f.sentinelAddresses))
        #expect(try s.upsert(kind: "features", key: "k", item: Fixture.item("k", 1)) == .applied)
        #expect(describe(s).contains("\"sentinels\":\"\(f.sentinelAddresses[0]),\(dead)\""), "\(describe(s))")
    }

    @Test("sentinels with requirepass: the sentinel password is used, and a wrong one is named without the secret")
    func sentinelPassword() throws {
        let f = try SentinelFixture(sentinelPassword: "sentinel-Secret-77", sentinels: 1)
        let s = try store(try f.configuration(prefix: Fixture.uniquePrefix()))
        #expect(try s.upsert(kind: "features", key: "k", item: Fixture.item("k", 1)) == .applied)
        var wrong = try f.configuration(prefix: Fixture.uniquePrefix())
        wrong.setSentinelAuth(username: nil, password: "wrong-Password-99")
        let w = try store(wrong)
        do {
            _ = try w.get(kind: "features", key: "k")
            Issue.record("a wrong sentinel password was accepted")
        } catch {
            #expect(error.description.contains("authentication"), "\(error)")
            #expect(!error.description.contains("wrong-Password"), "\(error)")
        }
        #expect(!describe(w).contains("wrong-Password"))
    }

    /// Upserts in a loop while `disrupt` runs, each to a key of its own (a later write cannot
    /// hide the loss of an earlier one); every upsert either succeeded or failed, and after the
    /// switch every one that succeeded is on the new master.
    func upsertsThrough(_ f: SentinelFixture, cacheTTL: Int64, newMaster: RedisServer,
                        disrupt: @escaping @Sendable () throws -> Void) throws -> (acked: Int, failed: Int, store: CachingStore) {
        let prefix = Fixture.uniquePrefix("fo")
        let s = try store(try f.configuration(prefix: prefix, cacheTTL: cacheTTL))
        try s.initialize(Fixture.dataSet())
        let done = Box(false)
        let failure = Box<String?>(nil)
        let thread = Thread {
            do { try disrupt() } catch { failure.mutate { $0 = "\(error)" } }
            done.mutate { $0 = true }
        }
        thread.start()
        var acked: [Int] = []
        var ackedBy: [Int: String] = [:]
        var failed = 0
        var n = 0
        while !done.value || n < 50 {
            n += 1
            do {
                if try s.upsert(kind: "features", key: "k\(n)", item: Fixture.item("k\(n)", Int64(n))) == .applied {
                    acked.append(n)
                    let d = describe(s)
                    let master = d.split(separator: ",").first { $0.hasPrefix("\"master\":") } ?? "?"
                    let replicas = d.split(separator: ",").first { $0.hasPrefix("\"master_replicas\":") } ?? "?"
                    ackedBy[n] = "\(master) \(replicas)"
                }
                _ = try s.get(kind: "features", key: "k\(n)")
            } catch {
                failed += 1
                usleep(20_000)
            }
        }
        if let message = failure.value { throw TestFailure(message) }
        // After the switch: writes reach the new master (infinite cache: the write-back too).
        try f.waitUntil("the store is available on the new master") { s.isAvailable() }
        #expect(try s.upsert(kind: "features", key: "last", item: Fixture.item("last", 1)) == .applied)
        var missing: [Int] = []
        do {
            try f.waitUntil("every acknowledged write is on the new master", seconds: 20) {
                let stored = Set(((try? newMaster.cli("HKEYS", "\(prefix):features")) ?? "").split(separator: "\n").map(String.init))
                missing = acked.filter { !stored.contains("k\($0)") }
                return missing.isEmpty
            }
        } catch {
            let roles = [f.master, f.replica].map { ((try? $0.cli("ROLE")) ?? "?").split(separator: "\n").first ?? "?" }
            let by = missing.prefix(3).map { "k\($0) by \(ackedBy[$0] ?? "?")" } + missing.suffix(2).map { "k\($0) by \(ackedBy[$0] ?? "?")" }
            Issue.record("acknowledged but lost: \(missing) of \(acked.count) (n up to \(n)); \(by); roles now \(roles); failovers \(s.core.counters.failovers); master \(f.master.port), replica \(f.replica.port); \(describe(s))")
        }
        return (acked.count, failed, s)
    }

    @Test("SENTINEL FAILOVER during upserts (cache off and infinite): no acknowledged write lost, the switch counted, nothing sent to the demoted master", arguments: [Int64(0), -1])
    func manualFailover(cacheTTL: Int64) throws {
        let f = try SentinelFixture()
        let (acked, _, s) = try upsertsThrough(f, cacheTTL: cacheTTL, newMaster: f.replica) {
            usleep(200_000)
            try f.failover()
        }
        #expect(acked > 0)
        try f.waitUntil("the store follows the switch") {
            describe(s).contains("\"master\":\"127.0.0.1:\(f.replica.port)\"")
        }
        #expect(s.core.counters.failovers >= 1)
        // The demoted master is now a replica: once the switch is known nothing goes to it.
        try f.master.cli("CONFIG", "RESETSTAT")
        for k in 0..<30 {
            #expect(try s.upsert(kind: "features", key: "after\(k)", item: Fixture.item("after\(k)", 1)) == .applied)
            _ = try s.get(kind: "features", key: "after\(k)")
        }
        #expect(try f.master.calls("evalsha") == 0)
        #expect(try f.master.calls("hget") == 0)
        #expect(try f.master.calls("hset") == 0)
    }

    @Test("the switch is learned from +switch-master alone: reads stop going to the demoted master without any error")
    func switchLearnedFromSubscription() throws {
        let f = try SentinelFixture()
        let prefix = Fixture.uniquePrefix("sub")
        let s = try store(try f.configuration(prefix: prefix))
        try s.initialize(Fixture.dataSet(features: [Fixture.item("a", 1)]))
        #expect(describe(s).contains("\"master\":\"127.0.0.1:\(f.master.port)\""))
        try f.waitUntil("the store's subscription is in place") { f.subscribedSentinel() != nil }
        try f.failover()
        // No operation ran: only the event can have moved the store.
        try f.waitUntil("the store follows the switch", seconds: 10) {
            describe(s).contains("\"master\":\"127.0.0.1:\(f.replica.port)\"")
        }
        #expect(s.core.counters.failovers == 1)
        #expect(s.core.counters.errors == 0)
        try f.master.cli("CONFIG", "RESETSTAT")
        let got = try s.get(kind: "features", key: "a")
        let onReplica = try f.replica.cli("HGETALL", "\(prefix):features")
        #expect(got?.header.version == 1, "\(String(describing: got?.text)) replica: \(onReplica)")
        #expect(try f.master.calls("hget") == 0)
        #expect(try f.replica.calls("hget") == 1)
        // Once Sentinel has made the demoted master a replica of the new one, the store knows
        // (its writes wait for that replica from then on).
        try f.waitUntil("the demoted master replicates the new one") {
            ((try? f.replica.cli("INFO", "replication")) ?? "").contains("state=online")
        }
        try f.waitUntil("the store counts the new master's replica", seconds: 10) {
            describe(s).contains("\"master_replicas\":\"1\"")
        }
    }

    @Test("the sentinel the store subscribed on goes away: it subscribes on another and still learns the switch from the event")
    func resubscribesWhenItsSentinelDies() throws {
        let f = try SentinelFixture()
        let s = try store(try f.configuration(prefix: Fixture.uniquePrefix("resub")))
        #expect(try s.upsert(kind: "features", key: "a", item: Fixture.item("a", 1)) == .applied)
        var first: Int?
        try f.waitUntil("the store's subscription is in place") { first = f.subscribedSentinel(); return first != nil }
        f.stopSentinel(port: first ?? 0)
        try f.waitUntil("the store subscribed on another sentinel", seconds: 20) { f.subscribedSentinel() != nil }
        let errorsBefore = s.core.counters.errors
        try f.failover()
        try f.waitUntil("the store follows the switch", seconds: 10) {
            describe(s).contains("\"master\":\"127.0.0.1:\(f.replica.port)\"")
        }
        #expect(s.core.counters.errors == errorsBefore, "learned from the event, not from a failed operation")
    }

    @Test("a master whose replica was promoted away behind the sentinels' back cannot acknowledge a write alone, even after the store's polls saw it without replicas")
    func splitBrainWriteIsRefused() throws {
        let f = try SentinelFixture(sentinels: 1)
        let s = try store(try f.configuration(prefix: Fixture.uniquePrefix("split")))
        #expect(try s.upsert(kind: "features", key: "before", item: Fixture.item("before", 1)) == .applied)
        #expect(describe(s).contains("\"master_replicas\":\"1\""))
        // The replica leaves (as a promotion would take it): the master now says it has no
        // replica, while the sentinel still counts it as a healthy replica of the master.
        try f.replica.cli("REPLICAOF", "NO", "ONE")
        try f.waitUntil("the master has no replica") {
            ((try? f.master.cli("INFO", "replication")) ?? "").contains("connected_slaves:0")
        }
        // Several polls of the store's ROLE refresh (every 500 ms) go by.
        usleep(1_500_000)
        do {
            _ = try s.upsert(kind: "features", key: "alone", item: Fixture.item("alone", 1))
            Issue.record("a write only the master has was acknowledged: \(describe(s))")
        } catch {
            #expect(error.description.contains("replica"), "\(error)")
        }
    }

    @Test("a replica that dies: writes fail until the sentinels count it down, then the master acknowledges alone")
    func deadReplicaThenWritesResume() throws {
        let f = try SentinelFixture(sentinels: 1)
        let c = try f.configuration(prefix: Fixture.uniquePrefix("dead"))
        let s = try store(c)
        #expect(try s.upsert(kind: "features", key: "a", item: Fixture.item("a", 1)) == .applied)
        f.replica.kill9()
        var version: Int64 = 1
        try f.waitUntil("writes succeed again once the sentinel counts the replica down", seconds: 30) {
            version += 1
            return (try? s.upsert(kind: "features", key: "a", item: Fixture.item("a", version))) == .applied
        }
        #expect(describe(s).contains("\"master_replicas\":\"0\""), "\(describe(s))")
        let flags = try f.sentinelCLI(f.sentinelPorts[0], "SENTINEL", "REPLICAS", SentinelFixture.masterName)
        #expect(flags.contains("s_down") || flags.contains("disconnected"), "\(flags)")
    }

    @Test("the master killed with SIGKILL: errors while Sentinel promotes the replica, then the new master serves; infinite cache writes the outage's writes back")
    func masterKilled() throws {
        let f = try SentinelFixture()
        let prefix = Fixture.uniquePrefix("kill")
        let s = try store(try f.configuration(prefix: prefix, cacheTTL: -1))
        try s.initialize(Fixture.dataSet(features: [Fixture.item("a", 1)]))
        f.master.kill9()
        // During the outage the cache serves and a write is journalled (it fails or is queued).
        #expect(try s.get(kind: "features", key: "a")?.header.version == 1)
        _ = try? s.upsert(kind: "features", key: "during", item: Fixture.item("during", 7))
        try f.waitForMaster(f.replica)
        try f.waitUntil("the store is available again") { s.isAvailable() }
        try f.waitUntil("the outage's write is on the new master", seconds: 20) {
            ((try? f.replica.cli("HGET", "\(prefix):features", "during")) ?? "").contains("\"version\":7")
        }
        #expect(try s.upsert(kind: "features", key: "after", item: Fixture.item("after", 1)) == .applied)
        #expect(describe(s).contains("\"master\":\"127.0.0.1:\(f.replica.port)\""))
        // The old master comes back (empty) and becomes a replica: the store never sends it
        // anything (replicated writes arrive as HSETs, never as the store's EVALSHA; the store's
        // reads would be HGETs). The test sends the REPLICAOF that Sentinel sends after its own
        // delays (8 s and more, and over 60 s on a loaded machine): the store is under test here,
        // not Sentinel's timers.
        try f.master.restart()
        try f.master.cli("REPLICAOF", "127.0.0.1", "\(f.replica.port)")
        try f.waitUntil("the restarted old master is a replica") {
            ((try? f.master.cli("ROLE")) ?? "").hasPrefix("slave")
        }
        try f.master.cli("CONFIG", "RESETSTAT")
        for k in 0..<20 {
            #expect(try s.upsert(kind: "features", key: "back\(k)", item: Fixture.item("back\(k)", 1)) == .applied)
            _ = try s.get(kind: "features", key: "back\(k)")
        }
        #expect(try f.master.calls("evalsha") == 0)
        #expect(try f.master.calls("hget") == 0)
    }

    @Test("Sentinel over TLS: sentinels, master and replica TLS-only; discovery, operations and a failover")
    func sentinelOverTLS() throws {
        let f = try SentinelFixture(sentinels: 1, tls: true)
        let prefix = Fixture.uniquePrefix("tls")
        let s = try store(try f.configuration(prefix: prefix))
        try s.initialize(Fixture.dataSet(features: [Fixture.item("a", 1)]))
        #expect(try s.upsert(kind: "features", key: "a", item: Fixture.item("a", 2)) == .applied)
        #expect(describe(s).contains("\"tls\":\"on\""))
        let (acked, _, t) = try upsertsThrough(f, cacheTTL: 0, newMaster: f.replica) {
            usleep(200_000)
            try f.failover()
        }
        #expect(acked > 0)
        #expect(describe(t).contains("\"tls\":\"on\""))
    }

    @Test("configuration: sentinels need a master name and the reverse; a cluster and sentinels together are refused")
    func configurationChecks() throws {
        var c = StoreConfiguration()
        try c.addSentinel("127.0.0.1:26379")
        expectInvalidArgument("sentinels without a master", mentioning: "master name") { _ = try CachingStore(configuration: c) }
        var d = StoreConfiguration()
        try d.setSentinelMaster("m")
        expectInvalidArgument("a master without sentinels", mentioning: "sentinel") { _ = try CachingStore(configuration: d) }
        expectInvalidArgument("a sentinel address with a bad port", mentioning: "sentinel") { try c.addSentinel("h:99999") }
        expectInvalidArgument("a master name with a space", mentioning: "master name") { try c.setSentinelMaster("a b") }
    }

    @Test("redis-sentinel:// URLs: sentinels, master, database, credentials and TLS")
    func sentinelURL() throws {
        let u = try RedisURL(parsing: "rediss-sentinel://user:pw@h1:26380,[::1],h3/mymaster/4")
        #expect(u.sentinels == [.tcp(host: "h1", port: 26380), .tcp(host: "::1", port: 26379), .tcp(host: "h3", port: 26379)])
        #expect(u.sentinelMaster == "mymaster")
        #expect(u.database == 4)
        #expect(u.username == "user" && u.password == "pw")
        #expect(u.tls)
        expectInvalidArgument("a sentinel URL without a master", mentioning: "master-name") { _ = try RedisURL(parsing: "redis-sentinel://h1:26379") }
        expectInvalidArgument("an empty host in the list", mentioning: "host") { _ = try RedisURL(parsing: "redis-sentinel://h1,,h2/m") }
        var c = StoreConfiguration()
        try c.setURL("redis-sentinel://:secret@h1,h2:1/m")
        #expect(c.topology == .sentinel)
        #expect(!c.redactedServer.contains("secret"))
        #expect(c.redactedServer == "redis-sentinel://:xxxxx@h1:26379,h2:1/m/0")
    }
}
