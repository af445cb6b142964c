import Glibc

extension CachingStore {
    /// Every live item of a kind as the JSON object `{key: item, ...}`, in a malloc'd,
    /// NUL-terminated buffer the caller frees (`ldredis_store_all_json`). Cache off: built
    /// straight from the reply (`RedisFeatureStore.allJSON`); else from `all`, as served.
    public func allJSON(kind: String) throws(StoreError) -> (pointer: UnsafeMutablePointer<UInt8>, count: Int) {
        guard mode != .off else {
            let kind = try DataKind.name(kind)
            return try read { () throws(StoreError) in try core.allJSON(kind: kind) }
        }
        guard let result = AllJSON.encodeMalloced(try all(kind: kind)) else {
            throw StoreError.internal("out of memory")
        }
        return result
    }
}
