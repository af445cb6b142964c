import Foundation
import Glibc
import Testing
@testable import LDRedisCore

/// Redis Cluster (issue 12) against a real 6-node cluster: every operation at go-redis's
/// `{ld}.` keys, seeds (dead, replica), resharding the `{ld}` slot under load (ASK, MOVED,
/// no acknowledged write lost) and a master killed with SIGKILL (failover, write-back).
@Suite("Cluster: slot routing, resharding and failover", .serialized)
final class ClusterTests {
    private let stores = OpenedStores()

    func store(_ config: StoreConfiguration) throws -> CachingStore { try stores.open(config) }

    /// No node ever answered CROSSSLOT.
    func expectNoCrossSlot(_ f: ClusterFixture) throws {
        let stats = try f.errorStats()
        #expect(!stats.contains("CROSSSLOT"), "\(stats)")
    }

    @Test("every store operation in each cache mode, at the {ld}. keys, described", arguments: [Int64(0), 30_000, -1])
    func everyOperation(cacheTTL: Int64) throws {
        let f = try ClusterFixture()
        let prefix = Fixture.uniquePrefix("cl")
        let s = try store(try f.configuration(prefix: prefix, cacheTTL: cacheTTL))
        #expect(try !s.isInitialized())
        try s.initialize(Fixture.dataSet(features: [Fixture.item("a", 1), Fixture.item("b", 2)], segments: [Fixture.item("s", 3)]))
        #expect(try s.isInitialized())
        #expect(try s.get(kind: "features", key: "a")?.header.version == 1)
        #expect(try s.get(kind: "features", key: "nope") == nil)
        #expect(try s.all(kind: "features").map(\.key).sorted() == ["a", "b"])
        #expect(try s.all(kind: "segments").map(\.key) == ["s"])
        #expect(try s.upsert(kind: "features", key: "a", item: Fixture.item("a", 5)) == .applied)
        if case .rejected = try s.upsert(kind: "features", key: "a", item: Fixture.item("a", 4)) {} else {
            Issue.record("a lower version was not rejected")
        }
        #expect(try s.delete(kind: "features", key: "b", version: 3) == .applied)
        #expect(try s.get(kind: "features", key: "b")?.header.deleted == true)
        var json = Array(#"{"flags":{"j":{"key":"j","version":9}},"segments":{}}"#.utf8)
        try json.withUnsafeBufferPointer { try s.initialize(parsing: $0) }
        #expect(try s.get(kind: "features", key: "j")?.header.version == 9)
        #expect(try s.get(kind: "features", key: "a") == nil)
        json = []

        // The data is at go-redis's names, in the {ld} slot.
        #expect(try f.clusterCLI("HGET", "{ld}.\(prefix):features", "j").contains("\"version\":9"))
        #expect(try f.clusterCLI("EXISTS", "{ld}.\(prefix):$inited") == "1")
        #expect(try f.clusterCLI("CLUSTER", "KEYSLOT", "{ld}.\(prefix):features") == String(ClusterFixture.ldSlot))
        // Big Segments, as Relay writes them.
        try f.clusterCLI("SADD", "{ld}.\(prefix):big_segment_include:h1", "seg1")
        try f.clusterCLI("SADD", "{ld}.\(prefix):big_segment_exclude:h1", "seg2")
        try f.clusterCLI("SET", "{ld}.\(prefix):big_segments_synchronized_on", "1700000000123")
        #expect(try s.bigSegmentMembership(contextHash: "h1") == ["seg1": true, "seg2": false])
        #expect(try s.bigSegmentsSynchronizedOn() == 1_700_000_000_123)

        let owner = try f.owner()
        let d = s.describeText
        #expect(d.contains("\"mode\":\"cluster\""), "\(d)")
        #expect(d.contains("\"master\":\"127.0.0.1:\(owner.port)\""), "\(d)")
        #expect(d.contains("\"slot\":\"\(ClusterFixture.ldSlot)\""), "\(d)")
        #expect(d.contains("\"features_key\":\"{ld}.\(prefix):features\""), "\(d)")
        #expect(d.contains("redis-cluster://127.0.0.1:\(f.nodes[0].port)"), "\(d)")
        #expect(s.core.counters.slotMapRefreshes >= 1)
        try expectNoCrossSlot(f)
    }

    @Test("data written as go-redis writes it (a pipelined MULTI of DEL, HSET, SET at the {ld}. keys) reads back")
    func goRedisData() throws {
        let f = try ClusterFixture()
        let prefix = Fixture.uniquePrefix("gr")
        let owner = try f.owner()
        let connection = try RedisConnection.open(.node(StoreConfiguration(), .tcp(host: "127.0.0.1", port: owner.port)),
                                                  redactor: Redactor(StoreConfiguration()), deadline: .after(milliseconds: 2_000))
        defer { connection.close() }
        var commands = CommandEncoder()
        commands.command("MULTI")
        commands.command("DEL", "{ld}.\(prefix):features")
        commands.command("HSET", "{ld}.\(prefix):features", "f1", #"{"key":"f1","version":4}"#, "f2", #"{"key":"f2","version":5,"deleted":true}"#)
        commands.command("DEL", "{ld}.\(prefix):segments")
        commands.command("HSET", "{ld}.\(prefix):segments", "s1", #"{"key":"s1","version":6}"#)
        commands.command("SET", "{ld}.\(prefix):$inited", "")
        commands.command("EXEC")
        let replies = try connection.pipeline(commands, deadline: .after(milliseconds: 2_000))
        #expect(replies.allSatisfy { $0.errorMessage == nil }, "\(replies)")
        let s = try store(try f.configuration(prefix: prefix))
        #expect(try s.isInitialized())
        #expect(try s.get(kind: "features", key: "f1")?.header.version == 4)
        #expect(try s.get(kind: "features", key: "f2")?.header.deleted == true)
        #expect(try s.all(kind: "segments").map(\.key) == ["s1"])
        #expect(try s.upsert(kind: "features", key: "f1", item: Fixture.item("f1", 7)) == .applied)
        #expect(try f.clusterCLI("HGET", "{ld}.\(prefix):features", "f1").contains("\"version\":7"))
        try expectNoCrossSlot(f)
    }

    @Test("a dead seed is skipped; a replica alone as the seed finds the master")
    func seeds() throws {
        let f = try ClusterFixture()
        let dead = "127.0.0.1:\(RedisServer.unusedPort())"
        let a = try store(try f.configuration(prefix: Fixture.uniquePrefix(), seeds: [dead, f.address(f.nodes[1])]))
        #expect(try a.upsert(kind: "features", key: "k", item: Fixture.item("k", 1)) == .applied)
        #expect(a.describeText.contains("\"cluster_nodes\":\"\(dead),\(f.address(f.nodes[1]))\""), "\(a.describeText)")

        let owner = try f.owner()
        let replica = try f.replica(of: owner)
        let prefix = Fixture.uniquePrefix()
        let b = try store(try f.configuration(prefix: prefix, seeds: [f.address(replica)]))
        #expect(try b.upsert(kind: "features", key: "k", item: Fixture.item("k", 2)) == .applied)
        #expect(try f.cli(owner, "HGET", "{ld}.\(prefix):features", "k").contains("\"version\":2"))
        #expect(b.describeText.contains("\"master\":\"127.0.0.1:\(owner.port)\""), "\(b.describeText)")
        // Only the map was asked of the replica: no redirection was needed.
        #expect(b.core.counters.movedRedirects == 0)
    }

    @Test("a cluster with a password: the URL's password on every node (map and data), never shown; a wrong one named without the secret")
    func password() throws {
        let f = try ClusterFixture(password: "cluster-Secret-42")
        let prefix = Fixture.uniquePrefix("pw")
        let s = try store(try f.configuration(prefix: prefix))
        try s.initialize(Fixture.dataSet(features: [Fixture.item("a", 1)]))
        #expect(try s.upsert(kind: "features", key: "a", item: Fixture.item("a", 2)) == .applied)
        #expect(try s.get(kind: "features", key: "a")?.header.version == 2)
        #expect(try f.clusterCLI("HGET", "{ld}.\(prefix):features", "a").contains("\"version\":2"))
        let d = s.describeText
        #expect(d.contains("redis-cluster://:xxxxx@"), "\(d)")
        #expect(!d.contains("cluster-Secret-42"))
        #expect(d.contains("\"master\":\"127.0.0.1:\(try f.owner().port)\""), "\(d)")
        try expectServedAfterMove(f, s)
        // A wrong password is named without the secret.
        var wrong = try f.configuration(prefix: prefix)
        try wrong.setURL("redis-cluster://:wrong-Password-7@\(f.address(f.nodes[0]))")
        let w = try store(wrong)
        do {
            _ = try w.get(kind: "features", key: "a")
            Issue.record("a wrong password was accepted")
        } catch {
            #expect(error.description.contains("127.0.0.1:\(f.nodes[0].port)"), "\(error)")
            #expect(!error.description.contains("wrong-Password"), "\(error)")
        }
    }

    @Test("a TLS cluster (tls-cluster yes, TLS ports only): every node over TLS with the store's CA, the announced IPs checked against the certificate's")
    func tlsCluster() throws {
        let f = try ClusterFixture(tls: true)
        let prefix = Fixture.uniquePrefix("tls")
        let s = try store(try f.configuration(prefix: prefix))
        try s.initialize(Fixture.dataSet(features: [Fixture.item("a", 1)]))
        #expect(try s.upsert(kind: "features", key: "a", item: Fixture.item("a", 2)) == .applied)
        #expect(try s.get(kind: "features", key: "a")?.header.version == 2)
        #expect(try f.clusterCLI("HGET", "{ld}.\(prefix):features", "a").contains("\"version\":2"))
        let d = s.describeText
        #expect(d.contains("\"tls\":\"on\""), "\(d)")
        #expect(d.contains("\"master\":\"127.0.0.1:\(try f.owner().port)\""), "\(d)")
        try expectServedAfterMove(f, s)
        // A server name the certificate does not hold fails every node's handshake.
        var wrongName = try f.configuration(prefix: prefix)
        wrongName.tlsServerName = "not-in-the-certificate.example"
        let w = try store(wrongName)
        do {
            _ = try w.get(kind: "features", key: "a")
            Issue.record("a wrong server name was accepted")
        } catch {
            #expect(error.isOutage, "\(error)")
            #expect(error.description.contains("not-in-the-certificate.example"), "\(error)")
        }
    }

    /// Moves the slot (MIGRATE with the cluster's password, over its TLS) to another master;
    /// `s` then reads and writes "a" there.
    private func expectServedAfterMove(_ f: ClusterFixture, _ s: CachingStore) throws {
        let source = try f.owner()
        guard let target = try f.otherMasters(than: source).first else { throw TestFailure("no other master") }
        try f.migrate(to: target, pauseMicroseconds: 0, keyPauseMicroseconds: 0)
        #expect(try f.owner() === target)
        #expect(try f.cli(source, "DBSIZE") == "0")
        #expect(try s.upsert(kind: "features", key: "a", item: Fixture.item("a", 3)) == .applied)
        #expect(try s.get(kind: "features", key: "a")?.header.version == 3)
    }

    @Test("no seed reachable is unavailable, naming every seed tried")
    func noSeed() throws {
        let dead = [RedisServer.unusedPort(), RedisServer.unusedPort()]
        var c = StoreConfiguration()
        for p in dead { try c.addClusterNode("127.0.0.1:\(p)") }
        c.cacheTTLMilliseconds = 0
        try c.setConnectTimeout(milliseconds: 500)
        let s = try store(c)
        do {
            _ = try s.get(kind: "features", key: "a")
            Issue.record("succeeded without a cluster")
        } catch {
            #expect(error.isOutage)
            for p in dead { #expect(error.description.contains("127.0.0.1:\(p)"), "\(error)") }
        }
        #expect(!s.isAvailable())
    }

    @Test("a standalone server given as a cluster node is named as not a cluster node")
    func notACluster() throws {
        let server = try RedisServer()
        var c = StoreConfiguration()
        try c.addClusterNode("127.0.0.1:\(server.port)")
        c.cacheTTLMilliseconds = 0
        let s = try store(c)
        do {
            _ = try s.get(kind: "features", key: "a")
            Issue.record("a standalone server served a cluster store")
        } catch {
            #expect(error.description.contains("cluster support disabled"), "\(error)")
        }
    }

    /// Reads and upserts in a loop while `disrupt` runs: what was acknowledged, the failed
    /// operations (and those that failed after `disrupt` returned), the longest time an
    /// operation took, the first error.
    /// With `initializing`, each step also initializes that store (another prefix: the same
    /// slot), a multi-key transaction; the last version it acknowledged is `acked[-1]`.
    func loadThrough(_ s: CachingStore, initializing other: CachingStore? = nil,
                     _ disrupt: @escaping @Sendable () throws -> Void) throws
        -> (acked: [Int: Int64], failed: Int, failedAfter: Int, longestMilliseconds: Double, firstError: String?) {
        var acked: [Int: Int64] = [:]
        var failed = 0, failedAfter = 0
        var firstError: String?
        var longest = 0.0
        try repeatWhile(disrupt) { n, disrupted in
            let k = n % 20
            let started = Date()
            do {
                if try s.upsert(kind: "features", key: "k\(k)", item: Fixture.item("k\(k)", Int64(n))) == .applied {
                    acked[k] = Int64(n)
                }
                _ = try s.get(kind: "features", key: "k\(k)")
                _ = try s.all(kind: "segments")
                if let other {
                    try other.initialize(Fixture.dataSet(features: [Fixture.item("i", Int64(n))], segments: [Fixture.item("s", 1)]))
                    acked[-1] = Int64(n)
                }
            } catch {
                failed += 1
                firstError = firstError ?? "\(error)"
                if disrupted { failedAfter += 1 }
                usleep(20_000)
            }
            longest = max(longest, Date().timeIntervalSince(started) * 1_000)
        }
        return (acked, failed, failedAfter, longest, firstError)
    }

    @Test("resharding the {ld} slot during reads and upserts: ASK and MOVED followed, no operation fails, no acknowledged write lost",
          arguments: [(Int64(0), UpsertMode.auto), (-1, .auto), (0, .watch)])
    func resharding(cacheTTL: Int64, mode: UpsertMode) throws {
        let f = try ClusterFixture()
        let prefix = Fixture.uniquePrefix("rs")
        var c = try f.configuration(prefix: prefix, cacheTTL: cacheTTL)
        c.upsertMode = mode
        let s = try store(c)
        try s.initialize(Fixture.dataSet(features: [Fixture.item("k0", 0)], segments: [Fixture.item("s", 1)]))
        let source = try f.owner()
        guard let target = try f.otherMasters(than: source).first else { throw TestFailure("no other master") }
        // Another store (another prefix, the same slot) initializes in the loop: MULTI/EXEC
        // over several keys while they move (TRYAGAIN until all are on the target).
        let otherPrefix = Fixture.uniquePrefix("rsi")
        let other = try store(try f.configuration(prefix: otherPrefix, cacheTTL: cacheTTL))
        let (acked, failed, _, longest, firstError) = try loadThrough(s, initializing: other) {
            usleep(200_000)
            // 300 ms of ASK before and after the keys move, 50 ms between keys (TRYAGAIN for a
            // transaction over keys on both sides).
            try f.migrate(to: target, pauseMicroseconds: 300_000, keyPauseMicroseconds: 50_000)
        }
        print("resharding (cache ttl \(cacheTTL), \(mode)): \(failed) failed operations, longest \(Int(longest)) ms, moved \(s.core.counters.movedRedirects), ask \(s.core.counters.askRedirects), map refreshes \(s.core.counters.slotMapRefreshes)")
        #expect(failed == 0, "first error: \(firstError ?? "none")")
        #expect(try f.owner() === target)
        #expect(s.core.counters.askRedirects >= 1)
        #expect(s.core.counters.movedRedirects >= 1)
        for (k, v) in acked where k >= 0 {
            #expect(try f.cli(target, "HGET", "{ld}.\(prefix):features", "k\(k)").contains("\"version\":\(v)}"), "k\(k)")
        }
        if let v = acked[-1] {
            #expect(try f.cli(target, "HGET", "{ld}.\(otherPrefix):features", "i").contains("\"version\":\(v)}"))
        } else {
            Issue.record("no init was acknowledged")
        }
        #expect(s.describeText.contains("\"master\":\"127.0.0.1:\(target.port)\""), "\(s.describeText)")
        #expect(try f.cli(source, "DBSIZE") == "0")
        try expectNoCrossSlot(f)
    }

    @Test("the owning master killed with SIGKILL: errors only until its replica is promoted, then the store serves from it", arguments: [Int64(0), -1])
    func masterKilled(cacheTTL: Int64) throws {
        let f = try ClusterFixture()
        let prefix = Fixture.uniquePrefix("kill")
        let s = try store(try f.configuration(prefix: prefix, cacheTTL: cacheTTL))
        try s.initialize(Fixture.dataSet(features: [Fixture.item("a", 1)]))
        let owner = try f.owner()
        let replica = try f.replica(of: owner)
        try waitUntil("the replica has the data") {
            ((try? f.cli(replica, "INFO", "replication")) ?? "").contains("master_link_status:up")
                && ((try? f.cli(replica, "WAIT", "0", "0")) != nil)
                && ((try? f.cli(owner, "WAIT", "1", "1000")) ?? "") == "1"
        }
        let (acked, failed, failedAfter, _, _) = try loadThrough(s) {
            usleep(200_000)
            owner.kill9()
            try f.waitForMaster(replica)
            // The store learns the promotion within its poll interval (500 ms).
            usleep(1_000_000)
        }
        print("failover (cache ttl \(cacheTTL)): \(failed) failed operations, \(acked.count) keys acknowledged")
        #expect(failed > 0, "the failover was not seen")
        #expect(failedAfter == 0, "operations failed after the promotion")
        try waitUntil("the store is available again") { s.isAvailable() }
        #expect(try s.upsert(kind: "features", key: "after", item: Fixture.item("after", 1)) == .applied)
        #expect(s.describeText.contains("\"master\":\"127.0.0.1:\(replica.port)\""), "\(s.describeText)")
        // Writes acknowledged after the promotion are on the new master (those acknowledged
        // by the old master just before SIGKILL may be lost with it: Redis replicates
        // asynchronously). The infinite cache writes the outage's writes back.
        if cacheTTL < 0 {
            try waitUntil("every acknowledged write is on the new master", seconds: 20) {
                acked.allSatisfy { (k, v) in
                    ((try? f.cli(replica, "HGET", "{ld}.\(prefix):features", "k\(k)")) ?? "").contains("\"version\":\(v)}")
                }
            }
        }
        try expectNoCrossSlot(f)
    }

    @Test("infinite cache: a write made while the master is down is written back to the promoted replica")
    func outageWriteBack() throws {
        let f = try ClusterFixture()
        let prefix = Fixture.uniquePrefix("wb")
        let s = try store(try f.configuration(prefix: prefix, cacheTTL: -1))
        try s.initialize(Fixture.dataSet(features: [Fixture.item("a", 1)]))
        let owner = try f.owner()
        let replica = try f.replica(of: owner)
        owner.kill9()
        #expect(try s.get(kind: "features", key: "a")?.header.version == 1)
        _ = try? s.upsert(kind: "features", key: "during", item: Fixture.item("during", 7))
        try f.waitForMaster(replica)
        try waitUntil("the store is available again") { s.isAvailable() }
        try waitUntil("the outage's write is on the new master", seconds: 20) {
            ((try? f.cli(replica, "HGET", "{ld}.\(prefix):features", "during")) ?? "").contains("\"version\":7")
        }
        #expect(try s.get(kind: "features", key: "a")?.header.version == 1)
    }

    @Test("configuration: a cluster has only database 0; cluster URLs")
    func configuration() throws {
        var c = StoreConfiguration()
        try c.addClusterNode("127.0.0.1:7000")
        try c.setDatabase(2)
        expectInvalidArgument("a cluster with database 2", mentioning: "database") { _ = try CachingStore(configuration: c) }
        var u = StoreConfiguration()
        try u.setURL("redis://127.0.0.1:7000/3")
        try u.addClusterNode("127.0.0.1:7001")
        expectInvalidArgument("a cluster node and a URL with database 3", mentioning: "database") { _ = try CachingStore(configuration: u) }
        expectInvalidArgument("a cluster URL with a database", mentioning: "database 0") { _ = try RedisURL(parsing: "redis-cluster://h1:7000/3") }
        expectInvalidArgument("a cluster node with a bad port", mentioning: "cluster node") { try c.addClusterNode("h:0") }
        let url = try RedisURL(parsing: "rediss-cluster://user:pw@h1:7000,[::1]:7001,h3")
        #expect(url.clusterNodes == [.tcp(host: "h1", port: 7000), .tcp(host: "::1", port: 7001), .tcp(host: "h3", port: 6379)])
        #expect(url.tls && url.username == "user" && url.password == "pw")
        var d = StoreConfiguration()
        try d.setURL("redis-cluster://:secret@h1:7000,h2:7001")
        d.setPrefix("p")
        #expect(d.topology == .cluster)
        #expect(d.keyPrefix == "{ld}.p")
        #expect(d.redactedServer == "redis-cluster://:xxxxx@h1:7000,h2:7001")
    }

    @Test("key slots: CRC16 (XMODEM) and hash tags, as Redis computes them")
    func keySlots() throws {
        #expect(KeySlot.crc16(Array("123456789".utf8)) == 0x31C3)
        #expect(KeySlot.slot(of: "ld") == ClusterFixture.ldSlot)
        #expect(KeySlot.slot(of: "{ld}.launchdarkly:features") == ClusterFixture.ldSlot)
        #expect(KeySlot.slot(of: "foo") == 12182)
        #expect(KeySlot.slot(of: "{user1000}.following") == KeySlot.slot(of: "{user1000}.followers"))
        #expect(KeySlot.slot(of: "foo{}{bar}") == KeySlot.slot(of: "foo{}{bar}"))
        #expect(KeySlot.slot(of: "foo{{bar}}zap") == KeySlot.slot(of: "{bar"))
        #expect(KeySlot.slot(of: "foo{bar}{zap}") == KeySlot.slot(of: "bar"))
        #expect(KeySlot.slot(of: "") == 0)
        let server = try RedisServer(arguments: ["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf"])
        for key in ["foo", "{ld}.x:features", "a{b}c", "{}x", "x{y", "émoji✓", "{ld}"] {
            #expect(try server.cli("CLUSTER", "KEYSLOT", key) == String(KeySlot.slot(of: key)), "\(key)")
        }
    }
}
