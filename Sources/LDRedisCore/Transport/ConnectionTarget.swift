/// One server a pool connects to, and how: its address, the credentials and database of the
/// handshake, and the name TLS checks. A data node (the URL's server, a Sentinel's master, a
/// cluster node) takes the configured credentials and database; a sentinel takes the
/// sentinels' own credentials and no database.
struct ConnectionTarget: Sendable, Equatable {
    var endpoint: RedisEndpoint
    var username: String?
    var password: String?
    var database: Int
    /// The name sent as SNI and checked against the certificate: the configured server name,
    /// else the host.
    var tlsServerName: String?

    /// The data node at `endpoint` (the URL's when nil).
    static func node(_ config: StoreConfiguration, _ endpoint: RedisEndpoint? = nil) -> ConnectionTarget {
        let endpoint = endpoint ?? config.endpoint
        return ConnectionTarget(endpoint: endpoint, username: config.username, password: config.password,
                                database: config.database,
                                tlsServerName: config.tlsServerName ?? endpoint.host)
    }

    /// A sentinel: its own credentials, no database.
    static func sentinel(_ config: StoreConfiguration, _ endpoint: RedisEndpoint) -> ConnectionTarget {
        ConnectionTarget(endpoint: endpoint, username: config.sentinelUsername, password: config.sentinelPassword,
                         database: 0, tlsServerName: config.tlsServerName ?? endpoint.host)
    }
}

extension RedisEndpoint {
    /// The host of a TCP endpoint (nil for a Unix socket).
    var host: String? {
        if case .tcp(let host, _) = self { return host }
        return nil
    }
}
