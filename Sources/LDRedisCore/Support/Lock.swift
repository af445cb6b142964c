import Glibc

/// A pthread mutex. Shared mutable state in the core lives behind one of these.
public final class Lock: @unchecked Sendable {
    /// Used by `Condition` (pthread_cond_timedwait needs the mutex).
    let mutex: UnsafeMutablePointer<pthread_mutex_t>

    /// `adaptive`: spin briefly before sleeping (glibc's PTHREAD_MUTEX_ADAPTIVE_NP), for locks
    /// held for a few hundred nanoseconds by many threads, like the cache shards'.
    public init(adaptive: Bool = false) {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        var attributes = pthread_mutexattr_t()
        pthread_mutexattr_init(&attributes)
        if adaptive { pthread_mutexattr_settype(&attributes, Lock.adaptiveType) }
        pthread_mutex_init(mutex, &attributes)
        pthread_mutexattr_destroy(&attributes)
    }

    /// PTHREAD_MUTEX_ADAPTIVE_NP (glibc; not imported into Swift).
    private static let adaptiveType: Int32 = 3

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deinitialize(count: 1)
        mutex.deallocate()
    }

    public func lock() { pthread_mutex_lock(mutex) }
    public func unlock() { pthread_mutex_unlock(mutex) }

    @inline(__always)
    public func withLock<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }
}
