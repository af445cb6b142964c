import Glibc

/// The store's one background thread, its scheduler: runs queued jobs (status notifications,
/// refresh-ahead reads, releases of old cache entries) in order, and a periodic tick
/// (availability polling, recovery). `stop()` returns at once; the thread finishes the job it
/// is running, if any, and exits. A manual worker (tests) has no thread: the test runs the
/// jobs and the tick when it chooses, on its own thread.
final class BackgroundWorker: @unchecked Sendable {
    private let lock = Lock()
    private let wake = Condition()
    private var jobs: [@Sendable () -> Void] = []
    private var head = 0
    private var stopping = false
    private let tickInterval: Int64
    private var tick: (@Sendable () -> Void)?
    private var thread = pthread_t()
    private var started = false
    private var finished = false
    private let exited = Condition()
    private let manual: Bool

    init(tickMilliseconds: Int64, manual: Bool = false) {
        self.tickInterval = tickMilliseconds
        self.manual = manual
    }

    /// Starts the thread (detached: nobody waits for it), which runs `tick` every interval
    /// until `stop()`; then it drops `tick` and everything it holds.
    func start(tick: @escaping @Sendable () -> Void) throws(StoreError) {
        lock.withLock { self.tick = tick }
        if manual { return }
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        let context = Unmanaged.passRetained(self).toOpaque()
        let rc = pthread_create(&thread, &attributes, { raw in
            guard let raw else { return nil }
            let worker = Unmanaged<BackgroundWorker>.fromOpaque(raw).takeRetainedValue()
            worker.run()
            return nil
        }, context)
        guard rc == 0 else {
            lock.withLock { self.tick = nil }
            Unmanaged<BackgroundWorker>.fromOpaque(context).release()
            throw StoreError.internal("cannot start the store's background thread (error \(rc))")
        }
        lock.withLock { started = true }
    }

    /// True on the worker's own thread.
    var isCurrentThread: Bool {
        lock.withLock { started } && pthread_equal(pthread_self(), thread) != 0
    }

    /// Manual worker: runs the queued jobs now, on this thread (which counts as the worker's
    /// while they run).
    func runPendingJobs() {
        lock.lock()
        thread = pthread_self()
        started = true
        while head < jobs.count {
            let job = jobs[head]
            head += 1
            lock.unlock()
            job()
            lock.lock()
        }
        jobs.removeAll()
        head = 0
        started = false
        lock.unlock()
    }

    /// Manual worker: runs the periodic tick now, on this thread.
    func runTick() {
        guard let tick = lock.withLock({ stopping ? nil : self.tick }) else { return }
        tick()
    }

    func enqueue(_ job: @escaping @Sendable () -> Void) {
        lock.withLock {
            guard !stopping else { return }
            jobs.append(job)
            wake.signal()
        }
    }

    /// Stops the thread and waits up to `milliseconds` for it to finish (it is usually idle and
    /// exits at once; one blocked on a frozen Redis is left to finish on its own), so that a
    /// process exiting right after ldredis_store_free does not race a thread tearing down.
    func stop(waitingUpTo milliseconds: Int64 = 0) {
        let onThisThread = isCurrentThread
        lock.withLock {
            stopping = true
            jobs.removeAll()
            head = 0
            wake.signal()
            if manual { tick = nil }
            guard started, !manual, milliseconds > 0, !onThisThread else { return }
            let deadline = Deadline.after(milliseconds: milliseconds)
            while !finished && !deadline.hasPassed {
                _ = exited.wait(lock, until: deadline)
            }
        }
    }

    private func run() {
        var nextTick = Deadline.after(milliseconds: tickInterval)
        lock.lock()
        while !stopping {
            if head < jobs.count {
                let job = jobs[head]
                head += 1
                if head == jobs.count { jobs.removeAll(keepingCapacity: true); head = 0 }
                lock.unlock()
                job()
                lock.lock()
                continue
            }
            if nextTick.hasPassed, let tick {
                lock.unlock()
                tick()
                nextTick = Deadline.after(milliseconds: tickInterval)
                lock.lock()
                continue
            }
            _ = wake.wait(lock, until: nextTick)
        }
        let done = (tick, jobs)
        tick = nil
        jobs.removeAll()
        lock.unlock()
        withExtendedLifetime(done) {}   // released here, outside the lock (may end the store)
        lock.withLock {
            finished = true
            exited.broadcast()
        }
    }
}
