import Foundation
import Testing

/// The test fixtures' own guarantees: a server a test starts is the one it talks to.
@Suite("Test fixtures: a started redis-server is ours")
struct RedisServerFixtureTests {
    @Test("a random port already taken by another server is skipped, not mistaken for ours (the other server answers its PING)")
    func takenPortIsSkipped() throws {
        let other = try RedisServer()
        let server = try RedisServer(firstPort: other.port)
        #expect(server.port != other.port)
        let info = try server.cli("INFO", "server")
        let pid = info.split(whereSeparator: \.isNewline).first { $0.hasPrefix("process_id:") }
        #expect(pid == "process_id:\(server.process ?? 0)", "\(info.prefix(400))")
    }
}
