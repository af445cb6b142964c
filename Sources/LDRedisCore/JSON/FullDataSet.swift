/// A full data set, as LaunchDarkly serves it: the items of each kind, keyed.
public struct FullDataSet: Sendable {
    public struct Kind: Sendable {
        /// The namespace: `features`, `segments`, or any other kind name.
        public let name: String
        public let items: [(key: String, item: StoredItem)]
    }

    public let kinds: [Kind]

    public init(kinds: [Kind]) {
        self.kinds = kinds
    }

    public var itemCount: Int { kinds.reduce(0) { $0 + $1.items.count } }

    /// Parses `{"flags":{key:item,...},"segments":{...},...}`. "flags" becomes the kind
    /// "features"; any other member is a kind of that name. Every item is validated as caller
    /// input (a JSON object with an integer version in range) and kept byte for byte.
    /// A key given twice in one kind (however escaped: `"a"`, `"\u0061"`) keeps its last value,
    /// at its first position, as Redis does with the HSET the init sends (and as Python's json
    /// and Go's encoding/json decode it); keys are compared as UTF-8 bytes, as Redis compares
    /// fields. A kind or key with a lone surrogate escape (`"\ud800"`) is invalid input.
    public static func parse(_ json: [UInt8]) throws(StoreError) -> FullDataSet {
        try json.withBytes { (buffer) throws(StoreError) in try parse(buffer) }
    }

    /// Parses straight from a caller's buffer (no copy of the whole document).
    public static func parse(_ buffer: UnsafeBufferPointer<UInt8>) throws(StoreError) -> FullDataSet {
        var none = NoObserver()
        return try parse(buffer, observer: &none)
    }

    /// Parses, telling `observer` about each kind and item as soon as it is read (so an init can
    /// stream to Redis while the rest of the document is still being parsed).
    static func parse<O: DataSetObserver>(_ buffer: UnsafeBufferPointer<UInt8>,
                                          observer: inout O) throws(StoreError) -> FullDataSet {
        var s = JSONScanner(buffer)
        var kinds: [Kind] = []
        var members: Set<String> = []
        do {
            try s.beginObject()
            var first = true
            while let nameRange = try s.nextMember(first: first) {
                first = false
                guard let member = s.decodeName(nameRange) else {
                    throw StoreError.invalidArgument(FullDataSet.loneSurrogate("a kind name", at: nameRange.lowerBound))
                }
                let name = try DataKind.name(member)
                if kinds.contains(where: { $0.name == name }) {
                    let both = name == "features" && members.contains(member == "flags" ? "features" : "flags")
                    throw StoreError.invalidArgument(both
                        ? "the data set has both \"flags\" and \"features\""
                        : "the data set has \"\(member)\" twice")
                }
                members.insert(member)
                guard s.current == UInt8(ascii: "{") else {
                    throw StoreError.invalidArgument("\"\(member)\" must be an object of items keyed by their keys")
                }
                var items: [(key: String, item: StoredItem)] = []
                var positions = KeyPositions()
                observer.beginKind(name)
                try s.beginObject()
                var firstItem = true
                while let keyRange = try s.nextMember(first: firstItem) {
                    firstItem = false
                    guard let key = s.decodeName(keyRange) else {
                        throw StoreError.invalidArgument(FullDataSet.loneSurrogate("a key in \"\(member)\"", at: keyRange.lowerBound))
                    }
                    guard !key.isEmpty else {
                        throw StoreError.invalidArgument("an item of \"\(member)\" has an empty key")
                    }
                    let start = s.index
                    let header: ItemHeader
                    do throws(JSONScanner.Failure) {
                        header = try ItemParser.scanItem(&s, strict: true)
                    } catch {
                        throw StoreError.invalidArgument("invalid item \"\(key)\" in \"\(member)\": \(error.message) (at byte \(error.offset))")
                    }
                    let item = StoredItem(header: header, json: Array(buffer[start..<s.index]))
                    if let position = positions.existing(key, orAppendedTo: items) {
                        items[position] = (key, item)
                    } else {
                        items.append((key, item))
                    }
                    observer.item(key, item)
                }
                observer.endKind()
                kinds.append(Kind(name: name, items: items))
            }
            try s.expectEnd()
        } catch let failure as JSONScanner.Failure {
            throw StoreError.invalidArgument("invalid data set JSON: \(failure.message) (at byte \(failure.offset))")
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError.internal("unexpected error parsing the data set")
        }
        return FullDataSet(kinds: kinds)
    }

    private static func loneSurrogate(_ what: String, at offset: Int) -> String {
        "\(what) has a lone surrogate escape (\\ud800-\\udfff without its pair: not a character, "
            + "so not storable as a Redis field) (at byte \(offset))"
    }
}

extension StoredItem {
    /// The tombstone ldredis writes for a delete: `{"key":K,"version":N,"deleted":true}`.
    public static func tombstone(key: String, version: Int64) -> StoredItem {
        var json: [UInt8] = Array("{\"key\":".utf8)
        JSONWriter.appendString(key, to: &json)
        json.append(contentsOf: Array(",\"version\":\(version),\"deleted\":true}".utf8))
        return StoredItem(header: ItemHeader(version: version, deleted: true), json: json)
    }

    /// Parses an item given by a caller (see `ItemParser.parseInput`).
    public static func input(_ json: [UInt8]) throws(StoreError) -> StoredItem {
        let header = try json.withBytes { (b) throws(StoreError) in try ItemParser.parseInput(b) }
        return StoredItem(header: header, json: json)
    }
}
