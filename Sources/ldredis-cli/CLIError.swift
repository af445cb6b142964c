import LDRedisCore

/// Exit codes (the man page lists them).
enum ExitCode {
    static let ok: Int32 = 0
    /// Problems found (status, verify), not found (get), refused (load), or a failed command.
    static let problems: Int32 = 1
    /// Redis could not be reached (connection refused or lost, a timeout).
    static let unreachable: Int32 = 2
    /// Bad usage: an unknown command or option, a missing or malformed argument.
    static let usage: Int32 = 64
}

/// A failure that ends the command: its message goes to stderr, its code is the exit status.
struct CLIError: Error {
    let message: String
    let code: Int32

    static func usage(_ message: String) -> CLIError { CLIError(message: message, code: ExitCode.usage) }
    static func failed(_ message: String) -> CLIError { CLIError(message: message, code: ExitCode.problems) }

    /// A store error: unreachable (2) for an outage, else 1. Its text never holds a password.
    init(_ error: StoreError) {
        self.message = error.description
        self.code = error.isOutage ? ExitCode.unreachable : ExitCode.problems
    }

    init(message: String, code: Int32) {
        self.message = message
        self.code = code
    }
}
