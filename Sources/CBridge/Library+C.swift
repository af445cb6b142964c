import Glibc
import LDRedisCore

// Written from the repository's VERSION by scripts/set-version.sh (make test-version checks it).
private let versionString: StaticString = "1.0.0"

@_cdecl("ldredis_version")
public func ldredis_version() -> UnsafePointer<CChar> {
    UnsafeRawPointer(versionString.utf8Start).assumingMemoryBound(to: CChar.self)
}

@_cdecl("ldredis_status_name")
public func ldredis_status_name(_ status: Int32) -> UnsafePointer<CChar> {
    let name: StaticString
    switch status {
    case LDREDIS_OK: name = "LDREDIS_OK"
    case LDREDIS_NOT_FOUND: name = "LDREDIS_NOT_FOUND"
    case LDREDIS_ERR_INVALID_ARGUMENT: name = "LDREDIS_ERR_INVALID_ARGUMENT"
    case LDREDIS_ERR_UNAVAILABLE: name = "LDREDIS_ERR_UNAVAILABLE"
    case LDREDIS_ERR_TIMEOUT: name = "LDREDIS_ERR_TIMEOUT"
    case LDREDIS_ERR_REDIS: name = "LDREDIS_ERR_REDIS"
    case LDREDIS_ERR_MALFORMED: name = "LDREDIS_ERR_MALFORMED"
    case LDREDIS_ERR_CONFLICT: name = "LDREDIS_ERR_CONFLICT"
    case LDREDIS_ERR_INTERNAL: name = "LDREDIS_ERR_INTERNAL"
    case LDREDIS_ERR_BUSY: name = "LDREDIS_ERR_BUSY"
    default: name = "unknown status"
    }
    return UnsafeRawPointer(name.utf8Start).assumingMemoryBound(to: CChar.self)
}

@_cdecl("ldredis_last_error")
public func ldredis_last_error() -> UnsafePointer<CChar> {
    lastErrorPointer()
}

@_cdecl("ldredis_free")
public func ldredis_free(_ p: UnsafeMutableRawPointer?) {
    free(p)
}
