/// Where Redis listens.
public enum RedisEndpoint: Equatable, Sendable, CustomStringConvertible {
    case tcp(host: String, port: Int)
    case unix(path: String)

    /// `host:port` (`[v6]:port`) or `unix:/path`: safe for messages, it holds no secret.
    public var description: String {
        switch self {
        case .tcp(let host, let port):
            return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        case .unix(let path):
            return "unix:\(path)"
        }
    }
}

/// A parsed `redis://` or `unix://` URL.
public struct RedisURL: Equatable, Sendable {
    public var endpoint: RedisEndpoint
    public var username: String?
    public var password: String?
    public var database: Int?

    /// Parses
    ///   `redis://[[username][:password]@]host[:port][/database][?db=N]`
    ///   `unix://[[username][:password]@]/path/to/socket[?db=N]`
    /// Error messages never repeat the URL, which may hold a password.
    public init(parsing text: String) throws(StoreError) {
        guard let schemeEnd = text.firstRange(of: "://") else {
            throw StoreError.invalidArgument("malformed Redis URL: expected redis://host[:port][/db] or unix:///path")
        }
        let scheme = text[text.startIndex..<schemeEnd.lowerBound].lowercased()
        var rest = Substring(text[schemeEnd.upperBound...])
        if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }

        var query: Substring = ""
        if let q = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: q)...]
            rest = rest[..<q]
        }

        switch scheme {
        case "redis", "unix":
            break
        case "rediss":
            throw StoreError.invalidArgument("rediss:// (TLS) is not supported by this version of ldredis")
        default:
            let shown = scheme.count <= 16 && scheme.allSatisfy({ $0.isLetter || $0 == "+" }) ? "'\(scheme)'" : "in the URL"
            throw StoreError.invalidArgument("unsupported URL scheme \(shown): expected redis:// or unix://")
        }

        // User info: everything before the last '@' of the authority (unix: before the path).
        var username: String?
        var password: String?
        let authorityEnd = scheme == "unix" ? (rest.firstIndex(of: "/") ?? rest.endIndex)
                                            : (rest.firstIndex(of: "/") ?? rest.endIndex)
        var authority = rest[rest.startIndex..<authorityEnd]
        var path = rest[authorityEnd...]
        if scheme == "redis", let at = authority.lastIndex(of: "@") {
            (username, password) = try RedisURL.userInfo(authority[..<at])
            authority = authority[authority.index(after: at)...]
        } else if scheme == "unix", let at = rest.lastIndex(of: "@") {
            (username, password) = try RedisURL.userInfo(rest[..<at])
            authority = ""
            path = rest[rest.index(after: at)...]
        }

        var database: Int?
        if scheme == "redis" {
            endpoint = try RedisURL.hostAndPort(authority)
            if !path.isEmpty && path != "/" {
                database = try RedisURL.databaseNumber(path.dropFirst())
            }
        } else {
            guard authority.isEmpty, path.hasPrefix("/"), path.count > 1 else {
                throw StoreError.invalidArgument("malformed unix:// URL: expected unix:///absolute/path/to/socket")
            }
            endpoint = .unix(path: try RedisURL.percentDecoded(path, what: "socket path"))
        }

        for pair in query.split(separator: "&") where !pair.isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, parts[0] == "db" else {
                throw StoreError.invalidArgument("unsupported Redis URL query parameter: only db=N is accepted")
            }
            database = try RedisURL.databaseNumber(parts[1])
        }

        self.username = username
        self.password = password
        self.database = database
    }

    private static func userInfo(_ info: Substring) throws(StoreError) -> (String?, String?) {
        if let colon = info.firstIndex(of: ":") {
            let user = try percentDecoded(info[..<colon], what: "username")
            let pass = try percentDecoded(info[info.index(after: colon)...], what: "password")
            return (user.isEmpty ? nil : user, pass.isEmpty ? nil : pass)
        }
        let user = try percentDecoded(info, what: "username")
        return (user.isEmpty ? nil : user, nil)
    }

    private static func hostAndPort(_ authority: Substring) throws(StoreError) -> RedisEndpoint {
        var host: Substring
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else {
                throw StoreError.invalidArgument("malformed Redis URL: unterminated [IPv6] host")
            }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else {
                    throw StoreError.invalidArgument("malformed Redis URL: unexpected text after [IPv6] host")
                }
                portText = after.dropFirst()
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        } else {
            host = authority
        }
        guard !host.isEmpty else { throw StoreError.invalidArgument("malformed Redis URL: no host") }
        guard host.utf8.allSatisfy({ $0 > 0x20 && $0 != 0x7F && $0 != UInt8(ascii: "@") && $0 != UInt8(ascii: "/") }) else {
            throw StoreError.invalidArgument("malformed Redis URL: invalid character in host")
        }
        var port = 6379
        if let text = portText {
            guard let p = Int(text), text.allSatisfy({ $0.isASCII && $0.isNumber }), (1...65535).contains(p) else {
                throw StoreError.invalidArgument("malformed Redis URL: the port must be a number from 1 to 65535")
            }
            port = p
        }
        return .tcp(host: String(host), port: port)
    }

    static func databaseNumber(_ text: Substring) throws(StoreError) -> Int {
        guard !text.isEmpty, text.count <= 9, text.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int(text) else {
            throw StoreError.invalidArgument("malformed Redis URL: the database must be a number (0 or more)")
        }
        return n
    }

    private static func percentDecoded(_ text: Substring, what: String) throws(StoreError) -> String {
        guard text.contains("%") else { return String(text) }
        var out: [UInt8] = []
        var bytes = Array(text.utf8)[...]
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
