import Foundation
import Glibc
import Testing
@testable import LDRedisCore

/// The cluster topology's retry logic against scripted fake nodes: MOVED loops, malformed
/// redirections, ASK then MOVED, TRYAGAIN and CLUSTERDOWN, an init answered MOVED, a dead
/// owner, and the slot check. Deterministic: no real cluster.
@Suite("Cluster: redirections against scripted nodes")
struct ClusterRedirectTests {
    static let slot = ClusterFixture.ldSlot

    /// `CLUSTER SHARDS` naming the node at `port` the master of every slot.
    static func shards(masterPort: Int) -> [UInt8] {
        let node = RESP.array([RESP.bulk("id"), RESP.bulk("n\(masterPort)"), RESP.bulk("port"), RESP.integer(masterPort),
                               RESP.bulk("ip"), RESP.bulk("127.0.0.1"), RESP.bulk("endpoint"), RESP.bulk("127.0.0.1"),
                               RESP.bulk("role"), RESP.bulk("master"), RESP.bulk("health"), RESP.bulk("online")])
        return RESP.array([RESP.array([RESP.bulk("slots"), RESP.array([RESP.integer(0), RESP.integer(16383)]),
                                       RESP.bulk("nodes"), RESP.array([node])])])
    }

    /// A fake node: answers `CLUSTER …` with the map `owner()` names, `ASKING` with OK, and
    /// every other command as `reply` says.
    static func node(owner: @escaping @Sendable () -> Int, _ reply: @escaping @Sendable (FakeRedisServer.Command) -> [UInt8]) throws -> FakeRedisServer {
        try FakeRedisServer { command in
            switch command.name {
            case "CLUSTER": return [.send(shards(masterPort: owner()))]
            case "ASKING": return [.send(RESP.status("OK"))]
            default: return [.send(reply(command))]
            }
        }
    }

    static func store(seeds: [Int], timeout: Int64 = 1_000) throws -> RedisFeatureStore {
        var c = StoreConfiguration()
        for port in seeds { try c.addClusterNode("127.0.0.1:\(port)") }
        c.setPrefix("fake")
        try c.setOperationTimeout(milliseconds: timeout)
        try c.setConnectTimeout(milliseconds: 1_000)
        return try RedisFeatureStore(configuration: c)
    }

    /// A master with one replica (ROLE) whose WAIT reports `acknowledged` replicas.
    static func masterWithReplica(acknowledged: Int, owner: @escaping @Sendable () -> Int) throws -> FakeRedisServer {
        try Self.node(owner: owner) { command in
            switch command.name {
            case "MULTI": return RESP.status("OK")
            case "EXEC": return RESP.array([RESP.integer(0), RESP.integer(1), RESP.integer(0), RESP.status("OK")])
            case "INFO": return RESP.bulk("# Replication\r\nrole:master\r\nconnected_slaves:1\r\nslave0:ip=127.0.0.1,port=1,state=online,offset=10,lag=0\r\n")
            case "WAIT": return RESP.integer(acknowledged)
            default: return RESP.status("QUEUED")
            }
        }
    }

    @Test("a write is acknowledged once a replica has it (WAIT 1); a master whose replica never confirms fails the write within the timeout")
    func writesWaitForAReplica() throws {
        let port = Box(0)
        let good = try Self.masterWithReplica(acknowledged: 1) { port.value }
        port.mutate { $0 = good.port }
        let s = try Self.store(seeds: [good.port])
        defer { s.close() }
        try s.initialize(Fixture.dataSet(features: [Fixture.item("f", 1)]))
        #expect(good.commands.map(\.name).suffix(2) == ["INFO", "WAIT"])
        // The replica count is known now: the next write waits without asking INFO again.
        try s.initialize(Fixture.dataSet(features: [Fixture.item("f", 2)]))
        #expect(good.commands.map(\.name).suffix(2) == ["EXEC", "WAIT"])
        #expect(good.commands.filter { $0.name == "WAIT" }.allSatisfy { $0.arguments.count == 3 && $0.arguments[1] == "1" })

        let lonely = Box(0)
        let bad = try Self.masterWithReplica(acknowledged: 0) { lonely.value }
        lonely.mutate { $0 = bad.port }
        let t = try Self.store(seeds: [bad.port], timeout: 300)
        defer { t.close() }
        do {
            try t.initialize(Fixture.dataSet(features: [Fixture.item("f", 1)]))
            Issue.record("a write no replica confirmed was acknowledged")
        } catch {
            #expect(error.isOutage, "\(error)")
            #expect(error.description.contains("replica"), "\(error)")
        }
        #expect(bad.commands.filter { $0.name == "WAIT" }.count >= 2, "waited in slices")
    }

