import Foundation
import Testing
@testable import LDRedisCore

/// The upsert script: when the automatic mode gives up on scripting (issue 16 item 8), and the
/// script's version check against the original full-decode script (issue 9).
@Suite("UpsertScript")
struct UpsertScriptTests {
    // MARK: Refusal (issue 16 item 8)

    @Test("only a refusal of EVALSHA/SCRIPT itself switches to WATCH: NOPERM or unknown command")
    func refusalMessages() {
        let refusals = [
            "NOPERM this user has no permissions to run the 'evalsha' command",              // Redis 6/7 ACL
            "NOPERM User noscript has no permissions to run the 'evalsha' command",          // Redis 7.2 ACL
            "NOPERM this user has no permissions to run the 'script|load' command",
            "NOPERM this user has no permissions to run the 'script' command or its subcommand",
            "ERR unknown command 'EVALSHA', with args beginning with: 'abc' '1' 'k' ",     // 7: renamed away
            "ERR unknown command `EVALSHA`, with args beginning with: `abc`, `1`, ",        // 6
            "ERR unknown command 'SCRIPT', with args beginning with: 'LOAD' ",
            "ERR unknown command 'evalsha'",                                                   // older servers
        ]
        for message in refusals {
            #expect(UpsertScript.isRefusal(message), "\(message)")
            #expect(UpsertScript.isRefusal("Redis error reply to EVALSHA: " + message), "\(message)")
        }
        let notRefusals = [
            "OOM command not allowed when used memory > 'maxmemory'. script: dfc527d7, on @user_script:11.",
            "OOM command not allowed when used memory > 'maxmemory'.",
            "NOPERM this user has no permissions to access one of the keys used as arguments",
            "ERR unknown command 'AUTH', with args beginning with: 'user' 'pw' ",
            "ERR unknown command 'HSET', with args beginning with: 'evalsha' ",
            "READONLY You can't write against a read only replica.",
            "ERR This Redis command is not allowed from script script: 1234, on @user_script:1.",
            "WRONGTYPE Operation against a key holding the wrong kind of value script: dfc527d7",
            "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSCRIPT.",
            "LOADING Redis is loading the dataset in memory",
            "ERR Error running script (call to f_x): @user_script:5: user_script:5: command not allowed",
        ]
        for message in notRefusals {
            #expect(!UpsertScript.isRefusal(message), "\(message)")
            #expect(!UpsertScript.isRefusal("Redis error reply to EVALSHA: " + message), "\(message)")
        }
    }

    @Test("automatic mode falls back to WATCH when EVALSHA is renamed away (unknown command)")
    func renamedEvalSHA() throws {
        let server = try RedisServer(arguments: ["--rename-command", "EVALSHA", ""])
        let store = server.store(prefix: Fixture.uniquePrefix(), mode: .auto)
        #expect(try store.upsert(kind: "features", key: "f", item: Fixture.item("f", 1)) == .applied)
        #expect(try store.upsert(kind: "features", key: "f", item: Fixture.item("f", 1)) != .applied)
        #expect(try server.calls("exec") == 1)
    }

    @Test("an OOM upsert fails saying OOM; once memory is freed the next upsert is one EVALSHA round trip")
    func outOfMemoryKeepsScriptMode() throws {
        let server = try RedisServer(arguments: ["--maxmemory", "2mb", "--maxmemory-policy", "noeviction"])
        let store = server.store(prefix: Fixture.uniquePrefix(), mode: .auto)
        #expect(try store.upsert(kind: "features", key: "f", item: Fixture.item("f", 1)) == .applied)
        // Fill Redis past maxmemory from one script (a script checks OOM only when it starts).
        // 2 MB, not 1: an empty redis-server already uses about 0.9 MB.
        try server.cli("EVAL", "for i = 1, 3000 do redis.call('RPUSH', KEYS[1], string.rep('x', 1000)) end", "1", "fill")
        #expect(try server.cli("SET", "probe", "x").hasPrefix("OOM"), "the server is out of memory")

        do {
            _ = try store.upsert(kind: "features", key: "f", item: Fixture.item("f", 2, extra: "\"pad\":\"\(String(repeating: "p", count: 2000))\""))
            Issue.record("the upsert succeeded although Redis is out of memory")
        } catch {
            let message = "\(error)"
            #expect(message.contains("OOM"), "\(message)")
            #expect(!message.contains("EXECABORT"), "\(message)")
        }
        #expect(try server.calls("watch") == 0)
        #expect(try server.calls("multi") == 0)

        try server.cli("DEL", "fill")
        let before = store.counters.roundTrips
        #expect(try store.upsert(kind: "features", key: "f", item: Fixture.item("f", 3)) == .applied)
        #expect(store.counters.roundTrips - before == 1, "one round trip: still the script")
        #expect(try server.calls("watch") == 0)
        #expect(try server.calls("multi") == 0)
        #expect(try store.get(kind: "features", key: "f")?.version == 3)
    }
}
