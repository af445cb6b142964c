import Foundation
import Glibc
import Testing
@testable import LDRedisCore

/// A throwaway redis-server on a free loopback port, started by a test and stopped by pid.
final class RedisServer: @unchecked Sendable {
    private(set) var port: Int
    private let directory: String
    private(set) var process: pid_t?
    private let extraArguments: [String]
    /// TLS only (see TLSFixtures.swift): `--port 0 --tls-port port`, and redis-cli over TLS.
    let tls: TLSServerSettings?

    /// Starts a server. `arguments` are extra redis-server options ("--requirepass", "pw");
    /// `firstPort` is tried before the random ones (a test of a port already taken).
    init(arguments: [String] = [], tls: TLSServerSettings? = nil, firstPort: Int? = nil) throws {
        extraArguments = arguments
        self.tls = tls
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("ldredis-test-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var lastError: Error?
        for attempt in 0..<20 {
            let candidate = attempt == 0 ? firstPort ?? Int.random(in: 20_000..<60_000) : Int.random(in: 20_000..<60_000)
            do {
                port = candidate
                process = try launch()
                return
            } catch {
                lastError = error
            }
        }
        throw lastError ?? TestFailure("could not start redis-server")
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    var url: String { "\(tls == nil ? "redis" : "rediss")://127.0.0.1:\(port)/0" }

    func configuration(prefix: String, mode: UpsertMode = .auto) -> StoreConfiguration {
        var c = StoreConfiguration()
        try? c.setURL(url)
        c.setPrefix(prefix)
        c.upsertMode = mode
        try? c.setOperationTimeout(milliseconds: 2_000)
        try? c.setConnectTimeout(milliseconds: 2_000)
        return c
    }

    func store(prefix: String, mode: UpsertMode = .auto) -> RedisFeatureStore {
        let c = configuration(prefix: prefix, mode: mode)
        let counters = StoreCounters()
        return RedisFeatureStore(configuration: c, client: ConnectionPool(config: c, counters: counters), counters: counters)
    }

    private func launch() throws -> pid_t {
        let log = directory + "/redis-\(port).log"
        let listen = tls?.serverArguments(port: port) ?? ["--port", String(port)]
        let pid = try Subprocess.spawn(try RedisServer.which("redis-server"),
            listen + ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", directory, "--logfile", log] + extraArguments)
        for _ in 0..<300 {
            if !Subprocess.isRunning(pid) { throw TestFailure("redis-server exited (port \(port) taken?)") }
            if RedisServer.logSays(log, pid: pid, "Ready to accept connections"),
               tls == nil ? RedisServer.ping(port: port) : tlsPing() { return pid }
            usleep(10_000)
        }
        Subprocess.stop(pid)
        throw TestFailure("redis-server did not answer on port \(port)")
    }

    /// Stops the server (SIGTERM, then SIGKILL) and reaps it.
    func stop() {
        guard let pid = process else { return }
        process = nil
        Subprocess.stop(pid)
    }

    /// Restarts an empty server on the same port.
    func restart() throws {
        stop()
        var lastError: Error?
        for _ in 0..<50 {
            do {
                process = try launch()
                return
            } catch {
                lastError = error
                usleep(100_000)
            }
        }
        throw lastError ?? TestFailure("could not restart redis-server")
    }

    /// Kills the server with SIGKILL (no shutdown of its own) and reaps it.
    func kill9() {
        guard let pid = process else { return }
        process = nil
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }

    /// Freezes the server (SIGSTOP): it accepts connections but never answers.
    func pause() { if let pid = process { kill(pid, SIGSTOP) } }
    func resume() { if let pid = process { kill(pid, SIGCONT) } }

    /// Runs redis-cli against this server and returns its output (--raw, trailing newline cut).
    @discardableResult
    func cli(_ args: String...) throws -> String {
        try cli(args)
    }

    @discardableResult
    func cli(_ args: [String]) throws -> String {
        var text = try Subprocess.output(try RedisServer.which("redis-cli"),
                                         ["-h", "127.0.0.1", "-p", String(port), "--raw"] + (tls?.cliArguments ?? []) + args)
        if text.hasSuffix("\n") { text.removeLast() }
        return text
    }

    /// Calls of one command so far, from INFO commandstats (e.g. "hget").
    func calls(_ command: String) throws -> Int {
        let info = try cli("INFO", "commandstats")
        for line in info.split(whereSeparator: \.isNewline) where line.hasPrefix("cmdstat_\(command):") {
            if let r = line.range(of: "calls="), let end = line[r.upperBound...].firstIndex(of: ",") {
                return Int(line[r.upperBound..<end]) ?? 0
            }
        }
        return 0
    }

    /// PING over TLS with redis-cli (a server with requirepass answers NOAUTH: up all the same).
    private func tlsPing() -> Bool {
        let answer = (try? cli("PING")) ?? ""
        return answer.hasPrefix("PONG") || answer.hasPrefix("NOAUTH")
    }

    /// Whether process `pid` wrote `marker` in its log at `path` (Redis starts each line with
    /// "pid:role"). A PING alone is not proof that a new server is up: when its random port was
    /// taken, the process that owns the port answers, and ours exits a moment later.
    static func logSays(_ path: String, pid: pid_t, _ marker: String) -> Bool {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return false }
        return text.split(separator: "\n").contains { $0.hasPrefix("\(pid):") && $0.contains(marker) }
    }

    static func ping(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let ok = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        guard ok else { return false }
        let ping = Array("PING\r\n".utf8)
        guard send(fd, ping, ping.count, Int32(MSG_NOSIGNAL)) == ping.count else { return false }
        var tv = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var buffer = [UInt8](repeating: 0, count: 16)
        let n = recv(fd, &buffer, buffer.count, 0)
        // A server with requirepass answers -NOAUTH: it is up all the same.
        let answer = n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self) : ""
        return answer.hasPrefix("+PONG") || answer.hasPrefix("-NOAUTH")
    }

    static func which(_ name: String) throws -> String {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
            let path = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        throw TestFailure("\(name) not found on PATH")
    }

    /// A free loopback port with nothing listening (bound then released).
    static func unusedPort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa -> Int32 in
                bind(fd, sa, len)
                return getsockname(fd, sa, &len)
            }
        }
        return Int(UInt16(bigEndian: addr.sin_port))
    }
}

