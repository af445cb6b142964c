import LDRedisCore

/// What an `ldredis_config *` points to: a configuration behind a lock.
final class ConfigHandle: @unchecked Sendable {
    private let lock = Lock()
    private var value = StoreConfiguration()

    private var logDestination: LogDestination?

    var snapshot: StoreConfiguration { lock.withLock { value } }
    /// Where stores made from this config log (ldredis_config_set_logger / _set_log_queue).
    var log: LogDestination? {
        get { lock.withLock { logDestination } }
        set { lock.withLock { logDestination = newValue } }
    }

    /// Applies a change; on error the configuration is left unchanged.
    func update(_ change: (inout StoreConfiguration) throws(StoreError) -> Void) throws(StoreError) {
        lock.lock()
        defer { lock.unlock() }
        var copy = value
        try change(&copy)
        value = copy
    }
}

func config(_ p: OpaquePointer?) throws(StoreError) -> ConfigHandle {
    guard let p else { throw StoreError.invalidArgument("cfg must not be NULL") }
    return Unmanaged<ConfigHandle>.fromOpaque(UnsafeRawPointer(p)).takeUnretainedValue()
}

/// Runs a setter body on a config handle.
private func set(_ cfg: OpaquePointer?, _ change: (inout StoreConfiguration) throws(StoreError) -> Void) -> Int32 {
    cCall { () throws(StoreError) in
        try config(cfg).update(change)
        return LDREDIS_OK
    }
}

@_cdecl("ldredis_config_new")
public func ldredis_config_new(_ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    cCall { () throws(StoreError) in
        guard let out else { throw StoreError.invalidArgument("out must not be NULL") }
        out.pointee = OpaquePointer(Unmanaged.passRetained(ConfigHandle()).toOpaque())
        return LDREDIS_OK
    }
}

@_cdecl("ldredis_config_free")
public func ldredis_config_free(_ cfg: OpaquePointer?) {
    guard let cfg else { return }
    Unmanaged<ConfigHandle>.fromOpaque(UnsafeRawPointer(cfg)).release()
}

@_cdecl("ldredis_config_set_url")
public func ldredis_config_set_url(_ cfg: OpaquePointer?, _ url: UnsafePointer<CChar>?) -> Int32 {
    set(cfg) { (c) throws(StoreError) in try c.setURL(string(url, "url")) }
}

@_cdecl("ldredis_config_set_host")
public func ldredis_config_set_host(_ cfg: OpaquePointer?, _ host: UnsafePointer<CChar>?, _ port: Int32) -> Int32 {
    set(cfg) { (c) throws(StoreError) in try c.setHost(string(host, "host"), port: Int(port)) }
}

@_cdecl("ldredis_config_set_prefix")
public func ldredis_config_set_prefix(_ cfg: OpaquePointer?, _ prefix: UnsafePointer<CChar>?) -> Int32 {
    set(cfg) { (c) throws(StoreError) in c.setPrefix(try optionalString(prefix, "prefix")) }
}

@_cdecl("ldredis_config_set_password")
public func ldredis_config_set_password(_ cfg: OpaquePointer?, _ password: UnsafePointer<CChar>?) -> Int32 {
    set(cfg) { (c) throws(StoreError) in c.passwordOverride = .some(try optionalString(password, "password")) }
}

@_cdecl("ldredis_config_set_username")
public func ldredis_config_set_username(_ cfg: OpaquePointer?, _ username: UnsafePointer<CChar>?) -> Int32 {
    set(cfg) { (c) throws(StoreError) in c.usernameOverride = .some(try optionalString(username, "username")) }
}

@_cdecl("ldredis_config_set_database")
public func ldredis_config_set_database(_ cfg: OpaquePointer?, _ database: Int32) -> Int32 {
    set(cfg) { (c) throws(StoreError) in try c.setDatabase(Int(database)) }
}

@_cdecl("ldredis_config_set_connect_timeout_ms")
public func ldredis_config_set_connect_timeout_ms(_ cfg: OpaquePointer?, _ ms: Int64) -> Int32 {
    set(cfg) { (c) throws(StoreError) in try c.setConnectTimeout(milliseconds: ms) }
}

@_cdecl("ldredis_config_set_operation_timeout_ms")
public func ldredis_config_set_operation_timeout_ms(_ cfg: OpaquePointer?, _ ms: Int64) -> Int32 {
    set(cfg) { (c) throws(StoreError) in try c.setOperationTimeout(milliseconds: ms) }
}

@_cdecl("ldredis_config_set_pool_size")
public func ldredis_config_set_pool_size(_ cfg: OpaquePointer?, _ size: Int32) -> Int32 {
    set(cfg) { (c) throws(StoreError) in try c.setPoolSize(Int(size)) }
}

@_cdecl("ldredis_config_set_cache_ttl_ms")
public func ldredis_config_set_cache_ttl_ms(_ cfg: OpaquePointer?, _ ttl: Int64) -> Int32 {
    set(cfg) { (c) throws(StoreError) in c.cacheTTLMilliseconds = ttl }
}

@_cdecl("ldredis_config_set_upsert_mode")
public func ldredis_config_set_upsert_mode(_ cfg: OpaquePointer?, _ mode: Int32) -> Int32 {
    set(cfg) { (c) throws(StoreError) in
        guard let m = UpsertMode(rawValue: Int(mode)) else {
            throw StoreError.invalidArgument("unknown upsert mode \(mode) (use LDREDIS_UPSERT_AUTO, _SCRIPT or _WATCH)")
        }
        c.upsertMode = m
    }
}

