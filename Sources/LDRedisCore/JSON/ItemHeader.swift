/// What the store needs to know about one item (flag or segment): its version and whether it
/// is a tombstone. The item's JSON itself is kept as bytes, exactly as written.
public struct ItemHeader: Equatable, Sendable {
    /// The item's `version` (for a value written by someone else with a non-integral or huge
    /// version: that number truncated and clamped to the Int64 range).
    public let version: Int64
    /// True for tombstones: `"deleted":true`, or the Go SDK's / Relay's `"key":"$deleted"`.
    public let deleted: Bool
    /// The version as the JSON number it was written as, which is what the version rule
    /// compares (the server-side script compares Lua numbers, i.e. doubles, the same way).
    let order: Double

    public init(version: Int64, deleted: Bool) {
        self.init(version: version, deleted: deleted, order: Double(version))
    }

    init(version: Int64, deleted: Bool, order: Double) {
        self.version = version
        self.deleted = deleted
        self.order = order
    }

    /// Whether this stored item wins against a write of `version` (equal or higher).
    func wins(against version: Int64) -> Bool {
        order >= Double(version)
    }
}
