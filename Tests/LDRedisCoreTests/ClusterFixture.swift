import Foundation
import Glibc
import Testing
@testable import LDRedisCore

/// A Redis Cluster of 3 masters and 3 replicas on free loopback ports (`cluster-enabled yes`,
/// no persistence, a 1 s node timeout so that a failover takes seconds), made with
/// `redis-cli --cluster create … --cluster-replicas 1 --cluster-yes`. Each node is a
/// `RedisServer`, stopped by pid.
final class ClusterFixture: @unchecked Sendable {
    /// The slot of every key of a cluster store (`{ld}`).
    static let ldSlot = 8805
    private(set) var nodes: [RedisServer] = []

    /// The cluster's TLS (`tls-cluster yes`: clients, the bus and replication over TLS), if any.
    private(set) var tls = false

    init(password: String? = nil, tls: Bool = false) throws {
        self.password = password
        self.tls = tls
        var arguments = ["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                         "--cluster-node-timeout", "1000", "--repl-diskless-sync-delay", "0",
                         "--cluster-replica-validity-factor", "0"]
        if let password { arguments += ["--requirepass", password, "--masterauth", password] }
        if tls {
            // The bus and replication are TLS connections between nodes, and the bus always asks
            // for a client certificate: the nodes present the test client's.
            let certs = try TLSCertificates.shared()
            arguments += ["--tls-cluster", "yes", "--tls-replication", "yes",
                          "--tls-client-cert-file", certs.client.cert, "--tls-client-key-file", certs.client.key]
        }
        for _ in 0..<6 {
            nodes.append(tls ? try TLSRedisServer.start(arguments: arguments) : try RedisServer(arguments: arguments))
        }
        var create = ["--cluster", "create"] + nodes.map { "127.0.0.1:\($0.port)" } + ["--cluster-replicas", "1", "--cluster-yes"]
        if let password { create = ["--no-auth-warning", "-a", password] + create }
        _ = try nodes[0].cli(create)
        try waitUntil("every node says cluster_state:ok and every replica is in sync") {
            nodes.allSatisfy { node in
                let info = (try? node.cli(auth(password) + ["CLUSTER", "INFO"])) ?? ""
                guard info.contains("cluster_state:ok") else { return false }
                let replication = (try? node.cli(auth(password) + ["INFO", "replication"])) ?? ""
                return replication.contains("role:master") || replication.contains("master_link_status:up")
            }
        }
    }

    private(set) var password: String?

    private func auth(_ password: String?) -> [String] {
        password.map { ["--no-auth-warning", "-a", $0] } ?? []
    }

    /// redis-cli on `node` (with the password, if any).
    @discardableResult
    func cli(_ node: RedisServer, _ args: String...) throws -> String {
        try node.cli(auth(password) + args)
    }

    /// redis-cli -c (follows redirections) starting at the first live node.
    @discardableResult
    func clusterCLI(_ args: String...) throws -> String {
        guard let node = liveNodes.first else { throw TestFailure("no live node") }
        return try node.cli(auth(password) + ["-c"] + args)
    }

    /// The nodes not killed.
    var liveNodes: [RedisServer] {
        nodes.filter { tls ? ((try? cli($0, "PING")) ?? "") == "PONG" : RedisServer.ping(port: $0.port) }
    }

    func address(_ node: RedisServer) -> String { "127.0.0.1:\(node.port)" }

    func id(_ node: RedisServer) throws -> String { try cli(node, "CLUSTER", "MYID") }

    /// `CLUSTER NODES` as the node sees it: per line id, address, flags, master id, …, slots.
    private func clusterNodes(_ asked: RedisServer) throws -> [[Substring]] {
        try cli(asked, "CLUSTER", "NODES").split(separator: "\n").map { $0.split(separator: " ") }
    }

    /// The node that serves `slot` as a master, as `asked` sees it.
    func owner(of slot: Int = ClusterFixture.ldSlot, askedNode: RedisServer? = nil) throws -> RedisServer {
        guard let asked = askedNode ?? liveNodes.first else { throw TestFailure("no live node") }
        for line in try clusterNodes(asked) where line.count >= 9 && line[2].contains("master") && !line[2].contains("fail") {
            for range in line[8...] where !range.hasPrefix("[") {
                let bounds = range.split(separator: "-").compactMap { Int($0) }
                guard let low = bounds.first, let high = bounds.last, (low...high).contains(slot) else { continue }
                let port = line[1].split(separator: "@")[0].split(separator: ":").last.flatMap { Int($0) }
                if let node = nodes.first(where: { $0.port == port }) { return node }
            }
        }
        throw TestFailure("no master serves slot \(slot)")
    }

    /// The replica of `master` (the master's view of the cluster may take a moment, on a loaded
    /// machine, to show it: asked again for up to 20 s).
    func replica(of master: RedisServer) throws -> RedisServer {
        let masterID = try id(master)
        for _ in 0..<400 {
            for line in try clusterNodes(master) where line.count >= 4 && line[3] == masterID {
                let port = line[1].split(separator: "@")[0].split(separator: ":").last.flatMap { Int($0) }
                if let node = nodes.first(where: { $0.port == port }) { return node }
            }
            usleep(50_000)
        }
        throw TestFailure("\(master.port) has no replica")
    }

