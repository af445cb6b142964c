/// A clock that tests move by hand, so TTL expiry, refresh-ahead and outage cases run without
/// sleeping (as swift-nio's `EmbeddedEventLoop.advanceTime(by:)`).
public final class ManualClock: @unchecked Sendable {
    private let lock = Lock()
    private var now: UInt64

    /// Starts at one second (zero is the cache's "never" for some entries).
    public init(nanoseconds: UInt64 = 1_000_000_000) {
        now = nanoseconds
    }

    public var nanoseconds: UInt64 { lock.withLock { now } }

    public func advance(milliseconds: Int64) {
        lock.withLock { now &+= UInt64(max(0, milliseconds)) &* 1_000_000 }
    }
}
