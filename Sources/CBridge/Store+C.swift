import LDRedisCore

// An `ldredis_store *` is a retained `CachingStore`.

/// Runs `body` with the store an `ldredis_store *` points to, borrowed: no retain or release
/// (a shared refcount touched by every call would make threads contend on one cache line).
@inline(__always)
func withStore<T>(_ p: OpaquePointer?, _ body: (CachingStore) throws(StoreError) -> T) throws(StoreError) -> T {
    guard let p else { throw StoreError.invalidArgument("store must not be NULL") }
    let result: Result<T, StoreError> = Unmanaged<CachingStore>.fromOpaque(UnsafeRawPointer(p))
        ._withUnsafeGuaranteedRef { store in Result { () throws(StoreError) -> T in try body(store) } }
    return try result.get()
}

func required<T>(_ p: UnsafeMutablePointer<T>?, _ name: String) throws(StoreError) -> UnsafeMutablePointer<T> {
    guard let p else { throw StoreError.invalidArgument("\(name) must not be NULL") }
    return p
}

@_cdecl("ldredis_store_new")
public func ldredis_store_new(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ cfg: OpaquePointer?) -> Int32 {
    cCall { () throws(StoreError) in
        let out = try required(out, "out")
        let handle = cfg == nil ? nil : try config(cfg)
        let store = try CachingStore(configuration: handle?.snapshot ?? StoreConfiguration(), log: handle?.log)
        out.pointee = OpaquePointer(Unmanaged.passRetained(store).toOpaque())
        return LDREDIS_OK
    }
}

@_cdecl("ldredis_store_free")
public func ldredis_store_free(_ store: OpaquePointer?) {
    guard let store else { return }
    Unmanaged<CachingStore>.fromOpaque(UnsafeRawPointer(store)).takeRetainedValue().close()
}

@_cdecl("ldredis_store_init_json")
public func ldredis_store_init_json(_ store: OpaquePointer?, _ json: UnsafePointer<CChar>?, _ len: Int) -> Int32 {
    cCall { () throws(StoreError) in
        let document = try buffer(json, len, "json")
        try withStore(store) { (s) throws(StoreError) in try s.initialize(parsing: document) }
        return LDREDIS_OK
    }
}

@_cdecl("ldredis_store_get")
public func ldredis_store_get(_ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                              _ outLen: UnsafeMutablePointer<Int>?, _ store: OpaquePointer?,
                              _ kind: UnsafePointer<CChar>?, _ key: UnsafePointer<CChar>?) -> Int32 {
    out?.pointee = nil
    outLen?.pointee = 0
    return cCall { () throws(StoreError) in
        let out = try required(out, "out")
        let kindName = try string(kind, "kind"), itemKey = try string(key, "key")
        return try withStore(store) { (s) throws(StoreError) in
            guard let item = try s.get(kind: kindName, key: itemKey), !item.deleted else {
                return LDREDIS_NOT_FOUND
            }
            try output(item.json, out, outLen)
            return LDREDIS_OK
        }
    }
}

@_cdecl("ldredis_store_all_json")
public func ldredis_store_all_json(_ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                                   _ outLen: UnsafeMutablePointer<Int>?, _ store: OpaquePointer?,
                                   _ kind: UnsafePointer<CChar>?) -> Int32 {
    out?.pointee = nil
    outLen?.pointee = 0
    return cCall { () throws(StoreError) in
        let out = try required(out, "out")
        let kindName = try string(kind, "kind")
        let (pointer, count) = try withStore(store) { (s) throws(StoreError) in try s.allJSON(kind: kindName) }
        out.pointee = UnsafeMutableRawPointer(pointer).assumingMemoryBound(to: CChar.self)
        outLen?.pointee = count
        return LDREDIS_OK
    }
}

@_cdecl("ldredis_store_upsert")
public func ldredis_store_upsert(_ outUpdated: UnsafeMutablePointer<Int32>?, _ store: OpaquePointer?,
                                 _ kind: UnsafePointer<CChar>?, _ key: UnsafePointer<CChar>?,
                                 _ json: UnsafePointer<CChar>?, _ len: Int) -> Int32 {
    outUpdated?.pointee = 0
    return cCall { () throws(StoreError) in
        let kindName = try string(kind, "kind")
        let itemKey = try string(key, "key")
        let item = try StoredItem.input(bytes(json, len, "json"))
        let result = try withStore(store) { (s) throws(StoreError) in try s.upsert(kind: kindName, key: itemKey, item: item) }
        outUpdated?.pointee = result.applied ? 1 : 0
        return LDREDIS_OK
    }
}

@_cdecl("ldredis_store_delete")
public func ldredis_store_delete(_ outUpdated: UnsafeMutablePointer<Int32>?, _ store: OpaquePointer?,
                                 _ kind: UnsafePointer<CChar>?, _ key: UnsafePointer<CChar>?,
                                 _ version: Int64) -> Int32 {
    outUpdated?.pointee = 0
    return cCall { () throws(StoreError) in
        let kindName = try string(kind, "kind"), itemKey = try string(key, "key")
        let result = try withStore(store) { (s) throws(StoreError) in try s.delete(kind: kindName, key: itemKey, version: version) }
        outUpdated?.pointee = result.applied ? 1 : 0
        return LDREDIS_OK
    }
}

@_cdecl("ldredis_store_initialized")
public func ldredis_store_initialized(_ out: UnsafeMutablePointer<Int32>?, _ store: OpaquePointer?) -> Int32 {
    out?.pointee = 0
    return cCall { () throws(StoreError) in
        let out = try required(out, "out")
        out.pointee = try withStore(store) { (s) throws(StoreError) in try s.isInitialized() } ? 1 : 0
        return LDREDIS_OK
    }
}

@_cdecl("ldredis_store_available")
public func ldredis_store_available(_ out: UnsafeMutablePointer<Int32>?, _ store: OpaquePointer?) -> Int32 {
    out?.pointee = 0
    return cCall { () throws(StoreError) in
        let out = try required(out, "out")
        out.pointee = try withStore(store) { (s) throws(StoreError) in s.isAvailable() } ? 1 : 0
        return LDREDIS_OK
    }
}
