/// One log line.
public struct LogLine: Sendable, Equatable {
    public let level: LogLevel
    public let message: String
}
