/// One Redis read that concurrent callers wait for instead of issuing their own (the SDKs'
/// coalescing of misses). A write to the same key marks it `superseded`, so its (older)
/// result is handed to the waiters but not cached.
final class InFlight<Value>: @unchecked Sendable {
    private let lock = Lock()
    private let done = Condition()
    private var result: Result<Value, StoreError>?
    /// Read and written under the owning shard's lock.
    var superseded = false

    func finish(_ value: Result<Value, StoreError>) {
        lock.withLock {
            result = value
            done.broadcast()
        }
    }

    /// Waits for the loading caller's result.
    func wait() -> Result<Value, StoreError> {
        lock.lock()
        defer { lock.unlock() }
        while true {
            if let result { return result }
            _ = done.wait(lock, until: Deadline.after(milliseconds: 1_000))
        }
    }
}
