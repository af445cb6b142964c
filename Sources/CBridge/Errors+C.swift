import Glibc
import LDRedisCore

// Status codes, as in include/ldredis.h.
let LDREDIS_OK: Int32 = 0
let LDREDIS_NOT_FOUND: Int32 = 1
let LDREDIS_ERR_INVALID_ARGUMENT: Int32 = -1
let LDREDIS_ERR_UNAVAILABLE: Int32 = -2
let LDREDIS_ERR_TIMEOUT: Int32 = -3
let LDREDIS_ERR_REDIS: Int32 = -4
let LDREDIS_ERR_MALFORMED: Int32 = -5
let LDREDIS_ERR_CONFLICT: Int32 = -6
let LDREDIS_ERR_INTERNAL: Int32 = -7
let LDREDIS_ERR_BUSY: Int32 = -8

/// The thread-local last error: a malloc'd C string per thread, freed at thread exit.
private let lastErrorKey: pthread_key_t = {
    var key = pthread_key_t()
    pthread_key_create(&key) { free($0) }
    return key
}()

func setLastError(_ message: String) {
    let copy = strdup(message)
    if let old = pthread_getspecific(lastErrorKey) { free(old) }
    pthread_setspecific(lastErrorKey, copy)
}

func lastErrorPointer() -> UnsafePointer<CChar> {
    if let p = pthread_getspecific(lastErrorKey) {
        return UnsafePointer(p.assumingMemoryBound(to: CChar.self))
    }
    return emptyCString
}

private let empty: StaticString = ""

private var emptyCString: UnsafePointer<CChar> {
    UnsafeRawPointer(empty.utf8Start).assumingMemoryBound(to: CChar.self)
}

/// The one error path of the C API: records the message, returns the status.
func fail(_ error: StoreError) -> Int32 {
    setLastError(error.description)
    switch error {
    case .invalidArgument: return LDREDIS_ERR_INVALID_ARGUMENT
    case .unavailable: return LDREDIS_ERR_UNAVAILABLE
    case .timeout: return LDREDIS_ERR_TIMEOUT
    case .redis: return LDREDIS_ERR_REDIS
    case .malformed: return LDREDIS_ERR_MALFORMED
    case .conflict: return LDREDIS_ERR_CONFLICT
    case .internal: return LDREDIS_ERR_INTERNAL
    case .busy: return LDREDIS_ERR_BUSY
    }
}

/// Runs a C API body, mapping a thrown `StoreError` to its status.
@inline(__always)
func cCall(_ body: () throws(StoreError) -> Int32) -> Int32 {
    do {
        return try body()
    } catch {
        return fail(error)
    }
}

/// Reads a required C string argument as UTF-8.
func string(_ p: UnsafePointer<CChar>?, _ name: String) throws(StoreError) -> String {
    guard let p else { throw StoreError.invalidArgument("\(name) must not be NULL") }
    guard let s = String(validatingCString: p) else {
        throw StoreError.invalidArgument("\(name) is not valid UTF-8")
    }
    return s
}

/// Reads an optional C string argument (NULL gives nil).
func optionalString(_ p: UnsafePointer<CChar>?, _ name: String) throws(StoreError) -> String? {
    guard p != nil else { return nil }
    return try string(p, name)
}

/// Copies a caller's (pointer, length) buffer.
func bytes(_ p: UnsafePointer<CChar>?, _ len: Int, _ name: String) throws(StoreError) -> [UInt8] {
    guard let p else { throw StoreError.invalidArgument("\(name) must not be NULL") }
    // size_t arrives as Int: a length past Int.max (a caller's bug) shows up negative.
    guard len >= 0 else { throw StoreError.invalidArgument("the length of \(name) is out of range") }
    return Array(UnsafeRawBufferPointer(start: p, count: len))
}

/// A caller's (pointer, length) buffer, read in place (valid for the call only).
func buffer(_ p: UnsafePointer<CChar>?, _ len: Int, _ name: String) throws(StoreError) -> UnsafeBufferPointer<UInt8> {
    guard let p else { throw StoreError.invalidArgument("\(name) must not be NULL") }
    guard len >= 0 else { throw StoreError.invalidArgument("the length of \(name) is out of range") }
    return UnsafeBufferPointer(start: UnsafeRawPointer(p).assumingMemoryBound(to: UInt8.self), count: len)
}

/// Hands bytes to the caller as a malloc'd, NUL-terminated string (freed with ldredis_free).
func output(_ value: [UInt8], _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>,
            _ outLen: UnsafeMutablePointer<Int>?) throws(StoreError) {
    guard let buffer = malloc(value.count + 1) else {
        throw StoreError.internal("out of memory")
    }
    value.withUnsafeBytes { src in
        if let base = src.baseAddress { memcpy(buffer, base, value.count) }
    }
    buffer.storeBytes(of: 0, toByteOffset: value.count, as: UInt8.self)
    out.pointee = buffer.assumingMemoryBound(to: CChar.self)
    outLen?.pointee = value.count
}
