import LDRedisCore

/// A subcommand: its help, its own options, and what it runs.
struct Command: Sendable {
    let name: String
    /// The arguments after the name, for the usage line: `[FILE] [--with-deleted]`.
    let synopsis: String
    let summary: String
    /// More help, printed after the usage line (may be empty).
    let details: String
    let options: [OptionSpec]
    /// How many positional arguments it takes.
    let positionals: ClosedRange<Int>
    let run: @Sendable (Invocation) throws(CLIError) -> Int32

    func help() -> String {
        var text = "usage: ldredis \(name) \(synopsis)\n\n\(summary)\n"
        if !details.isEmpty { text += "\n" + details + "\n" }
        let own = options + [OptionSpec("help", help: "show this help")]
        text += "\nOptions:\n" + optionHelp(own)
        text += "\nConnection options (also from the environment; the command line wins):\n"
        text += optionHelp(Connection.specs)
        text += "\nExit status: 0 success, 1 problems found or the command failed, 2 Redis unreachable, 64 bad usage.\n"
        return text
    }
}

/// What a command runs with.
struct Invocation {
    let arguments: Arguments
    let configuration: StoreConfiguration
    var out: Output { Output.standard }
    var err: Output { Output.error }

    var positionals: [String] { arguments.positionals }

    /// The store without a cache; closed by `withStore` after `body`.
    func withStore<T>(_ body: (RedisFeatureStore) throws(CLIError) -> T) throws(CLIError) -> T {
        let store = try Connection.store(configuration)
        defer { store.close() }
        return try body(store)
    }

    /// Runs a store call, turning its error into the command's (2 for an outage).
    func attempt<T>(_ body: () throws(StoreError) -> T) throws(CLIError) -> T {
        do throws(StoreError) {
            return try body()
        } catch {
            throw CLIError(error)
        }
    }

    /// A warning on stderr (not a failure).
    func warn(_ message: String) {
        err.line(err.style.warn("ldredis: warning:") + " " + message)
    }
}

/// The kinds as the command line names them.
enum KindName {
    /// `flags`/`flag`/`features` → `features`; `segments`/`segment` → `segments`.
    static func parse(_ text: String) throws(CLIError) -> String {
        switch text {
        case "flags", "flag", "features": return DataKind.features
        case "segments", "segment": return DataKind.segments
        default: throw CLIError.usage("unknown kind '\(text)': expected flags or segments")
        }
    }

    /// `features` → `flags` (the payload's and the user's name).
    static func display(_ kind: String) -> String {
        kind == DataKind.features ? "flags" : kind
    }
}
