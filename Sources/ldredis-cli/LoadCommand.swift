import Glibc
import LDRedisCore

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
