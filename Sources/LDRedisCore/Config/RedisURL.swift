/// A parsed `redis://`, `rediss://` (TLS), `unix://`, `redis-sentinel://` or `redis-cluster://`
/// URL.
public struct RedisURL: Equatable, Sendable {
    public var endpoint: RedisEndpoint
    public var username: String?
    public var password: String?
    public var database: Int?
    /// True for `rediss://` (and `rediss-sentinel://`, `rediss-cluster://`).
    public var tls = false
    /// `redis-sentinel://`: the sentinels and the master's name.
    public var sentinels: [RedisEndpoint] = []
    public var sentinelMaster: String?
    /// `redis-cluster://`: the seed nodes.
    public var clusterNodes: [RedisEndpoint] = []

    /// The default port of a sentinel.
    public static let sentinelPort = 26379

    /// Parses
    ///   `redis://[[username][:password]@]host[:port][/database][?db=N]`
    ///   `rediss://…` (the same, over TLS)
    ///   `unix://[[username][:password]@]/path/to/socket[?db=N]`
    ///   `redis-sentinel://[[username][:password]@]host[:port][,host[:port]…]/master[/database]`
    ///     (`rediss-sentinel://` over TLS; port 26379 by default; the credentials, database
    ///     and TLS are the master's)
    ///   `redis-cluster://[[username][:password]@]host[:port][,host[:port]…]` (seed nodes;
    ///     `rediss-cluster://` over TLS)
    /// Error messages never repeat the URL, which may hold a password. The URL is split by its
    /// UTF-8 bytes (every separator is ASCII): a Character-wise search would miss a separator
    /// that a combining mark joins ("@\u{301}") and split the URL elsewhere.
    public init(parsing text: String) throws(StoreError) {
        let all = Array(text.utf8)[...]
        guard let schemeEnd = RedisURL.firstRange(of: "://", in: all) else {
            throw StoreError.invalidArgument(RedisURL.missingScheme(all))
        }
        var scheme = RedisURL.string(all[..<schemeEnd.lowerBound]).lowercased()
        var rest = all[schemeEnd.upperBound...]
        if let hash = rest.firstIndex(of: UInt8(ascii: "#")) { rest = rest[..<hash] }

        var query: ArraySlice<UInt8> = []
        if let q = rest.firstIndex(of: UInt8(ascii: "?")) {
            query = rest[(q + 1)...]
            rest = rest[..<q]
        }

        var topology = ""
        switch scheme {
        case "redis", "unix":
            break
        case "rediss":
            tls = true
            scheme = "redis"
        case "redis-sentinel", "rediss-sentinel", "redis-cluster", "rediss-cluster":
            tls = scheme.hasPrefix("rediss")
            topology = scheme.hasSuffix("sentinel") ? "sentinel" : "cluster"
            scheme = "redis"
        default:
            let shown = scheme.count <= 24 && scheme.allSatisfy({ $0.isLetter || $0 == "+" || $0 == "-" }) ? "'\(scheme)'" : "in the URL"
            throw StoreError.invalidArgument("unsupported URL scheme \(shown): expected redis://, rediss://, unix://, redis-sentinel:// or redis-cluster://")
        }

        // User info: everything before the last '@' of the authority (unix: before the path).
        var username: String?
        var password: String?
        let authorityEnd = rest.firstIndex(of: UInt8(ascii: "/")) ?? rest.endIndex
        var authority = rest[..<authorityEnd]
        var path = rest[authorityEnd...]
        if scheme == "redis", let at = authority.lastIndex(of: UInt8(ascii: "@")) {
            (username, password) = try RedisURL.userInfo(authority[..<at])
            authority = authority[(at + 1)...]
        } else if scheme == "unix", let at = rest.lastIndex(of: UInt8(ascii: "@")) {
            (username, password) = try RedisURL.userInfo(rest[..<at])
            authority = []
            path = rest[(at + 1)...]
        }

        var database: Int?
        if topology == "sentinel" {
            sentinels = try RedisURL.hostList(authority, defaultPort: RedisURL.sentinelPort)
            endpoint = sentinels[0]
            let parts = path.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).dropFirst()
            guard let name = parts.first, !name.isEmpty, parts.count <= 2 else {
                throw StoreError.invalidArgument("malformed redis-sentinel:// URL: expected redis-sentinel://host:port[,host:port…]/master-name[/db]")
            }
            // An '@' after the hosts is user info in the wrong place (a password with an
            // unencoded '/'): refused, and not repeated, since it may hold the password.
            guard !name.contains(UInt8(ascii: "@")) else {
                throw StoreError.invalidArgument("malformed redis-sentinel:// URL: '@' after the hosts (user info goes before them; percent-encode a '/' in a password as %2F)")
            }
            let master = try RedisURL.percentDecoded(name, what: "master name")
            guard master.utf8.allSatisfy({ $0 > 0x20 && $0 != 0x7F && $0 != UInt8(ascii: "@") }) else {
                throw StoreError.invalidArgument("malformed redis-sentinel:// URL: the master name must have no spaces, control characters or '@'")
            }
            sentinelMaster = master
            if parts.count == 2, !parts[parts.startIndex + 1].isEmpty {
                database = try RedisURL.databaseNumber(parts[parts.startIndex + 1])
            }
        } else if topology == "cluster" {
            clusterNodes = try RedisURL.hostList(authority, defaultPort: 6379)
            endpoint = clusterNodes[0]
            guard path.count <= 1 || RedisURL.string(path) == "/0" else {
                throw StoreError.invalidArgument("malformed redis-cluster:// URL: a cluster has only database 0 (expected redis-cluster://host:port[,host:port…])")
            }
        } else if scheme == "redis" {
            endpoint = try RedisURL.hostAndPort(authority)
            if path.count > 1 {
                database = try RedisURL.databaseNumber(path.dropFirst())
            }
        } else {
            guard authority.isEmpty, path.first == UInt8(ascii: "/"), path.count > 1 else {
                throw StoreError.invalidArgument("malformed unix:// URL: expected unix:///absolute/path/to/socket")
            }
            endpoint = .unix(path: try RedisURL.percentDecoded(path, what: "socket path"))
        }

