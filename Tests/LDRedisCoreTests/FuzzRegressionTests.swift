import Foundation
import Testing
@testable import LDRedisCore

/// Inputs found by the fuzz targets in fuzz/ (scripts/fuzz.sh), kept so they stay fixed.
@Suite("Fuzz regressions")
struct FuzzRegressionTests {
    // fuzz/url: a separator followed by a combining mark ("@\u{65A}") forms one Character with
    // it, so a Character-wise search missed that '@' and split the URL at an earlier one: what
    // the user wrote as the password ended up in the socket path, shown by the descriptions.
    @Test("a password followed by '@' and a combining mark never shows in a description")
    func combiningMarkAfterAt() {
        let secret = "Qz7-secret-Wv9"
        for url in ["unix://:p8@/vqx;p%4dis://:\(secret)@\u{65A}=8",
                    "unix://u:p@/tmp/x:\(secret)@\u{301}/tmp/redis.sock",
                    "redis://u:p@h/:\(secret)@\u{301}h"] {
            var config = StoreConfiguration()
            do {
                try config.setURL(url)
            } catch {
                #expect(!error.description.contains(secret), "the error shows the password: \(error)")
                continue
            }
            #expect(!config.redactedDescription.contains(secret), "the description shows the password: \(config.redactedDescription)")
        }
    }

    // fuzz/url: in `rediss-sentinel://d/Y\u{94}n:SECRET@` the user info came after a '/', so the
    // master name took "Y…n:SECRET@", and describe showed it.
    @Test("a sentinel URL whose user info follows the hosts is refused without repeating it")
    func sentinelUserInfoAfterTheHosts() {
        let secret = "Qz7-secret-Wv9"
        for url in ["rediss-sentinel://d/Y\u{94}n:\(secret)@", "redis-sentinel://h1,h2/master:\(secret)@x",
                    "redis-sentinel://h1/m%40:\(secret)"] {
            var config = StoreConfiguration()
            do {
                try config.setURL(url)
                Issue.record("accepted \(url): \(config.redactedDescription)")
            } catch {
                #expect(!error.description.contains(secret), "the error shows the password: \(error)")
            }
        }
    }

    @Test("URL separators are found by bytes, whatever follows them")
    func separatorsBeforeCombiningMarks() throws {
        let u = try RedisURL(parsing: "redis://user:pw@\u{301}h:6380/2")
        #expect(u.endpoint == .tcp(host: "\u{301}h", port: 6380))
        #expect(u.username == "user" && u.password == "pw" && u.database == 2)
        expectInvalidArgument("a database that is a combining mark", mentioning: "database") {
            _ = try RedisURL(parsing: "redis://h:6380/\u{301}")
        }
    }

    // fuzz/resp (libFuzzer's -malloc_limit_mb): an array header makes hiredis 0.14 reserve all
    // of its slots at once (calloc(count, 8)) before a single element arrived, so 14 bytes from
    // the server reserve 8 GiB ("*2147483647\r\n": 16 GiB, and seconds of CPU to free them).
    // Fixed in Transport/ReplyBuilder.swift (issue 16 item 7): aggregates grow as their
    // elements arrive, and sizes and nesting are capped.
    @Test("an array header alone does not make the reply reader allocate its slots")
    func hugeArrayHeader() throws {
        let before = virtualMemoryBytes()
        let reader = try ReplyReader()
        let header = Array("*1073741824\r\n".utf8)
        var reply: RedisReply?
        var failed = false
        do {
            try header.withUnsafeBytes { try reader.feed($0) }
            reply = try reader.next()
        } catch {
            failed = true   // refusing the header is a fine answer too
        }
        let grown = virtualMemoryBytes() - before
        #expect(reply == nil || failed)
        // Generous: other tests' threads and malloc arenas come and go meanwhile.
        #expect(grown < 2 << 30, "the address space grew by \(grown >> 20) MiB for a 14-byte header")
    }

    /// The process's virtual size (the first field of /proc/self/statm, in pages).
    func virtualMemoryBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
              let pages = text.split(separator: " ").first.flatMap({ Int($0) }) else { return 0 }
        return pages * sysconf(Int32(_SC_PAGESIZE))
    }
}
