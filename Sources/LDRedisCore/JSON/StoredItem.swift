/// An item as stored: its header and its JSON bytes.
public struct StoredItem: Equatable, Sendable {
    public let header: ItemHeader
    public let json: [UInt8]

    public var version: Int64 { header.version }
    public var deleted: Bool { header.deleted }

    public init(header: ItemHeader, json: [UInt8]) {
        self.header = header
        self.json = json
    }
}
