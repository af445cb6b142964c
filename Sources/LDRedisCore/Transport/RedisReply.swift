/// One reply from Redis (RESP2).
public enum RedisReply: Equatable, Sendable {
    case status(String)
    case error(String)
    case integer(Int64)
    case bulk([UInt8])
    case null
    case array([RedisReply])

    /// The error text of an error reply, else nil.
    var errorMessage: String? {
        if case .error(let message) = self { return message }
        return nil
    }
}
