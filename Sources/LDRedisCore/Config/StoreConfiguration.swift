/// Everything a store is configured with. A value type: a store copies it when created.
public struct StoreConfiguration: Sendable, Equatable {
    public static let defaultPrefix = "launchdarkly"
    public static let timeoutRange: ClosedRange<Int64> = 1...3_600_000
    public static let poolSizeRange: ClosedRange<Int> = 1...1024

    /// The server and credentials from the URL (or host and port).
    public private(set) var url = RedisURL(endpoint: .tcp(host: "localhost", port: 6379))
    /// Overrides of the URL's credentials and database (`nil`: use the URL's).
    public var passwordOverride: String??
    public var usernameOverride: String??
    public var databaseOverride: Int?

    /// The key prefix; every key is `prefix + ":" + suffix`.
    public private(set) var prefix = StoreConfiguration.defaultPrefix
    public private(set) var connectTimeoutMilliseconds: Int64 = 3_000
    public private(set) var operationTimeoutMilliseconds: Int64 = 2_000
    public private(set) var poolSize = 16
    /// 0: no cache; > 0: time-to-live; < 0: cache forever.
    public var cacheTTLMilliseconds: Int64 = 15_000
    public var upsertMode: UpsertMode = .auto
    /// The most item entries the cache holds (0: unbounded), evicting the least recently used.
    public private(set) var cacheCapacity = 0
    /// Finite TTL: serve an expired entry while one background refresh runs.
    public var cacheRefreshAhead = false
    /// Infinite cache: write the cached data back when `$inited` vanished.
    public var repopulateOnRestart = false
    /// While the store is unavailable, an uncached read fails at once with `.unavailable`
    /// instead of waiting for a timeout (one read per poll interval still goes through, as a
    /// probe).
    public var failFast = false

    /// TLS: nil follows the URL (`rediss://` on), else forced on or off.
    public var tlsOverride: Bool?
    /// PEM file of trusted CA certificates (nil: the system's roots).
    public var tlsCAFile: String?
    /// Client certificate chain and private key (PEM), for mutual TLS.
    public var tlsCertFile: String?
    public var tlsKeyFile: String?
    /// The name sent as SNI and checked against the certificate (nil: the URL's host).
    public var tlsServerName: String?
    /// Verify the chain and the host name (default); false is insecure and shown in `describe`.
    public var tlsVerify = true

    /// Sentinels added one by one (after those of a `redis-sentinel://` URL), the master's
    /// name (overriding the URL's), and the sentinels' own credentials.
    public private(set) var addedSentinels: [RedisEndpoint] = []
    public var sentinelMasterOverride: String?
    public private(set) var sentinelUsername: String?
    public private(set) var sentinelPassword: String?
    /// Seed nodes added one by one (after those of a `redis-cluster://` URL).
    public private(set) var addedClusterNodes: [RedisEndpoint] = []

    public init() {}

    /// How the store finds its server.
    public enum Topology: Equatable, Sendable {
        /// One server: the URL's.
        case standalone
        /// The master that the sentinels name.
        case sentinel
        /// A Redis Cluster, found through seed nodes; keys carry the `{ld}.` hash tag.
        case cluster
    }

    public var sentinels: [RedisEndpoint] { url.sentinels + addedSentinels }
    public var sentinelMaster: String? { sentinelMasterOverride ?? url.sentinelMaster }
    public var clusterNodes: [RedisEndpoint] { url.clusterNodes + addedClusterNodes }

    public var topology: Topology {
        if !clusterNodes.isEmpty { return .cluster }
        if !sentinels.isEmpty || sentinelMaster != nil { return .sentinel }
        return .standalone
    }

    /// What every key starts with: the prefix, behind the hash tag `{ld}.` in cluster mode
    /// (go-server-sdk-redis-go-redis's names, so that all keys share one slot).
    public var keyPrefix: String { topology == .cluster ? StoreConfiguration.clusterHashTag + prefix : prefix }
    public static let clusterHashTag = "{ld}."

    public mutating func addSentinel(_ hostPort: String) throws(StoreError) {
        addedSentinels.append(try RedisURL.address(hostPort, defaultPort: RedisURL.sentinelPort, what: "sentinel"))
    }

    public mutating func setSentinelMaster(_ name: String?) throws(StoreError) {
        guard let name else { sentinelMasterOverride = nil; return }
        guard !name.isEmpty, name.utf8.allSatisfy({ $0 > 0x20 && $0 != 0x7F }) else {
            throw StoreError.invalidArgument("the sentinel master name must be non-empty, without spaces or control characters")
        }
        sentinelMasterOverride = name
    }

    public mutating func setSentinelAuth(username: String?, password: String?) {
        sentinelUsername = username.flatMap { $0.isEmpty ? nil : $0 }
        sentinelPassword = password.flatMap { $0.isEmpty ? nil : $0 }
    }

    public mutating func addClusterNode(_ hostPort: String) throws(StoreError) {
        addedClusterNodes.append(try RedisURL.address(hostPort, defaultPort: 6379, what: "cluster node"))
    }

