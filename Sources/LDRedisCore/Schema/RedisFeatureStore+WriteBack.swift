/// The Redis side of an outage write-back (SPEC section 5): version-checked writes of many
/// items in few round trips, and init semantics for a kind that keep higher versions. Nothing
/// here ever sends `DEL` of a kind.
extension RedisFeatureStore {
    /// One item to write back.
    struct PendingWrite: Sendable {
        let kind: String
        let key: String
        let item: StoredItem
    }

    /// How many version-checked writes go in one pipelined round trip.
    static let writeBackBatchSize = 500

    /// Writes each item unless Redis holds an equal or higher version, with the upsert script,
    /// `writeBackBatchSize` per round trip (WATCH mode: one upsert at a time). An item Redis
    /// refuses (WRONGTYPE, OOM ...) gets its error and the others go on; an outage throws (what
    /// was written stays written). Returns one result per write, in order.
    func upsertMany(_ writes: [PendingWrite]) throws(StoreError) -> [Result<UpsertResult, StoreError>] {
        var results: [Result<UpsertResult, StoreError>] = []
        results.reserveCapacity(writes.count)
        var start = 0
        batches: while start < writes.count {
            if usesWatch {
                for w in writes[start...] {
                    do {
                        results.append(.success(try upsert(kind: w.kind, key: w.key, item: w.item)))
                    } catch {
                        if error.isOutage { throw error }
                        results.append(.failure(error))
                    }
                }
                break
            }
            let batch = writes[start..<min(writes.count, start + RedisFeatureStore.writeBackBatchSize)]
            var encoder = CommandEncoder(reserving: batch.reduce(256) { $0 + $1.item.json.count + $1.key.utf8.count + 96 })
            encoder.command("SCRIPT", "LOAD", UpsertScript.source)
            for w in batch {
                UpsertScript.appendEvalSHA(&encoder, sha: UpsertScript.sha1, hashKey: key(for: w.kind), field: w.key,
                                           version: String(w.item.version), json: w.item.json)
            }
            let replies = try pipeline(encoder)
            if let message = replies.first?.errorMessage {
                // A server that refuses scripting (ACL, renamed commands): WATCH from here on.
                if noteScriptingRefusal(message) { continue batches }
                throw ReplyError.storeError(message, replyingTo: "SCRIPT LOAD")
            }
            for (w, reply) in zip(batch, replies.dropFirst()) {
                if let message = reply.errorMessage {
                    if noteScriptingRefusal(message) { continue batches }   // this item and the rest: WATCH
                    let error = ReplyError.storeError(message, replyingTo: "the write-back of \"\(w.key)\" in \(key(for: w.kind))")
                    if error.isOutage { throw error }
                    results.append(.failure(error))
                } else {
                    results.append(Result { () throws(StoreError) in try UpsertScript.result(reply, hashKey: key(for: w.kind), field: w.key) })
                }
                start += 1
            }
        }
        return results
    }

    /// Init semantics for the given kinds, keeping higher versions: per kind one script writes
    /// each item unless Redis holds an equal or higher version and removes the fields not
    /// given; then `SET PREFIX:$inited ""`; all in one `MULTI`/`EXEC` and one round trip.
    /// Returns, per kind, the items Redis kept because they were newer. A refused kind
    /// (WRONGTYPE ...) is reported in `refused` and the others go on.
    func replaceKeepingNewer(_ kinds: [FullDataSet.Kind]) throws(StoreError)
        -> (kept: [String: [(key: String, item: StoredItem)]], refused: [String: StoreError]) {
        for kind in kinds { try DataKind.validate(kind.name) }
        var encoder = CommandEncoder()
        encoder.command("MULTI")
        for kind in kinds { ReplaceScript.appendEval(&encoder, hashKey: key(for: kind.name), items: kind.items) }
        encoder.command("SET", key(for: "$inited"), "")
        encoder.command("EXEC")
        let replies = try pipeline(encoder)
        for reply in replies.dropLast() {
            if let message = reply.errorMessage { throw ReplyError.storeError(message, replyingTo: "the write-back transaction") }
        }
        guard case .array(let results)? = replies.last, results.count == kinds.count + 1 else {
            if case .error(let message)? = replies.last { throw ReplyError.storeError(message, replyingTo: "the write-back transaction") }
            throw StoreError.redis("Redis aborted the write-back transaction")
        }
        var kept: [String: [(key: String, item: StoredItem)]] = [:]
        var refused: [String: StoreError] = [:]
        for (kind, result) in zip(kinds, results) {
            switch result {
            case .array(let flat):
                var winners: [(key: String, item: StoredItem)] = []
                var k = 0
                while k + 1 < flat.count {
                    if case .bulk(let field) = flat[k], case .bulk(let json) = flat[k + 1], let header = ItemParser.parseStored(json) {
                        winners.append((String(decoding: field, as: UTF8.self), StoredItem(header: header, json: json)))
                    }
                    k += 2
                }
                kept[kind.name] = winners
            case .error(let message):
                refused[kind.name] = ReplyError.storeError(message, replyingTo: "the write-back of \(key(for: kind.name))")
            default:
                refused[kind.name] = StoreError.redis("unexpected reply to the write-back of \(key(for: kind.name))")
            }
        }
        if case .error(let message)? = results.last {
            throw ReplyError.storeError(message, replyingTo: "SET \(key(for: "$inited"))")
        }
        return (kept, refused)
    }

    /// `SET PREFIX:$inited ""`.
    func markInitialized() throws(StoreError) {
        var command = CommandEncoder()
        command.command("SET", key(for: "$inited"), "")
        _ = try singleReply(command, "SET")
    }
}
