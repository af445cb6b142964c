/// What an error reply from Redis means, by its first word, so that the layers above decide
/// on meaning instead of matching message text (an outage, a redirection, a refusal ...).
enum ReplyError: Equatable, Sendable {
    /// `LOADING`: the server is loading its data set; an outage until it is done.
    case loading
    /// `MOVED slot host:port` / `ASK slot host:port` (Redis Cluster).
    case moved, ask
    /// `READONLY`: a replica (a demoted master after a failover); `MASTERDOWN`.
    case readOnly, masterDown
    /// `TRYAGAIN`, `CLUSTERDOWN` (Redis Cluster, transient).
    case tryAgain, clusterDown
    /// `NOSCRIPT`: the script is not loaded; `NOPERM`: the ACL user may not run it.
    case noScript, noPermission
    /// `OOM`: maxmemory reached; a write is refused, the server is fine.
    case outOfMemory
    /// `WRONGTYPE`: a key holds data of another type.
    case wrongType
    /// `BUSY`: a script runs too long.
    case busyScript
    /// `ERR unknown command` (a command renamed away or not offered).
    case unknownCommand
    /// Anything else.
    case other

    init(message: String) {
        let code = message.prefix { $0 != " " }
        switch code {
        case "LOADING": self = .loading
        case "MOVED": self = .moved
        case "ASK": self = .ask
        case "READONLY": self = .readOnly
        case "MASTERDOWN": self = .masterDown
        case "TRYAGAIN": self = .tryAgain
        case "CLUSTERDOWN": self = .clusterDown
        case "NOSCRIPT": self = .noScript
        case "NOPERM": self = .noPermission
        case "OOM": self = .outOfMemory
        case "WRONGTYPE": self = .wrongType
        case "BUSY": self = .busyScript
        case "ERR" where message.hasPrefix("ERR unknown command"): self = .unknownCommand
        default: self = .other
        }
    }

    /// True when the reply means the server cannot serve anyone right now (an outage).
    var isOutage: Bool { self == .loading || self == .masterDown }

    /// The `StoreError` for an error reply to `command`: an outage for `LOADING`, else an
    /// error of this operation.
    static func storeError(_ message: String, replyingTo command: String) -> StoreError {
        if ReplyError(message: message).isOutage {
            return .unavailable("Redis cannot serve \(command) now: \(message)")
        }
        return .redis("Redis error reply to \(command): \(message)")
    }
}
