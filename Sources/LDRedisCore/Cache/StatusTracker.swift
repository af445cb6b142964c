import Glibc

/// Holds the status, publishes each change once to the listener and the log (on the background
/// worker, in order), and lets `setListener(nil)` wait until a running callback has returned.
final class StatusTracker: @unchecked Sendable {
    private let lock = Lock()
    private var status = StoreStatus(available: true, needsRefresh: false,
                                     changedAtMilliseconds: StatusTracker.epochMilliseconds(), lastError: nil)
    /// Held while the listener runs, and by `setListener`, so removal waits for a callback.
    private let callbackLock = Lock()
    private var listener: StatusListener?
    private let worker: BackgroundWorker
    private let log: StoreLog
    /// The server and prefix, redacted, for log lines.
    private let server: String

    init(worker: BackgroundWorker, log: StoreLog = StoreLog(nil), server: String = "") {
        self.worker = worker
        self.log = log
        self.server = server
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
            let previous = status
            status = next
            guard changed else { return }
            // Enqueued under the lock, so listeners see changes in the order they happened.
            let published = next
            worker.enqueue { [self] in
                logChange(from: previous, to: published)
                callbackLock.withLock {
                    listener?(published.available, published.needsRefresh)
                }
            }
        }
    }

    /// The log line of a status change (outside every lock: a log function may call the store).
    private func logChange(from old: StoreStatus, to new: StoreStatus) {
        if old.available && !new.available {
            log(.warn, "Redis is unavailable (\(server)): \(new.lastError ?? "unknown error"); "
                + "cached data is served and Redis is checked every \(CachingStore.pollIntervalMilliseconds) ms")
        } else if !old.available && new.available {
            log(.info, "Redis is available again (\(server))" + (new.needsRefresh
                ? "; the data there may be stale: the owner of the data should init again (needs refresh)" : ""))
        } else if old.needsRefresh && !new.needsRefresh {
            log(.debug, "the store was initialized again: needs refresh cleared (\(server))")
        }
    }

    static func epochMilliseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1_000 + Int64(ts.tv_nsec) / 1_000_000
    }
}
