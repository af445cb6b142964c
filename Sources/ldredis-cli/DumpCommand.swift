import Glibc
import LDRedisCore

/// `ldredis dump [FILE]`: the store as a LaunchDarkly payload, keys sorted by their bytes and
/// items exactly as stored, so that `dump | load` and a second dump give the same bytes.
enum DumpCommand {
    static let command = Command(
        name: "dump", synopsis: "[FILE] [--with-deleted]",
        summary: "write the store as a payload {\"flags\":{...},\"segments\":{...}} (to FILE or stdout)",
        details: """
        Items are written exactly as stored, keys sorted by their UTF-8 bytes; values that are
        not items are left out (with a warning). FILE is replaced atomically; '-' is stdout.
        """,
        options: [OptionSpec("with-deleted", help: "keep tombstones (deleted items)")],
        positionals: 0...1, run: run)

    static func run(_ inv: Invocation) throws(CLIError) -> Int32 {
        let withDeleted = inv.arguments.given("with-deleted")
        var out: [UInt8] = Array("{".utf8)
        try inv.withStore { (store) throws(CLIError) in
            for (n, kind) in [DataKind.features, DataKind.segments].enumerated() {
                let items = try inv.attempt { () throws(StoreError) in try store.rawHash(kind: kind) }
                if n > 0 { out.append(UInt8(ascii: ",")) }
                JSONWriter.appendString(KindName.display(kind), to: &out)
                out.append(contentsOf: Array(":{".utf8))
                var first = true
                var malformed = 0
                for (field, value) in items.sorted(by: { $0.field.lexicographicallyPrecedes($1.field) }) {
                    guard let header = RedisFeatureStore.storedHeader(value) else { malformed += 1; continue }
                    if header.deleted && !withDeleted { continue }
                    if !first { out.append(UInt8(ascii: ",")) }
                    first = false
                    JSONWriter.appendString(field, to: &out)
                    out.append(UInt8(ascii: ":"))
                    out.append(contentsOf: value)
                }
                out.append(UInt8(ascii: "}"))
                if malformed > 0 {
                    inv.warn("left out \(malformed) value\(malformed == 1 ? "" : "s") of \(store.key(for: kind)) that \(malformed == 1 ? "is" : "are") not items (see ldredis verify)")
                }
            }
        }
        out.append(contentsOf: Array("}\n".utf8))
        if let path = inv.positionals.first, path != "-" {
            try writeFileAtomically(path, out)
        } else {
            inv.out.write(bytes: out)
            guard inv.out.flush() else { throw CLIError.failed("cannot write to standard output: \(String(cString: strerror(errno)))") }
        }
        return ExitCode.ok
    }
}
