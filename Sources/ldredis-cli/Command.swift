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