    @Test("MOVED back and forth between two nodes ends with an error within the operation timeout")
    func movedLoop() throws {
        let ports = Box<[Int]>([0, 0])
        let a = try Self.node(owner: { ports.value[0] }) { _ in RESP.error("MOVED \(Self.slot) 127.0.0.1:\(ports.value[1])") }
        let b = try Self.node(owner: { ports.value[0] }) { _ in RESP.error("MOVED \(Self.slot) 127.0.0.1:\(ports.value[0])") }
        ports.mutate { $0 = [a.port, b.port] }
        let s = try Self.store(seeds: [a.port])
        defer { s.close() }
        do {
            _ = try s.get(kind: "features", key: "x")
            Issue.record("a MOVED loop succeeded")
        } catch {
            #expect(error.isOutage, "\(error)")
            #expect(error.description.contains("MOVED"), "\(error)")
            #expect(error.description.contains("redirections"), "\(error)")
        }
        // Bounded by the redirection limit, not by a clock: the nodes saw at most that many tries.
        #expect(s.counters.movedRedirects >= 2)
        let tries = (a.commands + b.commands).filter { $0.name == "HGET" }.count
        #expect(tries <= ClusterTopology.maximumRedirects + 1, "\(tries) tries")
    }

    @Test("a malformed MOVED is this operation's error, not a hang", arguments: ["MOVED", "MOVED 8805", "MOVED abc 127.0.0.1:1", "MOVED 99999 127.0.0.1:1", "MOVED 8805 127.0.0.1:0", "MOVED 8805 :"])
    func malformedMoved(_ message: String) throws {
        let port = Box(0)
        let a = try Self.node(owner: { port.value }) { _ in RESP.error(message) }
        port.mutate { $0 = a.port }
        let s = try Self.store(seeds: [a.port])
        defer { s.close() }
        do {
            _ = try s.get(kind: "features", key: "x")
            Issue.record("a malformed MOVED succeeded")
        } catch {
            #expect(error.description.contains("malformed redirection"), "\(error)")
            #expect(!error.isOutage, "\(error)")
        }
    }

    @Test("ASK then MOVED: ASKING and the command on the node asked, then the new owner; counted")
    func askThenMoved() throws {
        let ports = Box<[Int]>([0, 0, 0])
        let a = try Self.node(owner: { ports.value[0] }) { _ in RESP.error("ASK \(Self.slot) 127.0.0.1:\(ports.value[1])") }
        let b = try Self.node(owner: { ports.value[0] }) { _ in RESP.error("MOVED \(Self.slot) 127.0.0.1:\(ports.value[2])") }
        let c = try Self.node(owner: { ports.value[2] }) { _ in RESP.item("x", 7) }
        ports.mutate { $0 = [a.port, b.port, c.port] }
        let s = try Self.store(seeds: [a.port])
        defer { s.close() }
        #expect(try s.get(kind: "features", key: "x")?.header.version == 7)
        #expect(b.commands.map(\.name) == ["ASKING", "HGET"])
        #expect(s.counters.askRedirects == 1)
        #expect(s.counters.movedRedirects == 1)
        // The next operation goes to the new owner at once.
        _ = try s.get(kind: "features", key: "x")
        #expect(a.commands.filter { $0.name == "HGET" }.count == 1)
        #expect(c.commands.filter { $0.name == "HGET" }.count == 2)
        #expect(!c.commands.contains { $0.name == "ASKING" })
    }

    @Test("TRYAGAIN and CLUSTERDOWN are retried after a backoff; for longer than the timeout, an outage", arguments: ["TRYAGAIN Multiple keys request during rehashing of slot", "CLUSTERDOWN The cluster is down", "LOADING Redis is loading the dataset in memory"])
    func transient(_ message: String) throws {
        let port = Box(0)
        let a = try Self.node(owner: { port.value }) { command in
            command.index < 2 ? RESP.error(message) : RESP.item("x", 3)
        }
        port.mutate { $0 = a.port }
        let s = try Self.store(seeds: [a.port])
        defer { s.close() }
        #expect(try s.get(kind: "features", key: "x")?.header.version == 3)
        #expect(a.commands.filter { $0.name == "HGET" }.count == 3)

        let down = try Self.node(owner: { port.value }) { _ in RESP.error(message) }
        port.mutate { $0 = down.port }
        let t = try Self.store(seeds: [down.port], timeout: 300)
        defer { t.close() }
        do {
            _ = try t.get(kind: "features", key: "x")
            Issue.record("a node that stays down served")
        } catch {
            #expect(error.isOutage, "\(error)")
        }
        // Bounded by the redirection limit (each retry after a backoff), not by a clock.
        #expect(down.commands.filter { $0.name == "HGET" }.count <= ClusterTopology.maximumRedirects + 1)
    }

