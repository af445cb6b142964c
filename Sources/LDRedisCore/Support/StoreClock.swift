/// The cache's clock: the coarse monotonic clock (a few ns to read, ms resolution), or a
/// `ManualClock` in tests.
struct StoreClock: Sendable {
    let manual: ManualClock?

    @inline(__always)
    func now() -> UInt64 {
        if let manual { return manual.nanoseconds }
        return Deadline.coarseNanoseconds()
    }
}
