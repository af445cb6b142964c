import Glibc

/// Holds the status, publishes each change once to the listener (on the background worker),
/// and lets `setListener(nil)` wait until a running callback has returned.
final class StatusTracker: @unchecked Sendable {
    private let lock = Lock()
    private var status = StoreStatus(available: true, needsRefresh: false,
                                     changedAtMilliseconds: StatusTracker.epochMilliseconds(), lastError: nil)
    /// Held while the listener runs, and by `setListener`, so removal waits for a callback.
    private let callbackLock = Lock()
    private var listener: StatusListener?
    private let worker: BackgroundWorker

    init(worker: BackgroundWorker) {
        self.worker = worker
    }

    var current: StoreStatus { lock.withLock { status } }
    var isAvailable: Bool { lock.withLock { status.available } }

    func setListener(_ newListener: StatusListener?) {
        if worker.isCurrentThread {
            listener = newListener   // from inside a callback: the lock is already held
            return
        }
        callbackLock.withLock { listener = newListener }
    }

    /// Records an error; publishes "unavailable" if the store was available.
    func markUnavailable(_ error: StoreError) {
        update { s in
            s.lastError = error.description
            s.available = false
        }
    }

    /// Publishes "available" (with or without needs-refresh); `note`, if given, becomes the
    /// last error (what a write-back could not write).
    func markAvailable(needsRefresh: Bool, note: String? = nil) {
        update { s in
            s.available = true
            s.needsRefresh = needsRefresh
            if let note { s.lastError = note }
        }
    }


    /// A successful init clears needs-refresh.
    func clearNeedsRefresh() {
        update { s in s.needsRefresh = false }
    }

    private func update(_ change: (inout StoreStatus) -> Void) {
        lock.withLock {
            var next = status
            change(&next)
            let changed = next.available != status.available || next.needsRefresh != status.needsRefresh
            if changed { next.changedAtMilliseconds = StatusTracker.epochMilliseconds() }
            status = next
            guard changed else { return }
            // Enqueued under the lock, so listeners see changes in the order they happened.
            let published = next
            worker.enqueue { [self] in
                callbackLock.withLock {
                    listener?(published.available, published.needsRefresh)
                }
            }
        }
    }

    static func epochMilliseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1_000 + Int64(ts.tv_nsec) / 1_000_000
    }
}
