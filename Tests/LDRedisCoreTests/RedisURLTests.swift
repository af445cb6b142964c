import Testing
@testable import LDRedisCore

@Suite("Redis URLs and configuration")
struct RedisURLTests {
    func rejects(_ url: String, mentioning word: String) {
        let message = expectInvalidArgument("a malformed URL", mentioning: word) { _ = try RedisURL(parsing: url) }
        #expect(message.map { !$0.contains("s3cret") } ?? true, "the password leaked: \(message ?? "")")
    }

    @Test("full redis URLs parse into host, port, credentials and database")
    func full() throws {
        let u = try RedisURL(parsing: "redis://user:p%40ss@cache.example:6380/3")
        #expect(u.endpoint == .tcp(host: "cache.example", port: 6380))
        #expect(u.username == "user" && u.password == "p@ss" && u.database == 3)
    }

    @Test("defaults: port 6379, no credentials, database unset")
    func defaults() throws {
        let u = try RedisURL(parsing: "redis://localhost")
        #expect(u.endpoint == .tcp(host: "localhost", port: 6379))
        #expect(u.username == nil && u.password == nil && u.database == nil)
        #expect(try RedisURL(parsing: "REDIS://h/").database == nil)
        #expect(try RedisURL(parsing: "redis://:pw@h").password == "pw")
    }

    @Test("IPv6 hosts, db query and unix sockets")
    func forms() throws {
        #expect(try RedisURL(parsing: "redis://[::1]:7000").endpoint == .tcp(host: "::1", port: 7000))
        #expect(try RedisURL(parsing: "redis://h?db=4").database == 4)
        let unix = try RedisURL(parsing: "unix://:pw@/var/run/redis.sock?db=2")
        #expect(unix.endpoint == .unix(path: "/var/run/redis.sock") && unix.password == "pw" && unix.database == 2)
    }

    @Test("rediss:// is redis:// over TLS")
    func tlsScheme() throws {
        let url = try RedisURL(parsing: "rediss://u:s3cret@cache.example:6380/2")
        #expect(url.tls && url.endpoint == .tcp(host: "cache.example", port: 6380))
        #expect(url.username == "u" && url.password == "s3cret" && url.database == 2)
        #expect(try RedisURL(parsing: "REDISS://h").tls)
        #expect(try !RedisURL(parsing: "redis://h").tls)
        var c = StoreConfiguration()
        try c.setURL("rediss://:pw@h:6380/0")
        #expect(c.tlsEnabled && c.redactedServer == "rediss://:xxxxx@h:6380/0")
        c.tlsOverride = false
        #expect(!c.tlsEnabled)
    }

    @Test("malformed URLs are refused without repeating the password")
    func malformed() {
        rejects("localhost:6379", mentioning: "malformed")
        rejects("http://u:s3cret@h", mentioning: "scheme 'http'")
        rejects("rediss://u:s3cret@h:0", mentioning: "port")
        rejects("redis://u:s3cret@h:0", mentioning: "port")
        rejects("redis://u:s3cret@h:65536", mentioning: "port")
        rejects("redis://u:s3cret@h:port", mentioning: "port")
        rejects("redis://u:s3cret@h:63/x", mentioning: "database")
        rejects("redis://u:s3cret@h:63/-1", mentioning: "database")
        rejects("redis://u:s3cret@", mentioning: "no host")
        rejects("redis://u:s3cret@h?foo=1", mentioning: "query")
        rejects("redis://u:s3cret%zz@h", mentioning: "escape")
        rejects("redis://[::1:63", mentioning: "IPv6")
        rejects("unix://u:s3cret@relative.sock", mentioning: "unix")
    }

    @Test("setters override the URL's credentials and database; descriptions hide the password")
    func overridesAndRedaction() throws {
        var c = StoreConfiguration()
        try c.setURL("redis://user:s3cret@h:1/2")
        #expect(c.password == "s3cret" && c.username == "user" && c.database == 2)
        c.passwordOverride = .some("other")
        try c.setDatabase(5)
        #expect(c.password == "other" && c.database == 5)
        #expect(!c.redactedDescription.contains("other") && c.redactedDescription.contains("xxxxx"))
        c.passwordOverride = .some(nil)
        #expect(c.password == nil)
    }

    @Test("prefix defaults to launchdarkly, also when empty")
    func prefix() {
        var c = StoreConfiguration()
        #expect(c.prefix == "launchdarkly")
        c.setPrefix("mine")
        #expect(c.prefix == "mine")
        c.setPrefix("")
        #expect(c.prefix == "launchdarkly")
    }

    @Test("timeouts and pool size are range-checked")
    func ranges() {
        var c = StoreConfiguration()
        #expect(throws: StoreError.self) { try c.setOperationTimeout(milliseconds: 0) }
        #expect(throws: StoreError.self) { try c.setConnectTimeout(milliseconds: -5) }
        #expect(throws: StoreError.self) { try c.setPoolSize(0) }
        #expect(throws: StoreError.self) { try c.setHost("", port: 1) }
        #expect(throws: StoreError.self) { try c.setHost("h", port: 70000) }
        #expect(throws: Never.self) { try c.setPoolSize(1) }
    }
}
