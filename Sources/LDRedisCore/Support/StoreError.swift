/// The one error type the core throws. Descriptions never contain secrets: they name hosts,
/// ports, keys and Redis's own messages, never passwords.
public enum StoreError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The caller passed something unusable (bad JSON, bad version, bad URL, empty key ...).
    case invalidArgument(String)
    /// Redis could not be reached, or the connection was lost.
    case unavailable(String)
    /// Redis did not answer within the configured timeout.
    case timeout(String)
    /// Redis answered with an error reply.
    case redis(String)
    /// A value stored in Redis is not a valid item.
    case malformed(String)
    /// An optimistic (WATCH) upsert lost the race too many times in a row.
    case conflict(String)
    /// The store was closed, or ldredis itself failed.
    case `internal`(String)

    public var description: String {
        switch self {
        case .invalidArgument(let m), .unavailable(let m), .timeout(let m), .redis(let m),
             .malformed(let m), .conflict(let m), .internal(let m):
            return m
        }
    }

    /// True for failures of a Redis operation (connection, timeout, error reply): these mark
    /// the store unavailable.
    public var isRedisFailure: Bool {
        switch self {
        case .unavailable, .timeout, .redis: return true
        default: return false
        }
    }

    /// True for failures of the connection to Redis (as opposed to bad input or bad data).
    public var isConnectionFailure: Bool {
        switch self {
        case .unavailable, .timeout: return true
        default: return false
        }
    }
}
