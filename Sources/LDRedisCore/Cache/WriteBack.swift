/// The infinite cache's recovery (SPEC section 5), keeping four promises:
/// 1. an upsert or delete that returned success is in Redis afterwards, unless someone wrote a
///    higher version of that item;
/// 2. no stored version is ever replaced by a lower one, except through an init the caller
///    made after that version was written (init is authoritative);
/// 3. every kind the store wrote is written back, not only the kinds of the last init;
/// 4. an item Redis refuses is reported and skipped; the rest continue.
///
/// The algorithm:
/// - Kinds whose latest init did not reach Redis (it was made during the outage) get init
///   semantics: with the store's writes held off (the gate, exclusive), the journal's items of
///   those kinds are taken and one `MULTI`/`EXEC` runs, per kind, a script that writes each item
///   unless Redis holds an equal or higher version and removes the fields not in the set, then
///   `SET PREFIX:$inited ""`. Writes the store acknowledged are in the journal, so none is removed.
/// - Every other item of the journal is written with the upsert script (version-checked,
///   pipelined in batches, never `DEL`). A concurrent write by this store or anyone else simply
///   wins or loses by version, as it would have without the outage.
/// - Where Redis kept a higher version, the cache and the journal learn it.
/// - If the store ever initialized, `$inited` is set again (Redis may have restarted empty).
/// An outage during the write-back aborts it (it runs again at the next recovery); any other
/// error is reported per item or kind, and the rest go on. When the server refuses the
/// replace transaction whole (it refuses scripting), the init's items are written back
/// version-checked like the others, without removing fields, and that is reported.
struct WriteBack {
    let core: RedisFeatureStore
    let journal: OutageJournal
    let gate: ReadWriteGate

    struct Report {
        var written = 0
        /// Items Redis held at an equal or higher version: (kind, key, stored winner).
        var winners: [(kind: String, key: String, item: StoredItem)] = []
        /// What Redis refused, one message per item or kind.
        var refused: [String] = []
        var refusedCount = 0
        /// What was done differently from the plan (and why).
        var notes: [String] = []

        /// A line for the status's last error, or nil when nothing was refused.
        var summary: String? {
            var parts = notes
            if refusedCount > 0 {
                parts.append("Redis refused \(refusedCount) item(s) or kind(s), skipped: " + refused.prefix(3).joined(separator: "; "))
            }
            return parts.isEmpty ? nil : "write-back after the outage: " + parts.joined(separator: "; ")
        }
    }

    /// Runs the write-back. Throws on an outage, or when it cannot proceed at all (a full pool,
    /// a closed store): the store then stays unavailable and it runs again at the next tick.
    func run() throws(StoreError) -> Report {
        var report = Report()
        var initedWritten = false
        if journal.hasUnappliedInits {
            try gate.exclusive { () throws(StoreError) in
                let replacements = journal.snapshot().replacements
                guard !replacements.isEmpty else { return }
                do throws(StoreError) {
                    let (kept, refused) = try core.replaceKeepingNewer(replacements)
                    for kind in replacements where refused[kind.name] == nil {
                        report.written += kind.items.count - (kept[kind.name]?.count ?? 0)
                    }
                    for (kind, winners) in kept {
                        for (key, item) in winners { report.winners.append((kind, key, item)) }
                    }
                    for (kind, error) in refused.sorted(by: { $0.key < $1.key }) {
                        report.refused.append("\(kind): \(error.description)")
                        report.refusedCount += 1
                    }
                    journal.replacementsApplied(replacements.map(\.name).filter { refused[$0] == nil })
                    initedWritten = true
                } catch {
                    if error.isOutage { throw error }
                    // The transaction was refused whole (a server that refuses scripting, OOM):
                    // the items still go back, version-checked, below; only the removal of the
                    // fields the init does not have is not done, and that is reported.
                    journal.replacementsApplied(replacements.map(\.name))
                    report.notes.append("an init made during the outage was written back without removing the fields it does not have (\(error.description))")
                }
            }
        }
        let snapshot = journal.snapshot()
        let results = try core.upsertMany(snapshot.writes)
        for (write, result) in zip(snapshot.writes, results) {
            switch result {
            case .success(.applied):
                report.written += 1
            case .success(.rejected(let stored?)):
                if stored != write.item { report.winners.append((write.kind, write.key, stored)) }
            case .success(.rejected(nil)):
                break
            case .failure(let error):
                report.refusedCount += 1
                if report.refused.count < 3 { report.refused.append("\(write.kind)/\(write.key): \(error.description)") }
            }
        }
        if snapshot.initialized && !initedWritten {
            do throws(StoreError) {
                try core.markInitialized()
            } catch {
                if error.isOutage { throw error }
                report.refusedCount += 1
                report.refused.append(error.description)
            }
        }
        return report
    }
}