    @Test("an init answered MOVED (the failure kept as a value by the streaming writer) is run again on the new owner")
    func initMoved() throws {
        let ports = Box<[Int]>([0, 0])
        let a = try Self.node(owner: { ports.value[0] }) { command in
            switch command.name {
            case "MULTI": return RESP.status("OK")
            case "EXEC": return RESP.error("EXECABORT Transaction discarded because of previous errors.")
            default: return RESP.error("MOVED \(Self.slot) 127.0.0.1:\(ports.value[1])")
            }
        }
        let b = try Self.node(owner: { ports.value[1] }) { command in
            switch command.name {
            case "MULTI": return RESP.status("OK")
            case "EXEC": return RESP.array([RESP.integer(0), RESP.integer(1), RESP.integer(0), RESP.status("OK")])
            default: return RESP.status("QUEUED")
            }
        }
        ports.mutate { $0 = [a.port, b.port] }
        let s = try Self.store(seeds: [a.port])
        defer { s.close() }
        try s.initialize(Fixture.dataSet(features: [Fixture.item("f", 1)]))
        // After the write, INFO replication: does the owner have a replica to wait for
        // (ReplicaWait)? This scripted node answers it as it answers anything: no WAIT.
        #expect(b.commands.map(\.name) == ["MULTI", "DEL", "HSET", "DEL", "SET", "EXEC", "INFO"])
        #expect(b.commands.allSatisfy { $0.name == "INFO" || $0.arguments.count < 2 || $0.arguments[1].hasPrefix("{ld}.fake:") })
        #expect(s.counters.movedRedirects == 1)
    }

    @Test("an owner that cannot be connected to: the map is asked again and the new owner serves")
    func deadOwner() throws {
        let owner = Box(RedisServer.unusedPort())
        let c = try Self.node(owner: { owner.value }) { _ in RESP.item("x", 2) }
        let b = try Self.node(owner: { owner.value }) { _ in RESP.error("MOVED \(Self.slot) 127.0.0.1:\(owner.value)") }
        let s = try Self.store(seeds: [b.port])
        defer { s.close() }
        do {
            _ = try s.get(kind: "features", key: "x")
            Issue.record("a dead owner served")
        } catch {
            #expect(error.isOutage, "\(error)")
        }
        owner.mutate { $0 = c.port }
        try waitUntil("the store finds the new owner", seconds: 10) {
            (try? s.get(kind: "features", key: "x"))??.header.version == 2
        }
        #expect(s.counters.slotMapRefreshes >= 2)
    }

    @Test("every batch sent through a routed session is counted as a round trip in the stats")
    func roundTripsCounted() throws {
        let port = Box(0)
        let a = try Self.node(owner: { port.value }) { _ in RESP.item("x", 1) }
        port.mutate { $0 = a.port }
        let s = try Self.store(seeds: [a.port])
        defer { s.close() }
        for _ in 0..<3 { _ = try s.get(kind: "features", key: "x") }
        // 3 HGETs, and the slot map asked once (CLUSTER SHARDS).
        #expect(a.commands.filter { $0.name == "HGET" }.count == 3)
        #expect(s.counters.roundTrips == 4, "\(s.counters.roundTrips)")
    }

    #if DEBUG
    @Test("debug builds refuse to send a key of another slot: an error, and nothing reaches the node")
    func slotCheck() throws {
        let port = Box(0)
        let a = try Self.node(owner: { port.value }) { _ in RESP.null }
        port.mutate { $0 = a.port }
        let s = try Self.store(seeds: [a.port])
        defer { s.close() }
        var command = CommandEncoder()
        command.command("HGET", "{ld}.fake:features", "x")
        command.command("HGET", "fake:features", "x")
        do {
            _ = try s.pipeline(command)
            Issue.record("a key of another slot was sent")
        } catch {
            guard case .internal(let message) = error else { Issue.record("\(error)"); return }
            #expect(message.contains("fake:features"), "\(message)")
            #expect(message.contains("slot \(Self.slot)"), "\(message)")
        }
        #expect(!a.commands.contains { $0.name == "HGET" })
        var unknown = CommandEncoder()
        unknown.command("RENAME", "{ld}.fake:a", "{ld}.fake:b")
        #expect(throws: StoreError.self) { _ = try s.pipeline(unknown) }
        var fine = CommandEncoder()
        fine.command("MULTI")
        fine.command("DEL", "{ld}.fake:features", "{ld}.fake:segments")
        fine.command("EVALSHA", "abc", "1", "{ld}.fake:features", "x", "1", "{}")
        fine.command("EXEC")
        #expect(SlotCheck.problem(fine, slot: Self.slot) == nil)
    }
    #endif
}
