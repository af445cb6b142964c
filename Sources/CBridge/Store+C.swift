import LDRedisCore

/// What an `ldredis_store *` points to.
final class StoreHandle: Sendable {
    let store: CachingStore

    init(_ configuration: StoreConfiguration) throws(StoreError) {
        store = try CachingStore(configuration: configuration)
    }

    deinit { store.close() }
}

func handle(_ p: OpaquePointer?) throws(StoreError) -> CachingStore {
    guard let p else { throw StoreError.invalidArgument("store must not be NULL") }
    return Unmanaged<StoreHandle>.fromOpaque(UnsafeRawPointer(p)).takeUnretainedValue().store
}

func required<T>(_ p: UnsafeMutablePointer<T>?, _ name: String) throws(StoreError) -> UnsafeMutablePointer<T> {
    guard let p else { throw StoreError.invalidArgument("\(name) must not be NULL") }
    return p
}

@_cdecl("ldredis_store_new")
public func ldredis_store_new(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ cfg: OpaquePointer?) -> Int32 {
    cCall { () throws(StoreError) in
        let out = try required(out, "out")
        let configuration = cfg == nil ? StoreConfiguration() : try config(cfg).snapshot
        out.pointee = OpaquePointer(Unmanaged.passRetained(try StoreHandle(configuration)).toOpaque())
        return LDREDIS_OK
    }
}

@_cdecl("ldredis_store_free")
public func ldredis_store_free(_ store: OpaquePointer?) {
    guard let store else { return }
    Unmanaged<StoreHandle>.fromOpaque(UnsafeRawPointer(store)).release()
}

@_cdecl("ldredis_store_init_json")
public func ldredis_store_init_json(_ store: OpaquePointer?, _ json: UnsafePointer<CChar>?, _ len: Int) -> Int32 {
    cCall { () throws(StoreError) in
        let s = try handle(store)
        try s.initialize(FullDataSet.parse(bytes(json, len, "json")))
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
        let s = try handle(store)
        guard let item = try s.get(kind: string(kind, "kind"), key: string(key, "key")), !item.deleted else {
            return LDREDIS_NOT_FOUND
        }
        try output(item.json, out, outLen)
        return LDREDIS_OK
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
        let s = try handle(store)
        try output(AllJSON.encode(s.all(kind: string(kind, "kind"))), out, outLen)
        return LDREDIS_OK
    }
}

@_cdecl("ldredis_store_upsert")
public func ldredis_store_upsert(_ outUpdated: UnsafeMutablePointer<Int32>?, _ store: OpaquePointer?,
                                 _ kind: UnsafePointer<CChar>?, _ key: UnsafePointer<CChar>?,
                                 _ json: UnsafePointer<CChar>?, _ len: Int) -> Int32 {
    outUpdated?.pointee = 0
    return cCall { () throws(StoreError) in
        let s = try handle(store)
        let kindName = try string(kind, "kind")
        let itemKey = try string(key, "key")
        let item = try StoredItem.input(bytes(json, len, "json"))
        let result = try s.upsert(kind: kindName, key: itemKey, item: item)
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
        let s = try handle(store)
        let result = try s.delete(kind: string(kind, "kind"), key: string(key, "key"), version: version)
        outUpdated?.pointee = result.applied ? 1 : 0
        return LDREDIS_OK
    }
}

@_cdecl("ldredis_store_initialized")
public func ldredis_store_initialized(_ out: UnsafeMutablePointer<Int32>?, _ store: OpaquePointer?) -> Int32 {
    out?.pointee = 0
    return cCall { () throws(StoreError) in
        let out = try required(out, "out")
        out.pointee = try handle(store).isInitialized() ? 1 : 0
        return LDREDIS_OK
    }
}

@_cdecl("ldredis_store_available")
public func ldredis_store_available(_ out: UnsafeMutablePointer<Int32>?, _ store: OpaquePointer?) -> Int32 {
    out?.pointee = 0
    return cCall { () throws(StoreError) in
        let out = try required(out, "out")
        out.pointee = try handle(store).isAvailable() ? 1 : 0
        return LDREDIS_OK
    }
}
