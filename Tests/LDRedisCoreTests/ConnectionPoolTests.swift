import Testing
@testable import LDRedisCore

@Suite("ConnectionPool: drain and reopen")
struct ConnectionPoolTests {
    func ping(_ pool: ConnectionPool) throws -> RedisReply? {
        try pool.withSession { (session, deadline) throws(StoreError) in
            var command = CommandEncoder()
            command.command("PING")
            return try session.pipeline(command, deadline: deadline).first
        }
    }

    @Test("drain closes idle connections at once and busy ones when returned; the pool keeps serving")
    func drainAndReopen() throws {
        let server = try RedisServer()
        let pool = ConnectionPool(config: server.configuration(prefix: "p"))
        #expect(try ping(pool) == .status("PONG"))
        #expect(pool.openConnections == 1)
        pool.drain()
        #expect(pool.openConnections == 0, "the idle connection was closed")
        #expect(try ping(pool) == .status("PONG"), "a new connection is opened")
        try pool.withSession { (session, deadline) throws(StoreError) in
            pool.drain()                        // while this connection is busy
            var command = CommandEncoder()
            command.command("PING")
            #expect(try session.pipeline(command, deadline: deadline).first == .status("PONG"), "a busy connection finishes its operation")
        }
        #expect(pool.openConnections == 0, "and is closed when it comes back")
        #expect(try ping(pool) == .status("PONG"))
        #expect(pool.openConnections == 1)
        pool.close()
    }
}
