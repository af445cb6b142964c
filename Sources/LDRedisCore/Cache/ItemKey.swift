/// A cached item's identity. Its hash is computed once (FNV-1a over both strings, seeded per
/// process) and serves both the shard choice and the shard's dictionary.
struct ItemKey: Hashable, Sendable {
    let kind: String
    let key: String
    let hash: UInt64

    private static let seed: UInt64 = 0xCBF2_9CE4_8422_2325 ^ UInt64.random(in: 0...UInt64.max)

    init(kind: String, key: String) {
        self.kind = kind
        self.key = key
        var h = ItemKey.fnv(kind, ItemKey.seed)
        h = (h ^ 0xFF) &* 0x0000_0100_0000_01B3       // separator: no valid UTF-8 byte
        hash = ItemKey.fnv(key, h)
    }

    @inline(__always)
    private static func fnv(_ text: String, _ start: UInt64) -> UInt64 {
        var text = text
        return text.withUTF8 { bytes in
            var h = start
            for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
            return h
        }
    }

    static func == (a: ItemKey, b: ItemKey) -> Bool {
        a.hash == b.hash && a.key == b.key && a.kind == b.kind
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(hash)
    }
}