    /// The checks that need the whole configuration (made when a store is created).
    public func validateTopology() throws(StoreError) {
        let s = sentinels, master = sentinelMaster, nodes = clusterNodes
        if !nodes.isEmpty && (!s.isEmpty || master != nil) {
            throw StoreError.invalidArgument("both cluster nodes and sentinels are configured: a store uses either Redis Cluster or Sentinel")
        }
        if !s.isEmpty && master == nil {
            throw StoreError.invalidArgument("sentinels are configured but no master name: call ldredis_config_set_sentinel_master (or end the redis-sentinel:// URL with /master-name)")
        }
        if s.isEmpty && master != nil {
            throw StoreError.invalidArgument("a sentinel master name is configured but no sentinel: add one with ldredis_config_add_sentinel")
        }
        if !nodes.isEmpty && database != 0 {
            throw StoreError.invalidArgument("Redis Cluster has only database 0, but database \(database) is configured")
        }
    }

    public var endpoint: RedisEndpoint { url.endpoint }
    public var password: String? { passwordOverride ?? url.password }
    public var username: String? { usernameOverride ?? url.username }
    public var database: Int { databaseOverride ?? url.database ?? 0 }
    public var tlsEnabled: Bool { tlsOverride ?? url.tls }

    /// Sets the server from a URL (see `RedisURL`).
    public mutating func setURL(_ text: String) throws(StoreError) {
        url = try RedisURL(parsing: text)
    }

    /// Sets the server as host and port, keeping the URL's credentials and database.
    public mutating func setHost(_ host: String, port: Int) throws(StoreError) {
        guard !host.isEmpty, host.utf8.allSatisfy({ $0 > 0x20 && $0 != 0x7F }) else {
            throw StoreError.invalidArgument("the host must be a non-empty name or address without spaces")
        }
        guard (1...65535).contains(port) else {
            throw StoreError.invalidArgument("the port must be a number from 1 to 65535")
        }
        url.endpoint = .tcp(host: host, port: port)
    }

    /// Sets the prefix; nil or empty means the default, `launchdarkly`.
    public mutating func setPrefix(_ value: String?) {
        if let value, !value.isEmpty {
            prefix = value
        } else {
            prefix = StoreConfiguration.defaultPrefix
        }
    }

    public mutating func setDatabase(_ value: Int) throws(StoreError) {
        guard value >= 0 else { throw StoreError.invalidArgument("the database must be 0 or more") }
        databaseOverride = value
    }

    public mutating func setConnectTimeout(milliseconds: Int64) throws(StoreError) {
        connectTimeoutMilliseconds = try StoreConfiguration.checkedTimeout(milliseconds, "connect")
    }

    public mutating func setOperationTimeout(milliseconds: Int64) throws(StoreError) {
        operationTimeoutMilliseconds = try StoreConfiguration.checkedTimeout(milliseconds, "operation")
    }

    public mutating func setCacheCapacity(_ value: Int64) throws(StoreError) {
        guard value >= 0 else {
            throw StoreError.invalidArgument("the cache capacity must be 0 (unbounded) or more")
        }
        cacheCapacity = Int(clamping: value)
    }

    public mutating func setPoolSize(_ value: Int) throws(StoreError) {
        guard StoreConfiguration.poolSizeRange.contains(value) else {
            throw StoreError.invalidArgument("the pool size must be from 1 to 1024")
        }
        poolSize = value
    }

    private static func checkedTimeout(_ ms: Int64, _ what: String) throws(StoreError) -> Int64 {
        guard timeoutRange.contains(ms) else {
            throw StoreError.invalidArgument("the \(what) timeout must be from 1 to 3600000 ms")
        }
        return ms
    }

    /// The server as a URL without secrets: `redis://user:xxxxx@host:port/db` (Sentinel and
    /// Cluster: their URL forms).
    public var redactedServer: String {
        var credentials = ""
        if let user = username { credentials = user }
        if password != nil { credentials += ":xxxxx" }
        if !credentials.isEmpty { credentials += "@" }
        let s = tlsEnabled ? "rediss" : "redis"
        switch topology {
        case .sentinel:
            let hosts = sentinels.map(\.description).joined(separator: ",")
            return "\(s)-sentinel://\(credentials)\(hosts)/\(sentinelMaster ?? "")/\(database)"
        case .cluster:
            return "\(s)-cluster://\(credentials)\(clusterNodes.map(\.description).joined(separator: ","))"
        case .standalone:
            break
        }
        switch endpoint {
        case .tcp: return "\(s)://\(credentials)\(endpoint)/\(database)"
        case .unix(let path): return "unix://\(credentials)\(path)?db=\(database)"
        }
    }

    /// The configuration without secrets, for messages and `describe`.
    public var redactedDescription: String {
        "\(redactedServer) prefix=\(prefix)"
    }
}

extension RedisURL {
    init(endpoint: RedisEndpoint) {
        self.endpoint = endpoint
        self.username = nil
        self.password = nil
        self.database = nil
    }
}
