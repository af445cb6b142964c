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
