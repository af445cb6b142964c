import LDRedisCore

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
