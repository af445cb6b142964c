/// The items of one kind as read by `all`: tombstones included, values that are not items
/// skipped and counted (and kept aside: the evaluator's `all_flags_state` must know of them, as
/// the SDKs' store fails on them).
public struct KindItems: Sendable {
    public let items: [(key: String, item: StoredItem)]
    /// The skipped values, with their hash field.
    public let malformed: [(key: String, json: [UInt8])]
    public let skippedMalformed: Int

    init(items: [(key: String, item: StoredItem)], malformed: [(key: String, json: [UInt8])] = [], skippedMalformed: Int? = nil) {
        self.items = items
        self.malformed = malformed
        self.skippedMalformed = skippedMalformed ?? malformed.count
    }
}