/// Expects `body` to fail with `StoreError.invalidArgument` whose message mentions `word`, and
/// returns the message (nil, with an issue recorded, otherwise).
@discardableResult
func expectInvalidArgument(_ what: String, mentioning word: String,
                           _ body: () throws -> Void) -> String? {
    do {
        try body()
        Issue.record("accepted \(what)")
    } catch {
        guard case StoreError.invalidArgument(let message)? = error as? StoreError else {
            Issue.record("wrong error for \(what): \(error)")
            return nil
        }
        #expect(message.contains(word), "\(message)")
        return message
    }
    return nil
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Test data helpers.
enum Fixture {
    static func item(_ key: String, _ version: Int64, extra: String = "") -> StoredItem {
        let json = "{\"key\":\"\(key)\",\"version\":\(version)\(extra.isEmpty ? "" : "," + extra)}"
        return StoredItem(header: ItemHeader(version: version, deleted: false), json: Array(json.utf8))
    }

    static func dataSet(features: [StoredItem] = [], segments: [StoredItem] = []) -> FullDataSet {
        func keyed(_ items: [StoredItem]) -> [(key: String, item: StoredItem)] {
            items.map { item in
                let text = String(decoding: item.json, as: UTF8.self)
                let key = text.split(separator: "\"")[3]
                return (String(key), item)
            }
        }
        return FullDataSet(kinds: [
            .init(name: "features", items: keyed(features)),
            .init(name: "segments", items: keyed(segments)),
        ])
    }

    static func uniquePrefix(_ name: String = "t") -> String {
        "\(name)-\(UUID().uuidString.prefix(8))"
    }
}

extension StoredItem {
    var text: String { String(decoding: json, as: UTF8.self) }
}

/// Another writer racing a store, from inside one of its operations (a before-write hook):
/// commands go through a connection opened up front, in one round trip. A redis-cli process
/// per write (`RedisServer.cli`) once took longer than the store's 2 s operation timeout on a
/// loaded machine, inside the upsert being tested.
final class RacingWriter: Sendable {
    private let client: RedisClient

    init(_ server: RedisServer) throws {
        let c = server.configuration(prefix: "racing")
        client = ConnectionPool(config: c, counters: StoreCounters())
        try run([["PING"]])
    }

    /// Sends the commands in one pipeline; fails on an error reply.
    func run(_ commands: [[String]]) throws {
        let replies = try FakeRedisClientTests.send(client, commands)
        if let message = replies.lazy.compactMap(\.errorMessage).first { throw TestFailure(message) }
    }
}
