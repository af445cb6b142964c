import COpenSSL
import Glibc
import LDEvaluation

/// The caching store as the evaluator's data source: flags and segments read through the item
/// cache (decoded once per cached item), the flag list through the list cache, Big Segments
/// from Redis. A Redis failure is an EXCEPTION for the evaluator, with the store's message.
extension CachingStore: EvaluationDataSource {
    public static let stalenessMilliseconds: Int64 = 120_000

    private func item(_ kind: String, _ key: String) throws(EvaluationFailure) -> StoredItem? {
        if key.isEmpty { return try emptyKeyItem(kind) }
        do {
            return try get(kind: kind, key: key)
        } catch {
            if case .invalidArgument = error { return nil }
            // A stored JSON null (the Erlang SDK's stray value) is no item for the SDK's store
            // (json.loads gives None); the store's get calls it malformed.
            if case .malformed = error, try storedNull(kind, key) { return nil }
            throw .exception(error.description)
        }
    }

    /// Whether the value under `key`, one that `all` skipped, is JSON null.
    private func storedNull(_ kind: String, _ key: String) throws(EvaluationFailure) -> Bool {
        let all: KindItems
        do { all = try allItems(kind: kind) } catch { throw .exception(error.description) }
        return all.malformed.contains { $0.key.utf8.elementsEqual(key.utf8) && CachingStore.isJSONNull($0.json) }
    }

    /// `null` with JSON white space around it (what Python's `json.loads` reads as None).
    static func isJSONNull(_ json: [UInt8]) -> Bool {
        let space: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
        guard let start = json.firstIndex(where: { !space($0) }),
              let end = json.lastIndex(where: { !space($0) }) else { return false }
        return json[start...end].elementsEqual("null".utf8)
    }

    /// The item under the hash field "": the store's `get` refuses the empty key, the SDK's own
    /// store reads it (and evaluates a flag or segment keyed ""), so it is found in the list.
    private func emptyKeyItem(_ kind: String) throws(EvaluationFailure) -> StoredItem? {
        let all: KindItems
        do { all = try allItems(kind: kind) } catch { throw .exception(error.description) }
        if let found = all.items.first(where: { $0.key.isEmpty }) { return found.item }
        if let bad = all.malformed.first(where: { $0.key.isEmpty }), !CachingStore.isJSONNull(bad.json) {
            throw .exception("the value of \"\" in the \(kind) hash is not a LaunchDarkly item")
        }
        return nil
    }

    public func flag(_ key: String) throws(EvaluationFailure) -> FeatureFlag? {
        // Tombstones are decoded too: the SDK rejects one of the wrong types (EXCEPTION).
        guard let item = try item(DataKind.features, key) else { return nil }
        let flag = try item.decoded.flag(item.json)
        return flag.deleted ? nil : flag
    }

    public func segment(_ key: String) throws(EvaluationFailure) -> Segment? {
        guard let item = try item(DataKind.segments, key) else { return nil }
        let segment = try item.decoded.segment(item.json)
        return segment.deleted ? nil : segment
    }

    /// The SDK's `store.all(FEATURES)`: every stored value is decoded (tombstones too) and any
    /// that cannot be decoded (not JSON, JSON `null`, not a flag) fails the whole read, which
    /// makes all_flags_state invalid. A value the core's header scan skipped but that decodes
    /// as a flag (e.g. `"version": true`, an int for Python) is served, as the SDK serves it.
    public func allFlags() throws(EvaluationFailure) -> [FeatureFlag] {
        let all: KindItems
        do { all = try allItems(kind: DataKind.features) } catch { throw .exception(error.description) }
        var flags: [FeatureFlag] = []
        flags.reserveCapacity(all.items.count)
        for (_, item) in all.items {
            let flag = try item.decoded.flag(item.json)
            if !flag.deleted { flags.append(flag) }
        }
        for (key, json) in all.malformed {
            let flag: FeatureFlag
            do { flag = try FeatureFlag(json: json) } catch {
                throw .exception("the value of \"\(key)\" in the flags hash cannot be decoded: " + error.message)
            }
            if !flag.deleted { flags.append(flag) }
        }
        return flags
    }

    /// The Python SDK's Big Segment manager: membership by the context key's hash (SHA-256,
    /// base64), then the status from `big_segments_synchronized_on` (STALE when missing or older
    /// than 120 s; STORE_ERROR when Redis fails). Not cached: each call asks Redis.
    public func bigSegmentMembership(contextKey: String) -> (membership: [String: Bool]?, status: EvaluationReason.BigSegmentsStatus) {
        let membership: [String: Bool]?
        do {
            membership = try core.bigSegmentMembership(contextHash: CachingStore.contextHash(contextKey))
        } catch {
            return (nil, .storeError)
        }
        do {
            guard let synced = try core.bigSegmentsSynchronizedOn() else { return (membership, .stale) }
            var ts = timespec()
            clock_gettime(CLOCK_REALTIME, &ts)
            let now = Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
            return (membership, now - synced >= CachingStore.stalenessMilliseconds ? .stale : .healthy)
        } catch {
            return (membership, .storeError)
        }
    }

    /// base64(SHA-256(key)), the SDKs' Big Segment context hash.
    static func contextHash(_ key: String) -> String {
        var digest = [UInt8](repeating: 0, count: 32)
        var size: UInt32 = 0
        let bytes = Array(key.utf8)
        _ = bytes.withUnsafeBytes { src in
            EVP_Digest(src.baseAddress, src.count, &digest, &size, EVP_sha256(), nil)
        }
        return base64(digest)
    }

    private static func base64(_ data: [UInt8]) -> String {
        let table = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var out: [UInt8] = []
        var i = 0
        while i < data.count {
            let b0 = UInt32(data[i]), b1 = i + 1 < data.count ? UInt32(data[i + 1]) : 0, b2 = i + 2 < data.count ? UInt32(data[i + 2]) : 0
            let n = b0 << 16 | b1 << 8 | b2
            out.append(table[Int(n >> 18 & 63)])
            out.append(table[Int(n >> 12 & 63)])
            out.append(i + 1 < data.count ? table[Int(n >> 6 & 63)] : UInt8(ascii: "="))
            out.append(i + 2 < data.count ? table[Int(n & 63)] : UInt8(ascii: "="))
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }
}
