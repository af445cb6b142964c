import LDRedisCore

/// What `ls` shows of an item.
struct ItemSummary {
    let kind: String
    let key: String
    let version: Int64
    let deleted: Bool
    var on: Bool?
    var variations: Int?
    var rules: Int?
    var lastModified: JSONValue?

    init(kind: String, key: String, header: ItemHeader, json: [UInt8]) {
        self.kind = kind
        self.key = key
        version = header.version
        deleted = header.deleted
        guard !header.deleted, let value = try? JSONValue.parse(json) else { return }
        if kind == DataKind.features {
            on = value["on"]?.boolValue ?? false
            variations = value["variations"]?.count ?? 0
        }
        rules = value["rules"]?.count ?? 0
        lastModified = value["lastModified"] ?? value["_lastModified"]
    }

    var state: String {
        if deleted { return "deleted" }
        guard let on else { return "-" }
        return on ? "on" : "off"
    }

    var row: [String] {
        [KindName.display(kind), key, String(version), state, variations.map(String.init) ?? "-",
         rules.map(String.init) ?? "-", lastModifiedText ?? "-"]
    }

    /// Epoch milliseconds shown as a UTC time; anything else as it is.
    private var lastModifiedText: String? {
        guard let lastModified else { return nil }
        if let text = lastModified.numberText, let ms = Int64(text) { return isoTime(epochMilliseconds: ms) }
        return lastModified.stringValue ?? lastModified.compact
    }

    var json: JSONValue {
        var members: [(key: String, value: JSONValue)] = [
            ("kind", .string(KindName.display(kind))), ("key", .string(key)),
            ("version", .number(String(version))), ("deleted", .bool(deleted)),
        ]
        if let on { members.append(("on", .bool(on))) }
        if let variations { members.append(("variations", .number(String(variations)))) }
        if let rules { members.append(("rules", .number(String(rules)))) }
        if let lastModified { members.append(("lastModified", lastModified)) }
        return .object(members)
    }
}
