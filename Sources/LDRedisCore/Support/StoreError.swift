/// The one error type the core throws. Descriptions never contain secrets: they name hosts,
/// ports, keys and Redis's own messages (with any password or username a server echoed
/// replaced), never passwords.
public enum StoreError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The caller passed something unusable (bad JSON, bad version, bad URL, empty key ...).
    case invalidArgument(String)
    /// Redis could not be reached, the connection was lost, or Redis is still loading its
    /// data (`LOADING`): an outage.
    case unavailable(String)
    /// Redis did not answer within the configured timeout: an outage.
    case timeout(String)
    /// Redis answered with an error reply about this operation (WRONGTYPE, OOM, a script
    /// error ...): not an outage.
    case redis(String)
    /// A value stored in Redis is not a valid item.
    case malformed(String)
    /// An optimistic (WATCH) upsert lost the race too many times in a row.
    case conflict(String)
    /// No pooled connection became free within the operation timeout (every connection was
    /// busy with other operations): back-pressure, not an outage.
    case busy(String)
    /// The store was closed, or ldredis itself failed.
    case `internal`(String)

    public var description: String {
        switch self {
        case .invalidArgument(let m), .unavailable(let m), .timeout(let m), .redis(let m),
             .malformed(let m), .conflict(let m), .busy(let m), .internal(let m):
            return m
        }
    }

    /// True for failures to reach Redis (connection refused or lost, a timeout of Redis I/O,
    /// `LOADING`): these, and only these, mark the store unavailable (SPEC section 5).
    public var isOutage: Bool {
        switch self {
        case .unavailable, .timeout: return true
        default: return false
        }
    }

    /// True for failures on the Redis side (an outage, an error reply, a full pool): counted
    /// in the statistics as Redis errors.
    public var isRedisFailure: Bool {
        switch self {
        case .unavailable, .timeout, .redis, .busy: return true
        default: return false
        }
    }

    /// True for failures of the connection to Redis (as opposed to bad input or bad data).
    public var isConnectionFailure: Bool { isOutage }
}
