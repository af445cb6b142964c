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

    @Test("URL separators are found by bytes, whatever follows them")
    func separatorsBeforeCombiningMarks() throws {
        let u = try RedisURL(parsing: "redis://user:pw@\u{301}h:6380/2")
        #expect(u.endpoint == .tcp(host: "\u{301}h", port: 6380))
        #expect(u.username == "user" && u.password == "pw" && u.database == 2)
        expectInvalidArgument("a database that is a combining mark", mentioning: "database") {
            _ = try RedisURL(parsing: "redis://h:6380/\u{301}")
        }
    }
}