@_cdecl("ldredis_config_set_cache_capacity")
public func ldredis_config_set_cache_capacity(_ cfg: OpaquePointer?, _ entries: Int64) -> Int32 {
    set(cfg) { (c) throws(StoreError) in try c.setCacheCapacity(entries) }
}

@_cdecl("ldredis_config_set_cache_refresh_ahead")
public func ldredis_config_set_cache_refresh_ahead(_ cfg: OpaquePointer?, _ enabled: Int32) -> Int32 {
    set(cfg) { (c) throws(StoreError) in c.cacheRefreshAhead = enabled != 0 }
}

@_cdecl("ldredis_config_set_repopulate_on_restart")
public func ldredis_config_set_repopulate_on_restart(_ cfg: OpaquePointer?, _ enabled: Int32) -> Int32 {
    set(cfg) { (c) throws(StoreError) in c.repopulateOnRestart = enabled != 0 }
}

@_cdecl("ldredis_config_set_fail_fast")
public func ldredis_config_set_fail_fast(_ cfg: OpaquePointer?, _ enabled: Int32) -> Int32 {
    set(cfg) { (c) throws(StoreError) in c.failFast = enabled != 0 }
}

@_cdecl("ldredis_config_set_tls")
public func ldredis_config_set_tls(_ cfg: OpaquePointer?, _ enabled: Int32) -> Int32 {
    set(cfg) { (c) throws(StoreError) in c.tlsOverride = enabled != 0 }
}

@_cdecl("ldredis_config_set_tls_ca_file")
public func ldredis_config_set_tls_ca_file(_ cfg: OpaquePointer?, _ path: UnsafePointer<CChar>?) -> Int32 {
    set(cfg) { (c) throws(StoreError) in c.tlsCAFile = try nonEmptyPath(path, "path") }
}

@_cdecl("ldredis_config_set_tls_cert_file")
public func ldredis_config_set_tls_cert_file(_ cfg: OpaquePointer?, _ path: UnsafePointer<CChar>?) -> Int32 {
    set(cfg) { (c) throws(StoreError) in c.tlsCertFile = try nonEmptyPath(path, "path") }
}

@_cdecl("ldredis_config_set_tls_key_file")
public func ldredis_config_set_tls_key_file(_ cfg: OpaquePointer?, _ path: UnsafePointer<CChar>?) -> Int32 {
    set(cfg) { (c) throws(StoreError) in c.tlsKeyFile = try nonEmptyPath(path, "path") }
}

@_cdecl("ldredis_config_set_tls_server_name")
public func ldredis_config_set_tls_server_name(_ cfg: OpaquePointer?, _ name: UnsafePointer<CChar>?) -> Int32 {
    set(cfg) { (c) throws(StoreError) in
        let value = try optionalString(name, "name")
        if let value, value.isEmpty || value.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7F }) {
            throw StoreError.invalidArgument("the TLS server name must be a non-empty host name or address without spaces")
        }
        c.tlsServerName = value
    }
}

@_cdecl("ldredis_config_set_tls_verify")
public func ldredis_config_set_tls_verify(_ cfg: OpaquePointer?, _ verify: Int32) -> Int32 {
    set(cfg) { (c) throws(StoreError) in c.tlsVerify = verify != 0 }
}

/// An optional file path: NULL gives nil; an empty path is refused.
private func nonEmptyPath(_ p: UnsafePointer<CChar>?, _ name: String) throws(StoreError) -> String? {
    guard let value = try optionalString(p, name) else { return nil }
    guard !value.isEmpty else { throw StoreError.invalidArgument("\(name) must not be empty (NULL removes the setting)") }
    return value
}

// MARK: Sentinel

@_cdecl("ldredis_config_add_sentinel")
public func ldredis_config_add_sentinel(_ cfg: OpaquePointer?, _ hostPort: UnsafePointer<CChar>?) -> Int32 {
    set(cfg) { (c) throws(StoreError) in try c.addSentinel(string(hostPort, "host_port")) }
}

@_cdecl("ldredis_config_set_sentinel_master")
public func ldredis_config_set_sentinel_master(_ cfg: OpaquePointer?, _ name: UnsafePointer<CChar>?) -> Int32 {
    set(cfg) { (c) throws(StoreError) in try c.setSentinelMaster(optionalString(name, "name")) }
}

@_cdecl("ldredis_config_set_sentinel_auth")
public func ldredis_config_set_sentinel_auth(_ cfg: OpaquePointer?, _ username: UnsafePointer<CChar>?,
                                             _ password: UnsafePointer<CChar>?) -> Int32 {
    set(cfg) { (c) throws(StoreError) in
        c.setSentinelAuth(username: try optionalString(username, "username"), password: try optionalString(password, "password"))
    }
}

// MARK: Cluster

@_cdecl("ldredis_config_add_cluster_node")
public func ldredis_config_add_cluster_node(_ cfg: OpaquePointer?, _ hostPort: UnsafePointer<CChar>?) -> Int32 {
    set(cfg) { (c) throws(StoreError) in try c.addClusterNode(string(hostPort, "host_port")) }
}
