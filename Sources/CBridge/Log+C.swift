import Glibc
import LDRedisCore

/// `void (*ldredis_log_fn)(void *user_data, int level, const char *message)`.
public typealias LogFunction = @convention(c) (UnsafeMutableRawPointer?, Int32, UnsafePointer<CChar>?) -> Void

/// The caller's function and pointer: the library only passes the pointer back.
private struct LogTarget: @unchecked Sendable {
    let function: LogFunction
    let userData: UnsafeMutableRawPointer?

    func write(_ level: LogLevel, _ message: String) {
        message.withCString { function(userData, level.rawValue, $0) }
    }
}

private func logLevel(_ value: Int32) throws(StoreError) -> LogLevel {
    guard let level = LogLevel(rawValue: value) else {
        throw StoreError.invalidArgument("unknown log level \(value) (use LDREDIS_LOG_DEBUG, _INFO, _WARN or _ERROR)")
    }
    return level
}

@_cdecl("ldredis_config_set_logger")
public func ldredis_config_set_logger(_ cfg: OpaquePointer?, _ fn: LogFunction?, _ userData: UnsafeMutableRawPointer?,
                                      _ minLevel: Int32) -> Int32 {
    cCall { () throws(StoreError) in
        let handle = try config(cfg)
        guard let fn else {
            handle.log = nil
            return LDREDIS_OK
        }
        let target = LogTarget(function: fn, userData: userData)
        handle.log = .function(minimum: try logLevel(minLevel)) { level, message in target.write(level, message) }
        return LDREDIS_OK
    }
}

@_cdecl("ldredis_config_set_log_queue")
public func ldredis_config_set_log_queue(_ cfg: OpaquePointer?, _ minLevel: Int32) -> Int32 {
    cCall { () throws(StoreError) in
        let handle = try config(cfg)
        handle.log = .queue(minimum: try logLevel(minLevel))
        return LDREDIS_OK
    }
}

@_cdecl("ldredis_store_next_log")
public func ldredis_store_next_log(_ outLevel: UnsafeMutablePointer<Int32>?,
                                   _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                                   _ store: OpaquePointer?) -> Int32 {
    outLevel?.pointee = 0
    out?.pointee = nil
    return cCall { () throws(StoreError) in
        let out = try required(out, "out_message")
        guard let line = try withStore(store, { (s) throws(StoreError) in s.nextLogLine() }) else {
            return LDREDIS_NOT_FOUND
        }
        try output(Array(line.message.utf8), out, nil)
        outLevel?.pointee = line.level.rawValue
        return LDREDIS_OK
    }
}
