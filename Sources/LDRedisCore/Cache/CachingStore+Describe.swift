/// Big Segments reads (never cached: the SDK caches membership itself) and the description.
extension CachingStore {
    public func bigSegmentsSynchronizedOn() throws(StoreError) -> Int64? {
        try tracked { () throws(StoreError) in try core.bigSegmentsSynchronizedOn() }
    }

    public func bigSegmentMembership(contextHash: String) throws(StoreError) -> [String: Bool]? {
        try tracked { () throws(StoreError) in try core.bigSegmentMembership(contextHash: contextHash) }
    }

    /// The configuration and effective key names, secrets redacted, as a JSON object (the
    /// SDKs' `describe_configuration`).
    public var describeJSON: [UInt8] {
        let c = core.configuration
        var out: [UInt8] = []
        func field(_ name: String, _ value: String) {
            out.append(out.isEmpty ? UInt8(ascii: "{") : UInt8(ascii: ","))
            JSONWriter.appendString(name, to: &out)
            out.append(UInt8(ascii: ":"))
            JSONWriter.appendString(value, to: &out)
        }
        func number(_ name: String, _ value: Int64) {
            out.append(out.isEmpty ? UInt8(ascii: "{") : UInt8(ascii: ","))
            JSONWriter.appendString(name, to: &out)
            out.append(contentsOf: Array(":\(value)".utf8))
        }
        field("store", "Redis")
        field("server", c.redactedServer)
        field("prefix", c.prefix)
        for (name, value) in core.client.routeDescription { field(name, value) }
        field("tls", c.tlsEnabled ? "on" : "off")
        if c.tlsEnabled {
            field("tls_ca_file", c.tlsCAFile ?? "")
            field("tls_cert_file", c.tlsCertFile ?? "")
            field("tls_key_file", c.tlsKeyFile ?? "")
            field("tls_server_name", c.tlsServerName ?? "")
            field("tls_verify", c.tlsVerify ? "on" : "off")
        }
        field("features_key", core.key(for: DataKind.features))
        field("segments_key", core.key(for: DataKind.segments))
        field("inited_key", core.key(for: "$inited"))
        field("cache", { switch mode { case .off: "off"; case .ttl: "ttl"; case .infinite: "infinite" } }())
        number("cache_ttl_ms", c.cacheTTLMilliseconds)
        number("cache_capacity", Int64(c.cacheCapacity))
        field("cache_refresh_ahead", refreshAhead ? "on" : "off")
        field("repopulate_on_restart", repopulateOnRestart ? "on" : "off")
        field("fail_fast", failFast ? "on" : "off")
        field("upsert_mode", { switch c.upsertMode { case .auto: "auto"; case .script: "script"; case .watch: "watch" } }())
        number("pool_size", Int64(c.poolSize))
        number("connect_timeout_ms", c.connectTimeoutMilliseconds)
        number("operation_timeout_ms", c.operationTimeoutMilliseconds)
        out.append(UInt8(ascii: "}"))
        return out
    }
}
