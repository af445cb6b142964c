/// The result of an upsert or delete.
public enum UpsertResult: Equatable, Sendable {
    /// The item was written.
    case applied
    /// The stored item's version was equal or higher; `stored` is that item (nil if it could
    /// not be read as an item).
    case rejected(stored: StoredItem?)

    public var applied: Bool { self == .applied }
}
