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

    /// Writes `bytes` to `path.tmp`, then renames it over `path`.
    static func writeFileAtomically(_ path: String, _ bytes: [UInt8]) throws(CLIError) {
        let temporary = path + ".tmp\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw CLIError.failed("cannot create \(temporary): \(String(cString: strerror(errno)))") }
        let file = Output(fd: fd)
        file.write(bytes: bytes)
        let written = file.flush()
        let synced = fsync(fd) == 0
        close(fd)
        guard written, synced, rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw CLIError.failed("cannot write \(path): \(reason)")
        }
    }
}

/// `ldredis load FILE`: the library's atomic init from a payload.
enum LoadCommand {
    static let command = Command(
        name: "load", synopsis: "FILE [--force]",
        summary: "initialize the store from a payload file ('-': stdin), atomically",
        details: """
        The library's init: one MULTI/EXEC transaction replaces each kind the file has and sets
        $inited. The file is checked first; an invalid file changes nothing. A store that already
        holds data (or $inited) is only replaced with --force. A progress bar is shown on a terminal.
        """,
        options: [OptionSpec("force", help: "replace a store that is not empty")],
        positionals: 1...1, run: run)

    static func run(_ inv: Invocation) throws(CLIError) -> Int32 {
        let path = inv.positionals[0]
        guard let bytes = readFile(path) else {
            throw CLIError.failed("cannot read \(path == "-" ? "standard input" : path): \(String(cString: strerror(errno)))")
        }
        let data = try withBuffer(bytes) { (b) throws(StoreError) in try FullDataSet.parse(b) }
        let total = data.itemCount
        let loaded = try inv.withStore { (store) throws(CLIError) -> FullDataSet in
            if !inv.arguments.given("force") {
                let replies = try inv.attempt { () throws(StoreError) in
                    try store.rawCommands([["EXISTS", store.key(for: "$inited")],
                                           ["HLEN", store.key(for: DataKind.features)],
                                           ["HLEN", store.key(for: DataKind.segments)]])
                }
                var held: [String] = []
                if case .integer(let n) = replies[0], n > 0 { held.append("$inited") }
                if case .integer(let n) = replies[1], n > 0 { held.append("\(n) flags") }
                if case .integer(let n) = replies[2], n > 0 { held.append("\(n) segments") }
                for reply in replies { if let message = reply.errorText { throw CLIError.failed(message) } }
                if !held.isEmpty {
                    throw CLIError.failed("the store (prefix \(store.keyPrefix)) is not empty (\(held.joined(separator: ", "))): use --force to replace it")
                }
            }
            let bar = inv.err.isTerminal && total > 0 ? ProgressBar(total: total, output: inv.err) : nil
            defer { bar?.finish() }
            return try withBuffer(bytes) { (b) throws(StoreError) in
                try store.initialize(parsing: b, every: max(1, total / 200)) { bar?.show($0) }
            }
        }
        let counts = loaded.kinds.map { "\($0.items.count) \(KindName.display($0.name))" }
        inv.err.line("loaded \(counts.isEmpty ? "nothing" : counts.joined(separator: ", ")) into prefix \(inv.configuration.prefix) at \(inv.configuration.redactedServer)")
        return ExitCode.ok
    }

    /// Runs `body` over the array's bytes; a store error becomes the command's.
    private static func withBuffer<T>(_ bytes: [UInt8], _ body: (UnsafeBufferPointer<UInt8>) throws(StoreError) -> T) throws(CLIError) -> T {
        let result: Result<T, StoreError> = bytes.withUnsafeBufferPointer { b in
            Result { () throws(StoreError) -> T in try body(b) }
        }
        switch result {
        case .success(let value): return value
        case .failure(let error): throw CLIError(error)
        }
    }
}

/// `[#######.....]  45%  4500/10000 items` on one terminal line, redrawn in place.
final class ProgressBar {
    let total: Int
    let output: Output

    init(total: Int, output: Output) {
        self.total = total
        self.output = output
    }

    func show(_ done: Int) {
        let width = 30
        let filled = total > 0 ? min(width, done * width / total) : width
        let percent = total > 0 ? min(100, done * 100 / total) : 100
        output.write("\r[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
                     + "] \(percent)%  \(done)/\(total) items")
        output.flush()
    }

    func finish() {
        output.write("\r\u{1B}[K")
        output.flush()
    }
}
