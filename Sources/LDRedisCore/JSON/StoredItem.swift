/// An item as stored: its header and its JSON bytes.
public struct StoredItem: Equatable, Sendable {
    public let header: ItemHeader
    public let json: [UInt8]
    /// The evaluator's decoding of `json`, made on first use and shared by every copy of this
    /// item: it lives in the cache next to the bytes and goes when they go (Cache/DecodedItemSlot).
    public let decoded = DecodedItemSlot()

    public var version: Int64 { header.version }
    public var deleted: Bool { header.deleted }

    public init(header: ItemHeader, json: [UInt8]) {
        self.header = header
        self.json = json
    }

    public static func == (a: StoredItem, b: StoredItem) -> Bool {
        a.header == b.header && a.json == b.json
    }
}
