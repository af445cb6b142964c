import CHiredis

/// hiredis's reply-object functions, ours: they build `RedisReply` values straight from the
/// parser's read tasks, so a bulk string is copied once, from the reader's buffer into its
/// `[UInt8]` (no malloc'd `redisReply` tree to convert and free).
///
/// Every callback returns the builder itself as hiredis's "object" (it only needs a non-NULL
/// pointer, and frees nothing but the root, through `freeObject`); the values live in the
/// builder: a stack of the aggregates being filled and the finished root reply.
///
/// Aggregates are allocated as their elements arrive, never from the header's count (a reply
/// `*2147483647` made hiredis's own functions calloc 16 GiB, then spend seconds freeing it).
/// Beyond `maximumElements` elements or `maximumDepth` nested levels, a reply is refused: the
/// parser fails and the connection is dropped. Real stores never come near either cap.
final class ReplyBuilder {
    /// The most elements an aggregate may announce.
    static let maximumElements = 1 << 27
    /// The most aggregates nested in one another.
    static let maximumDepth = 7
    /// The most element slots reserved from an aggregate's header; beyond, it grows as
    /// elements arrive.
    static let reservedElements = 4_096

    private struct OpenAggregate {
        var elements: [RedisReply]
        let count: Int
        /// Elements handed to the sink instead (the root aggregate, while there is a sink).
        var streamed = 0
    }

    private let redactor: Redactor
    private var open: [OpenAggregate] = []
    private var root: RedisReply?
    /// Why the last reply was refused (a cap), for the error message.
    private(set) var refusal: String?
    /// While set, the elements of a root array go to it as they are parsed (a bulk string as a
    /// slice of hiredis's buffer, no copy) and the root is returned as an empty array.
    var sink: ArrayReplySink?

    init(redactor: Redactor) {
        self.redactor = redactor
    }

    /// Takes the finished reply.
    func take() -> RedisReply? {
        defer { root = nil }
        return root
    }

    /// Drops a partial reply (hiredis's `freeObject`, or a failed parse).
    func reset() {
        open.removeAll()
        root = nil
    }

    /// Places a finished value into the innermost open aggregate, closing every aggregate it
    /// completes, or makes it the root.
    private func place(_ value: RedisReply) {
        let top = open.count - 1
        guard top >= 0 else {
            root = value
            return
        }
        if top == 0, let sink {
            sink.element(nil)
            streamed()
            return
        }
        open[top].elements.append(value)
        if open[top].elements.count == open[top].count {
            place(.array(open.removeLast().elements))
        }
    }

    /// Counts an element of the root handed to the sink; closes the root after the last one.
    private func streamed() {
        open[0].streamed += 1
        if open[0].streamed == open[0].count {
            open.removeLast()
            root = .array([])
        }
    }

    private var handle: UnsafeMutableRawPointer { Unmanaged.passUnretained(self).toOpaque() }

    private func string(_ type: Int32, _ bytes: UnsafeRawBufferPointer) -> UnsafeMutableRawPointer? {
        switch type {
        case REDIS_REPLY_STRING:
            if open.count == 1, let sink {
                sink.element(bytes)
                streamed()
            } else {
                place(.bulk(Array(bytes)))
            }
        case REDIS_REPLY_ERROR:
            place(.error(text(bytes)))
        default:
            place(.status(text(bytes)))
        }
        return handle
    }

    /// The text of a status or error reply, secrets redacted.
    private func text(_ bytes: UnsafeRawBufferPointer) -> String {
        if let redacted = redactor.redacted(bytes) { return String(decoding: redacted, as: UTF8.self) }
        return String(decoding: bytes, as: UTF8.self)
    }

    private func array(_ count: Int) -> UnsafeMutableRawPointer? {
        guard count >= 0, count <= ReplyBuilder.maximumElements else {
            refusal = "an aggregate of \(count) elements (the most accepted is \(ReplyBuilder.maximumElements))"
            return nil
        }
        guard open.count < ReplyBuilder.maximumDepth else {
            refusal = "aggregates nested more than \(ReplyBuilder.maximumDepth) deep"
            return nil
        }
        if count == 0 {
            place(.array([]))
        } else {
            var elements: [RedisReply] = []
            elements.reserveCapacity(min(count, ReplyBuilder.reservedElements))
            open.append(OpenAggregate(elements: elements, count: count))
        }
        return handle
    }

    private static func builder(_ task: UnsafePointer<redisReadTask>?) -> ReplyBuilder? {
        guard let data = task?.pointee.privdata else { return nil }
        return Unmanaged<ReplyBuilder>.fromOpaque(data).takeUnretainedValue()
    }

    /// The functions to hand `redisReaderCreateWithFunctions`; each read task's `privdata` must
    /// be the builder (`redisReader.privdata`, which hiredis copies into every task).
    static let functions = redisReplyObjectFunctions(
        createString: { task, str, len in
            guard let task, let builder = builder(task) else { return nil }
            return builder.string(task.pointee.type, UnsafeRawBufferPointer(start: str, count: str == nil ? 0 : len))
        },
        createArray: { task, count in
            builder(task)?.array(Int(count))
        },
        createInteger: { task, value in
            guard let builder = builder(task) else { return nil }
            builder.place(.integer(value))
            return builder.handle
        },
        createNil: { task in
            guard let builder = builder(task) else { return nil }
            builder.place(.null)
            return builder.handle
        },
        freeObject: { object in
            guard let object else { return }
            Unmanaged<ReplyBuilder>.fromOpaque(object).takeUnretainedValue().reset()
        })
}
