import Foundation
import Glibc
import Testing
@testable import LDRedisCore

/// One master, one replica and three sentinels (quorum 2) on free loopback ports, with a small
/// down-after and failover timeout so that a failover takes seconds. Started by the test,
/// stopped by pid.
final class SentinelFixture: @unchecked Sendable {
    static let masterName = "ldmaster"
    let master: RedisServer
    let replica: RedisServer
    private(set) var sentinelPorts: [Int] = []
    private var sentinelPIDs: [pid_t] = []
    private let directory: String
    let sentinelPassword: String?
    /// TLS only, everywhere: master, replica (replicating over TLS) and sentinels.
    let tls: TLSCertificates?

    init(sentinelPassword: String? = nil, sentinels count: Int = 3, tls: Bool = false) throws {
        self.sentinelPassword = sentinelPassword
        self.tls = tls ? try TLSCertificates.shared() : nil
        // No 5 s wait before a full sync (Redis 7's diskless default): a replica is in sync
        // at once, and so is a demoted master after a failover.
        var quick = ["--repl-diskless-sync-delay", "0"]
        func server(_ arguments: [String]) throws -> RedisServer {
            tls ? try TLSRedisServer.start(arguments: arguments) : try RedisServer(arguments: arguments)
        }
        if tls { quick += ["--tls-replication", "yes"] }
        master = try server(quick)
        replica = try server(quick + ["--replicaof", "127.0.0.1", String(master.port)])
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("ldredis-sentinel-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        // In sync on both sides: the replica's link is up and the master counts it online (it
        // acknowledges writes from then on: the store's writes wait for that, `ReplicaWait`).
        try waitUntil("the replica is in sync") {
            ((try? replica.cli("INFO", "replication")) ?? "").contains("master_link_status:up")
                && ((try? master.cli("INFO", "replication")) ?? "").contains("state=online")
        }
        for _ in 0..<count { try startSentinel() }
        try waitUntil("the sentinels know the replica and each other") {
            sentinelPorts.allSatisfy { port in
                let replicas = (try? sentinelCLI(port, "SENTINEL", "REPLICAS", SentinelFixture.masterName)) ?? ""
                let others = (try? sentinelCLI(port, "SENTINEL", "SENTINELS", SentinelFixture.masterName)) ?? ""
                return replicas.contains(String(replica.port)) && (count < 2 || others.split(separator: "\n").count >= 2)
            }
        }
    }

    deinit {
        for pid in sentinelPIDs { Subprocess.stop(pid) }
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func startSentinel() throws {
        for _ in 0..<20 {
            let port = Int.random(in: 20_000..<60_000)
            if sentinelPorts.contains(port) { continue }   // its log file is that sentinel's
            var conf = """
            \(tls == nil ? "port \(port)" : "port 0\ntls-port \(port)")
            bind 127.0.0.1
            daemonize no
            dir \(directory)
            logfile \(directory)/sentinel-\(port).log
            sentinel monitor \(SentinelFixture.masterName) 127.0.0.1 \(master.port) 2
            sentinel down-after-milliseconds \(SentinelFixture.masterName) 1000
            sentinel failover-timeout \(SentinelFixture.masterName) 5000
            sentinel parallel-syncs \(SentinelFixture.masterName) 1

            """
            if let tls {
                conf += "tls-cert-file \(tls.server.cert)\ntls-key-file \(tls.server.key)\n"
                    + "tls-ca-cert-file \(tls.caFile)\ntls-replication yes\ntls-auth-clients no\n"
            }
            if let sentinelPassword { conf += "requirepass \(sentinelPassword)\nsentinel sentinel-pass \(sentinelPassword)\n" }
            let path = "\(directory)/sentinel-\(port).conf"
            try conf.write(toFile: path, atomically: true, encoding: .utf8)
            let pid = try Subprocess.spawn(try RedisServer.which("redis-server"), [path, "--sentinel"])
            var up = false
            for _ in 0..<300 {
                if !Subprocess.isRunning(pid) { break }
                // "Sentinel ID is" follows the listen; only then does a PING prove it is ours.
                if RedisServer.logSays("\(directory)/sentinel-\(port).log", pid: pid, "Sentinel ID is"),
                   tls == nil ? RedisServer.ping(port: port)
                    : ((try? sentinelCLI(port, "PING")) ?? "").hasPrefix("PONG") { up = true; break }
                usleep(10_000)
            }
            if up {
                sentinelPIDs.append(pid)
                sentinelPorts.append(port)
                return
            }
            Subprocess.stop(pid)
        }
        throw TestFailure("could not start redis-sentinel")
    }

    /// Stops one sentinel (by pid); the others keep watching.
    func stopSentinel(port: Int) {
        guard let k = sentinelPorts.firstIndex(of: port) else { return }
        Subprocess.stop(sentinelPIDs[k])
        sentinelPIDs.remove(at: k)
        sentinelPorts.remove(at: k)
    }

    /// The sentinel a client subscribes on (Sentinel has no PUBSUB: its client list shows the
    /// subscriber), if any.
    func subscribedSentinel() -> Int? {
        sentinelPorts.first { ((try? sentinelCLI($0, "CLIENT", "LIST")) ?? "").contains("cmd=subscribe") }
    }

    /// `host:port` of each sentinel.
    var sentinelAddresses: [String] { sentinelPorts.map { "127.0.0.1:\($0)" } }

    /// A configuration that finds the master through the sentinels (in the order given).
    func configuration(prefix: String, sentinels: [String]? = nil, cacheTTL: Int64 = 0) throws -> StoreConfiguration {
        var c = StoreConfiguration()
        for s in sentinels ?? sentinelAddresses { try c.addSentinel(s) }
        try c.setSentinelMaster(SentinelFixture.masterName)
        c.setSentinelAuth(username: nil, password: sentinelPassword)
        if let tls {
            c.tlsOverride = true
            c.tlsCAFile = tls.caFile
        }
        c.setPrefix(prefix)
        c.cacheTTLMilliseconds = cacheTTL
        try c.setOperationTimeout(milliseconds: 2_000)
        try c.setConnectTimeout(milliseconds: 1_000)
        return c
    }

    @discardableResult
    func sentinelCLI(_ port: Int, _ args: String...) throws -> String {
        var auth: [String] = []
        if let sentinelPassword { auth = ["--no-auth-warning", "-a", sentinelPassword] }
        if let tls { auth += ["--tls", "--cacert", tls.caFile] }
        var text = try Subprocess.output(try RedisServer.which("redis-cli"),
                                         ["-h", "127.0.0.1", "-p", String(port), "--raw"] + auth + args)
        if text.hasSuffix("\n") { text.removeLast() }
        return text
    }

    /// The master's port as the first sentinel sees it.
    func masterPortNow() -> Int? {
        guard let port = sentinelPorts.first,
              let text = try? sentinelCLI(port, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", SentinelFixture.masterName) else { return nil }
        let lines = text.split(separator: "\n")
        return lines.count == 2 ? Int(lines[1]) : nil
    }

    /// Asks the first sentinel for a failover and waits until every sentinel names the replica
    /// as the master and the replica says it is one.
    func failover() throws {
        let before = master.port == masterPortNow() ? master : replica
        let after = before === master ? replica : master
        try waitUntil("SENTINEL FAILOVER accepted") {
            ((try? sentinelCLI(sentinelPorts[0], "SENTINEL", "FAILOVER", SentinelFixture.masterName)) ?? "").hasPrefix("OK")
        }
        try waitForMaster(after)
    }

    func waitForMaster(_ server: RedisServer) throws {
        try waitUntil("the sentinels name port \(server.port) as the master") {
            sentinelPorts.allSatisfy { port in
                let text = (try? sentinelCLI(port, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", SentinelFixture.masterName)) ?? ""
                return text.hasSuffix("\n\(server.port)")
            } && ((try? server.cli("ROLE")) ?? "").hasPrefix("master")
        }
    }

    /// The shared `waitUntil` (StoreTestSupport.swift).
    func waitUntil(_ what: String, seconds: Double = 60, _ condition: () -> Bool) throws {
        try LDRedisCoreTests.waitUntil(what, seconds: seconds, condition)
    }
}
