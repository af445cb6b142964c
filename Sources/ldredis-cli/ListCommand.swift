import Glibc
import LDRedisCore

/// `ldredis ls`: the items as a table, or JSON lines.
enum ListCommand {
    static let command = Command(
        name: "ls", synopsis: "[flags|segments] [--deleted] [--match GLOB] [--json]",
        summary: "list flags and segments (key, version, on/off, variations, rules, last modified)",
        details: "Without a kind, both. Sorted by key. Tombstones only with --deleted.",
        options: [
            OptionSpec("deleted", help: "include tombstones (deleted items)"),
            OptionSpec("match", value: "GLOB", help: "only keys matching the shell pattern GLOB"),
            OptionSpec("json", help: "JSON lines: one object per item"),
        ],
        positionals: 0...1, run: run)

    static func run(_ inv: Invocation) throws(CLIError) -> Int32 {
        let kinds = try inv.positionals.first.map { (k) throws(CLIError) in [try KindName.parse(k)] }
            ?? [DataKind.features, DataKind.segments]
        let pattern = inv.arguments.value("match")
        let withDeleted = inv.arguments.given("deleted")
        let json = inv.arguments.given("json")
        var table = Table(["KIND", "KEY", "VERSION", "STATE", "VARIATIONS", "RULES", "LAST MODIFIED"], rightAligned: [2, 4, 5])
        try inv.withStore { (store) throws(CLIError) in
            for kind in kinds {
                let items = try inv.attempt { () throws(StoreError) in try store.rawHash(kind: kind) }
                var malformed = 0
                for (field, value) in items.sorted(by: { $0.field.lexicographicallyPrecedes($1.field) }) {
                    let key = String(decoding: field, as: UTF8.self)
                    if let pattern, fnmatch(pattern, key, 0) != 0 { continue }
                    guard let header = RedisFeatureStore.storedHeader(value) else { malformed += 1; continue }
                    if header.deleted && !withDeleted { continue }
                    let summary = ItemSummary(kind: kind, key: key, header: header, json: value)
                    if json {
                        inv.out.line(summary.json.compact)
                    } else {
                        table.add(summary.row)
                    }
                }
                if malformed > 0 {
                    inv.warn("\(malformed) value\(malformed == 1 ? "" : "s") in \(store.key(for: kind)) \(malformed == 1 ? "is" : "are") not items (see ldredis verify)")
                }
            }
        }
        if !json { inv.out.write(table.render(style: inv.out.style)) }
        return ExitCode.ok
    }
}

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

/// `ldredis get KIND KEY`: one stored item, pretty-printed (`--raw`: its bytes).
enum GetCommand {
    static let command = Command(
        name: "get", synopsis: "KIND KEY [--raw]",
        summary: "show one stored item (KIND: flag or segment), tombstones included",
        details: "Exit status 1 when the item is not there. A key that starts with '-' goes after '--'.",
        options: [OptionSpec("raw", help: "the stored bytes, exactly")],
        positionals: 2...2, run: run)

    static func run(_ inv: Invocation) throws(CLIError) -> Int32 {
        let kind = try KindName.parse(inv.positionals[0])
        let key = inv.positionals[1]
        let stored = try inv.withStore { (store) throws(CLIError) -> RedisReply in
            try inv.attempt { () throws(StoreError) in try store.rawCommand("HGET", store.key(for: kind), key) }
        }
        guard case .bulk(let bytes) = stored else {
            throw CLIError.failed("no \(KindName.display(kind).dropLast()) \"\(key)\" in the store")
        }
        if inv.arguments.given("raw") {
            inv.out.write(bytes: bytes)
            if inv.out.isTerminal { inv.out.line() }
            return ExitCode.ok
        }
        guard let value = try? JSONValue.parse(bytes) else {
            throw CLIError.failed("the stored value of \"\(key)\" is not JSON (see it with --raw)")
        }
        inv.out.line(value.pretty(style: inv.out.style))
        if let header = RedisFeatureStore.storedHeader(bytes), header.deleted {
            inv.warn("\"\(key)\" is a tombstone (deleted at version \(header.version))")
        }
        return ExitCode.ok
    }
}
