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
