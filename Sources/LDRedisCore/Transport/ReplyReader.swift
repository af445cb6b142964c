import CHiredis

/// hiredis's RESP reply parser, fed with bytes from our own sockets. This is the only file
/// that touches hiredis.
final class ReplyReader {
    private let reader: UnsafeMutablePointer<redisReader>

    init() throws(StoreError) {
        guard let r = redisReaderCreate() else {
            throw StoreError.internal("out of memory creating a Redis reply reader")
        }
        reader = r
    }

    deinit {
        redisReaderFree(reader)
    }

    /// Hands received bytes to the parser.
    func feed(_ bytes: UnsafeRawBufferPointer) throws(StoreError) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        let rc = base.withMemoryRebound(to: CChar.self, capacity: bytes.count) {
            redisReaderFeed(reader, $0, bytes.count)
        }
        if rc != REDIS_OK { throw StoreError.internal("out of memory buffering a Redis reply") }
    }

    /// The next complete reply, or nil when more bytes are needed.
    func next() throws(StoreError) -> RedisReply? {
        var raw: UnsafeMutableRawPointer?
        guard redisReaderGetReply(reader, &raw) == REDIS_OK else {
            throw StoreError.unavailable("protocol error in a reply from Redis")
        }
        guard let raw else { return nil }
        defer { freeReplyObject(raw) }
        return ReplyReader.convert(raw.assumingMemoryBound(to: redisReply.self))
    }

    private static func convert(_ r: UnsafeMutablePointer<redisReply>) -> RedisReply {
        let reply = r.pointee
        switch reply.type {
        case REDIS_REPLY_STRING:
            return .bulk(bytes(reply.str, reply.len))
        case REDIS_REPLY_STATUS:
            return .status(String(decoding: bytes(reply.str, reply.len), as: UTF8.self))
        case REDIS_REPLY_ERROR:
            return .error(String(decoding: bytes(reply.str, reply.len), as: UTF8.self))
        case REDIS_REPLY_INTEGER:
            return .integer(reply.integer)
        case REDIS_REPLY_ARRAY:
            var items: [RedisReply] = []
            let count = Int(reply.elements)
            items.reserveCapacity(count)
            if let element = reply.element {
                for k in 0..<count {
                    if let child = element[k] { items.append(convert(child)) } else { items.append(.null) }
                }
            }
            return .array(items)
        default:
            return .null
        }
    }

    private static func bytes(_ str: UnsafeMutablePointer<CChar>?, _ len: Int) -> [UInt8] {
        guard let str, len > 0 else { return [] }
        return Array(UnsafeRawBufferPointer(start: str, count: len))
    }
}
