import LDRedisCore

/// Live items, tombstones and values that are not items, of one kind.
struct Census {
    var live = 0, tombstones = 0, malformed = 0

    init(_ store: RedisFeatureStore, kind: String) throws(StoreError) {
        for (_, value) in try store.rawHash(kind: kind) {
            guard let header = RedisFeatureStore.storedHeader(value) else { malformed += 1; continue }
            if header.deleted { tombstones += 1 } else { live += 1 }
        }
    }
}
