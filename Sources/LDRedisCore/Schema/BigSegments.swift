/// The read side of Big Segments (SPEC sections 1 and 3). Relay Proxy writes this data; the
/// store only reads it, and never touches `big_segments_cursor` or `big_segments_lock`.
extension RedisFeatureStore {
    /// `PREFIX:big_segments_synchronized_on`.
    public var bigSegmentsSyncTimeKey: String { key(for: "big_segments_synchronized_on") }

    /// `PREFIX:big_segment_include:<hash>` and `PREFIX:big_segment_exclude:<hash>`.
    public func bigSegmentKeys(contextHash: String) -> (include: String, exclude: String) {
        (key(for: "big_segment_include:" + contextHash), key(for: "big_segment_exclude:" + contextHash))
    }

    /// When Big Segment data was last synchronized, in Unix epoch milliseconds
    /// (`GET PREFIX:big_segments_synchronized_on`); nil when never.
    public func bigSegmentsSynchronizedOn() throws(StoreError) -> Int64? {
        var command = CommandEncoder()
        command.command("GET", bigSegmentsSyncTimeKey)
        switch try singleReply(command, "GET") {
        case .null:
            return nil
        case .bulk(let bytes):
            let text = String(decoding: bytes, as: UTF8.self)
            guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let value = Int64(text) else {
                throw StoreError.malformed("\(bigSegmentsSyncTimeKey) is not a decimal number of milliseconds")
            }
            return value
        default:
            throw StoreError.redis("unexpected reply to GET")
        }
    }

    /// A context's membership: segment ref -> included (true) or excluded (false), include
    /// winning; nil when both sets are empty. Both `SMEMBERS` go in one round trip.
    public func bigSegmentMembership(contextHash: String) throws(StoreError) -> [String: Bool]? {
        guard !contextHash.isEmpty else { throw StoreError.invalidArgument("the context hash must not be empty") }
        let keys = bigSegmentKeys(contextHash: contextHash)
        var commands = CommandEncoder()
        commands.command("SMEMBERS", keys.include)
        commands.command("SMEMBERS", keys.exclude)
        let replies = try pipeline(commands)
        var membership: [String: Bool] = [:]
        for (reply, included) in [(replies[1], false), (replies[0], true)] {
            switch reply {
            case .array(let members):
                for case .bulk(let ref) in members {
                    membership[String(decoding: ref, as: UTF8.self)] = included
                }
            case .error(let message):
                throw ReplyError.storeError(message, replyingTo: "SMEMBERS")
            default:
                throw StoreError.redis("unexpected reply to SMEMBERS")
            }
        }
        return membership.isEmpty ? nil : membership
    }
}
