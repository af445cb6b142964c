/// An error reply that says an operation went to the wrong server, so nothing was done there:
/// the topology routes again instead of failing the operation.
struct RouteSignal: Sendable, Equatable {
    let kind: ReplyError
    /// The reply, redacted (it names no secret anyway).
    let message: String

    /// The replies a routed topology acts on.
    static let routable: Set<ReplyError> = [.moved, .ask, .readOnly, .masterDown, .loading, .tryAgain, .clusterDown]

    /// `MOVED 3999 127.0.0.1:6381` / `ASK …`: the slot and the address (nil if unparsable).
    var redirect: (slot: Int, endpoint: RedisEndpoint)? {
        let words = message.split(separator: " ")
        guard words.count == 3, let slot = Int(words[1]), (0..<16384).contains(slot),
              let endpoint = try? RedisURL.address(String(words[2]), defaultPort: 6379, what: "redirect") else { return nil }
        return (slot, endpoint)
    }
}
