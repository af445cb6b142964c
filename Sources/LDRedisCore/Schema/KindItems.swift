/// The items of one kind as read by `all`: tombstones included, values that are not items
/// skipped and counted.
public struct KindItems: Sendable {
    public let items: [(key: String, item: StoredItem)]
    public let skippedMalformed: Int
}
