/// The per-kind list cache (the result of `all(kind)`), with coalescing of concurrent loads.
/// A write drops the kind's list (finite TTL) or patches it (infinite). Thread-safe.
final class ListCache: @unchecked Sendable {
    typealias Items = KindItems

    enum Lookup {
        case value(Items)
        case wait(InFlight<Items>)
        case load(InFlight<Items>)
    }

    private let lock = Lock()
    private var entries: [String: ListEntry] = [:]
    private var loads: [String: InFlight<Items>] = [:]
    private var hits = 0, misses = 0, coalesced = 0

    func lookup(_ kind: String, now: UInt64) -> Lookup {
        lock.withLock {
            if let entry = entries[kind] {
                if now < entry.expiresAt {
                    hits += 1
                    return .value(KindItems(items: entry.items, malformed: entry.malformed))
                }
                entries[kind] = nil
            }
            misses += 1
            if let load = loads[kind] {
                coalesced += 1
                return .wait(load)
            }
            let load = InFlight<Items>()
            loads[kind] = load
            return .load(load)
        }
    }

    func finishLoad(_ kind: String, _ load: InFlight<Items>, _ result: Result<Items, StoreError>, expiresAt: UInt64) {
        lock.withLock {
            if loads[kind] === load { loads[kind] = nil }
            if case .success(let items) = result, !load.superseded {
                entries[kind] = ListEntry(items: items.items, malformed: items.malformed, expiresAt: expiresAt)
            }
        }
        load.finish(result)
    }

    /// An item of `kind` changed: patch the list (keeping it) or drop it.
    func itemChanged(kind: String, key: String, item: StoredItem, patch: Bool) {
        lock.withLock {
            loads[kind]?.superseded = true
            if patch {
                entries[kind]?.patch(key, item)
            } else {
                entries[kind] = nil
            }
        }
    }

    /// Drops the list of `kind` and cancels its load.
    func drop(_ kind: String) {
        lock.withLock {
            loads[kind]?.superseded = true
            entries[kind] = nil
        }
    }

    /// Sets the lists of the kinds of an init.
    func replace(_ kinds: [FullDataSet.Kind], expiresAt: UInt64) {
        lock.withLock {
            for kind in kinds { entries[kind.name] = ListEntry(items: kind.items, expiresAt: expiresAt) }
        }
    }

    func clear(into garbage: Disposal) {
        lock.withLock {
            garbage.add(entries)
            entries = [:]
            for (_, load) in loads { load.superseded = true }
        }
    }

    var counters: (hits: Int, misses: Int, coalesced: Int, entries: Int) {
        lock.withLock { (hits, misses, coalesced, entries.count) }
    }
}
