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
