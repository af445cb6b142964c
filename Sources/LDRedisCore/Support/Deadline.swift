import Glibc

/// A point in time on the monotonic clock, in nanoseconds.
struct Deadline: Sendable, Comparable {
    let nanoseconds: UInt64

    static func now() -> Deadline {
        var ts = Glibc.timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Deadline(nanoseconds: UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec))
    }

    /// Now plus `milliseconds` (which the configuration keeps within 1 ... 3,600,000).
    static func after(milliseconds: Int64) -> Deadline {
        let ms = UInt64(max(0, milliseconds))
        return Deadline(nanoseconds: now().nanoseconds &+ ms &* 1_000_000)
    }

    /// The coarse monotonic clock (CLOCK_MONOTONIC_COARSE): cheap to read, ~ms resolution.
    @inline(__always)
    static func coarseNanoseconds() -> UInt64 {
        var ts = Glibc.timespec()
        clock_gettime(CLOCK_MONOTONIC_COARSE, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }

    var hasPassed: Bool { Deadline.now() >= self }

    /// Milliseconds left, rounded up, for `poll`; 0 once passed.
    var remainingMilliseconds: Int32 {
        let now = Deadline.now().nanoseconds
        guard nanoseconds > now else { return 0 }
        let ms = (nanoseconds - now + 999_999) / 1_000_000
        return Int32(clamping: ms)
    }

    var timespec: Glibc.timespec {
        Glibc.timespec(tv_sec: Int(nanoseconds / 1_000_000_000),
                       tv_nsec: Int(nanoseconds % 1_000_000_000))
    }

    static func < (a: Deadline, b: Deadline) -> Bool { a.nanoseconds < b.nanoseconds }
}
