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

/// One log line.
public struct LogLine: Sendable, Equatable {
    public let level: LogLevel
    public let message: String
}

/// Where a store sends its log lines, chosen by the configuration. Lines below `minimum` are
/// never built. Messages never hold a password: they are made from the redacted configuration
/// and `StoreError` descriptions, which never do.
public enum LogDestination: Sendable {
    /// Called with each line, from whatever library thread logs it (the caller's thread for the
    /// store's start, the background thread for status changes and write-backs).
    case function(minimum: LogLevel, write: @Sendable (LogLevel, String) -> Void)
    /// Kept in the store's bounded queue until someone takes them (`CachingStore.nextLogLine`):
    /// for callers that cannot be called from a foreign thread (LuaJIT).
    case queue(minimum: LogLevel)
}

/// A store's logger: the destination, and the store's queue when it queues. Calls of a log
/// function are serialized, and none starts after `close()` returns (which waits for a running
/// one): a thread still winding down after the store was freed (a write-back blocked on a
/// frozen Redis) never calls the caller's function, whose data may be gone by then.
final class StoreLog: @unchecked Sendable {
    let minimum: LogLevel
    private let write: (@Sendable (LogLevel, String) -> Void)?
    let queue: LogQueue?
    private let gate = Lock()
    private var closed = false

    init(_ destination: LogDestination?) {
        switch destination {
        case nil:
            minimum = .error
            write = nil
            queue = nil
        case .function(let minimum, let write)?:
            self.minimum = minimum
            self.write = write
            queue = nil
        case .queue(let minimum)?:
            self.minimum = minimum
            write = nil
            queue = LogQueue()
        }
    }

    var isOff: Bool { write == nil && queue == nil }

    /// Logs `message` (built only when the level is wanted).
    func callAsFunction(_ level: LogLevel, _ message: @autoclosure () -> String) {
        guard level >= minimum, !isOff else { return }
        let text = message()
        if let write {
            gate.withLock { if !closed { write(level, text) } }
        } else {
            queue?.push(LogLine(level: level, message: text))
        }
    }

    /// No log function call after this returns (it waits for a running one).
    func close() {
        gate.withLock { closed = true }
    }
}

/// A bounded queue of log lines: when full, the oldest lines are dropped, and the next line
/// taken says how many were.
final class LogQueue: @unchecked Sendable {
    static let capacity = 1000
    private let lock = Lock()
    private var lines: [LogLine] = []
    private var head = 0
    private var dropped = 0

    func push(_ line: LogLine) {
        lock.withLock {
            if lines.count - head >= LogQueue.capacity {
                head += 1
                dropped += 1
            }
            lines.append(line)
            if head > 64 && head * 2 > lines.count {
                lines.removeFirst(head)
                head = 0
            }
        }
    }

    /// The oldest line, or nil when there is none.
    func pop() -> LogLine? {
        lock.withLock {
            if dropped > 0 {
                let n = dropped
                dropped = 0
                return LogLine(level: .warn, message: "\(n) log line(s) dropped: the queue holds \(LogQueue.capacity); drain it more often")
            }
            guard head < lines.count else { return nil }
            let line = lines[head]
            head += 1
            if head == lines.count {
                lines.removeAll(keepingCapacity: true)
                head = 0
            }
            return line
        }
    }
}
