import CHiredis

/// hiredis's RESP reply parser, fed with bytes from our own streams, building `RedisReply`
/// values with our own reply-object functions (`ReplyBuilder`). This file and ReplyBuilder.swift
/// are the only ones that touch hiredis.
final class ReplyReader {
    private let reader: UnsafeMutablePointer<redisReader>
    /// hiredis keeps a pointer to the functions, so they live as long as the reader.
    private let functions: UnsafeMutablePointer<redisReplyObjectFunctions>
    private let builder: ReplyBuilder
    private let redactor: Redactor

    /// A parser whose status and error replies have `redactor`'s secrets taken out.
    init(redactor: Redactor = Redactor(password: nil, username: nil)) throws(StoreError) {
        builder = ReplyBuilder(redactor: redactor)
        self.redactor = redactor
        functions = .allocate(capacity: 1)
        functions.initialize(to: ReplyBuilder.functions)
        guard let r = redisReaderCreateWithFunctions(functions) else {
            functions.deallocate()
            throw StoreError.internal("out of memory creating a Redis reply reader")
        }
        r.pointee.privdata = Unmanaged.passUnretained(builder).toOpaque()
        reader = r
    }

    deinit {
        redisReaderFree(reader)   // may call the builder's freeObject: the builder is still here
        functions.deallocate()
    }

    /// While set, the elements of a root array reply go to it as they are parsed
    /// (`ReplyBuilder.sink`).
    var sink: ArrayReplySink? {
        get { builder.sink }
        set { builder.sink = newValue }
    }

    /// Hands received bytes to the parser.
    func feed(_ bytes: UnsafeRawBufferPointer) throws(StoreError) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        let rc = base.withMemoryRebound(to: CChar.self, capacity: bytes.count) {
            redisReaderFeed(reader, $0, bytes.count)
        }
        if rc != REDIS_OK { throw StoreError.internal("out of memory buffering a Redis reply") }
    }

    /// The next complete reply, or nil when more bytes are needed. A protocol error, or a reply
    /// beyond the builder's caps, throws `.unavailable` (the connection must be dropped).
    func next() throws(StoreError) -> RedisReply? {
        var object: UnsafeMutableRawPointer?
        guard redisReaderGetReply(reader, &object) == REDIS_OK else {
            builder.reset()
            let reason: String
            if let refusal = builder.refusal {
                reason = refusal
            } else {
                let hiredisError = withUnsafeBytes(of: reader.pointee.errstr) { raw in
                    String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
                }
                reason = redactor.redacted(hiredisError)
            }
            throw StoreError.unavailable("protocol error in a reply from Redis: \(reason)")
        }
        guard object != nil else { return nil }
        return builder.take()
    }

    /// True when the parser holds bytes not yet returned as a reply (part of one, or more):
    /// unparsed bytes, or a reply begun (its type byte read, or an aggregate being filled).
    /// hiredis sets up an empty root task whenever it is asked for a reply, so `ridx == 0`
    /// alone means nothing.
    var hasBufferedInput: Bool {
        let r = reader.pointee
        return r.pos < r.len || r.ridx > 0 || (r.ridx == 0 && r.rstack.0.type >= 0)
    }
}
