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

    // MARK: The version check against the original script (issue 9)

    /// The script as it was before issue 9: decodes the whole stored value.
    static let originalSource = """
        local stored = redis.call('HGET', KEYS[1], ARGV[1])
        if stored then
          local ok, item = pcall(cjson.decode, stored)
          if ok and type(item) == 'table' and type(item.version) == 'number'
              and item.version >= tonumber(ARGV[2]) then
            return {0, stored}
          end
        end
        redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
        return {1}
        """

    static let wants: [Int64] = [0, 1, 4, 5, 6, 268, 1000, 9_007_199_254_740_991]

    /// Numbers as they may be written for "version", by anyone (cjson reads some that JSON
    /// does not have: hex, inf, nan, leading zeros).
    static let numbers = ["0", "1", "5", "6", "4", "-0", "-5", "1.5", "4.999", "5.0", "5.5", "1e3", "1E3", "1e-3",
                          "5e0", "268", "9007199254740991", "9007199254740993", "1e400", "-1e400",
                          "123456789012345678901234567890", "0x10", "0X5", "007", "05", "Infinity", "-Infinity",
                          "inf", "-inf", "nan", "NaN", "1.", "-", "+1", ".5", "5e", "5 ", "\"5\"", "null",
                          "true", "false", "[5]", "{\"version\":5}", "5e+2", "0.0000001e10"]

    static let handWritten: [String] = [
        // SPEC section 2: the three tombstone shapes.
        #"{"key":"f","version":5,"deleted":true}"#,
        #"{"version":5,"deleted":true}"#,
        #"{"key":"$deleted","version":5,"deleted":true,"on":false,"rules":[]}"#,
        // Go / Python / Java-style serializations (order, spacing).
        #"{"key":"f","version":5,"on":true,"prerequisites":[],"salt":"s","rules":[{"id":"r","clauses":[{"attribute":"version","op":"in","values":["1.0"]}]}]}"#,
        #"{"key": "f", "version": 5, "on": true, "variations": [true, false]}"#,
        "{\n  \"key\" : \"f\",\n  \"version\" : 5,\n  \"deleted\" : false\n}",
        "{\"key\":\"f\",\t\"version\"\t:\r\n5\r\n}",
        #"{"on":true,"salt":"x","version":5,"key":"f"}"#,
        // Nested "version" members only: the top level has none.
        #"{"key":"f","rules":[{"version":99}]}"#,
        #"{"key":"f","meta":{"version":99},"variations":[{"version":7}]}"#,
        #"{"key":"f","meta":{"version":3}}"#,
        #"{"key":"f","meta":{"version":"99"}}"#,
        // Nested and top level, in both orders.
        #"{"rules":[{"version":99}],"version":5}"#,
        #"{"version":5,"rules":[{"version":99}]}"#,
        #"{"version":99,"rules":[{"version":1}]}"#,
        // "version" inside strings.
        #"{"key":"version","version":5}"#,
        #"{"description":"\"version\":99","version":5}"#,
        #"{"description":"\"version\":99"}"#,
        #"{"description":"version: 99","version":1}"#,
        #"{"a":"x","b":"version","c":["version"],"version":2}"#,
        #"{"version":"5"}"#, #"{"version":null}"#, #"{"version":true}"#, #"{"version":[5]}"#,
        #"{"version":{"version":5}}"#,
        // Escaped member names.
        #"{"vers\u0069on":5}"#, #"{"version":1,"vers\u0069on":9}"#, #"{"vers\u0069on":9,"version":1}"#,
        // Duplicates: cjson keeps the last.
        #"{"version":99,"version":1}"#, #"{"version":1,"version":99}"#, #"{"version":99,"version":"x"}"#,
        #"{"version":5,"key":"f","version":5}"#,
        // Not objects.
        #"[{"version":99}]"#, #"["version",99]"#, #""version""#, "99", "true", "null", "", " ", #"{}"#, "[]",
        // Invalid JSON.
        #"{"version":99"#, #"{"version":99,}"#, #"{"version":99}x"#, #"{"version":99}}"#, #"{version:99}"#,
        #"{'version':99}"#, #"{"version":99 "a":1}"#, #"{"version" 99}"#, #"{"version":99,"a":}"#,
        #"{"a":1,"version":99,"b":[1,2}"#, #"{"version":99,"s":"unterminated}"#, #"{"version":99,"e":"\x"}"#,
        #"{"version":99,"e":"\ud800"}"#, #"{"version":99,"e":"\u12"}"#, #" {"version":99} "#,
        "{\"version\":99}\u{0B}", "\u{0C}{\"version\":99}", #"{"version":99}"# + String(repeating: " ", count: 3),
        String(repeating: "[", count: 1001) + String(repeating: "]", count: 1001),
        "{\"version\":99,\"deep\":" + String(repeating: "[", count: 1000) + String(repeating: "]", count: 1000) + "}",
        "{\"version\":1,\"deep\":" + String(repeating: "{\"version\":99,\"x\":", count: 5) + "0" + String(repeating: "}", count: 5) + "}",
    ]

    /// Values with NUL bytes: cjson reads up to the first NUL.
    static let withNUL: [[UInt8]] = [
        Array(#"{"version":99}"#.utf8) + [0] + Array("garbage".utf8),
        Array(#"{"version":1}"#.utf8) + [0] + Array(#"{"version":99}"#.utf8),
        Array(#"{"a":1}"#.utf8) + [0] + Array(#","version":99}"#.utf8),
        Array(#"{"version":99,"s":"a"#.utf8) + [0] + Array(#"b"}"#.utf8),
        [0] + Array(#"{"version":99}"#.utf8),
    ]

    /// A generated stored value: a flag-like object, members in any order and spacing,
    /// "version" at the top, nested, in strings, repeated or absent.
    static func generated(_ g: inout JSONScannerTests.Generator) -> String {
        let space = [" ", "", "\n  ", "\t", "\r\n"][g.below(5)]
        func number() -> String { numbers[g.below(numbers.count)] }
        var members: [String] = []
        members.append(#""key":"flag-\#(g.below(1000))""#)
        if g.below(8) != 0 { members.append(#""version"\#(space):\#(space)\#(number())"#) }
        if g.below(3) == 0 { members.append(#""rules":[{"id":"r","version":\#(number()),"clauses":[{"attribute":"version","values":[1,2.5,"version"]}]}]"#) }
        if g.below(3) == 0 { members.append(#""variations":[{"value":{"version":\#(number())}},true,null]"#) }
        if g.below(3) == 0 { members.append(#""description":"set \"version\":\#(g.below(100)) here""#) }
        if g.below(3) == 0 { members.append(#""note":"version\#(space): \#(g.below(100))""#) }
        if g.below(4) == 0 { members.append(#""on":true,"salt":"abc","offVariation":0,"deleted":false"#) }
        if g.below(10) == 0 { members.append(#""version":\#(number())"#) }
        if g.below(12) == 0 { members.append(#""vers\u0069on":\#(number())"#) }
        for k in stride(from: members.count - 1, to: 0, by: -1) { members.swapAt(k, g.below(k + 1)) }
        return "{" + space + members.joined(separator: "," + space) + space + "}"
    }

    /// A copy with one random change: cut short, a byte replaced or removed, a NUL inserted.
    static func mutated(_ text: String, _ g: inout JSONScannerTests.Generator) -> [UInt8] {
        var bytes = Array(text.utf8)
        guard !bytes.isEmpty else { return bytes }
        let at = g.below(bytes.count)
        let pool = Array(#"{}[]:,"\ 0159-+.eExtn"#.utf8) + [0]
        switch g.below(4) {
        case 0: bytes.removeSubrange(at...)
        case 1: bytes[at] = pool[g.below(pool.count)]
        case 2: bytes.remove(at: at)
        default: bytes.insert(pool[g.below(pool.count)], at: at)
        }
        return bytes
    }

    static func show(_ reply: RedisReply) -> String {
        switch reply {
        case .bulk(let bytes): return String(decoding: bytes, as: UTF8.self).debugDescription
        case .array(let parts): return "[" + parts.map(show).joined(separator: ", ") + "]"
        default: return "\(reply)"
        }
    }

    @Test("the fast version check decides exactly as the original full decode, on thousands of stored values")
    func differential() throws {
        let server = try RedisServer()
        let store = server.store(prefix: Fixture.uniquePrefix())
        let original = try server.cli("SCRIPT", "LOAD", Self.originalSource)
        let current = try server.cli("SCRIPT", "LOAD", UpsertScript.source)
        #expect(current == UpsertScript.sha1)

        var values: [([UInt8], [Int64])] = []
        for text in Self.handWritten { values.append((Array(text.utf8), Self.wants)) }
        for bytes in Self.withNUL { values.append((bytes, Self.wants)) }
        for number in Self.numbers {
            for text in [#"{"version":\#(number)}"#, #"{"key":"f","version":\#(number),"on":true}"#,
                         #"{"version":\#(number),"rules":[{"version":1}]}"#, #"{"version":\#(number)"#] {
                values.append((Array(text.utf8), Self.wants))
            }
        }
        var g = JSONScannerTests.Generator(state: 0x1D_2E_3F)
        for _ in 0..<1_500 {
            let text = Self.generated(&g)
            let wants = (0..<3).map { _ in Self.wants[g.below(Self.wants.count)] }
            values.append((Array(text.utf8), wants))
            values.append((Self.mutated(text, &g), wants))
        }

        let hash = store.key(for: "features")
        let written = Array(#"{"key":"f","version":1,"written":true}"#.utf8)
        var cases = 0, applied = 0, differences: [String] = []
        var batch = CommandEncoder(reserving: 1 << 20)
        var pending: [([UInt8], Int64)] = []
        func run() throws {
            let replies = try store.pipeline(batch)
            for (k, (stored, want)) in pending.enumerated() {
                let r = Array(replies[(k * 6)..<(k * 6 + 6)])
                // r: HSET, EVALSHA original, HGET, HSET, EVALSHA new, HGET
                if r[1] != r[4] || r[2] != r[5] {
                    differences.append("stored \(Self.show(.bulk(stored))) want \(want): original \(Self.show(r[1])) → \(Self.show(r[2])), new \(Self.show(r[4])) → \(Self.show(r[5]))")
                }
                if case .array(let parts) = r[4], parts.first == .integer(1) { applied += 1 }
            }
            cases += pending.count
            pending.removeAll()
            batch = CommandEncoder(reserving: 1 << 20)
        }
        for (stored, wants) in values {
            for want in wants {
                for sha in [original, current] {
                    batch.begin(argumentCount: 4)
                    batch.argument("HSET"); batch.argument(hash); batch.argument("f"); batch.argument(stored)
                    UpsertScript.appendEvalSHA(&batch, sha: sha, hashKey: hash, field: "f", version: String(want), json: written)
                    batch.command("HGET", hash, "f")
                }
                pending.append((stored, want))
                if pending.count == 500 { try run() }
            }
        }
        try run()
        #expect(differences.isEmpty, "\(differences.count) of \(cases) differ:\n\(differences.prefix(20).joined(separator: "\n"))")
        #expect(cases > 10_000)
        #expect(applied > cases / 4 && applied < cases, "writes: \(applied) of \(cases): both outcomes are exercised")
    }
}