    /// The masters other than `node`.
    func otherMasters(than node: RedisServer) throws -> [RedisServer] {
        liveNodes.filter { n in n !== node && ((try? cli(n, "ROLE")) ?? "").hasPrefix("master") }
    }

    /// A cluster store's configuration with these seeds (every node by default).
    func configuration(prefix: String, seeds: [String]? = nil, cacheTTL: Int64 = 0) throws -> StoreConfiguration {
        var c = StoreConfiguration()
        for s in seeds ?? nodes.map(address) { try c.addClusterNode(s) }
        try secure(&c, node: nodes[0], cluster: true)
        c.setPrefix(prefix)
        c.cacheTTLMilliseconds = cacheTTL
        try c.setOperationTimeout(milliseconds: 2_000)
        try c.setConnectTimeout(milliseconds: 1_000)
        return c
    }

    /// Adds this cluster's password (a URL naming `node`) and TLS trust to `c`.
    private func secure(_ c: inout StoreConfiguration, node: RedisServer, cluster: Bool) throws {
        if let password {
            try c.setURL("\(tls ? "rediss" : "redis")\(cluster ? "-cluster" : "")://:\(password)@\(address(node))")
        }
        if tls {
            c.tlsOverride = true
            c.tlsCAFile = try TLSCertificates.shared().caFile
        }
    }

    /// Moves `slot` from its owner to `target` as `redis-cli --cluster reshard` does, one key
    /// at a time: `SETSLOT IMPORTING` on the target, `MIGRATING` on the source, `pause`, a
    /// `MIGRATE` of each key with `keyPause` after it, `pause`, then `SETSLOT … NODE` on every
    /// master. While the keys move, a transaction over keys on both sides gets TRYAGAIN, and
    /// a store retries it only so long (its redirection budget): the keys move through one
    /// connection, not a redis-cli process per step, whose start took most of a second on a
    /// loaded machine.
    func migrate(slot: Int = ClusterFixture.ldSlot, to target: RedisServer,
                 pauseMicroseconds pause: UInt32, keyPauseMicroseconds keyPause: UInt32) throws {
        let source = try owner(of: slot)
        let sourceID = try id(source), targetID = try id(target)
        try expectOK(cli(target, "CLUSTER", "SETSLOT", String(slot), "IMPORTING", sourceID))
        try expectOK(cli(source, "CLUSTER", "SETSLOT", String(slot), "MIGRATING", targetID))
        usleep(pause)
        var c = source.configuration(prefix: "migrate")
        try secure(&c, node: source, cluster: false)
        let connection = ConnectionPool(config: c)
        defer { connection.close() }
        while true {
            let found = try FakeRedisClientTests.send(connection, [["CLUSTER", "GETKEYSINSLOT", String(slot), "1"]])
            guard case .array(let keys)? = found.first else { throw TestFailure("CLUSTER GETKEYSINSLOT: \(found)") }
            guard case .bulk(let bytes)? = keys.first else { break }
            let key = String(decoding: bytes, as: UTF8.self)
            var migrate = ["MIGRATE", "127.0.0.1", String(target.port), key, "0", "5000"]
            if let password { migrate += ["AUTH", password] }
            let answer = try FakeRedisClientTests.send(connection, [migrate])
            guard case .status(let status)? = answer.first, status == "OK" || status == "NOKEY" else {
                throw TestFailure("MIGRATE \(key): \(answer)")
            }
            usleep(keyPause)
        }
        usleep(pause)
        // The target first, then the source, then the other masters (as redis-cli does).
        try expectOK(cli(target, "CLUSTER", "SETSLOT", String(slot), "NODE", targetID))
        try expectOK(cli(source, "CLUSTER", "SETSLOT", String(slot), "NODE", targetID))
        for other in try otherMasters(than: target) where other !== source {
            try expectOK(cli(other, "CLUSTER", "SETSLOT", String(slot), "NODE", targetID))
        }
    }

    private func expectOK(_ answer: String) throws {
        guard answer == "OK" else { throw TestFailure("expected OK, got \(answer)") }
    }

    /// Waits until `node` is a master and every live node says cluster_state:ok.
    func waitForMaster(_ node: RedisServer) throws {
        try waitUntil("\(node.port) is a master and the cluster is ok") {
            ((try? cli(node, "ROLE")) ?? "").hasPrefix("master")
                && liveNodes.allSatisfy { ((try? cli($0, "CLUSTER", "INFO")) ?? "").contains("cluster_state:ok") }
        }
    }

    /// Every live node's INFO errorstats, concatenated.
    func errorStats() throws -> String {
        try liveNodes.map { try cli($0, "INFO", "errorstats") }.joined(separator: "\n")
    }
}