        for pair in query.split(separator: UInt8(ascii: "&")) where !pair.isEmpty {
            let parts = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, RedisURL.string(parts[0]) == "db" else {
                throw StoreError.invalidArgument("unsupported Redis URL query parameter: only db=N is accepted")
            }
            database = try RedisURL.databaseNumber(parts[1])
        }

        self.username = username
        self.password = password
        self.database = database
    }

    private static func string(_ bytes: ArraySlice<UInt8>) -> String {
        String(decoding: bytes, as: UTF8.self)
    }

    private static func firstRange(of word: StaticString, in bytes: ArraySlice<UInt8>) -> Range<Int>? {
        let needle = UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
        guard bytes.count >= needle.count else { return nil }
        for start in bytes.startIndex...(bytes.endIndex - needle.count)
        where bytes[start..<(start + needle.count)].elementsEqual(needle) {
            return start..<(start + needle.count)
        }
        return nil
    }

    private static func userInfo(_ info: ArraySlice<UInt8>) throws(StoreError) -> (String?, String?) {
        if let colon = info.firstIndex(of: UInt8(ascii: ":")) {
            let user = try percentDecoded(info[..<colon], what: "username")
            let pass = try percentDecoded(info[(colon + 1)...], what: "password")
            return (user.isEmpty ? nil : user, pass.isEmpty ? nil : pass)
        }
        let user = try percentDecoded(info, what: "username")
        return (user.isEmpty ? nil : user, nil)
    }

    /// `host[:port],host[:port]…` (at least one).
    private static func hostList(_ authority: ArraySlice<UInt8>, defaultPort: Int) throws(StoreError) -> [RedisEndpoint] {
        var list: [RedisEndpoint] = []
        for part in authority.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false) {
            list.append(try hostAndPort(part, defaultPort: defaultPort))
        }
        return list
    }

    /// One `host:port` or `[v6addr]:port` given on its own (a sentinel, a cluster node).
    static func address(_ text: String, defaultPort: Int, what: String) throws(StoreError) -> RedisEndpoint {
        do {
            return try hostAndPort(Array(text.utf8)[...], defaultPort: defaultPort)
        } catch {
            let reason = error.description
            let detail = reason.hasPrefix("malformed Redis URL: ") ? String(reason.dropFirst(21)) : reason
            throw StoreError.invalidArgument("malformed \(what) address: expected host:port or [IPv6]:port (\(detail))")
        }
    }

    private static func hostAndPort(_ authority: ArraySlice<UInt8>, defaultPort: Int = 6379) throws(StoreError) -> RedisEndpoint {
        var host: ArraySlice<UInt8>
        var portText: ArraySlice<UInt8>?
        if authority.first == UInt8(ascii: "[") {
            guard let close = authority.firstIndex(of: UInt8(ascii: "]")) else {
                throw StoreError.invalidArgument("malformed Redis URL: unterminated [IPv6] host")
            }
            host = authority[(authority.startIndex + 1)..<close]
            let after = authority[(close + 1)...]
            if !after.isEmpty {
                guard after.first == UInt8(ascii: ":") else {
                    throw StoreError.invalidArgument("malformed Redis URL: unexpected text after [IPv6] host")
                }
                portText = after.dropFirst()
            }
        } else if let colon = authority.lastIndex(of: UInt8(ascii: ":")) {
            host = authority[..<colon]
            portText = authority[(colon + 1)...]
        } else {
            host = authority
        }
        guard !host.isEmpty else { throw StoreError.invalidArgument("malformed Redis URL: no host") }
        if host.contains(UInt8(ascii: ",")) {
            throw StoreError.invalidArgument("malformed Redis URL: several hosts (a comma-separated list) are a Redis Cluster's seeds, redis-cluster://host:port,host:port, or sentinels, redis-sentinel://host:port,host:port/master-name")
        }
        guard host.allSatisfy({ $0 > 0x20 && $0 != 0x7F && $0 != UInt8(ascii: "@") && $0 != UInt8(ascii: "/") }) else {
            throw StoreError.invalidArgument("malformed Redis URL: invalid character in host")
        }
        var port = defaultPort
        if let text = portText {
            guard let p = decimal(text, maximumDigits: 5), (1...65535).contains(p) else {
                throw StoreError.invalidArgument("malformed Redis URL: the port must be a number from 1 to 65535")
            }
            port = p
        }
        return .tcp(host: string(host), port: port)
    }

    static func databaseNumber(_ text: ArraySlice<UInt8>) throws(StoreError) -> Int {
        guard let n = decimal(text, maximumDigits: 9) else {
            throw StoreError.invalidArgument("malformed Redis URL: the database must be a number (0 or more)")
        }
        return n
    }

    /// The value of 1 to `maximumDigits` ASCII digits, else nil.
    private static func decimal(_ text: ArraySlice<UInt8>, maximumDigits: Int) -> Int? {
        guard !text.isEmpty, text.count <= maximumDigits else { return nil }
        var n = 0
        for b in text {
            guard b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") else { return nil }
            n = n * 10 + Int(b - UInt8(ascii: "0"))
        }
        return n
    }

    private static func percentDecoded(_ text: ArraySlice<UInt8>, what: String) throws(StoreError) -> String {
        guard text.contains(UInt8(ascii: "%")) else { return string(text) }
        var out: [UInt8] = []
        var bytes = text
        while let b = bytes.popFirst() {
            guard b == UInt8(ascii: "%") else { out.append(b); continue }
            guard bytes.count >= 2, let hi = JSONScanner.hexValue(bytes[bytes.startIndex]),
                  let lo = JSONScanner.hexValue(bytes[bytes.startIndex + 1]) else {
                throw StoreError.invalidArgument("malformed Redis URL: invalid %-escape in the \(what)")
            }
            out.append(UInt8(hi << 4 | lo))
            bytes = bytes.dropFirst(2)
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension RedisURL {
    /// The message for a URL without `scheme://` (`localhost:6379`): what the user meant. The
    /// text is repeated only when it cannot hold a password (no `@`) and is short and printable.
    static func missingScheme(_ text: ArraySlice<UInt8>) -> String {
        let expected = "expected redis://[[user][:password]@]host[:port][/db], rediss://... (TLS), unix:///path/to/redis.sock, redis-sentinel://host:port,…/master or redis-cluster://host:port,…"
        let printable = !text.isEmpty && text.count <= 200 && text.allSatisfy { $0 > 0x20 && $0 < 0x7F }
        guard printable, !text.contains(UInt8(ascii: "@")) else {
            return "malformed Redis URL: it has no scheme (redis://, rediss:// or unix://); \(expected)"
        }
        let shown = string(text)
        let meant = text.first == UInt8(ascii: "/") ? "unix://" + shown : "redis://" + shown
        return "malformed Redis URL: it has no scheme; did you mean \(meant)? (\(expected))"
    }
}
