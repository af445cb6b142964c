import Glibc

/// The store's availability, as the SDKs' data store status provider reports it.
public struct StoreStatus: Equatable, Sendable {
    /// Redis answered the last operation (or the last availability check).
    public var available: Bool
    /// Redis came back after an outage and may hold stale data: the owner should init again.
    public var needsRefresh: Bool
    /// When `available` or `needsRefresh` last changed, in Unix epoch milliseconds.
    public var changedAtMilliseconds: Int64
    /// The last Redis error, if any (never holds a secret).
    public var lastError: String?
}

/// A status listener: called with (available, needsRefresh) once per change.
public typealias StatusListener = @Sendable (_ available: Bool, _ needsRefresh: Bool) -> Void
