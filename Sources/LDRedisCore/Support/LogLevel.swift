/// The levels of a store's log lines (the C API's LDREDIS_LOG_*).
public enum LogLevel: Int32, Sendable, Comparable, CaseIterable {
    case debug = 0, info = 1, warn = 2, error = 3

    public static func < (a: LogLevel, b: LogLevel) -> Bool { a.rawValue < b.rawValue }

    public var name: String {
        switch self {
        case .debug: return "debug"
        case .info: return "info"
        case .warn: return "warn"
        case .error: return "error"
        }
    }
}
